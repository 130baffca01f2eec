// The SSE decoder (emulator/llm/sse.h) on arbitrary bytes. Beyond not crashing, two properties
// a stream translator relies on: the events do not depend on where the network cut the stream,
// and an event that EncodeSseEvent wrote reads back as written.
//
// Input: [cut seed] [stream bytes...]

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "emulator/llm/sse.h"
#include "tests/fuzz/fuzz_input.h"

namespace agw::fuzz {
namespace {

using emulator::llm::SseEvent;
using emulator::llm::SseParser;

std::vector<SseEvent> Decode(const std::vector<std::string_view>& pieces) {
  std::vector<SseEvent> events;
  SseParser parser;
  auto sink = [&](const SseEvent& event) { events.push_back(event); };
  for (std::string_view piece : pieces) parser.Feed(piece, sink);
  parser.Finish(sink);
  if (parser.buffered() != 0) {
    std::fprintf(stderr, "bytes still buffered after Finish\n");
    std::abort();
  }
  return events;
}

bool Same(const SseEvent& a, const SseEvent& b) {
  return a.event == b.event && a.data == b.data && a.id == b.id;
}

bool SameEvents(const std::vector<SseEvent>& a, const std::vector<SseEvent>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!Same(a[i], b[i])) return false;
  }
  return true;
}

bool HasLineBreak(std::string_view text) { return text.find_first_of("\r\n") != text.npos; }

}  // namespace
}  // namespace agw::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace agw::fuzz;
  FuzzInput input(data, size);
  uint8_t cut = input.Byte();
  std::string_view stream = input.Rest();

  std::vector<agw::emulator::llm::SseEvent> whole = Decode({stream});
  if (!SameEvents(whole, Decode(Cut(stream, cut)))) {
    std::fprintf(stderr, "the events depend on where the stream was cut\n");
    std::abort();
  }
  for (const agw::emulator::llm::SseEvent& event : whole) {
    if (HasLineBreak(event.event) || HasLineBreak(event.data)) continue;  // not encodable as is
    std::vector<agw::emulator::llm::SseEvent> again =
        Decode({agw::emulator::llm::EncodeSseEvent(event.event, event.data)});
    if (again.size() != 1 || again[0].event != event.event || again[0].data != event.data) {
      std::fprintf(stderr, "an encoded event does not read back as written\n");
      std::abort();
    }
  }
  return 0;
}
