// Behaviour of the Completions <-> Messages translations that the goldens do not pin: error
// bodies, streams cut at every byte, stream endings, and request mappings no fixture uses.

#include "emulator/llm/anthropic.h"

#include <catch2/catch.hpp>

#include "emulator/llm/completions.h"
#include "emulator/llm/detect.h"
#include "emulator/llm/json_codec.h"
#include "emulator/llm/prompt.h"
#include "tests/llm/fixtures.h"

namespace agw::emulator::llm {
namespace {

std::string ReadFixture(const std::string& relative) {
  return test::ReadUpstreamFixture("response/" + relative);
}

struct StreamRun {
  std::string out;
  Json info;
};

using StreamFactory = std::unique_ptr<StreamTranslator> (*)();

// The translator as `run` makes it: the wall clock and fresh random ids.
std::unique_ptr<StreamTranslator> AnthropicToCompletionsStream() {
  return MakeAnthropicStreamTranslator(SystemStamper());
}

StreamRun RunStream(StreamFactory make, std::string_view bytes, size_t slice) {
  std::unique_ptr<StreamTranslator> stream = make();
  StreamRun run;
  run.out = test::FeedInSlices(*stream, bytes, slice);
  run.info = ResponseInfoJson(stream->info());
  return run;
}

// Events of an SSE text as parsed JSON data (skipping `[DONE]`).
std::vector<Json> DataEvents(const std::string& sse) {
  std::vector<Json> events;
  size_t at = 0;
  while ((at = sse.find("data: ", at)) != std::string::npos) {
    size_t end = sse.find('\n', at);
    std::string data = sse.substr(at + 6, end - at - 6);
    if (data != "[DONE]") {
      events.push_back(Json::parse(data));
    }
    at = end;
  }
  return events;
}

// Normalises the gateway's clock so two runs of a translated stream compare equal.
std::string WithoutCreated(std::string text) {
  size_t at = 0;
  while ((at = text.find("\"created\":", at)) != std::string::npos) {
    size_t end = text.find(',', at);
    text.replace(at, end - at, "\"created\":0");
    at += 11;
  }
  return text;
}

// Each chunk of a translated stream is written as its document would be: compact, the members
// in the gateway's order.
void CheckChunksWrittenAsDocuments(const std::string& sse) {
  size_t at = 0;
  size_t chunks = 0;
  while ((at = sse.find("data: {", at)) != std::string::npos) {
    size_t end = sse.find('\n', at);
    std::string data = sse.substr(at + 6, end - at - 6);
    Json chunk = Json::parse(data);
    CHECK(data == chunk.dump());
    std::vector<std::string> keys;
    for (const auto& member : chunk.items()) {
      keys.push_back(member.key());
    }
    CHECK(keys == std::vector<std::string>{"id", "choices", "created", "model", "service_tier",
                                           "system_fingerprint", "object", "usage"});
    ++chunks;
    at = end;
  }
  CHECK(chunks > 0);
}

TEST_CASE("Streams give the same bytes and usage whether cut at every byte or not") {
  struct Case {
    const char* fixture;
    StreamFactory make;
  };
  for (const Case& c : {
           Case{"anthropic/stream_basic.json", &AnthropicToCompletionsStream},
           Case{"anthropic/stream_tool.json", &AnthropicToCompletionsStream},
           Case{"anthropic/stream_thinking.json", &MakeAnthropicPassthroughStream},
           Case{"anthropic/stream_message_delta_usage.json", &MakeAnthropicPassthroughStream},
           Case{"completions/stream.json", &MakeCompletionsStreamTranslator},
           Case{"completions/stream_tool_empty_content.json", &MakeCompletionsStreamTranslator},
           Case{"completions/stream.json", &MakeCompletionsPassthroughStream},
           Case{"anthropic/stream_basic.json", &MakeDetectStreamTranslator},
       }) {
    INFO(c.fixture);
    std::string bytes = ReadFixture(c.fixture);
    REQUIRE(!bytes.empty());
    StreamRun whole = RunStream(c.make, bytes, bytes.size());
    if (c.make == &AnthropicToCompletionsStream) {
      CheckChunksWrittenAsDocuments(whole.out);
    }
    for (size_t slice : {size_t{1}, size_t{2}, size_t{3}, size_t{13}}) {
      StreamRun cut = RunStream(c.make, bytes, slice);
      CHECK(WithoutCreated(cut.out) == WithoutCreated(whole.out));
      CHECK(cut.info == whole.info);
    }
  }
}

TEST_CASE("Passthrough streams forward the upstream bytes unchanged") {
  for (StreamFactory make : {&MakeAnthropicPassthroughStream, &MakeCompletionsPassthroughStream,
                             &MakeDetectStreamTranslator}) {
    std::string bytes = ReadFixture("anthropic/stream_tool.json");
    CHECK(RunStream(make, bytes, 5).out == bytes);
  }
}

TEST_CASE("An Anthropic stream is translated event by event, [DONE] only at the end") {
  std::unique_ptr<StreamTranslator> stream = AnthropicToCompletionsStream();
  std::string out;
  stream->Feed(
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
      "\"role\":\"assistant\",\"model\":\"claude\",\"usage\":{\"input_tokens\":3,"
      "\"output_tokens\":1}}}\n\nevent: content_block_delta\ndata: {\"type\":"
      "\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}",
      out);
  CHECK(out.empty());  // the delta's blank line has not arrived yet
  stream->Feed("\n\n", out);
  std::vector<Json> chunks = DataEvents(out);
  REQUIRE(chunks.size() == 1);
  CHECK(chunks[0]["choices"][0]["delta"] == Json{{"content", "Hi"}, {"role", "assistant"}});
  CHECK(out.find("[DONE]") == std::string::npos);
  stream->Finish(out);
  CHECK(out.ends_with("data: [DONE]\n\n"));
  CHECK(stream->info().input_tokens == 3);
  CHECK(stream->info().completion == std::vector<std::string>{"Hi"});
}

TEST_CASE("Only a tool call's block start and end make chunks") {
  // Block starts and ends are read without a document unless they may be a tool call's: the
  // last of repeated `type` members decides, as it does for the document.
  std::unique_ptr<StreamTranslator> stream = AnthropicToCompletionsStream();
  std::string out;
  auto feed = [&](const Json& event) {
    stream->Feed("event: " + event["type"].get<std::string>() + "\ndata: " + event.dump() + "\n\n",
                 out);
  };
  feed({{"type", "message_start"},
        {"message", {{"id", "msg_1"}, {"role", "assistant"}, {"model", "claude"}}}});
  feed({{"type", "content_block_start"}, {"index", 0}, {"content_block", {{"type", "thinking"}}}});
  feed({{"type", "content_block_stop"}, {"index", 0}});
  feed({{"type", "content_block_start"}, {"index", 1}, {"content_block", {{"type", "text"}}}});
  feed({{"type", "content_block_stop"}, {"index", 1}});
  CHECK(out.empty());
  stream->Feed(
      "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":2,"
      "\"content_block\":{\"type\":\"text\",\"id\":\"toolu_1\",\"name\":\"lookup\","
      "\"type\":\"tool_use\",\"input\":{}}}\n\n",
      out);
  feed({{"type", "content_block_stop"}, {"index", 2}});
  feed({{"type", "message_delta"}, {"delta", {{"stop_reason", "tool_use"}}}});
  std::vector<Json> chunks = DataEvents(out);
  REQUIRE(chunks.size() == 3);
  const Json& call = chunks[0]["choices"][0]["delta"]["tool_calls"][0];
  CHECK(call["id"] == "toolu_1");
  CHECK(call["function"]["name"] == "lookup");
  CHECK(chunks[0]["choices"][0]["delta"]["role"] == "assistant");
  CHECK(chunks[1]["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"] == "{}");
  CHECK(chunks[2]["choices"][0]["finish_reason"] == "tool_calls");
  CheckChunksWrittenAsDocuments(out);
  REQUIRE(stream->info().output_messages.has_value());
  CHECK(stream->info().output_messages->dump().find("lookup") != std::string::npos);
}

TEST_CASE("Text chunks after the first are the first chunk's words around the new text") {
  // An id and model that hold the words the chunk is cut at, and texts that need escaping.
  std::unique_ptr<StreamTranslator> stream = AnthropicToCompletionsStream();
  std::string out;
  Json start = {{"type", "message_start"},
                {"message",
                 {{"id", "msg_\"content\":\"\""},
                  {"role", "assistant"},
                  {"model", "claude \u00e9\"x"},
                  {"usage", {{"input_tokens", 1}}}}}};
  stream->Feed("event: message_start\ndata: " + start.dump() + "\n\n", out);
  std::vector<std::string> texts = {"first", "line\nbreak \"quoted\" \\ \u00e9 \u0001", "",
                                    "\"content\":\"\""};
  for (const std::string& text : texts) {
    Json delta = {{"type", "content_block_delta"},
                  {"index", 0},
                  {"delta", {{"type", "text_delta"}, {"text", text}}}};
    stream->Feed("event: content_block_delta\ndata: " + delta.dump() + "\n\n", out);
  }
  std::vector<Json> chunks = DataEvents(out);
  REQUIRE(chunks.size() == texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    Json expected = chunks[0];
    expected["choices"][0]["delta"] = {{"content", texts[i]}};
    if (i == 0) {
      expected["choices"][0]["delta"]["role"] = "assistant";
    }
    CHECK(chunks[i].dump() == expected.dump());
  }
  CHECK(chunks[1]["id"] == "msg_\"content\":\"\"");
  CHECK(chunks[1]["model"] == "claude \u00e9\"x");
  CheckChunksWrittenAsDocuments(out);
}

TEST_CASE("OpenAI chunks become Anthropic events with cache tokens taken out of the input") {
  std::string upstream =
      "data: {\"id\":\"c\",\"model\":\"gpt-5\",\"choices\":[{\"index\":0,\"delta\":{},"
      "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":5,"
      "\"total_tokens\":105,\"prompt_tokens_details\":{\"cached_tokens\":20,"
      "\"cache_write_tokens\":30}}}\n\ndata: [DONE]\n\n";
  StreamRun run = RunStream(&MakeCompletionsStreamTranslator, upstream, 4);
  std::vector<Json> events = DataEvents(run.out);
  REQUIRE(events.size() == 3);
  CHECK(events[0]["type"] == "message_start");
  CHECK(events[1]["type"] == "message_delta");
  CHECK(events[1]["usage"] == Json{{"input_tokens", 50},
                                   {"output_tokens", 5},
                                   {"cache_creation_input_tokens", 30},
                                   {"cache_read_input_tokens", 20}});
  CHECK(events[2]["type"] == "message_stop");
  CHECK(run.out.find("[DONE]") == std::string::npos);
  CHECK(run.info["input_tokens"] == 100);  // the log keeps OpenAI's own counter
  CHECK(run.info["total_tokens"] == 105);
}

TEST_CASE("Tool arguments that arrive before the tool's name wait for it") {
  std::string upstream =
      "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":"
      "[{\"index\":0,\"function\":{\"arguments\":\"{\\\"a\\\":\"}}]}}]}\n\n"
      "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":"
      "[{\"index\":0,\"function\":{\"name\":\"f\",\"arguments\":\"1}\"}}]},"
      "\"finish_reason\":\"content_filter\"}]}\n\ndata: [DONE]\n\n";
  StreamRun run = RunStream(&MakeCompletionsStreamTranslator, upstream, 9);
  std::vector<Json> events = DataEvents(run.out);
  REQUIRE(events.size() == 6);
  CHECK(
      events[1]["content_block"] ==
      Json{{"type", "tool_use"}, {"id", "tool_call_0"}, {"name", "f"}, {"input", Json::object()}});
  CHECK(events[2]["delta"]["partial_json"] == "{\"a\":1}");
  CHECK(events[3]["type"] == "content_block_stop");
  CHECK(events[4]["delta"]["stop_reason"] == "refusal");
  CHECK(events[4]["usage"] == Json{{"input_tokens", 0}, {"output_tokens", 0}});
  CHECK(run.info["output_messages"][0]["content"][0]["arguments"] == Json{{"a", 1}});
}

TEST_CASE("An OpenAI stream that ends without [DONE] still closes the Anthropic message") {
  std::string upstream =
      "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
      "\"x\"},\"finish_reason\":\"length\"}]}\n\n";
  std::vector<Json> events =
      DataEvents(RunStream(&MakeCompletionsStreamTranslator, upstream, 3).out);
  REQUIRE(events.size() == 6);
  CHECK(events[4]["delta"]["stop_reason"] == "max_tokens");
  CHECK(events[5]["type"] == "message_stop");
}

TEST_CASE("Anthropic errors reach Completions clients as invalid_request_error") {
  CHECK(
      Json::parse(AnthropicError(
          429, R"({"type":"error","error":{"type":"rate_limit_error","message":"slow down"}})")) ==
      Json::parse(
          R"({"event_id":null,"error":{"type":"invalid_request_error","message":"slow down"}})"));
  CHECK(Json::parse(AnthropicError(502, "upstream exploded"))["error"]["message"] ==
        "upstream exploded");
}

TEST_CASE("Anthropic errors reach Messages clients unchanged, anything else wrapped") {
  std::string anthropic =
      R"({"type":"error","error":{"type":"overloaded_error","message":"busy"}})";
  CHECK(AnthropicPassthroughError(529, anthropic) == anthropic);
  CHECK(Json::parse(AnthropicPassthroughError(403, "<html>denied</html>")) ==
        Json{{"type", "error"},
             {"error", {{"type", "authentication_error"}, {"message", "<html>denied</html>"}}}});
}

TEST_CASE("OpenAI and Google errors reach Messages clients in Anthropic's shape") {
  CHECK(
      Json::parse(CompletionsError(
          400, R"({"error":{"type":"invalid_request_error","message":"bad","code":null}})")) ==
      Json::parse(R"({"type":"error","error":{"type":"invalid_request_error","message":"bad"}})"));
  struct ByStatus {
    int status;
    const char* type;
  };
  for (ByStatus c : {ByStatus{400, "invalid_request_error"}, ByStatus{401, "authentication_error"},
                     ByStatus{403, "authentication_error"}, ByStatus{404, "not_found_error"},
                     ByStatus{429, "rate_limit_error"}, ByStatus{500, "api_error"}}) {
    Json error = Json::parse(CompletionsError(c.status, R"({"error":{"message":"m"}})"));
    CHECK(error["error"]["type"] == c.type);
  }
  Json google = Json::parse(CompletionsError(
      404, R"([{"error":{"code":404,"message":"no such model","status":"NOT_FOUND"}}])"));
  CHECK(google["error"] == Json{{"type", "not_found_error"}, {"message", "no such model"}});
  CHECK(Json::parse(CompletionsError(503, "plain text"))["error"]["message"] == "plain text");
}

TEST_CASE("Completions requests map tools, limits and roles onto Messages") {
  Json request = Json::parse(R"({
    "model": "client-model", "stream": true, "stop": "END", "max_tokens": 1024,
    "reasoning_effort": "high", "parallel_tool_calls": false,
    "tools": [{"type": "function", "function": {"name": "f"}}, {"type": "custom"}],
    "messages": [
      {"role": "developer", "content": "be brief"},
      {"role": "system", "content": [{"type": "text", "text": "be kind"},
                                     {"type": "text", "text": " "}]},
      {"role": "user", "content": "   "},
      {"role": "function", "name": "f", "content": "42"},
      {"role": "user", "content": [{"type": "image_url",
                                    "image_url": {"url": "data:image/png;charset=x;base64,AAA"}}]},
      {"role": "assistant", "content": null, "refusal": "no"}
    ]})");
  ProviderOptions pinned;
  pinned.model = "pinned";
  auto translated = AnthropicRequest(request, pinned);
  REQUIRE(translated);
  const Json& body = translated->body;
  CHECK(body["model"] == "pinned");
  CHECK(body["system"] == "be brief\nbe kind");
  CHECK(body["messages"] == Json::parse(R"([
    {"role": "user", "content": [{"type": "text", "text": "42"}]},
    {"role": "user", "content": [{"type": "image", "source":
      {"type": "base64", "media_type": "image/png", "data": "AAA"}}]},
    {"role": "assistant", "content": [{"type": "text", "text": "no"}]}])"));
  CHECK(body["stop_sequences"] == Json::array({"END"}));
  CHECK(body["stream"] == true);
  CHECK_FALSE(body.contains("thinking"));  // max_tokens leaves no room above the minimum budget
  CHECK(body["tools"] == Json::parse(R"([{"name": "f", "input_schema": {}}])"));
  CHECK(body["tool_choice"] == Json{{"type", "auto"}, {"disable_parallel_tool_use", true}});
  CHECK(translated->info.request_model == "pinned");
  CHECK(translated->info.streaming);
  CHECK(translated->info.params == Json{{"max_tokens", 1024}});

