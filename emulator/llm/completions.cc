#include "emulator/llm/completions.h"

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include "emulator/llm/anthropic.h"
#include "emulator/llm/chat_json.h"
#include "emulator/llm/json_codec.h"
#include "emulator/llm/openai_chunk.h"
#include "emulator/llm/request_info.h"
#include "emulator/llm/sse.h"
#include "emulator/llm/sse_stream.h"

namespace agw::emulator::llm {
namespace {

using chat::Find;
using chat::IntAt;
using chat::StringAt;

bool HasCacheControl(const Json& block) { return Find(block, {"cache_control"}) != nullptr; }

// OpenAI honours explicit prompt-cache breakpoints from gpt-5.6 on; for older or other models
// Anthropic cache_control has no equivalent and is dropped.
bool SupportsPromptCacheBreakpoints(std::string_view model) {
  constexpr std::string_view kPrefix = "gpt-";
  if (model.rfind(kPrefix, 0) != 0) {
    return false;
  }
  model.remove_prefix(kPrefix.size());
  auto read_number = [&model]() -> std::optional<int> {
    size_t digits = 0;
    int value = 0;
    while (digits < model.size() && model[digits] >= '0' && model[digits] <= '9') {
      value = value * 10 + (model[digits] - '0');
      ++digits;
    }
    if (digits == 0) {
      return std::nullopt;
    }
    model.remove_prefix(digits);
    return value;
  };
  std::optional<int> major = read_number();
  if (!major || model.empty() || model.front() != '.') {
    return false;
  }
  model.remove_prefix(1);
  std::optional<int> minor = read_number();
  return minor && std::make_pair(*major, *minor) >= std::make_pair(5, 6);
}

// gpt-5 and its 5.1/5.2 variants accept reasoning alongside function tools; other gpt models
// reject the combination, so the gateway turns reasoning off for them.
bool RejectsReasoningWithTools(std::string_view model) {
  if (model.rfind("gpt-", 0) != 0) {
    return false;
  }
  bool reasoning_with_tools = model == "gpt-5" || model.rfind("gpt-5-", 0) == 0 ||
                              model.rfind("gpt-5.1", 0) == 0 || model.rfind("gpt-5.2", 0) == 0;
  return !reasoning_with_tools;
}

// ---- Messages request -> Completions request ----

class MessageConverter {
 public:
  explicit MessageConverter(bool cache_breakpoints) : cache_breakpoints_(cache_breakpoints) {}

  Json TextPart(std::string_view text, bool cache_breakpoint) const {
    Json part = {{"type", "text"}, {"text", text}};
    if (cache_breakpoint && cache_breakpoints_) {
      part["prompt_cache_breakpoint"] = {{"mode", "explicit"}};
    }
    return part;
  }

  Json System(const Json& system) const {
    if (system.is_string()) {
      return Json{{"role", "system"}, {"content", system}};
    }
    return Json{{"role", "system"}, {"content", TextParts(system)}};
  }

  // One Anthropic message may become several OpenAI messages: tool results are their own
  // `tool` messages, placed before the user's remaining content.
  void Convert(const Json& message, Json& out) const {
    std::string role = StringAt(message, {"role"}).value_or("user");
    Json blocks = Json::array();
    if (const Json* content = Find(message, {"content"})) {
      if (content->is_string()) {
        blocks.push_back(Json{{"type", "text"}, {"text", *content}});
      } else if (content->is_array()) {
        blocks = *content;
      }
    }
    if (role == "assistant") {
      ConvertAssistant(blocks, out);
      return;
    }
    Json parts = Json::array();
    for (const Json& block : blocks) {
      std::string type = StringAt(block, {"type"}).value_or("");
      if (type == "tool_result") {
        out.push_back(Json{{"role", "tool"},
                           {"content", ToolResultContent(block)},
                           {"tool_call_id", StringAt(block, {"tool_use_id"}).value_or("")}});
      } else if (type == "text") {
        parts.push_back(TextPart(StringAt(block, {"text"}).value_or(""), HasCacheControl(block)));
      } else if (type == "image") {
        if (auto url = ImageUrl(block)) {
          parts.push_back(Json{{"type", "image_url"}, {"image_url", {{"url", *url}}}});
        }
      }
    }
    if (!parts.empty()) {
      out.push_back(Json{{"role", role}, {"content", std::move(parts)}});
    }
  }

