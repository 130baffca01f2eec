#pragma once

// agentgateway's runtime CEL (spec-tracing-cel.md PART 2; agentgateway crates/agentgateway/src/
// cel/mod.rs and types.rs): the attributes the gateway knows about a request, as plain data
// (AttributeContext); the variables an expression sees in each phase (BuildActivation);
// expressions compiled once from the configuration's text and evaluated per request
// (RuntimeExpression), with the boolean and sampling readings agentgateway gives results; and the
// JSON the access log and the trace attributes make of a result (ToJson, FlattenedFields).
//
// Pure: the clock, the randomness and the process environment are passed in. A RuntimeExpression
// is immutable once compiled and may be evaluated from several threads at once.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/http/headers.h"
#include "validate/cel/ast.h"
#include "validate/cel/eval.h"
#include "validate/cel/value.h"

namespace agw::emulator::policy {

using CelTime = std::chrono::system_clock::time_point;
// JSON parts of the context (claims, bodies, metadata) keep their key order, as agentgateway's
// serde_json (preserve_order) does.
using CelJson = nlohmann::ordered_json;

// `request`. Types as agentgateway gives them to CEL: strings, `headers` a header view
// (validate/cel/agentgateway_values.h HeaderView), bodies bytes, times timestamps.
struct CelRequest {
  std::string method;                 // "GET"
  std::string uri;                    // absolute: "http://example.com/api?k=v"
  std::optional<std::string> host;    // the authority, "example.com"; null when unknown
  std::optional<std::string> scheme;  // "http"; null when unknown
  std::string path;                   // "/api"
  std::string path_and_query;         // "/api?k=v"
  std::string version;                // "HTTP/1.1", "HTTP/2" (agentgateway's version_str)
  http::HeaderList headers;           // as received
  // The complete body when it was buffered within the limit; absent otherwise (then
  // `request.body` is a missing key, as when agentgateway's buffer overflowed).
  std::optional<std::string> body;
  // The first max-buffer-size bytes (`request.bodyPrefix`); defaults to `body` when unset.
  std::optional<std::string> body_prefix;
  std::optional<CelTime> start_time;
  std::optional<CelTime> end_time;  // `request.endTime`, in the logging phase only
};

// `response`. `code` and `grpcStatus` are uints, as agentgateway's u16/u8 become.
struct CelResponse {
  int code = 0;
  std::optional<int> grpc_status;
  http::HeaderList headers;
  std::optional<std::string> body;
  std::optional<std::string> body_prefix;
};

// The downstream TLS peer, flattened into `source` when the connection had one.
struct CelTlsPeer {
  struct Identity {
    std::string trust_domain;
    std::string namespace_name;
    std::string service_account;
  };
  std::optional<Identity> identity;
  std::optional<std::string> spiffe_id;
  std::vector<std::string> subject_alt_names;
  std::string issuer;
  std::string subject;
  std::optional<std::string> subject_cn;
  std::optional<std::string> certificate;  // PEM
};

// `source`: the downstream peer. Ports are uints.
struct CelSource {
  std::string address;  // IP, "127.0.0.1"
  int port = 0;
  std::string raw_address;  // before PROXY protocol; the same without it
  int raw_port = 0;
  std::optional<CelTlsPeer> tls;
  struct Workload {
    std::string name;
    std::string namespace_name;
    std::string service_account;
  };
  std::optional<Workload> unverified_workload;
  http::HeaderList connect_headers;  // `source.connectHeaders`, a header view
};

// `destination`: where the gateway accepted the connection.
struct CelDestination {
  std::string address;
  int port = 0;
  std::optional<std::string> hostname;  // SNI for TLS
};

// `proxy`: which Gateway, listener and route took the request, and the time spent.
struct CelProxy {
  std::optional<std::string> bind;
  struct Gateway {
    std::string namespace_name;
    std::string name;
  };
  std::optional<Gateway> gateway;
  std::optional<std::string> listener;  // `proxy.listener.name`
  struct Route {
    std::string namespace_name;
    std::string name;
    std::optional<std::string> kind;  // "HTTPRoute"
    std::optional<std::string> rule;
  };
  std::optional<Route> route;
  std::optional<std::chrono::nanoseconds> request_processing_duration;
  std::optional<std::chrono::nanoseconds> upstream_duration;
  std::optional<std::chrono::nanoseconds> response_processing_duration;
};

// `env`: the pod and Gateway the process runs as (agentgateway reads them from its environment;
// here the caller does). An unset field is a missing key.
struct CelEnvironment {
  std::optional<std::string> pod_name;
  std::optional<std::string> namespace_name;
  std::optional<std::string> gateway;
};

// `backend`.
struct CelBackend {
  std::string name;               // "service/ns/name:8080"
  std::string type = "unknown";   // ai, mcp, static, dynamic, service, unknown
  std::string protocol = "http";  // http, tcp, a2a, mcp, llm
};

// `llm` (agentgateway LLMContext). Counts are uints; an unset optional is a missing key.
struct CelLlm {
  bool streaming = false;
  std::string request_model;
  std::optional<std::string> response_model;
  std::string provider;
  std::optional<std::uint64_t> input_tokens;
  std::optional<std::uint64_t> provider_input_tokens;
  std::optional<std::uint64_t> input_image_tokens;
  std::optional<std::uint64_t> input_text_tokens;
  std::optional<std::uint64_t> input_audio_tokens;
  std::optional<std::uint64_t> cached_input_tokens;
  std::optional<std::uint64_t> cache_creation_input_tokens;
  std::optional<std::uint64_t> output_tokens;
  std::optional<std::uint64_t> output_image_tokens;
  std::optional<std::uint64_t> output_text_tokens;
  std::optional<std::uint64_t> output_audio_tokens;
  std::optional<std::uint64_t> reasoning_tokens;
  std::optional<std::uint64_t> total_tokens;
  std::optional<std::uint64_t> provider_total_tokens;
  std::optional<std::string> service_tier;
  std::optional<std::chrono::nanoseconds> time_to_first_token;
  std::optional<std::chrono::nanoseconds> time_per_output_token;
  std::optional<std::uint64_t> count_tokens;
  struct Message {
    std::string role;
    std::string content;
  };
  std::optional<std::vector<Message>> prompt;
  std::optional<std::vector<std::string>> completion;
  struct ToolCall {
    std::string id;
    std::string name;
    CelJson arguments;
  };
  std::optional<std::vector<ToolCall>> tool_calls;
  // `llm.params`, always present; its fields by their snake_case names.
  struct Params {
    std::optional<double> temperature;
    std::optional<double> top_p;
    std::optional<double> frequency_penalty;
    std::optional<double> presence_penalty;
    std::optional<std::int64_t> seed;
    std::optional<std::uint64_t> max_tokens;
    std::optional<std::string> encoding_format;
    std::optional<std::uint64_t> dimensions;
  } params;
  // `llm.cost` and `llm.costRates`: USD figures by name ("total", "input", "output",
  // "cacheRead", ...), in this order; unset when the model could not be priced.
  std::optional<std::vector<std::pair<std::string, double>>> cost;
  std::optional<std::vector<std::pair<std::string, double>>> cost_rates;
};

// `mcp`.
struct CelMcp {
  std::optional<std::string> method_name;
  std::optional<std::string> session_id;
  struct Target {
    std::string target;
    std::string name;
  };
  struct Tool {
    std::string target;
    std::string name;
    std::optional<CelJson> arguments;  // an object
    std::optional<CelJson> result;
    std::optional<CelJson> error;
  };
  std::optional<Tool> tool;
  std::optional<Target> prompt;
  std::optional<Target> resource;
  std::optional<Target> task;
};

// Everything the gateway may know about one request. An absent part is an absent variable.
struct AttributeContext {
  std::optional<CelRequest> request;
  std::optional<CelResponse> response;
  std::optional<CelProxy> proxy;
  CelEnvironment env;
  std::optional<CelSource> source;
  std::optional<CelDestination> destination;
  // `jwt`: the verified claims (an object) and the token, which CEL sees redacted as
  // `jwt.rawToken` (`.unredacted()` reveals it).
  struct Jwt {
    CelJson claims = CelJson::object();
    std::string raw_token;
  };
  std::optional<Jwt> jwt;
  // `apiKey`: `key` redacted, and the key's metadata (an object) flattened beside it.
  struct ApiKey {
    std::string key;
    CelJson metadata = CelJson::object();
  };
  std::optional<ApiKey> api_key;
  std::optional<std::string> basic_auth_username;  // `basicAuth.username`
  std::optional<CelLlm> llm;
  std::optional<CelJson> llm_request;  // `llmRequest`: the LLM request body
  std::optional<CelMcp> mcp;
  std::optional<CelBackend> backend;
  // Dynamic metadata objects: `extauthz`, `extproc`, `mcpGuardrails`, and `metadata` (what
  // transformation `metadata` expressions set).
  std::optional<CelJson> extauthz;
  std::optional<CelJson> extproc;
  std::optional<CelJson> mcp_guardrails;
  std::optional<CelJson> metadata;
  // Header names whose values `headers.redacted()` hides (agentgateway marks these two).
  std::vector<std::string> sensitive_headers = {"authorization", "proxy-authorization"};
};

// Which of agentgateway's evaluation contexts an expression runs in (spec 2.3), and so which
// parts of the context it sees; the others are absent even when the context has them.
enum class CelPhase {
  kFrontend,     // before routing (tracing sampling): request, source, destination, env, proxy
  kRequest,      // request policies: + jwt, apiKey, basicAuth, backend, extauthz, extproc,
                 // mcpGuardrails, metadata
  kResponse,     // response policies: kRequest + response, llm
  kLlmRequest,   // AI transformations, model routing: kRequest + llm, llmRequest
  kMcpRequest,   // MCP authorization: kRequest + mcp
  kNetwork,      // TCP / network authorization: source, destination, env
  kLogging,      // access log, metrics, tracing attributes and filter: all but llmRequest, with
                 // request.endTime
  kEnvironment,  // tracing resources: env only
};

// The top-level variables an expression refers to, found at compile time as agentgateway's
// attributes_for does, so the gateway captures only what is used: `request.body` or
// `request.bodyPrefix` needs the request body buffered. Indexing (`request["body"]`) is not
// seen, as in agentgateway; variables() uses everything.
struct VariableUse {
  std::vector<std::string> names;  // sorted, unique
  bool request_body = false;
  bool response_body = false;
  bool llm_prompt = false;
  bool llm_completion = false;
  bool llm_tool_calls = false;
  bool everything = false;  // variables() is called

