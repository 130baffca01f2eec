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

std::shared_ptr<const Snapshot> MakeSnapshot(
    std::unique_ptr<validate::resolve::Pipeline> pipeline) {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->table = route::RouteTable::Compile(pipeline->resolution.config, &snapshot->problems);
  for (const route::Bind& bind : snapshot->table->Binds()) {
    snapshot->binds.emplace(bind.ToString(), bind);
  }
  snapshot->pipeline = std::move(pipeline);
  return snapshot;
}

}  // namespace agw::emulator::gateway
