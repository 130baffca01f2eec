#include "emulator/llm/stream_end.h"

#include "emulator/llm/json_codec.h"

namespace agw::emulator::llm {
namespace {

// The `type` member of an event's JSON data, when it is a string.
std::string TypeOf(std::string_view data) {
  auto strings = ReadJsonStrings(data, {{"type"}});
  if (!strings || !(*strings)[0]) {
    return "";
  }
  return *(*strings)[0];
}

}  // namespace

StreamEndWatcher::StreamEndWatcher(WireFormat wire) : wire_(wire) {
  switch (wire) {
    case WireFormat::kAnthropicMessages:
      awaited_ = "message_stop";
      break;
    case WireFormat::kOpenAICompletions:
      awaited_ = "data: [DONE]";
      break;
    case WireFormat::kOpenAIResponses:
      awaited_ = "response.completed";
      break;
    case WireFormat::kBedrockConverse:
      awaited_ = "messageStop";
      break;
    case WireFormat::kGeminiNative:
      awaited_ = "a finishReason";
      break;
    default:
      ended_ = true;
  }
}

void StreamEndWatcher::Feed(std::string_view upstream_bytes) {
  if (ended_) {
    return;
  }
  if (wire_ == WireFormat::kBedrockConverse) {
    event_stream_.Feed(upstream_bytes, [this](const EventStreamMessage& message) {
      if (message.Header(":event-type") == std::optional<std::string_view>("messageStop")) {
        ended_ = true;
      }
    });
    return;
  }
  sse_.Feed(upstream_bytes, [this](const SseEvent& event) { OnEvent(event); });
}

void StreamEndWatcher::OnEvent(const SseEvent& event) {
  if (ended_) {
    return;  // events after the end (a late ping) do not undo it
  }
  switch (wire_) {
    case WireFormat::kAnthropicMessages:
      ended_ = event.event == "message_stop" || TypeOf(event.data) == "message_stop";
      break;
    case WireFormat::kOpenAICompletions:
      ended_ = event.data == "[DONE]";
      break;
    case WireFormat::kOpenAIResponses: {
      std::string_view name = event.event;
      std::string type;
      if (name.empty()) {
        type = TypeOf(event.data);
        name = type;
      }
      ended_ = name == "response.completed" || name == "response.incomplete" ||
               name == "response.failed";
      break;
    }
    case WireFormat::kGeminiNative:
      // An unescaped quote only delimits a JSON string, so this is a member name, never text.
      ended_ = event.data.find("\"finishReason\"") != std::string::npos;
      break;
    default:
      break;
  }
}

}  // namespace agw::emulator::llm
