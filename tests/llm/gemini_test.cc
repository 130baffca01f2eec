// Gemini and Vertex behaviour the goldens do not reach: errors, rejected content, stream
// slicing, call ordering, thought signatures, schema normalisation, and rerank details.

#include "emulator/llm/gemini.h"

#include <catch2/catch.hpp>

#include "emulator/llm/sse.h"
#include "emulator/llm/vertex.h"
#include "tests/llm/fixtures.h"

namespace agw::emulator::llm {
namespace {

// Key order is not significant on the wire.
bool SameJson(const Json& a, const Json& b) {
  return nlohmann::json::parse(a.dump()) == nlohmann::json::parse(b.dump());
}

Json Completions(Json messages) { return Json{{"model", "m"}, {"messages", std::move(messages)}}; }

Json UpstreamBody(const Json& client_body, ProviderOptions options = {}) {
  Translated<RequestTranslation> translated = GeminiRequest(client_body, options);
  REQUIRE(translated);
  return translated->body;
}

std::vector<Json> DataEvents(const std::string& sse) {
  std::vector<Json> events;
  SseParser parser;
  auto sink = [&](const SseEvent& event) {
    events.push_back(event.data == "[DONE]" ? Json("[DONE]") : Json::parse(event.data));
  };
  parser.Feed(sse, sink);
  parser.Finish(sink);
  return events;
}

TEST_CASE("Google errors become OpenAI errors for Completions clients") {
  std::string google =
      R"({"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}})";
  CHECK(Json::parse(GeminiError(429, google)) ==
        Json::parse(R"({"event_id":null,"error":{"type":"rate_limit_error",
                        "message":"Quota exceeded","code":"RESOURCE_EXHAUSTED"}})"));
  // Vertex sometimes wraps the error in a one-element array.
  std::string wrapped =
      R"([{"error":{"code":404,"message":"no such model","status":"NOT_FOUND"}}])";
  CHECK(Json::parse(GeminiError(404, wrapped))["error"]["type"] == "not_found_error");
  CHECK(Json::parse(GeminiError(
            403, R"({"error":{"message":"x","status":"PERMISSION_DENIED"}})"))["error"]["type"] ==
        "authentication_error");
  CHECK(Json::parse(GeminiError(500, R"({"error":{"message":"boom"}})")) ==
        Json::parse(R"({"event_id":null,"error":{"type":"api_error","message":"boom"}})"));
  CHECK(GeminiError(502, "upstream connect error") == "upstream connect error");
  CHECK(VertexRerankError(400, R"({"error":{"message":"bad","status":"INVALID_ARGUMENT"}})") ==
        R"({"event_id":null,"error":{"type":"invalid_request_error","message":"bad",)"
        R"("code":"INVALID_ARGUMENT"}})");
}