 private:
  Json TextParts(const Json& blocks) const {
    Json parts = Json::array();
    if (!blocks.is_array()) {
      return parts;
    }
    for (const Json& block : blocks) {
      if (auto text = StringAt(block, {"text"})) {
        parts.push_back(TextPart(*text, HasCacheControl(block)));
      }
    }
    return parts;
  }

  void ConvertAssistant(const Json& blocks, Json& out) const {
    Json parts = Json::array();
    Json tool_calls = Json::array();
    for (const Json& block : blocks) {
      std::string type = StringAt(block, {"type"}).value_or("");
      if (type == "text") {
        parts.push_back(TextPart(StringAt(block, {"text"}).value_or(""), HasCacheControl(block)));
      } else if (type == "tool_use") {
        const Json* input = Find(block, {"input"});
        tool_calls.push_back(Json{{"type", "function"},
                                  {"id", StringAt(block, {"id"}).value_or("")},
                                  {"function",
                                   {{"name", StringAt(block, {"name"}).value_or("")},
                                    {"arguments", input ? WriteJson(*input) : "{}"}}}});
      }
      // Thinking blocks are the upstream model's own; OpenAI has no place for them.
    }
    if (parts.empty() && tool_calls.empty()) {
      return;
    }
    Json message = {{"role", "assistant"}};
    if (!parts.empty()) {
      message["content"] = std::move(parts);
    }
    if (!tool_calls.empty()) {
      message["tool_calls"] = std::move(tool_calls);
    }
    out.push_back(std::move(message));
  }

  // Only text survives in a tool message. A string result stays a string unless it carries a
  // cache breakpoint. A breakpoint on the result itself or on a part that is dropped (an image)
  // lands on the last text part, so the cached prefix still ends after this result.
  Json ToolResultContent(const Json& block) const {
    bool trailing_breakpoint = cache_breakpoints_ && HasCacheControl(block);
    const Json* content = Find(block, {"content"});
    if (content && content->is_string()) {
      if (!trailing_breakpoint) {
        return *content;
      }
      return Json::array({TextPart(content->get_ref<const std::string&>(), true)});
    }
    Json parts = Json::array();
    if (content && content->is_array()) {
      for (const Json& inner : *content) {
        if (StringAt(inner, {"type"}).value_or("") == "text") {
          parts.push_back(TextPart(StringAt(inner, {"text"}).value_or(""), HasCacheControl(inner)));
        } else if (cache_breakpoints_ && HasCacheControl(inner)) {
          trailing_breakpoint = true;
        }
      }
    }
    if (trailing_breakpoint) {
      if (parts.empty()) {
        parts.push_back(TextPart("", false));
      }
      parts.back()["prompt_cache_breakpoint"] = {{"mode", "explicit"}};
    }
    return parts;
  }

  static std::optional<std::string> ImageUrl(const Json& block) {
    std::string source_type = StringAt(block, {"source", "type"}).value_or("");
    if (source_type == "base64") {
      return "data:" + StringAt(block, {"source", "media_type"}).value_or("") + ";base64," +
             StringAt(block, {"source", "data"}).value_or("");
    }
    if (source_type == "url") {
      return StringAt(block, {"source", "url"});
    }
    return std::nullopt;
  }