  Json none = Json::parse(R"({"model": "m", "tool_choice": "none", "messages": []})");
  CHECK(AnthropicRequest(none, {})->body["tool_choice"] == Json{{"type", "none"}});

  // What the data plane sends: the same body, written message by message.
  auto text = AnthropicRequestText(request, std::nullopt, pinned);
  REQUIRE(text);
  CHECK(text->body == WriteJson(body));
  std::string none_body = WriteJson(AnthropicRequest(none, {})->body);
  CHECK(AnthropicRequestText(none, std::nullopt, {})->body == none_body);
  Json not_an_object = Json::array();
  CHECK_FALSE(AnthropicRequestText(not_an_object, std::nullopt, {}));
}

TEST_CASE("Messages requests map onto Completions with model-dependent rules") {
  Json request = Json::parse(R"({
    "model": "gpt-5.1-mini", "max_tokens": 10, "stream": true,
    "thinking": {"type": "adaptive"}, "output_config": {"effort": "low"},
    "tool_choice": {"type": "any", "disable_parallel_tool_use": true},
    "tools": [{"name": "f", "input_schema": {"type": "object"}}],
    "messages": [{"role": "user", "content": [
      {"type": "tool_result", "tool_use_id": "t1", "content": "done",
       "cache_control": {"type": "ephemeral"}},
      {"type": "text", "text": "next", "cache_control": {"type": "ephemeral"}}]}]})");
  auto translated = CompletionsRequest(request, {});
  REQUIRE(translated);
  const Json& body = translated->body;
  CHECK(body["reasoning_effort"] == "low");  // gpt-5.1 accepts reasoning with tools
  CHECK(body["stream_options"] == Json{{"include_usage", true}});
  CHECK(body["tool_choice"] == "required");
  CHECK(body["parallel_tool_calls"] == false);
  // Explicit cache breakpoints start at gpt-5.6; older models lose cache_control.
  CHECK(body["messages"] == Json::parse(R"([
    {"role": "tool", "content": "done", "tool_call_id": "t1"},
    {"role": "user", "content": [{"type": "text", "text": "next"}]}])"));

