// agentgateway's request tracing (spec-tracing-cel.md PART 1): the policy's settings, the W3C
// traceparent, sampling, and the spans and resource a traced request produces.

#include "emulator/policy/tracing.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace agw::emulator::policy {
namespace {

using nlohmann::ordered_json;
using validate::manifest::Value;

constexpr char kTrace[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kParent[] = "00f067aa0ba902b7";

std::string Header(std::string_view version, std::string_view trace, std::string_view parent,
                   std::string_view flags) {
  return std::string(version) + "-" + std::string(trace) + "-" + std::string(parent) + "-" +
         std::string(flags);
}

// "key=s:text" / "key=i:5" / "key=d:0.5" / "key=b:true", for readable comparisons.
std::vector<std::string> Render(const std::vector<otlp::KeyValue>& attributes) {
  std::vector<std::string> out;
  for (const otlp::KeyValue& attribute : attributes) {
    std::string value;
    if (const auto* text = std::get_if<std::string>(&attribute.value)) {
      value = "s:" + *text;
    } else if (const auto* integer = std::get_if<std::int64_t>(&attribute.value)) {
      value = "i:" + std::to_string(*integer);
    } else if (const auto* number = std::get_if<double>(&attribute.value)) {
      value = "d:" + std::to_string(*number);
    } else {
      value = std::string("b:") + (std::get<bool>(attribute.value) ? "true" : "false");
    }
    out.push_back(attribute.key + "=" + value);
  }
  return out;
}

Value Yaml(const std::string& json) { return Value::FromJson(ordered_json::parse(json), {}); }

// ---------------------------------------------------------------------------------------------
// traceparent

TEST_CASE("A valid traceparent is parsed into its four fields") {
  std::optional<TraceParent> parsed = ParseTraceParent(Header("00", kTrace, kParent, "01"));
  REQUIRE(parsed);
  CHECK(parsed->version == 0);
  CHECK(TraceIdHex(parsed->trace_id) == kTrace);
  CHECK(SpanIdHex(parsed->span_id) == kParent);
  CHECK(parsed->flags == 1);
  CHECK(parsed->sampled());
  CHECK(FormatTraceParent(*parsed) == Header("00", kTrace, kParent, "01"));
}

TEST_CASE("Upper case hex and versions other than ff are accepted") {
  std::optional<TraceParent> parsed =
      ParseTraceParent(Header("01", "4BF92F3577B34DA6A3CE929D0E0E4736", "00F067AA0BA902B7", "00"));
  REQUIRE(parsed);
  CHECK(parsed->version == 1);
  CHECK(!parsed->sampled());
  // Written back lower case, version kept.
  CHECK(FormatTraceParent(*parsed) == Header("01", kTrace, kParent, "00"));
}

TEST_CASE("Malformed traceparent headers are treated as absent") {
  const std::string zero_trace(32, '0');
  const std::string zero_parent(16, '0');
  std::vector<std::string> rejects = {
      "",
      Header("ff", kTrace, kParent, "01"),
      Header("00", zero_trace, kParent, "01"),
      Header("00", kTrace, zero_parent, "01"),
      Header("0", kTrace, kParent, "001"),
      Header("00", std::string(kTrace) + "0", std::string(kParent).substr(1), "01"),
      Header("00", kTrace, kParent, "01") + "-00",
      Header("00", kTrace, kParent, "1"),
      Header("00", kTrace, kParent, "0g"),
      Header("00", std::string(kTrace).substr(0, 31) + "x", kParent, "01"),
      Header("+0", kTrace, kParent, "01"),
      "00_" + std::string(kTrace) + "-" + kParent + "-01",
      " " + Header("00", kTrace, kParent, "01").substr(1),
  };
  for (const std::string& header : rejects) {
    INFO(header);
    CHECK_FALSE(ParseTraceParent(header).has_value());
  }
}

// ---------------------------------------------------------------------------------------------
// Sampling

TEST_CASE("Sampling follows clientSampling with a parent and randomSampling without one") {
  TraceParent parent = *ParseTraceParent(Header("00", kTrace, kParent, "01"));
  std::mt19937_64 random(7);
  struct Case {
    bool has_parent;
    std::optional<bool> verdict;
    bool sampled;
  };
  for (const Case& c : std::vector<Case>{{true, std::nullopt, true},
                                         {true, true, true},
                                         {true, false, false},
                                         {false, std::nullopt, false},
                                         {false, true, true},
                                         {false, false, false}}) {
    INFO("parent " << c.has_parent << " verdict "
                   << (c.verdict ? (*c.verdict ? "true" : "false") : "unset"));
    std::optional<TraceParent> incoming;
    if (c.has_parent) {
      incoming = parent;
    }
    TraceDecision decision = DecideTrace(incoming, c.verdict, random);
    CHECK(decision.sampled == c.sampled);
    CHECK(decision.traceparent.empty() == !c.sampled);
  }
}

TEST_CASE("The applicable sampling expression depends on the parent") {
  TracingConfig config;
  CHECK(ApplicableSamplingExpression(config, true) == nullptr);
  config.random_sampling = "0.5";
  config.client_sampling = "true";
  CHECK(*ApplicableSamplingExpression(config, true) == "true");
  CHECK(*ApplicableSamplingExpression(config, false) == "0.5");
}

TEST_CASE("A continued trace keeps the trace id version and flags with a new span id") {
  TraceParent parent = *ParseTraceParent(Header("00", kTrace, kParent, "01"));
  std::mt19937_64 random(1);
  TraceDecision decision = DecideTrace(parent, std::nullopt, random);
  REQUIRE(decision.sampled);
  CHECK(decision.exported());
  CHECK(TraceIdHex(decision.span.trace_id) == kTrace);
  CHECK(SpanIdHex(decision.span.span_id) != kParent);
  CHECK(decision.span.flags == 1);
  CHECK(decision.remote_parent == parent);
  CHECK(decision.traceparent == Header("00", kTrace, SpanIdHex(decision.span.span_id), "01"));
}

TEST_CASE("A client traceparent with flags 00 is sampled but nothing is exported") {
  TraceParent parent = *ParseTraceParent(Header("00", kTrace, kParent, "00"));
  std::mt19937_64 random(1);
  TraceDecision decision = DecideTrace(parent, std::nullopt, random);
  CHECK(decision.sampled);
  CHECK_FALSE(decision.exported());
  CHECK(decision.traceparent.ends_with("-00"));
}

TEST_CASE("A new trace gets random ids version 00 and flags 01") {
  std::mt19937_64 first(42);
  std::mt19937_64 second(42);
  TraceDecision a = DecideTrace(std::nullopt, true, first);
  TraceDecision b = DecideTrace(std::nullopt, true, second);
  REQUIRE(a.sampled);
  CHECK(a.exported());
  CHECK(a.span.version == 0);
  CHECK(a.span.flags == 1);
  CHECK_FALSE(a.remote_parent.has_value());
  CHECK(a.span == b.span);  // the ids come from the generator passed in
  CHECK(TraceIdHex(a.span.trace_id) != std::string(32, '0'));
  CHECK(ParseTraceParent(a.traceparent) == a.span);
  TraceDecision c = DecideTrace(std::nullopt, true, first);
  CHECK(c.span.trace_id != a.span.trace_id);
}

TEST_CASE("A child span keeps the trace and gets its own span id") {
  TraceParent parent = *ParseTraceParent(Header("00", kTrace, kParent, "01"));
  std::mt19937_64 random(3);
  TraceParent child = NewChildSpan(parent, random);
  CHECK(child.trace_id == parent.trace_id);
  CHECK(child.flags == parent.flags);
  CHECK(child.span_id != parent.span_id);
}

TEST_CASE("Sampling values are read as agentgateway's eval_rng reads them") {
  std::mt19937_64 random(9);
  auto verdict = [&](SamplingValue value) { return SamplingVerdict(value, random); };
  SamplingValue value;
  CHECK_FALSE(verdict(value));  // an evaluation error
  value.type = SamplingValue::Type::kBool;
  value.boolean = true;
  CHECK(verdict(value));
  value.boolean = false;
  CHECK_FALSE(verdict(value));
  value.type = SamplingValue::Type::kInt;
  for (auto [integer, expected] :
       std::vector<std::pair<std::int64_t, bool>>{{0, false}, {1, true}, {5, true}, {-3, false}}) {
    value.integer = integer;
    CHECK(verdict(value) == expected);
  }
  value.type = SamplingValue::Type::kDouble;
  for (auto [number, expected] : std::vector<std::pair<double, bool>>{
           {0.0, false}, {1.0, true}, {1.5, true}, {-0.5, false}, {std::nan(""), false}}) {
    value.number = number;
    CHECK(verdict(value) == expected);
  }
  value.number = 0.5;
  int sampled = 0;
  for (int i = 0; i < 1000; ++i) {
    sampled += verdict(value) ? 1 : 0;
  }
  CHECK(sampled > 400);
  CHECK(sampled < 600);
}

TEST_CASE("The filter keeps a span only when it evaluated to true") {
  TracingConfig config;
  CHECK(FilterKeepsSpan(config, std::nullopt));
  config.filter = "response.code >= 500";
  CHECK(FilterKeepsSpan(config, true));
  CHECK_FALSE(FilterKeepsSpan(config, false));
  CHECK_FALSE(FilterKeepsSpan(config, std::nullopt));
}

// ---------------------------------------------------------------------------------------------
// Server span

SpanFacts LlmFacts() {
  SpanFacts facts;
  facts.gateway_namespace = "agentgateway-system";
  facts.gateway_name = "agentgateway-proxy";
  facts.listener = "http";
  facts.route_rule = "rule-0";
  facts.route_namespace = "default";
  facts.route_name = "openai";
  facts.endpoint = "api.openai.com:443";
  facts.src_addr = "127.0.0.1:51234";
  facts.method = "POST";
  facts.host = "www.example.com";
  facts.path = "/v1/chat/completions?x=1";
  facts.http_version = "HTTP/1.1";
  facts.status = 200;
  facts.protocol = "llm";
  facts.gen_ai_operation = "chat";
  facts.gen_ai_provider = "openai";
  facts.gen_ai_request_model = "gpt-4o-mini";
  facts.gen_ai_response_model = "gpt-4o-mini-2024-07-18";
  facts.input_tokens = 11;
  facts.output_tokens = 7;
  facts.temperature = 0.5;
  facts.reason = "Upstream";
  facts.duration = std::chrono::milliseconds(12);
  facts.path_match = PathMatchFacts{PathMatchFacts::Kind::kExact, "/v1/chat/completions"};
  facts.start = std::chrono::system_clock::time_point(std::chrono::nanoseconds(1000));
  facts.end = std::chrono::system_clock::time_point(std::chrono::nanoseconds(5000));
  return facts;
}

TraceDecision ContinuedTrace() {
  std::mt19937_64 random(5);
  return DecideTrace(*ParseTraceParent(Header("00", kTrace, kParent, "01")), std::nullopt, random);
}

TEST_CASE("The server span lists the request's attributes in agentgateway's order and types") {
  TraceDecision decision = ContinuedTrace();
  otlp::Span span = ServerSpan(LlmFacts(), TracingConfig{}, {}, decision);
  std::string span_id = SpanIdHex(decision.span.span_id);
  CHECK(Render(span.attributes) == std::vector<std::string>{
                                       "gateway=s:agentgateway-system/agentgateway-proxy",
                                       "listener=s:http",
                                       "route_rule=s:rule-0",
                                       "route=s:default/openai",
                                       "endpoint=s:api.openai.com:443",
                                       "src.addr=s:127.0.0.1:51234",
                                       "http.method=s:POST",
                                       "http.host=s:www.example.com",
                                       "http.path=s:/v1/chat/completions?x=1",
                                       "http.version=s:HTTP/1.1",
                                       "http.status=i:200",
                                       std::string("trace.id=s:") + kTrace,
                                       "span.id=s:" + span_id,
                                       "protocol=s:llm",
                                       "gen_ai.operation.name=s:chat",
                                       "gen_ai.provider.name=s:openai",
                                       "gen_ai.request.model=s:gpt-4o-mini",
                                       "gen_ai.response.model=s:gpt-4o-mini-2024-07-18",
                                       "gen_ai.usage.input_tokens=i:11",
                                       "gen_ai.usage.output_tokens=i:7",
                                       "gen_ai.request.temperature=d:0.500000",
                                       "duration=s:12ms",
                                       "url.scheme=s:http",
                                       "network.protocol.version=s:1.1",
                                   });
  CHECK(span.name == "POST /v1/chat/completions");
  CHECK(span.kind == otlp::SpanKind::kServer);
  CHECK(span.trace_id == decision.span.trace_id);
  CHECK(span.span_id == decision.span.span_id);
  CHECK(span.has_parent);
  CHECK(SpanIdHex(span.parent_span_id) == kParent);
  CHECK(span.parent_is_remote);
  CHECK(otlp::SpanFlags(span) == 0x301);
  CHECK(span.start_unix_nano == 1000);
  CHECK(span.end_unix_nano == 5000);
  CHECK(span.status_code == otlp::StatusCode::kUnset);
  CHECK(span.scope_name == "agentgateway");
}

TEST_CASE("Every optional fact lands in its place in the list") {
  std::mt19937_64 random(5);
  TraceDecision decision = DecideTrace(std::nullopt, true, random);
  SpanFacts facts;
  facts.src_identity = "spiffe://cluster.local/ns/default/sa/client";
  facts.tls_sni = "api.example.com";
  facts.grpc_status = 0;
  facts.jwt_sub = "alice";
  facts.inference_pool_endpoint = "10.0.0.5:8000";
  facts.cache_creation_input_tokens = 1;
  facts.cache_read_input_tokens = 2;
  facts.reasoning_tokens = 3;
  facts.time_to_first_token_seconds = 0.25;
  facts.time_per_output_token_seconds = 0.125;
  facts.cost_total = "0.0021";
  facts.output_image_tokens = 4;
  facts.input_audio_tokens = 5;
  facts.output_audio_tokens = 6;
  facts.top_p = 0.75;
  facts.frequency_penalty = 0.5;
  facts.presence_penalty = 0.25;
  facts.embeddings_dimensions = 256;
  facts.max_tokens = 100;
  facts.seed = 42;
  facts.encoding_formats = "float";
  facts.retry_attempt = 1;
  facts.reason = "RateLimit";
  facts.cost_parts = {{"input", "0.001"}, {"output", "0.0011"}};
  facts.http_version = "HTTP/2.0";
  otlp::Span span = ServerSpan(facts, TracingConfig{}, {}, decision);
  std::vector<std::string> rendered = Render(span.attributes);
  // tls.sni only without a host; then the ids.
  REQUIRE(rendered.size() > 6);
  CHECK(rendered[3] == "tls.sni=s:api.example.com");
  CHECK(rendered[4] == "trace.id=s:" + TraceIdHex(decision.span.trace_id));
  CHECK(rendered[5] == "span.id=s:" + SpanIdHex(decision.span.span_id));
  rendered.erase(rendered.begin() + 3, rendered.begin() + 6);
  CHECK(rendered == std::vector<std::string>{
                        "src.identity=s:spiffe://cluster.local/ns/default/sa/client",
                        "http.version=s:HTTP/2.0",
                        "grpc.status=i:0",
                        // tls.sni, trace.id, span.id
                        "jwt.sub=s:alice",
                        "inferencepool.selected_endpoint=s:10.0.0.5:8000",
                        "gen_ai.usage.cache_creation.input_tokens=i:1",
                        "gen_ai.usage.cache_read.input_tokens=i:2",
                        "gen_ai.usage.reasoning_tokens=i:3",
                        "agw.ai.time_to_first_token=d:0.250000",
                        "agw.ai.time_per_output_token=d:0.125000",
                        "agw.ai.usage.cost.total=s:0.0021",
                        "gen_ai.usage.output_image_tokens=i:4",
                        "gen_ai.usage.input_audio_tokens=i:5",
                        "gen_ai.usage.output_audio_tokens=i:6",
                        "gen_ai.request.top_p=d:0.750000",
                        "gen_ai.request.frequency_penalty=d:0.500000",
                        "gen_ai.request.presence_penalty=d:0.250000",
                        "gen_ai.embeddings.dimension.count=i:256",
                        "gen_ai.request.max_tokens=i:100",
                        "gen_ai.request.seed=i:42",
                        "gen_ai.request.encoding_formats=s:float",
                        "retry.attempt=i:1",
                        "reason=s:RateLimit",
                        "agw.ai.usage.cost.input=s:0.001",
                        "agw.ai.usage.cost.output=s:0.0011",
                        "url.scheme=s:http",
                        "network.protocol.version=s:2",
                    });
  // No route and no method: "unknown"; a new trace has no parent.
  CHECK(span.name == "unknown");
  CHECK_FALSE(span.has_parent);
  CHECK(otlp::SpanFlags(span) == 0x101);
}

TEST_CASE("tls.sni is written only when the request has no host") {
  SpanFacts facts = LlmFacts();
  facts.tls_sni = "api.example.com";
  otlp::Span span = ServerSpan(facts, TracingConfig{}, {}, ContinuedTrace());
  for (const otlp::KeyValue& attribute : span.attributes) {
    CHECK(attribute.key != "tls.sni");
  }
}

TEST_CASE("HTTP/1.0 has no network.protocol.version") {
  SpanFacts facts = LlmFacts();
  facts.http_version = "HTTP/1.0";
  otlp::Span span = ServerSpan(facts, TracingConfig{}, {}, ContinuedTrace());
  CHECK(Render(span.attributes).back() == "url.scheme=s:http");
}

TEST_CASE("The span is named after the method and the matched path") {
  SpanFacts facts = LlmFacts();
  facts.method = "GET";
  auto name = [&](PathMatchFacts::Kind kind, std::string value) {
    facts.path_match = PathMatchFacts{kind, std::move(value)};
    return ServerSpan(facts, TracingConfig{}, {}, ContinuedTrace()).name;
  };
  CHECK(name(PathMatchFacts::Kind::kPrefix, "/") == "GET /*");
  CHECK(name(PathMatchFacts::Kind::kPrefix, "/status") == "GET /status/*");
  CHECK(name(PathMatchFacts::Kind::kExact, "/status/200") == "GET /status/200");
  CHECK(name(PathMatchFacts::Kind::kRegex, "/v[0-9]+/.*") == "GET /v[0-9]+/.*");
  CHECK(name(PathMatchFacts::Kind::kInvalid, "") == "GET <invalid>");
  facts.path_match.reset();
  CHECK(ServerSpan(facts, TracingConfig{}, {}, ContinuedTrace()).name == "unknown");
  facts.path_match = PathMatchFacts{PathMatchFacts::Kind::kPrefix, "/"};
  facts.method.reset();
  CHECK(ServerSpan(facts, TracingConfig{}, {}, ContinuedTrace()).name == "unknown");
}

TEST_CASE("A gRPC request is named after its path without the leading slash") {
  SpanFacts facts = LlmFacts();
  facts.grpc_path = "/helloworld.Greeter/SayHello";
  CHECK(ServerSpan(facts, TracingConfig{}, {}, ContinuedTrace()).name ==
        "helloworld.Greeter/SayHello");
}

TEST_CASE("An added span.name string names the span and is not an attribute") {
  SpanFacts facts = LlmFacts();
  facts.grpc_path = "/helloworld.Greeter/SayHello";
  TracingConfig config;
  config.add_attributes = {{"span.name", "'custom ' + request.method"}, {"custom", "'literal'"}};
  otlp::Span span = ServerSpan(facts, config, {{"span.name", "custom POST"}, {"custom", "literal"}},
                               ContinuedTrace());
  CHECK(span.name == "custom POST");
  CHECK(Render(span.attributes).back() == "custom=s:literal");
  for (const otlp::KeyValue& attribute : span.attributes) {
    CHECK(attribute.key != "span.name");
  }
  // Not a string: an ordinary attribute, and the usual name.
  span = ServerSpan(facts, config, {{"span.name", 5}}, ContinuedTrace());
  CHECK(span.name == "helloworld.Greeter/SayHello");
  CHECK(Render(span.attributes).back() == "span.name=i:5");
}

TEST_CASE("Removed and added keys leave the base list and added values come last") {
  TracingConfig config;
  config.remove_attributes = {"http.host", "src.addr", "url.scheme"};
  config.add_attributes = {{"http.path", "request.path"}, {"missing", "request.nope"}};
  otlp::Span span =
      ServerSpan(LlmFacts(), config, {{"http.path", "/v1/chat/completions"}, {"extra", nullptr}},
                 ContinuedTrace());
  std::vector<std::string> rendered = Render(span.attributes);
  auto has = [&](std::string_view prefix) {
    return std::any_of(rendered.begin(), rendered.end(),
                       [&](const std::string& r) { return r.starts_with(prefix); });
  };
  CHECK_FALSE(has("http.host="));
  CHECK_FALSE(has("src.addr="));
  CHECK_FALSE(has("extra="));
  // url.scheme and network.protocol.version are appended after the filtering.
  CHECK(rendered[rendered.size() - 3] == "url.scheme=s:http");
  CHECK(rendered[rendered.size() - 2] == "network.protocol.version=s:1.1");
  CHECK(rendered.back() == "http.path=s:/v1/chat/completions");
  CHECK(std::count_if(rendered.begin(), rendered.end(),
                      [](const std::string& r) { return r.starts_with("http.path="); }) == 1);
}

TEST_CASE("Added values are typed as agentgateway's to_otel types them") {
  CHECK(AttributeValueFromJson("text") == otlp::AnyValue(std::string("text")));
  CHECK(AttributeValueFromJson(-5) == otlp::AnyValue(std::int64_t{-5}));
  CHECK(AttributeValueFromJson(std::uint64_t{7}) == otlp::AnyValue(std::int64_t{7}));
  CHECK(AttributeValueFromJson(std::uint64_t{18446744073709551615ULL}) ==
        otlp::AnyValue(18446744073709551615.0));
  CHECK(AttributeValueFromJson(1.5) == otlp::AnyValue(1.5));
  CHECK(AttributeValueFromJson(true) == otlp::AnyValue(std::string("true")));
  CHECK(AttributeValueFromJson(ordered_json::parse(R"([1,"a"])")) ==
        otlp::AnyValue(std::string(R"([1,"a"])")));
  CHECK(AttributeValueFromJson(ordered_json::parse(R"({"b":1,"a":2})")) ==
        otlp::AnyValue(std::string(R"({"b":1,"a":2})")));
}

TEST_CASE("The status is ERROR only when the proxy set an error") {
  SpanFacts facts = LlmFacts();
  facts.status = 503;
  otlp::Span span = ServerSpan(facts, TracingConfig{}, {}, ContinuedTrace());
  CHECK(span.status_code == otlp::StatusCode::kUnset);
  CHECK(span.status_message.empty());
  facts.error = "upstream call failed: connection refused";
  span = ServerSpan(facts, TracingConfig{}, {}, ContinuedTrace());
  CHECK(span.status_code == otlp::StatusCode::kError);
  CHECK(span.status_message == "upstream call failed: connection refused");
  for (const otlp::KeyValue& attribute : span.attributes) {
    CHECK(attribute.key != "error");
  }
}

TEST_CASE("The outbound span of an upstream call is a CLIENT child of the server span") {
  TraceDecision decision = ContinuedTrace();
  std::mt19937_64 random(11);
  TraceParent child = NewChildSpan(decision.span, random);
  OutboundFacts facts;
  facts.method = "POST";
  facts.service_target = "llm.default.svc.cluster.local:8080";
  facts.host = "llm.default.svc.cluster.local";
  facts.path = "/v1/chat/completions";
  facts.status = 200;
  otlp::Span span = OutboundSpan(facts, decision.span, child);
  CHECK(span.name == "POST llm.default.svc.cluster.local:8080");
  CHECK(span.kind == otlp::SpanKind::kClient);
  CHECK(span.parent_span_id == decision.span.span_id);
  CHECK(span.span_id == child.span_id);
  CHECK(otlp::SpanFlags(span) == 0x101);
  CHECK(Render(span.attributes) ==
        std::vector<std::string>{"agentgateway.outbound.kind=s:Primary",
                                 "agentgateway.outbound.subtype=s:Llm", "http.method=s:POST",
                                 "http.host=s:llm.default.svc.cluster.local",
                                 "http.path=s:/v1/chat/completions", "http.status=i:200"});
  facts.service_target.reset();
  facts.error_type = "UpstreamFailure";
  facts.error_description = "connection refused";
  span = OutboundSpan(facts, decision.span, child);
  CHECK(span.name == "POST");
  CHECK(Render(span.attributes).back() == "error.type=s:UpstreamFailure");
  CHECK(span.status_code == otlp::StatusCode::kError);
  CHECK(span.status_message == "connection refused");
}

// ---------------------------------------------------------------------------------------------
// Resource

TEST_CASE("The resource names the Gateway and the SDK agentgateway uses") {
  ResourceFacts facts{"agentgateway-system", "agentgateway-proxy", "v0.9.0", ""};
  CHECK(Render(TraceResource(facts, {})) ==
        std::vector<std::string>{
            "service.name=s:agentgateway-proxy", "telemetry.sdk.language=s:rust",
            "telemetry.sdk.name=s:opentelemetry", "telemetry.sdk.version=s:0.32.0",
            "service.namespace=s:agentgateway-system", "service.version=s:v0.9.0"});
}

TEST_CASE("Resources entries override defaults in place and may name the service") {
  ResourceFacts facts{"ns", "gw", "v1", " team = blue ,bad, =x,service.version=env"};
  std::vector<ResourceAttribute> resources = {{"deployment.environment.name", "production"},
                                              {"service.version", "test"},
                                              {"service.name", "checkout"},
                                              {"service.name", "second"},
                                              {"replicas", 3},
                                              {"ratio", 0.5},
                                              {"enabled", true},
                                              {"labels", ordered_json::parse(R"({"a":"b"})")}};
  CHECK(Render(TraceResource(facts, resources)) ==
        std::vector<std::string>{"service.name=s:checkout", "telemetry.sdk.language=s:rust",
                                 "telemetry.sdk.name=s:opentelemetry",
                                 "telemetry.sdk.version=s:0.32.0", "team=s:blue",
                                 "service.version=s:test", "service.namespace=s:ns",
                                 "deployment.environment.name=s:production", "replicas=i:3",
                                 "ratio=d:0.500000", "enabled=b:true", "labels=s:{\"a\":\"b\"}"});
  // A service.name that is not a string is written but the Gateway name wins.
  CHECK(Render(TraceResource(facts, {{"service.name", 5}}))[0] == "service.name=s:gw");
  ResourceFacts nameless{"", "", "v1", ""};
  CHECK(Render(TraceResource(nameless, {}))[0] == "service.name=s:agentgateway");
}

// ---------------------------------------------------------------------------------------------
// Configuration

TEST_CASE("A backendRef tracing block is read with its defaults") {
  std::vector<std::string> problems;
  std::optional<TracingConfig> config =
      ReadTracingConfig(Yaml(R"({"backendRef": {"name": "otel-collector", "port": 4317},
               "attributes": {"remove": ["http.host"],
                              "add": [{"name": "custom", "expression": "'literal'"},
                                      {"name": "span.name", "expression": "request.path"}]},
               "resources": [{"name": "deployment.environment.name",
                              "expression": "'production'"}],
               "randomSampling": "true", "clientSampling": "false",
               "filter": "response.code != 404"})"),
                        "team-a", &problems);
  REQUIRE(config);
  CHECK(problems.empty());
  TracingConfig expected;
  expected.backend_ref = TracingBackendRef{"", "Service", "otel-collector", "team-a", 4317};
  expected.protocol = TracingProtocol::kGrpc;
  expected.path = "/v1/traces";
  expected.add_attributes = {{"custom", "'literal'"}, {"span.name", "request.path"}};
  expected.remove_attributes = {"http.host"};
  expected.resources = {{"deployment.environment.name", "'production'"}};
  expected.random_sampling = "true";
  expected.client_sampling = "false";
  expected.filter = "response.code != 404";
  CHECK(*config == expected);
}

TEST_CASE("An HTTP tracing block takes its path from path or from the url") {
  std::vector<std::string> problems;
  std::optional<TracingConfig> config = ReadTracingConfig(
      Yaml(R"({"backendRef": {"name": "otel-collector", "namespace": "obs", "port": 4318},
               "protocol": "HTTP", "path": "/custom/v1/traces"})"),
      "default", &problems);
  REQUIRE(config);
  CHECK(config->protocol == TracingProtocol::kHttp);
  CHECK(config->path == "/custom/v1/traces");
  CHECK(config->backend_ref->namespace_name == "obs");

