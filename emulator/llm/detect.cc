#include "emulator/llm/detect.h"

#include <initializer_list>
#include <optional>
#include <string>

#include "emulator/llm/chat_json.h"
#include "emulator/llm/sse_stream.h"

namespace agw::emulator::llm {
namespace {

using Path = std::initializer_list<std::string_view>;

// The first of `paths` that holds a count. agentgateway reads these as u64, so a negative or
// fractional number counts as absent.
std::optional<int64_t> FirstCount(const Json& body, std::initializer_list<Path> paths) {
  for (Path path : paths) {
    const Json* value = chat::Find(body, path);
    if (value != nullptr && value->is_number_unsigned()) {
      return value->get<int64_t>();
    }
    if (value != nullptr && value->is_number_integer() && value->get<int64_t>() >= 0) {
      return value->get<int64_t>();
    }
  }
  return std::nullopt;
}

std::optional<std::string> FirstString(const Json& body, std::initializer_list<Path> paths) {
  for (Path path : paths) {
    if (auto value = chat::StringAt(body, path)) {
      return value;
    }
  }
  return std::nullopt;
}

template <typename T>
void SetIfFound(std::optional<T>& field, std::optional<T> value) {
  if (value) {
    field = std::move(value);
  }
}

class DetectStream : public SseJsonStream {
 public:
  DetectStream() : SseJsonStream(/*forwards_upstream=*/true) {}

 protected:
  void OnEvent(const SseEvent&, const Json* data, std::string&) override {
    if (data != nullptr) {
      ReadDetectedUsage(*data, info_);
    }
  }
};

}  // namespace

void ReadDetectedUsage(const Json& body, ResponseInfo& info) {
  std::optional<int64_t> input =
      FirstCount(body, {{"usage", "input_tokens"},
                        {"response", "usage", "input_tokens"},
                        {"usage", "prompt_tokens"},
                        {"usage", "inputTokens"},
                        {"metadata", "usage", "inputTokens"},
                        {"usageMetadata", "promptTokenCount"},
                        {"response", "usageMetadata", "promptTokenCount"}});
  std::optional<int64_t> output =
      FirstCount(body, {{"usage", "output_tokens"},
                        {"response", "usage", "output_tokens"},
                        {"usage", "completion_tokens"},
                        {"usage", "outputTokens"},
                        {"metadata", "usage", "outputTokens"},
                        {"usageMetadata", "candidatesTokenCount"},
                        {"response", "usageMetadata", "candidatesTokenCount"}});
  std::optional<int64_t> total =
      FirstCount(body, {{"usage", "total_tokens"},
                        {"usage", "totalTokens"},
                        {"usageMetadata", "totalTokenCount"},
                        {"response", "usageMetadata", "totalTokenCount"}});
  SetIfFound(info.input_tokens, input);
  SetIfFound(info.output_tokens, output);
  SetIfFound(info.total_tokens, total);
  if (!total && input && output) {
    info.total_tokens = *input + *output;
  }
  SetIfFound(info.input_image_tokens,
             FirstCount(body, {{"usage", "input_tokens_details", "image_tokens"}}));
  SetIfFound(info.input_text_tokens,
             FirstCount(body, {{"usage", "input_tokens_details", "text_tokens"}}));
  SetIfFound(info.input_audio_tokens,
             FirstCount(body, {{"usage", "prompt_tokens_details", "audio_tokens"}}));
  SetIfFound(info.output_image_tokens,
             FirstCount(body, {{"usage", "output_tokens_details", "image_tokens"}}));
  SetIfFound(info.output_text_tokens,
             FirstCount(body, {{"usage", "output_tokens_details", "text_tokens"}}));
  SetIfFound(info.output_audio_tokens,
             FirstCount(body, {{"usage", "completion_tokens_details", "audio_tokens"}}));
  SetIfFound(info.reasoning_tokens,
             FirstCount(body, {{"usage", "output_tokens_details", "reasoning_tokens"},
                               {"response", "usage", "output_tokens_details", "reasoning_tokens"},
                               {"usage", "completion_tokens_details", "reasoning_tokens"}}));
  // The InvokeModel spelling below is agentgateway's (it never matches Bedrock's
  // cacheWriteInputTokenCount), kept so usage reads the same.
  SetIfFound(info.cache_creation_input_tokens,
             FirstCount(body, {{"usage", "input_tokens_details", "cache_write_tokens"},
                               {"response", "usage", "input_tokens_details", "cache_write_tokens"},
                               {"usage", "prompt_tokens_details", "cache_write_tokens"},
                               {"usage", "cache_creation_input_tokens"},
                               {"usage", "cacheWriteInputTokens"},
                               {"metadata", "usage", "cacheWriteInputTokensCount"}}));
  SetIfFound(info.cached_input_tokens,
             FirstCount(body, {{"usage", "cache_read_input_tokens"},
                               {"usage", "input_tokens_details", "cached_tokens"},
                               {"response", "usage", "input_tokens_details", "cached_tokens"},
                               {"usage", "prompt_tokens_details", "cached_tokens"},
                               {"usage", "cacheReadInputTokens"},
                               {"metadata", "usage", "cacheReadInputTokenCount"}}));
  SetIfFound(info.provider_model, FirstString(body, {{"model"}, {"message", "model"}}));
  SetIfFound(info.service_tier, FirstString(body, {{"service_tier"},
                                                   {"response", "service_tier"},
                                                   {"usage", "service_tier"}}));
}

Translated<ResponseTranslation> DetectResponse(std::string_view upstream_body) {
  ResponseTranslation out;
  std::optional<Json> parsed = chat::ParseJson(upstream_body);
  if (!parsed) {
    out.body = std::string(upstream_body);
    return out;
  }
  ReadDetectedUsage(*parsed, out.info);
  out.body = std::move(*parsed);
  return out;
}

std::unique_ptr<StreamTranslator> MakeDetectStreamTranslator() {
  return std::make_unique<DetectStream>();
}

}  // namespace agw::emulator::llm