  bool cache_breakpoints_;
};

// Custom tools (no type, or type "custom") become functions; Anthropic server tools such as
// web_search run on Anthropic's side and have no OpenAI equivalent.
Json FunctionTools(const Json& tools) {
  Json functions = Json::array();
  for (const Json& tool : tools) {
    std::string type = StringAt(tool, {"type"}).value_or("custom");
    if (type != "custom") {
      continue;
    }
    Json function = {{"name", StringAt(tool, {"name"}).value_or("")}};
    if (auto description = StringAt(tool, {"description"})) {
      function["description"] = *description;
    }
    const Json* schema = Find(tool, {"input_schema"});
    function["parameters"] = schema ? *schema : Json::object();
    functions.push_back(Json{{"type", "function"}, {"function", std::move(function)}});
  }
  return functions;
}

void ConvertToolChoice(const Json& choice, Json& body) {
  std::string type = StringAt(choice, {"type"}).value_or("");
  if (type == "auto") {
    body["tool_choice"] = "auto";
  }
  if (type == "any") {
    body["tool_choice"] = "required";
  }
  if (type == "none") {
    body["tool_choice"] = "none";
  }
  if (type == "tool") {
    body["tool_choice"] = {{"type", "function"},
                           {"function", {{"name", StringAt(choice, {"name"}).value_or("")}}}};
  }
  const Json* disable = Find(choice, {"disable_parallel_tool_use"});
  if (disable && disable->is_boolean()) {
    body["parallel_tool_calls"] = !disable->get<bool>();
  }
}

// ---- Completions response -> Messages response ----

std::string StopReason(std::string_view finish_reason) {
  if (finish_reason == "length") {
    return "max_tokens";
  }
  if (finish_reason == "tool_calls" || finish_reason == "function_call") {
    return "tool_use";
  }
  return "end_turn";  // stop, content_filter, anything unknown
}

// Cache counters of an OpenAI usage object, wherever the provider put them. The gateway reads
// the prompt_tokens_details first when translating, the top-level fields first when logging.
struct CacheCounters {
  std::optional<int64_t> read;
  std::optional<int64_t> write;
};

CacheCounters CacheCountersOf(const Json& usage, bool details_first) {
  std::optional<int64_t> top_read = IntAt(usage, {"cache_read_input_tokens"});
  std::optional<int64_t> detail_read = IntAt(usage, {"prompt_tokens_details", "cached_tokens"});
  CacheCounters counters;
  counters.read =
      details_first ? (detail_read ? detail_read : top_read) : (top_read ? top_read : detail_read);
  counters.write = IntAt(usage, {"prompt_tokens_details", "cache_write_tokens"});
  if (!counters.write) {
    counters.write = IntAt(usage, {"cache_creation_input_tokens"});
  }
  return counters;
}

// Anthropic usage from OpenAI usage: Anthropic's input_tokens exclude cache reads and writes,
// which OpenAI's prompt_tokens include.
Json AnthropicUsage(const Json& usage) {
  CacheCounters cache = CacheCountersOf(usage, /*details_first=*/true);
  int64_t prompt = IntAt(usage, {"prompt_tokens"}).value_or(0);
  int64_t input = std::max<int64_t>(0, prompt - cache.write.value_or(0) - cache.read.value_or(0));
  Json converted = {{"input_tokens", input},
                    {"output_tokens", IntAt(usage, {"completion_tokens"}).value_or(0)}};
  if (cache.write) {
    converted["cache_creation_input_tokens"] = *cache.write;
  }
  if (cache.read) {
    converted["cache_read_input_tokens"] = *cache.read;
  }
  return converted;
}

// The usage an Anthropic-shaped answer reports, for the request log.
void TakeAnthropicUsage(const Json& usage, ResponseInfo& info) {
  info.input_tokens = IntAt(usage, {"input_tokens"});
  info.output_tokens = IntAt(usage, {"output_tokens"});
  if (info.input_tokens && info.output_tokens) {
    info.total_tokens = *info.input_tokens + *info.output_tokens;
  }
  info.cache_creation_input_tokens = IntAt(usage, {"cache_creation_input_tokens"});
  info.cached_input_tokens = IntAt(usage, {"cache_read_input_tokens"});
}

Json ToolUseBlock(const Json& call) {
  return Json{
      {"type", "tool_use"},
      {"id", StringAt(call, {"id"}).value_or("")},
      {"name", StringAt(call, {"function", "name"}).value_or("")},
      {"input", chat::ParseToolArguments(StringAt(call, {"function", "arguments"}).value_or(""))}};
}

std::optional<Json> ToolCallOutputMessages(const Json& content,
                                           const std::optional<std::string>& finish_reason) {
  Json parts = Json::array();
  for (const Json& block : content) {
    if (StringAt(block, {"type"}).value_or("") != "tool_use") {
      continue;
    }
    parts.push_back(chat::ToolCallPart(StringAt(block, {"id"}).value_or(""),
                                       StringAt(block, {"name"}).value_or(""), block["input"]));
  }
  if (parts.empty()) {
    return std::nullopt;
  }
  return Json::array({chat::ToolCallOutputMessage(std::move(parts), finish_reason)});
}

// The gateway types these fields as optional and drops them when null on re-serialisation.
void DropTypedNulls(Json& body) {
  auto drop_null = [](Json& object, const char* key) {
    if (object.is_object() && object.contains(key) && object[key].is_null()) {
      object.erase(key);
    }
  };
  drop_null(body, "service_tier");
  if (body.contains("usage") && body["usage"].is_object()) {
    Json& usage = body["usage"];
    for (const char* key : {"prompt_tokens_details", "completion_tokens_details",
                            "cache_read_input_tokens", "cache_creation_input_tokens"}) {
      drop_null(usage, key);
    }
  }
  if (body.contains("choices") && body["choices"].is_array()) {
    for (Json& choice : body["choices"]) {
      if (!choice.is_object() || !choice.contains("message")) {
        continue;
      }
      drop_null(choice["message"], "content");
      drop_null(choice["message"], "role");
    }
  }
}

void TakeOpenAIUsage(const Json& usage, ResponseInfo& info) {
  info.input_tokens = IntAt(usage, {"prompt_tokens"}).value_or(0);
  info.output_tokens = IntAt(usage, {"completion_tokens"}).value_or(0);
  info.total_tokens = IntAt(usage, {"total_tokens"}).value_or(0);
  info.input_audio_tokens = IntAt(usage, {"prompt_tokens_details", "audio_tokens"});
  info.output_audio_tokens = IntAt(usage, {"completion_tokens_details", "audio_tokens"});
  info.reasoning_tokens = IntAt(usage, {"completion_tokens_details", "reasoning_tokens"});
  CacheCounters cache = CacheCountersOf(usage, /*details_first=*/false);
  info.cached_input_tokens = cache.read;
  info.cache_creation_input_tokens = cache.write;
}

// ---- streams ----

// Usage and output the gateway collects from OpenAI chunks it passes through unchanged.
class CompletionsPassthroughStream : public SseJsonStream {
 public:
  CompletionsPassthroughStream() : SseJsonStream(/*forwards_upstream=*/true) {}

