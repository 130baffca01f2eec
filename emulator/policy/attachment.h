#pragma once

// Which AgentgatewayPolicies reach one request, and how their fields merge, as agentgateway's
// data plane merges the policies the controller sends it (store/binds.rs): route-phase traffic
// fields from the least to the most specific target, the most specific winning a field unless a
// less specific policy with `strategy.inheritance: Override` set it first; backend fields from
// the strongest target down; and an AI policy merged field by field.
//
// Two policies on the same target that set the same field: agentgateway keeps them in a hash set
// and one wins arbitrarily. Here the policy whose "namespace/name" sorts first wins, every time,
// and SameTargetConflicts names such pairs so `run` can say so.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "validate/model/agentgateway.h"
#include "validate/resolve/resolve.h"

namespace agw::emulator::policy {

// Where one request is, in the terms policies target it.
struct RequestPlace {
  const validate::model::Gateway* gateway = nullptr;
  std::string listener;  // the Gateway listener's name
  std::int32_t port = 0;
  std::string route_kind;  // HTTPRoute | GRPCRoute; empty before routing
  std::string route_namespace;
  std::string route_name;
  std::optional<std::string> rule_name;
  // The chosen backend: AgentgatewayBackend or Service; empty when there is none.
  std::string backend_kind;
  std::string backend_namespace;
  std::string backend_name;
};

// The policies attached to each target of one configuration. Borrows the attached policies
// (validate::resolve::ResolvedConfig::policies), which must outlive it.
class PolicyIndex {
 public:
  explicit PolicyIndex(const std::vector<validate::resolve::AttachedPolicy>& policies);

  // The policies with a `traffic` section that apply after routing (phase PostRouting, the
  // default), least specific first: Gateway (whole, or the request's port), listener, route,
  // rule. On one target, the policy whose name sorts first comes last (it wins).
  std::vector<const validate::resolve::AttachedPolicy*> RouteTraffic(
      const RequestPlace& place) const;

  // The policies with a `backend` section for the request's backend, strongest first (agentgateway
  // follows its code here, not the CRD's prose): rule, route, the backend itself
  // (AgentgatewayBackend without sectionName, or the Service), listener, Gateway. The backend's own
  // `spec.policies` come before all of them; the caller adds those.
  std::vector<const validate::resolve::AttachedPolicy*> Backend(const RequestPlace& place) const;

  // The policies with a `backend` section that target provider `provider` of AgentgatewayBackend
  // `backend_namespace/backend_name` (sectionName), strongest first.
  std::vector<const validate::resolve::AttachedPolicy*> Provider(
      const std::string& backend_namespace, const std::string& backend_name,
      const std::string& provider) const;

  // "Kind namespace/name" of targets that two or more policies set `field` on ("rateLimit", ...),
  // with the policies' names, for a startup note.
  struct Conflict {
    std::string target;
    std::string field;
    std::vector<std::string> policies;  // "namespace/name", the winner first
  };
  std::vector<Conflict> SameTargetConflicts() const;

 private:
  using Key = std::tuple<std::string, std::string, std::string>;  // kind, namespace, name
  // Every attached policy of a target, its name sorting first first.
  std::map<Key, std::vector<const validate::resolve::AttachedPolicy*>> by_target_;
};

// A route-phase traffic field picked from `layers` (least specific first, as RouteTraffic
// returns them): the last policy that sets it, unless an earlier one with inheritance Override
// set it. `get` returns a pointer to the field, or null when the policy does not set it.
template <typename Field>
struct Picked {
  const Field* value = nullptr;
  const validate::resolve::AttachedPolicy* from = nullptr;
};

template <typename Field, typename Get>
Picked<Field> PickTrafficField(const std::vector<const validate::resolve::AttachedPolicy*>& layers,
                               Get get) {
  Picked<Field> picked;
  for (const validate::resolve::AttachedPolicy* layer : layers) {
    const validate::model::AgentgatewayPolicy& policy = *layer->policy;
    if (!policy.traffic) {
      continue;
    }
    const Field* value = get(*policy.traffic);
    if (value == nullptr) {
      continue;
    }
    picked.value = value;
    picked.from = layer;
    if (policy.inheritance == "Override") {
      break;  // locked: no more specific policy replaces it
    }
  }
  return picked;
}

// agentgateway's merge of two AI policies: `preferred` wins each field it sets. promptGuard,
// prompt, defaults, overrides, transformations, finalTransformations and promptCaching are
// taken whole; modelAliases and routes when not empty.
validate::model::BackendAI MergeAi(const validate::model::BackendAI& preferred,
                                   const validate::model::BackendAI& fallback);

// "traffic/<namespace>/<name>:<feature>:<target>": the identity of the data-plane policy one
// AgentgatewayPolicy feature becomes on one target (state such as a rate-limit bucket belongs
// to it).
std::string PolicyKey(const validate::resolve::AttachedPolicy& attached, std::string_view feature);

}  // namespace agw::emulator::policy
