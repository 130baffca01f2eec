#include "emulator/llm/openai.h"

namespace agw::llm {

namespace {

std::string StringOr(const Json& object, const char* key, std::string fallback = "") {
  auto found = object.find(key);
  if (found == object.end() || !found->is_string()) return fallback;
  return found->get<std::string>();
}

std::optional<int64_t> IntAt(const Json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  auto found = object.find(key);
  if (found == object.end() || !found->is_number_integer()) return std::nullopt;
  return found->get<int64_t>();
}

// Copies `key` into `params` as `as` when the client set it to a number.
void CopyNumber(const Json& body, const char* key, Json& params, const char* as) {
  auto found = body.find(key);
  if (found != body.end() && found->is_number()) params[as] = *found;
}

std::string TextOfParts(const Json& parts) {
  std::string text;
  bool first = true;
  for (const Json& part : parts) {
    if (!part.is_object() || StringOr(part, "type") != "text") continue;
    if (!first) text.push_back('\n');
    text += StringOr(part, "text");
    first = false;
  }
  return text;
}

Json ResponsesItemFor(const PromptMessage& message) {
  Json item = Json::object();
  item["type"] = "message";
  if (message.role == "assistant") {
    item["role"] = message.role;
    item["content"] = message.content;
    return item;
  }
  Json part = Json::object();
  part["type"] = "input_text";
  part["text"] = message.content;
  item["content"] = Json::array({part});
  // Anything but system and developer is sent as a user message, as upstream does.
  item["role"] = message.role == "system" || message.role == "developer" ? message.role : "user";
  return item;
}

Json UserTextItem(const std::string& text) { return ResponsesItemFor({"user", text}); }

void OverrideModel(Json& body, const ProviderOptions& options) {
  if (!options.model.empty()) body["model"] = options.model;
}

}  // namespace

void EnrichCompletionsPrompt(Json& body, const PromptEnrichment& enrichment) {
  Json messages = Json::array();
  auto add = [&messages](const PromptMessage& message) {
    messages.push_back(Json{{"role", message.role}, {"content", message.content}});
  };
  for (const PromptMessage& message : enrichment.prepend) add(message);
  if (auto existing = body.find("messages"); existing != body.end() && existing->is_array()) {
    for (const Json& message : *existing) messages.push_back(message);
  }
  for (const PromptMessage& message : enrichment.append) add(message);
  body["messages"] = std::move(messages);
}

void EnrichResponsesPrompt(Json& body, const PromptEnrichment& enrichment) {
  Json items = Json::array();
  for (const PromptMessage& message : enrichment.prepend)
    items.push_back(ResponsesItemFor(message));
  if (auto input = body.find("input"); input != body.end()) {
    if (input->is_string()) {
      items.push_back(UserTextItem(input->get<std::string>()));
    } else if (input->is_array()) {
      for (const Json& item : *input) items.push_back(item);
    }
  }
  for (const PromptMessage& message : enrichment.append) items.push_back(ResponsesItemFor(message));
  body["input"] = std::move(items);
}

Json CompletionsPromptMessages(const Json& request) {
  Json prompt = Json::array();
  auto messages = request.find("messages");
  if (messages == request.end() || !messages->is_array()) return prompt;
  for (const Json& message : *messages) {
    if (!message.is_object()) continue;
    const Json content = message.value("content", Json());
    std::string text = content.is_string()  ? content.get<std::string>()
                       : content.is_array() ? TextOfParts(content)
                                            : std::string();
    prompt.push_back(Json{{"role", StringOr(message, "role")}, {"content", std::move(text)}});
  }
  return prompt;
}

Translated<RequestTranslation> CompletionsPassthroughRequest(const Json& client_body,
                                                             const ProviderOptions& options) {
  if (!client_body.is_object())
    return tl::unexpected<std::string>("request body is not a JSON object");
  RequestTranslation out;
  out.body = client_body;
  OverrideModel(out.body, options);
  out.info.input_format = InputFormat::kCompletions;
  out.info.request_model = StringOr(client_body, "model");
  out.info.streaming = client_body.value("stream", false);
  CopyNumber(client_body, "temperature", out.info.params, "temperature");
  CopyNumber(client_body, "top_p", out.info.params, "top_p");
  CopyNumber(client_body, "frequency_penalty", out.info.params, "frequency_penalty");
  CopyNumber(client_body, "presence_penalty", out.info.params, "presence_penalty");
  CopyNumber(client_body, "seed", out.info.params, "seed");
  CopyNumber(client_body, "max_tokens", out.info.params, "max_tokens");
  CopyNumber(client_body, "max_completion_tokens", out.info.params, "max_tokens");
  out.info.prompt = CompletionsPromptMessages(client_body);
  return out;
}

Translated<RequestTranslation> EmbeddingsRequest(const Json& client_body,
                                                 const ProviderOptions& options) {
  if (!client_body.is_object())
    return tl::unexpected<std::string>("request body is not a JSON object");
  RequestTranslation out;
  out.body = client_body;
  OverrideModel(out.body, options);
  out.info.input_format = InputFormat::kEmbeddings;
  out.info.request_model = StringOr(client_body, "model");
  if (auto format = client_body.find("encoding_format");
      format != client_body.end() && format->is_string()) {
    out.info.params["encoding_format"] = *format;
  }
  CopyNumber(client_body, "dimensions", out.info.params, "dimensions");
  out.info.prompt = Json();  // embeddings inputs are not chat messages
  return out;
}

Translated<ResponseTranslation> EmbeddingsResponse(std::string_view upstream_body) {
  Json body = Json::parse(upstream_body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object())
    return tl::unexpected<std::string>("embeddings response is not a JSON object");
  ResponseTranslation out;
  // Some OpenAI-compatible servers (Gemini's) omit usage; the client still gets the key.
  if (!body.contains("usage")) body["usage"] = nullptr;
  const Json& usage = body["usage"];
  out.info.input_tokens = IntAt(usage, "prompt_tokens");
  out.info.total_tokens = IntAt(usage, "total_tokens");
  if (auto model = body.find("model"); model != body.end() && model->is_string()) {
    out.info.provider_model = model->get<std::string>();
  }
  out.body = std::move(body);
  return out;
}

std::string EmbeddingsError(int status, std::string_view upstream_body) {
  return std::string(upstream_body);
}

}  // namespace agw::llm
