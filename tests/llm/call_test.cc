// PlanCall: what the data plane sends for one LLM request (llm-dataplane.md 2-4, 12).

#include "emulator/llm/call.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "emulator/llm/anthropic.h"
#include "emulator/llm/json_codec.h"
#include "emulator/llm/mock.h"
#include "emulator/llm/prompt.h"
#include "emulator/llm/translate.h"
#include "tests/support/paths.h"

namespace agw::emulator::llm {
namespace {

validate::model::LLMProvider Provider(std::string kind,
                                      std::optional<std::string> model = std::nullopt) {
  validate::model::LLMProvider provider;
  provider.kind = std::move(kind);
  provider.model = std::move(model);
  return provider;
}

ClientRequest Chat(std::string path, std::string body) {
  ClientRequest request;
  request.path = std::move(path);
  request.headers = {{"content-type", "application/json"}, {"authorization", "Bearer client-key"}};
  request.body = std::move(body);
  return request;
}

std::optional<std::string> Header(const LlmCall& call, std::string_view name) {
  return emulator::http::GetHeader(call.headers, name);
}

constexpr char kHi[] = R"({"model":"anything","messages":[{"role":"user","content":"hi"}]})";

TEST_CASE("The tutorial flow: /openai to OpenAI with a Secret key (12.1)") {
  validate::model::LLMProvider provider = Provider("openai", "gpt-4o-mini");
  ProviderSetup setup{&provider, nullptr, "sk-abc"};
  LlmCall call = PlanCall(setup, Chat("/openai", kHi));
  REQUIRE_FALSE(call.local);
  CHECK(call.target.Url() == "https://api.openai.com/v1/chat/completions");
  CHECK(call.authority == "api.openai.com");
  CHECK(Header(call, "authorization") == "Bearer sk-abc");  // the client's is replaced
  Json body = Json::parse(call.body);
  CHECK(body["model"] == "gpt-4o-mini");
  CHECK(call.info.request_model == "gpt-4o-mini");
  CHECK(call.info.provider == "openai");
}

TEST_CASE(
    "Streaming OpenAI requests get include_usage; gpt- max_tokens becomes max_completion_tokens") {
  validate::model::LLMProvider provider = Provider("openai", "gpt-4o-mini");
  LlmCall call = PlanCall(
      {&provider},
      Chat(
          "/v1/chat/completions",
          R"({"model":"x","stream":true,"max_tokens":5,"messages":[{"role":"user","content":"hi"}]})"));
  Json body = Json::parse(call.body);
  CHECK(body["stream_options"]["include_usage"] == true);
  CHECK(body["max_completion_tokens"] == 5);
  CHECK_FALSE(body.contains("max_tokens"));
  CHECK(call.streaming);
  CHECK(Header(call, "authorization") == "Bearer client-key");  // no backend auth: passed through
}

TEST_CASE("Anthropic: translated body, x-api-key and anthropic-version (12.2)") {
  validate::model::LLMProvider provider = Provider("anthropic", "claude-sonnet-4-5");
  ClientRequest request = Chat("/anthropic", kHi);
  request.headers.emplace_back("origin", "https://example.com");
  LlmCall call = PlanCall({&provider, nullptr, "sk-ant-key"}, std::move(request));
  CHECK(call.target.Url() == "https://api.anthropic.com/v1/messages");
  CHECK(call.wire == WireFormat::kAnthropicMessages);
  CHECK_FALSE(Header(call, "authorization"));
  CHECK(Header(call, "x-api-key") == "sk-ant-key");
  CHECK(Header(call, "anthropic-version") == "2023-06-01");
  CHECK_FALSE(Header(call, "origin"));  // browser CORS headers are stripped for Anthropic
  CHECK(
      Json::parse(call.body) ==
      Json::parse(
          R"({"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}],"model":"claude-sonnet-4-5","max_tokens":4096})"));
}

TEST_CASE("A host override keeps the client path and is plain HTTP without a TLS policy (12.3)") {
  validate::model::LLMProvider provider = Provider("anthropic", "claude-sonnet-4-5");
  provider.host = "mock.default.svc";
  provider.port = 9234;
  LlmCall call = PlanCall({&provider}, Chat("/openai", kHi));
  CHECK(call.target.Url() == "http://mock.default.svc:9234/openai");
  CHECK(call.authority == "mock.default.svc");
  provider.path_prefix = "/v1";
  CHECK(PlanCall({&provider}, Chat("/openai", kHi)).target.Url() ==
        "http://mock.default.svc:9234/v1/messages");
  provider.path_prefix.reset();
  provider.path = "/x";
  CHECK(PlanCall({&provider}, Chat("/openai", kHi)).target.path == "/x");
}

