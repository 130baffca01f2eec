#pragma once

#include <string_view>

#include "emulator/llm/eventstream.h"
#include "emulator/llm/sse.h"
#include "emulator/llm/translate.h"

namespace agw::emulator::llm {

// Watches a provider's streamed answer for the event that says it is complete: Anthropic's
// `message_stop`, OpenAI's `data: [DONE]`, a Responses stream's `response.completed`,
// `response.incomplete` or `response.failed`, Bedrock's `messageStop`, and a Gemini chunk
// with a `finishReason`. A body ended by closing the connection (no Content-Length, not
// chunked) looks the same cut short as whole; this tells the two apart, so a cut stream is
// not passed off as complete (or given a `[DONE]` it never had).
//
// Formats without such an event (raw passthrough, non-chat endpoints) count as ended.
// Not thread-safe; one per stream.
class StreamEndWatcher {
 public:
  explicit StreamEndWatcher(WireFormat wire);

  void Feed(std::string_view upstream_bytes);
  bool ended() const { return ended_; }
  // The event still missing, for the log: "message_stop", "data: [DONE]", ...
  std::string_view awaited() const { return awaited_; }

 private:
  void OnEvent(const SseEvent& event);

  WireFormat wire_;
  bool ended_ = false;
  std::string_view awaited_;
  SseParser sse_;
  EventStreamDecoder event_stream_;
};

}  // namespace agw::emulator::llm
