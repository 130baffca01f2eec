// ConverseStream (AWS event stream) -> chat client SSE, and the detect-route observer.

#include <map>
#include <set>

#include "emulator/llm/bedrock.h"
#include "emulator/llm/bedrock_internal.h"
#include "emulator/llm/detect.h"
#include "emulator/llm/eventstream.h"
#include "emulator/llm/json_codec.h"
#include "emulator/llm/sse.h"
#include "validate/manifest/base64.h"

namespace agw::emulator::llm {

using bedrock_internal::CompletionsFinishReason;
using bedrock_internal::CompletionsUsage;
using bedrock_internal::Find;
using bedrock_internal::HexOf;
using bedrock_internal::MessagesStopReason;
using bedrock_internal::OutputMessages;
using bedrock_internal::ReadConverseUsage;
using bedrock_internal::ResponsesItemStatus;
using bedrock_internal::ResponsesStatus;
using bedrock_internal::ResponsesUsage;

namespace {

// Tool calls seen in a stream, for the log's output_messages.
class ToolCallLog {
 public:
  void Start(int64_t block, std::string id, std::string name) {
    order_.push_back(block);
    calls_[block] = {{"id", std::move(id)}, {"name", std::move(name)}, {"arguments", ""}};
  }
  void Append(int64_t block, std::string_view arguments) {
    auto found = calls_.find(block);
    if (found != calls_.end()) {
      found->second["arguments"].get_ref<std::string&>().append(arguments);
    }
  }
  std::optional<Json> Take(std::string_view finish_reason) {
    if (order_.empty()) {
      return std::nullopt;
    }
    Json calls = Json::array();
    for (int64_t block : order_) {
      calls.push_back(calls_[block]);
    }
    order_.clear();
    calls_.clear();
    return OutputMessages(calls, finish_reason);
  }

 private:
  std::vector<int64_t> order_;
  std::map<int64_t, Json> calls_;
};

// Decodes the event stream and hands each Converse event to the client-specific subclass.
class ConverseStreamTranslator : public StreamTranslator {
 public:
  void Feed(std::string_view upstream_bytes, std::string& out) override {
    decoder_.Feed(upstream_bytes,
                  [&](const EventStreamMessage& message) { Dispatch(message, out); });
  }
  void Finish(std::string& out) override {
    if (!decoder_.failed()) {
      OnEnd(out);
    }
  }
  const ResponseInfo& info() const override { return info_; }

 protected:
  virtual void OnEvent(std::string_view type, const Json& event, std::string& out) = 0;
  // An exception message from AWS, or an event that does not parse.
  virtual void OnUndecodable(std::string& out) = 0;
  virtual void OnEnd(std::string& out) {}

  void RecordUsage(const Json& usage) {
    ReadConverseUsage(usage, info_);
    info_.completion = std::vector<std::string>{completion_};
  }

  ResponseInfo info_;
  std::string completion_;  // the text the client received
  ToolCallLog tool_log_;

 private:
  void Dispatch(const EventStreamMessage& message, std::string& out) {
    std::string_view message_type = message.Header(":message-type").value_or("event");
    std::optional<std::string_view> event_type = message.Header(":event-type");
    Json event = ReadJson(message.payload);
    if (message_type != "event" || !event_type || !event.is_object()) {
      OnUndecodable(out);
      return;
    }
    try {
      OnEvent(*event_type, event, out);
    } catch (const nlohmann::json::exception&) {
      OnUndecodable(out);  // a member of an unexpected type
    }
  }

  EventStreamDecoder decoder_;
};

int64_t BlockIndex(const Json& event) {
  return chat::CountAt(event, "contentBlockIndex").value_or(0);
}

const Json* StartedToolUse(const Json& event) {
  const Json* start = Find(event, "start");
  return start != nullptr ? Find(*start, "toolUse") : nullptr;
}

// ---- OpenAI Completions chunks --------------------------------------------------------------

class CompletionsStream : public ConverseStreamTranslator {
 public:
  CompletionsStream(std::string model, std::string id, const Stamper& stamper,
                    BedrockToolNames names)
      : model_(std::move(model)),
        id_(id.empty() ? stamper.Hex(16) : std::move(id)),
        names_(std::move(names)),
        created_(stamper.UnixSeconds()) {}