TEST_CASE(
    "The routes map picks the route type by longest suffix, '*' last, Completions by default") {
  std::vector<std::pair<std::string, std::string>> routes = {
      {"*", "Passthrough"},
      {"/v1/messages", "Messages"},
      {"/v1/messages/count_tokens", "AnthropicTokenCount"},
      {"/v1/models", "Models"}};
  CHECK(ResolveRouteType(routes, "/v1/messages") == RouteType::kMessages);
  CHECK(ResolveRouteType(routes, "/x/v1/messages/count_tokens") == RouteType::kAnthropicTokenCount);
  CHECK(ResolveRouteType(routes, "/other") == RouteType::kPassthrough);
  CHECK(ResolveRouteType({}, "/v1/messages") == RouteType::kCompletions);

  validate::model::LLMProvider provider = Provider("openai");
  validate::model::BackendAI ai;
  ai.routes = routes;
  LlmCall models = PlanCall({&provider, &ai}, Chat("/v1/models", ""));
  REQUIRE(models.local);
  CHECK(models.local->status == 501);
  CHECK(models.local->body == R"({"error":"Route 'Models' not implemented"})");
  LlmCall passthrough = PlanCall({&provider, &ai}, Chat("/v1/files", "raw bytes"));
  REQUIRE_FALSE(passthrough.local);
  CHECK(passthrough.body == "raw bytes");
  CHECK(passthrough.target.Url() == "https://api.openai.com/v1/files");
}

TEST_CASE("Model: provider model wins, policy overrides beat it, aliases run last; none is 400") {
  validate::model::LLMProvider provider = Provider("openai", "gpt-4o-mini");
  validate::model::BackendAI ai;
  ai.model_aliases = {{"fast", "gpt-4o-mini"}, {"claude-*", "gpt-4o"}};
  validate::model::LLMProvider unpinned = Provider("openai");
  CHECK(PlanCall({&unpinned, &ai}, Chat("/", R"({"model":"fast","messages":[]})"))
            .info.request_model == "gpt-4o-mini");
  CHECK(PlanCall({&unpinned, &ai}, Chat("/", R"({"model":"claude-3","messages":[]})"))
            .info.request_model == "gpt-4o");
  CHECK(PlanCall({&provider}, Chat("/", R"({"model":"x","messages":[]})")).info.request_model ==
        "gpt-4o-mini");
  LlmCall missing = PlanCall({&unpinned}, Chat("/", R"({"messages":[]})"));
  REQUIRE(missing.local);
  CHECK(missing.local->status == 400);
  CHECK(missing.local->body == "failed to process LLM request: missing field: model not specified");
}

TEST_CASE(
    "A long conversation to Anthropic is sent as AnthropicRequest writes it; the parsed "
    "request is kept only for Bedrock") {
  // Messages first and other fields after, as some clients send them: the body is written a
  // message at a time, the rest after.
  std::string body = R"({"messages":[)";
  for (int i = 0; i < 1000; ++i) {
    if (i != 0) {
      body += ',';
    }
    body += i % 3 == 0 ? R"({"role":"system","content":"s)" + std::to_string(i) + R"("})"
                       : R"({"role":"user","content":"m)" + std::to_string(i) + R"("})";
  }
  body += R"(],"model":"claude-3-5-haiku-latest","temperature":0.5,"stop":"END"})";
  validate::model::LLMProvider anthropic = Provider("anthropic");
  LlmCall call = PlanCall({&anthropic, nullptr, "key"}, Chat("/anthropic", body));
  REQUIRE_FALSE(call.local);
  Json expected = AnthropicRequest(Json::parse(body), call.options)->body;
  CHECK(call.body == WriteJson(expected));
  CHECK(call.client_body.is_null());
  CHECK(call.info.prompt.is_null());  // the data plane records no prompt

  validate::model::LLMProvider bedrock =
      Provider("bedrock", "anthropic.claude-3-haiku-20240307-v1:0");
  LlmCall converse = PlanCall({&bedrock}, Chat("/bedrock", kHi));
  CHECK(converse.client_body["messages"] == Json::parse(kHi)["messages"]);
}

