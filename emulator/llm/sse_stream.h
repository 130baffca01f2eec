#pragma once

// The one shape of every translator of an upstream SSE stream (the Anthropic, Chat Completions,
// Responses and Gemini streams, and detect's). Bedrock's stream is AWS's binary event stream and
// has a shape of its own (bedrock_stream.cc).

#include <string>
#include <string_view>

#include "emulator/llm/llm_info.h"
#include "emulator/llm/sse.h"
#include "emulator/llm/stream.h"

namespace agw::emulator::llm {

// A translator of an upstream SSE stream. Each event is handed over as soon as its blank line
// arrives, however the upstream bytes were cut, to the first hook that takes it:
// 1. `[DONE]` goes straight to OnEvent with no data (it is never parsed);
// 2. OnEventText may take an event from its text, without a document;
// 3. OnEvent gets the rest, with the data parsed when it is a JSON object and nullptr
//    otherwise (text, arrays, broken JSON): `event` tells those apart.
// OnEnd follows the last event of a stream that ended normally (Finish).
// A passthrough stream (`forwards_upstream`) copies the upstream bytes to the client before
// reading them, and its hooks write nothing to `out`; the others send only what their hooks
// write. What the stream teaches goes into `info_`, which info() reports.
class SseJsonStream : public StreamTranslator {
 public:
  void Feed(std::string_view upstream_bytes, std::string& out) final;
  void Finish(std::string& out) final;
  const ResponseInfo& info() const final { return info_; }

 protected:
  explicit SseJsonStream(bool forwards_upstream) : forwards_upstream_(forwards_upstream) {}

  // The OpenAI end-of-stream sentinel.
  static bool IsDone(const SseEvent& event) { return event.data == "[DONE]"; }

  virtual void OnEvent(const SseEvent& event, const Json* data, std::string& out) = 0;
  // A chance to take an event from its text without parsing it into a Json (which costs more
  // than the rest of a passthrough stream): true when taken, and OnEvent is then not called.
  virtual bool OnEventText(const SseEvent& event, std::string& out) { return false; }
  virtual void OnEnd(std::string& out) {}

  ResponseInfo info_;

 private:
  void Deliver(const SseEvent& event, std::string& out);

  SseParser parser_;
  const bool forwards_upstream_;
};

}  // namespace agw::emulator::llm
