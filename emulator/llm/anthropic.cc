#include "emulator/llm/anthropic.h"

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include "emulator/llm/chat_json.h"
#include "emulator/llm/completions.h"
#include "emulator/llm/json_codec.h"
#include "emulator/llm/request_info.h"
#include "emulator/llm/sse.h"
#include "emulator/llm/sse_stream.h"

namespace agw::emulator::llm {
namespace {

using chat::Find;
using chat::IntAt;
using chat::Object;
using chat::StringAt;

constexpr int64_t kDefaultMaxTokens = 4096;
// Anthropic rejects thinking budgets below this.
constexpr int64_t kMinThinkingBudget = 1024;

bool IsBlank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

Json TextBlock(std::string_view text) { return Object("type", "text", "text", text); }

void PinModel(Json& body, const ProviderOptions& options) {
  if (!options.model.empty()) {
    body["model"] = options.model;
  }
}

// ---- Completions request -> Messages request ----

// System and developer messages: string content, or their text parts joined with newlines.
std::string InstructionText(const Json& content) {
  if (content.is_string()) {
    return content.get<std::string>();
  }
  std::string text;
  if (!content.is_array()) {
    return text;
  }
  for (const Json& part : content) {
    std::optional<std::string> part_text = StringAt(part, {"text"});
    if (!part_text || IsBlank(*part_text)) {
      continue;
    }
    if (!text.empty()) {
      text.push_back('\n');
    }
    text.append(*part_text);
  }
  return text;
}

// `data:<mime>[;param]*;base64,<data>` URLs are inlined (parameters are not part of the media
// type); any other URL is referenced.
Json ImageBlock(const std::string& url) {
  constexpr std::string_view kBase64Marker = ";base64,";
  if (url.rfind("data:", 0) == 0) {
    if (size_t marker = url.find(kBase64Marker); marker != std::string::npos) {
      std::string media_type = url.substr(5, marker - 5);
      media_type.resize(std::min(media_type.size(), media_type.find(';')));
      return Object("type", "image", "source",
                    Object("type", "base64", "media_type", media_type, "data",
                           url.substr(marker + kBase64Marker.size())));
    }
  }
  return Object("type", "image", "source", Object("type", "url", "url", url));
}

Json UserBlocks(const Json& content) {
  Json blocks = Json::array();
  if (content.is_string()) {
    const std::string& text = content.get_ref<const std::string&>();
    if (!IsBlank(text)) {
      blocks.push_back(TextBlock(text));
    }
    return blocks;
  }
  if (!content.is_array()) {
    return blocks;
  }
  for (const Json& part : content) {
    std::string type = StringAt(part, {"type"}).value_or("");
    if (type == "text") {
      std::string text = StringAt(part, {"text"}).value_or("");
      if (!IsBlank(text)) {
        blocks.push_back(TextBlock(text));
      }
    } else if (type == "image_url") {
      if (auto url = StringAt(part, {"image_url", "url"})) {
        blocks.push_back(ImageBlock(*url));
      }
    }
    // input_audio and file parts have no Messages equivalent the gateway maps.
  }
  return blocks;
}

Json AssistantBlocks(const Json& message) {
  Json blocks = Json::array();
  if (const Json* content = Find(message, {"content"})) {
    if (content->is_string()) {
      const std::string& text = content->get_ref<const std::string&>();
      if (!IsBlank(text)) {
        blocks.push_back(TextBlock(text));
      }
    } else if (content->is_array()) {
      for (const Json& part : *content) {
        std::optional<std::string> text = StringAt(part, {"text"});
        if (!text) {
          text = StringAt(part, {"refusal"});
        }
        if (text && !IsBlank(*text)) {
          blocks.push_back(TextBlock(*text));
        }
      }
    }
  }
  if (auto refusal = StringAt(message, {"refusal"}); refusal && !IsBlank(*refusal)) {
    blocks.push_back(TextBlock(*refusal));
  }
  if (const Json* calls = Find(message, {"tool_calls"}); calls && calls->is_array()) {
    for (const Json& call : *calls) {
      blocks.push_back(
          Object("type", "tool_use", "id", StringAt(call, {"id"}).value_or(""), "name",
                 StringAt(call, {"function", "name"}).value_or(""), "input",
                 chat::ParseToolArguments(StringAt(call, {"function", "arguments"}).value_or(""))));
    }
  }
  return blocks;
}

// Tool results travel as user messages; the gateway keeps one message per result.
Json ToolResultMessage(const Json& message) {
  Json content = "";
  if (const Json* value = Find(message, {"content"})) {
    if (value->is_string()) {
      content = *value;
    } else if (value->is_array()) {
      content = Json::array();
      for (const Json& part : *value) {
        if (auto text = StringAt(part, {"text"})) {
          content.push_back(TextBlock(*text));
        }
      }
    }
  }
  Json result =
      Object("type", "tool_result", "tool_use_id", StringAt(message, {"tool_call_id"}).value_or(""),
             "content", std::move(content));
  return Object("role", "user", "content", Json::array({std::move(result)}));
}

// One message of the conversation: a system or developer message adds its text to `system`,
// any other becomes at most one upstream message, handed to `emit` (a Json).
template <typename Emit>
void ConvertMessage(const Json& message, std::string& system, Emit&& emit) {
  std::string role = StringAt(message, {"role"}).value_or("");
  const Json* content = Find(message, {"content"});
  if (role == "system" || role == "developer") {
    std::string text = content ? InstructionText(*content) : "";
    if (IsBlank(text)) {
      return;
    }
    if (!system.empty()) {
      system.push_back('\n');
    }
    system.append(text);
    return;
  }
  if (role == "tool") {
    emit(ToolResultMessage(message));
    return;
  }
  Json blocks = role == "assistant" ? AssistantBlocks(message)
                                    : (content ? UserBlocks(*content) : Json::array());
  if (blocks.empty()) {
    return;
  }
  // The legacy `function` role carries a result as plain text from the user.
  std::string anthropic_role = role == "assistant" ? "assistant" : "user";
  emit(Object("role", anthropic_role, "content", std::move(blocks)));
}

std::optional<Json> Thinking(const Json& request, int64_t max_tokens) {
  std::optional<std::string> effort = StringAt(request, {"reasoning_effort"});
  if (!effort) {
    return std::nullopt;
  }
  std::optional<int64_t> budget = chat::ThinkingBudget(*effort);
  if (!budget) {
    return std::nullopt;
  }
  // The budget must stay below max_tokens and above Anthropic's minimum, or thinking is off.
  int64_t capped = std::min(*budget, max_tokens - 1);
  if (max_tokens <= kMinThinkingBudget || capped < kMinThinkingBudget) {
    return std::nullopt;
  }
  return Json{{"type", "enabled"}, {"budget_tokens", capped}};
}

Json StopSequences(const Json& stop) {
  Json sequences = Json::array();
  if (stop.is_string()) {
    sequences.push_back(stop);
  } else if (stop.is_array()) {
    for (const Json& item : stop) {
      if (item.is_string()) {
        sequences.push_back(item);
      }
    }
  }
  return sequences;
}

Json Tools(const Json& tools) {
  Json converted = Json::array();
  for (const Json& tool : tools) {
    if (StringAt(tool, {"type"}).value_or("") != "function") {
      continue;
    }
    Json anthropic_tool = {{"name", StringAt(tool, {"function", "name"}).value_or("")}};
    if (auto description = StringAt(tool, {"function", "description"})) {
      anthropic_tool["description"] = *description;
    }
    const Json* parameters = Find(tool, {"function", "parameters"});
    anthropic_tool["input_schema"] = parameters ? *parameters : Json::object();
    converted.push_back(std::move(anthropic_tool));
  }
  return converted;
}

// parallel_tool_calls, when given either way, rides on the tool choice as its negation.
std::optional<Json> ToolChoice(const Json& request, bool has_tools) {
  std::optional<bool> disable_parallel;
  if (const Json* parallel = Find(request, {"parallel_tool_calls"});
      parallel && parallel->is_boolean()) {
    disable_parallel = !parallel->get<bool>();
  }
  std::optional<Json> choice;
  if (const Json* value = Find(request, {"tool_choice"})) {
    if (value->is_string()) {
      const std::string& mode = value->get_ref<const std::string&>();
      if (mode == "none") {
        return Json{{"type", "none"}};
      }
      if (mode == "auto") {
        choice = Json{{"type", "auto"}};
      }
      if (mode == "required") {
        choice = Json{{"type", "any"}};
      }
    } else if (auto name = StringAt(*value, {"function", "name"})) {
      choice = Json{{"type", "tool"}, {"name", *name}};
    }
  } else if (disable_parallel && has_tools) {
    choice = Json{{"type", "auto"}};
  }
  if (choice && disable_parallel) {
    (*choice)["disable_parallel_tool_use"] = *disable_parallel;
  }
  return choice;
}

std::optional<Json> OutputFormat(const Json& request) {
  std::string type = StringAt(request, {"response_format", "type"}).value_or("");
  Json schema;
  if (type == "json_schema") {
    const Json* given = Find(request, {"response_format", "json_schema", "schema"});
    schema = given ? *given : Json::object();
  } else if (type == "json_object") {
    schema = Json{{"type", "object"}, {"additionalProperties", true}};
  } else {
    return std::nullopt;
  }
  return Json{{"format", {{"type", "json_schema"}, {"schema", std::move(schema)}}}};
}

// ---- Messages response -> Completions response ----

std::string FinishReason(std::string_view stop_reason) {
  if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded") {
    return "length";
  }
  if (stop_reason == "tool_use") {
    return "tool_calls";
  }
  if (stop_reason == "refusal") {
    return "content_filter";
  }
  return "stop";  // end_turn, stop_sequence, pause_turn
}

// OpenAI usage from Anthropic counters. Anthropic's input excludes cache tokens and so does
// the translated prompt_tokens.
Json OpenAIUsage(const Json& usage) {
  int64_t input = IntAt(usage, {"input_tokens"}).value_or(0);
  int64_t output = IntAt(usage, {"output_tokens"}).value_or(0);
  Json converted =
      Object("prompt_tokens", input, "completion_tokens", output, "total_tokens", input + output);
  std::optional<int64_t> cache_read = IntAt(usage, {"cache_read_input_tokens"});
  std::optional<int64_t> cache_write = IntAt(usage, {"cache_creation_input_tokens"});
  if (cache_read || cache_write) {
    Json details = Json::object();
    if (cache_read) {
      details["cached_tokens"] = *cache_read;
    }
    if (cache_write) {
      details["cache_write_tokens"] = *cache_write;
    }
    converted["prompt_tokens_details"] = std::move(details);
  }
  if (cache_read) {
    converted["cache_read_input_tokens"] = *cache_read;
  }
  if (cache_write) {
    converted["cache_creation_input_tokens"] = *cache_write;
  }
  return converted;
}

bool IsToolUse(std::string_view type) { return type == "tool_use" || type == "server_tool_use"; }

Json ChatMessage(const Json& content) {
  std::string text;
  bool has_text = false;
  std::optional<std::string> reasoning;
  Json tool_calls = Json::array();
  for (const Json& block : content) {
    std::string_view type = chat::StringOr(block, "type");
    if (type == "text") {
      text.append(chat::StringOr(block, "text"));
      has_text = true;
    } else if (IsToolUse(type)) {
      const Json* input = Find(block, {"input"});
      tool_calls.push_back(Object("type", "function", "id", StringAt(block, {"id"}).value_or(""),
                                  "function",
                                  Object("name", StringAt(block, {"name"}).value_or(""),
                                         "arguments", input ? WriteJson(*input) : "{}")));
    } else if (type == "thinking") {
      reasoning = StringAt(block, {"thinking"});
    }
  }
  // Without text the gateway's typed message leaves content out rather than null.
  Json message = Json::object();
  if (has_text) {
    message["content"] = std::move(text);
  }
  message["role"] = "assistant";
  if (!tool_calls.empty()) {
    message["tool_calls"] = std::move(tool_calls);
  }
  if (reasoning) {
    message["reasoning_content"] = *reasoning;
  }
  return message;
}

// ---- stream usage ----

// An event read from its text without parsing it into a document: text deltas are nearly every
// event of a stream; `ping`, `message_stop` and the start of a block that is not a tool call
// change nothing; a block's end only closes tool calls. Other events (kOther) take the document
// path.
struct QuickEvent {
  enum Kind { kOther, kTextDelta, kNothingToDo, kBlockStop } kind = kOther;
  std::string text;  // kTextDelta's text
};

QuickEvent ReadQuickEvent(std::string_view data) {
  auto strings = ReadJsonStrings(
      data, {{"type"}, {"delta", "type"}, {"delta", "text"}, {"content_block", "type"}});
  QuickEvent event;
  if (!strings) {
    return event;
  }
  const std::optional<std::string>& type = (*strings)[0];
  if (type == "ping" || type == "message_stop") {
    event.kind = QuickEvent::kNothingToDo;
  } else if (type == "content_block_delta" && (*strings)[1] == "text_delta" && (*strings)[2]) {
    event.kind = QuickEvent::kTextDelta;
    event.text = std::move(*(*strings)[2]);
  } else if (type == "content_block_start" && !IsToolUse((*strings)[3].value_or(""))) {
    event.kind = QuickEvent::kNothingToDo;
  } else if (type == "content_block_stop") {
    event.kind = QuickEvent::kBlockStop;
  }
  return event;
}

// What the gateway learns from an Anthropic event stream, whether it translates it or not,
// written into the stream's `info` (which must outlive this).
class AnthropicStreamUsage {
 public:
  explicit AnthropicStreamUsage(ResponseInfo& info) : info_(info) {
    info_.completion = std::vector<std::string>{""};
  }

