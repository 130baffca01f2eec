#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "validate/manifest/diagnostic.h"
#include "validate/model/model.h"
#include "validate/resolve/status.h"

namespace agw::validate::resolve {

inline constexpr char kControllerName[] = "agentgateway.dev/agentgateway";

struct ResolveOptions {
  std::string controller_name = kControllerName;
  // GatewayClass names taken to belong to the controller when no GatewayClass object of that
  // name is in the manifest set (the Helm chart creates `agentgateway`; distributions such as
  // `enterprise-agentgateway` install their own).
  std::vector<std::string> implied_gateway_classes = {"agentgateway"};
  // AGW_BACKEND_REF_GRANT_MODE: route | route-and-policy | none.
  std::string backend_ref_grant_mode = "route";
  // AGW_ENABLE_AGENTGATEWAY_MODELS (off by default in the controller): whether AgentgatewayModel
  // objects are translated and listeners may list them in allowedRoutes.kinds. When off they
  // get no status and a warning says so.
  bool enable_models = false;
  // When false, a referenced Service, Secret, Gateway or AgentgatewayBackend that is not in
  // the manifest set is assumed to exist on the cluster and reported as a warning. When true it
  // is treated as missing, exactly as the controller would treat it.
  bool strict_refs = false;
  // Objects known not to be on the cluster ("Kind namespace/name"), such as those the API server
  // would refuse: a reference to one is missing even without strict_refs.
  std::set<std::string> absent;
  std::string cluster_domain = "cluster.local";
};

// One backendRef of a rule after resolution. `valid` is false for refs the controller keeps
// with their weight but no destination (missing, forbidden or unsupported): the data plane
// answers 500 when such a ref is picked.
struct ResolvedBackend {
  // kRouteGroup: HTTPRoute delegation (the rule hands the request to child routes);
  // kInferencePool: served on a cluster by an endpoint picker, which this tool cannot run.
  enum class Kind { kService, kAgentgatewayBackend, kRouteGroup, kInferencePool, kInvalid };
  Kind kind = Kind::kInvalid;
  std::int32_t weight = 1;
  std::string namespace_;
  std::string name;
  std::optional<std::int32_t> port;
  const model::Service* service = nullptr;              // null when not in the manifest set
  const model::AgentgatewayBackend* backend = nullptr;  // null when not in the manifest set
  const model::HTTPBackendRef* ref = nullptr;
  std::string problem;  // why it is invalid
};

struct ResolvedRule {
  std::size_t index = 0;
  std::string key;  // "<ns>/<route>.<NN>.<listener>", the data plane's tie-breaker
  const model::HTTPRouteRule* http = nullptr;
  const model::GRPCRouteRule* grpc = nullptr;
  std::vector<ResolvedBackend> backends;
};

struct ResolvedRoute {
  std::string kind;  // HTTPRoute | GRPCRoute
  const model::HTTPRoute* http = nullptr;
  const model::GRPCRoute* grpc = nullptr;
  std::vector<ResolvedRule> rules;
};

// A listener the controller programs, with the routes attached to it.
struct ResolvedListener {
  const model::Gateway* gateway = nullptr;
  const model::Listener* listener = nullptr;
  std::string key;  // "<ns>/<gateway>.<listener>"
  std::vector<ResolvedRoute> routes;
};

// One target an AgentgatewayPolicy reaches, as the controller sends it to the data plane: the
// target exists, is attached to one of the controller's Gateways, and the policy is not Invalid
// (controller.md 5.1-5.3). A PartiallyValid policy is listed: the controller sends what it could
// translate.
struct AttachedPolicy {
  const model::AgentgatewayPolicy* policy = nullptr;
  std::string kind;  // Gateway | ListenerSet | HTTPRoute | GRPCRoute | AgentgatewayBackend | ...
  std::string namespace_;
  std::string name;
  std::optional<std::string> section_name;  // listener, rule name, provider or Service port
  std::optional<std::int32_t> port;         // Gateway targets: the listener port
  bool selected = false;                    // from targetSelectors (else targetRefs)
};

struct ResolvedConfig {
  std::vector<ResolvedListener> listeners;
  // In the order of the inputs' policies, then of each policy's targets.
  std::vector<AttachedPolicy> policies;
};

struct Resolution {
  StatusSet status;
  ResolvedConfig config;
  // The controller's findings (each with the field it is about), "not in the manifest set"
  // warnings and info about objects the controller ignores.
  std::vector<manifest::Diagnostic> findings;
};

// Computes, offline, what the agentgateway controller does with `model`: which objects it
// owns, what attaches where, what each reference resolves to, and the status it writes.
// Borrows `model` (the Resolution points into it).
Resolution Resolve(const model::Model& model, const ResolveOptions& options);

}  // namespace agw::validate::resolve