TEST_CASE("Images Gemini cannot fetch are refused, with the reason") {
  auto image = [](Json image_url) {
    return Completions(Json::array(
        {{{"role", "user"},
          {"content", Json::array({{{"type", "image_url"}, {"image_url", image_url}}})}}}));
  };
  Translated<RequestTranslation> http =
      GeminiRequest(image({{"url", "https://example.com/cat.png"}}), {});
  REQUIRE_FALSE(http);
  CHECK(http.error() ==
        "native Gemini path rejects http(s) image_url (https://example.com/cat.png); upload to "
        "gs:// or send inline data:");

  REQUIRE_FALSE(GeminiRequest(image({{"url", "gs://bucket/object"}}), {}));
  Json hinted = UpstreamBody(image({{"url", "gs://bucket/object"}, {"format", "jpg"}}));
  CHECK(hinted["contents"][0]["parts"][0] ==
        Json::parse(R"({"fileData":{"mimeType":"image/jpeg","fileUri":"gs://bucket/object"}})"));
  // An image alone is not a valid user turn; Gemini needs a text part next to it.
  CHECK(hinted["contents"][0]["parts"][1] == Json{{"text", " "}});

  Translated<RequestTranslation> file_id = GeminiRequest(
      Completions(Json::array(
          {{{"role", "user"},
            {"content", Json::array({{{"type", "file"}, {"file", {{"file_id", "file-1"}}}}})}}})),
      {});
  REQUIRE_FALSE(file_id);
  CHECK(file_id.error().find("cannot resolve OpenAI file_id (file-1)") != std::string::npos);
}

TEST_CASE("An empty conversation still sends Gemini one user turn") {
  Json body = UpstreamBody(Completions(Json::array({{{"role", "system"}, {"content", "be"}}})));
  CHECK(body["contents"] == Json::parse(R"([{"role":"user","parts":[{"text":" "}]}])"));
  CHECK(body["systemInstruction"] == Json::parse(R"({"parts":[{"text":"be"}]})"));
}

TEST_CASE("Function responses follow the order of the calls they answer") {
  Json body = UpstreamBody(Completions(Json::parse(R"([
    {"role":"user","content":"weather?"},
    {"role":"assistant","content":null,"tool_calls":[
      {"id":"a","type":"function","function":{"name":"first","arguments":"{}"}},
      {"id":"b","type":"function","function":{"name":"second","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"b","content":"B"},
    {"role":"tool","tool_call_id":"a","content":"A"},
    {"role":"user","content":"thanks"}])")));
  REQUIRE(body["contents"].size() == 4);
  const Json& responses = body["contents"][2];
  CHECK(responses["role"] == "user");
  CHECK(responses["parts"][0]["functionResponse"] ==
        Json::parse(R"({"name":"first","response":{"content":"A"}})"));
  CHECK(responses["parts"][1]["functionResponse"]["name"] == "second");
  // Function responses keep their own entry; the next user text does not join it.
  CHECK(body["contents"][3] == Json::parse(R"({"role":"user","parts":[{"text":"thanks"}]})"));
}

TEST_CASE("Thought signatures ride in tool call ids both ways") {
  Json body = UpstreamBody(Completions(Json::parse(R"([
    {"role":"assistant","tool_calls":[
      {"id":"call_1__thought__c2ln","type":"function",
       "function":{"name":"f","arguments":"{\"x\":1}"}}]},
    {"role":"tool","tool_call_id":"call_1__thought__c2ln","content":"ok"}])")));
  CHECK(body["contents"][0]["parts"][0] ==
        Json::parse(R"({"functionCall":{"name":"f","args":{"x":1}},"thoughtSignature":"c2ln"})"));
  CHECK(body["contents"][1]["parts"][0]["functionResponse"]["name"] == "f");

  Translated<ResponseTranslation> response = GeminiResponse(R"({"responseId":"r1",
    "candidates":[{"content":{"parts":[
      {"functionCall":{"name":"f","args":{}},"thoughtSignature":"c2ln"},
      {"functionCall":{"name":"g","args":{"y":2}}}]},"finishReason":"STOP"}]})",
                                                            SystemStamper());
  REQUIRE(response);
  const Json& calls = response->body["choices"][0]["message"]["tool_calls"];
  CHECK(calls[0]["id"] == "call_r1_0__thought__c2ln");
  CHECK(calls[1]["id"] == "call_r1_1");
  CHECK(calls[1]["function"]["arguments"] == R"({"y":2})");
  CHECK(response->body["choices"][0]["finish_reason"] == "tool_calls");
  CHECK_FALSE(response->body["choices"][0]["message"].contains("content"));
}

TEST_CASE("Generation settings: cached content, Gemini 3 thinking levels, finish reasons") {
  Json client = Completions(Json::array(
      {{{"role", "system"}, {"content", "sys"}}, {{"role", "user"}, {"content", "hi"}}}));
  client["cachedContent"] = "projects/p/cachedContents/1";
  client["tools"] = Json::parse(R"([{"type":"function","function":{"name":"f"}}])");
  client["reasoning_effort"] = "xhigh";
  ProviderOptions gemini3;
  gemini3.model = "gemini-3-pro-preview";
  Json body = UpstreamBody(client, gemini3);
  // The cache already holds the system instruction and tools.
  CHECK_FALSE(body.contains("systemInstruction"));
  CHECK_FALSE(body.contains("tools"));
  CHECK(body["cachedContent"] == "projects/p/cachedContents/1");
  CHECK(body["generationConfig"]["thinkingConfig"] ==
        Json::parse(R"({"thinkingLevel":"high","includeThoughts":true})"));

  Translated<ResponseTranslation> truncated = GeminiResponse(
      R"({"candidates":[{"content":{"parts":[{"text":"par"}]},"finishReason":"MAX_TOKENS"},
                        {"content":{"parts":[{"text":"no"}]},"finishReason":"SAFETY"}],
          "usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":2,
                           "cachedContentTokenCount":1}})",
      SystemStamper());
  REQUIRE(truncated);
  CHECK(truncated->body["choices"][0]["finish_reason"] == "length");
  CHECK(truncated->body["choices"][1]["finish_reason"] == "content_filter");
  CHECK(truncated->body["usage"] ==
        Json::parse(R"({"prompt_tokens":3,"completion_tokens":2,"total_tokens":5,
                        "prompt_tokens_details":{"cached_tokens":1}})"));
  CHECK(truncated->body["id"].get<std::string>().rfind("vertex-gemini-", 0) == 0);
  CHECK(truncated->info.cached_input_tokens == 1);
}

TEST_CASE("Schemas are cut down to what Gemini accepts") {
  Json client = Completions(Json::array({{{"role", "user"}, {"content", "hi"}}}));
  client["response_format"] = Json::parse(R"({"type":"json_schema","json_schema":{"schema":{
    "type":"object","additionalProperties":false,
    "properties":{
      "maybe":{"anyOf":[{"type":"string","format":"email"},{"type":"null"}]},
      "kind":{"const":"fixed"},
      "count":{"type":["integer","null"],"enum":[1,2]},
      "list":{"type":"array"},
      "merged":{"allOf":[{"properties":{"a":{"type":"string"}},"required":["a"]},
                         {"properties":{"b":{"type":"number"}},"required":["b"]}]}}}}})");
  Json schema = UpstreamBody(client)["generationConfig"]["responseSchema"];
  CHECK(SameJson(schema, Json::parse(R"({"type":"object","properties":{
    "maybe":{"type":"string","nullable":true},
    "kind":{"type":"string","enum":["fixed"]},
    "count":{"type":"integer","nullable":true},
    "list":{"type":"array","items":{"type":"object"}},
    "merged":{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"number"}},
              "required":["a","b"]}}})")));
}