 protected:
  bool OnEventText(const SseEvent& event, std::string&) override {
    std::optional<ChunkFacts> facts = ReadChunkFacts(event.data);
    if (!facts) {
      return false;
    }
    Take(*facts);
    return true;
  }

  void OnEvent(const SseEvent&, const Json* chunk, std::string&) override {
    if (chunk != nullptr) {
      Take(FactsOfDocument(*chunk));
    }
  }

 private:
  void Take(const ChunkFacts& chunk) {
    if (chunk.model) {
      info_.provider_model = chunk.model;
    }
    if (chunk.service_tier) {
      info_.service_tier = chunk.service_tier;
    }
    if (chunk.usage) {
      TakeOpenAIUsage(*chunk.usage, info_);
    }
    if (!chunk.has_choices) {
      return;
    }
    for (const ChunkFacts::Choice& choice : chunk.choices) {
      // agentgateway reads the index as an unsigned 32-bit number; an index no stream has
      // (negative, or past any real `n`) is not allowed to size the completions.
      int64_t index = choice.index.value_or(0);
      if (index < 0 || index >= kMaxChoices) {
        continue;
      }
      if (!info_.completion) {
        info_.completion.emplace();
      }
      if (info_.completion->size() <= static_cast<size_t>(index)) {
        info_.completion->resize(index + 1);
      }
      if (choice.content) {
        (*info_.completion)[index].append(*choice.content);
      }
      if (index != 0) {
        continue;  // tool calls are logged for the first choice
      }
      if (choice.finish_reason) {
        finish_reason_ = choice.finish_reason;
      }
      if (choice.tool_calls && choice.tool_calls->is_array()) {
        for (const Json& call : *choice.tool_calls) {
          TakeToolCall(call);
        }
      }
      if (finish_reason_) {
        UpdateOutputMessages();
      }
    }
  }