TEST_CASE("Gemini chat goes native with the key in x-goog-api-key; Bedrock to converse-stream") {
  validate::model::LLMProvider gemini = Provider("gemini", "gemini-2.5-flash");
  LlmCall call = PlanCall({&gemini, nullptr, "AIzaKey"}, Chat("/gemini", kHi));
  CHECK(call.target.Url() ==
        "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent");
  CHECK(Header(call, "x-goog-api-key") == "AIzaKey");
  CHECK_FALSE(Header(call, "authorization"));

  validate::model::LLMProvider bedrock =
      Provider("bedrock", "anthropic.claude-3-haiku-20240307-v1:0");
  bedrock.region = "us-west-2";
  LlmCall streamed =
      PlanCall({&bedrock},
               Chat("/bedrock",
                    R"({"model":"x","stream":true,"messages":[{"role":"user","content":"hi"}]})"));
  CHECK(streamed.target.Url() ==
        "https://bedrock-runtime.us-west-2.amazonaws.com/model/"
        "anthropic.claude-3-haiku-20240307-v1:0/converse-stream");
  CHECK(streamed.wire == WireFormat::kBedrockConverse);
}

TEST_CASE("Without a provider model, the model named in a provider-shaped path is used") {
  validate::model::LLMProvider gemini = Provider("gemini");
  validate::model::BackendAI ai;
  ai.routes = {{":generateContent", "GenerateContent"}};
  LlmCall native =
      PlanCall({&gemini, &ai}, Chat("/v1beta/models/gemini-2.5-flash:generateContent",
                                    R"({"contents":[{"role":"user","parts":[{"text":"hi"}]}]})"));
  REQUIRE_FALSE(native.local);
  CHECK(native.info.request_model == "gemini-2.5-flash");
  CHECK(native.target.path == "/v1beta/models/gemini-2.5-flash:generateContent");

  validate::model::LLMProvider bedrock = Provider("bedrock");
  LlmCall converse = PlanCall({&bedrock}, Chat("/model/anthropic.claude-v2%3A1/converse",
                                               R"({"messages":[{"role":"user","content":"hi"}]})"));
  REQUIRE_FALSE(converse.local);
  CHECK(converse.info.request_model == "anthropic.claude-v2:1");
  // A body model wins over the path for non-native routes; ".." never names a model.
  CHECK(PlanCall({&bedrock}, Chat("/model/x/converse", kHi)).info.request_model == "anything");
  CHECK(PlanCall({&bedrock}, Chat("/model/..%2Fx/converse", R"({"messages":[]})")).local);
}

TEST_CASE("A model in the path that does not percent-decode to UTF-8 is no model") {
  validate::model::LLMProvider bedrock = Provider("bedrock");
  LlmCall call = PlanCall({&bedrock}, Chat("/model/claude%97/converse", R"({"messages":[]})"));
  REQUIRE(call.local);
  CHECK(call.local->status == 400);
  CHECK(call.local->body == "failed to process LLM request: missing field: model not specified");
  LlmCall encoded = PlanCall({&bedrock}, Chat("/model/caf%C3%A9/converse", R"({"messages":[]})"));
  REQUIRE_FALSE(encoded.local);
  CHECK(encoded.info.request_model == "caf\u00e9");
}

TEST_CASE("Unsupported conversions are refused before any upstream call") {
  validate::model::LLMProvider anthropic = Provider("anthropic", "claude");
  validate::model::BackendAI ai;
  ai.routes = {{"/v1/embeddings", "Embeddings"}, {"/v1/responses", "Responses"}};
  LlmCall embeddings =
      PlanCall({&anthropic, &ai}, Chat("/v1/embeddings", R"({"model":"x","input":"a"})"));
  REQUIRE(embeddings.local);
  CHECK(embeddings.local->status == 400);
  CHECK(embeddings.local->body ==
        "failed to process LLM request: unsupported conversion: from Embeddings to provider "
        "anthropic");
  LlmCall responses =
      PlanCall({&anthropic, &ai}, Chat("/v1/responses", R"({"model":"x","input":"a"})"));
  REQUIRE(responses.local);
  CHECK(responses.local->status == 400);
}

