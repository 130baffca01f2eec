#include "emulator/llm/bedrock.h"

#include <cctype>
#include <map>
#include <set>

#include "emulator/llm/bedrock_internal.h"
#include "emulator/llm/chat_json.h"
#include "emulator/llm/json_codec.h"
#include "emulator/llm/request_info.h"

namespace agw::emulator::llm {

using bedrock_internal::Find;
using bedrock_internal::HexOf;

namespace bedrock_internal {

std::string HexOf(uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[value & 0xF]);
    value >>= 4;
  } while (value != 0);
  return out;
}

std::string CompletionsFinishReason(std::string_view stop_reason) {
  if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded") {
    return "length";
  }
  if (stop_reason == "tool_use") {
    return "tool_calls";
  }
  if (stop_reason == "content_filtered" || stop_reason == "guardrail_intervened") {
    return "content_filter";
  }
  return "stop";  // end_turn, stop_sequence
}

std::string MessagesStopReason(std::string_view stop_reason) {
  if (stop_reason == "content_filtered" || stop_reason == "guardrail_intervened") {
    return "refusal";
  }
  return std::string(stop_reason);  // the other Converse reasons share Anthropic's names
}

std::string ResponsesStatus(std::string_view stop_reason) {
  if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded") {
    return "incomplete";
  }
  if (stop_reason == "content_filtered" || stop_reason == "guardrail_intervened") {
    return "failed";
  }
  return "completed";
}

std::string ResponsesItemStatus(std::string_view stop_reason) {
  std::string status = ResponsesStatus(stop_reason);
  return status == "failed" ? "incomplete" : status;
}

Json OutputMessages(const Json& tool_calls, std::string_view finish_reason) {
  Json content = Json::array();
  for (const Json& call : tool_calls) {
    Json arguments = ReadJson(call.value("arguments", std::string()));
    if (arguments.is_discarded()) {
      arguments = call.value("arguments", std::string());
    }
    content.push_back({{"type", "tool_call"},
                       {"id", call.value("id", std::string())},
                       {"name", call.value("name", std::string())},
                       {"arguments", std::move(arguments)}});
  }
  Json message = {{"role", "assistant"}, {"content", std::move(content)}};
  if (!finish_reason.empty()) {
    message["finish_reason"] = finish_reason;
  }
  return Json::array({std::move(message)});
}

void ReadConverseUsage(const Json& usage, ResponseInfo& info) {
  info.input_tokens = chat::CountAt(usage, "inputTokens").value_or(0);
  info.output_tokens = chat::CountAt(usage, "outputTokens").value_or(0);
  info.total_tokens = chat::CountAt(usage, "totalTokens").value_or(0);
  info.cached_input_tokens = chat::CountAt(usage, "cacheReadInputTokens");
  info.cache_creation_input_tokens = chat::CountAt(usage, "cacheWriteInputTokens");
}

Json CompletionsUsage(const Json& usage) {
  Json out = {{"prompt_tokens", chat::CountAt(usage, "inputTokens").value_or(0)},
              {"completion_tokens", chat::CountAt(usage, "outputTokens").value_or(0)},
              {"total_tokens", chat::CountAt(usage, "totalTokens").value_or(0)}};
  std::optional<int64_t> cache_read = chat::CountAt(usage, "cacheReadInputTokens");
  std::optional<int64_t> cache_write = chat::CountAt(usage, "cacheWriteInputTokens");
  if (cache_read || cache_write) {
    Json details = Json::object();
    if (cache_read) {
      details["cached_tokens"] = *cache_read;
    }
    if (cache_write) {
      details["cache_write_tokens"] = *cache_write;
    }
    out["prompt_tokens_details"] = std::move(details);
  }
  if (cache_read) {
    out["cache_read_input_tokens"] = *cache_read;
  }
  if (cache_write) {
    out["cache_creation_input_tokens"] = *cache_write;
  }
  return out;
}

Json ResponsesUsage(const Json& usage, bool null_cache_write) {
  Json details = {{"cached_tokens", chat::CountAt(usage, "cacheReadInputTokens").value_or(0)}};
  if (std::optional<int64_t> write = chat::CountAt(usage, "cacheWriteInputTokens")) {
    details["cache_write_tokens"] = *write;
  } else if (null_cache_write) {
    details["cache_write_tokens"] = nullptr;
  }
  return {{"input_tokens", chat::CountAt(usage, "inputTokens").value_or(0)},
          {"input_tokens_details", std::move(details)},
          {"output_tokens", chat::CountAt(usage, "outputTokens").value_or(0)},
          {"output_tokens_details", {{"reasoning_tokens", 0}}},
          {"total_tokens", chat::CountAt(usage, "totalTokens").value_or(0)}};
}

}  // namespace bedrock_internal