  static constexpr int64_t kMaxChoices = 128;

  void TakeToolCall(const Json& call) {
    chat::StreamedToolCall& tool = tools_[IntAt(call, {"index"}).value_or(0)];
    if (auto id = StringAt(call, {"id"})) {
      tool.id = *id;
    }
    if (auto name = StringAt(call, {"function", "name"})) {
      tool.name = *name;
    }
    tool.arguments.append(StringAt(call, {"function", "arguments"}).value_or(""));
  }

  void UpdateOutputMessages() {
    if (auto messages = chat::StreamedToolCallMessages(tools_, finish_reason_)) {
      info_.output_messages = std::move(messages);
    }
  }

  std::map<int64_t, chat::StreamedToolCall> tools_;  // by OpenAI tool index
  std::optional<std::string> finish_reason_;
};

// OpenAI chunks -> Anthropic events (llm-dataplane.md 6.3). Blocks are opened lazily: a text
// block on the first non-empty content, a tool_use block once the tool's name is known.
class CompletionsToMessagesStream : public SseJsonStream {
 public:
  CompletionsToMessagesStream() : SseJsonStream(/*forwards_upstream=*/false) {}

 protected:
  void OnEvent(const SseEvent& event, const Json* chunk, std::string& out) override {
    if (event.data == "[DONE]") {
      Close(out);
      return;
    }
    if (chunk == nullptr || finished_) {
      return;
    }
    if (!started_) {
      Start(*chunk, out);
    }
    if (const Json* usage = Find(*chunk, {"usage"}); usage && usage->is_object()) {
      usage_ = *usage;
    }
    if (const Json* choices = Find(*chunk, {"choices"}); choices && choices->is_array()) {
      for (const Json& choice : *choices) {
        if (IntAt(choice, {"index"}).value_or(0) == 0) {
          TakeChoice(choice, out);
        }
      }
    }
    // OpenAI sends usage after the finish reason when include_usage is on.
    if (finish_reason_ && usage_) {
      Close(out);
    }
  }
  void OnEnd(std::string& out) override { Close(out); }

 private:
  void Start(const Json& chunk, std::string& out) {
    started_ = true;
    info_.provider_model = StringAt(chunk, {"model"});
    Json message = {{"id", StringAt(chunk, {"id"}).value_or("")},
                    {"type", "message"},
                    {"role", "assistant"},
                    {"content", Json::array()},
                    {"model", StringAt(chunk, {"model"}).value_or("")},
                    {"stop_reason", nullptr},
                    {"stop_sequence", nullptr},
                    {"usage", {{"input_tokens", 0}, {"output_tokens", 0}}}};
    Emit(Json{{"type", "message_start"}, {"message", std::move(message)}}, out);
  }

  void TakeChoice(const Json& choice, std::string& out) {
    std::string text = StringAt(choice, {"delta", "content"}).value_or("");
    if (!text.empty()) {
      if (!text_block_open_) {
        CloseOpenBlock(out);
        open_block_ = next_block_++;
        text_block_open_ = true;
        Emit(Json{{"type", "content_block_start"},
                  {"index", *open_block_},
                  {"content_block", {{"type", "text"}, {"text", ""}}}},
             out);
      }
      EmitBlockDelta(*open_block_, Json{{"type", "text_delta"}, {"text", text}}, out);
    }
    if (const Json* calls = Find(choice, {"delta", "tool_calls"}); calls && calls->is_array()) {
      for (const Json& call : *calls) {
        TakeToolCall(call, out);
      }
    }
    if (auto reason = StringAt(choice, {"finish_reason"})) {
      finish_reason_ = reason;
    }
  }

