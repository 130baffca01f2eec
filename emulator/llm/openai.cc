#include "emulator/llm/openai.h"

#include "emulator/llm/chat_json.h"
#include "emulator/llm/json_codec.h"
#include "emulator/llm/request_info.h"

namespace agw::emulator::llm {

namespace {

// Copies `key` into `params` as `as` when the client set it to a number.
void CopyNumber(const Json& body, const char* key, Json& params, const char* as) {
  auto found = body.find(key);
  if (found != body.end() && found->is_number()) {
    params[as] = *found;
  }
}

void OverrideModel(Json& body, const ProviderOptions& options) {
  if (!options.model.empty()) {
    body["model"] = options.model;
  }
}

}  // namespace

Translated<RequestTranslation> CompletionsPassthroughRequest(const Json& client_body,
                                                             const ProviderOptions& options) {
  if (!client_body.is_object()) {
    return tl::unexpected<std::string>("request body is not a JSON object");
  }
  RequestTranslation out;
  out.body = client_body;
  OverrideModel(out.body, options);
  out.info = CompletionsRequestInfo(client_body, "", options.record_prompt);
  return out;
}

Translated<RequestText> CompletionsPassthroughRequestText(Json& client_body,
                                                          std::string_view messages_text,
                                                          const ProviderOptions& options) {
  if (!client_body.is_object()) {
    return tl::unexpected<std::string>("request body is not a JSON object");
  }
  RequestInfo info = CompletionsRequestInfo(client_body, "", /*with_prompt=*/false);
  OverrideModel(client_body, options);  // after: the summary has the model the client asked for
  return RequestText{WriteJsonWithArrayText(client_body, "messages", messages_text),
                     std::move(info)};
}

Translated<RequestTranslation> EmbeddingsRequest(const Json& client_body,
                                                 const ProviderOptions& options) {
  if (!client_body.is_object()) {
    return tl::unexpected<std::string>("request body is not a JSON object");
  }
  RequestTranslation out;
  out.body = client_body;
  OverrideModel(out.body, options);
  out.info.input_format = InputFormat::kEmbeddings;
  out.info.request_model = chat::StringAt(client_body, {"model"}).value_or("");
  if (auto format = client_body.find("encoding_format");
      format != client_body.end() && format->is_string()) {
    out.info.params["encoding_format"] = *format;
  }
  CopyNumber(client_body, "dimensions", out.info.params, "dimensions");
  out.info.prompt = Json();  // embeddings inputs are not chat messages
  return out;
}

Translated<ResponseTranslation> EmbeddingsResponse(std::string_view upstream_body) {
  Json body = ReadJson(upstream_body);
  if (!body.is_object()) {
    return tl::unexpected<std::string>("embeddings response is not a JSON object");
  }
  ResponseTranslation out;
  // Some OpenAI-compatible servers (Gemini's) omit usage; the client still gets the key.
  if (!body.contains("usage")) {
    body["usage"] = nullptr;
  }
  const Json& usage = body["usage"];
  out.info.input_tokens = chat::IntAt(usage, {"prompt_tokens"});
  out.info.total_tokens = chat::IntAt(usage, {"total_tokens"});
  if (auto model = body.find("model"); model != body.end() && model->is_string()) {
    out.info.provider_model = model->get<std::string>();
  }
  out.body = std::move(body);
  return out;
}

std::string EmbeddingsError(int status, std::string_view upstream_body) {
  return std::string(upstream_body);
}

}  // namespace agw::emulator::llm
