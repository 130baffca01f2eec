// ReadChunkFacts (the passthrough stream's reading of a chunk without a document) against
// FactsOfDocument on the parsed chunk: whenever the fast reading answers, it answers the same.
#include "emulator/llm/openai_chunk.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "emulator/llm/json_codec.h"
#include "tests/support/paths.h"

namespace agw::emulator::llm {
namespace {

// True when `data` was read without a document; fails the test when the two readings differ.
bool CheckSameFacts(const std::string& data) {
  INFO("chunk: " << data);
  std::optional<ChunkFacts> fast = ReadChunkFacts(data);
  if (!fast) {
    return false;
  }
  Json document = ReadJson(data);
  REQUIRE(document.is_object());
  ChunkFacts expected = FactsOfDocument(document);
  CHECK(expected.usage == nullptr);  // a usage object needs the document path
  CHECK(fast->model == expected.model);
  CHECK(fast->service_tier == expected.service_tier);
  REQUIRE(fast->has_choices == expected.has_choices);
  REQUIRE(fast->choices.size() == expected.choices.size());
  for (size_t i = 0; i < expected.choices.size(); ++i) {
    CHECK(fast->choices[i].index == expected.choices[i].index);
    CHECK(fast->choices[i].content == expected.choices[i].content);
    CHECK(fast->choices[i].finish_reason == expected.choices[i].finish_reason);
    // Tool calls (an array) need the document path; anything else there is not read.
    const Json* tool_calls = expected.choices[i].tool_calls;
    CHECK((tool_calls == nullptr || !tool_calls->is_array()));
  }
  return true;
}

TEST_CASE("Chunks of the shared OpenAI streams read the same with and without a document") {
  size_t chunks = 0, fast = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(std::filesystem::path(test::kSharedDir))) {
    if (!entry.is_regular_file()) {
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    std::string text = content.str();
    if (text.find("chat.completion.chunk") == std::string::npos) {
      continue;
    }
    // Fixture files hold streams as SSE text or as JSON strings of it: take every data line.
    Json whole = ReadJson(text);
    std::string sse = whole.is_string() ? whole.get<std::string>() : text;
    std::istringstream lines(sse);
    for (std::string line; std::getline(lines, line);) {
      if (!line.starts_with("data: ")) {
        continue;
      }
      ++chunks;
      if (CheckSameFacts(line.substr(6))) {
        ++fast;
      }
    }
  }
  CHECK(chunks > 0);
  CHECK(fast > 0);
}

TEST_CASE("Chunks with repeated, null, mistyped and nested members read the same both ways") {
  std::mt19937_64 random(11);
  auto pick = [&](std::initializer_list<const char*> options) {
    return std::string(options.begin()[random() % options.size()]);
  };
  auto value = [&] {
    return pick({"null", "\"text\"", "\"\\u00e9\\n\"", "3", "-1", "2.5", "true", "[]", "{}",
                 "[\"a\",{\"content\":\"x\"}]", "{\"content\":\"nested\"}",
                 "18446744073709551615"});
  };
  size_t fast = 0;
  for (int i = 0; i < 5000; ++i) {
    auto delta = [&] {
      std::string out = "{";
      size_t members = random() % 4;
      for (size_t m = 0; m < members; ++m) {
        if (m > 0) {
          out += ",";
        }
        out +=
            "\"" + pick({"content", "role", "content", "refusal", "tool_calls"}) + "\":" + value();
      }
      return out + "}";
    };
    auto choice = [&] {
      if (random() % 8 == 0) {
        return value();
      }
      std::string out = "{";
      size_t members = random() % 5;
      for (size_t m = 0; m < members; ++m) {
        if (m > 0) {
          out += ",";
        }
        std::string key = pick({"index", "delta", "finish_reason", "logprobs", "delta"});
        out += "\"" + key + "\":" + (key == "delta" && random() % 3 != 0 ? delta() : value());
      }
      return out + "}";
    };
    std::string chunk = "{";
    size_t members = random() % 6;
    for (size_t m = 0; m < members; ++m) {
      if (m > 0) {
        chunk += ",";
      }
      std::string key = pick({"id", "model", "service_tier", "choices", "usage", "choices"});
      chunk += "\"" + key + "\":";
      if (key == "choices" && random() % 4 != 0) {
        chunk += "[";
        size_t count = random() % 3;
        for (size_t c = 0; c < count; ++c) {
          chunk += (c > 0 ? "," : "") + choice();
        }
        chunk += "]";
      } else {
        chunk += value();
      }
    }
    chunk += "}";
    if (CheckSameFacts(chunk)) {
      ++fast;
    }
  }
  CHECK(fast > 1000);  // most of them took the fast path, so the comparison means something
}

TEST_CASE("Chunks that need a document, or are not objects, are left to the document path") {
  CHECK_FALSE(ReadChunkFacts(R"({"choices":[],"usage":{"prompt_tokens":1}})"));
  CHECK_FALSE(ReadChunkFacts(R"({"choices":[{"delta":{"tool_calls":[{"index":0}]}}]})"));
  CHECK_FALSE(ReadChunkFacts("[DONE]"));
  CHECK_FALSE(ReadChunkFacts("[1]"));
  CHECK_FALSE(ReadChunkFacts("\"text\""));
  CHECK_FALSE(ReadChunkFacts(R"({"model":"a"} trailing)"));
  CHECK(ReadChunkFacts(R"({"choices":[{"index":0,"delta":{"content":"hi","tool_calls":null}}]})"));
}

}  // namespace
}  // namespace agw::emulator::llm