  void Observe(const Json& event) {
    std::string type = StringAt(event, {"type"}).value_or("");
    if (type == "message_start") {
      if (auto model = StringAt(event, {"message", "model"})) {
        info_.provider_model = model;
      }
      if (const Json* usage = Find(event, {"message", "usage"})) {
        TakeUsage(*usage);
      }
      if (auto tier = StringAt(event, {"message", "usage", "service_tier"})) {
        info_.service_tier = tier;
      }
    } else if (type == "content_block_start") {
      std::string block_type = StringAt(event, {"content_block", "type"}).value_or("");
      if (IsToolUse(block_type)) {
        // The input normally arrives in deltas; a non-empty starting input counts too.
        const Json* input = Find(event, {"content_block", "input"});
        std::string arguments = input && !input->empty() ? WriteJson(*input) : "";
        tools_[IntAt(event, {"index"}).value_or(0)] = chat::StreamedToolCall{
            StringAt(event, {"content_block", "id"}).value_or(""),
            StringAt(event, {"content_block", "name"}).value_or(""), std::move(arguments)};
      }
    } else if (type == "content_block_delta") {
      std::string delta_type = StringAt(event, {"delta", "type"}).value_or("");
      if (delta_type == "text_delta") {
        info_.completion->front().append(StringAt(event, {"delta", "text"}).value_or(""));
      } else if (delta_type == "input_json_delta") {
        auto tool = tools_.find(IntAt(event, {"index"}).value_or(0));
        if (tool != tools_.end()) {
          tool->second.arguments.append(StringAt(event, {"delta", "partial_json"}).value_or(""));
        }
      }
    } else if (type == "content_block_stop") {
      ObserveBlockStop();
    } else if (type == "message_delta") {
      if (auto reason = StringAt(event, {"delta", "stop_reason"})) {
        stop_reason_ = reason;
      }
      if (const Json* usage = Find(event, {"usage"})) {
        TakeUsage(*usage);
      }
      UpdateOutputMessages();
    }
  }