 private:
  void OnEvent(std::string_view type, const Json& event, std::string& out) override {
    if (type == "messageStart") {
      std::string role = chat::StringValueOr(event, "role", "");
      Emit(Choice({{"content", nullptr}, {"role", role.empty() ? "assistant" : role}}), out);
    } else if (type == "contentBlockStart") {
      OnBlockStart(event, out);
    } else if (type == "contentBlockDelta") {
      OnBlockDelta(event, out);
    } else if (type == "contentBlockStop") {
      tool_index_.erase(BlockIndex(event));
    } else if (type == "messageStop") {
      finish_reason_ = CompletionsFinishReason(chat::StringValueOr(event, "stopReason", ""));
      Json choice = Choice({{"content", nullptr}});
      choice["finish_reason"] = finish_reason_;
      Emit(std::move(choice), out);
    } else if (type == "metadata") {
      const Json* usage = Find(event, "usage");
      if (usage == nullptr) {
        return;
      }
      RecordUsage(*usage);
      info_.output_messages = tool_log_.Take(finish_reason_);
      out += EncodeSseData(WriteJson(Chunk(Json::array(), CompletionsUsage(*usage))));
    }
  }

  // Completions clients never see broken events; the stream just goes on.
  void OnUndecodable(std::string& out) override {}

  void OnEnd(std::string& out) override { out += EncodeSseData("[DONE]"); }

  void OnBlockStart(const Json& event, std::string& out) {
    const Json* tool_use = StartedToolUse(event);
    if (tool_use == nullptr) {
      return;  // text and reasoning need no opening chunk
    }
    // Bedrock numbers every content block; OpenAI numbers only the tool calls.
    int64_t index = next_tool_index_++;
    tool_index_[BlockIndex(event)] = index;
    std::string id = chat::StringValueOr(*tool_use, "toolUseId", "");
    std::string name = names_.Restore(chat::StringValueOr(*tool_use, "name", ""));
    tool_log_.Start(BlockIndex(event), id, name);
    Json call = {
        {"index", index}, {"id", id}, {"type", "function"}, {"function", {{"name", name}}}};
    Emit(Choice({{"content", nullptr}, {"tool_calls", Json::array({std::move(call)})}}), out);
  }

  void OnBlockDelta(const Json& event, std::string& out) {
    const Json* delta = Find(event, "delta");
    if (delta == nullptr) {
      return;
    }
    Json fields = {{"content", nullptr}};
    if (const Json* text = Find(*delta, "text")) {
      completion_ += text->get<std::string>();
      fields["content"] = *text;
    } else if (const Json* reasoning = Find(*delta, "reasoningContent")) {
      if (const Json* piece = Find(*reasoning, "text")) {
        fields["reasoning_content"] = *piece;
      } else if (Find(*reasoning, "redactedContent") != nullptr) {
        fields["reasoning_content"] = "[REDACTED]";
      } else if (const Json* signature = Find(*reasoning, "signature")) {
        // Forwarded so the client can replay the signed thinking block next turn.
        fields["reasoning_signature"] = *signature;
      }
    } else if (const Json* tool_use = Find(*delta, "toolUse")) {
      std::string input = chat::StringValueOr(*tool_use, "input", "");
      tool_log_.Append(BlockIndex(event), input);
      auto found = tool_index_.find(BlockIndex(event));
      if (found != tool_index_.end()) {
        Json call = {{"index", found->second},
                     {"id", nullptr},
                     {"type", nullptr},
                     {"function", {{"arguments", input}}}};
        fields["tool_calls"] = Json::array({std::move(call)});
      }
    } else {
      return;  // a delta kind this translation does not know
    }
    Emit(Choice(std::move(fields)), out);
  }

  static Json Choice(Json delta) { return {{"index", 0}, {"delta", std::move(delta)}}; }

  Json Chunk(Json choices, Json usage) const {
    return {{"id", id_},
            {"choices", std::move(choices)},
            {"created", created_},
            {"model", model_},
            {"service_tier", nullptr},
            {"system_fingerprint", nullptr},
            {"object", "chat.completion.chunk"},
            {"usage", std::move(usage)}};
  }

  void Emit(Json choice, std::string& out) const {
    out += EncodeSseData(WriteJson(Chunk(Json::array({std::move(choice)}), nullptr)));
  }

