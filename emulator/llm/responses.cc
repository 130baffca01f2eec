#include "emulator/llm/responses.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "emulator/llm/chat_json.h"
#include "emulator/llm/detect.h"
#include "emulator/llm/json_codec.h"
#include "emulator/llm/request_info.h"
#include "emulator/llm/sse.h"
#include "emulator/llm/sse_stream.h"

namespace agw::emulator::llm {

namespace {

// ---------------------------------------------------------------------------------------------
// JSON access that never throws: upstream bodies are untrusted.

using chat::Member;

using chat::IntAt;
using chat::StringValueOr;

std::optional<std::string> OptionalString(const Json& object, const char* key) {
  const Json& value = Member(object, key);
  if (!value.is_string()) {
    return std::nullopt;
  }
  return value.get<std::string>();
}

Json ParseOrNull(std::string_view text) {
  Json parsed = ReadJson(text);
  return parsed.is_discarded() ? Json() : parsed;
}

std::string Join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) {
      out.append(separator);
    }
    out.append(parts[i]);
  }
  return out;
}

// The text of the parts whose type is one of `types`.
std::string TextOfParts(const Json& parts, std::initializer_list<std::string_view> types,
                        const char* text_key = "text") {
  std::vector<std::string> texts;
  if (!parts.is_array()) {
    return {};
  }
  for (const Json& part : parts) {
    std::string type = StringValueOr(part, "type");
    if (std::find(types.begin(), types.end(), type) != types.end()) {
      texts.push_back(StringValueOr(part, text_key));
    }
  }
  return Join(texts, "\n");
}

void CopyIfPresent(const Json& from, const char* key, Json& to, const char* as = nullptr) {
  const Json& value = Member(from, key);
  if (!value.is_null()) {
    to[as != nullptr ? as : key] = value;
  }
}

// ---------------------------------------------------------------------------------------------
// Logged output: tool calls as agentgateway records them for access logs.

// Arguments are logged as JSON when they parse, else as the text the model produced.
Json LoggedArguments(const std::string& arguments) {
  Json parsed = ParseOrNull(arguments);
  return parsed.is_null() && arguments != "null" ? Json(arguments) : parsed;
}

Json ToolCallPart(const std::string& id, const std::string& name, const std::string& arguments) {
  return Json{
      {"type", "tool_call"}, {"id", id}, {"name", name}, {"arguments", LoggedArguments(arguments)}};
}

std::optional<Json> OutputMessages(Json parts, const std::optional<std::string>& finish_reason) {
  if (parts.empty()) {
    return std::nullopt;
  }
  Json message = Json{{"role", "assistant"}, {"content", std::move(parts)}};
  if (finish_reason) {
    message["finish_reason"] = *finish_reason;
  }
  return Json::array({std::move(message)});
}

