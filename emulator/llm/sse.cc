#include "emulator/llm/sse.h"

namespace agw::llm {

void SseParser::Feed(std::string_view bytes, const Sink& sink) {
  for (char c : bytes) {
    if (last_was_cr_) {
      last_was_cr_ = false;
      if (c == '\n') continue;  // the second half of a CRLF already ended the line
    }
    if (c == '\r' || c == '\n') {
      last_was_cr_ = c == '\r';
      std::string line = std::move(line_);
      line_.clear();
      TakeLine(line, sink);
      continue;
    }
    line_.push_back(c);
  }
}

void SseParser::Finish(const Sink& sink) {
  if (!line_.empty()) {
    std::string line = std::move(line_);
    line_.clear();
    TakeLine(line, sink);
  }
  Dispatch(sink);
}

void SseParser::TakeLine(std::string_view line, const Sink& sink) {
  if (line.empty()) {
    Dispatch(sink);
    return;
  }
  if (line.front() == ':') return;  // comment
  std::string_view field = line;
  std::string_view value;
  if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  has_fields_ = true;
  if (field == "data") {
    if (has_data_) pending_.data.push_back('\n');
    pending_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    pending_.event.assign(value);
  } else if (field == "id") {
    pending_.id.assign(value);
  }
}

void SseParser::Dispatch(const Sink& sink) {
  if (has_fields_) sink(pending_);
  pending_ = SseEvent{};
  has_data_ = false;
  has_fields_ = false;
}

std::string EncodeSseEvent(std::string_view event, std::string_view data) {
  std::string out;
  out.reserve(event.size() + data.size() + 16);
  if (!event.empty()) {
    out.append("event: ").append(event).push_back('\n');
  }
  out.append("data: ").append(data).append("\n\n");
  return out;
}

std::string EncodeSseData(std::string_view data) { return EncodeSseEvent({}, data); }

}  // namespace agw::llm
