#include "emulator/gateway/snapshot.h"

#include "emulator/gateway/answer.h"

namespace agw::emulator::gateway {

std::shared_ptr<balance::ProviderSet> ProviderHealth::For(const AiBackendPlan& plan) {
  std::vector<std::size_t> sizes;
  std::string key = plan.backend + "#";
  for (const auto& tier : plan.tiers) {
    sizes.push_back(tier.size());
    key += std::to_string(tier.size()) + ",";
  }
  std::lock_guard<std::mutex> lock(mutex_);
  std::shared_ptr<balance::ProviderSet>& set = sets_[key];
  if (!set) {
    set = std::make_shared<balance::ProviderSet>(sizes);
  }
  return set;
}

std::shared_ptr<const Snapshot::AiBackend> Snapshot::AiBackendFor(
    const validate::model::AgentgatewayBackend& backend, const AiOptions& options,
    ProviderHealth& health) const {
  std::lock_guard<std::mutex> lock(ai_backends_mutex_);
  std::shared_ptr<const AiBackend>& cached = ai_backends_[&backend];
  if (!cached) {
    AiBackendPlan made = PlanAiBackend(backend, pipeline->model, options);
    std::shared_ptr<balance::ProviderSet> providers = health.For(made);
    cached = std::make_shared<const AiBackend>(AiBackend{std::move(made), std::move(providers)});
  }
  return cached;
}

namespace {

// Where the requests of `entry` on `listener` to `backend` are, in the terms policies target.
policy::RequestPlace PlaceOf(const route::ListenerRoutes* listener, const route::RouteEntry* entry,
                             const validate::model::AgentgatewayBackend* backend) {
  policy::RequestPlace place;
  if (listener != nullptr && listener->listener != nullptr) {
    place.gateway = listener->listener->gateway;
    place.listener = listener->listener->listener->name;
    place.port = listener->listener->listener->port;
  }
  if (entry != nullptr) {
    const validate::resolve::ResolvedRoute& route = *entry->route;
    const validate::model::ObjectBase* object =
        route.http != nullptr ? static_cast<const validate::model::ObjectBase*>(route.http)
                              : route.grpc;
    if (object != nullptr) {
      place.route_kind = route.kind;
      place.route_namespace = object->metadata.namespace_;
      place.route_name = object->metadata.name;
    }
    const validate::resolve::ResolvedRule& rule = *entry->rule;
    place.rule_name = rule.http != nullptr   ? rule.http->name
                      : rule.grpc != nullptr ? rule.grpc->name
                                             : std::nullopt;
  }
  if (backend != nullptr) {
    place.backend_kind = "AgentgatewayBackend";
    place.backend_namespace = backend->metadata.namespace_;
    place.backend_name = backend->metadata.name;
  }
  return place;
}

// Merges the policies of every (listener, rule, backend) of the table once, so that requests
// only look them up: no lock and no merge on the request path.
void MergeRoutePolicies(Snapshot& snapshot) {
  auto add = [&](const route::ListenerRoutes& listener, const route::RouteEntry& entry,
                 const validate::model::AgentgatewayBackend* backend) {
    auto key = std::make_tuple(&listener, entry.rule, backend);
    if (snapshot.route_policies.find(key) == snapshot.route_policies.end()) {
      snapshot.route_policies.emplace(
          key, std::make_shared<const RoutePolicies>(
                   MakeRoutePolicies(*snapshot.policy_index, PlaceOf(&listener, &entry, backend),
                                     backend, snapshot.guard_caller)));
    }
  };
  auto add_entry = [&](const route::ListenerRoutes& listener, const route::RouteEntry& entry) {
    add(listener, entry, nullptr);
    for (const validate::resolve::ResolvedBackend& backend : entry.rule->backends) {
      if (ServesLlm(backend)) {
        add(listener, entry, backend.backend);
      }
    }
  };
  for (const route::Bind& bind : snapshot.table->Binds()) {
    for (const route::ListenerRoutes& listener : snapshot.table->Listeners(bind)) {
      for (const auto* bucket : {&listener.exact, &listener.wildcard}) {
        for (const auto& [host, entries] : *bucket) {
          for (const route::RouteEntry& entry : entries) {
            add_entry(listener, entry);
          }
        }
      }
      for (const route::RouteEntry& entry : listener.any_host) {
        add_entry(listener, entry);
      }
    }
  }
}

}  // namespace

std::shared_ptr<const RoutePolicies> Snapshot::PoliciesFor(
    const route::Decision& match, const validate::model::AgentgatewayBackend* backend) const {
  const validate::resolve::ResolvedRule* rule =
      match.entry == nullptr ? nullptr : match.entry->rule;
  auto found = route_policies.find(std::make_tuple(match.listener, rule, backend));
  if (found != route_policies.end()) {
    return found->second;
  }
  // A backend MergeRoutePolicies did not see (one a delegated child route chose): merged now.
  return std::make_shared<const RoutePolicies>(MakeRoutePolicies(
      *policy_index, PlaceOf(match.listener, match.entry, backend), backend, guard_caller));
}

std::shared_ptr<const Snapshot> MakeSnapshot(
    std::unique_ptr<validate::resolve::Pipeline> pipeline,
    std::shared_ptr<const policy::GuardCaller> guard_caller) {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->guard_caller = std::move(guard_caller);
  snapshot->table = route::RouteTable::Compile(pipeline->resolution.config, &snapshot->problems);
  for (const route::Bind& bind : snapshot->table->Binds()) {
    snapshot->binds.emplace(bind.ToString(), bind);
  }
  snapshot->policy_index =
      std::make_unique<policy::PolicyIndex>(pipeline->resolution.config.policies);
  snapshot->pipeline = std::move(pipeline);
  MergeRoutePolicies(*snapshot);
  snapshot->frontend = FrontendIndex(snapshot->pipeline->resolution.config.policies, AGW_VERSION,
                                     &snapshot->frontend_problems);
  return snapshot;
}

}  // namespace agw::emulator::gateway