namespace {

constexpr size_t kMaxToolNameLength = 64;
constexpr int kMaxCachePoints = 4;  // Converse rejects more
constexpr int64_t kDefaultMaxTokens = 4096;
constexpr std::string_view kDummyToolName = "agentgateway_dummy_do_not_call";

// Anthropic beta features Bedrock accepts in additionalModelRequestFields.anthropic_beta.
const std::set<std::string, std::less<>> kAllowedAnthropicBetas = {
    "computer-use-2025-01-24",         "token-efficient-tools-2025-02-19",
    "interleaved-thinking-2025-05-14", "output-128k-2025-02-19",
    "dev-full-thinking-2025-05-14",    "context-1m-2025-08-07",
    "context-management-2025-06-27",   "effort-2025-11-24",
    "tool-search-tool-2025-10-19",     "tool-examples-2025-10-29",
};

bool IsValidToolName(std::string_view name) {
  if (name.empty() || name.size() > kMaxToolNameLength) {
    return false;
  }
  for (unsigned char c : name) {
    if (!std::isalnum(c) && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

// FNV-1a: a stable hash, so a renamed tool keeps its name across requests.
uint64_t StableHash(std::string_view text) {
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : text) {
    hash = (hash ^ c) * 1099511628211ull;
  }
  return hash;
}

std::string Hex(uint64_t value, int digits) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(digits, '0');
  for (int i = digits - 1; i >= 0; --i, value >>= 4) {
    out[i] = kDigits[value & 0xF];
  }
  return out;
}

// A request Converse cannot carry: the translation fails with this message.
tl::unexpected<std::string> Unsupported(std::string_view what) {
  return tl::unexpected("unsupported conversion: " + std::string(what));
}

// A `data:<media type>;base64,<data>` URL split in its parts.
std::optional<std::pair<std::string, std::string>> ParseDataUrl(std::string_view url) {
  if (url.rfind("data:", 0) != 0) {
    return std::nullopt;
  }
  size_t comma = url.find(',');
  if (comma == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view meta = url.substr(5, comma - 5);
  constexpr std::string_view kBase64 = ";base64";
  if (meta.size() < kBase64.size() || meta.substr(meta.size() - kBase64.size()) != kBase64) {
    return std::nullopt;
  }
  return std::make_pair(std::string(meta.substr(0, meta.size() - kBase64.size())),
                        std::string(url.substr(comma + 1)));
}

// Converse names an image's format by the subtype of an `image/<subtype>` media type.
bool IsImageMediaType(std::string_view media_type) {
  return media_type.rfind("image/", 0) == 0 && media_type.size() > 6;
}

// The image block for a media type IsImageMediaType accepts.
Json ImageBlockOf(std::string_view media_type, std::string data) {
  return {{"image", {{"format", media_type.substr(6)}, {"source", {{"bytes", std::move(data)}}}}}};
}

Translated<Json> ImageBlock(std::string_view media_type, std::string data) {
  if (!IsImageMediaType(media_type)) {
    return Unsupported("bedrock image inputs must use a non-empty image/* media type");
  }
  return ImageBlockOf(media_type, std::move(data));
}

Translated<Json> ImageBlockFromUrl(std::string_view url) {
  if (url.rfind("data:", 0) != 0) {
    return Unsupported(
        "bedrock image inputs must be base64 data URLs; remote URLs and file_ids are "
        "unsupported");
  }
  auto parsed = ParseDataUrl(url);
  if (!parsed) {
    return Unsupported("bedrock image data URLs must be base64-encoded");
  }
  return ImageBlock(parsed->first, std::move(parsed->second));
}

Json CachePoint() { return {{"cachePoint", {{"type", "default"}}}}; }

// Appends a cache point after a block the client marked, while Converse's budget lasts.
class CacheBudget {
 public:
  void MaybeAppend(Json& blocks, bool marked) {
    if (!marked || used_ >= kMaxCachePoints) {
      return;
    }
    blocks.push_back(CachePoint());
    ++used_;
  }

 private:
  int used_ = 0;
};

bool IsBlank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos;
}

// Converse wants strictly alternating roles, so a message of the previous message's role joins
// it (OpenAI sends one `tool` message per parallel tool result).
void PushOrMerge(Json& messages, std::string_view role, Json content) {
  if (!messages.empty() && messages.back()["role"] == role) {
    for (Json& block : content) {
      messages.back()["content"].push_back(std::move(block));
    }
    return;
  }
  messages.push_back({{"role", role}, {"content", std::move(content)}});
}

Json ToolSpec(std::string name, const Json* description, Json input_schema) {
  return {{"toolSpec",
           {{"name", std::move(name)},
            {"description", description != nullptr ? *description : Json(nullptr)},
            {"inputSchema", {{"json", std::move(input_schema)}}}}}};
}

// Converse requires a toolConfig whenever the history holds tool blocks; a placeholder avoids
// offering the model the historical tools again.
void EnsureToolConfigForHistory(Json& request) {
  if (request.contains("toolConfig")) {
    return;
  }
  for (const Json& message : request["messages"]) {
    for (const Json& block : message["content"]) {
      if (block.contains("toolUse") || block.contains("toolResult")) {
        request["toolConfig"] = {{"tools", Json::array({ToolSpec(std::string(kDummyToolName),
                                                                 nullptr, {{"type", "object"}})})}};
        return;
      }
    }
  }
}

Json ThinkingFields(int64_t budget) {
  return {{"thinking", {{"type", "enabled"}, {"budget_tokens", budget}}}};
}

Json JsonSchemaOutputConfig(const Json& schema, const Json* name, const Json* description) {
  Json json_schema = {{"schema", WriteJson(schema)}};
  if (name != nullptr) {
    json_schema["name"] = *name;
  }
  if (description != nullptr) {
    json_schema["description"] = *description;
  }
  return {{"textFormat", {{"type", "json_schema"}, {"structure", {{"jsonSchema", json_schema}}}}}};
}

// OpenAI `response_format` / Responses `text.format` -> Converse outputConfig.
std::optional<Json> OutputConfigForFormat(const Json& format) {
  std::string type = chat::StringValueOr(format, "type", "");
  if (type == "json_object") {
    return JsonSchemaOutputConfig({{"type", "object"}, {"additionalProperties", true}}, nullptr,
                                  nullptr);
  }
  if (type != "json_schema") {
    return std::nullopt;
  }
  // Completions nest the schema under `json_schema`; Responses put it beside `type`.
  const Json* holder = Find(format, "json_schema");
  const Json& definition = holder != nullptr ? *holder : format;
  const Json* schema = Find(definition, "schema");
  return JsonSchemaOutputConfig(schema != nullptr ? *schema : Json(nullptr),
                                Find(definition, "name"), Find(definition, "description"));
}

void AddGuardrail(Json& request, const BedrockRequestContext& context) {
  if (context.guardrail_identifier.empty() || context.guardrail_version.empty()) {
    return;
  }
  request["guardrailConfig"] = {{"guardrailIdentifier", context.guardrail_identifier},
                                {"guardrailVersion", context.guardrail_version},
                                {"trace", "enabled"}};
}

// x-bedrock-metadata: top-level strings, numbers and booleans become requestMetadata.
void AddRequestMetadata(Json& request, const BedrockRequestContext& context) {
  if (context.metadata_header.empty()) {
    return;
  }
  Json header = ReadJson(context.metadata_header);
  if (!header.is_object()) {
    return;
  }
  Json metadata = Json::object();
  for (const auto& [key, value] : header.items()) {
    if (value.is_string()) {
      metadata[key] = value;
    } else if (value.is_number() || value.is_boolean()) {
      metadata[key] = WriteJson(value);
    }
  }
  if (!metadata.empty()) {
    request["requestMetadata"] = std::move(metadata);
  }
}

void MergeAdditionalField(Json& request, const std::string& key, Json value) {
  request["additionalModelRequestFields"][key] = std::move(value);
}

// ---- Request summaries ----------------------------------------------------------------------

RequestInfo BaseInfo(InputFormat format, const Json& body) {
  RequestInfo info;
  info.input_format = format;
  info.request_model = chat::StringValueOr(body, "model", "");
  info.provider = "bedrock";
  const Json* stream = Find(body, "stream");
  info.streaming = stream != nullptr && stream->is_boolean() && stream->get<bool>();
  return info;
}

void PutInt(Json& params, const char* out_key, const Json& body, const char* key) {
  if (std::optional<int64_t> value = chat::CountAt(body, key)) {
    params[out_key] = *value;
  }
}

// Summaries of non-chat requests carry no prompt.
RequestInfo PromptlessInfo(InputFormat format, const Json& body) {
  RequestInfo info = BaseInfo(format, body);
  info.prompt = nullptr;
  return info;
}

// Runs `build`, which reports what it cannot translate as an error; nlohmann's exceptions
// (a member of an unexpected type, `at` on a missing key) become errors here, the adapter.
template <typename Build>
Translated<RequestTranslation> Guarded(Build build) {
  try {
    return build();
  } catch (const nlohmann::json::exception& error) {
    return tl::unexpected(std::string("failed to parse request: ") + error.what());
  }
}

// ---- Completions -> Converse ----------------------------------------------------------------

bool Marked(const Json& part) { return Find(part, "prompt_cache_breakpoint") != nullptr; }

Translated<Json> CompletionsUserContent(const Json* content, CacheBudget& cache) {
  Json blocks = Json::array();
  if (content == nullptr) {
    return blocks;
  }
  if (content->is_string()) {
    if (!IsBlank(content->get_ref<const std::string&>())) {
      blocks.push_back({{"text", *content}});
    }
    return blocks;
  }
  if (!content->is_array()) {
    return blocks;
  }
  for (const Json& part : *content) {
    std::string type = chat::StringValueOr(part, "type", "");
    if (type == "text") {
      std::string text = chat::StringValueOr(part, "text", "");
      if (IsBlank(text)) {
        continue;
      }
      blocks.push_back({{"text", text}});
      cache.MaybeAppend(blocks, Marked(part));
    } else if (type == "image_url") {
      const Json* image = Find(part, "image_url");
      Translated<Json> block =
          ImageBlockFromUrl(image != nullptr ? chat::StringValueOr(*image, "url", "") : "");
      if (!block) {
        return tl::unexpected(std::move(block.error()));
      }
      blocks.push_back(std::move(*block));
      cache.MaybeAppend(blocks, Marked(part));
    }
    // input_audio and file parts have no Converse equivalent here.
  }
  return blocks;
}

// Converse rejects non-object toolUse inputs, so unparseable or scalar arguments become {}.
Json ToolInput(std::string_view arguments) {
  Json input = ReadJson(arguments);
  return input.is_object() ? input : Json::object();
}

Json CompletionsAssistantContent(const Json& message, BedrockToolNames& names, CacheBudget& cache) {
  Json blocks = Json::array();
  // A signed reasoning block is replayed first; Bedrock rejects unsigned ones.
  if (std::string signature = chat::StringValueOr(message, "reasoning_signature", "");
      !signature.empty()) {
    blocks.push_back({{"reasoningContent",
                       {{"reasoningText",
                         {{"text", chat::StringValueOr(message, "reasoning_content", "")},
                          {"signature", signature}}}}}});
  }
  if (const Json* content = Find(message, "content")) {
    if (content->is_string()) {
      if (!IsBlank(content->get_ref<const std::string&>())) {
        blocks.push_back({{"text", *content}});
      }
    } else if (content->is_array()) {
      for (const Json& part : *content) {
        std::string type = chat::StringValueOr(part, "type", "");
        std::string text = chat::StringValueOr(part, type == "refusal" ? "refusal" : "text", "");
        if ((type != "text" && type != "refusal") || IsBlank(text)) {
          continue;
        }
        blocks.push_back({{"text", text}});
        if (type == "text") {
          cache.MaybeAppend(blocks, Marked(part));
        }
      }
    }
  }
  if (std::string refusal = chat::StringValueOr(message, "refusal", ""); !IsBlank(refusal)) {
    blocks.push_back({{"text", refusal}});
  }
  if (const Json* calls = Find(message, "tool_calls"); calls != nullptr && calls->is_array()) {
    for (const Json& call : *calls) {
      const Json* function = Find(call, "function");
      const Json* custom = Find(call, "custom");
      const Json& spec = function != nullptr ? *function : custom != nullptr ? *custom : call;
      std::string arguments =
          chat::StringValueOr(spec, function != nullptr ? "arguments" : "input", "");
      blocks.push_back({{"toolUse",
                         {{"toolUseId", chat::StringValueOr(call, "id", "")},
                          {"name", names.Register(chat::StringValueOr(spec, "name", ""))},
                          {"input", ToolInput(arguments)}}}});
    }
  }
  return blocks;
}

Json CompletionsToolContent(const Json& message, CacheBudget& cache) {
  Json results = Json::array();
  bool marked = false;
  const Json* content = Find(message, "content");
  if (content != nullptr && content->is_string()) {
    results.push_back({{"text", *content}});
  } else if (content != nullptr && content->is_array()) {
    for (const Json& part : *content) {
      marked = marked || Marked(part);
      results.push_back({{"text", chat::StringValueOr(part, "text", "")}});
    }
  }
  Json blocks = Json::array();
  if (results.empty()) {
    return blocks;
  }
  // OpenAI tool messages carry no success/error status, so none is claimed.
  blocks.push_back({{"toolResult",
                     {{"toolUseId", chat::StringValueOr(message, "tool_call_id", "")},
                      {"content", std::move(results)},
                      {"status", nullptr}}}});
  cache.MaybeAppend(blocks, marked);
  return blocks;
}

void RegisterCompletionsToolNames(const Json& body, BedrockToolNames& names) {
  if (const Json* tools = Find(body, "tools"); tools != nullptr && tools->is_array()) {
    for (const Json& tool : *tools) {
      if (chat::StringValueOr(tool, "type", "") != "function") {
        continue;
      }
      if (const Json* function = Find(tool, "function")) {
        names.Register(chat::StringValueOr(*function, "name", ""));
      }
    }
  }
  if (const Json* choice = Find(body, "tool_choice"); choice != nullptr && choice->is_object()) {
    if (const Json* function = Find(*choice, "function")) {
      names.Register(chat::StringValueOr(*function, "name", ""));
    }
  }
  if (const Json* messages = Find(body, "messages"); messages != nullptr && messages->is_array()) {
    for (const Json& message : *messages) {
      const Json* calls = Find(message, "tool_calls");
      if (chat::StringValueOr(message, "role", "") != "assistant" || calls == nullptr ||
          !calls->is_array()) {
        continue;
      }
      for (const Json& call : *calls) {
        const Json* function = Find(call, "function");
        const Json* custom = Find(call, "custom");
        if (function != nullptr) {
          names.Register(chat::StringValueOr(*function, "name", ""));
        }
        if (custom != nullptr) {
          names.Register(chat::StringValueOr(*custom, "name", ""));
        }
      }
    }
  }
}

// The request's `messages` array, or the error of a request without one.
Translated<const Json*> MessageList(const Json& body) {
  const Json* messages = Find(body, "messages");
  if (messages == nullptr || !messages->is_array()) {
    return tl::unexpected(std::string("missing field: messages"));
  }
  return messages;
}

Json CompletionsSystem(const Json& messages, CacheBudget& cache) {
  std::vector<std::pair<std::string, bool>> parts;  // text, marked for caching
  for (const Json& message : messages) {
    std::string role = chat::StringValueOr(message, "role", "");
    if (role != "system" && role != "developer") {
      continue;
    }
    const Json* content = Find(message, "content");
    if (content != nullptr && content->is_string()) {
      if (!IsBlank(content->get_ref<const std::string&>())) {
        parts.emplace_back(*content, false);
      }
    } else if (content != nullptr && content->is_array()) {
      for (const Json& part : *content) {
        std::string text = chat::StringValueOr(part, "text", "");
        if (!IsBlank(text)) {
          parts.emplace_back(text, Marked(part));
        }
      }
    }
  }
  Json system = Json::array();
  if (parts.empty()) {
    return system;
  }
  bool any_marked = false;
  for (const auto& part : parts) {
    any_marked = any_marked || part.second;
  }
  if (any_marked) {
    for (const auto& [text, marked] : parts) {
      system.push_back({{"text", text}});
      cache.MaybeAppend(system, marked);
    }
    return system;
  }
  std::string joined;
  for (const auto& part : parts) {
    if (!joined.empty()) {
      joined.push_back('\n');
    }
    joined += part.first;
  }
  system.push_back({{"text", joined}});
  return system;
}

Json CompletionsInferenceConfig(const Json& body) {
  std::optional<int64_t> max_tokens = chat::CountAt(body, "max_completion_tokens");
  if (!max_tokens) {
    max_tokens = chat::CountAt(body, "max_tokens");
  }
  Json config = {{"maxTokens", max_tokens.value_or(kDefaultMaxTokens)}};
  if (const Json* temperature = Find(body, "temperature")) {
    config["temperature"] = *temperature;
  }
  if (const Json* top_p = Find(body, "top_p")) {
    config["topP"] = *top_p;
  }
  if (const Json* stop = Find(body, "stop")) {
    config["stopSequences"] = stop->is_array() ? *stop : Json::array({*stop});
  }
  return config;
}

std::optional<Json> CompletionsToolChoice(const Json& body, BedrockToolNames& names) {
  const Json* choice = Find(body, "tool_choice");
  if (choice == nullptr) {
    return std::nullopt;
  }
  if (choice->is_string()) {
    if (*choice == "auto") {
      return Json("auto");
    }
    if (*choice == "required") {
      return Json("any");
    }
    return std::nullopt;
  }
  const Json* function = Find(*choice, "function");
  if (function == nullptr) {
    return std::nullopt;
  }
  return Json{{"tool", {{"name", names.Register(chat::StringValueOr(*function, "name", ""))}}}};
}

Translated<Json> CompletionsToConverse(const Json& body, const BedrockRequestContext& context) {
  BedrockToolNames names;
  RegisterCompletionsToolNames(body, names);
  CacheBudget cache;
  Json request = Json::object();
  Translated<const Json*> list = MessageList(body);
  if (!list) {
    return tl::unexpected(std::move(list.error()));
  }
  Json system = CompletionsSystem(**list, cache);

  Json messages = Json::array();
  for (const Json& message : **list) {
    std::string role = chat::StringValueOr(message, "role", "");
    Json content;
    std::string bedrock_role = "user";
    if (role == "user") {
      Translated<Json> user = CompletionsUserContent(Find(message, "content"), cache);
      if (!user) {
        return tl::unexpected(std::move(user.error()));
      }
      content = std::move(*user);
    } else if (role == "assistant") {
      content = CompletionsAssistantContent(message, names, cache);
      bedrock_role = "assistant";
    } else if (role == "tool") {
      content = CompletionsToolContent(message, cache);
    } else if (role == "function") {
      std::string text = chat::StringValueOr(message, "content", "");
      content = IsBlank(text) ? Json::array() : Json::array({{{"text", text}}});
    } else {
      continue;  // system and developer went into `system`
    }
    if (!content.empty()) {
      PushOrMerge(messages, bedrock_role, std::move(content));
    }
  }
  request["messages"] = std::move(messages);
  if (!system.empty()) {
    request["system"] = std::move(system);
  }
  request["inferenceConfig"] = CompletionsInferenceConfig(body);
  if (const Json* format = Find(body, "response_format")) {
    if (std::optional<Json> output = OutputConfigForFormat(*format)) {
      request["outputConfig"] = std::move(*output);
    }
  }
  if (const Json* tools = Find(body, "tools"); tools != nullptr && tools->is_array()) {
    Json specs = Json::array();
    for (const Json& tool : *tools) {
      const Json* function = Find(tool, "function");
      if (chat::StringValueOr(tool, "type", "") != "function" || function == nullptr) {
        continue;
      }
      const Json* parameters = Find(*function, "parameters");
      specs.push_back(ToolSpec(names.Register(chat::StringValueOr(*function, "name", "")),
                               Find(*function, "description"),
                               parameters != nullptr ? *parameters : Json(nullptr)));
    }
    Json tool_config = {{"tools", std::move(specs)}};
    if (std::optional<Json> choice = CompletionsToolChoice(body, names)) {
      // agentgateway spells the key this way on the wire.
      tool_config["tool_choice"] = std::move(*choice);
    }
    request["toolConfig"] = std::move(tool_config);
  }
  AddGuardrail(request, context);
  std::optional<int64_t> budget =
      chat::ThinkingBudget(chat::StringValueOr(body, "reasoning_effort", ""));
  if (budget) {
    request["additionalModelRequestFields"] = ThinkingFields(*budget);
  }
  // Anthropic manual thinking is incompatible with custom sampling parameters.
  if (std::optional<int64_t> top_k = chat::CountAt(body, "top_k"); top_k && !budget) {
    MergeAdditionalField(request, "top_k", *top_k);
  }
  AddRequestMetadata(request, context);
  EnsureToolConfigForHistory(request);
  return request;
}

// ---- Messages -> Converse -------------------------------------------------------------------

bool HasCacheControl(const Json& block) { return Find(block, "cache_control") != nullptr; }

void RegisterMessagesToolNames(const Json& body, BedrockToolNames& names) {
  if (const Json* tools = Find(body, "tools"); tools != nullptr && tools->is_array()) {
    for (const Json& tool : *tools) {
      names.Register(chat::StringValueOr(tool, "name", ""));
    }
  }
  if (const Json* choice = Find(body, "tool_choice");
      choice != nullptr && chat::StringValueOr(*choice, "type", "") == "tool") {
    names.Register(chat::StringValueOr(*choice, "name", ""));
  }
  if (const Json* messages = Find(body, "messages"); messages != nullptr && messages->is_array()) {
    for (const Json& message : *messages) {
      const Json* content = Find(message, "content");
      if (content == nullptr || !content->is_array()) {
        continue;
      }
      for (const Json& block : *content) {
        if (chat::StringValueOr(block, "type", "") == "tool_use") {
          names.Register(chat::StringValueOr(block, "name", ""));
        }
      }
    }
  }
}

// A custom tool has no `type` or type "custom"; server tools (web search, ...) run upstream of
// the model on Anthropic's API and have no Converse equivalent.
bool IsCustomTool(const Json& tool) {
  std::string type = chat::StringValueOr(tool, "type", "");
  return type.empty() || type == "custom";
}

// An image content block's base64 `source` as a Converse image.
Translated<Json> MessagesImageBlock(const Json& source) {
  if (chat::StringValueOr(source, "media_type", "").empty() || Find(source, "data") == nullptr) {
    return Unsupported(
        "bedrock image source must be base64 (media_type + data); URL image sources are "
        "unsupported");
  }
  return ImageBlock(chat::StringValueOr(source, "media_type", ""),
                    chat::StringValueOr(source, "data", ""));
}

// The same inside a tool result, where an image Converse cannot take is left out instead.
std::optional<Json> ToolResultImageBlock(const Json& source) {
  std::string media_type = chat::StringValueOr(source, "media_type", "");
  if (Find(source, "data") == nullptr || !IsImageMediaType(media_type)) {
    return std::nullopt;
  }
  return ImageBlockOf(media_type, chat::StringValueOr(source, "data", ""));
}

Json ToolResultBlock(const Json& block, bool& marked) {
  Json results = Json::array();
  const Json* content = Find(block, "content");
  if (content != nullptr && content->is_string()) {
    results.push_back({{"text", *content}});
  } else if (content != nullptr && content->is_array()) {
    for (const Json& part : *content) {
      std::string type = chat::StringValueOr(part, "type", "");
      if (type == "text") {
        marked = marked || HasCacheControl(part);
        results.push_back({{"text", chat::StringValueOr(part, "text", "")}});
      } else if (type == "image") {
        const Json* source = Find(part, "source");
        std::optional<Json> image =
            source != nullptr ? ToolResultImageBlock(*source) : std::nullopt;
        if (!image) {
          continue;
        }
        marked = marked || HasCacheControl(part);
        results.push_back(std::move(*image));
      }
    }
  }
  Json status = nullptr;
  if (const Json* is_error = Find(block, "is_error");
      is_error != nullptr && is_error->is_boolean()) {
    status = is_error->get<bool>() ? "error" : "success";
  }
  return {{"toolResult",
           {{"toolUseId", chat::StringValueOr(block, "tool_use_id", "")},
            {"content", std::move(results)},
            {"status", std::move(status)}}}};
}

// One Anthropic content block -> a Converse block; nullopt for blocks Converse leaves out, an
// error for an image it cannot take.
Translated<std::optional<Json>> MessagesBlock(const Json& block, BedrockToolNames& names,
                                              bool& marked) {
  std::string type = chat::StringValueOr(block, "type", "");
  marked = HasCacheControl(block);
  if (type == "text") {
    return Json{{"text", chat::StringValueOr(block, "text", "")}};
  }
  if (type == "image") {
    const Json* source = Find(block, "source");
    Translated<Json> image = MessagesImageBlock(source != nullptr ? *source : Json::object());
    if (!image) {
      return tl::unexpected(std::move(image.error()));
    }
    return std::move(*image);
  }
  if (type == "tool_use") {
    const Json* input = Find(block, "input");
    return Json{{"toolUse",
                 {{"toolUseId", chat::StringValueOr(block, "id", "")},
                  {"name", names.Register(chat::StringValueOr(block, "name", ""))},
                  {"input", input != nullptr ? *input : Json::object()}}}};
  }
  if (type == "tool_result") {
    return ToolResultBlock(block, marked);
  }
  if (type == "thinking") {
    marked = false;
    return Json{{"reasoningContent",
                 {{"reasoningText",
                   {{"text", chat::StringValueOr(block, "thinking", "")},
                    {"signature", chat::StringValueOr(block, "signature", "")}}}}}};
  }
  return std::nullopt;  // redacted thinking, documents, server tool results, ...
}

Translated<Json> MessagesContentBlocks(const Json* content, BedrockToolNames& names,
                                       CacheBudget& cache) {
  Json blocks = Json::array();
  if (content != nullptr && content->is_string()) {
    blocks.push_back({{"text", *content}});
    return blocks;
  }
  if (content == nullptr || !content->is_array()) {
    return blocks;
  }
  for (const Json& block : *content) {
    bool marked = false;
    Translated<std::optional<Json>> converted = MessagesBlock(block, names, marked);
    if (!converted) {
      return tl::unexpected(std::move(converted.error()));
    }
    if (!*converted) {
      continue;
    }
    blocks.push_back(std::move(**converted));
    cache.MaybeAppend(blocks, marked);
  }
  return blocks;
}

void AppendSystemText(Json& system, const Json& block, CacheBudget& cache) {
  system.push_back({{"text", chat::StringValueOr(block, "text", "")}});
  cache.MaybeAppend(system, HasCacheControl(block));
}

Json MessagesSystem(const Json& body, CacheBudget& cache) {
  Json system = Json::array();
  const Json* field = Find(body, "system");
  if (field != nullptr && field->is_string()) {
    system.push_back({{"text", *field}});
  } else if (field != nullptr && field->is_array()) {
    for (const Json& block : *field) {
      AppendSystemText(system, block, cache);
    }
  }
  return system;
}

std::optional<Json> MessagesToolChoice(const Json& body, bool thinking_enabled,
                                       BedrockToolNames& names) {
  const Json* choice = Find(body, "tool_choice");
  std::string type = choice != nullptr ? chat::StringValueOr(*choice, "type", "") : "";
  // Bedrock accepts only `any` alongside explicit extended thinking.
  if (thinking_enabled && type != "any") {
    return Json("any");
  }
  if (type == "auto") {
    return Json("auto");
  }
  if (type == "any") {
    return Json("any");
  }
  if (type == "tool") {
    return Json{{"tool", {{"name", names.Register(chat::StringValueOr(*choice, "name", ""))}}}};
  }
  return std::nullopt;
}

std::vector<std::string> AllowedBetas(std::string_view header) {
  std::vector<std::string> betas;
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    size_t first = item.find_first_not_of(" \t");
    size_t last = item.find_last_not_of(" \t");
    if (first == std::string_view::npos) {
      continue;
    }
    item = item.substr(first, last - first + 1);
    if (kAllowedAnthropicBetas.count(item) != 0) {
      betas.emplace_back(item);
    }
  }
  return betas;
}

Translated<Json> MessagesToConverse(const Json& body, const BedrockRequestContext& context) {
  BedrockToolNames names;
  RegisterMessagesToolNames(body, names);
  CacheBudget cache;
  const Json* thinking = Find(body, "thinking");
  bool thinking_enabled =
      thinking != nullptr && chat::StringValueOr(*thinking, "type", "") == "enabled";

  // Tools are prepared before the messages so definitions keep their names on a collision.
  Json tools = Json::array();
  std::vector<bool> tool_marked;
  if (const Json* list = Find(body, "tools"); list != nullptr && list->is_array()) {
    for (const Json& tool : *list) {
      if (!IsCustomTool(tool)) {
        continue;
      }
      const Json* schema = Find(tool, "input_schema");
      tools.push_back(ToolSpec(names.Register(chat::StringValueOr(tool, "name", "")),
                               Find(tool, "description"),
                               schema != nullptr ? *schema : Json(nullptr)));
      tool_marked.push_back(HasCacheControl(tool));
    }
  }
  std::optional<Json> tool_choice;
  if (!tools.empty()) {
    tool_choice = MessagesToolChoice(body, thinking_enabled, names);
  }

  Json system = MessagesSystem(body, cache);
  Translated<const Json*> list = MessageList(body);
  if (!list) {
    return tl::unexpected(std::move(list.error()));
  }
  Json messages = Json::array();
  for (const Json& message : **list) {
    std::string role = chat::StringValueOr(message, "role", "");
    if (role == "system") {
      if (const Json* content = Find(message, "content"); content && content->is_array()) {
        for (const Json& block : *content) {
          if (chat::StringValueOr(block, "type", "") == "text") {
            AppendSystemText(system, block, cache);
          }
        }
      } else if (content != nullptr && content->is_string()) {
        system.push_back({{"text", *content}});
      }
      continue;
    }
    Translated<Json> content = MessagesContentBlocks(Find(message, "content"), names, cache);
    if (!content) {
      return tl::unexpected(std::move(content.error()));
    }
    messages.push_back(
        {{"role", role == "assistant" ? "assistant" : "user"}, {"content", std::move(*content)}});
  }

  Json request = {{"messages", std::move(messages)}};
  if (!system.empty()) {
    request["system"] = std::move(system);
  }
  Json inference = {{"maxTokens", chat::CountAt(body, "max_tokens").value_or(kDefaultMaxTokens)}};
  // Extended thinking requires temperature, top_p and top_k to be unset.
  if (!thinking_enabled) {
    if (const Json* temperature = Find(body, "temperature")) {
      inference["temperature"] = *temperature;
    }
    if (const Json* top_p = Find(body, "top_p")) {
      inference["topP"] = *top_p;
    }
  }
  if (const Json* stop = Find(body, "stop_sequences")) {
    inference["stopSequences"] = *stop;
  }
  request["inferenceConfig"] = std::move(inference);

  const Json* output_config = Find(body, "output_config");
  if (output_config != nullptr) {
    if (const Json* format = Find(*output_config, "format");
        format != nullptr && chat::StringValueOr(*format, "type", "") == "json_schema") {
      const Json* schema = Find(*format, "schema");
      request["outputConfig"] =
          JsonSchemaOutputConfig(schema != nullptr ? *schema : Json(nullptr), nullptr, nullptr);
    }
  }
  if (!tools.empty()) {
    Json tool_list = Json::array();
    for (size_t i = 0; i < tools.size(); ++i) {
      tool_list.push_back(std::move(tools[i]));
      cache.MaybeAppend(tool_list, tool_marked[i]);
    }
    Json tool_config = {{"tools", std::move(tool_list)}};
    if (tool_choice) {
      tool_config["tool_choice"] = std::move(*tool_choice);
    }
    request["toolConfig"] = std::move(tool_config);
  }
  AddGuardrail(request, context);

  // Anthropic-only parameters ride in Converse's model-specific envelope.
  if (thinking != nullptr) {
    std::string type = chat::StringValueOr(*thinking, "type", "");
    Json fields = {{"type", type}};
    if (type == "enabled") {
      fields["budget_tokens"] = chat::CountAt(*thinking, "budget_tokens").value_or(0);
    }
    MergeAdditionalField(request, "thinking", std::move(fields));
  }
  if (std::optional<int64_t> top_k = chat::CountAt(body, "top_k"); top_k && !thinking_enabled) {
    MergeAdditionalField(request, "top_k", *top_k);
  }
  if (output_config != nullptr) {
    const Json* effort = Find(*output_config, "effort");
    if (effort != nullptr) {
      MergeAdditionalField(request, "output_config", {{"effort", *effort}});
    } else if (Find(*output_config, "format") == nullptr) {
      MergeAdditionalField(request, "output_config", Json::object());
    }
  }
  if (std::vector<std::string> betas = AllowedBetas(context.anthropic_beta); !betas.empty()) {
    MergeAdditionalField(request, "anthropic_beta", betas);
  }
  if (const Json* metadata = Find(body, "metadata");
      metadata != nullptr && metadata->is_object() && !metadata->empty()) {
    MergeAdditionalField(request, "metadata", *metadata);
  }
  AddRequestMetadata(request, context);
  EnsureToolConfigForHistory(request);
  return request;
}

// ---- Responses -> Converse ------------------------------------------------------------------

std::optional<std::string> DocumentFormatForMediaType(std::string_view media_type) {
  static const std::map<std::string, std::string, std::less<>> kFormats = {
      {"application/pdf", "pdf"},
      {"text/csv", "csv"},
      {"application/msword", "doc"},
      {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"},
      {"application/vnd.ms-excel", "xls"},
      {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
      {"text/html", "html"},
      {"text/plain", "txt"},
      {"text/markdown", "md"},
      {"text/x-markdown", "md"},
  };
  auto found = kFormats.find(media_type);
  if (found == kFormats.end()) {
    return std::nullopt;
  }
  return found->second;
}

std::optional<std::string> DocumentFormatForFilename(std::string_view filename) {
  static const std::map<std::string, std::string, std::less<>> kExtensions = {
      {"pdf", "pdf"}, {"csv", "csv"},   {"doc", "doc"},   {"docx", "docx"},
      {"xls", "xls"}, {"xlsx", "xlsx"}, {"html", "html"}, {"htm", "html"},
      {"txt", "txt"}, {"text", "txt"},  {"md", "md"},     {"markdown", "md"},
  };
  size_t dot = filename.rfind('.');
  if (dot == std::string_view::npos) {
    return std::nullopt;
  }
  std::string extension(filename.substr(dot + 1));
  for (char& c : extension) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  auto found = kExtensions.find(extension);
  if (found == kExtensions.end()) {
    return std::nullopt;
  }
  return found->second;
}

// Bedrock document names allow alphanumerics, single spaces, hyphens, parentheses and square
// brackets; the extension is dropped since the format travels separately.
std::string DocumentName(std::string_view filename) {
  if (filename.empty()) {
    return "document";
  }
  size_t dot = filename.rfind('.');
  std::string_view stem = dot == std::string_view::npos ? filename : filename.substr(0, dot);
  std::string out;
  bool last_was_space = false;
  for (unsigned char c : stem) {
    if (std::isalnum(c) || c == '-' || c == '(' || c == ')' || c == '[' || c == ']') {
      out.push_back(static_cast<char>(c));
      last_was_space = false;
    } else if (!last_was_space) {
      out.push_back(' ');
      last_was_space = true;
    }
  }
  size_t first = out.find_first_not_of(' ');
  if (first == std::string::npos) {
    return "document";
  }
  return out.substr(first, out.find_last_not_of(' ') - first + 1);
}

class ResponsesContentConverter {
 public:
  explicit ResponsesContentConverter(CacheBudget& cache) : cache_(cache) {}

  Translated<Json> Blocks(const Json& parts, bool user) {
    Json blocks = Json::array();
    for (const Json& part : parts) {
      std::string type = chat::StringValueOr(part, "type", "");
      if (type == "input_text" || type == "output_text") {
        blocks.push_back({{"text", chat::StringValueOr(part, "text", "")}});
      } else if (type == "input_image" || type == "input_file") {
        bool image = type == "input_image";
        if (!user) {
          return Unsupported(image ? "bedrock image inputs are only supported on user messages"
                                   : "bedrock document inputs are only supported on user messages");
        }
        Translated<Json> block =
            image ? ImageBlockFromUrl(chat::StringValueOr(part, "image_url", "")) : Document(part);
        if (!block) {
          return tl::unexpected(std::move(block.error()));
        }
        blocks.push_back(std::move(*block));
      } else {
        continue;
      }
      cache_.MaybeAppend(blocks, Marked(part));
    }
    return blocks;
  }

  Translated<Json> SystemBlocks(const Json& parts) {
    Json blocks = Json::array();
    for (const Json& part : parts) {
      std::string type = chat::StringValueOr(part, "type", "");
      if (type == "input_image") {
        return Unsupported("bedrock image inputs are only supported on user messages");
      }
      if (type == "input_file") {
        return Unsupported("bedrock document inputs are only supported on user messages");
      }
      blocks.push_back({{"text", chat::StringValueOr(part, "text", "")}});
      cache_.MaybeAppend(blocks, Marked(part));
    }
    return blocks;
  }

 private:
  Translated<Json> Document(const Json& part) {
    std::optional<std::string> media_type;
    std::string bytes;
    std::string file_data = chat::StringValueOr(part, "file_data", "");
    std::string file_url = chat::StringValueOr(part, "file_url", "");
    if (!file_data.empty() || file_url.rfind("data:", 0) == 0) {
      const std::string& source = !file_data.empty() ? file_data : file_url;
      if (source.rfind("data:", 0) == 0) {
        auto parsed = ParseDataUrl(source);
        if (!parsed) {
          return Unsupported("bedrock file data URLs must be base64-encoded");
        }
        media_type = parsed->first;
        bytes = std::move(parsed->second);
      } else {
        bytes = source;  // raw base64; the filename says the format
      }
    } else if (!file_url.empty()) {
      return Unsupported(
          "bedrock file inputs must be base64 data URLs; remote URLs are unsupported");
    } else {
      return Unsupported(
          "bedrock file inputs must supply file_data or a base64 data URL in file_url; file_id "
          "is unsupported");
    }
    std::string filename = chat::StringValueOr(part, "filename", "");
    std::optional<std::string> format;
    if (media_type) {
      format = DocumentFormatForMediaType(*media_type);
    }
    if (!format) {
      format = DocumentFormatForFilename(filename);
    }
    if (!format) {
      return Unsupported(
          "bedrock document format could not be determined; provide a filename with a supported "
          "extension (pdf, csv, doc, docx, xls, xlsx, html, txt, md)");
    }
    return Json{{"document",
                 {{"format", *format},
                  {"name", UniqueName(DocumentName(filename))},
                  {"source", {{"bytes", std::move(bytes)}}}}}};
  }

  // Converse requires document names to be unique within a request.
  std::string UniqueName(std::string name) {
    if (used_names_.insert(name).second) {
      return name;
    }
    for (int i = 2;; ++i) {
      std::string candidate = name + " [" + std::to_string(i) + "]";
      if (used_names_.insert(candidate).second) {
        return candidate;
      }
    }
  }

  CacheBudget& cache_;
  std::set<std::string> used_names_;
};

void RegisterResponsesToolNames(const Json& body, BedrockToolNames& names) {
  if (const Json* tools = Find(body, "tools"); tools != nullptr && tools->is_array()) {
    for (const Json& tool : *tools) {
      if (chat::StringValueOr(tool, "type", "") == "function") {
        names.Register(chat::StringValueOr(tool, "name", ""));
      }
    }
  }
  if (const Json* choice = Find(body, "tool_choice");
      choice != nullptr && chat::StringValueOr(*choice, "type", "") == "function") {
    names.Register(chat::StringValueOr(*choice, "name", ""));
  }
  if (const Json* input = Find(body, "input"); input != nullptr && input->is_array()) {
    for (const Json& item : *input) {
      std::string type = chat::StringValueOr(item, "type", "");
      if (type == "function_call" || type == "custom_tool_call") {
        names.Register(chat::StringValueOr(item, "name", ""));
      }
    }
  }
}

// A function call output's text: a string, or its input_text parts joined by newlines.
std::string ToolOutputText(const Json* output) {
  if (output == nullptr) {
    return "";
  }
  if (output->is_string()) {
    return output->get<std::string>();
  }
  std::string text;
  if (!output->is_array()) {
    return text;
  }
  bool first = true;
  for (const Json& part : *output) {
    if (chat::StringValueOr(part, "type", "") != "input_text") {
      continue;
    }
    if (!first) {
      text.push_back('\n');
    }
    text += chat::StringValueOr(part, "text", "");
    first = false;
  }
  return text;
}

Json ToolResult(std::string call_id, std::string text) {
  return Json::array({{{"toolResult",
                        {{"toolUseId", std::move(call_id)},
                         {"content", Json::array({{{"text", std::move(text)}}})},
                         {"status", nullptr}}}}});
}

std::optional<Json> ResponsesToolChoice(const Json& body, BedrockToolNames& names) {
  const Json* choice = Find(body, "tool_choice");
  if (choice == nullptr) {
    return std::nullopt;
  }
  if (choice->is_string()) {
    if (*choice == "auto") {
      return Json("auto");
    }
    if (*choice == "required") {
      return Json("any");
    }
    return std::nullopt;
  }
  if (chat::StringValueOr(*choice, "type", "") != "function") {
    return std::nullopt;
  }
  return Json{{"tool", {{"name", names.Register(chat::StringValueOr(*choice, "name", ""))}}}};
}

Translated<Json> ResponsesToConverse(const Json& body, const BedrockRequestContext& context) {
  BedrockToolNames names;
  RegisterResponsesToolNames(body, names);
  Json tools = Json::array();
  if (const Json* list = Find(body, "tools"); list != nullptr && list->is_array()) {
    for (const Json& tool : *list) {
      if (chat::StringValueOr(tool, "type", "") != "function") {
        continue;
      }
      const Json* parameters = Find(tool, "parameters");
      tools.push_back(ToolSpec(names.Register(chat::StringValueOr(tool, "name", "")),
                               Find(tool, "description"),
                               parameters != nullptr ? *parameters : Json(nullptr)));
    }
  }
  std::optional<Json> tool_choice = tools.empty() ? std::nullopt : ResponsesToolChoice(body, names);

  CacheBudget cache;
  ResponsesContentConverter converter(cache);
  Json messages = Json::array();
  Json system = Json::array();
  Json items = Json::array();
  const Json* input = Find(body, "input");
  if (input != nullptr && input->is_string()) {
    items.push_back({{"role", "user"}, {"content", *input}});
  } else if (input != nullptr && input->is_array()) {
    items = *input;
  }
  for (const Json& item : items) {
    std::string type = chat::StringValueOr(item, "type", "");
    std::string role = chat::StringValueOr(item, "role", "");
    if (type == "function_call" || type == "custom_tool_call") {
      Json tool_input;
      if (type == "custom_tool_call") {
        tool_input = {{"input", chat::StringValueOr(item, "input", "")}};
      } else {
        tool_input = ReadJson(chat::StringValueOr(item, "arguments", ""));
        if (tool_input.is_discarded()) {
          continue;  // unusable arguments: the call is dropped
        }
      }
      PushOrMerge(messages, "assistant",
                  Json::array({{{"toolUse",
                                 {{"toolUseId", chat::StringValueOr(item, "call_id", "")},
                                  {"name", names.Register(chat::StringValueOr(item, "name", ""))},
                                  {"input", std::move(tool_input)}}}}}));
    } else if (type == "function_call_output" || type == "custom_tool_call_output") {
      PushOrMerge(messages, "user",
                  ToolResult(chat::StringValueOr(item, "call_id", ""),
                             ToolOutputText(Find(item, "output"))));
    } else if (!role.empty() && (type.empty() || type == "message")) {
      const Json* content = Find(item, "content");
      if (role == "system" || role == "developer") {
        if (content != nullptr && content->is_string()) {
          system.push_back({{"text", *content}});
        } else if (content != nullptr && content->is_array()) {
          Translated<Json> blocks = converter.SystemBlocks(*content);
          if (!blocks) {
            return tl::unexpected(std::move(blocks.error()));
          }
          for (Json& block : *blocks) {
            system.push_back(std::move(block));
          }
        }
        continue;
      }
      bool user = role == "user";
      Json blocks;
      if (content != nullptr && content->is_string()) {
        blocks = Json::array({{{"text", *content}}});
      } else {
        Translated<Json> converted =
            converter.Blocks(content != nullptr ? *content : chat::EmptyArray(), user);
        if (!converted) {
          return tl::unexpected(std::move(converted.error()));
        }
        blocks = std::move(*converted);
      }
      // Earlier assistant output without any text carries nothing to replay.
      if (!user && blocks.empty()) {
        continue;
      }
      PushOrMerge(messages, user ? "user" : "assistant", std::move(blocks));
    }
    // Reasoning items, hosted tool calls and the like have no Converse form.
  }
  if (const Json* instructions = Find(body, "instructions");
      instructions && instructions->is_string()) {
    system.insert(system.begin(), Json{{"text", *instructions}});
  }

  Json request = {{"messages", std::move(messages)}};
  if (!system.empty()) {
    request["system"] = std::move(system);
  }
  Json inference = {
      {"maxTokens", chat::CountAt(body, "max_output_tokens").value_or(kDefaultMaxTokens)}};
  if (const Json* temperature = Find(body, "temperature")) {
    inference["temperature"] = *temperature;
  }
  if (const Json* top_p = Find(body, "top_p")) {
    inference["topP"] = *top_p;
  }
  request["inferenceConfig"] = std::move(inference);
  if (const Json* text = Find(body, "text")) {
    if (const Json* format = Find(*text, "format")) {
      if (std::optional<Json> output = OutputConfigForFormat(*format)) {
        request["outputConfig"] = std::move(*output);
      }
    }
  }
  if (!tools.empty()) {
    Json tool_config = {{"tools", std::move(tools)}};
    if (tool_choice) {
      tool_config["tool_choice"] = std::move(*tool_choice);
    }
    request["toolConfig"] = std::move(tool_config);
  }
  AddGuardrail(request, context);
  if (const Json* reasoning = Find(body, "reasoning")) {
    if (std::optional<int64_t> budget =
            chat::ThinkingBudget(chat::StringValueOr(*reasoning, "effort", ""))) {
      request["additionalModelRequestFields"] = ThinkingFields(*budget);
    }
  }
  AddRequestMetadata(request, context);
  EnsureToolConfigForHistory(request);
  return request;
}

// ---- Count tokens, embeddings, rerank -------------------------------------------------------

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (uint32_t{static_cast<uint8_t>(bytes[i])} << 16) |
                 (uint32_t{static_cast<uint8_t>(bytes[i + 1])} << 8) |
                 uint32_t{static_cast<uint8_t>(bytes[i + 2])};
    for (int shift = 18; shift >= 0; shift -= 6) {
      out.push_back(kAlphabet[(n >> shift) & 0x3F]);
    }
  }
  if (i < bytes.size()) {
    uint32_t n = uint32_t{static_cast<uint8_t>(bytes[i])} << 16;
    if (i + 1 < bytes.size()) {
      n |= uint32_t{static_cast<uint8_t>(bytes[i + 1])} << 8;
    }
    out.push_back(kAlphabet[(n >> 18) & 0x3F]);
    out.push_back(kAlphabet[(n >> 12) & 0x3F]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 0x3F] : '=');
    out.push_back('=');
  }
  return out;
}

