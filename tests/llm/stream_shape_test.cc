// Every SSE stream translator has one shape, SseJsonStream: the contract of its hooks, and for
// the Responses and Gemini streams built on it, client bytes and usage that do not depend on how
// the upstream bytes were cut.

#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "emulator/llm/gemini.h"
#include "emulator/llm/responses.h"
#include "emulator/llm/sse_stream.h"
#include "tests/llm/fixtures.h"

namespace agw::emulator::llm {
namespace {

// Records which hook took each event. Events named `quick` are taken from their text; the hooks
// write markers to the client (T for text, E for the end), and OnEvent keeps the last object's
// `model` in info_.
class RecordingStream : public SseJsonStream {
 public:
  explicit RecordingStream(bool forwards_upstream) : SseJsonStream(forwards_upstream) {}

  std::vector<std::string> calls;

 protected:
  bool OnEventText(const SseEvent& event, std::string& out) override {
    if (event.event != "quick") {
      return false;
    }
    calls.push_back("text " + event.data);
    out.append("T");
    return true;
  }
  void OnEvent(const SseEvent& event, const Json* data, std::string&) override {
    calls.push_back((data != nullptr ? "object " : "none ") + event.data);
    if (data != nullptr && data->contains("model")) {
      info_.provider_model = (*data)["model"].get<std::string>();
    }
  }
  void OnEnd(std::string& out) override {
    calls.push_back("end");
    out.append("E");
  }
};

// The last event has no closing blank line: Finish still delivers it, before OnEnd.
const std::string kMixedStream =
    "event: quick\ndata: {\"a\":1}\n\n"
    "data: {\"model\":\"m1\"}\n\n"
    ": a comment\n\n"
    "data: [1,2]\n\n"
    "data: not json\n\n"
    "event: quick\ndata: [DONE]\n\n"
    "data: {\"model\":\"m2\"}";

TEST_CASE("Each SSE event reaches one hook in order and the end hook comes last") {
  RecordingStream stream(/*forwards_upstream=*/false);
  std::string out = test::FeedInSlices(stream, kMixedStream, 3);
  CHECK(stream.calls == std::vector<std::string>{"text {\"a\":1}", "object {\"model\":\"m1\"}",
                                                 "none [1,2]", "none not json", "none [DONE]",
                                                 "object {\"model\":\"m2\"}", "end"});
  CHECK(out == "TE");
  CHECK(stream.info().provider_model == "m2");
}

TEST_CASE("A passthrough SSE stream sends the upstream bytes before reading them") {
  RecordingStream stream(/*forwards_upstream=*/true);
  std::string out;
  stream.Feed(kMixedStream, out);
  CHECK(out == kMixedStream + "T");
  stream.Finish(out);
  CHECK(out == kMixedStream + "TE");
  CHECK(stream.calls.size() == 7);
}

using Make = std::function<std::unique_ptr<StreamTranslator>()>;

struct Fed {
  std::string client;
  Json info;
};

Fed FeedAll(const Make& make, std::string_view upstream, size_t piece) {
  std::unique_ptr<StreamTranslator> translator = make();
  std::string client = test::FeedInSlices(*translator, upstream, piece);
  return {std::move(client), ResponseInfoJson(translator->info())};
}

std::string WithCrlf(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out.push_back('\r');
    }
    out.push_back(c);
  }
  return out;
}

// `upstream` as recorded, with CRLF line endings, and without its closing blank line (ended by
// Finish alone).
std::vector<std::string> Shapes(const std::string& upstream) {
  std::string unclosed = upstream;
  while (!unclosed.empty() && unclosed.back() == '\n') {
    unclosed.pop_back();
  }
  return {upstream, WithCrlf(upstream), unclosed};
}

// Whole, in 7-byte pieces and byte by byte, the client gets the same bytes and the same usage.
void CheckSplitInvariant(const Make& make, const std::string& upstream, bool passthrough) {
  REQUIRE_FALSE(upstream.empty());
  for (const std::string& shape : Shapes(upstream)) {
    Fed whole = FeedAll(make, shape, shape.size());
    if (passthrough) {
      CHECK(whole.client == shape);
    } else {
      CHECK_FALSE(whole.client.empty());
    }
    CHECK(whole.info != Json::object());
    for (size_t piece : {size_t{7}, size_t{1}}) {
      INFO("piece " << piece << " of " << shape.size() << " bytes");
      Fed cut = FeedAll(make, shape, piece);
      CHECK(cut.client == whole.client);
      CHECK(cut.info == whole.info);
    }
  }
}

