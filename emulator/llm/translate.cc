#include "emulator/llm/translate.h"

#include "emulator/llm/sse.h"

namespace agw::llm {
namespace {

// Usage as OpenAI (Completions, Responses, Embeddings) or Anthropic report it.
void ReadUsage(const Json& body, ResponseInfo& info) {
  if (!body.is_object()) return;
  if (body.contains("model") && body["model"].is_string()) info.provider_model = body["model"];
  const Json* usage = body.contains("usage") && body["usage"].is_object() ? &body["usage"] : nullptr;
  if (body.contains("message") && body["message"].is_object()) {  // Anthropic message_start
    const Json& message = body["message"];
    if (message.contains("model")) info.provider_model = message["model"];
    if (message.contains("usage")) usage = &message["usage"];
  }
  if (usage == nullptr) return;
  auto number = [&](const char* key) -> std::optional<int64_t> {
    if (usage->contains(key) && (*usage)[key].is_number_integer()) return (*usage)[key].get<int64_t>();
    return std::nullopt;
  };
  if (auto v = number("prompt_tokens")) info.input_tokens = v;
  if (auto v = number("input_tokens")) info.input_tokens = v;
  if (auto v = number("completion_tokens")) info.output_tokens = v;
  if (auto v = number("output_tokens")) info.output_tokens = v;
  if (auto v = number("total_tokens")) info.total_tokens = v;
  if (auto v = number("cache_read_input_tokens")) info.cached_input_tokens = v;
  if (auto v = number("cache_creation_input_tokens")) info.cache_creation_input_tokens = v;
  if (info.input_tokens && info.output_tokens && !number("total_tokens")) {
    info.total_tokens = *info.input_tokens + *info.output_tokens;
  }
}

// Same format on both sides: bytes go through untouched, events are only read for usage.
class PassthroughStream : public StreamTranslator {
 public:
  void Feed(std::string_view bytes, std::string& out) override {
    out.append(bytes);
    parser_.Feed(bytes, [this](const SseEvent& event) { Inspect(event); });
  }
  void Finish(std::string& out) override {
    parser_.Finish([this](const SseEvent& event) { Inspect(event); });
  }
  const ResponseInfo& info() const override { return info_; }

 private:
  void Inspect(const SseEvent& event) {
    Json data = Json::parse(event.data, nullptr, false);
    if (!data.is_discarded()) ReadUsage(data, info_);
  }
  SseParser parser_;
  ResponseInfo info_;
};

bool SameFormat(InputFormat input, WireFormat wire) {
  switch (input) {
    case InputFormat::kCompletions: return wire == WireFormat::kOpenAICompletions;
    case InputFormat::kMessages: return wire == WireFormat::kAnthropicMessages;
    case InputFormat::kResponses: return wire == WireFormat::kOpenAIResponses;
    case InputFormat::kEmbeddings: return wire == WireFormat::kOpenAIEmbeddings;
    case InputFormat::kRerank: return wire == WireFormat::kCohereRerank;
    case InputFormat::kCountTokens: return wire == WireFormat::kAnthropicCountTokens;
    case InputFormat::kGemini: return wire == WireFormat::kGeminiNative;
    case InputFormat::kGeminiCountTokens: return wire == WireFormat::kGeminiCountTokens;
    case InputFormat::kDetect: return wire == WireFormat::kRaw;
  }
  return false;
}

std::string Unsupported(InputFormat input, WireFormat wire) {
  return "unsupported conversion: from " + std::string(InputFormatName(input)) + " to " +
         std::string(WireFormatName(wire));
}

}  // namespace

std::string_view WireFormatName(WireFormat format) {
  switch (format) {
    case WireFormat::kOpenAICompletions: return "OpenAICompletions";
    case WireFormat::kOpenAIResponses: return "OpenAIResponses";
    case WireFormat::kAnthropicMessages: return "AnthropicMessages";
    case WireFormat::kBedrockConverse: return "BedrockConverse";
    case WireFormat::kGeminiNative: return "VertexGemini";
    case WireFormat::kOpenAIEmbeddings: return "Embeddings";
    case WireFormat::kVertexEmbeddings: return "VertexEmbeddings";
    case WireFormat::kBedrockEmbeddings: return "BedrockEmbeddings";
    case WireFormat::kCohereRerank: return "Rerank";
    case WireFormat::kVertexRerank: return "VertexRerank";
    case WireFormat::kBedrockRerank: return "BedrockRerank";
    case WireFormat::kAnthropicCountTokens: return "AnthropicTokenCount";
    case WireFormat::kVertexCountTokens: return "VertexTokenCount";
    case WireFormat::kBedrockCountTokens: return "BedrockTokenCount";
    case WireFormat::kGeminiCountTokens: return "GeminiCountTokens";
    case WireFormat::kRaw: return "Passthrough";
  }
  return "Passthrough";
}

bool IsPassthrough(InputFormat input, WireFormat wire) { return SameFormat(input, wire); }

Translated<RequestTranslation> TranslateRequest(InputFormat input, WireFormat wire,
                                                const Json& body, const ProviderOptions& options) {
  if (!SameFormat(input, wire)) return tl::unexpected(Unsupported(input, wire));
  RequestTranslation translation{body, {}};
  translation.info.input_format = input;
  return translation;
}

Translated<ResponseTranslation> TranslateResponse(InputFormat input, WireFormat wire,
                                                  std::string_view upstream_body,
                                                  const ProviderOptions& options) {
  if (!SameFormat(input, wire)) return tl::unexpected(Unsupported(input, wire));
  Json body = Json::parse(upstream_body, nullptr, false);
  ResponseTranslation translation;
  if (!body.is_discarded()) {
    ReadUsage(body, translation.info);
    translation.body = std::move(body);
  }
  return translation;
}

std::unique_ptr<StreamTranslator> MakeStreamTranslator(InputFormat input, WireFormat wire,
                                                       const ProviderOptions& options) {
  if (SameFormat(input, wire)) return std::make_unique<PassthroughStream>();
  return nullptr;
}

std::optional<std::string> TranslateError(InputFormat input, WireFormat wire, int status,
                                          std::string_view upstream_body) {
  if (SameFormat(input, wire)) return std::string(upstream_body);
  return std::nullopt;
}

}  // namespace agw::llm