// The count_tokens body as InvokeModel wants it: typed fields first (as agentgateway
// re-serializes them), no model (it is in the path), and the fields Anthropic requires.
Json InvokeModelBody(const Json& body, std::string_view anthropic_version) {
  Json out = Json::object();
  for (const char* key : {"messages", "system"}) {
    if (body.contains(key)) {
      out[key] = body[key];
    }
  }
  for (const auto& [key, value] : body.items()) {
    if (key != "model" && !out.contains(key)) {
      out[key] = value;
    }
  }
  // count_tokens generates nothing, so the minimum valid max_tokens will do.
  if (!out.contains("max_tokens")) {
    out["max_tokens"] = 1;
  }
  if (!out.contains("anthropic_version")) {
    out["anthropic_version"] = anthropic_version.empty() ? "2023-06-01" : anthropic_version;
  }
  return out;
}

std::string EffectiveModel(const Json& body, const ProviderOptions& provider) {
  return provider.model.empty() ? chat::StringValueOr(body, "model", "") : provider.model;
}

Translated<Json> EmbeddingsToInvoke(const Json& body, const std::string& model) {
  const Json& input = body.at("input");
  std::optional<int64_t> dimensions = chat::CountAt(body, "dimensions");
  if (model.find("nova") != std::string::npos) {
    if (!input.is_string()) {
      return tl::unexpected(
          std::string("failed to parse request: Nova requires a single string input"));
    }
    std::string purpose = chat::StringValueOr(body, "embedding_purpose", "");
    std::string truncation = chat::StringValueOr(body, "truncation_mode", "");
    Json params = {{"embeddingPurpose", purpose.empty() ? "GENERIC_INDEX" : purpose}};
    if (dimensions) {
      params["embeddingDimension"] = *dimensions;
    }
    params["text"] = {{"truncationMode", truncation.empty() ? "END" : truncation},
                      {"value", input}};
    return Json{{"taskType", "SINGLE_EMBEDDING"}, {"singleEmbeddingParams", std::move(params)}};
  }
  if (model.find("cohere") != std::string::npos) {
    Json texts = input.is_array() ? input : Json::array({input});
    std::string input_type = chat::StringValueOr(body, "input_type", "");
    Json request = {{"texts", std::move(texts)},
                    {"input_type", input_type.empty() ? "search_query" : input_type}};
    if (const Json* truncate = Find(body, "truncate"); truncate && truncate->is_string()) {
      request["truncate"] = *truncate;
    }
    // Only Embed v4 takes a dimension (as output_dimension).
    if (dimensions && model.find("embed-v4") != std::string::npos) {
      request["output_dimension"] = *dimensions;
    }
    return request;
  }
  if (!input.is_string()) {
    return tl::unexpected(
        std::string("failed to parse request: Titan requires a single string input"));
  }
  Json request = {{"inputText", input}};
  if (dimensions) {
    request["dimensions"] = *dimensions;
  }
  if (const Json* normalize = Find(body, "normalize"); normalize && normalize->is_boolean()) {
    request["normalize"] = *normalize;
  }
  std::string encoding = chat::StringValueOr(body, "encoding_format", "");
  if (encoding == "base64") {
    request["embeddingTypes"] = Json::array({"binary"});
  }
  if (encoding == "float") {
    request["embeddingTypes"] = Json::array({"float"});
  }
  return request;
}

