#include "emulator/llm/stream_end.h"

#include <catch2/catch.hpp>
#include <string>

namespace agw::emulator::llm {
namespace {

// Feeds `stream` to a watcher in pieces of `piece` bytes.
bool Ended(WireFormat wire, const std::string& stream, std::size_t piece) {
  StreamEndWatcher watcher(wire);
  for (std::size_t at = 0; at < stream.size(); at += piece) {
    watcher.Feed(stream.substr(at, piece));
  }
  return watcher.ended();
}

void CheckEndsOnlyWithLast(WireFormat wire, const std::string& body, const std::string& last) {
  for (std::size_t piece : {1, 3, 7, 4096}) {
    CAPTURE(piece);
    CHECK_FALSE(Ended(wire, body, piece));
    CHECK(Ended(wire, body + last, piece));
  }
}

TEST_CASE("A provider stream counts as ended only once its format's last event came") {
  SECTION("Anthropic: message_stop, by event name or data type") {
    std::string body =
        "event: message_start\ndata: {\"type\":\"message_start\"}\n\n"
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":"
        "{\"type\":\"text_delta\",\"text\":\"message_stop\"}}\n\n";
    CheckEndsOnlyWithLast(WireFormat::kAnthropicMessages, body,
                          "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    CHECK(Ended(WireFormat::kAnthropicMessages, body + "data: {\"type\":\"message_stop\"}\n\n", 5));
    // An event cut before its blank line has not come.
    CHECK_FALSE(Ended(WireFormat::kAnthropicMessages, body + "event: message_stop\ndata: {", 5));
  }
  SECTION("OpenAI chat completions: data: [DONE]") {
    CheckEndsOnlyWithLast(WireFormat::kOpenAICompletions,
                          "data: {\"choices\":[{\"delta\":{\"content\":\"[DONE]\"}}]}\n\n",
                          "data: [DONE]\n\n");
  }
  SECTION("OpenAI Responses: completed, incomplete or failed") {
    std::string body = "event: response.created\ndata: {\"type\":\"response.created\"}\n\n";
    CheckEndsOnlyWithLast(WireFormat::kOpenAIResponses, body,
                          "event: response.completed\ndata: {\"type\":\"response.completed\"}\n\n");
    CHECK(
        Ended(WireFormat::kOpenAIResponses, body + "data: {\"type\":\"response.failed\"}\n\n", 9));
    CHECK(
        Ended(WireFormat::kOpenAIResponses, body + "event: response.incomplete\ndata: {}\n\n", 9));
  }
  SECTION("Gemini: a chunk with a finishReason") {
    CheckEndsOnlyWithLast(
        WireFormat::kGeminiNative,
        "data: "
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"\\\"finishReason\\\"\"}]}}]}\n\n",
        "data: {\"candidates\":[{\"finishReason\":\"STOP\"}]}\n\n");
  }
  SECTION("Bedrock: the messageStop event of the event stream") {
    std::string body =
        EncodeEventStreamMessage({{":event-type", "contentBlockDelta"}, {":message-type", "event"}},
                                 R"({"delta":{"text":"messageStop"}})");
    CheckEndsOnlyWithLast(
        WireFormat::kBedrockConverse, body,
        EncodeEventStreamMessage({{":event-type", "messageStop"}, {":message-type", "event"}},
                                 R"({"stopReason":"end_turn"})"));
  }
  SECTION("Formats without a last event count as ended from the start") {
    CHECK(StreamEndWatcher(WireFormat::kRaw).ended());
  }
}

}  // namespace
}  // namespace agw::emulator::llm