  std::string model_;
  std::string id_;
  BedrockToolNames names_;
  int64_t created_;
  int64_t next_tool_index_ = 0;
  std::map<int64_t, int64_t> tool_index_;  // Bedrock block -> OpenAI tool call index
  std::string finish_reason_;
};

// ---- Anthropic Messages events --------------------------------------------------------------

class MessagesStream : public ConverseStreamTranslator {
 public:
  MessagesStream(std::string model, const Stamper& stamper, BedrockToolNames names)
      : model_(std::move(model)), names_(std::move(names)), stamper_(stamper) {}

 private:
  void OnEvent(std::string_view type, const Json& event, std::string& out) override {
    if (type == "messageStart") {
      Json message = {{"id", "msg_" + HexOf(stamper_.UnixMillis()) + stamper_.Hex(8)},
                      {"type", "message"},
                      {"role", "assistant"},
                      {"content", Json::array()},
                      {"model", model_},
                      {"stop_reason", nullptr},
                      {"stop_sequence", nullptr},
                      {"usage", {{"input_tokens", 0}, {"output_tokens", 0}}}};
      Emit("message_start", {{"type", "message_start"}, {"message", std::move(message)}}, out);
    } else if (type == "contentBlockStart") {
      OnBlockStart(event, out);
    } else if (type == "contentBlockDelta") {
      OnBlockDelta(event, out);
    } else if (type == "contentBlockStop") {
      open_blocks_.erase(BlockIndex(event));
      Emit("content_block_stop", {{"type", "content_block_stop"}, {"index", BlockIndex(event)}},
           out);
    } else if (type == "messageStop") {
      stop_reason_ = MessagesStopReason(chat::StringValueOr(event, "stopReason", ""));
    } else if (type == "metadata") {
      OnMetadata(event, out);
    } else {
      OnUndecodable(out);
    }
  }

  void OnUndecodable(std::string& out) override {
    Emit("error",
         {{"type", "error"},
          {"error", {{"type", "api_error"}, {"message", "Stream processing error"}}}},
         out);
  }

  void OnBlockStart(const Json& event, std::string& out) {
    int64_t index = BlockIndex(event);
    open_blocks_.insert(index);
    Json block;
    const Json* start = Find(event, "start");
    if (const Json* tool_use = StartedToolUse(event)) {
      std::string id = chat::StringValueOr(*tool_use, "toolUseId", "");
      std::string name = names_.Restore(chat::StringValueOr(*tool_use, "name", ""));
      tool_log_.Start(index, id, name);
      block = {{"type", "tool_use"}, {"id", id}, {"name", name}, {"input", Json::object()}};
    } else if (start != nullptr && Find(*start, "reasoningContent") != nullptr) {
      block = {{"type", "thinking"}, {"thinking", ""}, {"signature", ""}};
    } else {
      block = {{"type", "text"}, {"text", ""}};
    }
    Emit("content_block_start",
         {{"type", "content_block_start"}, {"index", index}, {"content_block", std::move(block)}},
         out);
  }

  void OnBlockDelta(const Json& event, std::string& out) {
    int64_t index = BlockIndex(event);
    const Json* delta = Find(event, "delta");
    const Json* text = delta != nullptr ? Find(*delta, "text") : nullptr;
    const Json* reasoning = delta != nullptr ? Find(*delta, "reasoningContent") : nullptr;
    const Json* tool_use = delta != nullptr ? Find(*delta, "toolUse") : nullptr;
    // Converse may skip contentBlockStart for text and reasoning; Anthropic clients need it.
    if (open_blocks_.insert(index).second && (text != nullptr || reasoning != nullptr)) {
      Json block = text != nullptr
                       ? Json{{"type", "text"}, {"text", ""}}
                       : Json{{"type", "thinking"}, {"thinking", ""}, {"signature", ""}};
      Emit("content_block_start",
           {{"type", "content_block_start"}, {"index", index}, {"content_block", std::move(block)}},
           out);
    }
    Json anthropic_delta;
    if (text != nullptr) {
      completion_ += text->get<std::string>();
      anthropic_delta = {{"type", "text_delta"}, {"text", *text}};
    } else if (reasoning != nullptr) {
      if (const Json* signature = Find(*reasoning, "signature")) {
        anthropic_delta = {{"type", "signature_delta"}, {"signature", *signature}};
      } else if (Find(*reasoning, "redactedContent") != nullptr) {
        anthropic_delta = {{"type", "thinking_delta"}, {"thinking", "[REDACTED]"}};
      } else {
        anthropic_delta = {{"type", "thinking_delta"},
                           {"thinking", chat::StringValueOr(*reasoning, "text", "")}};
      }
    } else if (tool_use != nullptr) {
      std::string input = chat::StringValueOr(*tool_use, "input", "");
      tool_log_.Append(index, input);
      anthropic_delta = {{"type", "input_json_delta"}, {"partial_json", input}};
    } else {
      return;
    }
    Emit("content_block_delta",
         {{"type", "content_block_delta"}, {"index", index}, {"delta", std::move(anthropic_delta)}},
         out);
  }