std::string DocumentText(const Json& document) {
  return document.is_string() ? document.get<std::string>()
                              : chat::StringValueOr(document, "text", "");
}

Translated<Json> RerankToBedrock(const Json& body, const ProviderOptions& provider) {
  const Json& documents = body.at("documents");
  if (!documents.is_array() || documents.empty()) {
    return tl::unexpected(std::string("missing field: rerank documents"));
  }
  std::string model = EffectiveModel(body, provider);
  std::string arn = model.rfind("arn:", 0) == 0
                        ? model
                        : "arn:aws:bedrock:" + provider.region + "::foundation-model/" + model;
  Json sources = Json::array();
  for (const Json& document : documents) {
    sources.push_back({{"type", "INLINE"},
                       {"inlineDocumentSource",
                        {{"type", "TEXT"}, {"textDocument", {{"text", DocumentText(document)}}}}}});
  }
  // Fields Cohere knows that Bedrock does not travel as model-specific fields.
  Json extra = Json::object();
  for (const auto& [key, value] : body.items()) {
    if (key != "model" && key != "query" && key != "documents" && key != "top_n" &&
        key != "return_documents") {
      extra[key] = value;
    }
  }
  Json model_configuration = {{"modelArn", arn}};
  if (!extra.empty()) {
    model_configuration["additionalModelRequestFields"] = std::move(extra);
  }
  return Json{
      {"queries",
       Json::array({{{"type", "TEXT"},
                     {"textQuery", {{"text", chat::StringValueOr(body, "query", "")}}}}})},
      {"sources", std::move(sources)},
      {"rerankingConfiguration",
       {{"type", "BEDROCK_RERANKING_MODEL"},
        {"bedrockRerankingConfiguration",
         {{"modelConfiguration", std::move(model_configuration)},
          {"numberOfResults",
           chat::CountAt(body, "top_n").value_or(static_cast<int64_t>(documents.size()))}}}}}};
}

}  // namespace

