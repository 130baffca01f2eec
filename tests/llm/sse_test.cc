#include "emulator/llm/sse.h"

#include <catch2/catch.hpp>

namespace agw::emulator::llm {
namespace {

std::vector<SseEvent> FeedInPieces(std::string_view text, size_t piece) {
  std::vector<SseEvent> events;
  SseParser parser;
  auto sink = [&](const SseEvent& event) { events.push_back(event); };
  for (size_t at = 0; at < text.size(); at += piece) {
    parser.Feed(text.substr(at, piece), sink);
  }
  parser.Finish(sink);
  return events;
}

TEST_CASE("SSE events survive being cut at every byte, with any line ending") {
  for (std::string_view text :
       {std::string_view("event: a\ndata: {\"x\":1}\n\ndata: two\ndata: lines\n\n"),
        std::string_view("event: a\r\ndata: {\"x\":1}\r\n\r\ndata: two\r\ndata: lines\r\n\r\n"),
        std::string_view("event: a\rdata: {\"x\":1}\r\rdata: two\rdata: lines\r\r")}) {
    for (size_t piece = 1; piece <= text.size(); ++piece) {
      std::vector<SseEvent> events = FeedInPieces(text, piece);
      REQUIRE(events.size() == 2);
      CHECK(events[0].event == "a");
      CHECK(events[0].data == "{\"x\":1}");
      CHECK(events[1].event.empty());
      CHECK(events[1].data == "two\nlines");
    }
  }
}

TEST_CASE("SSE comments are skipped and an unterminated last event is still delivered") {
  std::vector<SseEvent> events = FeedInPieces(": keep-alive\n\ndata: [DONE]", 4);
  REQUIRE(events.size() == 1);
  CHECK(events[0].data == "[DONE]");
}

TEST_CASE("SSE encoding") {
  CHECK(EncodeSseEvent("ping", "{}") == "event: ping\ndata: {}\n\n");
  CHECK(EncodeSseData("[DONE]") == "data: [DONE]\n\n");
}

}  // namespace
}  // namespace agw::emulator::llm