TEST_CASE("A body nested past serde_json's limit is refused with 400, one level less is served") {
  validate::model::LLMProvider provider = Provider("anthropic", "claude");
  auto nested_body = [](size_t depth) {
    // The body, the messages array and the message are three levels; the content is the rest.
    std::string content = std::string(depth - 3, '[') + std::string(depth - 3, ']');
    return R"({"messages":[{"role":"user","content":)" + content + "}]}";
  };
  LlmCall served = PlanCall({&provider}, Chat("/", nested_body(127)));
  CHECK_FALSE(served.local);
  LlmCall refused = PlanCall({&provider}, Chat("/", nested_body(128)));
  REQUIRE(refused.local);
  CHECK(refused.local->status == 400);
  CHECK(refused.local->body ==
        "failed to process LLM request: failed to parse request: body is not a JSON object");
}

TEST_CASE(
    "A chat body whose stream is not a boolean is refused with serde's 400 on every provider") {
  const std::pair<std::string, std::string> kStreams[] = {
      {R"("yes")", R"(string "yes")"},
      {"0", "integer `0`"},
      {"-2", "integer `-2`"},
      {"1.5", "floating point `1.5`"},
      {"{}", "map"},
      {"[true]", "sequence"},
      {R"("a\"b\\c\n")", R"(string "a\"b\\c\n")"},
  };
  validate::model::BackendAI ai;
  ai.routes = {{"/v1/messages", "Messages"}, {"/v1/responses", "Responses"}, {"*", "Completions"}};
  for (const char* kind : {"openai", "anthropic", "gemini", "vertexai", "bedrock", "azure"}) {
    validate::model::LLMProvider provider = Provider(kind, "m");
    for (const char* path : {"/v1/chat/completions", "/v1/messages", "/v1/responses"}) {
      for (const auto& [stream, unexpected] : kStreams) {
        CAPTURE(kind, path, stream);
        LlmCall call = PlanCall(
            {&provider, &ai},
            Chat(path, R"({"model":"m","stream":)" + stream + R"(,"input":"hi","messages":[]})"));
        REQUIRE(call.local);
        CHECK(call.local->status == 400);
        CHECK(call.local->content_type == "text/plain");
        CHECK(call.local->body ==
              "failed to process LLM request: failed to parse request: invalid type: " +
                  unexpected + ", expected a boolean");
      }
    }
  }
}

TEST_CASE("A null stream does not stream; booleans still decide, and non-chat routes ignore it") {
  validate::model::LLMProvider provider = Provider("openai", "gpt-4o");
  LlmCall null_stream =
      PlanCall({&provider}, Chat("/", R"({"model":"m","stream":null,"messages":[]})"));
  REQUIRE_FALSE(null_stream.local);
  CHECK_FALSE(null_stream.streaming);
  CHECK_FALSE(Json::parse(null_stream.body).contains("stream_options"));
  LlmCall streaming =
      PlanCall({&provider}, Chat("/", R"({"model":"m","stream":true,"messages":[]})"));
  CHECK(streaming.streaming);

  validate::model::BackendAI ai;
  ai.routes = {{"/v1/embeddings", "Embeddings"}, {"/detect", "Detect"}};
  LlmCall embeddings = PlanCall(
      {&provider, &ai}, Chat("/v1/embeddings", R"({"model":"m","input":"a","stream":"yes"})"));
  REQUIRE_FALSE(embeddings.local);
  CHECK_FALSE(embeddings.streaming);
  LlmCall detect = PlanCall({&provider, &ai}, Chat("/detect", R"({"model":"m","stream":"yes"})"));
  REQUIRE_FALSE(detect.local);
  CHECK_FALSE(detect.streaming);
  CHECK(detect.info.request_model == "m");
}

