// Bedrock behaviour the goldens do not pin: event stream framing, SigV4 against AWS's published
// vectors, errors, tool-name round trips, request context, and streaming byte by byte.

#include "emulator/llm/bedrock.h"

#include <catch2/catch.hpp>
#include <ctime>
#include <regex>

#include "emulator/llm/eventstream.h"
#include "emulator/llm/sigv4.h"
#include "tests/llm/fixtures.h"

namespace agw::emulator::llm {
namespace {

EventStreamMessage Event(std::string type, std::string payload) {
  return {{{":event-type", std::move(type)},
           {":content-type", "application/json"},
           {":message-type", "event"}},
          std::move(payload)};
}

std::string Encode(const EventStreamMessage& message) {
  return EncodeEventStreamMessage(message.headers, message.payload);
}

std::vector<EventStreamMessage> DecodeAll(std::string_view bytes, size_t piece,
                                          EventStreamDecoder& decoder) {
  std::vector<EventStreamMessage> messages;
  for (size_t at = 0; at < bytes.size(); at += piece) {
    decoder.Feed(bytes.substr(at, piece),
                 [&](const EventStreamMessage& message) { messages.push_back(message); });
  }
  return messages;
}

TEST_CASE("CRC32 is the IEEE checksum event streams use") {
  CHECK(Crc32("123456789") == 0xCBF43926u);
  CHECK(Crc32("6789", Crc32("12345")) == 0xCBF43926u);
}

TEST_CASE("event stream messages survive being cut at every byte") {
  std::string stream = Encode(Event("messageStart", R"({"role":"assistant"})")) +
                       Encode(Event("messageStop", R"({"stopReason":"end_turn"})"));
  for (size_t piece = 1; piece <= stream.size(); ++piece) {
    EventStreamDecoder decoder;
    std::vector<EventStreamMessage> messages = DecodeAll(stream, piece, decoder);
    REQUIRE(messages.size() == 2);
    CHECK(messages[0].Header(":event-type") == "messageStart");
    CHECK(messages[1].payload == R"({"stopReason":"end_turn"})");
    CHECK_FALSE(decoder.failed());
    CHECK(decoder.buffered() == 0);
  }
}

TEST_CASE("the encoder reproduces Bedrock's own framing") {
  std::string recorded = test::ReadUpstreamFixture("response/bedrock/tool.bin");
  EventStreamDecoder decoder;
  std::vector<EventStreamMessage> messages = DecodeAll(recorded, recorded.size(), decoder);
  REQUIRE(messages.size() == 12);
  std::string reencoded;
  for (const EventStreamMessage& message : messages) {
    reencoded += Encode(message);
  }
  CHECK(reencoded == recorded);
}

TEST_CASE("a corrupt event stream stops the decoder") {
  std::string good = Encode(Event("messageStart", "{}"));
  SECTION("prelude checksum") {
    std::string bad = good;
    bad[9] ^= 1;
    EventStreamDecoder decoder;
    CHECK(DecodeAll(bad + good, 5, decoder).empty());
    CHECK(decoder.error() == "event stream prelude checksum mismatch");
  }
  SECTION("message checksum") {
    std::string bad = good;
    bad[bad.size() - 6] ^= 1;  // a payload byte
    EventStreamDecoder decoder;
    CHECK(DecodeAll(bad + good, 5, decoder).empty());
    CHECK(decoder.error() == "event stream message checksum mismatch");
  }
  SECTION("the detect fixture whose bytes went through a lossy text conversion") {
    std::string broken = test::ReadUpstreamFixture("response/detect/bedrock-broken.bin");
    EventStreamDecoder decoder;
    CHECK(DecodeAll(broken, 7, decoder).empty());
    CHECK(decoder.failed());
  }
}

std::chrono::system_clock::time_point AwsExampleTime() {
  std::tm when{};
  when.tm_year = 2015 - 1900;
  when.tm_mon = 7;
  when.tm_mday = 30;
  when.tm_hour = 12;
  when.tm_min = 36;
  return std::chrono::system_clock::from_time_t(timegm(&when));
}

const AwsCredentials kExampleCredentials = {"AKIDEXAMPLE",
                                            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};

std::string Header(const SigV4Signature& signature, std::string_view name) {
  for (const auto& [key, value] : signature.headers) {
    if (key == name) {
      return value;
    }
  }
  return "";
}

// Vectors from AWS's Signature Version 4 test suite and the IAM example in its documentation.
TEST_CASE("SigV4 matches AWS's published signatures") {
  SECTION("get-vanilla") {
    SigV4Signature signed_request =
        SignV4({"GET", "example.amazonaws.com", "/", "", {}, ""}, kExampleCredentials, "us-east-1",
               "service", AwsExampleTime());
    CHECK(Header(signed_request, "authorization") ==
          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
          "SignedHeaders=host;x-amz-date, "
          "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    CHECK(Header(signed_request, "x-amz-date") == "20150830T123600Z");
  }
  SECTION("post-vanilla") {
    SigV4Signature signed_request =
        SignV4({"POST", "example.amazonaws.com", "/", "", {}, ""}, kExampleCredentials, "us-east-1",
               "service", AwsExampleTime());
    CHECK(signed_request.signature ==
          "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
  }
  SECTION("get-vanilla-query-order-key-case") {
    SigV4Signature signed_request =
        SignV4({"GET", "example.amazonaws.com", "/", "Param2=value2&Param1=value1", {}, ""},
               kExampleCredentials, "us-east-1", "service", AwsExampleTime());
    CHECK(signed_request.signature ==
          "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
  }
  SECTION("IAM ListUsers, with a signed content type") {
    SigV4Signature signed_request =
        SignV4({"GET",
                "iam.amazonaws.com",
                "/",
                "Action=ListUsers&Version=2010-05-08",
                {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
                ""},
               kExampleCredentials, "us-east-1", "iam", AwsExampleTime());
    CHECK(Sha256Hex(signed_request.canonical_request) ==
          "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
    CHECK(Header(signed_request, "authorization") ==
          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
          "SignedHeaders=content-type;host;x-amz-date, "
          "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  }
}

TEST_CASE("SigV4 signs a session token and Bedrock's model path") {
  AwsCredentials credentials = kExampleCredentials;
  credentials.session_token = "session-token";
  SigV4Signature signed_request =
      SignV4({"POST",
              "bedrock-runtime.us-west-2.amazonaws.com",
              "/model/anthropic.claude-3-5-sonnet-20241022-v2:0/converse",
              "",
              {{"content-type", "application/json"}},
              R"({"messages":[]})"},
             credentials, "us-west-2", "bedrock", AwsExampleTime());
  CHECK(Header(signed_request, "x-amz-security-token") == "session-token");
  CHECK_THAT(Header(signed_request, "authorization"),
             Catch::Contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token"));
  // Services other than S3 sign the path encoded once more than it is sent.
  CHECK_THAT(
      signed_request.canonical_request,
      Catch::StartsWith("POST\n/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse\n"));
  CHECK_THAT(signed_request.canonical_request, Catch::EndsWith(Sha256Hex(R"({"messages":[]})")));
}

TEST_CASE("Bedrock errors take each client's error shape") {
  std::string upstream = R"({"message":"The provided model identifier is invalid."})";
  CHECK(Json::parse(BedrockError(InputFormat::kCompletions, 400, upstream)) ==
        Json::parse(R"({"event_id":null,"error":{"type":"invalid_request_error",
                    "message":"The provided model identifier is invalid."}})"));
  CHECK(Json::parse(BedrockError(InputFormat::kResponses, 400, upstream)) ==
        Json::parse(BedrockError(InputFormat::kCompletions, 400, upstream)));
  // The empty top-level type is agentgateway's, reproduced on purpose.
  CHECK(Json::parse(BedrockError(InputFormat::kMessages, 400, upstream)) ==
        Json::parse(R"({"type":"","error":{"type":"invalid_request_error",
                    "message":"The provided model identifier is invalid."}})"));
  CHECK(Json::parse(BedrockError(InputFormat::kEmbeddings, 503,
                                 "upstream busy"))["error"]["message"] == "upstream busy");
}

TEST_CASE("tool names Converse would reject are renamed and restored") {
  Json request = Json::parse(R"({
    "model": "m",
    "messages": [{"role": "user", "content": "hi"}],
    "tools": [{"type": "function", "function": {"name": "weather.get", "parameters": {}}},
              {"type": "function", "function": {"name": "weather_get", "parameters": {}}}]
  })");
  auto translated = CompletionsToBedrockRequest(request, {});
  REQUIRE(translated);
  const Json& tools = translated->body["toolConfig"]["tools"];
  std::string renamed = tools[0]["toolSpec"]["name"];
  CHECK(renamed == "weather_get");
  // The second tool already had that name, so it gets a distinct one.
  std::string second = tools[1]["toolSpec"]["name"];
  CHECK(second != renamed);
  CHECK(std::regex_match(second, std::regex("[A-Za-z0-9_-]{1,64}")));

  BedrockToolNames names = BedrockToolNamesFor(request, InputFormat::kCompletions);
  Json upstream = {
      {"output",
       {{"message",
         {{"role", "assistant"},
          {"content",
           Json::array(
               {{{"toolUse",
                  {{"toolUseId", "t1"}, {"name", renamed}, {"input", Json::object()}}}}})}}}}},
      {"stopReason", "tool_use"}};
  auto response = BedrockToCompletionsResponse(upstream.dump(), "m", SystemStamper(), names);
  REQUIRE(response);
  CHECK(response->body["choices"][0]["message"]["tool_calls"][0]["function"]["name"] ==
        "weather.get");
  auto unrenamed = BedrockToCompletionsResponse(
      upstream.dump().replace(upstream.dump().find(renamed), renamed.size(), second), "m",
      SystemStamper(), names);
  REQUIRE(unrenamed);
  CHECK(unrenamed->body["choices"][0]["message"]["tool_calls"][0]["function"]["name"] ==
        "weather_get");
}

TEST_CASE("Bedrock request context: guardrail, metadata header, anthropic-beta") {
  Json request = Json::parse(R"({"model": "m", "max_tokens": 10,
                                 "messages": [{"role": "user", "content": "hi"}]})");
  BedrockRequestContext context;
  context.guardrail_identifier = "gr-1";
  context.guardrail_version = "2";
  context.metadata_header = R"({"tenant":"acme","tier":3,"beta":true,"nested":{"x":1}})";
  context.anthropic_beta = "interleaved-thinking-2025-05-14, not-a-bedrock-beta";
  auto translated = MessagesToBedrockRequest(request, {}, context);
  REQUIRE(translated);
  CHECK(translated->body["guardrailConfig"] ==
        Json::parse(R"({"guardrailIdentifier":"gr-1","guardrailVersion":"2","trace":"enabled"})"));
  CHECK(translated->body["requestMetadata"] ==
        Json::parse(R"({"tenant":"acme","tier":"3","beta":"true"})"));
  CHECK(translated->body["additionalModelRequestFields"]["anthropic_beta"] ==
        Json::parse(R"(["interleaved-thinking-2025-05-14"])"));
}

TEST_CASE("remote image URLs cannot be sent to Converse") {
  Json request = Json::parse(R"({"model": "m", "messages": [{"role": "user", "content": [
    {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]}]})");
  auto translated = CompletionsToBedrockRequest(request, {});
  REQUIRE_FALSE(translated);
  CHECK_THAT(translated.error(), Catch::StartsWith("unsupported conversion: bedrock image inputs"));
}

TEST_CASE("Bedrock requests Converse cannot carry fail with the whole message") {
  const std::string kUnsupported = "unsupported conversion: bedrock ";
  auto completions = [](const char* content) {
    return std::string(R"({"model":"m","messages":[{"role":"user","content":[)") + content + "]}]}";
  };
  auto responses = [](const char* role, const char* content) {
    return std::string(R"({"model":"m","input":[{"role":")") + role + R"(","content":[)" + content +
           "]}]}";
  };
  struct Named {
    std::string body;
    Translated<RequestTranslation> (*translate)(const Json&, const ProviderOptions&,
                                                const BedrockRequestContext&);
    std::string error;
  };
  const std::vector<Named> cases = {
      {R"({"model":"m"})", CompletionsToBedrockRequest, "missing field: messages"},
      {R"({"model":"m","max_tokens":5})", MessagesToBedrockRequest, "missing field: messages"},
      {completions(R"({"type":"image_url","image_url":{"url":"https://x/cat.png"}})"),
       CompletionsToBedrockRequest,
       kUnsupported +
           "image inputs must be base64 data URLs; remote URLs and file_ids are unsupported"},
      {completions(R"({"type":"image_url","image_url":{"url":"data:image/png,abc"}})"),
       CompletionsToBedrockRequest, kUnsupported + "image data URLs must be base64-encoded"},
      {completions(R"({"type":"image_url","image_url":{"url":"data:text/plain;base64,YQ=="}})"),
       CompletionsToBedrockRequest,
       kUnsupported + "image inputs must use a non-empty image/* media type"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[
          {"type":"image","source":{"type":"url","url":"https://x/cat.png"}}]}]})",
       MessagesToBedrockRequest,
       kUnsupported +
           "image source must be base64 (media_type + data); URL image sources are unsupported"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[
          {"type":"image","source":{"type":"base64","media_type":"image/","data":"YQ=="}}]}]})",
       MessagesToBedrockRequest,
       kUnsupported + "image inputs must use a non-empty image/* media type"},
      {responses("assistant", R"({"type":"input_image","image_url":"data:image/png;base64,YQ=="})"),
       ResponsesToBedrockRequest,
       kUnsupported + "image inputs are only supported on user messages"},
      {responses("assistant", R"({"type":"input_file","file_data":"YQ==","filename":"a.pdf"})"),
       ResponsesToBedrockRequest,
       kUnsupported + "document inputs are only supported on user messages"},
      {responses("system", R"({"type":"input_image","image_url":"data:image/png;base64,YQ=="})"),
       ResponsesToBedrockRequest,
       kUnsupported + "image inputs are only supported on user messages"},
      {responses("developer", R"({"type":"input_file","file_data":"YQ==","filename":"a.pdf"})"),
       ResponsesToBedrockRequest,
       kUnsupported + "document inputs are only supported on user messages"},
      {responses("user", R"({"type":"input_image","image_url":"https://x/cat.png"})"),
       ResponsesToBedrockRequest,
       kUnsupported +
           "image inputs must be base64 data URLs; remote URLs and file_ids are unsupported"},
      {responses("user", R"({"type":"input_file","file_url":"https://x/a.pdf"})"),
       ResponsesToBedrockRequest,
       kUnsupported + "file inputs must be base64 data URLs; remote URLs are unsupported"},
      {responses("user", R"({"type":"input_file","file_id":"file-1"})"), ResponsesToBedrockRequest,
       kUnsupported +
           "file inputs must supply file_data or a base64 data URL in file_url; file_id is "
           "unsupported"},
      {responses("user", R"({"type":"input_file","file_data":"data:application/pdf,YQ=="})"),
       ResponsesToBedrockRequest, kUnsupported + "file data URLs must be base64-encoded"},
      {responses("user", R"({"type":"input_file","file_data":"YQ==","filename":"a.bin"})"),
       ResponsesToBedrockRequest,
       kUnsupported +
           "document format could not be determined; provide a filename with a supported "
           "extension (pdf, csv, doc, docx, xls, xlsx, html, txt, md)"},
  };
  for (const Named& c : cases) {
    INFO(c.body);
    Translated<RequestTranslation> translated = c.translate(Json::parse(c.body), {}, {});
    REQUIRE_FALSE(translated);
    CHECK(translated.error() == c.error);
  }

  // A tool result image Converse cannot take is left out instead.
  auto tool_result = MessagesToBedrockRequest(
      Json::parse(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[
          {"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"ok"},
           {"type":"image","source":{"type":"url","url":"https://x/cat.png"}}]}]}]})"),
      {});
  REQUIRE(tool_result);
  CHECK(tool_result->body["messages"][0]["content"][0]["toolResult"]["content"] ==
        Json::parse(R"([{"text":"ok"}])"));

  ProviderOptions titan{"amazon.titan-embed-text-v2:0", "us-west-2", ""};
  ProviderOptions nova{"amazon.nova-2-multimodal-embeddings-v1:0", "us-west-2", ""};
  auto embeddings_error = [](const char* body, const ProviderOptions& options) {
    auto translated = EmbeddingsToBedrockRequest(Json::parse(body), options);
    return translated ? std::string("(translated)") : translated.error();
  };
  CHECK(embeddings_error(R"({"input":["a","b"]})", titan) ==
        "failed to parse request: Titan requires a single string input");
  CHECK(embeddings_error(R"({"input":["a","b"]})", nova) ==
        "failed to parse request: Nova requires a single string input");
  // nlohmann's own exceptions become errors at the translation's adapter.
  CHECK(embeddings_error(R"({"model":"m"})", titan) ==
        "failed to parse request: [json.exception.out_of_range.403] key 'input' not found");

  auto rerank = RerankToBedrockRequest(Json::parse(R"({"query":"q","documents":[]})"),
                                       {"cohere.rerank-v3-5:0", "us-west-2", ""});
  REQUIRE_FALSE(rerank);
  CHECK(rerank.error() == "missing field: rerank documents");
  auto cohere = RerankToCohereRequest(Json::parse(R"({"query":1,"documents":[]})"), {});
  REQUIRE_FALSE(cohere);
  CHECK(cohere.error() == "failed to parse request: rerank needs a query and documents");
}

