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
    llm::InputFormat::kCompletions,
    llm::InputFormat::kMessages,
    llm::InputFormat::kResponses,
    llm::InputFormat::kEmbeddings,
    llm::InputFormat::kCountTokens,
    llm::InputFormat::kDetect,
    llm::InputFormat::kRerank,
    llm::InputFormat::kGemini,
    llm::InputFormat::kGeminiCountTokens,
};

inline constexpr std::array kWireFormats = {
    llm::WireFormat::kOpenAICompletions, llm::WireFormat::kOpenAIResponses,
    llm::WireFormat::kAnthropicMessages, llm::WireFormat::kBedrockConverse,
    llm::WireFormat::kGeminiNative,      llm::WireFormat::kOpenAIEmbeddings,
    llm::WireFormat::kVertexEmbeddings,  llm::WireFormat::kBedrockEmbeddings,
    llm::WireFormat::kCohereRerank,      llm::WireFormat::kVertexRerank,
    llm::WireFormat::kBedrockRerank,     llm::WireFormat::kAnthropicCountTokens,
    llm::WireFormat::kVertexCountTokens, llm::WireFormat::kBedrockCountTokens,
    llm::WireFormat::kGeminiCountTokens, llm::WireFormat::kRaw,
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
inline llm::ProviderOptions ChooseOptions(FuzzInput& input) {
  uint8_t byte = input.Byte();
  llm::ProviderOptions options;
  options.provider = kProviderKinds[(byte & 7) % kProviderKinds.size()];
  options.model = kModels[(byte >> 3) & 7];
  options.region = options.provider == "bedrock" ? "us-east-1" : "us-central1";
  options.project = "fuzz-project";
  options.request_id = "req-fuzz";
  return options;
}

// The client request a response answers (Bedrock renames tool names it cannot take and maps
// them back in the answer), for each client format, or none.
inline llm::Json ChooseClientBody(FuzzInput& input) {
  static const std::array<std::string, 4> kBodies = {
      "null",
      R"({"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function",)"
      R"("function":{"name":"get.weather/now","parameters":{"type":"object"}}}]})",
      R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],)"
      R"("tools":[{"name":"get weather","input_schema":{"type":"object"}}]})",
      R"({"model":"m","input":"hi","tools":[{"type":"function","name":"a:b",)"
      R"("parameters":{"type":"object"}}]})",
  };
  return llm::ReadJson(kBodies[input.Choose(kBodies.size())]);
}

// A request summary or usage record written as `run`'s access log writes it (malformed UTF-8 from
// a client or provider becomes U+FFFD there rather than an exception).
inline std::string LogLine(const llm::Json& record) {
  return record.dump(-1, ' ', false, llm::Json::error_handler_t::replace);
}

}  // namespace agw::fuzz