constexpr std::string_view kTextStream =
    "data: {\"responseId\":\"r\",\"modelVersion\":\"gemini-2.5-flash\",\"candidates\":[{"
    "\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Hel\"}]}}],"
    "\"usageMetadata\":{\"promptTokenCount\":4,\"candidatesTokenCount\":1}}\r\n\r\n"
    "data: {\"responseId\":\"r\",\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":["
    "{\"text\":\"hmm\",\"thought\":true},{\"text\":\"lo\"}]},\"finishReason\":\"STOP\"}],"
    "\"usageMetadata\":{\"promptTokenCount\":4,\"candidatesTokenCount\":2,"
    "\"thoughtsTokenCount\":3,\"totalTokenCount\":9}}\r\n\r\n";

TEST_CASE("Gemini streams translate the same however the bytes are cut") {
  auto whole = MakeGeminiStreamTranslator("fallback", SystemStamper());
  std::string expected = test::FeedInSlices(*whole, kTextStream, kTextStream.size());
  for (size_t slice = 1; slice < 40; ++slice) {
    auto translator = MakeGeminiStreamTranslator("fallback", SystemStamper());
    std::string out = test::FeedInSlices(*translator, kTextStream, slice);
    // `created` is the translator's clock; compare everything else.
    std::vector<Json> got = DataEvents(out);
    std::vector<Json> want = DataEvents(expected);
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i + 1 < got.size(); ++i) {
      got[i].erase("created");
      want[i].erase("created");
      CHECK(got[i] == want[i]);
    }
  }
  std::vector<Json> events = DataEvents(expected);
  REQUIRE(events.size() == 3);
  CHECK(events[0]["choices"][0]["delta"] == Json::parse(R"({"content":"Hel","role":"assistant"})"));
  CHECK(events[0]["usage"].is_null());  // interim usage is held back
  CHECK(events[1]["choices"][0]["delta"] ==
        Json::parse(R"({"content":"lo","reasoning_content":"hmm"})"));
  CHECK(events[1]["choices"][0]["finish_reason"] == "stop");
  CHECK(events[1]["model"] == "gemini-2.5-flash");
  CHECK(events[1]["usage"] ==
        Json::parse(R"({"prompt_tokens":4,"completion_tokens":5,"total_tokens":9,
                        "completion_tokens_details":{"reasoning_tokens":3}})"));
  CHECK(events[2] == "[DONE]");
  CHECK(ResponseInfoJson(whole->info()) ==
        Json::parse(R"({"input_tokens":4,"output_tokens":5,"total_tokens":9,
                        "reasoning_tokens":3,"provider_model":"gemini-2.5-flash",
                        "completion":["Hello"]})"));
}

