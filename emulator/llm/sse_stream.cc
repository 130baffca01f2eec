#include "emulator/llm/sse_stream.h"

#include "emulator/llm/json_codec.h"

namespace agw::emulator::llm {

void SseJsonStream::Feed(std::string_view upstream_bytes, std::string& out) {
  if (forwards_upstream_) {
    out.append(upstream_bytes);
  }
  parser_.Feed(upstream_bytes, [&](const SseEvent& event) { Deliver(event, out); });
}

void SseJsonStream::Finish(std::string& out) {
  parser_.Finish([&](const SseEvent& event) { Deliver(event, out); });
  OnEnd(out);
}

void SseJsonStream::Deliver(const SseEvent& event, std::string& out) {
  if (IsDone(event)) {
    OnEvent(event, nullptr, out);
    return;
  }
  if (OnEventText(event, out)) {
    return;
  }
  // Parsed in place and lent out: the document is never copied.
  Json data = ReadJson(event.data);
  OnEvent(event, data.is_object() ? &data : nullptr, out);
}

}  // namespace agw::emulator::llm
