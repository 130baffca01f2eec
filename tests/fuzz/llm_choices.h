#pragma once

// The choices the LLM fuzz targets pick from with their leading bytes: every client format,
// every wire format, the providers a translation can be told about, and client requests whose
// tool names the Bedrock answers map back.

#include <array>
#include <string>

#include "emulator/llm/json_codec.h"
#include "emulator/llm/translate.h"
#include "tests/fuzz/fuzz_input.h"

namespace agw::fuzz {

inline constexpr std::array kInputFormats = {
    emulator::llm::InputFormat::kCompletions,
    emulator::llm::InputFormat::kMessages,
    emulator::llm::InputFormat::kResponses,
    emulator::llm::InputFormat::kEmbeddings,
    emulator::llm::InputFormat::kCountTokens,
    emulator::llm::InputFormat::kDetect,
    emulator::llm::InputFormat::kRerank,
    emulator::llm::InputFormat::kGemini,
    emulator::llm::InputFormat::kGeminiCountTokens,
};

inline constexpr std::array kWireFormats = {
    emulator::llm::WireFormat::kOpenAICompletions, emulator::llm::WireFormat::kOpenAIResponses,
    emulator::llm::WireFormat::kAnthropicMessages, emulator::llm::WireFormat::kBedrockConverse,
    emulator::llm::WireFormat::kGeminiNative,      emulator::llm::WireFormat::kOpenAIEmbeddings,
    emulator::llm::WireFormat::kVertexEmbeddings,  emulator::llm::WireFormat::kBedrockEmbeddings,
    emulator::llm::WireFormat::kCohereRerank,      emulator::llm::WireFormat::kVertexRerank,
    emulator::llm::WireFormat::kBedrockRerank,     emulator::llm::WireFormat::kAnthropicCountTokens,
    emulator::llm::WireFormat::kVertexCountTokens, emulator::llm::WireFormat::kBedrockCountTokens,
    emulator::llm::WireFormat::kGeminiCountTokens, emulator::llm::WireFormat::kRaw,
};

// The provider kinds of the AgentgatewayBackend CRD (custom has no formats of its own here).
inline constexpr std::array<const char*, 7> kProviderKinds = {
    "openai", "anthropic", "gemini", "vertexai", "bedrock", "azure", "custom"};

// Models whose names change what a translation does (Bedrock embeddings and rerank bodies by
// model family, Vertex Claude vs Gemini), and no model at all.
inline constexpr std::array<const char*, 8> kModels = {
    "",
    "gpt-4o",
    "claude-sonnet-4-5@20250929",
    "gemini-2.5-flash",
    "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "amazon.titan-embed-text-v2:0",
    "cohere.embed-english-v3",
    "amazon.nova-2-multimodal-embeddings-v1:0",
};

// One byte: the low 3 bits the provider kind, the next 3 the model.
inline emulator::llm::ProviderOptions ChooseOptions(FuzzInput& input) {
  uint8_t byte = input.Byte();
  emulator::llm::ProviderOptions options;
  options.provider = kProviderKinds[(byte & 7) % kProviderKinds.size()];
  options.model = kModels[(byte >> 3) & 7];
  options.region = options.provider == "bedrock" ? "us-east-1" : "us-central1";
  options.project = "fuzz-project";
  options.request_id = "req-fuzz";
  return options;
}

// The client request a response answers (Bedrock renames tool names it cannot take and maps
// them back in the answer), for each client format, or none.
inline emulator::llm::Json ChooseClientBody(FuzzInput& input) {
  static const std::array<std::string, 4> kBodies = {
      "null",
      R"({"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function",)"
      R"("function":{"name":"get.weather/now","parameters":{"type":"object"}}}]})",
      R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],)"
      R"("tools":[{"name":"get weather","input_schema":{"type":"object"}}]})",
      R"({"model":"m","input":"hi","tools":[{"type":"function","name":"a:b",)"
      R"("parameters":{"type":"object"}}]})",
  };
  return emulator::llm::ReadJson(kBodies[input.Choose(kBodies.size())]);
}

// A request summary or usage record written as `run`'s access log writes it (malformed UTF-8 from
// a client or provider becomes U+FFFD there rather than an exception).
inline std::string LogLine(const emulator::llm::Json& record) {
  return record.dump(-1, ' ', false, emulator::llm::Json::error_handler_t::replace);
}

}  // namespace agw::fuzz