  // Observe for a text delta event, given its text.
  void ObserveText(const std::string& text) { info_.completion->front().append(text); }

  // Observe for a content_block_stop event, which needs nothing of the event.
  void ObserveBlockStop() { UpdateOutputMessages(); }

 private:
  // Later events restate the counters they carry; the last value wins.
  void TakeUsage(const Json& usage) {
    if (auto value = IntAt(usage, {"input_tokens"})) {
      info_.input_tokens = value;
    }
    if (auto value = IntAt(usage, {"output_tokens"})) {
      info_.output_tokens = value;
    }
    if (auto value = IntAt(usage, {"cache_creation_input_tokens"})) {
      info_.cache_creation_input_tokens = value;
    }
    if (auto value = IntAt(usage, {"cache_read_input_tokens"})) {
      info_.cached_input_tokens = value;
    }
    if (info_.input_tokens && info_.output_tokens) {
      info_.total_tokens = *info_.input_tokens + *info_.output_tokens;
    }
  }

  // Arguments are parsed once a block or the message ends, not on every fragment.
  void UpdateOutputMessages() {
    if (auto messages = chat::StreamedToolCallMessages(tools_, stop_reason_)) {
      info_.output_messages = std::move(messages);
    }
  }

  ResponseInfo& info_;
  std::map<int64_t, chat::StreamedToolCall> tools_;  // by content block index
  std::optional<std::string> stop_reason_;
};

class AnthropicPassthroughStream : public SseJsonStream {
 public:
  AnthropicPassthroughStream() : SseJsonStream(/*forwards_upstream=*/true), usage_(info_) {}