TEST_CASE("The local token count needs messages as objects and counts only their text") {
  validate::model::BackendAI ai;
  ai.routes = {{"/v1/messages/count_tokens", "AnthropicTokenCount"}};
  // agentgateway reads the typed count_tokens request: anything else does not parse (400).
  const std::pair<std::string, int> kBodies[] = {
      {R"({"model":"m","messages":[1]})", 400},
      {R"({"model":"m","messages":false})", 400},
      {R"({"model":"m"})", 400},
      {R"({"model":"m","messages":{"content":"abcd"}})", 400},
      {R"({"model":"m","messages":[{"content":7},{"role":"user","content":"abcd"}]})", 8},
      {R"({"model":"m","system":"abcdefgh","messages":[{"role":"user","content":"a"}]})",
       3 + 6 + 5},
  };
  for (const char* kind : {"openai", "gemini", "vertexai"}) {
    validate::model::LLMProvider provider = Provider(kind, "gemini-2.5-flash");
    for (const auto& [body, tokens] : kBodies) {
      CAPTURE(kind, body);
      LlmCall call = PlanCall({&provider, &ai}, Chat("/v1/messages/count_tokens", body));
      REQUIRE(call.local);
      if (tokens == 400) {
        CHECK(call.local->status == 400);
        CHECK(call.local->body.find("messages: expected an array of message objects") !=
              std::string::npos);
      } else {
        CHECK(call.local->status == 200);
        CHECK(Json::parse(call.local->body) == Json{{"input_tokens", tokens}});
      }
    }
  }
}

TEST_CASE("Upstream errors keep their status; the body is reshaped for the client") {
  validate::model::LLMProvider anthropic = Provider("anthropic", "claude");
  LlmCall call = PlanCall({&anthropic}, Chat("/", kHi));
  ClientResponse answer = AnswerBuffered(
      call, 429, "application/json",
      R"({"type":"error","error":{"type":"rate_limit_error","message":"slow down"}})");
  CHECK(answer.status == 429);
  Json body = Json::parse(answer.body);
  CHECK(body["error"]["message"] == "slow down");
}

TEST_CASE(
    "An upstream error body that is not UTF-8 is quoted with U+FFFD, as from_utf8_lossy does") {
  const std::string not_utf8 = "bad \x97 gateway \xE2\x82";  // a stray byte, a cut sequence
  const std::string replaced = "bad \uFFFD gateway \uFFFD";
  validate::model::LLMProvider bedrock =
      Provider("bedrock", "anthropic.claude-3-5-sonnet-20240620-v1:0");
  validate::model::LLMProvider anthropic = Provider("anthropic", "claude");
  validate::model::LLMProvider openai = Provider("openai", "gpt-4o");
  validate::model::BackendAI ai;
  ai.routes = {{"/v1/messages", "Messages"}};
  for (const auto& [provider, path] :
       {std::pair{&bedrock, "/v1/chat/completions"}, std::pair{&bedrock, "/v1/messages"},
        std::pair{&anthropic, "/v1/chat/completions"}, std::pair{&anthropic, "/v1/messages"},
        std::pair{&openai, "/v1/messages"}}) {
    CAPTURE(provider->kind, path);
    LlmCall call = PlanCall({provider, &ai}, Chat(path, kHi));
    REQUIRE_FALSE(call.local);
    ClientResponse answer = AnswerBuffered(call, 500, "text/plain", not_utf8);
    CHECK(answer.status == 500);
    CHECK(Json::parse(answer.body)["error"]["message"] == replaced);
  }
}

TEST_CASE("Counts too large for int64 are dropped, not converted (Bedrock embeddings, usage)") {
  ProviderOptions options;
  options.provider = "bedrock";
  options.model = "amazon.titan-embed-text-v2:0";
  Translated<RequestTranslation> titan =
      TranslateRequest(InputFormat::kEmbeddings, WireFormat::kBedrockEmbeddings,
                       Json::parse(R"({"model":"m","input":"a","dimensions":1.1e68})"), options);
  REQUIRE(titan);
  CHECK_FALSE(titan->body.contains("dimensions"));
  Translated<RequestTranslation> whole =
      TranslateRequest(InputFormat::kEmbeddings, WireFormat::kBedrockEmbeddings,
                       Json::parse(R"({"model":"m","input":"a","dimensions":256.0})"), options);
  REQUIRE(whole);
  CHECK(whole->body["dimensions"] == 256);
}

TEST_CASE("Detect and Gemini countTokens pass the body through whatever wire format they meet") {
  for (WireFormat wire : {WireFormat::kRaw, WireFormat::kOpenAICompletions,
                          WireFormat::kVertexEmbeddings, WireFormat::kGeminiNative,
                          WireFormat::kGeminiCountTokens, WireFormat::kAnthropicMessages}) {
    CHECK(IsPassthrough(InputFormat::kDetect, wire));
    CHECK(IsPassthrough(InputFormat::kGeminiCountTokens, wire));
  }
}

}  // namespace
}  // namespace agw::emulator::llm