  void OnMetadata(const Json& event, std::string& out) {
    const Json* usage = Find(event, "usage");
    if (usage != nullptr) {
      RecordUsage(*usage);
    }
    if (std::optional<Json> messages = tool_log_.Take(stop_reason_)) {
      info_.output_messages = std::move(messages);
    }
    if (!stop_reason_.empty() && usage != nullptr) {
      Json delta_usage = {{"input_tokens", chat::CountAt(*usage, "inputTokens").value_or(0)},
                          {"output_tokens", chat::CountAt(*usage, "outputTokens").value_or(0)}};
      if (std::optional<int64_t> write = chat::CountAt(*usage, "cacheWriteInputTokens")) {
        delta_usage["cache_creation_input_tokens"] = *write;
      }
      if (std::optional<int64_t> read = chat::CountAt(*usage, "cacheReadInputTokens")) {
        delta_usage["cache_read_input_tokens"] = *read;
      }
      Emit("message_delta",
           {{"type", "message_delta"},
            {"delta", {{"stop_reason", stop_reason_}, {"stop_sequence", nullptr}}},
            {"usage", std::move(delta_usage)}},
           out);
    }
    stop_reason_.clear();
    Emit("message_stop", {{"type", "message_stop"}}, out);
  }

  static void Emit(std::string_view name, const Json& data, std::string& out) {
    out += EncodeSseEvent(name, WriteJson(data));
  }

  std::string model_;
  BedrockToolNames names_;
  const Stamper stamper_;  // the message id is made when the message starts
  std::set<int64_t> open_blocks_;
  std::string stop_reason_;
};

// ---- OpenAI Responses events ----------------------------------------------------------------

class ResponsesStream : public ConverseStreamTranslator {
 public:
  ResponsesStream(std::string model, const Stamper& stamper, BedrockToolNames names)
      : model_(std::move(model)),
        names_(std::move(names)),
        stamper_(stamper),
        response_id_(stamper.Id("resp_")),
        message_id_(stamper.Id("msg_")),
        created_at_(stamper.UnixSeconds()) {}

 private:
  struct ToolCall {
    std::string item_id;
    std::string name;
    std::string arguments;
    int64_t output_index;
  };

  void OnEvent(std::string_view type, const Json& event, std::string& out) override {
    if (type == "messageStart") {
      Emit({{"type", "response.created"}, {"response", Response("in_progress")}}, out);
      Emit({{"type", "response.output_item.added"},
            {"output_index", 0},
            {"item", MessageItem("in_progress")}},
           out);
    } else if (type == "contentBlockStart") {
      OnBlockStart(event, out);
    } else if (type == "contentBlockDelta") {
      OnBlockDelta(event, out);
    } else if (type == "contentBlockStop") {
      OnBlockStop(event, out);
    } else if (type == "messageStop") {
      stop_reason_ = chat::StringValueOr(event, "stopReason", "");
    } else if (type == "metadata") {
      OnMetadata(event, out);
    } else {
      OnUndecodable(out);
    }
  }

  void OnUndecodable(std::string& out) override {
    Json error = {{"type", "error"},
                  {"sequence_number", ++sequence_},
                  {"code", nullptr},
                  {"message", "Stream processing error"},
                  {"param", nullptr}};
    out += EncodeSseEvent("error", WriteJson(error));
  }