TEST_CASE("A stream blocked at the prompt ends with content_filter") {
  auto translator = MakeGeminiStreamTranslator("gemini-2.5-pro", SystemStamper());
  std::string out = test::FeedInSlices(
      *translator, "data: {\"promptFeedback\":{\"blockReason\":\"SAFETY\"}}\n\n", 3);
  std::vector<Json> events = DataEvents(out);
  REQUIRE(events.size() == 2);
  CHECK(events[0]["choices"][0]["finish_reason"] == "content_filter");
  CHECK(events[0]["model"] == "gemini-2.5-pro");
  CHECK(events[0]["id"].get<std::string>().rfind("vertex-gemini-", 0) == 0);
}

TEST_CASE("Native Gemini streams pass through byte for byte while usage is read") {
  auto translator = MakeGeminiNativeStreamTranslator();
  std::string out = test::FeedInSlices(*translator, kTextStream, 5);
  CHECK(out == kTextStream);
  CHECK(ResponseInfoJson(translator->info()) ==
        Json::parse(R"({"input_tokens":4,"output_tokens":5,"total_tokens":9,
                        "reasoning_tokens":3,"provider_model":"gemini-2.5-flash",
                        "completion":["Hello"]})"));
}

TEST_CASE("Native requests lose the body model and keep everything else") {
  Json client = Json::parse(R"({"model":"gemini-2.5-pro","contents":[],"x":{"y":1}})");
  Translated<RequestTranslation> translated = GeminiNativeRequest(client, {});
  REQUIRE(translated);
  CHECK(translated->body == Json::parse(R"({"contents":[],"x":{"y":1}})"));
  CHECK(translated->info.request_model == "gemini-2.5-pro");
}

TEST_CASE("Vertex rerank results carry documents when Vertex returns them") {
  Translated<ResponseTranslation> translated =
      VertexRerankResponse(R"({"records":[{"id":"1","score":0.5,"content":"doc one"}]})");
  REQUIRE(translated);
  CHECK(translated->body == Json::parse(R"({"results":[
    {"index":1,"relevance_score":0.5,"document":{"text":"doc one"}}]})"));
  CHECK_FALSE(VertexRerankResponse(R"({"records":[{"id":"doc-a"}]})"));

  Translated<RequestTranslation> request = VertexRerankRequest(
      Json::parse(R"({"model":"m","query":"q","documents":["a"],"return_documents":true})"), {});
  REQUIRE(request);
  CHECK(request->body["ignoreRecordDetailsInResponse"] == false);
}

TEST_CASE("Vertex embeddings take strings only") {
  CHECK_FALSE(VertexEmbeddingsRequest(Json::parse(R"({"model":"m","input":[1,2]})"), {}));
  CHECK_FALSE(VertexEmbeddingsRequest(Json::parse(R"({"model":"m","input":[]})"), {}));
}

}  // namespace
}  // namespace agw::emulator::llm