// Blanks what differs between two runs: generated ids and timestamps.
std::string Stable(const std::string& sse) {
  static const std::regex kVolatile(
      R"re("(id|item_id|call_id|created|created_at)":("[^"]*"|\d+))re");
  return std::regex_replace(sse, kVolatile, R"("$1":0)");
}

TEST_CASE("ConverseStream translates the same whether bytes come one by one or at once") {
  for (const char* fixture : {"basic.bin", "tool.bin", "reasoning.bin"}) {
    std::string upstream = test::ReadUpstreamFixture(std::string("response/bedrock/") + fixture);
    auto make = [](int kind) -> std::unique_ptr<StreamTranslator> {
      if (kind == 0) {
        return MakeBedrockToCompletionsStreamTranslator("m", "id", SystemStamper());
      }
      if (kind == 1) {
        return MakeBedrockToMessagesStreamTranslator("m", SystemStamper());
      }
      return MakeBedrockToResponsesStreamTranslator("m", SystemStamper());
    };
    for (int kind = 0; kind < 3; ++kind) {
      auto whole = make(kind);
      std::string at_once;
      whole->Feed(upstream, at_once);
      whole->Finish(at_once);

      auto bytewise = make(kind);
      std::string one_by_one;
      for (char c : upstream) {
        std::string out;
        bytewise->Feed(std::string_view(&c, 1), out);
        one_by_one += out;
      }
      bytewise->Finish(one_by_one);
      CHECK(Stable(one_by_one) == Stable(at_once));
      CHECK(ResponseInfoJson(bytewise->info()) == ResponseInfoJson(whole->info()));
    }
  }
}

