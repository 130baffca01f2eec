#pragma once

// Local rate limits (AgentgatewayPolicy `traffic.rateLimit.local[]`) as agentgateway enforces
// them: each entry a token bucket that starts full, holds `requests|tokens + burst`, and gets
// `requests|tokens` back per unit on a grid counted from the bucket's creation. Request entries
// take one per request after routing; token entries only require one token before the LLM call
// and are charged the answer's input and output tokens after it. A refusal is a 429
// `rate limit exceeded` with x-ratelimit-limit / -remaining / -reset; allowed answers carry the
// same headers from the most constrained bucket.
//
// Pure but for a mutex: the clock is passed in.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "emulator/http/headers.h"
#include "validate/manifest/value.h"

namespace agw::emulator::policy {

using RateClock = std::chrono::steady_clock;

// One `local[]` entry as the controller translates it.
struct LocalRule {
  enum class Unit { kRequests, kTokens };
  Unit unit = Unit::kRequests;
  std::int64_t per_fill = 0;  // requests or tokens per interval
  std::int64_t capacity = 0;  // per_fill + burst
  std::chrono::seconds interval{1};

  bool operator==(const LocalRule&) const = default;
};

// The entries of a `rateLimit.local` list. Entries the API server would refuse (no requests or
// tokens, unknown unit) are left out and described in `problems`.
std::vector<LocalRule> ReadLocalRules(const validate::manifest::Value& local,
                                      std::vector<std::string>* problems);

// What a bucket says about one check: the x-ratelimit-* values.
struct BucketStatus {
  bool allowed = true;
  std::int64_t limit = 0;          // the capacity
  std::int64_t remaining = 0;      // available after this check
  std::int64_t reset_seconds = 0;  // whole seconds to the next refill, truncated
};

class TokenBucket {
 public:
  TokenBucket(const LocalRule& rule, RateClock::time_point created);

  // Takes `n` tokens when that many are available (all or nothing). n == 0 or more than the
  // capacity fails at once, with reset 0.
  BucketStatus TryTake(std::int64_t n, RateClock::time_point now);
  // Whether at least one token is available; takes nothing.
  BucketStatus Peek(RateClock::time_point now);
  // Charges `tokens` more (saturating at 0); a negative amount gives tokens back, up to the
  // capacity.
  void Amend(std::int64_t tokens, RateClock::time_point now);

  const LocalRule& rule() const { return rule_; }

 private:
  void Refill(RateClock::time_point now);
  BucketStatus Status(bool allowed, RateClock::time_point now) const;

  LocalRule rule_;
  std::int64_t available_;
  RateClock::time_point next_refill_;
};

// The buckets of one policy's `local[]` list, in order. Thread-safe.
class LocalRateLimit {
 public:
  LocalRateLimit(std::vector<LocalRule> rules, RateClock::time_point created);

  // Request entries, in order, each taking one; the first refusal stops (tokens taken by the
  // earlier entries stay taken). The status is the refusal's, or the most constrained entry's.
  // nullopt when the list has no request entries.
  std::optional<BucketStatus> CheckRequest(RateClock::time_point now);
  // Token entries: each must have a token available. nullopt when there are none.
  std::optional<BucketStatus> CheckTokens(RateClock::time_point now);
  // Charges every token entry `tokens` (the answer's input + output).
  void ChargeTokens(std::int64_t tokens, RateClock::time_point now);

  bool HasTokenRules() const;
  const std::vector<LocalRule>& rules() const { return rules_; }

 private:
  std::mutex mutex_;
  std::vector<LocalRule> rules_;
  std::vector<TokenBucket> buckets_;
};

// Every local rate limit of the running configuration, by the key of the data-plane policy it
// belongs to (PolicyKey). A reload keeps the buckets of a policy whose rules did not change
// (agentgateway makes new, full buckets for a changed policy). Thread-safe.
class RateLimitRegistry {
 public:
  std::shared_ptr<LocalRateLimit> For(const std::string& key, const std::vector<LocalRule>& rules,
                                      RateClock::time_point now);

 private:
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<LocalRateLimit>> limits_;
};

// The x-ratelimit-* fields of `status`.
http::HeaderList RateLimitHeaders(const BucketStatus& status);

// agentgateway's 429 body.
inline constexpr char kRateLimitedBody[] = "rate limit exceeded";

}  // namespace agw::emulator::policy
