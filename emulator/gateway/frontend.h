#pragma once

// The frontend policies of a Gateway (AgentgatewayPolicy `spec.frontend`) that `run` enforces:
// `tracing` (sampling, the spans and their attributes; emulator/policy/tracing.h) and
// `accessLog` (the filter and the added and removed fields). Compiled once per configuration;
// the CEL expressions run per request on the phase agentgateway runs them in.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "emulator/gateway/access_log.h"
#include "emulator/policy/cel_context.h"
#include "emulator/policy/tracing.h"
#include "validate/resolve/resolve.h"

namespace agw::emulator::gateway {

using NamedRuntimeExpression = std::pair<std::string, policy::RuntimeExpression>;

struct FrontendTracing {
  policy::TracingConfig config;
  std::string key;  // the policy and target (policy::PolicyKey): the exporter's identity
  std::string gateway_namespace;
  std::string gateway_name;
  std::optional<policy::RuntimeExpression> random_sampling;
  std::optional<policy::RuntimeExpression> client_sampling;
  std::optional<policy::RuntimeExpression> filter;
  std::vector<NamedRuntimeExpression> add_attributes;
  // The resource attributes: `resources` evaluated once, with only `env` (spec 1.7).
  std::vector<policy::otlp::KeyValue> resource;
};

struct FrontendAccessLog {
  std::optional<policy::RuntimeExpression> filter;
  std::vector<NamedRuntimeExpression> add_fields;
  std::vector<std::string> remove_fields;
};

struct FrontendPolicies {
  std::shared_ptr<const FrontendTracing> tracing;
  std::shared_ptr<const FrontendAccessLog> access_log;
};

// The frontend policies per Gateway ("namespace/name") and, for policies that target one
// listener (sectionName), per listener name. `version` is service.version of the traces.
class FrontendIndex {
 public:
  FrontendIndex() = default;
  FrontendIndex(const std::vector<validate::resolve::AttachedPolicy>& policies,
                const std::string& version, std::vector<std::string>* problems);

  // The policies of a request arriving on a port of `gateway` whose listeners are `listeners`:
  // per field, a listener's own policy wins over the Gateway's.
  FrontendPolicies For(const std::string& gateway, const std::vector<std::string>& listeners) const;
  bool empty() const { return by_gateway_.empty() && by_listener_.empty(); }

 private:
  std::map<std::string, FrontendPolicies> by_gateway_;
  std::map<std::pair<std::string, std::string>, FrontendPolicies> by_listener_;
};

// One request's trace, from the sampling decision at arrival to the spans at its end.
struct RequestTrace {
  std::shared_ptr<const FrontendTracing> tracing;
  policy::TraceDecision decision;
  std::optional<policy::TraceParent> upstream_span;  // the CLIENT span of the upstream call
  std::chrono::system_clock::time_point start;
};

// Samples a request (spec 1.4): reads its traceparent, evaluates clientSampling or
// randomSampling on `context` (frontend phase), and, when sampled, rewrites the request's
// traceparent header in `headers` to the span the upstream call continues.
RequestTrace StartTrace(std::shared_ptr<const FrontendTracing> tracing, http::HeaderList& headers,
                        const policy::AttributeContext& context, std::mt19937_64& random,
                        std::chrono::system_clock::time_point start);

// What the proxy knew of a finished request, for its spans.
struct FinishedRequest {
  const AccessRecord* record = nullptr;
  std::string host;
  std::string http_version = "HTTP/1.1";
  std::string source;  // "ip:port"
  std::optional<std::string> listener;
  std::string route_namespace;
  std::string route_name;
  std::optional<std::string> route_rule;
  std::optional<policy::PathMatchFacts> path_match;
  std::optional<std::string> endpoint;
  std::chrono::system_clock::time_point end;
};

// The spans of an exported trace: the SERVER span, then the CLIENT span of the upstream call
// when there was one. Empty when the trace is not exported or the filter drops it. `context` is
// the logging phase's.
std::vector<policy::otlp::Span> FinishTrace(const RequestTrace& trace,
                                            const FinishedRequest& request,
                                            const policy::AttributeContext& context);

// The access log's verdict and added fields for one request (logging phase): nullopt when the
// filter drops the line; else the fields to add, in order, flatten()ed ones expanded.
std::optional<std::vector<std::pair<std::string, nlohmann::ordered_json>>> AccessLogFields(
    const FrontendAccessLog& access_log, const policy::AttributeContext& context);

}  // namespace agw::emulator::gateway
