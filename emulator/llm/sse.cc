#include "emulator/llm/sse.h"

#include <cstring>

namespace agw::emulator::llm {
namespace {

// Where the line starting at `from` ends (its CR or LF), npos if not in `bytes` yet. Two memchr
// scans rather than a byte loop: events are hundreds of bytes and arrive by the thousand.
size_t LineEnd(std::string_view bytes, size_t from) {
  const char* begin = bytes.data() + from;
  size_t length = bytes.size() - from;
  const void* newline = std::memchr(begin, '\n', length);
  size_t until = newline ? static_cast<const char*>(newline) - begin : length;
  const void* carriage_return = std::memchr(begin, '\r', until);
  if (carriage_return) {
    return from + (static_cast<const char*>(carriage_return) - begin);
  }
  return newline ? from + until : std::string_view::npos;
}

}  // namespace

void SseParser::Feed(std::string_view bytes, const Sink& sink) {
  size_t at = 0;
  while (at < bytes.size()) {
    if (last_was_cr_) {
      last_was_cr_ = false;
      if (bytes[at] == '\n') {  // the second half of a CRLF already ended the line
        ++at;
        continue;
      }
    }
    size_t end = LineEnd(bytes, at);
    if (end == std::string_view::npos) {
      line_.append(bytes.substr(at));
      return;
    }
    last_was_cr_ = bytes[end] == '\r';
    std::string_view line = bytes.substr(at, end - at);
    if (!line_.empty()) {  // the line began in an earlier Feed
      line_.append(line);
      line = line_;
    }
    TakeLine(line, sink);
    line_.clear();
    at = end + 1;
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
  if (line.front() == ':') {
    return;  // comment
  }
  std::string_view field = line;
  std::string_view value;
  if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') {
      value.remove_prefix(1);
    }
  }
  has_fields_ = true;
  if (field == "data") {
    if (has_data_) {
      pending_.data.push_back('\n');
    }
    pending_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    pending_.event.assign(value);
  } else if (field == "id") {
    pending_.id.assign(value);
  }
}

void SseParser::Dispatch(const Sink& sink) {
  if (has_fields_) {
    sink(pending_);
  }
  // Cleared, not replaced: the strings keep their capacity for the next event.
  pending_.event.clear();
  pending_.data.clear();
  pending_.id.clear();
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

}  // namespace agw::emulator::llm