 protected:
  bool OnEventText(const SseEvent& event, std::string&) override {
    QuickEvent quick = ReadQuickEvent(event.data);
    if (quick.kind == QuickEvent::kTextDelta) {
      usage_.ObserveText(quick.text);
    }
    if (quick.kind == QuickEvent::kBlockStop) {
      usage_.ObserveBlockStop();
    }
    return quick.kind != QuickEvent::kOther;
  }

  void OnEvent(const SseEvent&, const Json* event, std::string&) override {
    if (event) {
      usage_.Observe(*event);
    }
  }

 private:
  AnthropicStreamUsage usage_;
};

// Anthropic events -> OpenAI chunks (llm-dataplane.md 6.2).
class AnthropicToCompletionsStream : public SseJsonStream {
 public:
  explicit AnthropicToCompletionsStream(const Stamper& stamper)
      : SseJsonStream(/*forwards_upstream=*/false),
        usage_(info_),
        created_(stamper.UnixSeconds()) {}

 protected:
  bool OnEventText(const SseEvent& event, std::string& out) override {
    QuickEvent quick = ReadQuickEvent(event.data);
    if (quick.kind == QuickEvent::kTextDelta) {
      usage_.ObserveText(quick.text);
      if (pending_role_) {
        EmitDelta(Object("content", std::move(quick.text)), out);  // the first carries the role
      } else {
        EmitText(quick.text, out);
      }
    } else if (quick.kind == QuickEvent::kBlockStop) {
      // The end of a tool call's block may owe the client its arguments: the document path.
      if (!tool_blocks_.empty()) {
        return false;
      }
      usage_.ObserveBlockStop();
    }
    return quick.kind != QuickEvent::kOther;
  }

