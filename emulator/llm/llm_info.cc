#include "emulator/llm/llm_info.h"

namespace agw::emulator::llm {

std::string_view InputFormatName(InputFormat format) {
  switch (format) {
    case InputFormat::kCompletions:
      return "Completions";
    case InputFormat::kMessages:
      return "Messages";
    case InputFormat::kResponses:
      return "Responses";
    case InputFormat::kEmbeddings:
      return "Embeddings";
    case InputFormat::kCountTokens:
      return "CountTokens";
    case InputFormat::kDetect:
      return "Detect";
    case InputFormat::kRerank:
      return "Rerank";
    case InputFormat::kGemini:
      return "Gemini";
    case InputFormat::kGeminiCountTokens:
      return "GeminiCountTokens";
  }
  return "Completions";
}

Json RequestSummaryJson(const RequestInfo& info) {
  Json json = Json::object();
  json["input_format"] = InputFormatName(info.input_format);
  // Every provider agentgateway ships reports input tokens including cached ones.
  json["cache_convention"] = "InputIncludesCache";
  json["request_model"] = info.request_model;
  json["provider"] = info.provider;
  json["streaming"] = info.streaming;
  json["params"] = info.params;
  // Non-chat requests (embeddings) have no prompt; upstream then omits the key.
  if (!info.prompt.is_null()) {
    json["prompt"] = info.prompt;
  }
  return json;
}

namespace {

template <typename T>
void PutIfSet(Json& json, const char* key, const std::optional<T>& value) {
  if (value) {
    json[key] = *value;
  }
}

}  // namespace

Json ResponseInfoJson(const ResponseInfo& info) {
  Json json = Json::object();
  PutIfSet(json, "input_tokens", info.input_tokens);
  PutIfSet(json, "input_text_tokens", info.input_text_tokens);
  PutIfSet(json, "input_image_tokens", info.input_image_tokens);
  PutIfSet(json, "input_audio_tokens", info.input_audio_tokens);
  PutIfSet(json, "output_tokens", info.output_tokens);
  PutIfSet(json, "output_text_tokens", info.output_text_tokens);
  PutIfSet(json, "output_image_tokens", info.output_image_tokens);
  PutIfSet(json, "output_audio_tokens", info.output_audio_tokens);
  PutIfSet(json, "total_tokens", info.total_tokens);
  PutIfSet(json, "cache_creation_input_tokens", info.cache_creation_input_tokens);
  PutIfSet(json, "cached_input_tokens", info.cached_input_tokens);
  PutIfSet(json, "reasoning_tokens", info.reasoning_tokens);
  PutIfSet(json, "service_tier", info.service_tier);
  PutIfSet(json, "provider_model", info.provider_model);
  PutIfSet(json, "output_messages", info.output_messages);
  PutIfSet(json, "completion", info.completion);
  return json;
}

}  // namespace agw::emulator::llm
