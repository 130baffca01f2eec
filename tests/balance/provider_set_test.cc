#include "emulator/balance/provider_set.h"

#include <catch2/catch.hpp>
#include <map>

namespace agw::emulator::balance {
namespace {

using namespace std::chrono_literals;

struct Fixture {
  Clock::time_point now = Clock::time_point() + 1h;
  std::mt19937_64 random{42};

  ProviderSet::Pick Select(ProviderSet& set) {
    std::optional<ProviderSet::Pick> pick = set.Select(now, random);
    REQUIRE(pick.has_value());
    return *pick;
  }
  // Selects and finishes healthily; returns the pick.
  ProviderSet::Pick Serve(ProviderSet& set, double seconds = 0.01) {
    ProviderSet::Pick pick = Select(set);
    set.Finish(pick, true, seconds, now, std::nullopt);
    return pick;
  }
};

TEST_CASE(
    "Within a tier, power of two choices spreads requests and favours the healthier provider") {
  Fixture f;
  ProviderSet set({2});
  std::map<std::size_t, int> served;
  for (int i = 0; i < 400; ++i) {
    ++served[f.Serve(set).index];
  }
  CHECK(served[0] > 100);
  CHECK(served[1] > 100);

  // Provider 1 fails often (no health policy: it stays in rotation, but scores lower).
  ProviderSet degraded({2});
  for (int i = 0; i < 5; ++i) {
    degraded.Finish({0, 1}, false, 0, f.now, std::nullopt);
  }
  served.clear();
  for (int i = 0; i < 400; ++i) {
    ++served[f.Serve(degraded).index];
  }
  CHECK(served[0] > 250);
  CHECK(served[1] > 0);  // chosen when both draws land on it
}

TEST_CASE(
    "Without a health policy a failing provider is never evicted, so the next tier stays idle") {
  Fixture f;
  ProviderSet set({1, 1});
  for (int i = 0; i < 10; ++i) {
    ProviderSet::Pick pick = f.Select(set);
    CHECK(pick.tier == 0);
    set.Finish(pick, false, 0, f.now, std::nullopt);
  }
}

TEST_CASE("An eviction moves traffic to the next tier until it expires, then restores health") {
  Fixture f;
  ProviderSet set({1, 1});
  EvictionPolicy policy;
  policy.duration = 30s;
  policy.restore_health = 1.0;
  ProviderSet::Pick first = f.Select(set);
  REQUIRE(first.tier == 0);
  set.Finish(first, false, 0, f.now, policy);  // any unhealthy answer evicts
  CHECK(set.Evicted(first, f.now));
  CHECK(f.Serve(set).tier == 1);
  f.now += 29s;
  CHECK(f.Serve(set).tier == 1);
  f.now += 2s;
  CHECK(f.Serve(set).tier == 0);
}

TEST_CASE("consecutiveFailures counts the current failure; evictions back off multiplicatively") {
  Fixture f;
  ProviderSet set({1, 1});
  EvictionPolicy policy;
  policy.duration = 10s;
  policy.consecutive_failures = 3;
  for (int i = 0; i < 2; ++i) {
    set.Finish(f.Select(set), false, 0, f.now, policy);
  }
  CHECK_FALSE(set.Evicted({0, 0}, f.now));
  set.Finish(f.Select(set), false, 0, f.now, policy);
  CHECK(set.Evicted({0, 0}, f.now));
  f.now += 11s;
  CHECK_FALSE(set.Evicted({0, 0}, f.now));
  // Still failing (no success in between): the next eviction lasts twice as long.
  set.Finish(f.Select(set), false, 0, f.now, policy);
  CHECK(set.Evicted({0, 0}, f.now + 19s));
  CHECK_FALSE(set.Evicted({0, 0}, f.now + 21s));
}

TEST_CASE("Retry-After sets the eviction when the policy gives no duration") {
  Fixture f;
  ProviderSet set({1, 1});
  EvictionPolicy policy;
  set.Finish(f.Select(set), false, 0, f.now, policy, 5000ms);
  CHECK(set.Evicted({0, 0}, f.now + 4s));
  CHECK_FALSE(set.Evicted({0, 0}, f.now + 6s));
}

TEST_CASE("When every provider is evicted the first tier still serves") {
  Fixture f;
  ProviderSet set({1, 1});
  EvictionPolicy policy;
  policy.duration = 60s;
  set.Finish({0, 0}, false, 0, f.now, policy);
  set.Finish({1, 0}, false, 0, f.now, policy);
  CHECK(f.Select(set).tier == 0);
}

}  // namespace
}  // namespace agw::emulator::balance