  void OnBlockStart(const Json& event, std::string& out) {
    int64_t block = BlockIndex(event);
    open_blocks_.insert(block);
    const Json* tool_use = StartedToolUse(event);
    if (tool_use == nullptr) {
      Emit({{"type", "response.content_part.added"},
            {"item_id", message_id_},
            {"output_index", 0},
            {"content_index", 0},
            {"part", OutputText()}},
           out);
      return;
    }
    // The message item is output 0; tool calls follow in the order they start.
    ToolCall call{stamper_.Id("call_"), names_.Restore(chat::StringValueOr(*tool_use, "name", "")),
                  "", next_output_index_++};
    tool_log_.Start(block, chat::StringValueOr(*tool_use, "toolUseId", ""), call.name);
    Emit({{"type", "response.output_item.added"},
          {"output_index", call.output_index},
          {"item", FunctionCallItem(call, "in_progress")}},
         out);
    tool_calls_[block] = std::move(call);
  }

  void OnBlockDelta(const Json& event, std::string& out) {
    const Json* delta = Find(event, "delta");
    if (delta == nullptr) {
      return;
    }
    std::optional<std::string> text;
    if (const Json* piece = Find(*delta, "text")) {
      completion_ += piece->get<std::string>();
      text = piece->get<std::string>();
    } else if (const Json* reasoning = Find(*delta, "reasoningContent")) {
      // Reasoning is shown as output text on this path; signatures have nowhere to go.
      if (const Json* piece = Find(*reasoning, "text")) {
        text = piece->get<std::string>();
      }
      if (Find(*reasoning, "redactedContent") != nullptr) {
        text = "[REDACTED]";
      }
    } else if (const Json* tool_use = Find(*delta, "toolUse")) {
      std::string input = chat::StringValueOr(*tool_use, "input", "");
      tool_log_.Append(BlockIndex(event), input);
      auto found = tool_calls_.find(BlockIndex(event));
      if (found == tool_calls_.end()) {
        return;
      }
      found->second.arguments += input;
      Emit({{"type", "response.function_call_arguments.delta"},
            {"item_id", found->second.item_id},
            {"output_index", found->second.output_index},
            {"delta", input}},
           out);
      return;
    }
    if (!text) {
      return;
    }
    Emit({{"type", "response.output_text.delta"},
          {"item_id", message_id_},
          {"output_index", 0},
          {"content_index", 0},
          {"delta", *text}},
         out);
  }

  void OnBlockStop(const Json& event, std::string& out) {
    int64_t block = BlockIndex(event);
    bool was_open = open_blocks_.erase(block) != 0;
    auto found = tool_calls_.find(block);
    if (found != tool_calls_.end()) {
      ToolCall call = std::move(found->second);
      tool_calls_.erase(found);
      Emit({{"type", "response.function_call_arguments.done"},
            {"name", call.name},
            {"item_id", call.item_id},
            {"output_index", call.output_index},
            {"arguments", call.arguments}},
           out);
      Emit({{"type", "response.output_item.done"},
            {"output_index", call.output_index},
            {"item", FunctionCallItem(call, "completed")}},
           out);
    } else if (was_open) {
      Emit({{"type", "response.content_part.done"},
            {"item_id", message_id_},
            {"output_index", 0},
            {"content_index", 0},
            {"part", OutputText()}},
           out);
    }
  }

  void OnMetadata(const Json& event, std::string& out) {
    const Json* usage = Find(event, "usage");
    if (usage != nullptr) {
      RecordUsage(*usage);
    }
    std::string status = stop_reason_.empty() ? "completed" : ResponsesStatus(stop_reason_);
    std::string item_status =
        stop_reason_.empty() ? "completed" : ResponsesItemStatus(stop_reason_);
    Emit({{"type", "response.output_item.done"},
          {"output_index", 0},
          {"item", MessageItem(item_status)}},
         out);
    info_.completion = std::vector<std::string>{completion_};
    info_.output_messages = tool_log_.Take(status);

    Json response = Response(status);
    if (usage != nullptr) {
      response["usage"] = ResponsesUsage(*usage, /*null_cache_write=*/true);
    }
    std::string type = "response.completed";
    if (status == "incomplete") {
      type = "response.incomplete";
      response["incomplete_details"] = {{"reason", "max_tokens"}};
    } else if (status == "failed") {
      type = "response.failed";
      response["error"] = {{"code", "content_filter"},
                           {"message", "Content filtered by guardrails"}};
    }
    stop_reason_.clear();
    Emit({{"type", type}, {"response", std::move(response)}}, out);
  }

