#pragma once

// Global rate limits (AgentgatewayPolicy `traffic.rateLimit.global`) and an in-process stand-in
// for the Envoy rate-limit service (RLS) agentgateway calls for them.
//
// agentgateway builds one RLS request per check from the policy's descriptors: every entry's CEL
// is evaluated on the request and must give a string; a descriptor whose entry, cost or
// limitOverride fails is left out, and with nothing left no call is made and the request goes
// on. The limits themselves live in the RLS server's configuration (envoyproxy/ratelimit's YAML:
// a domain and a tree of descriptors with rate_limit blocks). `run` has no RLS, so
// RateLimitService answers ShouldRateLimit in process the way envoy-ratelimit does: the deepest
// configured node that matches the whole descriptor gives the limit (a limitOverride replaces
// it), counted in fixed windows aligned to the unit on the Unix epoch; a descriptor no limit
// applies to is OK with no status. AnswerGlobalRateLimit turns the result into what the gateway
// does: a 429 with an empty body on OVER_LIMIT, x-ratelimit-* from the most constrained status
// either way, and the FailClosed / FailOpen handling of a failed call.
//
// Pure but for RateLimitService's mutex: the clock is passed in (wall-clock time, since the
// windows are aligned to UTC).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "emulator/http/headers.h"
#include "emulator/policy/cel_context.h"
#include "validate/cel/value.h"
#include "validate/manifest/error.h"
#include "validate/manifest/value.h"

namespace agw::emulator::policy {

using RateLimitServiceClock = std::chrono::system_clock;

// The RLS protocol's units (envoy.service.ratelimit.v3 RateLimitResponse.RateLimit.Unit).
enum class RateLimitUnit { kSecond, kMinute, kHour, kDay, kWeek, kMonth, kYear };

// "SECOND", "MINUTE", ... as the proto spells them.
std::string_view RateLimitUnitName(RateLimitUnit unit);
// The window envoy-ratelimit counts in (UnitToDivider): 1 s, 60 s, 3600 s, 86400 s, 7 days,
// 30 days and 365 days. Windows start at multiples of it since the Unix epoch, so a minute
// starts on the minute and a day at 00:00 UTC (a month is 30 days, not a calendar month).
std::int64_t RateLimitUnitSeconds(RateLimitUnit unit);

// ----- The policy -----------------------------------------------------------------------------

// One `descriptors[]` item of `traffic.rateLimit.global`.
struct GlobalDescriptor {
  enum class Type { kRequests, kTokens };
  struct Entry {
    std::string name;              // the RLS entry key
    RuntimeExpression expression;  // its value
  };
  std::vector<Entry> entries;
  Type type = Type::kRequests;                      // CRD `unit`: Requests (default) or Tokens
  std::optional<RuntimeExpression> cost;            // hits_addend
  std::optional<RuntimeExpression> limit_override;  // {unit, requestsPerUnit}
};

struct GlobalRateLimitConfig {
  enum class FailureMode { kFailClosed, kFailOpen };
  std::string domain;
  FailureMode failure_mode = FailureMode::kFailClosed;
  std::vector<GlobalDescriptor> descriptors;

  // Whether any descriptor is of `type` (with none, agentgateway makes no call at that stage).
  bool Has(GlobalDescriptor::Type type) const;
};

// A `traffic.rateLimit.global` block. Expressions are compiled as the data plane compiles them
// (RuntimeExpression: text that does not parse always fails, which drops its descriptor).
// What the API server or the controller would refuse (no domain, an unknown unit or failure
// mode, an entry without name or expression, a descriptor without entries) is described in
// `problems`; unknown units and entries without a name leave their descriptor out.
GlobalRateLimitConfig ReadGlobalRateLimit(const validate::manifest::Value& global,
                                          std::vector<std::string>* problems = nullptr);

// ----- The RLS request --------------------------------------------------------------------------

// RateLimitDescriptor.RateLimitOverride: a limit that replaces the server's for one descriptor.
struct RateLimitOverride {
  std::uint32_t requests_per_unit = 0;
  RateLimitUnit unit = RateLimitUnit::kSecond;

  bool operator==(const RateLimitOverride&) const = default;
};

using DescriptorEntries = std::vector<std::pair<std::string, std::string>>;  // key, value

struct RateLimitDescriptor {
  DescriptorEntries entries;
  std::optional<RateLimitOverride> limit;
  // Hits to add; absent counts 1 (agentgateway's top-level hits_addend is always 0), 0 only
  // asks.
  std::optional<std::uint64_t> hits_addend;

