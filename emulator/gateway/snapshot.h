#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "emulator/balance/provider_set.h"
#include "emulator/gateway/ai_backends.h"
#include "emulator/gateway/frontend.h"
#include "emulator/gateway/route_policies.h"
#include "emulator/policy/attachment.h"
#include "emulator/route/table.h"
#include "validate/resolve/pipeline.h"

namespace agw::emulator::gateway {

// The health of every AI backend's providers, kept across requests and across reloads that keep
// a backend's group shape (a reload must not forget that a provider was evicted). Thread-safe.
class ProviderHealth {
 public:
  // The provider set of `plan`'s backend, keyed by "namespace/name#tier sizes": a backend whose
  // groups changed shape starts afresh.
  std::shared_ptr<balance::ProviderSet> For(const AiBackendPlan& plan);

 private:
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<balance::ProviderSet>> sets_;
};

// One configuration the gateway serves: the control-plane result and the route table built
// from it. Immutable once built (but for the AI backend plans made on first use); requests hold
// it while they use it, so a reload never pulls it from under a request.
struct Snapshot {
  std::unique_ptr<validate::resolve::Pipeline> pipeline;
  std::unique_ptr<route::RouteTable> table;
  std::vector<std::string> problems;  // matches the route table had to leave out
  // The AgentgatewayPolicies attached to each target of the configuration.
  std::unique_ptr<policy::PolicyIndex> policy_index;
  // Carries out remote prompt guards (webhook, openAIModeration); null in a dry run.
  std::shared_ptr<const policy::GuardCaller> guard_caller;
  // The frontend policies (tracing, access log) of each Gateway and listener.
  FrontendIndex frontend;
  // What the frontend policies could not use (a tracing url the controller refuses, ...).
  std::vector<std::string> frontend_problems;
  // The binds of `table` by "namespace/name:port": a listener opened for an earlier snapshot
  // finds its bind in this one by name (the model objects are rebuilt on every reload).
  std::map<std::string, route::Bind> binds;

  // An AI backend's plan (providers, keys, policies) with its providers' health.
  struct AiBackend {
    AiBackendPlan plan;
    std::shared_ptr<balance::ProviderSet> providers;  // shared with later snapshots
  };
  // Made on first use and kept: a snapshot's manifests do not change, and planning per request
  // read every Secret and policy again.
  std::shared_ptr<const AiBackend> AiBackendFor(const validate::model::AgentgatewayBackend& backend,
                                                const AiOptions& options,
                                                ProviderHealth& health) const;

  // The merged policies of each (listener, rule, AI backend or null) of `table`, made by
  // MakeSnapshot.
  std::map<std::tuple<const route::ListenerRoutes*, const validate::resolve::ResolvedRule*,
                      const validate::model::AgentgatewayBackend*>,
           std::shared_ptr<const RoutePolicies>>
      route_policies;

  // The policies of the requests `match` routes to `backend` (null when the chosen backend is
  // not an AI backend). Thread-safe: a lookup in `route_policies`.
  std::shared_ptr<const RoutePolicies> PoliciesFor(
      const route::Decision& match, const validate::model::AgentgatewayBackend* backend) const;

 private:
  mutable std::mutex ai_backends_mutex_;
  mutable std::map<const validate::model::AgentgatewayBackend*, std::shared_ptr<const AiBackend>>
      ai_backends_;
};

// Builds a Snapshot from a finished pipeline.
// `guard_caller` carries out the webhook and moderation guards of the policies (null: not
// called, as in translate).
std::shared_ptr<const Snapshot> MakeSnapshot(
    std::unique_ptr<validate::resolve::Pipeline> pipeline,
    std::shared_ptr<const policy::GuardCaller> guard_caller = nullptr);

}  // namespace agw::emulator::gateway