std::string BedrockToolNames::Register(std::string_view client_name) {
  std::string original = client_name.empty() ? "tool" : std::string(client_name);
  if (auto found = forward_.find(original); found != forward_.end()) {
    return found->second;
  }
  auto used = [&](std::string_view candidate) {
    for (const auto& [client, bedrock] : forward_) {
      if (bedrock == candidate) {
        return true;
      }
    }
    return false;
  };
  if (IsValidToolName(original) && !used(original)) {
    forward_.emplace(original, original);
    return original;
  }
  std::string base;
  for (unsigned char c : original) {
    base.push_back(std::isalnum(c) || c == '_' || c == '-' ? static_cast<char>(c) : '_');
  }
  std::string candidate = base;
  if (base.size() > kMaxToolNameLength || used(base)) {
    candidate = base.substr(0, kMaxToolNameLength - 7) + "_" + Hex(StableHash(original), 6);
    for (uint64_t counter = 1; used(candidate); ++counter) {
      std::string suffix = "_" + HexOf(counter);
      candidate = candidate.substr(0, kMaxToolNameLength - suffix.size()) + suffix;
    }
  }
  forward_.emplace(original, candidate);
  if (candidate != original) {
    reverse_.emplace(candidate, original);
  }
  return candidate;
}

std::string BedrockToolNames::Restore(std::string_view bedrock_name) const {
  auto found = reverse_.find(bedrock_name);
  return found == reverse_.end() ? std::string(bedrock_name) : found->second;
}

