#pragma once

// agentgateway's request tracing (AgentgatewayPolicy `spec.frontend.tracing`,
// spec-tracing-cel.md PART 1): the policy's settings, the W3C traceparent, the sampling decision,
// and the spans a traced request produces (one SERVER span, a CLIENT span for the upstream call)
// with the resource they are exported under.
//
// CEL is not evaluated here: the configuration keeps each expression's text and the functions
// take the results the caller evaluated (sampling verdicts, the filter's result, the values of
// `attributes.add` and `resources`). Pure: the random generator and times are passed in.

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/policy/otlp.h"
#include "validate/manifest/value.h"

namespace agw::emulator::policy {

// ---------------------------------------------------------------------------------------------
// Configuration

enum class TracingProtocol { kGrpc, kHttp };

// A named CEL expression (`attributes.add[]`, `resources[]`), kept as written.
struct NamedExpression {
  std::string name;
  std::string expression;

  bool operator==(const NamedExpression&) const = default;
};

// `backendRef`: the collector as a Kubernetes object (a Service unless kind says otherwise).
struct TracingBackendRef {
  std::string group;  // "" (core) by default
  std::string kind = "Service";
  std::string name;
  std::string namespace_name;  // the policy's namespace when not written
  std::optional<std::int32_t> port;

  bool operator==(const TracingBackendRef&) const = default;
};

// `url`, parsed as the controller does (remotehttp.ParseHTTPURL).
struct TracingUrl {
  std::string host;       // without brackets for an IPv6 literal
  std::int32_t port = 0;  // 80 for http, 443 for https when not written
  bool tls = false;       // https: the controller adds a backendTls inline policy
  std::string path;       // as written, possibly empty

  bool operator==(const TracingUrl&) const = default;
};

struct TracingConfig {
  // Exactly one of the two.
  std::optional<TracingBackendRef> backend_ref;
  std::optional<TracingUrl> url;
  TracingProtocol protocol = TracingProtocol::kGrpc;  // the CRD default
  // The OTLP/HTTP path: `path`, else the url's path when it has one, else /v1/traces. Unused
  // with gRPC.
  std::string path = "/v1/traces";
  std::vector<NamedExpression> add_attributes;  // in the order written
  std::vector<std::string> remove_attributes;
  std::vector<NamedExpression> resources;
  std::optional<std::string> random_sampling;
  std::optional<std::string> client_sampling;
  std::optional<std::string> filter;

  bool operator==(const TracingConfig&) const = default;
};

// Reads a policy's `frontend.tracing` value. `policy_namespace` is the backendRef's namespace when
// it names none. nullopt when the controller would not translate it (no usable endpoint, a url it
// refuses, a url path with gRPC); the reasons go to `problems` in the controller's words, e.g.
//   failed to translate tracing backend: unsupported URL scheme "ftp"
//   frontend tracing url path is only valid with protocol HTTP
std::optional<TracingConfig> ReadTracingConfig(const validate::manifest::Value& tracing,
                                               std::string_view policy_namespace,
                                               std::vector<std::string>* problems);

// ---------------------------------------------------------------------------------------------
// Trace context

// A W3C trace context: the incoming `traceparent`, or a span of this proxy.
struct TraceParent {
  std::uint8_t version = 0;
  otlp::TraceId trace_id{};
  otlp::SpanId span_id{};  // the parent-id field of a traceparent header
  std::uint8_t flags = 0;

  bool sampled() const { return (flags & 0x01) != 0; }
  bool operator==(const TraceParent&) const = default;
};

// Strict parse (spec 1.4.1): four '-'-separated fields of 2, 32, 16 and 2 hex digits (either
// case); nullopt for anything else, for version ff, an all-zero trace-id or an all-zero
// parent-id. Such a header is treated as absent.
std::optional<TraceParent> ParseTraceParent(std::string_view header);

// "vv-<32 hex>-<16 hex>-ff", lowercase: the traceparent the proxy writes.
std::string FormatTraceParent(const TraceParent& context);

std::string TraceIdHex(const otlp::TraceId& id);  // 32 lowercase hex digits
std::string SpanIdHex(const otlp::SpanId& id);    // 16 lowercase hex digits

// agentgateway's eval_rng of a sampling expression's result: a bool is itself; a number (int or
// float) is clamped to [0, 1] and drawn as a Bernoulli probability; anything else (and an
// evaluation error, nullopt) is false.
struct SamplingValue {
  enum class Type { kError, kBool, kInt, kDouble };
  Type type = Type::kError;
  bool boolean = false;
  std::int64_t integer = 0;
  double number = 0;
};
bool SamplingVerdict(const SamplingValue& value, std::mt19937_64& random);

// The expression that decides whether a request is traced: clientSampling when the request
// carries a valid traceparent, else randomSampling. nullptr when that one is not set.
const std::string* ApplicableSamplingExpression(const TracingConfig& config, bool has_parent);

// The outcome of the sampling step of one request.
struct TraceDecision {
  bool sampled = false;
  // When sampled: this proxy's server span (same trace and flags as the parent, or a new trace
  // with flags 01), and the client's context as its remote parent when there was one.
  TraceParent span;
  std::optional<TraceParent> remote_parent;
  // When sampled: the request's traceparent is replaced by this before it goes upstream.
  std::string traceparent;

