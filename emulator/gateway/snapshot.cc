#include "emulator/gateway/snapshot.h"

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

std::shared_ptr<const RoutePolicies> Snapshot::PoliciesFor(
    const route::Decision& match, const validate::model::AgentgatewayBackend* backend) const {
  std::tuple<const void*, const void*, const void*> key{
      match.listener, match.entry == nullptr ? nullptr : match.entry->rule, backend};
  std::lock_guard<std::mutex> lock(route_policies_mutex_);
  std::shared_ptr<const RoutePolicies>& cached = route_policies_[key];
  if (!cached) {
    policy::RequestPlace place;
    if (match.listener != nullptr && match.listener->listener != nullptr) {
      const validate::resolve::ResolvedListener& listener = *match.listener->listener;
      place.gateway = listener.gateway;
      place.listener = listener.listener->name;
      place.port = listener.listener->port;
    }
    if (match.entry != nullptr) {
      const validate::resolve::ResolvedRoute& route = *match.entry->route;
      const validate::model::ObjectBase* object =
          route.http != nullptr ? static_cast<const validate::model::ObjectBase*>(route.http)
                                : route.grpc;
      if (object != nullptr) {
        place.route_kind = route.kind;
        place.route_namespace = object->metadata.namespace_;
        place.route_name = object->metadata.name;
      }
      const validate::resolve::ResolvedRule& rule = *match.entry->rule;
      place.rule_name = rule.http != nullptr   ? rule.http->name
                        : rule.grpc != nullptr ? rule.grpc->name
                                               : std::nullopt;
    }
    if (backend != nullptr) {
      place.backend_kind = "AgentgatewayBackend";
      place.backend_namespace = backend->metadata.namespace_;
      place.backend_name = backend->metadata.name;
    }
    cached =
        std::make_shared<const RoutePolicies>(MakeRoutePolicies(*policy_index, place, backend));
  }
  return cached;
}

std::shared_ptr<const Snapshot> MakeSnapshot(
    std::unique_ptr<validate::resolve::Pipeline> pipeline) {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->table = route::RouteTable::Compile(pipeline->resolution.config, &snapshot->problems);
  for (const route::Bind& bind : snapshot->table->Binds()) {
    snapshot->binds.emplace(bind.ToString(), bind);
  }
  snapshot->policy_index =
      std::make_unique<policy::PolicyIndex>(pipeline->resolution.config.policies);
  snapshot->pipeline = std::move(pipeline);
  return snapshot;
}

}  // namespace agw::emulator::gateway
