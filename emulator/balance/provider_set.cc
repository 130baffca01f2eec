#include "emulator/balance/provider_set.h"

namespace agw::emulator::balance {
namespace {

constexpr double kAlpha = 0.3;
constexpr std::chrono::seconds kDefaultEviction{3};

}  // namespace

ProviderSet::ProviderSet(std::vector<std::size_t> tier_sizes) {
  for (std::size_t size : tier_sizes) {
    if (size > 0) {
      tiers_.emplace_back(size);
    }
  }
}

bool ProviderSet::InRotation(Provider& provider, Clock::time_point now) {
  if (!provider.evicted_until) {
    return true;
  }
  if (now < *provider.evicted_until) {
    return false;
  }
  provider.evicted_until.reset();
  if (provider.restore_health) {
    provider.health = *provider.restore_health;
  }
  return true;
}

std::optional<ProviderSet::Pick> ProviderSet::Select(Clock::time_point now,
                                                     std::mt19937_64& random) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (tiers_.empty()) {
    return std::nullopt;
  }
  // The first tier with a provider in rotation; when every provider is out, the first tier's
  // evicted providers still serve (selection never fails only because of evictions).
  std::size_t tier = 0;
  std::vector<std::size_t> candidates;
  for (std::size_t t = 0; t < tiers_.size() && candidates.empty(); ++t) {
    for (std::size_t i = 0; i < tiers_[t].size(); ++i) {
      if (InRotation(tiers_[t][i], now)) {
        candidates.push_back(i);
      }
    }
    tier = t;
  }
  if (candidates.empty()) {
    tier = 0;
    for (std::size_t i = 0; i < tiers_[0].size(); ++i) {
      candidates.push_back(i);
    }
  }
  std::uniform_int_distribution<std::size_t> uniform(0, candidates.size() - 1);
  std::size_t first = candidates[uniform(random)];
  std::size_t second = candidates[uniform(random)];
  std::vector<Provider>& providers = tiers_[tier];
  std::size_t chosen = providers[second].Score() > providers[first].Score() ? second : first;
  ++providers[chosen].pending;
  return Pick{tier, chosen};
}

void ProviderSet::Finish(Pick pick, bool healthy, double seconds, Clock::time_point now,
                         const std::optional<EvictionPolicy>& policy,
                         std::optional<std::chrono::milliseconds> retry_after) {
  std::lock_guard<std::mutex> lock(mutex_);
  Provider& provider = tiers_.at(pick.tier).at(pick.index);
  if (provider.pending > 0) {
    --provider.pending;
  }
  double health_before = provider.health;
  if (healthy) {
    provider.latency =
        provider.has_latency ? kAlpha * seconds + (1 - kAlpha) * provider.latency : seconds;
    provider.has_latency = true;
    provider.health = kAlpha * 1.0 + (1 - kAlpha) * provider.health;
    provider.consecutive_failures = 0;
    provider.times_evicted = 0;
    return;
  }
  provider.health = (1 - kAlpha) * provider.health;
  ++provider.consecutive_failures;
  if (!policy) {
    return;  // eviction needs a health policy
  }
  bool evict;
  if (!policy->consecutive_failures && !policy->health_threshold) {
    evict = true;  // any unhealthy answer
  } else {
    evict = (policy->consecutive_failures &&
             provider.consecutive_failures >= *policy->consecutive_failures) ||
            (policy->health_threshold && health_before < *policy->health_threshold);
  }
  if (!evict) {
    return;
  }
  std::chrono::milliseconds base = policy->duration.count() > 0 ? policy->duration
                                   : retry_after                ? *retry_after
                                                                : kDefaultEviction;
  ++provider.times_evicted;
  provider.evicted_until = now + base * provider.times_evicted;
  provider.restore_health = policy->restore_health;
}

bool ProviderSet::Evicted(Pick pick, Clock::time_point now) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const Provider& provider = tiers_.at(pick.tier).at(pick.index);
  return provider.evicted_until && now < *provider.evicted_until;
}

}  // namespace agw::emulator::balance
