// Behaviour of the Responses / embeddings / enrichment translations that the goldens do not pin:
// byte-by-byte streaming, error bodies, conversions that must be refused.

#include "emulator/llm/responses.h"

#include <catch2/catch.hpp>
#include <regex>

#include "emulator/llm/detect.h"
#include "emulator/llm/openai.h"
#include "emulator/llm/prompt.h"
#include "tests/llm/fixtures.h"

namespace agw::emulator::llm {
namespace {

// Generated ids differ between translator instances.
std::string WithoutGeneratedIds(const std::string& text) {
  static const std::regex kGenerated("(resp|msg|call)_[0-9a-f]{16}");
  return std::regex_replace(text, kGenerated, "$1_ID");
}

TEST_CASE("Responses passthrough and detect streams forward the upstream bytes unchanged") {
  const std::string upstream = test::ReadUpstreamFixture("response/responses/stream.json");
  REQUIRE_FALSE(upstream.empty());
  for (size_t piece : {size_t{1}, size_t{5}, upstream.size()}) {
    auto passthrough = MakeResponsesPassthroughStreamTranslator();
    CHECK(test::FeedInSlices(*passthrough, upstream, piece) == upstream);
    CHECK(passthrough->info().input_tokens == 12);
    CHECK(passthrough->info().completion == std::vector<std::string>{"Hello"});
    auto detect = MakeDetectStreamTranslator();
    CHECK(test::FeedInSlices(*detect, upstream, piece) == upstream);
    CHECK(detect->info().total_tokens == 20);
  }
}

TEST_CASE("Translated Responses streams do not depend on how the upstream bytes are cut") {
  const std::string chat =
      test::ReadUpstreamFixture("response/completions/stream_tool_empty_content.json");
  const std::string responses = test::ReadUpstreamFixture("response/responses/stream.json");
  auto whole = MakeCompletionsToResponsesStreamTranslator(SystemStamper());
  auto bytewise = MakeCompletionsToResponsesStreamTranslator(SystemStamper());
  CHECK(WithoutGeneratedIds(test::FeedInSlices(*bytewise, chat, 1)) ==
        WithoutGeneratedIds(test::FeedInSlices(*whole, chat, chat.size())));

  auto messages_whole = MakeResponsesToMessagesStreamTranslator(SystemStamper());
  auto messages_bytewise = MakeResponsesToMessagesStreamTranslator(SystemStamper());
  CHECK(test::FeedInSlices(*messages_bytewise, responses, 1) ==
        test::FeedInSlices(*messages_whole, responses, responses.size()));
}

TEST_CASE("A translated stream sends each event as soon as its upstream event is complete") {
  const std::string chat = test::ReadUpstreamFixture("response/completions/stream.json");
  auto translator = MakeCompletionsToResponsesStreamTranslator(SystemStamper());
  std::string client;
  size_t first_event_end = chat.find("\n\n") + 2;
  translator->Feed(std::string_view(chat).substr(0, first_event_end - 1), client);
  CHECK(client.empty());
  translator->Feed(std::string_view(chat).substr(first_event_end - 1, 1), client);
  CHECK(client.find("response.created") != std::string::npos);
  CHECK(client.find("response.output_text.delta") != std::string::npos);
  CHECK(client.find("response.completed") == std::string::npos);
}

TEST_CASE("A chat stream cut off before [DONE] still ends the Responses stream") {
  const std::string chunk =
      "data: "
      "{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},"
      "\"finish_reason\":\"length\"}]}\n\n";
  auto translator = MakeCompletionsToResponsesStreamTranslator(SystemStamper());
  std::string client = test::FeedInSlices(*translator, chunk, chunk.size());
  CHECK(client.find("\"type\":\"response.incomplete\"") != std::string::npos);
  CHECK(client.find("\"reason\":\"max_tokens\"") != std::string::npos);
}

TEST_CASE("OpenAI errors reach a Messages client as Anthropic errors") {
  CHECK(Json::parse(ResponsesToMessagesError(
            429, R"({"error":{"type":"rate_limit_exceeded","message":"slow down"}})")) ==
        Json::parse(
            R"({"type":"error","error":{"type":"rate_limit_exceeded","message":"slow down"}})"));
  // Without an upstream type, the status decides; a body that is not JSON becomes the message.
  CHECK(Json::parse(ResponsesToMessagesError(404, R"({"error":{"message":"no such model"}})")) ==
        Json::parse(
            R"({"type":"error","error":{"type":"not_found_error","message":"no such model"}})"));
  CHECK(Json::parse(ResponsesToMessagesError(503, "upstream overloaded")) ==
        Json::parse(
            R"({"type":"error","error":{"type":"api_error","message":"upstream overloaded"}})"));
}

TEST_CASE("Google errors reach a Responses client as OpenAI errors; OpenAI errors pass") {
  const std::string google =
      R"({"error":{"code":400,"message":"bad field","status":"INVALID_ARGUMENT"}})";
  const Json want = Json::parse(R"({"event_id":null,"error":{"type":"invalid_request_error",
      "message":"bad field","code":"INVALID_ARGUMENT"}})");
  CHECK(Json::parse(CompletionsToResponsesError(400, google)) == want);
  CHECK(Json::parse(CompletionsToResponsesError(400, "[" + google + "]")) == want);
  CHECK(
      Json::parse(CompletionsToResponsesError(
          429,
          R"([{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED"}}])"))["error"]
                                                                                         ["type"] ==
      "rate_limit_error");
  const std::string openai = R"({"error":{"type":"invalid_request_error","message":"x"}})";
  CHECK(CompletionsToResponsesError(400, openai) == openai);
  CHECK(EmbeddingsError(400, openai) == openai);
}