BedrockToolNames BedrockToolNamesFor(const Json& client_body, InputFormat client_format) {
  // The translations register names as they go; replaying one yields the same mapping.
  BedrockToolNames names;
  switch (client_format) {
    case InputFormat::kCompletions:
      RegisterCompletionsToolNames(client_body, names);
      break;
    case InputFormat::kMessages:
      RegisterMessagesToolNames(client_body, names);
      break;
    case InputFormat::kResponses:
      RegisterResponsesToolNames(client_body, names);
      break;
    default:
      break;
  }
  return names;
}

Translated<RequestTranslation> CompletionsToBedrockRequest(const Json& client_body,
                                                           const ProviderOptions& provider,
                                                           const BedrockRequestContext& context) {
  return Guarded([&]() -> Translated<RequestTranslation> {
    Translated<Json> converse = CompletionsToConverse(client_body, context);
    if (!converse) {
      return tl::unexpected(std::move(converse.error()));
    }
    return RequestTranslation{std::move(*converse), CompletionsRequestInfo(client_body, "bedrock",
                                                                           provider.record_prompt)};
  });
}

Translated<RequestTranslation> MessagesToBedrockRequest(const Json& client_body,
                                                        const ProviderOptions& provider,
                                                        const BedrockRequestContext& context) {
  return Guarded([&]() -> Translated<RequestTranslation> {
    Translated<Json> converse = MessagesToConverse(client_body, context);
    if (!converse) {
      return tl::unexpected(std::move(converse.error()));
    }
    return RequestTranslation{std::move(*converse),
                              MessagesRequestInfo(client_body, "bedrock", provider.record_prompt)};
  });
}