TEST_CASE("nothing is sent before an event is complete, and each event as soon as it is") {
  std::string start = Encode(Event("messageStart", R"({"role":"assistant"})"));
  auto translator = MakeBedrockToCompletionsStreamTranslator("m", "id", SystemStamper());
  std::string out;
  translator->Feed(std::string_view(start).substr(0, start.size() - 1), out);
  CHECK(out.empty());
  translator->Feed(std::string_view(start).substr(start.size() - 1), out);
  CHECK_THAT(out, Catch::StartsWith("data: {\"id\":\"id\""));
  CHECK_THAT(out, Catch::Contains("\"role\":\"assistant\""));
}

TEST_CASE("AWS exceptions in a stream become error events for Messages and Responses clients") {
  EventStreamMessage exception = {{{":exception-type", "throttlingException"},
                                   {":content-type", "application/json"},
                                   {":message-type", "exception"}},
                                  R"({"message":"Too many requests"})"};
  std::string bytes = Encode(exception);
  auto messages = MakeBedrockToMessagesStreamTranslator("m", SystemStamper());
  std::string out;
  messages->Feed(bytes, out);
  CHECK_THAT(out, Catch::StartsWith("event: error\ndata: "));
  auto completions = MakeBedrockToCompletionsStreamTranslator("m", "id", SystemStamper());
  std::string completions_out;
  completions->Feed(bytes, completions_out);
  CHECK(completions_out.empty());
}