TEST_CASE("Messages that Responses cannot represent are refused, not approximated") {
  for (const char* fixture : {"requests/messages/cache_control.json",  // image in a tool result
                              "requests/messages/reasoning_replay.json"}) {  // thinking history
    auto translated =
        MessagesToResponsesRequest(Json::parse(test::ReadUpstreamFixture(fixture)), {});
    REQUIRE_FALSE(translated.has_value());
    CHECK(translated.error().rfind("unsupported conversion: ", 0) == 0);
  }
}

TEST_CASE("Responses bodies that are not final cannot become Messages responses") {
  CHECK_FALSE(
      ResponsesToMessagesResponse(R"({"id":"r","status":"failed","model":"m","output":[]})"));
  CHECK_FALSE(
      ResponsesToMessagesResponse(R"({"id":"r","status":"in_progress","model":"m","output":[]})"));
  CHECK_FALSE(ResponsesToMessagesResponse("not json"));
}

TEST_CASE("A content-filtered chat answer is a failed Responses object") {
  auto translated = CompletionsToResponsesResponse(
      R"({"choices":[{"index":0,"message":{"role":"assistant","content":""},
          "finish_reason":"content_filter"}]})",
      "client-model", SystemStamper());
  REQUIRE(translated);
  CHECK(translated->body["status"] == "failed");
  CHECK(translated->body["error"] ==
        Json::parse(R"({"code":"content_filter","message":"Content filtered"})"));
  CHECK(translated->body["model"] == "client-model");
}

TEST_CASE("Prompt enrichment wraps a string Responses input and keeps roles verbatim") {
  Json responses = Json::parse(R"({"model":"m","input":"hi"})");
  EnrichResponsesPrompt(responses, {{{"developer", "be brief"}}, {}});
  CHECK(
      ResponsesPrompt(responses) ==
      Json::parse(R"([{"role":"developer","content":"be brief"},{"role":"user","content":"hi"}])"));

  Json chat = Json::parse(R"({"model":"m"})");
  EnrichCompletionsPrompt(chat, {{{"SYSTEM", "x"}}, {{"user", "y"}}});
  CHECK(chat["messages"] ==
        Json::parse(R"([{"role":"SYSTEM","content":"x"},{"role":"user","content":"y"}])"));
}

TEST_CASE("The Responses prompt summary starts with the instructions") {
  Json request = Json::parse(
      R"({"instructions":"sys","input":[
          {"type":"function_call","call_id":"c","name":"f","arguments":"{}"},
          {"role":"user","content":[{"type":"input_text","text":"a"},
                                    {"type":"input_image","image_url":"u"},
                                    {"type":"input_text","text":"b"}]}]})");
  CHECK(ResponsesPrompt(request) ==
        Json::parse(R"([{"role":"system","content":"sys"},{"role":"user","content":"a\nb"}])"));
}

TEST_CASE("A configured model replaces the client's in the upstream body only") {
  auto translated = ResponsesToCompletionsRequest(Json::parse(R"({"model":"a","input":"x"})"),
                                                  ProviderOptions{"b", "", ""});
  REQUIRE(translated);
  CHECK(translated->body["model"] == "b");
  CHECK(translated->info.request_model == "a");
}

TEST_CASE("Detect passes bodies that are not JSON through as text") {
  auto detected = DetectResponse("plain text");
  REQUIRE(detected);
  CHECK(detected->body == "plain text");
  CHECK_FALSE(detected->info.input_tokens.has_value());
}

}  // namespace
}  // namespace agw::emulator::llm