  bool Uses(std::string_view name) const;
};

VariableUse ReferencedVariables(const validate::cel::Expr& root);

// The variables of `phase`, from `context`. Every variable agentgateway declares is bound: the
// absent ones to null (so `jwt == null` holds and `jwt.sub` is "no such key: sub"), and with
// `only` given, the ones it does not use to null too (a shortcut; the result is the same for an
// expression whose VariableUse `only` is).
validate::cel::Activation BuildActivation(const AttributeContext& context, CelPhase phase,
                                          const VariableUse* only = nullptr);

// A CEL string of the configuration, compiled once.
class RuntimeExpression {
 public:
  // The most expression nodes one evaluation visits before it fails with "operation cancelled:
  // actual cost limit exceeded" (agentgateway has no limit; real expressions stay far below).
  static constexpr std::uint64_t kStepLimit = 100'000;

  // Compiles `text` as agentgateway compiles the CEL of its xDS configuration
  // (Expression::new_permissive): when it does not parse, the expression still exists and always
  // evaluates to the error `fail() called: the expression "<text>" could not be compiled` (the
  // text quoted as Rust's Debug quotes it), referring to no variables.
  explicit RuntimeExpression(std::string text);

  const std::string& text() const { return text_; }
  // The parse error ("<line>:<column>: <message>") when the text did not compile.
  const std::optional<std::string>& compile_error() const { return compile_error_; }
  const VariableUse& variables() const { return variables_; }