  void TakeToolCall(const Json& call, std::string& out) {
    int64_t index = IntAt(call, {"index"}).value_or(0);
    chat::StreamedToolCall& tool = tools_[index];
    if (auto id = StringAt(call, {"id"})) {
      tool.id = *id;
    }
    if (auto name = StringAt(call, {"function", "name"})) {
      tool.name = *name;
    }
    std::string fragment = StringAt(call, {"function", "arguments"}).value_or("");
    tool.arguments.append(fragment);
    auto block = tool_blocks_.find(index);
    if (block == tool_blocks_.end()) {
      if (tool.name.empty()) {
        return;  // arguments wait until the name is known
      }
      CloseOpenBlock(out);
      block = tool_blocks_.emplace(index, next_block_++).first;
      open_block_ = block->second;
      text_block_open_ = false;
      std::string id = tool.id.empty() ? "tool_call_" + std::to_string(index) : tool.id;
      Emit(
          Json{
              {"type", "content_block_start"},
              {"index", block->second},
              {"content_block",
               {{"type", "tool_use"}, {"id", id}, {"name", tool.name}, {"input", Json::object()}}}},
          out);
      fragment = tool.arguments;  // everything received so far
    }
    if (!fragment.empty()) {
      EmitBlockDelta(block->second, Json{{"type", "input_json_delta"}, {"partial_json", fragment}},
                     out);
    }
  }

  void Close(std::string& out) {
    if (!started_ || finished_) {
      return;
    }
    finished_ = true;
    CloseOpenBlock(out);
    std::string stop_reason = StreamStopReason(finish_reason_.value_or("stop"));
    Json usage = AnthropicUsage(usage_.value_or(Json::object()));
    Emit(Json{{"type", "message_delta"},
              {"delta", {{"stop_reason", stop_reason}, {"stop_sequence", nullptr}}},
              {"usage", usage}},
         out);
    Emit(Json{{"type", "message_stop"}}, out);
    // The log keeps OpenAI's own counters here (input including cache), unlike buffered
    // answers, whose log reads the translated Anthropic usage.
    if (usage_) {
      info_.input_tokens = IntAt(*usage_, {"prompt_tokens"}).value_or(0);
      info_.output_tokens = IntAt(*usage_, {"completion_tokens"}).value_or(0);
      info_.total_tokens = IntAt(*usage_, {"total_tokens"}).value_or(0);
      CacheCounters cache = CacheCountersOf(*usage_, /*details_first=*/true);
      info_.cached_input_tokens = cache.read;
      info_.cache_creation_input_tokens = cache.write;
    }
    if (auto messages = chat::StreamedToolCallMessages(tools_, stop_reason)) {
      info_.output_messages = std::move(messages);
    }
  }

  // Streams report content filtering as Anthropic's refusal, unlike buffered answers.
  static std::string StreamStopReason(std::string_view finish_reason) {
    if (finish_reason == "content_filter") {
      return "refusal";
    }
    return StopReason(finish_reason);
  }

  void CloseOpenBlock(std::string& out) {
    if (!open_block_) {
      return;
    }
    Emit(Json{{"type", "content_block_stop"}, {"index", *open_block_}}, out);
    open_block_.reset();
    text_block_open_ = false;
  }

  void EmitBlockDelta(int64_t index, Json delta, std::string& out) {
    Emit(Json{{"type", "content_block_delta"}, {"index", index}, {"delta", std::move(delta)}}, out);
  }

  static void Emit(const Json& event, std::string& out) {
    out.append(EncodeSseEvent(event["type"].get<std::string>(), WriteJson(event)));
  }

