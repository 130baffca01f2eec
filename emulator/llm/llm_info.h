#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "emulator/llm/formats.h"

namespace agw::emulator::llm {

using Json = nlohmann::ordered_json;

// What the gateway learned from a client request: feeds model resolution, metrics and logs
// (agentgateway's LLMRequest). `prompt` holds the messages as {role, content-text} pairs;
// null for requests that carry no conversation (embeddings, rerank, count-tokens), whose
// summaries have no prompt at all, and when ProviderOptions::record_prompt was off.
struct RequestInfo {
  InputFormat input_format = InputFormat::kCompletions;
  std::string request_model;
  std::string provider;
  bool streaming = false;
  Json params = Json::object();  // temperature, top_p, max_tokens, ... as the client set them
  Json prompt = Json::array();   // null: the request type logs no prompt (count_tokens)
};

// Token usage and output facts read from an upstream response (agentgateway's LLMResponse).
// Absent fields stay absent in JSON, as upstream omits them.
struct ResponseInfo {
  std::optional<int64_t> input_tokens;
  std::optional<int64_t> input_text_tokens;
  std::optional<int64_t> input_image_tokens;
  std::optional<int64_t> input_audio_tokens;
  std::optional<int64_t> output_tokens;
  std::optional<int64_t> output_text_tokens;
  std::optional<int64_t> output_image_tokens;
  std::optional<int64_t> output_audio_tokens;
  std::optional<int64_t> total_tokens;
  std::optional<int64_t> cache_creation_input_tokens;
  std::optional<int64_t> cached_input_tokens;
  std::optional<int64_t> reasoning_tokens;
  std::optional<std::string> service_tier;
  std::optional<std::string> provider_model;
  std::optional<Json> output_messages;
  // Streaming only: the text the client received, concatenated per choice.
  std::optional<std::vector<std::string>> completion;
};

Json RequestSummaryJson(const RequestInfo& info);
Json ResponseInfoJson(const ResponseInfo& info);

}  // namespace agw::emulator::llm