  bool operator==(const RateLimitDescriptor&) const = default;
};

struct RateLimitRequest {
  std::string domain;
  std::vector<RateLimitDescriptor> descriptors;
};

// The descriptors of `config` of `type`, evaluated on `context` in `phase` (kRequest at the
// request check), in order, as agentgateway's build_request makes them:
// - each entry's value converted as cel's Value::as_str converts (DescriptorValueText); an
//   evaluation error or a value it does not convert leaves the whole descriptor out;
// - hits_addend: for Requests, `cost` as an unsigned integer (uint, or int >= 0) when set,
//   else absent; for Tokens, 0 when `cost` is set (the cost is charged after the response),
//   else `default_cost` (the tokenizer count; 0 in Kubernetes);
// - limit: `limitOverride`'s {unit: second|minute|hour|day|month|year in any case,
//   requestsPerUnit or requests_per_unit: a uint32}; a cost or override that fails to evaluate
//   or has another shape leaves the descriptor out.
// Empty: no call is made and the request is allowed.
std::vector<RateLimitDescriptor> BuildDescriptors(
    const GlobalRateLimitConfig& config, const AttributeContext& context, CelPhase phase,
    GlobalDescriptor::Type type = GlobalDescriptor::Type::kRequests,
    std::optional<std::uint64_t> default_cost = std::nullopt);

// cel's Value::as_str: a string as is, a bool as true/false, an int or uint in decimal, bytes as
// padded standard base64; anything else (null, double, list, map, ...) has no text.
std::optional<std::string> DescriptorValueText(const validate::cel::Value& value);

// ----- The RLS server's configuration (envoyproxy/ratelimit YAML) -------------------------------

// A `rate_limit` block, with its descriptor's shadow_mode.
struct RateLimitServiceLimit {
  std::uint32_t requests_per_unit = 0;
  RateLimitUnit unit = RateLimitUnit::kSecond;
  bool unlimited = false;
  bool shadow_mode = false;  // over the limit is still answered OK
  std::string name;
  std::vector<std::string> replaces;  // names of limits this one replaces in the same request
};

// One node of a domain's descriptor tree.
struct RateLimitServiceDescriptor {
  std::string key;
  // Empty: any value (the default for the key); ending in '*': any value with that prefix.
  std::string value;
  std::optional<RateLimitServiceLimit> rate_limit;
  std::vector<RateLimitServiceDescriptor> descriptors;
};

struct RateLimitServiceDomain {
  std::string domain;
  std::string path;  // the file it came from
  std::vector<RateLimitServiceDescriptor> descriptors;
};

// The domains of the `--rate-limit-config` files, one domain a file as envoy-ratelimit reads
// them (without MERGE_DOMAIN_CONFIG: a domain in two files is an error). Keys are checked as
// envoy-ratelimit checks them (an unknown key is an error) but per level: top level `domain`,
// `descriptors`; descriptor `key`, `value`, `rate_limit`, `descriptors`, `shadow_mode`,
// `detailed_metric`; rate_limit `unit`, `requests_per_unit`, `unlimited`, `name`, `replaces`.
// Errors read "<file>:<line>:<column>: <field>: <message>", with envoy-ratelimit's wording
// where it has one ("invalid rate limit unit 'fortnight'").
class RateLimitServiceConfig {
 public:
  static constexpr std::size_t kMaxFileBytes = 1 << 20;
  static constexpr std::size_t kMaxDomains = 256;
  static constexpr std::size_t kMaxDescriptorsPerDomain = 10'000;  // nodes, all levels
  static constexpr int kMaxDepth = 16;

  // Reads one configuration file (at most kMaxFileBytes).
  Expected<void> AddFile(const std::string& path);
  // The same for `text`, named `path` in messages.
  Expected<void> AddText(const std::string& path, std::string_view text);

  const std::vector<RateLimitServiceDomain>& domains() const { return domains_; }
  const RateLimitServiceDomain* Find(std::string_view domain) const;

  // The limit envoy-ratelimit applies to `entries` in `domain` (GetLimit): walk the tree one
  // entry a level, at each level preferring the node with the entry's key and value, then a
  // wildcard value that prefixes it (in file order), then the key alone; the limit is the one
  // of the node reached by the last entry, if it has one. Null for no limit or unknown domain.
  const RateLimitServiceLimit* Lookup(std::string_view domain,
                                      const DescriptorEntries& entries) const;