  void OnEvent(const SseEvent&, const Json* event, std::string& out) override {
    if (event) {
      Translate(*event, out);
    }
  }
  void OnEnd(std::string& out) override { out.append(EncodeSseData("[DONE]")); }

 private:
  struct ToolBlock {
    int64_t tool_index = 0;
    bool streamed_arguments = false;
  };

  void Translate(const Json& event, std::string& out) {
    usage_.Observe(event);
    std::string type = StringAt(event, {"type"}).value_or("");
    if (type == "message_start") {
      id_ = StringAt(event, {"message", "id"}).value_or(id_);
      pending_role_ = StringAt(event, {"message", "role"}).value_or("assistant");
      model_ = StringAt(event, {"message", "model"}).value_or(model_);
      if (auto tier = StringAt(event, {"message", "usage", "service_tier"})) {
        service_tier_ = *tier;
      }
      chunk_head_.clear();  // id, model and tier are part of the chunk's words
    } else if (type == "content_block_start") {
      StartBlock(event, out);
    } else if (type == "content_block_delta") {
      TranslateDelta(event, out);
    } else if (type == "content_block_stop") {
      StopBlock(event, out);
    } else if (type == "message_delta") {
      FinishMessage(event, out);
    }
    // message_stop, ping and error produce no chunk.
  }

  void StartBlock(const Json& event, std::string& out) {
    if (!IsToolUse(StringAt(event, {"content_block", "type"}).value_or(""))) {
      return;
    }
    int64_t tool_index = next_tool_index_++;
    tool_blocks_[IntAt(event, {"index"}).value_or(0)] = ToolBlock{tool_index, false};
    Json call =
        Object("index", tool_index, "id", StringAt(event, {"content_block", "id"}).value_or(""),
               "type", "function", "function",
               Object("name", StringAt(event, {"content_block", "name"}).value_or("")));
    EmitDelta(Object("content", nullptr, "tool_calls", Json::array({std::move(call)})), out);
  }

  void TranslateDelta(const Json& event, std::string& out) {
    std::string type = StringAt(event, {"delta", "type"}).value_or("");
    if (type == "text_delta") {
      const Json* text = Find(event, {"delta", "text"});
      if (!pending_role_ && text != nullptr && text->is_string()) {
        EmitText(text->get_ref<const std::string&>(), out);
      } else {
        EmitDelta(Object("content", StringAt(event, {"delta", "text"}).value_or("")), out);
      }
    } else if (type == "thinking_delta") {
      EmitDelta(Object("content", nullptr, "reasoning_content",
                       StringAt(event, {"delta", "thinking"}).value_or("")),
                out);
    } else if (type == "input_json_delta") {
      std::string partial = StringAt(event, {"delta", "partial_json"}).value_or("");
      auto block = tool_blocks_.find(IntAt(event, {"index"}).value_or(0));
      if (partial.empty() || block == tool_blocks_.end()) {
        return;
      }
      block->second.streamed_arguments = true;
      EmitArguments(block->second.tool_index, partial, out);
    }
    // signature_delta and citations_delta have no chunk equivalent.
  }

  // A tool call that streamed no arguments still owes the client valid JSON arguments.
  void StopBlock(const Json& event, std::string& out) {
    auto block = tool_blocks_.find(IntAt(event, {"index"}).value_or(0));
    if (block == tool_blocks_.end() || block->second.streamed_arguments) {
      return;
    }
    EmitArguments(block->second.tool_index, "{}", out);
  }

  void EmitArguments(int64_t tool_index, std::string_view arguments, std::string& out) {
    Json call = Object("index", tool_index, "id", nullptr, "type", nullptr, "function",
                       Object("arguments", arguments));
    EmitDelta(Object("content", nullptr, "tool_calls", Json::array({std::move(call)})), out);
  }

  // The final chunk: finish reason and usage together, usage from the delta's own counters.
  void FinishMessage(const Json& event, std::string& out) {
    Json choices = Json::array();
    if (auto stop_reason = StringAt(event, {"delta", "stop_reason"})) {
      Json delta = Object("content", nullptr);
      TakeRole(delta);
      choices.push_back(Object("index", 0, "delta", std::move(delta), "finish_reason",
                               FinishReason(*stop_reason)));
    }
    const Json* usage = Find(event, {"usage"});
    AppendChunk(choices, OpenAIUsage(usage ? *usage : chat::EmptyObject()), out);
  }

  void EmitDelta(Json delta, std::string& out) {
    TakeRole(delta);
    Json choices = Json::array({Object("index", 0, "delta", std::move(delta))});
    AppendChunk(choices, nullptr, out);
  }

