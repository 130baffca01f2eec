#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace agw::emulator::llm {

// One server-sent event. `data` joins multiple data lines with '\n', as the SSE spec says.
struct SseEvent {
  std::string event;
  std::string data;
  std::string id;
};

// Splits a byte stream into SSE events as bytes arrive: bytes may be cut anywhere, even inside
// a line ending, and an event is handed over as soon as its blank line is seen.
class SseParser {
 public:
  using Sink = std::function<void(const SseEvent&)>;

  // Feeds the next bytes; calls `sink` for every event completed by them.
  void Feed(std::string_view bytes, const Sink& sink);
  // End of stream: an event without its closing blank line is still delivered.
  void Finish(const Sink& sink);

  // Bytes received but not yet part of a complete line.
  size_t buffered() const { return line_.size(); }

 private:
  void TakeLine(std::string_view line, const Sink& sink);
  void Dispatch(const Sink& sink);

  std::string line_;
  SseEvent pending_;
  bool has_data_ = false;
  bool has_fields_ = false;
  bool last_was_cr_ = false;
};

// `event: NAME\ndata: DATA\n\n` (the event line only when NAME is not empty).
std::string EncodeSseEvent(std::string_view event, std::string_view data);
// `data: DATA\n\n`.
std::string EncodeSseData(std::string_view data);

}  // namespace agw::emulator::llm