 private:
  std::vector<RateLimitServiceDomain> domains_;
};

// ----- The stand-in RLS ---------------------------------------------------------------------

// RateLimitResponse.DescriptorStatus.
struct RateLimitStatus {
  bool over_limit = false;
  // The limit applied; absent for a descriptor no limit applies to, an unlimited one or one
  // whose limit another replaced.
  std::optional<RateLimitOverride> current_limit;
  // limit - count after this request, 0 when over; UINT32_MAX for an unlimited descriptor.
  std::uint32_t limit_remaining = 0;
  // To the end of the window, 1..window seconds; 0 without current_limit.
  std::int64_t seconds_until_reset = 0;
};

struct RateLimitResponse {
  bool over_limit = false;                // overall_code: OVER_LIMIT when any status is over
  std::vector<RateLimitStatus> statuses;  // one per descriptor, in order
};

// ShouldRateLimit as envoy-ratelimit answers it, with in-memory counters instead of Redis.
// Counters are keyed by (domain, the descriptor's entries in order, unit) and a window; all
// policies naming a domain share them. Every check adds its hits (also over the limit, as
// Redis INCRBY does); OVER_LIMIT when the count then exceeds the limit. At most `max_counters`
// counters are kept: ended windows are dropped first, then the ones closest to their end.
// Thread-safe.
class RateLimitService {
 public:
  static constexpr std::size_t kDefaultMaxCounters = 100'000;

  explicit RateLimitService(RateLimitServiceConfig config = {},
                            std::size_t max_counters = kDefaultMaxCounters);

  // Errors as a failed gRPC call: "rate limit domain must not be empty", "rate limit descriptor
  // list must not be empty", and "rate limit service unavailable" while SetAvailable(false).
  // A limitOverride applies whether or not the domain is configured (envoy-ratelimit ignores
  // it for a domain it has no file for; here no file is needed).
  Expected<RateLimitResponse> ShouldRateLimit(const RateLimitRequest& request,
                                              RateLimitServiceClock::time_point now);

  // The "RLS unavailable" switch: while false every call fails (the FailClosed / FailOpen path).
  void SetAvailable(bool available);

  const RateLimitServiceConfig& config() const { return config_; }
  std::size_t CounterCountForTest() const;

 private:
  struct Counter {
    std::int64_t window_start = 0;
    std::uint64_t hits = 0;
    std::multimap<std::int64_t, std::string>::iterator expiry;
  };
  void DropEndedWindows(std::int64_t now_seconds);
  Counter& CounterFor(const std::string& key, std::int64_t window_start, std::int64_t window_end,
                      std::int64_t now_seconds);

  const RateLimitServiceConfig config_;
  const std::size_t max_counters_;
  mutable std::mutex mutex_;
  bool available_ = true;
  std::unordered_map<std::string, Counter> counters_;
  std::multimap<std::int64_t, std::string> expiries_;  // window end -> counter key
};

// ----- What the gateway does with the answer ----------------------------------------------------

struct GlobalRateLimitAnswer {
  // Whether a call was made. False when no descriptor of the type was left: then allowed, with
  // no headers.
  bool checked = false;
  bool allowed = true;
  // When refused, the direct response: 429 with an empty body and no content-type
  // (OVER_LIMIT), or 500 `rate limit failed`, text/plain (the call failed, FailClosed).
  int status = 0;
  std::string body;
  // Refused: the direct response's headers. Allowed: headers to queue for the response with
  // insert semantics, replacing same-named ones queued earlier (the local limit's
  // x-ratelimit-*) and the upstream's. Empty when no status had a limit.
  http::HeaderList headers;
  // The access log of a refusal: reason "DirectResponse" (429) or "RateLimit" with error
  // "rate limit failed" (500).
  std::string reason;
  std::string error;
  // When the call failed: the warning agentgateway logs, FailOpen included.
  std::string warning;
};

// What agentgateway's apply makes of `response` (or of its failure) for `config`.
GlobalRateLimitAnswer AnswerGlobalRateLimit(const GlobalRateLimitConfig& config,
                                            const Expected<RateLimitResponse>& response);

// The whole check of one stage: BuildDescriptors; nothing left (or no descriptor of `type`):
// allowed, unchecked; else ShouldRateLimit on `service` and AnswerGlobalRateLimit.
GlobalRateLimitAnswer CheckGlobalRateLimit(
    const GlobalRateLimitConfig& config, RateLimitService& service, const AttributeContext& context,
    CelPhase phase, RateLimitServiceClock::time_point now,
    GlobalDescriptor::Type type = GlobalDescriptor::Type::kRequests,
    std::optional<std::uint64_t> default_cost = std::nullopt);

// x-ratelimit-limit / -remaining / -reset of the most constrained status that has a limit
// (fewest remaining; the earlier on a tie): requests_per_unit, limit_remaining and the seconds
// to reset. Empty when no status has a limit.
http::HeaderList GlobalRateLimitHeaders(const std::vector<RateLimitStatus>& statuses);

// agentgateway's body for a failed call.
inline constexpr char kRateLimitFailedBody[] = "rate limit failed";

}  // namespace agw::emulator::policy