Translated<RequestTranslation> ResponsesToBedrockRequest(const Json& client_body,
                                                         const ProviderOptions& provider,
                                                         const BedrockRequestContext& context) {
  return Guarded([&]() -> Translated<RequestTranslation> {
    Translated<Json> converse = ResponsesToConverse(client_body, context);
    if (!converse) {
      return tl::unexpected(std::move(converse.error()));
    }
    return RequestTranslation{std::move(*converse),
                              ResponsesRequestInfo(client_body, "bedrock", provider.record_prompt)};
  });
}

Translated<RequestTranslation> CountTokensToBedrockRequest(const Json& client_body,
                                                           const ProviderOptions& provider,
                                                           std::string_view anthropic_version) {
  return Guarded([&]() -> Translated<RequestTranslation> {
    std::string invoke_body = WriteJson(InvokeModelBody(client_body, anthropic_version));
    Json body = {{"input", {{"invokeModel", {{"body", Base64(invoke_body)}}}}}};
    return RequestTranslation{std::move(body),
                              PromptlessInfo(InputFormat::kCountTokens, client_body)};
  });
}

Translated<RequestTranslation> EmbeddingsToBedrockRequest(const Json& client_body,
                                                          const ProviderOptions& provider) {
  return Guarded([&]() -> Translated<RequestTranslation> {
    RequestInfo info = PromptlessInfo(InputFormat::kEmbeddings, client_body);
    PutInt(info.params, "dimensions", client_body, "dimensions");
    if (std::string encoding = chat::StringValueOr(client_body, "encoding_format", "");
        !encoding.empty()) {
      info.params["encoding_format"] = encoding;
    }
    Translated<Json> invoke =
        EmbeddingsToInvoke(client_body, EffectiveModel(client_body, provider));
    if (!invoke) {
      return tl::unexpected(std::move(invoke.error()));
    }
    return RequestTranslation{std::move(*invoke), std::move(info)};
  });
}