  request["model"] = "gpt-5.10";
  CHECK(CompletionsRequest(request, {})->body["messages"] == Json::parse(R"([
    {"role": "tool", "content": [
      {"type": "text", "text": "done", "prompt_cache_breakpoint": {"mode": "explicit"}}],
     "tool_call_id": "t1"},
    {"role": "user", "content": [
      {"type": "text", "text": "next", "prompt_cache_breakpoint": {"mode": "explicit"}}]}])"));
  request["model"] = "gpt-4.1";
  CHECK(CompletionsRequest(request, {})->body["reasoning_effort"] == "none");
}

TEST_CASE("Prompt enrichment surrounds a Completions conversation with plain messages") {
  Json request = Json::parse(R"({"messages": [{"role": "user", "content": "hi"}]})");
  EnrichCompletionsPrompt(request, {{{"system", "first"}}, {{"user", "last"}}});
  CHECK(request["messages"] == Json::parse(R"([
    {"role": "system", "content": "first"}, {"role": "user", "content": "hi"},
    {"role": "user", "content": "last"}])"));
}

TEST_CASE("A buffered OpenAI answer without choices cannot be translated") {
  auto translated = CompletionsResponse(R"({"id":"x","model":"m","choices":[]})");
  REQUIRE_FALSE(translated);
  CHECK(translated.error() == "incomplete response: no choices");
}

TEST_CASE("Detect reads usage from any known shape and nothing from other bodies") {
  ResponseInfo bedrock =
      DetectResponse(R"({"usage":{"inputTokens":4,"outputTokens":6,"totalTokens":10}})")->info;
  CHECK(bedrock.input_tokens == 4);
  CHECK(bedrock.total_tokens == 10);
  CHECK(ResponseInfoJson(DetectResponse("not json")->info) == Json::object());
}

}  // namespace
}  // namespace agw::emulator::llm