  bool started_ = false;
  bool finished_ = false;
  int64_t next_block_ = 0;
  std::optional<int64_t> open_block_;
  bool text_block_open_ = false;
  std::map<int64_t, chat::StreamedToolCall> tools_;  // by OpenAI tool index
  std::map<int64_t, int64_t> tool_blocks_;           // OpenAI tool index -> content block
  std::optional<std::string> finish_reason_;
  std::optional<Json> usage_;
};

}  // namespace

Translated<RequestTranslation> CompletionsRequest(const Json& client_body,
                                                  const ProviderOptions& options) {
  if (!client_body.is_object()) {
    return tl::unexpected<std::string>("request body is not a JSON object");
  }
  Json request = client_body;
  if (!options.model.empty()) {
    request["model"] = options.model;
  }
  std::string model = StringAt(request, {"model"}).value_or("");
  MessageConverter converter(SupportsPromptCacheBreakpoints(model));

  Json messages = Json::array();
  if (const Json* system = Find(request, {"system"})) {
    messages.push_back(converter.System(*system));
  }
  if (const Json* given = Find(request, {"messages"}); given && given->is_array()) {
    for (const Json& message : *given) {
      converter.Convert(message, messages);
    }
  }

  Json body = {{"messages", std::move(messages)}};
  if (const Json* value = Find(request, {"model"})) {
    body["model"] = *value;
  }
  if (StringAt(request, {"thinking", "type"}).value_or("") == "adaptive") {
    body["reasoning_effort"] = StringAt(request, {"output_config", "effort"}).value_or("high");
  }
  if (auto max_tokens = IntAt(request, {"max_tokens"})) {
    body["max_completion_tokens"] = *max_tokens;
  }
  if (StringAt(request, {"output_config", "format", "type"}).value_or("") == "json_schema") {
    const Json* schema = Find(request, {"output_config", "format", "schema"});
    body["response_format"] = {
        {"type", "json_schema"},
        {"json_schema",
         {{"name", "structured_output"}, {"schema", schema ? *schema : Json::object()}}}};
  }
  const Json* stream = Find(request, {"stream"});
  bool streaming = stream && stream->is_boolean() && stream->get<bool>();
  body["stream"] = streaming;
  if (streaming) {
    body["stream_options"] = {{"include_usage", true}};
  }
  if (const Json* stop = Find(request, {"stop_sequences"})) {
    body["stop"] = *stop;
  }
  if (const Json* value = Find(request, {"temperature"})) {
    body["temperature"] = *value;
  }
  if (const Json* value = Find(request, {"top_p"})) {
    body["top_p"] = *value;
  }
  if (auto user = StringAt(request, {"metadata", "user_id"})) {
    body["user"] = *user;
  }
  if (const Json* tools = Find(request, {"tools"}); tools && tools->is_array()) {
    if (Json functions = FunctionTools(*tools); !functions.empty()) {
      body["tools"] = std::move(functions);
    }
  }
  if (const Json* choice = Find(request, {"tool_choice"})) {
    ConvertToolChoice(*choice, body);
  }
  if (body.contains("reasoning_effort") && body.contains("tools") &&
      RejectsReasoningWithTools(model)) {
    body["reasoning_effort"] = "none";
  }
  return RequestTranslation{std::move(body),
                            MessagesRequestInfo(request, "openai", options.record_prompt)};
}

ResponseInfo CompletionsResponseInfo(const Json& body) {
  ResponseInfo info;
  if (const Json* usage = Find(body, {"usage"}); usage && usage->is_object()) {
    TakeOpenAIUsage(*usage, info);
  }
  info.service_tier = StringAt(body, {"service_tier"});
  info.provider_model = StringAt(body, {"model"}).value_or("");
  Json messages = Json::array();
  const Json* choices = Find(body, {"choices"});
  for (const Json& choice : choices && choices->is_array() ? *choices : chat::EmptyArray()) {
    const Json* calls = Find(choice, {"message", "tool_calls"});
    if (calls == nullptr || !calls->is_array()) {
      continue;
    }
    Json parts = Json::array();
    for (size_t i = 0; i < calls->size(); ++i) {
      const Json& call = (*calls)[i];
      if (Find(call, {"function"}) == nullptr) {
        continue;
      }
      parts.push_back(chat::ToolCallPart(
          StringAt(call, {"id"}).value_or("tool_call_" + std::to_string(i)),
          StringAt(call, {"function", "name"}).value_or(""),
          chat::ParseToolArguments(StringAt(call, {"function", "arguments"}).value_or(""))));
    }
    if (parts.empty()) {
      continue;
    }
    Json message =
        chat::ToolCallOutputMessage(std::move(parts), StringAt(choice, {"finish_reason"}));
    message["role"] = StringAt(choice, {"message", "role"}).value_or("assistant");
    messages.push_back(std::move(message));
  }
  if (!messages.empty()) {
    info.output_messages = std::move(messages);
  }
  return info;
}

Translated<ResponseTranslation> CompletionsPassthroughResponse(std::string_view upstream_body) {
  std::optional<Json> parsed = chat::ParseJson(upstream_body);
  if (!parsed || !parsed->is_object()) {
    return tl::unexpected<std::string>("failed to parse response: not a chat completion");
  }
  DropTypedNulls(*parsed);
  ResponseInfo info = CompletionsResponseInfo(*parsed);
  return ResponseTranslation{std::move(*parsed), std::move(info)};
}

Translated<ResponseTranslation> CompletionsResponse(std::string_view upstream_body) {
  std::optional<Json> parsed = chat::ParseJson(upstream_body);
  if (!parsed || !parsed->is_object()) {
    return tl::unexpected<std::string>("failed to parse response: not a chat completion");
  }
  const Json& upstream = *parsed;
  const Json* choices = Find(upstream, {"choices"});
  if (choices == nullptr || !choices->is_array() || choices->empty()) {
    return tl::unexpected<std::string>("incomplete response: no choices");
  }
  const Json& choice = choices->front();
  Json content = Json::array();
  if (auto text = StringAt(choice, {"message", "content"}); text && !text->empty()) {
    content.push_back(Json{{"type", "text"}, {"text", *text}});
  }
  if (const Json* calls = Find(choice, {"message", "tool_calls"}); calls && calls->is_array()) {
    for (const Json& call : *calls) {
      content.push_back(ToolUseBlock(call));
    }
  }
  std::string stop_reason = StopReason(StringAt(choice, {"finish_reason"}).value_or(""));
  const Json* upstream_usage = Find(upstream, {"usage"});
  Json usage = AnthropicUsage(upstream_usage ? *upstream_usage : chat::EmptyObject());
  std::optional<std::string> tier = StringAt(upstream, {"service_tier"});
  if (tier) {
    usage["service_tier"] = *tier;
  }

  ResponseInfo info;
  TakeAnthropicUsage(usage, info);
  if (upstream_usage) {
    info.input_audio_tokens = IntAt(*upstream_usage, {"prompt_tokens_details", "audio_tokens"});
    info.output_audio_tokens =
        IntAt(*upstream_usage, {"completion_tokens_details", "audio_tokens"});
  }
  info.service_tier = tier;
  info.provider_model = StringAt(upstream, {"model"}).value_or("");
  info.output_messages = ToolCallOutputMessages(content, stop_reason);

  Json body = {{"id", StringAt(upstream, {"id"}).value_or("")},
               {"type", "message"},
               {"role", "assistant"},
               {"content", std::move(content)},
               {"model", StringAt(upstream, {"model"}).value_or("")},
               {"stop_reason", stop_reason},
               {"stop_sequence", nullptr},
               {"usage", std::move(usage)}};
  return ResponseTranslation{std::move(body), std::move(info)};
}

std::unique_ptr<StreamTranslator> MakeCompletionsStreamTranslator() {
  return std::make_unique<CompletionsToMessagesStream>();
}

std::unique_ptr<StreamTranslator> MakeCompletionsPassthroughStream() {
  return std::make_unique<CompletionsPassthroughStream>();
}

std::string CompletionsError(int status, std::string_view upstream_body) {
  std::string type = chat::AnthropicErrorType(status);
  std::string message = Utf8Lossy(upstream_body);
  if (std::optional<Json> parsed = chat::ParseJson(upstream_body)) {
    // Google sometimes wraps its error in a one-element array.
    const Json& error = parsed->is_array() && !parsed->empty() ? parsed->front() : *parsed;
    if (auto given = StringAt(error, {"error", "type"})) {
      type = *given;
    }
    if (auto given = StringAt(error, {"error", "message"})) {
      message = *given;
    }
  }
  Json body = {{"type", "error"}, {"error", {{"type", type}, {"message", message}}}};
  return WriteJson(body);
}

}  // namespace agw::emulator::llm