// A Responses output item that is a tool call, as a logged part.
std::optional<Json> ToolCallPartOfItem(const Json& item) {
  std::string type = StringValueOr(item, "type");
  if (type == "function_call") {
    return ToolCallPart(StringValueOr(item, "call_id"), StringValueOr(item, "name"),
                        StringValueOr(item, "arguments"));
  }
  if (type == "custom_tool_call") {
    return ToolCallPart(StringValueOr(item, "call_id"), StringValueOr(item, "name"),
                        StringValueOr(item, "input"));
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Usage of a Responses object.

void RecordResponsesUsage(const Json& usage, ResponseInfo& info) {
  if (!usage.is_object()) {
    return;
  }
  info.input_tokens = IntAt(usage, {"input_tokens"});
  info.output_tokens = IntAt(usage, {"output_tokens"});
  info.total_tokens = IntAt(usage, {"total_tokens"});
  if (!info.total_tokens && info.input_tokens && info.output_tokens) {
    info.total_tokens = *info.input_tokens + *info.output_tokens;
  }
  const Json& input_details = Member(usage, "input_tokens_details");
  info.cached_input_tokens = IntAt(input_details, {"cached_tokens"});
  info.cache_creation_input_tokens = IntAt(input_details, {"cache_write_tokens"});
  info.reasoning_tokens = IntAt(Member(usage, "output_tokens_details"), {"reasoning_tokens"});
}

ResponseInfo ResponsesObjectInfo(const Json& response) {
  ResponseInfo info;
  RecordResponsesUsage(Member(response, "usage"), info);
  info.service_tier = OptionalString(response, "service_tier");
  info.provider_model = OptionalString(response, "model");
  Json parts = Json::array();
  for (const Json& item : Member(response, "output")) {
    if (auto part = ToolCallPartOfItem(item)) {
      parts.push_back(std::move(*part));
    }
  }
  info.output_messages = OutputMessages(std::move(parts), OptionalString(response, "status"));
  return info;
}

// ---------------------------------------------------------------------------------------------
// Messages request -> Responses request.

using Unsupported = tl::unexpected<std::string>;

Unsupported CannotRepresent(std::string what) {
  return Unsupported("unsupported conversion: " + what + " cannot be represented by responses");
}

void AddCacheBreakpoint(Json& part, const Json& block) {
  if (!Member(block, "cache_control").is_null()) {
    part["prompt_cache_breakpoint"] = {{"mode", "explicit"}};
  }
}

Json InputText(const std::string& text) { return Json{{"type", "input_text"}, {"text", text}}; }

void FlushInputMessage(const char* role, Json& parts, Json& items) {
  if (parts.empty()) {
    return;
  }
  items.push_back(Json{{"type", "message"}, {"role", role}, {"content", std::move(parts)}});
  parts = Json::array();
}

void FlushAssistantText(Json& parts, Json& items, const Stamper& stamper) {
  if (parts.empty()) {
    return;
  }
  items.push_back(Json{{"type", "message"},
                       {"id", stamper.Id("msg_")},
                       {"role", "assistant"},
                       {"content", std::move(parts)},
                       {"status", "completed"}});
  parts = Json::array();
}

tl::expected<Json, std::string> InputImage(const Json& source) {
  std::string type = StringValueOr(source, "type");
  Json part = Json{{"type", "input_image"}};
  if (type == "base64") {
    auto media_type = OptionalString(source, "media_type");
    auto data = OptionalString(source, "data");
    if (!media_type || !data) {
      return CannotRepresent("an incomplete base64 image source");
    }
    part["image_url"] = "data:" + *media_type + ";base64," + *data;
  } else if (type == "url") {
    auto url = OptionalString(source, "url");
    if (!url) {
      return CannotRepresent("an image url source without url");
    }
    part["image_url"] = *url;
  } else if (type == "file") {
    auto file_id = OptionalString(source, "file_id");
    if (!file_id) {
      return CannotRepresent("an image file source without file_id");
    }
    part["file_id"] = *file_id;
  } else {
    return CannotRepresent("image source type '" + type + "'");
  }
  part["detail"] = "auto";
  return part;
}

tl::expected<Json, std::string> TextBlockPart(const Json& block, const char* type) {
  if (!Member(block, "citations").is_null()) {
    return CannotRepresent("text citations");
  }
  Json part = Json{{"type", type}, {"text", StringValueOr(block, "text")}};
  return part;
}

// A tool result's content: plain text unless cache breakpoints must be carried.
tl::expected<Json, std::string> ToolResultOutput(const Json& block) {
  const Json& content = Member(block, "content");
  bool cached = !Member(block, "cache_control").is_null();
  if (content.is_string() || content.is_null()) {
    std::string text = content.is_string() ? content.get<std::string>() : "";
    if (!cached) {
      return Json(text);
    }
    Json part = InputText(text);
    AddCacheBreakpoint(part, block);
    return Json::array({part});
  }
  Json parts = Json::array();
  std::vector<std::string> texts;
  bool any_breakpoint = false;
  for (const Json& item : content) {
    if (StringValueOr(item, "type") != "text") {
      return CannotRepresent("non-text tool_result content");
    }
    if (!Member(item, "citations").is_null()) {
      return CannotRepresent("tool_result citations");
    }
    texts.push_back(StringValueOr(item, "text"));
    Json part = InputText(texts.back());
    AddCacheBreakpoint(part, item);
    any_breakpoint = any_breakpoint || part.contains("prompt_cache_breakpoint");
    parts.push_back(std::move(part));
  }
  if (cached) {
    if (parts.empty()) {
      parts.push_back(InputText(""));
    }
    AddCacheBreakpoint(parts.back(), block);
  }
  if (cached || any_breakpoint) {
    return parts;
  }
  return Json(Join(texts, "\n"));
}

Json ContentBlocks(const Json& content) {
  if (content.is_string()) {
    return Json::array({Json{{"type", "text"}, {"text", content}}});
  }
  return content.is_array() ? content : Json::array();
}

tl::expected<void, std::string> TranslateUserMessage(const Json& content, Json& items) {
  Json parts = Json::array();
  for (const Json& block : ContentBlocks(content)) {
    std::string type = StringValueOr(block, "type");
    if (type == "text") {
      auto part = TextBlockPart(block, "input_text");
      if (!part) {
        return tl::unexpected(part.error());
      }
      AddCacheBreakpoint(*part, block);
      parts.push_back(std::move(*part));
    } else if (type == "image") {
      auto part = InputImage(Member(block, "source"));
      if (!part) {
        return tl::unexpected(part.error());
      }
      AddCacheBreakpoint(*part, block);
      parts.push_back(std::move(*part));
    } else if (type == "tool_result") {
      FlushInputMessage("user", parts, items);
      auto output = ToolResultOutput(block);
      if (!output) {
        return tl::unexpected(output.error());
      }
      bool is_error =
          Member(block, "is_error").is_boolean() && Member(block, "is_error").get<bool>();
      items.push_back(Json{{"type", "function_call_output"},
                           {"call_id", StringValueOr(block, "tool_use_id")},
                           {"output", std::move(*output)},
                           {"status", is_error ? "incomplete" : "completed"}});
    } else {
      return CannotRepresent("messages user content block '" + type + "'");
    }
  }
  FlushInputMessage("user", parts, items);
  return {};
}

tl::expected<void, std::string> TranslateAssistantMessage(const Json& content, Json& items,
                                                          const Stamper& stamper) {
  Json parts = Json::array();
  for (const Json& block : ContentBlocks(content)) {
    std::string type = StringValueOr(block, "type");
    if (type == "text") {
      auto part = TextBlockPart(block, "output_text");
      if (!part) {
        return tl::unexpected(part.error());
      }
      (*part)["annotations"] = Json::array();
      parts.push_back(std::move(*part));
    } else if (type == "tool_use") {
      FlushAssistantText(parts, items, stamper);
      const Json& input = Member(block, "input");
      std::string id = StringValueOr(block, "id");
      items.push_back(Json{{"type", "function_call"},
                           {"id", id},
                           {"call_id", id},
                           {"name", StringValueOr(block, "name")},
                           {"arguments", input.is_null() ? "{}" : WriteJson(input)},
                           {"status", "completed"}});
    } else if (type == "thinking" || type == "redacted_thinking") {
      return CannotRepresent("messages thinking history");
    } else {
      return CannotRepresent("messages assistant content block '" + type + "'");
    }
  }
  FlushAssistantText(parts, items, stamper);
  return {};
}

tl::expected<void, std::string> TranslateSystemMessage(const Json& content, Json& items) {
  Json parts = Json::array();
  for (const Json& block : ContentBlocks(content)) {
    if (StringValueOr(block, "type") != "text") {
      return CannotRepresent("messages system content block");
    }
    auto part = TextBlockPart(block, "input_text");
    if (!part) {
      return tl::unexpected(part.error());
    }
    AddCacheBreakpoint(*part, block);
    parts.push_back(std::move(*part));
  }
  FlushInputMessage("system", parts, items);
  return {};
}

// The system prompt becomes `instructions`, unless a block asks for a cache breakpoint, which
// only an input message can carry.
void TranslateSystemPrompt(const Json& system, Json& instructions, Json& items) {
  if (system.is_string()) {
    instructions = system;
    return;
  }
  if (!system.is_array()) {
    return;
  }
  bool cached = std::any_of(system.begin(), system.end(), [](const Json& block) {
    return !Member(block, "cache_control").is_null();
  });
  if (cached) {
    Json parts = Json::array();
    for (const Json& block : system) {
      Json part = InputText(StringValueOr(block, "text"));
      AddCacheBreakpoint(part, block);
      parts.push_back(std::move(part));
    }
    FlushInputMessage("system", parts, items);
    return;
  }
  std::vector<std::string> texts;
  for (const Json& block : system) {
    texts.push_back(StringValueOr(block, "text"));
  }
  instructions = Join(texts, "\n");
}

tl::expected<Json, std::string> TranslateReasoning(const Json& body) {
  const Json& thinking = Member(body, "thinking");
  const Json& effort = Member(Member(body, "output_config"), "effort");
  std::string type = StringValueOr(thinking, "type");
  if (type == "adaptive" || type == "enabled") {
    return Json{{"effort", effort.is_string() ? effort : Json("high")}};
  }
  if (!effort.is_null()) {
    return CannotRepresent("output_config.effort without adaptive thinking");
  }
  return Json();
}

Json TranslateTools(const Json& tools) {
  Json out = Json::array();
  for (const Json& tool : tools) {
    // Server tools (web search, ...) have a `type` and no schema; Responses cannot run them.
    if (!Member(tool, "input_schema").is_object()) {
      continue;
    }
    Json function = Json{{"type", "function"}, {"name", StringValueOr(tool, "name")}};
    CopyIfPresent(tool, "description", function);
    function["parameters"] = Member(tool, "input_schema");
    out.push_back(std::move(function));
  }
  return out;
}

// Returns the Responses tool_choice and, when the client said, parallel_tool_calls.
std::pair<Json, Json> TranslateToolChoice(const Json& choice) {
  Json parallel;
  if (const Json& disable = Member(choice, "disable_parallel_tool_use"); disable.is_boolean()) {
    parallel = !disable.get<bool>();
  }
  std::string type = StringValueOr(choice, "type");
  if (type == "auto") {
    return {"auto", parallel};
  }
  if (type == "any") {
    return {"required", parallel};
  }
  if (type == "tool") {
    return {Json{{"type", "function"}, {"name", StringValueOr(choice, "name")}}, parallel};
  }
  if (type == "none") {
    return {"none", Json()};
  }
  return {Json(), Json()};
}

// ---------------------------------------------------------------------------------------------
// Responses request -> Chat Completions request.

Json TextParts(const Json& parts) {
  Json out = Json::array();
  for (const Json& part : parts) {
    if (StringValueOr(part, "type") != "input_text") {
      continue;
    }
    Json text = Json{{"type", "text"}, {"text", StringValueOr(part, "text")}};
    CopyIfPresent(part, "prompt_cache_breakpoint", text);
    out.push_back(std::move(text));
  }
  return out;
}

Json ChatContent(const Json& content) {
  if (content.is_string()) {
    return content;
  }
  return TextParts(content);
}

// An assistant turn replayed from an earlier response: output text joined, or no content.
Json AssistantContent(const Json& content) {
  if (content.is_string()) {
    return content;
  }
  std::string text = TextOfParts(content, {"output_text", "input_text"});
  return text.empty() ? Json() : Json(text);
}

void AppendToolCall(Json& messages, Json tool_call) {
  if (!messages.empty() && StringValueOr(messages.back(), "role") == "assistant" &&
      messages.back().contains("tool_calls")) {
    messages.back()["tool_calls"].push_back(std::move(tool_call));
    return;
  }
  messages.push_back(Json{{"role", "assistant"}, {"tool_calls", Json::array({tool_call})}});
}

Json FunctionToolCall(const std::string& id, const std::string& name,
                      const std::string& arguments) {
  return Json{{"type", "function"},
              {"id", id},
              {"function", Json{{"name", name}, {"arguments", arguments}}}};
}

void TranslateInputItem(const Json& item, Json& messages) {
  std::string type = StringValueOr(item, "type", "message");
  if (type == "message") {
    std::string role = StringValueOr(item, "role");
    const Json& content = Member(item, "content");
    if (role == "user") {
      messages.push_back(Json{{"role", "user"}, {"content", ChatContent(content)}});
    } else if (role == "system" || role == "developer") {
      messages.push_back(Json{{"role", "developer"}, {"content", ChatContent(content)}});
    } else if (role == "assistant") {
      Json message = Json{{"role", "assistant"}};
      if (Json text = AssistantContent(content); !text.is_null()) {
        message["content"] = text;
      }
      messages.push_back(std::move(message));
    }
  } else if (type == "function_call") {
    AppendToolCall(messages,
                   FunctionToolCall(StringValueOr(item, "call_id"), StringValueOr(item, "name"),
                                    StringValueOr(item, "arguments")));
  } else if (type == "custom_tool_call") {
    // Custom tool input is free text; chat tools take JSON, so it travels as a JSON string.
    AppendToolCall(messages,
                   FunctionToolCall(StringValueOr(item, "id"), StringValueOr(item, "name"),
                                    WriteJson(Member(item, "input"))));
  } else if (type == "function_call_output") {
    const Json& output = Member(item, "output");
    std::string text =
        output.is_string() ? output.get<std::string>() : TextOfParts(output, {"input_text"});
    messages.push_back(Json{
        {"role", "tool"}, {"content", text}, {"tool_call_id", StringValueOr(item, "call_id")}});
  } else if (type == "custom_tool_call_output") {
    const Json& output = Member(item, "output");
    if (!output.is_string()) {
      return;
    }
    messages.push_back(
        Json{{"role", "tool"}, {"content", output}, {"tool_call_id", StringValueOr(item, "id")}});
  }
  // Item references, reasoning and hosted-tool items have no chat equivalent.
}

Json ChatTools(const Json& tools) {
  Json out = Json::array();
  for (const Json& tool : tools) {
    if (StringValueOr(tool, "type") != "function") {
      continue;
    }
    Json function = Json{{"name", StringValueOr(tool, "name")}};
    CopyIfPresent(tool, "description", function);
    CopyIfPresent(tool, "parameters", function);
    CopyIfPresent(tool, "strict", function);
    out.push_back(Json{{"type", "function"}, {"function", std::move(function)}});
  }
  return out;
}

Json ChatToolChoice(const Json& choice) {
  if (choice.is_string()) {
    std::string mode = choice.get<std::string>();
    return mode == "auto" || mode == "required" || mode == "none" ? choice : Json();
  }
  if (StringValueOr(choice, "type") == "function") {
    return Json{{"type", "function"}, {"function", Json{{"name", StringValueOr(choice, "name")}}}};
  }
  return Json();  // hosted, MCP and custom tool choices have no chat equivalent
}

Json ChatResponseFormat(const Json& text) {
  const Json& format = Member(text, "format");
  std::string type = StringValueOr(format, "type");
  if (type == "json_object") {
    return Json{{"type", "json_object"}};
  }
  if (type != "json_schema") {
    return Json();
  }
  Json schema = Json::object();
  CopyIfPresent(format, "description", schema);
  schema["name"] = StringValueOr(format, "name");
  CopyIfPresent(format, "schema", schema);
  CopyIfPresent(format, "strict", schema);
  return Json{{"type", "json_schema"}, {"json_schema", std::move(schema)}};
}

// ---------------------------------------------------------------------------------------------
// Responses object -> Messages response.

std::optional<std::string> StopReasonForIncomplete(const Json& details) {
  std::string reason = StringValueOr(details, "reason");
  if (reason.empty() || reason == "max_output_tokens" || reason == "max_tokens") {
    return "max_tokens";
  }
  if (reason == "content_filter") {
    return "refusal";
  }
  return std::nullopt;
}

// Anthropic reports input tokens without the cached ones; zero cache counts are left out.
Json MessagesUsage(const Json& usage) {
  int64_t input = IntAt(usage, {"input_tokens"}).value_or(0);
  const Json& details = Member(usage, "input_tokens_details");
  int64_t written = IntAt(details, {"cache_write_tokens"}).value_or(0);
  int64_t read = IntAt(details, {"cached_tokens"}).value_or(0);
  Json out = Json::object();
  out["input_tokens"] = std::max<int64_t>(0, input - written - read);
  out["output_tokens"] = IntAt(usage, {"output_tokens"}).value_or(0);
  if (written > 0) {
    out["cache_creation_input_tokens"] = written;
  }
  if (read > 0) {
    out["cache_read_input_tokens"] = read;
  }
  return out;
}

// What the gateway logs for a Messages response (Anthropic's own numbers).
ResponseInfo MessagesResponseInfo(const Json& message) {
  ResponseInfo info;
  const Json& usage = Member(message, "usage");
  info.input_tokens = IntAt(usage, {"input_tokens"});
  info.output_tokens = IntAt(usage, {"output_tokens"});
  if (info.input_tokens && info.output_tokens) {
    info.total_tokens = *info.input_tokens + *info.output_tokens;
  }
  info.cache_creation_input_tokens = IntAt(usage, {"cache_creation_input_tokens"});
  info.cached_input_tokens = IntAt(usage, {"cache_read_input_tokens"});
  info.service_tier = OptionalString(usage, "service_tier");
  info.provider_model = OptionalString(message, "model");
  Json parts = Json::array();
  for (const Json& block : Member(message, "content")) {
    if (StringValueOr(block, "type") != "tool_use") {
      continue;
    }
    parts.push_back(Json{{"type", "tool_call"},
                         {"id", StringValueOr(block, "id")},
                         {"name", StringValueOr(block, "name")},
                         {"arguments", Member(block, "input")}});
  }
  info.output_messages = OutputMessages(std::move(parts), OptionalString(message, "stop_reason"));
  return info;
}

tl::expected<Json, std::string> MessageContentOf(const Json& response, bool& saw_tool_call,
                                                 bool& saw_refusal) {
  Json content = Json::array();
  for (const Json& item : Member(response, "output")) {
    std::string type = StringValueOr(item, "type");
    if (type == "message") {
      if (StringValueOr(item, "status") == "in_progress") {
        return Unsupported("unsupported conversion: in-progress responses message");
      }
      for (const Json& part : Member(item, "content")) {
        std::string part_type = StringValueOr(part, "type");
        if (part_type == "output_text") {
          bool annotated =
              !Member(part, "annotations").empty() || !Member(part, "logprobs").empty();
          if (annotated) {
            return Unsupported("unsupported conversion: responses annotations/logprobs");
          }
          content.push_back(Json{{"type", "text"}, {"text", StringValueOr(part, "text")}});
        } else if (part_type == "refusal") {
          saw_refusal = true;
          content.push_back(Json{{"type", "text"}, {"text", StringValueOr(part, "refusal")}});
        }
      }
    } else if (type == "function_call") {
      if (!Member(item, "namespace").is_null() || !Member(item, "caller").is_null() ||
          StringValueOr(item, "status") == "in_progress") {
        return Unsupported("unsupported conversion: responses function call " +
                           StringValueOr(item, "call_id"));
      }
      Json input = ParseOrNull(StringValueOr(item, "arguments"));
      if (!input.is_object()) {
        return Unsupported(
            "unsupported conversion: responses function call arguments are not a "
            "JSON object");
      }
      saw_tool_call = true;
      content.push_back(Json{{"type", "tool_use"},
                             {"id", StringValueOr(item, "call_id")},
                             {"name", StringValueOr(item, "name")},
                             {"input", std::move(input)}});
    } else if (type != "reasoning") {
      // Reasoning is dropped: Messages clients cannot replay OpenAI's reasoning items.
      return Unsupported("unsupported conversion: responses output item '" + type + "'");
    }
  }
  return content;
}

// ---------------------------------------------------------------------------------------------
// Chat Completions response -> Responses object.

// Gemini's compat endpoint reports completion_tokens 0 when the answer was cut short; the
// total still counts what was generated.
int64_t CompletionOutputTokens(const Json& usage) {
  int64_t completion = IntAt(usage, {"completion_tokens"}).value_or(0);
  int64_t total = IntAt(usage, {"total_tokens"}).value_or(0);
  if (completion == 0 && total > 0) {
    return std::max<int64_t>(0, total - IntAt(usage, {"prompt_tokens"}).value_or(0));
  }
  return completion;
}

std::optional<int64_t> CacheWriteTokens(const Json& usage) {
  if (auto written = IntAt(Member(usage, "prompt_tokens_details"), {"cache_write_tokens"})) {
    return written;
  }
  return IntAt(usage, {"cache_creation_input_tokens"});
}

// `streamed` events spell an absent cache write count as null; buffered bodies leave it out.
Json ResponsesUsageFromChat(const Json& usage, bool streamed) {
  Json input_details = Json::object();
  input_details["cached_tokens"] =
      IntAt(Member(usage, "prompt_tokens_details"), {"cached_tokens"}).value_or(0);
  if (auto written = CacheWriteTokens(usage)) {
    input_details["cache_write_tokens"] = *written;
  } else if (streamed) {
    input_details["cache_write_tokens"] = nullptr;
  }
  Json out = Json::object();
  out["input_tokens"] = IntAt(usage, {"prompt_tokens"}).value_or(0);
  out["input_tokens_details"] = std::move(input_details);
  out["output_tokens"] = CompletionOutputTokens(usage);
  out["output_tokens_details"] =
      Json{{"reasoning_tokens",
            IntAt(Member(usage, "completion_tokens_details"), {"reasoning_tokens"}).value_or(0)}};
  out["total_tokens"] = IntAt(usage, {"total_tokens"}).value_or(0);
  return out;
}

struct Outcome {
  std::string status;
  Json incomplete_details;
  Json error;
};

Outcome OutcomeOfFinishReason(const std::string& finish_reason) {
  if (finish_reason == "length") {
    return {"incomplete", Json{{"reason", "max_tokens"}}, Json()};
  }
  if (finish_reason == "content_filter") {
    return {"failed", Json(), Json{{"code", "content_filter"}, {"message", "Content filtered"}}};
  }
  return {"completed", Json(), Json()};
}

Json ResponsesObject(const std::string& id, const std::string& model, int64_t created_at,
                     const Outcome& outcome, Json output, Json usage) {
  Json response = Json::object();
  response["created_at"] = created_at;
  if (!outcome.error.is_null()) {
    response["error"] = outcome.error;
  }
  response["id"] = id;
  if (!outcome.incomplete_details.is_null()) {
    response["incomplete_details"] = outcome.incomplete_details;
  }
  response["model"] = model;
  response["object"] = "response";
  response["output"] = std::move(output);
  response["status"] = outcome.status;
  if (!usage.is_null()) {
    response["usage"] = std::move(usage);
  }
  return response;
}

Json OutputTextPart(std::string text) {
  return Json{{"type", "output_text"},
              {"annotations", Json::array()},
              {"logprobs", nullptr},
              {"text", std::move(text)}};
}

Json MessageItem(const std::string& id, Json content, const char* status) {
  return Json{{"type", "message"},
              {"content", std::move(content)},
              {"id", id},
              {"role", "assistant"},
              {"status", status}};
}

Json FunctionCallItem(const std::string& id, const std::string& name, std::string arguments,
                      const char* status) {
  return Json{{"type", "function_call"},
              {"arguments", std::move(arguments)},
              {"call_id", id},
              {"name", name},
              {"id", id},
              {"status", status}};
}

// ---------------------------------------------------------------------------------------------
// Streams.

// Responses events forwarded as received, read for usage and the logged output.
class ResponsesPassthroughStream : public SseJsonStream {
 public:
  ResponsesPassthroughStream() : SseJsonStream(/*forwards_upstream=*/true) {}

 protected:
  void OnEvent(const SseEvent& event, const Json* object, std::string&) override {
    if (IsDone(event)) {
      FlushLog(std::nullopt);
      return;
    }
    if (object == nullptr) {
      return;
    }
    const Json& data = *object;
    std::string type = StringValueOr(data, "type");
    if (type.rfind("response.", 0) != 0) {
      // Not a Responses event (keepalives, vendor extensions): read it the detect way.
      ReadDetectedUsage(data, info_);
      return;
    }
    if (type == "response.created") {
      RecordResponse(Member(data, "response"));
    } else if (type == "response.output_text.delta") {
      completion_ += StringValueOr(data, "delta");
    } else if (type == "response.output_item.done") {
      if (auto part = ToolCallPartOfItem(Member(data, "item"))) {
        tool_calls_[IntAt(data, {"output_index"}).value_or(0)] = std::move(*part);
      }
    } else if (type == "response.completed" || type == "response.incomplete") {
      const Json& response = Member(data, "response");
      RecordResponse(response);
      FlushLog(OptionalString(response, "status"));
    }
  }

 private:
  void RecordResponse(const Json& response) {
    info_.provider_model = OptionalString(response, "model");
    info_.service_tier = OptionalString(response, "service_tier");
    RecordResponsesUsage(Member(response, "usage"), info_);
  }

  void FlushLog(const std::optional<std::string>& finish_reason) {
    if (!completion_flushed_) {
      info_.completion = std::vector<std::string>{completion_};
      completion_flushed_ = true;
    }
    if (info_.output_messages) {
      return;
    }
    Json parts = Json::array();
    for (auto& [index, part] : tool_calls_) {
      parts.push_back(std::move(part));
    }
    tool_calls_.clear();
    info_.output_messages = OutputMessages(std::move(parts), finish_reason);
  }

  std::string completion_;
  bool completion_flushed_ = false;
  std::map<int64_t, Json> tool_calls_;  // by output index
};

// Chat Completions chunks -> Responses events. Every event is sent under the SSE event name
// "event", as agentgateway does.
class CompletionsToResponsesStream : public SseJsonStream {
 public:
  explicit CompletionsToResponsesStream(const Stamper& stamper)
      : SseJsonStream(/*forwards_upstream=*/false),
        stamper_(stamper),
        response_id_(stamper.Id("resp_")),
        message_id_(stamper.Id("msg_")),
        created_at_(stamper.UnixSeconds()) {}

 protected:
  void OnEvent(const SseEvent& event, const Json* object, std::string& out) override {
    if (IsDone(event)) {
      Flush(out);
      return;
    }
    if (object == nullptr) {
      return;
    }
    const Json& chunk = *object;
    if (!started_) {
      Start(chunk, out);
    }
    if (const Json& usage = Member(chunk, "usage"); usage.is_object()) {
      pending_usage_ = usage;
    }
    const Json& choices = Member(chunk, "choices");
    if (choices.is_array() && !choices.empty()) {
      TakeChoice(choices[0], out);
    }
    if (pending_finish_ && !pending_usage_.is_null()) {
      Flush(out);
    }
  }

  // Streams that end without `[DONE]` are closed the same way.
  void OnEnd(std::string& out) override { Flush(out); }

 private:
  struct ToolCall {
    std::string item_id;
    std::string name;
    std::string arguments;
    int64_t output_index = 0;
  };
  struct LoggedToolCall {
    std::string id;
    std::string name;
    std::string arguments;
  };

  void Emit(Json event, std::string& out) {
    event["sequence_number"] = ++sequence_;
    out += EncodeSseEvent("event", WriteJson(event));
  }

  Json Event(const char* type) { return Json{{"type", type}}; }

  void Start(const Json& chunk, std::string& out) {
    started_ = true;
    model_ = StringValueOr(chunk, "model");
    info_.provider_model = model_;
    if (auto tier = OptionalString(chunk, "service_tier")) {
      info_.service_tier = tier;
    }
    Json created = Event("response.created");
    created["response"] = ResponsesObject(response_id_, model_, created_at_,
                                          {"in_progress", Json(), Json()}, Json::array(), Json());
    Emit(std::move(created), out);
    Json added = Event("response.output_item.added");
    added["output_index"] = 0;
    added["item"] = MessageItem(message_id_, Json::array(), "in_progress");
    Emit(std::move(added), out);
  }

  void TakeChoice(const Json& choice, std::string& out) {
    const Json& delta = Member(choice, "delta");
    if (const Json& content = Member(delta, "content"); content.is_string()) {
      TakeText(content.get<std::string>(), out);
    }
    for (const Json& tool_call : Member(delta, "tool_calls")) {
      TakeToolCall(tool_call, out);
    }
    if (const Json& reason = Member(choice, "finish_reason"); reason.is_string()) {
      pending_finish_ = reason.get<std::string>();
    }
  }

  void TakeText(const std::string& text, std::string& out) {
    completion_ += text;
    if (!sent_content_part_) {
      sent_content_part_ = true;
      Json added = Event("response.content_part.added");
      added["item_id"] = message_id_;
      added["output_index"] = 0;
      added["content_index"] = 0;
      added["part"] = OutputTextPart("");
      Emit(std::move(added), out);
    }
    Json delta = Event("response.output_text.delta");
    delta["item_id"] = message_id_;
    delta["output_index"] = 0;
    delta["content_index"] = 0;
    delta["delta"] = text;
    Emit(std::move(delta), out);
  }

  void TakeToolCall(const Json& tool_call, std::string& out) {
    int64_t index = IntAt(tool_call, {"index"}).value_or(0);
    const Json& function = Member(tool_call, "function");
    LoggedToolCall& logged = logged_tool_calls_[index];
    if (auto id = OptionalString(tool_call, "id")) {
      logged.id = *id;
    }
    if (auto name = OptionalString(function, "name")) {
      logged.name = *name;
    }
    std::string arguments = StringValueOr(function, "arguments");
    logged.arguments += arguments;

    auto [entry, is_new] = tool_calls_.try_emplace(index);
    ToolCall& call = entry->second;
    if (is_new) {
      call.item_id = stamper_.Id("call_");
      call.output_index = next_output_index_++;
    }
    if (auto name = OptionalString(function, "name")) {
      call.name = *name;
    }
    call.arguments += arguments;
    if (is_new) {
      Json added = Event("response.output_item.added");
      added["output_index"] = call.output_index;
      added["item"] = FunctionCallItem(call.item_id, call.name, "", "in_progress");
      Emit(std::move(added), out);
    }
    if (!arguments.empty()) {
      Json delta = Event("response.function_call_arguments.delta");
      delta["item_id"] = call.item_id;
      delta["output_index"] = call.output_index;
      delta["delta"] = arguments;
      Emit(std::move(delta), out);
    }
  }

  void Flush(std::string& out) {
    if (!started_ || flushed_) {
      return;
    }
    flushed_ = true;
    Outcome outcome = OutcomeOfFinishReason(pending_finish_.value_or("stop"));
    RecordLog(outcome.status);
    CloseToolCalls(out);
    CloseMessage(out);
    Json usage = pending_usage_.is_null() ? Json() : ResponsesUsageFromChat(pending_usage_, true);
    const char* type = outcome.status == "incomplete" ? "response.incomplete"
                       : outcome.status == "failed"   ? "response.failed"
                                                      : "response.completed";
    Json terminal = Event(type);
    terminal["response"] = ResponsesObject(response_id_, model_, created_at_, outcome,
                                           Json::array(), std::move(usage));
    Emit(std::move(terminal), out);
  }

  // Tool calls close in the order they were opened.
  void CloseToolCalls(std::string& out) {
    std::vector<const ToolCall*> calls;
    for (const auto& [index, call] : tool_calls_) {
      calls.push_back(&call);
    }
    std::sort(calls.begin(), calls.end(), [](const ToolCall* a, const ToolCall* b) {
      return a->output_index < b->output_index;
    });
    for (const ToolCall* call : calls) {
      Json done = Event("response.function_call_arguments.done");
      done["name"] = call->name;
      done["item_id"] = call->item_id;
      done["output_index"] = call->output_index;
      done["arguments"] = call->arguments;
      Emit(std::move(done), out);
      Json item_done = Event("response.output_item.done");
      item_done["output_index"] = call->output_index;
      item_done["item"] = FunctionCallItem(call->item_id, call->name, call->arguments, "completed");
      Emit(std::move(item_done), out);
    }
  }

  // The text was sent as deltas; the closing events carry none of it again.
  void CloseMessage(std::string& out) {
    if (sent_content_part_) {
      Json part_done = Event("response.content_part.done");
      part_done["item_id"] = message_id_;
      part_done["output_index"] = 0;
      part_done["content_index"] = 0;
      part_done["part"] = OutputTextPart("");
      Emit(std::move(part_done), out);
    }
    Json message_done = Event("response.output_item.done");
    message_done["output_index"] = 0;
    message_done["item"] = MessageItem(message_id_, Json::array(), "completed");
    Emit(std::move(message_done), out);
  }

  void RecordLog(const std::string& status) {
    info_.completion = std::vector<std::string>{completion_};
    if (pending_usage_.is_object()) {
      info_.input_tokens = IntAt(pending_usage_, {"prompt_tokens"});
      info_.output_tokens = CompletionOutputTokens(pending_usage_);
      info_.total_tokens = IntAt(pending_usage_, {"total_tokens"});
      info_.cached_input_tokens =
          IntAt(Member(pending_usage_, "prompt_tokens_details"), {"cached_tokens"});
      info_.cache_creation_input_tokens = CacheWriteTokens(pending_usage_);
      info_.reasoning_tokens =
          IntAt(Member(pending_usage_, "completion_tokens_details"), {"reasoning_tokens"});
    }
    Json parts = Json::array();
    for (const auto& [index, call] : logged_tool_calls_) {
      parts.push_back(ToolCallPart(call.id, call.name, call.arguments));
    }
    info_.output_messages = OutputMessages(std::move(parts), status);
  }

  const Stamper stamper_;  // the ids of tool calls are drawn as they arrive
  const std::string response_id_;
  const std::string message_id_;
  const int64_t created_at_;
  std::string model_;
  bool started_ = false;
  bool flushed_ = false;
  bool sent_content_part_ = false;
  int64_t sequence_ = 0;
  int64_t next_output_index_ = 1;  // 0 is the message
  std::string completion_;
  std::optional<std::string> pending_finish_;
  Json pending_usage_;
  std::map<int64_t, ToolCall> tool_calls_;               // by the chunk's tool index
  std::map<int64_t, LoggedToolCall> logged_tool_calls_;  // the upstream's own ids, for logs
};

// Responses events -> Anthropic Messages events.
class ResponsesToMessagesStream : public SseJsonStream {
 public:
  explicit ResponsesToMessagesStream(const Stamper& stamper)
      : SseJsonStream(/*forwards_upstream=*/false), stamper_(stamper) {}

 protected:
  void OnEvent(const SseEvent& event, const Json* object, std::string& out) override {
    if (IsDone(event)) {
      FinishMessage(out);
      return;
    }
    if (object == nullptr) {
      return;
    }
    const Json& data = *object;
    std::string type = StringValueOr(data, "type");
    int64_t output_index = IntAt(data, {"output_index"}).value_or(0);
    std::pair<int64_t, int64_t> text_key{output_index, IntAt(data, {"content_index"}).value_or(0)};

    if (type == "response.created") {
      RecordResponse(Member(data, "response"));
      StartMessage(out);
    } else if (type == "response.output_item.added") {
      StartMessage(out);
      const Json& item = Member(data, "item");
      if (StringValueOr(item, "type") == "function_call") {
        OpenToolBlock(output_index, OptionalString(item, "call_id"), OptionalString(item, "name"),
                      out);
      }
    } else if (type == "response.content_part.added") {
      StartMessage(out);
      std::string part_type = StringValueOr(Member(data, "part"), "type");
      if (part_type == "refusal") {
        pending_stop_ = "refusal";
      }
      if (part_type == "output_text" || part_type == "refusal") {
        OpenTextBlock(text_key, out);
      }
    } else if (type == "response.output_text.delta") {
      StartMessage(out);
      int64_t index = OpenTextBlock(text_key, out);
      std::string text = StringValueOr(data, "delta");
      completion_ += text;
      EmitTextDelta(index, text, out);
    } else if (type == "response.refusal.delta") {
      saw_refusal_ = true;
      pending_stop_ = "refusal";
      int64_t index = OpenTextBlock(text_key, out);
      std::string text = StringValueOr(data, "delta");
      completion_ += text;
      if (!text.empty()) {
        EmitTextDelta(index, text, out);
      }
    } else if (type == "response.refusal.done") {
      saw_refusal_ = true;
      pending_stop_ = "refusal";
      CloseTextBlock(text_key, out);
    } else if (type == "response.content_part.done") {
      TakeContentPartDone(data, text_key, out);
    } else if (type == "response.function_call_arguments.delta") {
      StartMessage(out);
      int64_t index =
          OpenToolBlock(output_index, OptionalString(data, "item_id"), std::nullopt, out);
      ToolBlock& block = tool_blocks_[output_index];
      std::string delta = StringValueOr(data, "delta");
      block.arguments += delta;
      block.emitted_arguments = true;
      EmitJsonDelta(index, delta, out);
    } else if (type == "response.function_call_arguments.done") {
      StartMessage(out);
      int64_t index = OpenToolBlock(output_index, OptionalString(data, "item_id"),
                                    OptionalString(data, "name"), out);
      CompleteArguments(output_index, index, StringValueOr(data, "arguments"), out);
    } else if (type == "response.output_item.done") {
      TakeOutputItemDone(Member(data, "item"), output_index, out);
    } else if (type == "response.completed") {
      RecordResponse(Member(data, "response"));
      pending_stop_ = saw_tool_call_ ? "tool_use" : saw_refusal_ ? "refusal" : "end_turn";
      FinishMessage(out);
    } else if (type == "response.incomplete") {
      const Json& response = Member(data, "response");
      RecordResponse(response);
      pending_stop_ = StopReasonForIncomplete(Member(response, "incomplete_details"));
      FinishMessage(out);
    } else if (type == "response.failed") {
      RecordResponse(Member(data, "response"));
      FinishMessage(out);
      EmitError("api_error", "responses stream failed", out);
    } else if (type == "error") {
      FinishMessage(out);
      EmitError(StringValueOr(data, "code", "api_error"), StringValueOr(data, "message"), out);
    }
  }

 private:
  struct ToolBlock {
    std::optional<int64_t> index;
    std::optional<std::string> id;
    std::optional<std::string> name;
    std::string arguments;
    bool emitted_arguments = false;
    bool open = false;
  };
  using TextKey = std::pair<int64_t, int64_t>;  // output index, content index

  void Emit(const char* type, Json event, std::string& out) {
    out += EncodeSseEvent(type, WriteJson(event));
  }

  void RecordResponse(const Json& response) {
    response_id_ = OptionalString(response, "id");
    model_ = OptionalString(response, "model");
    info_.provider_model = model_;
    info_.service_tier = OptionalString(response, "service_tier");
    if (const Json& usage = Member(response, "usage"); usage.is_object()) {
      pending_usage_ = usage;
      RecordResponsesUsage(usage, info_);
    }
  }

  void StartMessage(std::string& out) {
    if (started_) {
      return;
    }
    started_ = true;
    Json message = Json{{"id", response_id_ ? *response_id_ : stamper_.Id("msg_")},
                        {"type", "message"},
                        {"role", "assistant"},
                        {"content", Json::array()},
                        {"model", model_.value_or("")},
                        {"stop_reason", nullptr},
                        {"stop_sequence", nullptr},
                        {"usage", Json{{"input_tokens", 0}, {"output_tokens", 0}}}};
    Emit("message_start", Json{{"type", "message_start"}, {"message", std::move(message)}}, out);
  }

  void EmitBlockStop(int64_t index, std::string& out) {
    Emit("content_block_stop", Json{{"type", "content_block_stop"}, {"index", index}}, out);
  }

  void EmitTextDelta(int64_t index, const std::string& text, std::string& out) {
    Emit("content_block_delta",
         Json{{"type", "content_block_delta"},
              {"index", index},
              {"delta", Json{{"type", "text_delta"}, {"text", text}}}},
         out);
  }

  void EmitJsonDelta(int64_t index, const std::string& partial, std::string& out) {
    Emit("content_block_delta",
         Json{{"type", "content_block_delta"},
              {"index", index},
              {"delta", Json{{"type", "input_json_delta"}, {"partial_json", partial}}}},
         out);
  }

  void EmitError(std::string type, std::string message, std::string& out) {
    Emit("error", Json{{"type", "error"}, {"error", Json{{"type", type}, {"message", message}}}},
         out);
  }

  void CloseTextBlock(const TextKey& key, std::string& out) {
    if (open_text_blocks_.erase(key) == 0) {
      return;
    }
    EmitBlockStop(text_blocks_.at(key), out);
  }

  // Blocks close in the order they were opened, which is their index order.
  template <typename Predicate>
  void CloseTextBlocksWhere(Predicate predicate, std::string& out) {
    std::vector<std::pair<int64_t, TextKey>> open;
    for (const TextKey& key : open_text_blocks_) {
      if (predicate(key)) {
        open.emplace_back(text_blocks_.at(key), key);
      }
    }
    std::sort(open.begin(), open.end());
    for (const auto& [index, key] : open) {
      CloseTextBlock(key, out);
    }
  }

  void CloseToolBlock(int64_t output_index, std::string& out) {
    auto found = tool_blocks_.find(output_index);
    if (found == tool_blocks_.end() || !found->second.open) {
      return;
    }
    found->second.open = false;
    if (found->second.index) {
      EmitBlockStop(*found->second.index, out);
    }
  }

  void CloseAllToolBlocks(std::string& out) {
    std::vector<std::pair<int64_t, int64_t>> open;  // block index, output index
    for (const auto& [output_index, block] : tool_blocks_) {
      if (block.index) {
        open.emplace_back(*block.index, output_index);
      }
    }
    std::sort(open.begin(), open.end());
    for (const auto& [index, output_index] : open) {
      CloseToolBlock(output_index, out);
    }
  }

  int64_t OpenTextBlock(const TextKey& key, std::string& out) {
    CloseAllToolBlocks(out);
    auto [entry, is_new] = text_blocks_.try_emplace(key, next_block_index_);
    if (is_new) {
      ++next_block_index_;
    }
    if (open_text_blocks_.insert(key).second) {
      Emit("content_block_start",
           Json{{"type", "content_block_start"},
                {"index", entry->second},
                {"content_block", Json{{"type", "text"}, {"text", ""}}}},
           out);
    }
    return entry->second;
  }

  int64_t OpenToolBlock(int64_t output_index, std::optional<std::string> id,
                        std::optional<std::string> name, std::string& out) {
    CloseTextBlocksWhere([](const TextKey&) { return true; }, out);
    saw_tool_call_ = true;
    ToolBlock& block = tool_blocks_[output_index];
    if (!block.index) {
      block.index = next_block_index_++;
    }
    if (!block.id) {
      block.id = std::move(id);
    }
    if (!block.name || block.name->empty()) {
      block.name = std::move(name);
    }
    if (!block.open) {
      block.open = true;
      Json tool_use = Json{{"type", "tool_use"},
                           {"id", block.id.value_or("call_" + std::to_string(output_index))},
                           {"name", block.name.value_or("")},
                           {"input", Json::object()}};
      Emit("content_block_start",
           Json{{"type", "content_block_start"},
                {"index", *block.index},
                {"content_block", std::move(tool_use)}},
           out);
    }
    return *block.index;
  }

  // The full arguments, sent once when no delta carried them.
  void CompleteArguments(int64_t output_index, int64_t index, const std::string& arguments,
                         std::string& out) {
    ToolBlock& block = tool_blocks_[output_index];
    if (block.arguments.empty()) {
      block.arguments = arguments;
    }
    if (!block.emitted_arguments && !arguments.empty()) {
      block.emitted_arguments = true;
      EmitJsonDelta(index, arguments, out);
    }
  }

  void TakeContentPartDone(const Json& data, const TextKey& key, std::string& out) {
    const Json& part = Member(data, "part");
    if (StringValueOr(part, "type") == "refusal") {
      saw_refusal_ = true;
      pending_stop_ = "refusal";
      int64_t index = OpenTextBlock(key, out);
      std::string refusal = StringValueOr(part, "refusal");
      if (!refusal.empty()) {
        completion_ += refusal;
        EmitTextDelta(index, refusal, out);
      }
    }
    CloseTextBlock(key, out);
  }

  void TakeOutputItemDone(const Json& item, int64_t output_index, std::string& out) {
    std::string type = StringValueOr(item, "type");
    if (type == "function_call") {
      saw_tool_call_ = true;
      int64_t index = OpenToolBlock(output_index, OptionalString(item, "call_id"),
                                    OptionalString(item, "name"), out);
      CompleteArguments(output_index, index, StringValueOr(item, "arguments"), out);
      logged_tool_calls_[output_index] =
          ToolCallPart(StringValueOr(item, "call_id"), StringValueOr(item, "name"),
                       StringValueOr(item, "arguments"));
      CloseToolBlock(output_index, out);
    } else if (type == "message") {
      CloseTextBlocksWhere([output_index](const TextKey& key) { return key.first == output_index; },
                           out);
    }
  }

  void FinishMessage(std::string& out) {
    if (stopped_) {
      return;
    }
    StartMessage(out);
    std::string stop_reason = pending_stop_.value_or(saw_tool_call_ ? "tool_use" : "end_turn");
    CloseTextBlocksWhere([](const TextKey&) { return true; }, out);
    CloseAllToolBlocks(out);
    Emit("message_delta",
         Json{{"type", "message_delta"},
              {"delta", Json{{"stop_reason", stop_reason}, {"stop_sequence", nullptr}}},
              {"usage", MessagesUsage(pending_usage_)}},
         out);
    Emit("message_stop", Json{{"type", "message_stop"}}, out);
    stopped_ = true;

    info_.completion = std::vector<std::string>{completion_};
    Json parts = Json::array();
    for (auto& [index, part] : logged_tool_calls_) {
      parts.push_back(std::move(part));
    }
    info_.output_messages = OutputMessages(std::move(parts), stop_reason);
  }

  bool started_ = false;
  bool stopped_ = false;
  bool saw_tool_call_ = false;
  bool saw_refusal_ = false;
  int64_t next_block_index_ = 0;
  std::optional<std::string> response_id_;
  std::optional<std::string> model_;
  std::optional<std::string> pending_stop_;
  Json pending_usage_;
  std::string completion_;
  std::map<TextKey, int64_t> text_blocks_;  // block index per text part
  std::set<TextKey> open_text_blocks_;
  std::map<int64_t, ToolBlock> tool_blocks_;  // by output index
  std::map<int64_t, Json> logged_tool_calls_;
  const Stamper stamper_;  // the message id when the upstream response has none
};

}  // namespace

Translated<RequestTranslation> MessagesToResponsesRequest(const Json& client_body,
                                                          const ProviderOptions& options) {
  if (!client_body.is_object()) {
    return tl::unexpected<std::string>("request body is not a JSON object");
  }
  Json instructions;
  Json input = Json::array();
  TranslateSystemPrompt(Member(client_body, "system"), instructions, input);
  for (const Json& message : Member(client_body, "messages")) {
    std::string role = StringValueOr(message, "role");
    const Json& content = Member(message, "content");
    tl::expected<void, std::string> translated =
        role == "assistant" ? TranslateAssistantMessage(content, input, options.stamper)
        : role == "system"  ? TranslateSystemMessage(content, input)
                            : TranslateUserMessage(content, input);
    if (!translated) {
      return tl::unexpected(translated.error());
    }
  }
  auto reasoning = TranslateReasoning(client_body);
  if (!reasoning) {
    return tl::unexpected(reasoning.error());
  }

  Json body = Json::object();
  body["input"] = std::move(input);
  body["model"] = options.model.empty() ? Member(client_body, "model") : Json(options.model);
  if (const Json& max_tokens = Member(client_body, "max_tokens"); max_tokens.is_number()) {
    body["max_output_tokens"] = max_tokens;
  }
  CopyIfPresent(client_body, "temperature", body);
  CopyIfPresent(client_body, "top_p", body);
  body["stream"] =
      Member(client_body, "stream").is_boolean() && Member(client_body, "stream").get<bool>();
  if (instructions.is_string() && !instructions.get<std::string>().empty()) {
    body["instructions"] = instructions;
  }
  if (!reasoning->is_null()) {
    body["reasoning"] = *reasoning;
  }
  if (const Json& format = Member(Member(client_body, "output_config"), "format");
      format.is_object()) {
    body["text"] = Json{{"format", Json{{"type", "json_schema"},
                                        {"name", "structured_output"},
                                        {"schema", Member(format, "schema")}}}};
  }
  if (const Json& metadata = Member(client_body, "metadata");
      metadata.is_object() && !metadata.empty()) {
    body["metadata"] = metadata;
  }
  if (Json tools = TranslateTools(Member(client_body, "tools")); !tools.empty()) {
    body["tools"] = std::move(tools);
  }
  auto [choice, parallel] = TranslateToolChoice(Member(client_body, "tool_choice"));
  if (!choice.is_null()) {
    body["tool_choice"] = std::move(choice);
    if (!parallel.is_null()) {
      body["parallel_tool_calls"] = std::move(parallel);
    }
  }
  // stop_sequences and top_k have no Responses equivalent and are dropped.

  RequestTranslation out;
  out.body = std::move(body);
  out.info = MessagesRequestInfo(client_body, "", options.record_prompt);
  return out;
}

Translated<ResponseTranslation> ResponsesToMessagesResponse(std::string_view upstream_body) {
  Json response = ParseOrNull(upstream_body);
  if (!response.is_object()) {
    return tl::unexpected<std::string>("responses body is not a JSON object");
  }
  std::string status = StringValueOr(response, "status");
  if (!Member(response, "error").is_null() || status == "failed") {
    return tl::unexpected<std::string>("unsupported conversion: a failed responses body");
  }
  if (status == "in_progress" || status == "queued" || status == "cancelled") {
    return tl::unexpected<std::string>("unsupported conversion: a non-final responses body");
  }
  bool saw_tool_call = false;
  bool saw_refusal = false;
  auto content = MessageContentOf(response, saw_tool_call, saw_refusal);
  if (!content) {
    return tl::unexpected(content.error());
  }

  std::optional<std::string> stop_reason;
  if (status == "incomplete") {
    stop_reason = StopReasonForIncomplete(Member(response, "incomplete_details"));
    if (!stop_reason) {
      return tl::unexpected<std::string>("unsupported conversion: incomplete responses reason");
    }
  } else {
    stop_reason = saw_tool_call ? "tool_use" : saw_refusal ? "refusal" : "end_turn";
  }
  Json usage = MessagesUsage(Member(response, "usage"));
  if (auto tier = OptionalString(response, "service_tier")) {
    usage["service_tier"] = *tier;
  }

  Json message = Json::object();
  message["id"] = StringValueOr(response, "id");
  message["type"] = "message";
  message["role"] = "assistant";
  message["content"] = std::move(*content);
  message["model"] = StringValueOr(response, "model");
  message["stop_reason"] = *stop_reason;
  message["stop_sequence"] = nullptr;
  message["usage"] = std::move(usage);

  ResponseTranslation out;
  out.info = MessagesResponseInfo(message);
  out.body = std::move(message);
  return out;
}

std::unique_ptr<StreamTranslator> MakeResponsesToMessagesStreamTranslator(const Stamper& stamper) {
  return std::make_unique<ResponsesToMessagesStream>(stamper);
}

std::string ResponsesToMessagesError(int status, std::string_view upstream_body) {
  Json body = ParseOrNull(upstream_body);
  const Json& error = Member(body, "error");
  std::string type = StringValueOr(error, "type", chat::AnthropicErrorType(status));
  std::string message =
      error.is_object() ? StringValueOr(error, "message") : Utf8Lossy(upstream_body);
  Json translated = Json{{"type", "error"}, {"error", Json{{"type", type}, {"message", message}}}};
  return WriteJson(translated);
}

Translated<RequestTranslation> ResponsesToCompletionsRequest(const Json& client_body,
                                                             const ProviderOptions& options) {
  if (!client_body.is_object()) {
    return tl::unexpected<std::string>("request body is not a JSON object");
  }
  Json messages = Json::array();
  if (auto instructions = OptionalString(client_body, "instructions")) {
    messages.push_back(Json{{"role", "developer"}, {"content", *instructions}});
  }
  const Json& input = Member(client_body, "input");
  if (input.is_string()) {
    messages.push_back(Json{{"role", "user"},
                            {"content", Json::array({Json{{"type", "text"}, {"text", input}}})}});
  } else {
    for (const Json& item : input) {
      TranslateInputItem(item, messages);
    }
  }

  Json body = Json::object();
  body["messages"] = std::move(messages);
  if (const Json& tools = Member(client_body, "tools"); tools.is_array()) {
    body["tools"] = ChatTools(tools);
  }
  if (Json choice = ChatToolChoice(Member(client_body, "tool_choice")); !choice.is_null()) {
    body["tool_choice"] = std::move(choice);
  }
  bool stream =
      Member(client_body, "stream").is_boolean() && Member(client_body, "stream").get<bool>();
  // The usage-only final chunk is what the Responses `response.completed` event reports.
  if (stream) {
    body["stream_options"] = Json{{"include_usage", true}};
  }
  if (auto effort = OptionalString(Member(client_body, "reasoning"), "effort");
      effort && *effort != "none") {
    body["reasoning_effort"] = *effort;
  }
  if (Json format = ChatResponseFormat(Member(client_body, "text")); !format.is_null()) {
    body["response_format"] = std::move(format);
  }
  body["stream"] = stream;
  body["model"] = options.model.empty() ? Member(client_body, "model") : Json(options.model);
  if (body["model"].is_null()) {
    body.erase("model");
  }
  CopyIfPresent(client_body, "temperature", body);
  CopyIfPresent(client_body, "top_p", body);
  CopyIfPresent(client_body, "max_output_tokens", body, "max_completion_tokens");
  CopyIfPresent(client_body, "parallel_tool_calls", body);

  RequestTranslation out;
  out.body = std::move(body);
  out.info = ResponsesRequestInfo(client_body, "", options.record_prompt);
  return out;
}

Translated<ResponseTranslation> CompletionsToResponsesResponse(std::string_view upstream_body,
                                                               std::string_view request_model,
                                                               const Stamper& stamper) {
  Json completion = ParseOrNull(upstream_body);
  if (!completion.is_object()) {
    return tl::unexpected<std::string>("completions body is not a JSON object");
  }
  const Json& choices = Member(completion, "choices");
  const Json& choice = choices.is_array() && !choices.empty() ? choices[0] : Json();
  const Json& message = Member(choice, "message");

  Json output = Json::array();
  if (const Json& content = Member(message, "content"); content.is_string()) {
    output.push_back(
        MessageItem(stamper.Id("msg_"), Json::array({OutputTextPart(content)}), "completed"));
  }
  for (const Json& tool_call : Member(message, "tool_calls")) {
    if (StringValueOr(tool_call, "type", "function") != "function") {
      continue;
    }
    const Json& function = Member(tool_call, "function");
    output.push_back(FunctionCallItem(StringValueOr(tool_call, "id"),
                                      StringValueOr(function, "name"),
                                      StringValueOr(function, "arguments"), "completed"));
  }
  Outcome outcome = OutcomeOfFinishReason(StringValueOr(choice, "finish_reason", "stop"));
  const Json& usage = Member(completion, "usage");
  std::string response_id = stamper.Id("resp_");
  Json response = ResponsesObject(
      std::move(response_id), std::string(request_model), stamper.UnixSeconds(), outcome,
      std::move(output), usage.is_object() ? ResponsesUsageFromChat(usage, false) : Json());
  ResponseTranslation out;
  out.info = ResponsesObjectInfo(response);
  out.body = std::move(response);
  return out;
}

std::unique_ptr<StreamTranslator> MakeCompletionsToResponsesStreamTranslator(
    const Stamper& stamper) {
  return std::make_unique<CompletionsToResponsesStream>(stamper);
}

std::string CompletionsToResponsesError(int status, std::string_view upstream_body) {
  Json body = ParseOrNull(upstream_body);
  // Google sends `{"error":{...}}`, sometimes wrapped in a one-element array.
  const Json& envelope = body.is_array() && !body.empty() ? body[0] : body;
  const Json& error = Member(envelope, "error");
  auto google_status = OptionalString(error, "status");
  if (!error.is_object() || !google_status) {
    return std::string(upstream_body);
  }
  Json translated = Json::object();
  translated["event_id"] = nullptr;
  translated["error"] = Json{{"type", chat::GoogleErrorType(*google_status)},
                             {"message", StringValueOr(error, "message")},
                             {"code", *google_status}};
  return WriteJson(translated);
}

Translated<RequestTranslation> ResponsesPassthroughRequest(const Json& client_body,
                                                           const ProviderOptions& options) {
  if (!client_body.is_object()) {
    return tl::unexpected<std::string>("request body is not a JSON object");
  }
  RequestTranslation out;
  out.body = client_body;
  if (!options.model.empty()) {
    out.body["model"] = options.model;
  }
  out.info = ResponsesRequestInfo(client_body, "", options.record_prompt);
  return out;
}

Translated<ResponseTranslation> ResponsesPassthroughResponse(std::string_view upstream_body) {
  Json response = ParseOrNull(upstream_body);
  if (!response.is_object()) {
    return tl::unexpected<std::string>("responses body is not a JSON object");
  }
  ResponseTranslation out;
  out.info = ResponsesObjectInfo(response);
  out.body = std::move(response);
  return out;
}

std::unique_ptr<StreamTranslator> MakeResponsesPassthroughStreamTranslator() {
  return std::make_unique<ResponsesPassthroughStream>();
}

}  // namespace agw::emulator::llm