  // Text deltas are nearly every event of a stream: their choices are written without a
  // document.
  void EmitText(const std::string& text, std::string& out) {
    if (chunk_head_.empty()) {
      WriteChunkWords();
    }
    out.append(chunk_head_).append("[{\"index\":0,\"delta\":{\"content\":");
    AppendJsonString(text, out);
    out.append("}}]").append(chunk_middle_).append("null}\n\n");
  }

  // The role announced by message_start rides on the first chunk with a choice.
  void TakeRole(Json& delta) {
    if (pending_role_) {
      delta["role"] = *pending_role_;
    }
    pending_role_.reset();
  }

  // An SSE event of one chunk. The words around its choices and usage change only at
  // message_start: written once, not from a document per chunk (that cost more than the rest).
  void AppendChunk(const Json& choices, const Json& usage, std::string& out) {
    if (chunk_head_.empty()) {
      WriteChunkWords();
    }
    out.append(chunk_head_);
    AppendJson(choices, out);
    out.append(chunk_middle_);
    AppendJson(usage, out);
    out.append("}\n\n");
  }

  // The chunk as WriteJson writes {id, choices, created, model, service_tier,
  // system_fingerprint, object, usage}, in two pieces: up to the choices and between the
  // choices and the usage.
  void WriteChunkWords() {
    chunk_head_ = "data: {\"id\":";
    AppendJsonString(id_, chunk_head_);
    chunk_head_.append(",\"choices\":");
    chunk_middle_ = ",\"created\":" + std::to_string(created_) + ",\"model\":";
    AppendJsonString(model_, chunk_middle_);
    chunk_middle_.append(",\"service_tier\":");
    AppendJson(service_tier_, chunk_middle_);
    chunk_middle_.append(
        ",\"system_fingerprint\":null,\"object\":\"chat.completion.chunk\",\"usage\":");
  }

  AnthropicStreamUsage usage_;
  std::string id_ = "unknown";
  std::string model_;
  Json service_tier_;
  int64_t created_;
  std::optional<std::string> pending_role_;
  int64_t next_tool_index_ = 0;
  std::map<int64_t, ToolBlock> tool_blocks_;  // by content block index
  std::string chunk_head_;    // `data: ` and a chunk up to its choices (empty: to be written)
  std::string chunk_middle_;  // a chunk between its choices and its usage
};

// A Completions request's Anthropic body without its messages (an empty `messages` first
// holds their place); `system` is the text ConvertMessage gathered.
Json AnthropicBodyAround(const Json& request, const ProviderOptions& options,
                         const std::string& system) {
  // Read in place, not copied (a copy of a large conversation cost as much as the rest): the
  // pinned model is the one difference, applied to the body and the info below.
  int64_t max_tokens = IntAt(request, {"max_completion_tokens"})
                           .value_or(IntAt(request, {"max_tokens"}).value_or(kDefaultMaxTokens));

  Json body = Object("messages", Json::array());
  if (!system.empty()) {
    body["system"] = system;
  }
  if (!options.model.empty()) {
    body["model"] = options.model;
  } else if (const Json* model = Find(request, {"model"})) {
    body["model"] = *model;
  }
  body["max_tokens"] = max_tokens;
  if (const Json* stop = Find(request, {"stop"})) {
    if (Json sequences = StopSequences(*stop); !sequences.empty()) {
      body["stop_sequences"] = std::move(sequences);
    }
  }
  if (const Json* temperature = Find(request, {"temperature"})) {
    body["temperature"] = *temperature;
  }
  if (const Json* top_p = Find(request, {"top_p"})) {
    body["top_p"] = *top_p;
  }
  Json tools = Json::array();
  if (const Json* given = Find(request, {"tools"}); given && given->is_array()) {
    tools = Tools(*given);
  }
  if (auto choice = ToolChoice(request, !tools.empty())) {
    body["tool_choice"] = std::move(*choice);
  }
  if (!tools.empty()) {
    body["tools"] = std::move(tools);
  }
  if (auto user = StringAt(request, {"user"})) {
    body["metadata"] = {{"user_id", *user}};
  }
  if (auto thinking = Thinking(request, max_tokens)) {
    body["thinking"] = std::move(*thinking);
  }
  if (auto output = OutputFormat(request)) {
    body["output_config"] = std::move(*output);
  }
  const Json* stream = Find(request, {"stream"});
  if (stream && stream->is_boolean() && stream->get<bool>()) {
    body["stream"] = true;
  }
  return body;
}

RequestInfo AnthropicRequestInfo(const Json& request, const ProviderOptions& options) {
  RequestInfo info = CompletionsRequestInfo(request, "anthropic", options.record_prompt);
  if (!options.model.empty()) {
    info.request_model = options.model;
  }
  return info;
}

}  // namespace