namespace agw::emulator::llm {
namespace {

std::string FileText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_CASE("Messages kept as text translate to every wire exactly as the whole document does") {
  // The oracle is the document path the goldens check: for each chat request of agentgateway's
  // fixtures, every wire format and provider, with and without prompts in the summary.
  std::filesystem::path requests = std::filesystem::path(test::kSharedDir) /
                                   "upstream-testdata/agentgateway-llm-fixtures/requests";
  struct Provider {
    std::string kind, model;
  };
  const std::vector<Provider> providers = {{"openai", ""},
                                           {"anthropic", "claude-pinned"},
                                           {"vertexai", "claude-sonnet-4"},
                                           {"bedrock", "anthropic.claude-3-haiku"},
                                           {"gemini", "gemini-2.5-flash"}};
  const std::vector<WireFormat> wires = {
      WireFormat::kOpenAICompletions, WireFormat::kOpenAIResponses, WireFormat::kAnthropicMessages,
      WireFormat::kBedrockConverse, WireFormat::kGeminiNative};
  size_t translated = 0, files = 0;
  for (auto [directory, input] : {std::pair("completions", InputFormat::kCompletions),
                                  std::pair("policies", InputFormat::kCompletions),
                                  std::pair("messages", InputFormat::kMessages)}) {
    for (const auto& entry : std::filesystem::directory_iterator(requests / directory)) {
      if (entry.path().extension() != ".json") {
        continue;
      }
      std::string text = FileText(entry.path());
      ++files;
      for (const Provider& provider : providers) {
        for (WireFormat wire : wires) {
          for (bool record_prompt : {false, true}) {
            INFO(entry.path().filename().string()
                 << " to " << WireFormatName(wire) << " on " << provider.kind
                 << (record_prompt ? ", with prompts" : ""));
            ProviderOptions options;
            options.provider = provider.kind;
            options.model = provider.model;
            options.region = "us-east-1";
            options.project = "p";
            options.record_prompt = record_prompt;
            Json whole = ReadJson(text);
            JsonKeepingArrayText kept = ReadJsonKeepingArrayText(text, "messages");
            if (!kept.array_text) {
              continue;  // a request without messages (policies/)
            }
            auto expected = TranslateRequestText(input, wire, whole, std::nullopt, options);
            auto actual =
                TranslateRequestText(input, wire, kept.document, kept.array_text, options);
            REQUIRE(actual.has_value() == expected.has_value());
            if (!expected) {
              CHECK(actual.error() == expected.error());
              continue;
            }
            CHECK(actual->body == expected->body);
            CHECK(RequestSummaryJson(actual->info) == RequestSummaryJson(expected->info));
            ++translated;
          }
        }
      }
    }
  }
  CHECK(files >= 10);
  CHECK(translated >= 200);  // most pairs translate: the comparison is not of errors alone
}

// A conversation of about 100 KB: past the size from which PlanCall keeps messages as text.
std::string LongConversation(const char* model) {
  Json body = {{"model", model}, {"messages", Json::array()}, {"temperature", 0.5}};
  body["messages"].push_back({{"role", "system"}, {"content", "be brief"}});
  for (int i = 0; i < 2000; ++i) {
    body["messages"].push_back({{"role", i % 2 == 0 ? "user" : "assistant"},
                                {"content", "turn " + std::to_string(i) + " \u00e9\"\\"}});
  }
  body["messages"].push_back(
      {{"role", "user"}, {"content", Json::array({{{"type", "text"}, {"text", "last"}}})}});
  return body.dump(1);  // with whitespace, as clients often write it
}

TEST_CASE("PlanCall sends a long conversation to OpenAI and Anthropic exactly as a short one") {
  std::string text = LongConversation("gpt-4o-mini");
  REQUIRE(text.size() > 64 * 1024);

  validate::model::LLMProvider openai = Provider("openai", "gpt-4o-mini");
  LlmCall to_openai = PlanCall({&openai, nullptr, "sk"}, Chat("/v1/chat/completions", text));
  REQUIRE_FALSE(to_openai.local);
  CHECK(to_openai.body == WriteJson(ReadJson(text)));

  validate::model::LLMProvider anthropic = Provider("anthropic", "claude-pinned");
  LlmCall to_anthropic = PlanCall({&anthropic, nullptr, "sk"}, Chat("/v1/chat/completions", text));
  REQUIRE_FALSE(to_anthropic.local);
  Json client = ReadJson(text);
  client["model"] = "claude-pinned";
  ProviderOptions options;
  options.model = "claude-pinned";
  CHECK(to_anthropic.body == WriteJson(AnthropicRequest(client, options)->body));
  CHECK(to_anthropic.info.request_model == "claude-pinned");
}

TEST_CASE("The mock providers read a long conversation's prompt as the whole body's") {
  // The oracle: the prompt that prompt.h reads from the whole upstream body.
  std::string text = LongConversation("m");
  for (const char* kind : {"openai", "anthropic"}) {
    INFO(kind);
    validate::model::LLMProvider provider = Provider(kind, "pinned");
    LlmCall call = PlanCall({&provider, nullptr, "sk"}, Chat("/v1/chat/completions", text));
    REQUIRE(call.body.size() >= kMessagesAsTextFromBytes);
    Json upstream = ReadJson(call.body);
    Json prompt = call.wire == WireFormat::kAnthropicMessages ? MessagesPrompt(upstream)
                                                              : CompletionsPrompt(upstream);
    std::string all_text;
    for (const Json& entry : prompt) {
      all_text += entry.value("content", "");
    }
    MockResponse mock = MockProviderResponse(call);
    REQUIRE(mock.status == 200);
    Json answer = ReadJson(mock.body);
    if (call.wire == WireFormat::kAnthropicMessages) {
      CHECK(answer["content"][0]["text"] == "last");
      CHECK(answer["usage"]["input_tokens"] == EstimateTokens(all_text));
    } else {
      CHECK(answer["choices"][0]["message"]["content"] == "last");
      CHECK(answer["usage"]["prompt_tokens"] == EstimateTokens(all_text));
    }
    CHECK(EstimateTokens(all_text) > 5000);  // every message was counted, the system one too
  }
}

TEST_CASE("Native Gemini calls drop the client's alt parameter and keep the rest of its query") {
  validate::model::LLMProvider provider = Provider("gemini", "gemini-2.5-flash");
  validate::model::BackendAI ai;
  ai.routes = {{":streamGenerateContent", "GenerateContent"},
               {":generateContent", "GenerateContent"},
               {":countTokens", "GeminiCountTokens"}};
  std::string contents = R"({"contents":[{"role":"user","parts":[{"text":"hi"}]}]})";
  ClientRequest stream = Chat("/v1beta/models/x:streamGenerateContent", contents);
  stream.query = "alt=sse&key=abc";
  CHECK(PlanCall({&provider, &ai}, stream).target.Url() ==
        "https://generativelanguage.googleapis.com/v1beta/models/"
        "gemini-2.5-flash:streamGenerateContent?alt=sse&key=abc");
  ClientRequest count = Chat("/v1beta/models/x:countTokens", contents);
  count.query = "alt=sse";
  CHECK(PlanCall({&provider, &ai}, count).target.Url() ==
        "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:countTokens");
}

TEST_CASE("A Passthrough route hands the provider's answer back unparsed and errors too") {
  validate::model::LLMProvider provider = Provider("openai");
  validate::model::BackendAI ai;
  ai.routes = {{"*", "Passthrough"}};
  LlmCall call = PlanCall({&provider, &ai}, Chat("/v1/files", R"({"purpose":"batch"})"));
  REQUIRE_FALSE(call.local);
  std::string listing = R"({"object":"list","data":[{"id":"file-1"}]})";
  ClientResponse ok = AnswerBuffered(call, 200, "application/json", listing);
  CHECK(ok.status == 200);
  CHECK(ok.content_type == "application/json");
  CHECK(ok.body == listing);
  ClientResponse not_json = AnswerBuffered(call, 200, "application/octet-stream", "\x01raw");
  CHECK(not_json.status == 200);
  CHECK(not_json.body == "\x01raw");
  std::string error =
      R"({"error":{"message":"No such File object: file-9","type":"invalid_request_error"}})";
  ClientResponse missing = AnswerBuffered(call, 404, "application/json", error);
  CHECK(missing.status == 404);
  CHECK(missing.body == error);
}

}  // namespace
}  // namespace agw::emulator::llm