  // The result, with views materialized (secrets stay "<redacted>"); errors are error values.
  // `random_bits` feeds random() and uuid() (unset: they fail).
  validate::cel::Value Evaluate(const validate::cel::Activation& vars,
                                std::function<std::uint64_t()> random_bits = {}) const;
  validate::cel::Value Evaluate(const AttributeContext& context, CelPhase phase,
                                std::function<std::uint64_t()> random_bits = {}) const;
  // agentgateway's eval_bool: true only for a true result; errors and other values are false.
  bool EvaluateBool(const AttributeContext& context, CelPhase phase,
                    std::function<std::uint64_t()> random_bits = {}) const;
  // agentgateway's eval_rng (sampling): a bool is itself; a double is clamped to [0, 1] and
  // drawn as a Bernoulli trial from `random`; an int is clamped to [0, 1] (0 never, 1 always);
  // anything else (uint included) and errors are false. random() in the expression draws from
  // `random` too.
  bool EvaluateSampling(const AttributeContext& context, CelPhase phase,
                        std::mt19937_64& random) const;

 private:
  std::string text_;
  std::shared_ptr<const validate::cel::Ast> ast_;  // null when the text did not compile
  std::optional<std::string> compile_error_;
  VariableUse variables_;
};

// eval_bool and eval_rng on a result already evaluated.
bool ResultIsTrue(const validate::cel::Value& result);
bool SampleResult(const validate::cel::Value& result, std::mt19937_64& random);

// A result as JSON, as agentgateway's Value::json makes it for logs and trace attributes:
// timestamps as RFC 3339 text, durations as CEL prints them ("1.5s"), bytes as base64, lists and
// maps recursively (map keys as text), errors and NaN as null. ToOrderedJson keeps map order,
// as agentgateway's serde_json (preserve_order) does; ToJson's objects are sorted by key.
nlohmann::json ToJson(const validate::cel::Value& value);
nlohmann::ordered_json ToOrderedJson(const validate::cel::Value& value);

// One log field or trace attribute `name` with the result `value`, as agentgateway's access log
// adds it (telemetry/log.rs resolve_value): nothing for null or an error; a flatten() marker
// (validate/cel/agentgateway_values.h AsFlattenMarker) expands into `<name>.<index>` /
// `<name>.<key>` entries, one level (flatten) or through every nested list and map
// (flattenRecursive, where empty ones add nothing); anything else is the one entry.
std::vector<std::pair<std::string, nlohmann::ordered_json>> FlattenedFields(
    std::string_view name, const validate::cel::Value& value);

// JSON as a CEL value, as agentgateway's serde_json to cel conversion gives it: objects maps in
// order, integers int (uint past int64), other numbers double. Nesting past 128 levels is null.
validate::cel::Value FromJson(const nlohmann::json& json);
validate::cel::Value FromJson(const nlohmann::ordered_json& json);

}  // namespace agw::emulator::policy