Translated<RequestTranslation> AnthropicRequest(const Json& client_body,
                                                const ProviderOptions& options) {
  if (!client_body.is_object()) {
    return tl::unexpected<std::string>("request body is not a JSON object");
  }
  Json messages = Json::array();
  std::string system;
  if (const Json* given = Find(client_body, {"messages"}); given && given->is_array()) {
    for (const Json& message : *given) {
      ConvertMessage(message, system,
                     [&](Json converted) { messages.push_back(std::move(converted)); });
    }
  }
  Json body = AnthropicBodyAround(client_body, options, system);
  body["messages"] = std::move(messages);  // in the place kept for it, first
  return RequestTranslation{std::move(body), AnthropicRequestInfo(client_body, options)};
}

Translated<RequestText> AnthropicRequestText(Json& client_body,
                                             std::optional<std::string_view> messages_text,
                                             const ProviderOptions& options) {
  if (!client_body.is_object()) {
    return tl::unexpected<std::string>("request body is not a JSON object");
  }
  if (messages_text && options.record_prompt) {
    client_body["messages"] = ReadJsonArray(*messages_text);  // the summary's prompt reads them
    messages_text.reset();
  }
  RequestInfo info = AnthropicRequestInfo(client_body, options);  // before the messages go
  // The messages are written as they are converted, the rest of the body after them, and each
  // client message is freed once written: for a long conversation a document of the upstream
  // messages beside the client's took most of the memory of the request.
  std::string text = "{\"messages\":[";
  // About the size of what the client wrote: growing by doubling held two copies at the end.
  if (messages_text) {
    text.reserve(messages_text->size() + 1024);
  }
  std::string system;
  bool first = true;
  auto write = [&](Json message) {
    if (!first) {
      text.push_back(',');
    }
    first = false;
    AppendJson(message, text);
  };
  if (messages_text) {
    ForEachJsonElement(*messages_text, [&](std::string_view message) {
      ConvertMessage(ReadJson(message), system, write);
    });
  } else if (auto given = client_body.find("messages");
             given != client_body.end() && given->is_array()) {
    for (Json& message : *given) {
      ConvertMessage(message, system, write);
      message = nullptr;
    }
  }
  text.push_back(']');
  constexpr std::string_view kEmptyMessages = "{\"messages\":[]";
  std::string rest = WriteJson(AnthropicBodyAround(client_body, options, system));
  text.append(rest, kEmptyMessages.size());
  return RequestText{std::move(text), std::move(info)};
}

Translated<RequestTranslation> AnthropicMessagesRequest(const Json& client_body,
                                                        const ProviderOptions& options) {
  if (!client_body.is_object()) {
    return tl::unexpected<std::string>("request body is not a JSON object");
  }
  Json body = client_body;
  PinModel(body, options);
  RequestInfo info = MessagesRequestInfo(body, "anthropic", options.record_prompt);
  return RequestTranslation{std::move(body), std::move(info)};
}

Translated<RequestText> AnthropicMessagesRequestText(Json& client_body,
                                                     std::string_view messages_text,
                                                     const ProviderOptions& options) {
  if (!client_body.is_object()) {
    return tl::unexpected<std::string>("request body is not a JSON object");
  }
  PinModel(client_body, options);
  RequestInfo info = MessagesRequestInfo(client_body, "anthropic", /*with_prompt=*/false);
  return RequestText{WriteJsonWithArrayText(client_body, "messages", messages_text),
                     std::move(info)};
}

Translated<RequestTranslation> AnthropicCountTokensRequest(const Json& client_body,
                                                           const ProviderOptions& options) {
  if (!client_body.is_object()) {
    return tl::unexpected<std::string>("request body is not a JSON object");
  }
  Json body = client_body;
  PinModel(body, options);
  RequestInfo info;
  info.input_format = InputFormat::kCountTokens;
  info.request_model = StringAt(body, {"model"}).value_or("");
  info.provider = "anthropic";
  info.prompt = nullptr;  // count_tokens requests are not logged with a prompt
  return RequestTranslation{std::move(body), std::move(info)};
}

ResponseInfo AnthropicResponseInfo(const Json& body) {
  ResponseInfo info;
  info.input_tokens = IntAt(body, {"usage", "input_tokens"});
  info.output_tokens = IntAt(body, {"usage", "output_tokens"});
  if (info.input_tokens && info.output_tokens) {
    info.total_tokens = *info.input_tokens + *info.output_tokens;
  }
  info.cache_creation_input_tokens = IntAt(body, {"usage", "cache_creation_input_tokens"});
  info.cached_input_tokens = IntAt(body, {"usage", "cache_read_input_tokens"});
  info.service_tier = StringAt(body, {"usage", "service_tier"});
  info.provider_model = StringAt(body, {"model"});
  Json parts = Json::array();
  if (const Json* content = Find(body, {"content"}); content && content->is_array()) {
    for (const Json& block : *content) {
      if (!IsToolUse(StringAt(block, {"type"}).value_or(""))) {
        continue;
      }
      const Json* input = Find(block, {"input"});
      parts.push_back(chat::ToolCallPart(StringAt(block, {"id"}).value_or(""),
                                         StringAt(block, {"name"}).value_or(""),
                                         input ? *input : Json::object()));
    }
  }
  if (!parts.empty()) {
    info.output_messages =
        Json::array({chat::ToolCallOutputMessage(parts, StringAt(body, {"stop_reason"}))});
  }
  return info;
}