  config = ReadTracingConfig(
      Yaml(R"({"url": "https://otel.example.com:4317/v1/traces", "protocol": "HTTP"})"), "default",
      &problems);
  REQUIRE(config);
  CHECK(config->url == TracingUrl{"otel.example.com", 4317, true, "/v1/traces"});
  CHECK(config->path == "/v1/traces");

  config = ReadTracingConfig(Yaml(R"({"url": "http://[::1]"})"), "default", &problems);
  REQUIRE(config);
  CHECK(config->url == TracingUrl{"::1", 80, false, ""});
  CHECK(config->protocol == TracingProtocol::kGrpc);
  CHECK(config->path == "/v1/traces");

  config = ReadTracingConfig(Yaml(R"({"url": "https://collector"})"), "default", &problems);
  REQUIRE(config);
  CHECK(config->url->port == 443);
  CHECK(problems.empty());
}

TEST_CASE("Tracing blocks the controller refuses are reported in its words") {
  struct Case {
    std::string json;
    std::string problem;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"url": "ftp://collector:21"})",
            "failed to translate tracing backend: unsupported URL scheme \"ftp\""},
           {R"({"url": "http://:4317"})",
            "failed to translate tracing backend: url must include a host"},
           {R"({"url": "http://user@collector:4317"})",
            "failed to translate tracing backend: url must not include userinfo"},
           {R"({"url": "http://collector:4317?a=b"})",
            "failed to translate tracing backend: url must not include a query"},
           {R"({"url": "http://collector:4317#top"})",
            "failed to translate tracing backend: url must not include a fragment"},
           {R"({"url": "http://collector:99999"})",
            "failed to translate tracing backend: invalid URL port \"99999\""},
           {R"({"url": "http://collector:4318/"})",
            "frontend tracing url path is only valid with protocol HTTP"},
           {R"({"url": "http://collector:4318/v1/traces", "protocol": "GRPC"})",
            "frontend tracing url path is only valid with protocol HTTP"},
           {R"({"protocol": "GRPC"})", "exactly one of the fields in [backendRef url] must be set"},
           {R"({"url": "http://c:1", "backendRef": {"name": "c", "port": 1}})",
            "exactly one of the fields in [backendRef url] must be set"},
       }) {
    INFO(c.json);
    std::vector<std::string> problems;
    CHECK_FALSE(ReadTracingConfig(Yaml(c.json), "default", &problems).has_value());
    CHECK(problems == std::vector<std::string>{c.problem});
  }
}

}  // namespace
}  // namespace agw::emulator::policy
