#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <random>
#include <vector>

namespace agw::emulator::balance {

using Clock = std::chrono::steady_clock;

// When an unhealthy answer takes a provider out of rotation (an AI backend's `policies.health`).
// Without a health policy nothing is ever evicted.
struct EvictionPolicy {
  std::chrono::milliseconds duration{0};    // 0: Retry-After when given, else 3s
  std::optional<int> consecutive_failures;  // evict when this many failures in a row
  std::optional<double> health_threshold;   // evict when the health EWMA was below (0..1)
  std::optional<double> restore_health;     // health after the eviction ends (0..1)
};

// The providers of one AI backend as agentgateway balances them (llm-dataplane.md 9): groups
// are priority tiers; the first tier with a provider in rotation serves; within it, power of
// two choices by score = health / (1 + latency * (1 + 0.1 * pending)). Thread-safe.
class ProviderSet {
 public:
  struct Pick {
    std::size_t tier = 0;
    std::size_t index = 0;
  };

  explicit ProviderSet(std::vector<std::size_t> tier_sizes);

  // Nullopt only when there are no providers at all. Counts the pick as in flight.
  std::optional<Pick> Select(Clock::time_point now, std::mt19937_64& random);

  // Ends a request started by Select. `retry_after` is the provider's Retry-After (429).
  void Finish(Pick pick, bool healthy, double seconds, Clock::time_point now,
              const std::optional<EvictionPolicy>& policy,
              std::optional<std::chrono::milliseconds> retry_after = std::nullopt);

  bool Evicted(Pick pick, Clock::time_point now) const;

 private:
  struct Provider {
    double health = 1.0;   // EWMA of success, alpha 0.3
    double latency = 0.0;  // EWMA of successful latency in seconds; the first sample replaces
    bool has_latency = false;
    int pending = 0;
    int consecutive_failures = 0;
    int times_evicted = 0;
    std::optional<Clock::time_point> evicted_until;
    std::optional<double> restore_health;

    double Score() const { return health / (1.0 + latency * (1.0 + 0.1 * pending)); }
  };

  bool InRotation(Provider& provider, Clock::time_point now);

  mutable std::mutex mutex_;
  std::vector<std::vector<Provider>> tiers_;
};

}  // namespace agw::emulator::balance