TEST_CASE("a broken ConverseStream ends without [DONE]") {
  std::string bad = Encode(Event("messageStart", "{}"));
  bad[9] ^= 1;
  auto translator = MakeBedrockToCompletionsStreamTranslator("m", "id", SystemStamper());
  std::string out;
  translator->Feed(bad, out);
  translator->Finish(out);
  CHECK(out.empty());
}

TEST_CASE("upstream bodies of the wrong shape fail the translation instead of throwing") {
  for (const char* body : {"not json", "[]", R"({"output":{}})",
                           R"({"output":{"message":{"content":[{"text":7}]}},"stopReason":1})"}) {
    CHECK_FALSE(BedrockToCompletionsResponse(body, "m", SystemStamper()));
    CHECK_FALSE(BedrockToMessagesResponse(body, "m", SystemStamper()));
    CHECK_FALSE(BedrockToResponsesResponse(body, "m", SystemStamper()));
  }
  CHECK_FALSE(BedrockEmbeddingsResponse(R"({"embeddings":{"int8":[[1]]}})", "cohere.embed-v4"));
  CHECK_FALSE(BedrockRerankResponse(R"({"results":[7]})"));
  CHECK_FALSE(CompletionsToBedrockRequest(Json::parse(R"({"model":"m"})"), {}));

  auto translator = MakeBedrockToMessagesStreamTranslator("m", SystemStamper());
  std::string out;
  translator->Feed(
      Encode(Event("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":7}})")), out);
  CHECK_THAT(out, Catch::Contains("event: error\n"));
}

}  // namespace
}  // namespace agw::emulator::llm