Translated<ResponseTranslation> AnthropicResponse(std::string_view upstream_body,
                                                  const Stamper& stamper) {
  std::optional<Json> parsed = chat::ParseJson(upstream_body);
  if (!parsed || !parsed->is_object()) {
    return tl::unexpected<std::string>("failed to parse response: not an Anthropic message");
  }
  const Json& upstream = *parsed;
  const Json* content = Find(upstream, {"content"});
  Json choice =
      Object("message", ChatMessage(content && content->is_array() ? *content : chat::EmptyArray()),
             "index", 0);
  if (auto stop_reason = StringAt(upstream, {"stop_reason"})) {
    choice["finish_reason"] = FinishReason(*stop_reason);
  }
  Json body =
      Object("id", StringAt(upstream, {"id"}).value_or(""), "object", "chat.completion", "created",
             stamper.UnixSeconds(), "model", StringAt(upstream, {"model"}).value_or(""));
  if (auto tier = StringAt(upstream, {"usage", "service_tier"})) {
    body["service_tier"] = *tier;
  }
  body["choices"] = Json::array({std::move(choice)});
  const Json* usage = Find(upstream, {"usage"});
  body["usage"] = OpenAIUsage(usage ? *usage : chat::EmptyObject());
  ResponseInfo info = CompletionsResponseInfo(body);
  return ResponseTranslation{std::move(body), std::move(info)};
}

Translated<ResponseTranslation> AnthropicPassthroughResponse(std::string_view upstream_body) {
  std::optional<Json> parsed = chat::ParseJson(upstream_body);
  if (!parsed || !parsed->is_object()) {
    return tl::unexpected<std::string>("failed to parse response: not an Anthropic message");
  }
  // The gateway types stop_sequence without omitting it, so re-serialising adds the null.
  if (!parsed->contains("stop_sequence")) {
    (*parsed)["stop_sequence"] = nullptr;
  }
  ResponseInfo info = AnthropicResponseInfo(*parsed);
  return ResponseTranslation{std::move(*parsed), std::move(info)};
}

Translated<CountTokensResult> AnthropicCountTokensResponse(std::string_view upstream_body) {
  std::optional<Json> parsed = chat::ParseJson(upstream_body);
  std::optional<int64_t> count;
  if (parsed) {
    count = IntAt(*parsed, {"input_tokens"});
  }
  if (parsed && !count) {
    count = IntAt(*parsed, {"inputTokens"});
  }
  if (!count) {
    return tl::unexpected<std::string>("failed to parse response: no input_tokens in count_tokens");
  }
  return CountTokensResult{std::move(*parsed), *count};
}

std::unique_ptr<StreamTranslator> MakeAnthropicStreamTranslator(const Stamper& stamper) {
  return std::make_unique<AnthropicToCompletionsStream>(stamper);
}

std::unique_ptr<StreamTranslator> MakeAnthropicPassthroughStream() {
  return std::make_unique<AnthropicPassthroughStream>();
}

std::string AnthropicError(int /*status*/, std::string_view upstream_body) {
  // Every Anthropic error reaches OpenAI clients as invalid_request_error, as upstream does.
  std::string message = Utf8Lossy(upstream_body);
  if (auto parsed = chat::ParseJson(upstream_body)) {
    if (auto text = StringAt(*parsed, {"error", "message"})) {
      message = *text;
    }
  }
  Json error = {{"event_id", nullptr},
                {"error", {{"type", "invalid_request_error"}, {"message", message}}}};
  return WriteJson(error);
}

std::string AnthropicPassthroughError(int status, std::string_view upstream_body) {
  if (auto parsed = chat::ParseJson(upstream_body)) {
    bool anthropic_shaped = StringAt(*parsed, {"type"}) && StringAt(*parsed, {"error", "type"}) &&
                            StringAt(*parsed, {"error", "message"});
    if (anthropic_shaped) {
      return std::string(upstream_body);
    }
  }
  Json error = {
      {"type", "error"},
      {"error",
       {{"type", chat::AnthropicErrorType(status)}, {"message", Utf8Lossy(upstream_body)}}}};
  return WriteJson(error);
}

}  // namespace agw::emulator::llm