// Every translator from equal stampers stamps equal ids and times.
Stamper TestStamper() { return FixedStamper(1'700'000'000'000, 42); }

const std::vector<std::string> kResponsesStreams = {
    "response/responses/stream.json", "response/responses/stream-custom-tool.json",
    "response/responses/stream-image.json", "response/responses/stream-refusal.json"};

const std::vector<std::string> kCompletionsStreams = {
    "response/completions/stream.json", "response/completions/stream_tool_empty_content.json"};

// Text and thinking over two chunks, a function call, an unreadable event and a comment.
const std::string kGeminiStream =
    "data: {\"responseId\":\"r\",\"modelVersion\":\"gemini-2.5-flash\",\"candidates\":[{"
    "\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Hel\"}]}}],"
    "\"usageMetadata\":{\"promptTokenCount\":4,\"totalTokenCount\":4}}\n\n"
    ": keepalive\n\n"
    "data: not json\n\n"
    "data: {\"responseId\":\"r\",\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":["
    "{\"text\":\"hmm\",\"thought\":true},{\"text\":\"lo\"},"
    "{\"functionCall\":{\"name\":\"get_weather\",\"args\":{\"city\":\"Oslo\"}}}]},"
    "\"finishReason\":\"STOP\"}],"
    "\"usageMetadata\":{\"promptTokenCount\":4,\"candidatesTokenCount\":2,"
    "\"thoughtsTokenCount\":3,\"totalTokenCount\":9}}\n\n";

TEST_CASE("Responses passthrough streams do not depend on how the upstream bytes are cut") {
  for (const std::string& path : kResponsesStreams) {
    INFO(path);
    CheckSplitInvariant([] { return MakeResponsesPassthroughStreamTranslator(); },
                        test::ReadUpstreamFixture(path), /*passthrough=*/true);
  }
}

TEST_CASE("Responses to Messages streams do not depend on how the upstream bytes are cut") {
  for (const std::string& path : kResponsesStreams) {
    INFO(path);
    CheckSplitInvariant([] { return MakeResponsesToMessagesStreamTranslator(TestStamper()); },
                        test::ReadUpstreamFixture(path), /*passthrough=*/false);
  }
}

TEST_CASE("Completions to Responses streams do not depend on how the upstream bytes are cut") {
  for (const std::string& path : kCompletionsStreams) {
    INFO(path);
    CheckSplitInvariant([] { return MakeCompletionsToResponsesStreamTranslator(TestStamper()); },
                        test::ReadUpstreamFixture(path), /*passthrough=*/false);
  }
}

TEST_CASE("Gemini to Completions streams do not depend on how the upstream bytes are cut") {
  Make make = [] { return MakeGeminiStreamTranslator("fallback", TestStamper()); };
  CheckSplitInvariant(make, test::ReadUpstreamFixture("response/vertex-gemini/stream_tool.json"),
                      /*passthrough=*/false);
  CheckSplitInvariant(make, kGeminiStream, /*passthrough=*/false);
  // The sentinel is written once, at the end, however the stream ended.
  std::string client = FeedAll(make, kGeminiStream, 1).client;
  CHECK(client.find("data: [DONE]\n\n") == client.size() - 14);
}

TEST_CASE("Native Gemini streams do not depend on how the upstream bytes are cut") {
  Make make = [] { return MakeGeminiNativeStreamTranslator(); };
  CheckSplitInvariant(make, test::ReadUpstreamFixture("response/vertex-gemini/stream_tool.json"),
                      /*passthrough=*/true);
  CheckSplitInvariant(make, kGeminiStream, /*passthrough=*/true);
  CHECK(FeedAll(make, kGeminiStream, 1).info ==
        Json::parse(R"({"input_tokens":4,"output_tokens":5,"total_tokens":9,
                        "reasoning_tokens":3,"provider_model":"gemini-2.5-flash",
                        "completion":["Hello"]})"));
}

}  // namespace
}  // namespace agw::emulator::llm
