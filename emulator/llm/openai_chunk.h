#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/llm/llm_info.h"

namespace agw::emulator::llm {

// What the gateway records from one OpenAI chunk it passes through. Pointers, when set, are
// into the chunk's parsed document.
struct ChunkFacts {
  struct Choice {
    std::optional<int64_t> index;
    std::optional<std::string> content;
    std::optional<std::string> finish_reason;
    const Json* tool_calls = nullptr;
  };
  std::optional<std::string> model;
  std::optional<std::string> service_tier;
  const Json* usage = nullptr;  // an object
  bool has_choices = false;     // `choices` is an array
  std::vector<Choice> choices;
};

// The facts of a parsed chunk.
ChunkFacts FactsOfDocument(const Json& chunk);

// The same facts read straight from a chunk's text, building no document (nearly every chunk of
// a stream is a text delta, and a document per chunk was most of a passthrough stream's cost).
// nullopt, for the caller to parse the document instead, when the chunk holds what needs one (a
// usage object, tool calls) or is not a well-formed JSON object; what it does return equals
// FactsOfDocument(ReadJson(data)).
std::optional<ChunkFacts> ReadChunkFacts(std::string_view data);

}  // namespace agw::emulator::llm
