// agentgateway's runtime CEL context (emulator/policy/cel_context.h): the variables each phase
// binds and how absent ones read, the header and query views, permissive compilation, the
// boolean and sampling readings of results, the variables an expression refers to, and the JSON
// and flattened fields logs and traces make of results.

#include "emulator/policy/cel_context.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <random>
#include <string>

namespace agw::emulator::policy {
namespace {

using validate::cel::Value;
using K = Value::Kind;

AttributeContext Sample() {
  AttributeContext c;
  CelRequest request;
  request.method = "GET";
  request.uri = "http://example.com/api/test?k=v&k=w";
  request.host = "example.com";
  request.scheme = "http";
  request.path = "/api/test";
  request.path_and_query = "/api/test?k=v&k=w";
  request.version = "HTTP/1.1";
  request.headers = {
      {"Foo", "bar"}, {"X-Multi", "1"}, {"x-multi", "2"}, {"Authorization", "Bearer secret-token"}};
  request.start_time = CelTime(std::chrono::seconds(946728000));  // 2000-01-01T12:00:00Z
  request.end_time = CelTime(std::chrono::seconds(946728001) + std::chrono::milliseconds(120));
  c.request = request;
  CelResponse response;
  response.code = 200;
  response.headers = {{"content-type", "application/json"}};
  response.body = R"({"ok": true})";
  c.response = response;
  CelProxy proxy;
  proxy.gateway = CelProxy::Gateway{"ns-1", "gw-1"};
  proxy.listener = "http";
  proxy.route = CelProxy::Route{"ns-1", "route-1", "HTTPRoute", std::nullopt};
  proxy.upstream_duration = std::chrono::milliseconds(675);
  c.proxy = proxy;
  c.env.pod_name = "pod-1";
  CelSource source;
  source.address = "127.0.0.1";
  source.port = 12345;
  source.raw_address = "127.0.0.1";
  source.raw_port = 12345;
  c.source = source;
  c.destination = CelDestination{"10.0.0.1", 8080, std::nullopt};
  c.jwt = AttributeContext::Jwt{{{"sub", "test-user"}, {"exp", 1900650294}}, "fake.jwt.token"};
  c.api_key = AttributeContext::ApiKey{"test-api-key", {{"role", "admin"}}};
  c.basic_auth_username = "alice";
  CelLlm llm;
  llm.request_model = "gpt-4";
  llm.provider = "fake-ai";
  llm.input_tokens = 100;
  llm.output_tokens = 50;
  llm.time_to_first_token = std::chrono::milliseconds(123);
  llm.prompt = std::vector<CelLlm::Message>{{"user", "hello"}};
  llm.completion = std::vector<std::string>{"Hello"};
  llm.params.temperature = 0.7;
  llm.params.max_tokens = 1024;
  c.llm = llm;
  c.llm_request = CelJson::parse(R"({"model": "provider/model", "messages": []})");
  c.backend = CelBackend{"my-backend", "service", "http"};
  c.metadata = CelJson{{"tier", "gold"}};
  return c;
}

Value Eval(const std::string& text, const AttributeContext& context, CelPhase phase) {
  RuntimeExpression expression(text);
  INFO(text << (expression.compile_error() ? " does not compile: " + *expression.compile_error()
                                           : std::string()));
  REQUIRE_FALSE(expression.compile_error());
  return expression.Evaluate(context, phase);
}

std::string Json(const std::string& text, CelPhase phase = CelPhase::kLogging) {
  Value result = Eval(text, Sample(), phase);
  INFO(text << (result.is_error() ? " failed: " + result.text() : std::string()));
  REQUIRE_FALSE(result.is_error());
  return ToOrderedJson(result).dump();
}

std::string Error(const std::string& text, CelPhase phase = CelPhase::kLogging) {
  Value result = Eval(text, Sample(), phase);
  INFO(text << " gave " << ToOrderedJson(result).dump());
  REQUIRE(result.is_error());
  return result.text();
}

bool Holds(const std::string& text, CelPhase phase = CelPhase::kLogging) {
  Value result = Eval(text, Sample(), phase);
  INFO(text << (result.is_error() ? " failed: " + result.text() : std::string()));
  REQUIRE(result.kind() == K::kBool);
  return result.bool_value();
}

TEST_CASE("request attributes read as agentgateway gives them") {
  CHECK(Holds("request.method == 'GET' && request.path == '/api/test'"));
  CHECK(Json("request.uri") == R"("http://example.com/api/test?k=v&k=w")");
  CHECK(Json("request.pathAndQuery") == R"("/api/test?k=v&k=w")");
  CHECK(Json("request.uri.query('k')") == R"(["v","w"])");
  CHECK(Json("request.pathAndQuery.setQuery('k', 'x')") == R"("/api/test?k=x")");
  CHECK(Json("[request.host, request.scheme, request.version]") ==
        R"(["example.com","http","HTTP/1.1"])");
  CHECK(Json("request.headers.foo") == R"("bar")");
  CHECK(Json("request.headers['x-multi']") == R"(["1","2"])");
  CHECK(Json("request.headers.join()['X-Multi']") == R"("1,2")");
  CHECK(Json("request.headers.redacted().authorization") == R"("<redacted>")");
  CHECK(Json("request.headers.authorization") == R"("Bearer secret-token")");
  CHECK(Json("request.startTime") == R"("2000-01-01T12:00:00Z")");
  CHECK(Json("request.endTime - request.startTime") == R"("1.12s")");
  CHECK(Error("request.endTime", CelPhase::kRequest) == "no such key: endTime");
  // No body was buffered: a missing key, which default() replaces.
  CHECK(Error("request.body") == "no such key: body");
  CHECK_FALSE(Holds("has(request.body)"));
  CHECK(Json("default(request.body, b'')") == R"("")");
  CHECK(Json("json(response.body).ok") == "true");
  CHECK(Json("response.bodyPrefix") == R"("eyJvayI6IHRydWV9")");
  CHECK(Holds("response.code == 200 && type(response.code) == uint"));
  CHECK(Error("response.grpcStatus") == "no such key: grpcStatus");
  CHECK(Json("response.headers['content-type']") == R"("application/json")");
}

TEST_CASE("other families read as agentgateway gives them") {
  CHECK(Json("proxy") ==
        R"({"gateway":{"namespace":"ns-1","name":"gw-1"},"listener":{"name":"http"},)"
        R"("route":{"namespace":"ns-1","name":"route-1","kind":"HTTPRoute"},)"
        R"("upstreamDuration":"0.675s"})");
  CHECK(Error("proxy.route.rule") == "no such key: rule");
  CHECK(Json("env") == R"({"podName":"pod-1"})");
  CHECK(Error("env.namespace") == "no such key: namespace");
  CHECK(Json("source") ==
        R"({"address":"127.0.0.1","port":12345,"rawAddress":"127.0.0.1","rawPort":12345,)"
        R"("connectHeaders":{}})");
  CHECK(Holds("type(source.port) == uint && destination.port == 8080"));
  CHECK(Json("jwt") == R"({"sub":"test-user","exp":1900650294})");
  CHECK(Json("jwt.rawToken") == R"("<redacted>")");
  CHECK(Json("jwt.rawToken.unredacted()") == R"("fake.jwt.token")");
  CHECK(Json("apiKey") == R"({"key":"<redacted>","role":"admin"})");
  CHECK(Json("apiKey.key.unredacted()") == R"("test-api-key")");
  CHECK(Json("basicAuth.username") == R"("alice")");
  CHECK(Json("backend") == R"({"name":"my-backend","type":"service","protocol":"http"})");
  CHECK(Json("metadata.tier") == R"("gold")");
  CHECK(Json("llm") ==
        R"({"streaming":false,"requestModel":"gpt-4","provider":"fake-ai","inputTokens":100,)"
        R"("outputTokens":50,"timeToFirstToken":"0.123s","prompt":[{"role":"user",)"
        R"("content":"hello"}],"completion":["Hello"],"params":{"temperature":0.7,)"
        R"("max_tokens":1024}})");
  CHECK(Holds("llm.inputTokens + llm.outputTokens == 150u"));
  CHECK(Error("llm.responseModel") == "no such key: responseModel");
  CHECK(Json("default(llm.responseModel, llm.requestModel)") == R"("gpt-4")");
  CHECK(Json("llmRequest.model", CelPhase::kLlmRequest) == R"("provider/model")");
}

TEST_CASE("a phase binds only its variables and the rest read as null") {
  CHECK(Holds("jwt == null && response == null && llm == null", CelPhase::kFrontend));
  CHECK(Holds("jwt != null && response == null && llm == null", CelPhase::kRequest));
  CHECK(Holds("response != null && llm != null && llmRequest == null", CelPhase::kResponse));
  CHECK(Holds("llmRequest != null && mcp == null", CelPhase::kLlmRequest));
  CHECK(Holds("request == null && source != null && env != null", CelPhase::kNetwork));
  CHECK(Holds("llmRequest == null && response != null", CelPhase::kLogging));
  CHECK(
      Holds("request == null && source == null && env.podName == 'pod-1'", CelPhase::kEnvironment));
  CHECK(Error("jwt.sub", CelPhase::kFrontend) == "no such key: sub");
  CHECK(Json("default(jwt.sub, 'anonymous')", CelPhase::kFrontend) == R"("anonymous")");
  CHECK(Json("default(jwt.sub, 'anonymous')", CelPhase::kRequest) == R"("test-user")");
  CHECK_FALSE(Holds("has(jwt.sub)", CelPhase::kFrontend));
  CHECK(Error("mcp.tool", CelPhase::kLogging) == "no such key: tool");
  CHECK(Error("nonsense", CelPhase::kLogging) ==
        "undeclared reference to 'nonsense' (in container '')");

  AttributeContext empty;
  CHECK(Eval("request == null && env == {}", empty, CelPhase::kRequest).bool_value());
}

TEST_CASE("variables lists the present variables in agentgateway's order") {
  Value names = Eval("variables().map(k, k)", Sample(), CelPhase::kRequest);
  CHECK(ToOrderedJson(names).dump() ==
        R"(["request","proxy","env","source","destination","jwt","apiKey","basicAuth",)"
        R"("backend","metadata"])");
  CHECK(Json("variables().jwt.rawToken", CelPhase::kRequest) == R"("<redacted>")");
}

TEST_CASE("an expression that does not compile always fails with agentgateway's message") {
  RuntimeExpression broken("1 +");
  REQUIRE(broken.compile_error());
  CHECK(broken.variables().names.empty());
  Value result = broken.Evaluate(Sample(), CelPhase::kLogging);
  REQUIRE(result.is_error());
  CHECK(result.text() == R"(fail() called: the expression "1 +" could not be compiled)");
  CHECK_FALSE(broken.EvaluateBool(Sample(), CelPhase::kLogging));

  CHECK(RuntimeExpression("\"h").Evaluate(Sample(), CelPhase::kLogging).text() ==
        R"(fail() called: the expression "\"h" could not be compiled)");
  CHECK(RuntimeExpression("foolen_{{request.id}}")
            .Evaluate(AttributeContext(), CelPhase::kLogging)
            .text() ==
        R"(fail() called: the expression "foolen_{{request.id}}" could not be compiled)");
  CHECK(RuntimeExpression("a\tb\n'\\").Evaluate(AttributeContext(), CelPhase::kLogging).text() ==
        R"(fail() called: the expression "a\tb\n'\\" could not be compiled)");
  CHECK(RuntimeExpression("\x01 +").Evaluate(AttributeContext(), CelPhase::kLogging).text() ==
        R"(fail() called: the expression "\u{1} +" could not be compiled)");

  RuntimeExpression fine("1 + 1");
  CHECK_FALSE(fine.compile_error());
  CHECK(fine.Evaluate(AttributeContext(), CelPhase::kLogging).int_value() == 2);
  // Optional syntax is not agentgateway's.
  CHECK(RuntimeExpression("request.?method").compile_error());
}

TEST_CASE("referenced variables tell the gateway what to capture") {
  auto use = [](const std::string& text) {
    RuntimeExpression expression(text);
    REQUIRE_FALSE(expression.compile_error());
    return expression.variables();
  };
  VariableUse a = use("request.body.size() > 0 && jwt.sub == 'x'");
  CHECK(a.names == std::vector<std::string>{"jwt", "request"});
  CHECK(a.request_body);
  CHECK_FALSE(a.response_body);
  CHECK(a.Uses("jwt"));
  CHECK_FALSE(a.Uses("llm"));
  CHECK_FALSE(use("request['body']").request_body);
  CHECK(use("has(response.bodyPrefix)").response_body);
  VariableUse l = use("llm.prompt.size() + size(llm.completion) + size(llm.toolCalls)");
  CHECK((l.llm_prompt && l.llm_completion && l.llm_tool_calls));
  CHECK(use("[1].exists(x, x == source.port)").Uses("source"));
  CHECK(use("{'k': backend.name}").Uses("backend"));
  VariableUse all = use("variables().size() > 0");
  CHECK(all.everything);
  CHECK(all.Uses("mcp"));
  CHECK(use("1 + 2").names.empty());
}

TEST_CASE("a boolean context reads errors and other values as false") {
  AttributeContext c = Sample();
  CHECK(RuntimeExpression("request.method == 'GET'").EvaluateBool(c, CelPhase::kRequest));
  CHECK_FALSE(RuntimeExpression("request.method == 'POST'").EvaluateBool(c, CelPhase::kRequest));
  CHECK_FALSE(RuntimeExpression("'true'").EvaluateBool(c, CelPhase::kRequest));
  CHECK_FALSE(RuntimeExpression("jwt.nope").EvaluateBool(c, CelPhase::kRequest));
  CHECK_FALSE(RuntimeExpression("1 +").EvaluateBool(c, CelPhase::kRequest));
}

TEST_CASE("sampling reads bools ints and doubles as agentgateway's eval_rng does") {
  AttributeContext c = Sample();
  std::mt19937_64 rng(7);
  auto sample = [&](const std::string& text) {
    return RuntimeExpression(text).EvaluateSampling(c, CelPhase::kFrontend, rng);
  };
  CHECK(sample("true"));
  CHECK_FALSE(sample("false"));
  CHECK(sample("1.0"));
  CHECK(sample("7.5"));
  CHECK_FALSE(sample("0.0"));
  CHECK_FALSE(sample("-1.0"));
  CHECK(sample("1"));
  CHECK(sample("40"));
  CHECK_FALSE(sample("0"));
  CHECK_FALSE(sample("1u"));
  CHECK_FALSE(sample("'yes'"));
  CHECK_FALSE(sample("jwt.sub"));
  CHECK_FALSE(sample("0.0 / 0.0"));

  // A probability is one 64-bit draw from the generator passed in.
  std::mt19937_64 a(42), b(42);
  bool expected = b() < (std::uint64_t{1} << 62);  // p = 0.25
  CHECK(RuntimeExpression("0.25").EvaluateSampling(c, CelPhase::kFrontend, a) == expected);
  int hits = 0;
  std::mt19937_64 many(1);
  RuntimeExpression quarter("0.25");
  for (int i = 0; i < 4000; ++i) {
    hits += quarter.EvaluateSampling(c, CelPhase::kFrontend, many) ? 1 : 0;
  }
  CHECK(hits > 850);
  CHECK(hits < 1150);
  // random() draws from the same generator.
  std::mt19937_64 r1(3), r2(3);
  double first = static_cast<double>(r2() >> 11) * 0x1.0p-53;
  CHECK(RuntimeExpression("random() < 0.5").EvaluateSampling(c, CelPhase::kFrontend, r1) ==
        (first < 0.5));
}

TEST_CASE("evaluation stops at the step limit") {
  AttributeContext c;
  CelJson list = CelJson::array();
  for (int i = 0; i < 400; ++i) {
    list.push_back(i);
  }
  c.llm_request = CelJson{{"items", list}};
  Value result = RuntimeExpression("llmRequest.items.all(x, llmRequest.items.all(y, true))")
                     .Evaluate(c, CelPhase::kLlmRequest);
  REQUIRE(result.is_error());
  CHECK(result.text() == "operation cancelled: actual cost limit exceeded");
  CHECK(
      RuntimeExpression("llmRequest.items.all(x, x >= 0)").EvaluateBool(c, CelPhase::kLlmRequest));
}

TEST_CASE("results convert to JSON as agentgateway's Value json does") {
  CHECK(ToJson(Eval("timestamp('2000-01-01T12:00:01.5Z')", AttributeContext(),
                    CelPhase::kLogging)) == "2000-01-01T12:00:01.5Z");
  CHECK(ToJson(Eval("duration('90s')", AttributeContext(), CelPhase::kLogging)) == "90s");
  CHECK(ToJson(Eval("b'\\x00\\xff'", AttributeContext(), CelPhase::kLogging)) == "AP8=");
  CHECK(ToJson(Eval("0.0 / 0.0", AttributeContext(), CelPhase::kLogging)).is_null());
  CHECK(ToJson(Value::Error("boom")).is_null());
  CHECK(ToJson(Eval("{'b': [1, 2u, 1.5, true, null], 'a': {1: 'x'}}", AttributeContext(),
                    CelPhase::kLogging))
            .dump() == R"({"a":{"1":"x"},"b":[1,2,1.5,true,null]})");
  CHECK(ToOrderedJson(Eval("{'b': 1, 'a': 2}", AttributeContext(), CelPhase::kLogging)).dump() ==
        R"({"b":1,"a":2})");
  CHECK(ToJson(Eval("int", AttributeContext(), CelPhase::kLogging)) == "int");
  CHECK(ToJson(Eval("ip('10.0.0.1')", AttributeContext(), CelPhase::kLogging)) == "10.0.0.1");

  CHECK(FromJson(nlohmann::json::parse("18446744073709551615")).kind() == K::kUint);
  CHECK(FromJson(nlohmann::json::parse("5")).kind() == K::kInt);
  CHECK(FromJson(nlohmann::json::parse("-5")).int_value() == -5);
  CHECK(FromJson(nlohmann::json::parse("1.5")).double_value() == 1.5);
  CHECK(ToOrderedJson(FromJson(nlohmann::ordered_json::parse(R"({"z":1,"a":[true]})"))).dump() ==
        R"({"z":1,"a":[true]})");
}

TEST_CASE("flattened fields expand flatten markers into dotted names") {
  auto fields = [](const std::string& text) {
    std::string out;
    for (const auto& [key, value] :
         FlattenedFields("f", Eval(text, Sample(), CelPhase::kLogging))) {
      out += key + "=" + value.dump() + " ";
    }
    return out;
  };
  CHECK(fields("'plain'") == R"(f="plain" )");
  CHECK(fields("[1, [2]]") == "f=[1,[2]] ");
  CHECK(fields("flatten([1, [2], null])") == "f.0=1 f.1=[2] f.2=null ");
  CHECK(fields("flatten({'a': 1, 'b': {'c': 2}})") == R"(f.a=1 f.b={"c":2} )");
  CHECK(fields("flattenRecursive({'a': [1, {'b': 2}], 'e': [], 'd': 'x'})") ==
        R"(f.a.0=1 f.a.1.b=2 f.d="x" )");
  CHECK(fields("flatten_recursive([[1], 2])") == "f.0.0=1 f.1=2 ");
  CHECK(fields("flatten([flatten({'k': 'v'}), 3])") == R"(f.0.k="v" f.1=3 )");
  CHECK(fields("flatten({1: 'a', true: 'b'})") == R"(f.1="a" f.true="b" )");
  CHECK(fields("flatten(request.headers)") == R"(f.foo="bar" f.x-multi=["1","2"] )"
                                              R"(f.authorization="Bearer secret-token" )");
  CHECK(fields("null").empty());
  CHECK(fields("jwt.nope").empty());
  CHECK(fields("1 / 0").empty());
}

}  // namespace
}  // namespace agw::emulator::policy