  Json Response(std::string_view status) const {
    return {{"created_at", created_at_}, {"id", response_id_},      {"model", model_},
            {"object", "response"},      {"output", Json::array()}, {"status", status}};
  }

  Json MessageItem(std::string_view status) const {
    return {{"type", "message"},
            {"content", Json::array()},
            {"id", message_id_},
            {"role", "assistant"},
            {"status", status}};
  }

  static Json FunctionCallItem(const ToolCall& call, std::string_view status) {
    return {{"type", "function_call"}, {"arguments", call.arguments}, {"call_id", call.item_id},
            {"name", call.name},       {"id", call.item_id},          {"status", status}};
  }

  static Json OutputText() {
    return {{"type", "output_text"},
            {"annotations", Json::array()},
            {"logprobs", nullptr},
            {"text", ""}};
  }

  // Every event carries the next sequence number right after its type.
  void Emit(Json fields, std::string& out) {
    Json event = {{"type", fields["type"]}, {"sequence_number", ++sequence_}};
    for (auto& [key, value] : fields.items()) {
      if (key != "type") {
        event[key] = std::move(value);
      }
    }
    out += EncodeSseEvent("event", WriteJson(event));
  }

  std::string model_;
  BedrockToolNames names_;
  const Stamper stamper_;  // tool call item ids are drawn as the calls start
  std::string response_id_;
  std::string message_id_;
  int64_t created_at_;
  int64_t sequence_ = 0;
  int64_t next_output_index_ = 1;
  std::set<int64_t> open_blocks_;
  std::map<int64_t, ToolCall> tool_calls_;
  std::string stop_reason_;
};

// ---- Detect: bytes through, usage read on the side ------------------------------------------

class DetectObserver : public StreamTranslator {
 public:
  void Feed(std::string_view upstream_bytes, std::string& out) override {
    out.append(upstream_bytes);
    decoder_.Feed(upstream_bytes, [&](const EventStreamMessage& message) { Observe(message); });
  }
  void Finish(std::string& out) override {}
  const ResponseInfo& info() const override { return info_; }

 private:
  void Observe(const EventStreamMessage& message) {
    Json event = ReadJson(message.payload);
    if (!event.is_object()) {
      return;
    }
    // InvokeModel streams wrap each model event, base64-encoded, in a `bytes` member.
    if (event.size() <= 2 && event.contains("bytes") && event["bytes"].is_string()) {
      validate::manifest::Base64Result inner =
          validate::manifest::DecodeBase64(event["bytes"].get<std::string>());
      if (!inner.error_offset) {
        Json unwrapped = ReadJson(inner.bytes);
        if (!unwrapped.is_discarded()) {
          event = std::move(unwrapped);
        }
      }
    }
    ReadDetectedUsage(event, info_);
  }

  EventStreamDecoder decoder_;
  ResponseInfo info_;
};

}  // namespace

std::unique_ptr<StreamTranslator> MakeBedrockToCompletionsStreamTranslator(
    std::string model, std::string message_id, const Stamper& stamper,
    BedrockToolNames tool_names) {
  return std::make_unique<CompletionsStream>(std::move(model), std::move(message_id), stamper,
                                             std::move(tool_names));
}

std::unique_ptr<StreamTranslator> MakeBedrockToMessagesStreamTranslator(
    std::string model, const Stamper& stamper, BedrockToolNames tool_names) {
  return std::make_unique<MessagesStream>(std::move(model), stamper, std::move(tool_names));
}

std::unique_ptr<StreamTranslator> MakeBedrockToResponsesStreamTranslator(
    std::string model, const Stamper& stamper, BedrockToolNames tool_names) {
  return std::make_unique<ResponsesStream>(std::move(model), stamper, std::move(tool_names));
}

std::unique_ptr<StreamTranslator> MakeBedrockDetectStreamObserver() {
  return std::make_unique<DetectObserver>();
}

}  // namespace agw::emulator::llm
