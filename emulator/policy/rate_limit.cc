#include "emulator/policy/rate_limit.h"

#include <algorithm>
#include <limits>

namespace agw::emulator::policy {

std::vector<LocalRule> ReadLocalRules(const validate::manifest::Value& local,
                                      std::vector<std::string>* problems) {
  std::vector<LocalRule> rules;
  auto problem = [&](std::size_t index, const std::string& text) {
    if (problems != nullptr) {
      problems->push_back("local[" + std::to_string(index) + "]: " + text);
    }
  };
  if (!local.is_sequence()) {
    return rules;
  }
  const std::vector<validate::manifest::Value>& items = local.items();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const validate::manifest::Value& item = items[i];
    LocalRule rule;
    const validate::manifest::Value* requests = item.Find("requests");
    const validate::manifest::Value* tokens = item.Find("tokens");
    if (requests != nullptr && requests->is_int() && tokens == nullptr) {
      rule.unit = LocalRule::Unit::kRequests;
      rule.per_fill = requests->int_value();
    } else if (tokens != nullptr && tokens->is_int() && requests == nullptr) {
      rule.unit = LocalRule::Unit::kTokens;
      rule.per_fill = tokens->int_value();
    } else {
      problem(i, "exactly one of requests and tokens must be set");
      continue;
    }
    const validate::manifest::Value* burst = item.Find("burst");
    std::int64_t extra = burst != nullptr && burst->is_int() ? burst->int_value() : 0;
    const validate::manifest::Value* unit = item.Find("unit");
    std::string unit_text = unit != nullptr ? unit->text() : "";
    if (unit_text == "Seconds") {
      rule.interval = std::chrono::seconds(1);
    } else if (unit_text == "Minutes") {
      rule.interval = std::chrono::seconds(60);
    } else if (unit_text == "Hours") {
      rule.interval = std::chrono::seconds(3600);
    } else {
      problem(i, "unit must be Seconds, Minutes or Hours");
      continue;
    }
    // The CRD bounds both to int32 and at least 1 (burst at least 0): the sum cannot overflow.
    if (rule.per_fill < 1 || extra < 0) {
      problem(i, "requests or tokens must be at least 1 and burst at least 0");
      continue;
    }
    rule.capacity = rule.per_fill + extra;
    rules.push_back(rule);
  }
  return rules;
}

TokenBucket::TokenBucket(const LocalRule& rule, RateClock::time_point created)
    : rule_(rule), available_(rule.capacity), next_refill_(created + rule.interval) {}

void TokenBucket::Refill(RateClock::time_point now) {
  if (now < next_refill_) {
    return;
  }
  auto intervals = (now - next_refill_) / rule_.interval + 1;
  // Past the capacity any number of intervals refills the same: no overflow for long idle times.
  std::int64_t refills = std::min<std::int64_t>(intervals, rule_.capacity / rule_.per_fill + 1);
  available_ = std::min(rule_.capacity, available_ + refills * rule_.per_fill);
  next_refill_ += intervals * rule_.interval;
}

BucketStatus TokenBucket::Status(bool allowed, RateClock::time_point now) const {
  BucketStatus status;
  status.allowed = allowed;
  status.limit = rule_.capacity;
  status.remaining = available_;
  status.reset_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(next_refill_ - now).count();
  return status;
}

BucketStatus TokenBucket::TryTake(std::int64_t n, RateClock::time_point now) {
  if (n <= 0 || n > rule_.capacity) {
    BucketStatus status = Status(false, now);
    status.reset_seconds = 0;
    return status;
  }
  Refill(now);
  if (available_ < n) {
    return Status(false, now);
  }
  available_ -= n;
  return Status(true, now);
}

BucketStatus TokenBucket::Peek(RateClock::time_point now) {
  Refill(now);
  return Status(available_ >= 1, now);
}

void TokenBucket::Amend(std::int64_t tokens, RateClock::time_point now) {
  Refill(now);
  if (tokens >= 0) {
    available_ = std::max<std::int64_t>(0, available_ - tokens);
  } else {
    // agentgateway gives tokens back without a cap; capping changes nothing a client can see
    // before the next refill and keeps the bucket's meaning.
    available_ = std::min(rule_.capacity, available_ - std::max(tokens, -rule_.capacity));
  }
}

LocalRateLimit::LocalRateLimit(std::vector<LocalRule> rules, RateClock::time_point created)
    : rules_(std::move(rules)) {
  buckets_.reserve(rules_.size());
  for (const LocalRule& rule : rules_) {
    buckets_.emplace_back(rule, created);
  }
}

namespace {

// The entry with the fewest tokens left; the earlier one on a tie.
void KeepMostConstrained(std::optional<BucketStatus>& kept, const BucketStatus& status) {
  if (!kept || status.remaining < kept->remaining) {
    kept = status;
  }
}

}  // namespace

std::optional<BucketStatus> LocalRateLimit::CheckRequest(RateClock::time_point now) {
  std::lock_guard lock(mutex_);
  std::optional<BucketStatus> result;
  for (TokenBucket& bucket : buckets_) {
    if (bucket.rule().unit != LocalRule::Unit::kRequests) {
      continue;
    }
    BucketStatus status = bucket.TryTake(1, now);
    if (!status.allowed) {
      return status;
    }
    KeepMostConstrained(result, status);
  }
  return result;
}

std::optional<BucketStatus> LocalRateLimit::CheckTokens(RateClock::time_point now) {
  std::lock_guard lock(mutex_);
  std::optional<BucketStatus> result;
  for (TokenBucket& bucket : buckets_) {
    if (bucket.rule().unit != LocalRule::Unit::kTokens) {
      continue;
    }
    BucketStatus status = bucket.Peek(now);
    if (!status.allowed) {
      return status;
    }
    KeepMostConstrained(result, status);
  }
  return result;
}

void LocalRateLimit::ChargeTokens(std::int64_t tokens, RateClock::time_point now) {
  std::lock_guard lock(mutex_);
  for (TokenBucket& bucket : buckets_) {
    if (bucket.rule().unit == LocalRule::Unit::kTokens) {
      bucket.Amend(tokens, now);
    }
  }
}

bool LocalRateLimit::HasTokenRules() const {
  return std::any_of(rules_.begin(), rules_.end(),
                     [](const LocalRule& rule) { return rule.unit == LocalRule::Unit::kTokens; });
}

std::shared_ptr<LocalRateLimit> RateLimitRegistry::For(const std::string& key,
                                                       const std::vector<LocalRule>& rules,
                                                       RateClock::time_point now) {
  std::lock_guard lock(mutex_);
  std::shared_ptr<LocalRateLimit>& limit = limits_[key];
  if (limit == nullptr || limit->rules() != rules) {
    limit = std::make_shared<LocalRateLimit>(rules, now);
  }
  return limit;
}

http::HeaderList RateLimitHeaders(const BucketStatus& status) {
  return {{"x-ratelimit-limit", std::to_string(status.limit)},
          {"x-ratelimit-remaining", std::to_string(status.remaining)},
          {"x-ratelimit-reset", std::to_string(std::max<std::int64_t>(0, status.reset_seconds))}};
}

}  // namespace agw::emulator::policy