  // Whether spans are recorded and exported: only when the span's own flags say sampled (a
  // client's flags 00 is "sampled" by the default clientSampling, yet nothing is exported).
  bool exported() const { return sampled && span.sampled(); }
};

// Spec 1.4.2-3. `verdict` is SamplingVerdict of the applicable expression, or nullopt when it is
// not set (then: sampled with a parent, not sampled without one).
TraceDecision DecideTrace(const std::optional<TraceParent>& incoming, std::optional<bool> verdict,
                          std::mt19937_64& random);

// A new span in the same trace as `parent` (same version and flags, fresh span-id), e.g. the
// CLIENT span of an upstream call, whose traceparent is sent upstream.
TraceParent NewChildSpan(const TraceParent& parent, std::mt19937_64& random);

// `filter` keeps a span only when it evaluated to true; `result` is nullopt for an error, a
// missing field or a non-boolean. Without a filter every span is kept.
bool FilterKeepsSpan(const TracingConfig& config, std::optional<bool> result);

// ---------------------------------------------------------------------------------------------
// Spans

// How the matched route rule matched the path; names the span "<METHOD> <match>".
struct PathMatchFacts {
  enum class Kind { kExact, kPrefix, kRegex, kInvalid };
  Kind kind = Kind::kPrefix;
  std::string value;
};

// "/x" for Exact, "/*" for PathPrefix "/", "/x/*" for PathPrefix "/x", the regex itself, or
// "<invalid>".
std::string PathMatchName(const PathMatchFacts& match);

// What the proxy knows about one request when its log ends. Unset optionals (and empty
// gateway/route names) are attributes left out. MCP and A2A facts are not modelled.
struct SpanFacts {
  std::string gateway_namespace;
  std::string gateway_name;
  std::optional<std::string> listener;
  std::optional<std::string> route_rule;
  std::string route_namespace;
  std::string route_name;
  std::optional<std::string> endpoint;      // selected upstream "host:port"
  std::optional<std::string> src_addr;      // downstream "ip:port"
  std::optional<std::string> src_identity;  // TLS peer identity
  std::optional<std::string> method;
  std::optional<std::string> host;
  std::optional<std::string> path;          // path and query as received
  std::optional<std::string> http_version;  // "HTTP/1.1", "HTTP/2.0", "HTTP/1.0"
  std::optional<std::int64_t> status;
  std::optional<std::int64_t> grpc_status;
  std::optional<std::string> tls_sni;  // written only when there is no host
  std::optional<std::string> jwt_sub;
  std::optional<std::string> protocol;  // backend protocol: http, tcp, a2a, mcp, llm
  std::optional<std::string> inference_pool_endpoint;
  // LLM requests.
  std::optional<std::string> gen_ai_operation;  // "chat" or "embeddings"
  std::optional<std::string> gen_ai_provider;
  std::optional<std::string> gen_ai_request_model;
  std::optional<std::string> gen_ai_response_model;
  std::optional<std::int64_t> input_tokens;
  std::optional<std::int64_t> cache_creation_input_tokens;
  std::optional<std::int64_t> cache_read_input_tokens;
  std::optional<std::int64_t> output_tokens;
  std::optional<std::int64_t> reasoning_tokens;
  std::optional<double> time_to_first_token_seconds;    // streaming only
  std::optional<double> time_per_output_token_seconds;  // streaming only
  std::optional<std::string> cost_total;                // decimal text, when priced
  std::optional<std::int64_t> output_image_tokens;
  std::optional<std::int64_t> input_audio_tokens;
  std::optional<std::int64_t> output_audio_tokens;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<double> frequency_penalty;
  std::optional<double> presence_penalty;
  std::optional<std::int64_t> embeddings_dimensions;
  std::optional<std::int64_t> max_tokens;
  std::optional<std::int64_t> seed;
  std::optional<std::string> encoding_formats;
  std::optional<std::int64_t> retry_attempt;
  std::optional<std::string> reason;  // proxy response reason; "Upstream" is left out
  std::optional<std::chrono::milliseconds> duration;
  // Cost parts, when priced (decimal text): input, output, cache_read, cache_write, reasoning,
  // input_audio, output_audio, in this order.
  std::vector<std::pair<std::string, std::string>> cost_parts;
  // Naming: the matched route's path match (absent: no route, span "unknown"), and the request
  // path (without query) for a gRPC request (content-type application/grpc[+...]).
  std::optional<PathMatchFacts> path_match;
  std::optional<std::string> grpc_path;
  std::chrono::system_clock::time_point start;
  std::chrono::system_clock::time_point end;
  std::optional<std::string> error;  // the proxy's error: status ERROR with this message
};

// One evaluated `attributes.add` entry (after flatten/flattenRecursive expansion), as CEL->JSON
// gives it. Entries whose evaluation failed or gave null are left out by the caller (and nulls
// here are skipped).
using AddedAttribute = std::pair<std::string, nlohmann::ordered_json>;

// agentgateway's to_otel typing of an added value: a string as itself, an integer fitting int64
// as int, another number as double, anything else as its text (true/false, compact JSON for
// arrays and objects).
otlp::AnyValue AttributeValueFromJson(const nlohmann::ordered_json& value);

// The SERVER span of one exported request (spec 1.5): name, attributes in agentgateway's order
// and types (a key named in attributes.remove or attributes.add left out; url.scheme and
// network.protocol.version always appended; then the added values in order, an added
// `span.name` string naming the span instead), status ERROR only when facts.error is set.
// `decision` must be exported().
otlp::Span ServerSpan(const SpanFacts& facts, const TracingConfig& config,
                      const std::vector<AddedAttribute>& added, const TraceDecision& decision);

// The CLIENT span of an outbound call (spec 1.6).
struct OutboundFacts {
  std::string kind = "Primary";  // Primary | Policy | Mirror
  std::string subtype = "Llm";   // Http | Llm | Mcp | ExtAuthz | ExtProc | Guardrail | ...
  std::string method;
  // "<service hostname>:<port>" for a Service backend (the span is "<METHOD> <target>"),
  // nullopt otherwise (the span is "<METHOD>").
  std::optional<std::string> service_target;
  std::optional<std::string> host;  // the request URI's host
  std::string path;                 // path and query sent upstream
  std::optional<std::int64_t> status;
  // On a failed call: error.type = reason, status ERROR with the description.
  std::optional<std::string> error_type;
  std::string error_description;
  std::chrono::system_clock::time_point start;
  std::chrono::system_clock::time_point end;
};

// `span` is the child context from NewChildSpan, `parent` the server span.
otlp::Span OutboundSpan(const OutboundFacts& facts, const TraceParent& parent,
                        const TraceParent& span);

// ---------------------------------------------------------------------------------------------
// Resource

struct ResourceFacts {
  std::string gateway_namespace;  // service.namespace
  std::string gateway_name;       // service.name unless a resources entry names it
  std::string version;            // service.version: this program's version
  // OTEL_RESOURCE_ATTRIBUTES as found in the environment ("k=v,k=v"); empty when unset.
  std::string otel_resource_attributes;
};

// One evaluated `resources` entry; failed evaluations are left out by the caller.
using ResourceAttribute = std::pair<std::string, nlohmann::ordered_json>;

// The Resource attributes (spec 1.7): the SDK's (service.name, telemetry.sdk.language "rust",
// telemetry.sdk.name "opentelemetry", telemetry.sdk.version "0.32.0": what agentgateway's
// opentelemetry-rust reports), OTEL_RESOURCE_ATTRIBUTES, service.namespace, service.version, the
// resources in order (string, int, double, bool, else JSON text), then service.name = the first
// resources entry of that name with a string value, else the Gateway name. A later value of a key
// replaces the earlier one in its place.
std::vector<otlp::KeyValue> TraceResource(const ResourceFacts& facts,
                                          const std::vector<ResourceAttribute>& resources);

// Nanoseconds since the Unix epoch (0 before it).
std::uint64_t UnixNanos(std::chrono::system_clock::time_point time);

}  // namespace agw::emulator::policy