Translated<RequestTranslation> RerankToBedrockRequest(const Json& client_body,
                                                      const ProviderOptions& provider) {
  return Guarded([&]() -> Translated<RequestTranslation> {
    Translated<Json> rerank = RerankToBedrock(client_body, provider);
    if (!rerank) {
      return tl::unexpected(std::move(rerank.error()));
    }
    return RequestTranslation{std::move(*rerank),
                              PromptlessInfo(InputFormat::kRerank, client_body)};
  });
}

Translated<RequestTranslation> RerankToCohereRequest(const Json& client_body,
                                                     const ProviderOptions& provider) {
  return Guarded([&]() -> Translated<RequestTranslation> {
    if (!client_body.at("query").is_string() || !client_body.at("documents").is_array()) {
      return tl::unexpected(
          std::string("failed to parse request: rerank needs a query and documents"));
    }
    RequestInfo info = PromptlessInfo(InputFormat::kRerank, client_body);
    info.provider = "cohere";
    Json body = client_body;
    if (!provider.model.empty()) {
      body["model"] = provider.model;
    }
    return RequestTranslation{std::move(body), std::move(info)};
  });
}

std::string BedrockError(InputFormat client_format, int status, std::string_view upstream_body) {
  Json parsed = ReadJson(upstream_body);
  std::string message =
      parsed.is_object() && parsed.contains("message") && parsed["message"].is_string()
          ? parsed["message"].get<std::string>()
          : Utf8Lossy(upstream_body);
  if (client_format == InputFormat::kMessages) {
    // agentgateway leaves the top-level type empty for Bedrock errors on Messages clients.
    return WriteJson(
        Json{{"type", ""}, {"error", {{"type", "invalid_request_error"}, {"message", message}}}});
  }
  return WriteJson(Json{{"event_id", nullptr},
                        {"error", {{"type", "invalid_request_error"}, {"message", message}}}});
}

}  // namespace agw::emulator::llm
