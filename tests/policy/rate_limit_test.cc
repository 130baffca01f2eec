// Local rate limits: agentgateway's token buckets (capacity = rate + burst, full at start,
// refilled on a grid from creation) and the x-ratelimit-* values they report.

#include "emulator/policy/rate_limit.h"

#include <catch2/catch.hpp>

#include "validate/manifest/yaml_reader.h"

namespace agw::emulator::policy {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

LocalRule Requests(std::int64_t rate, std::int64_t burst, seconds unit = seconds(1)) {
  return {LocalRule::Unit::kRequests, rate, rate + burst, unit};
}

LocalRule Tokens(std::int64_t rate, seconds unit = seconds(60)) {
  return {LocalRule::Unit::kTokens, rate, rate, unit};
}

const RateClock::time_point kStart{seconds(1000)};

TEST_CASE("A request bucket lets rate plus burst through at once and then refuses") {
  LocalRateLimit limit({Requests(10, 5)}, kStart);
  for (int i = 0; i < 15; ++i) {
    REQUIRE(limit.CheckRequest(kStart)->allowed);
  }
  std::optional<BucketStatus> refused = limit.CheckRequest(kStart + milliseconds(400));
  REQUIRE(refused);
  CHECK_FALSE(refused->allowed);
  CHECK(refused->limit == 15);
  CHECK(refused->remaining == 0);
  CHECK(refused->reset_seconds == 0);  // truncated: 600 ms to the next refill
}

TEST_CASE("A bucket refills by the rate per unit on the grid counted from its creation") {
  LocalRateLimit limit({Requests(2, 0, seconds(60))}, kStart);
  CHECK(limit.CheckRequest(kStart)->allowed);
  CHECK(limit.CheckRequest(kStart + seconds(10))->allowed);
  std::optional<BucketStatus> refused = limit.CheckRequest(kStart + seconds(20));
  CHECK_FALSE(refused->allowed);
  CHECK(refused->reset_seconds == 40);
  // Refilled at creation + 60 s, not 60 s after the last request.
  std::optional<BucketStatus> after = limit.CheckRequest(kStart + seconds(61));
  CHECK(after->allowed);
  CHECK(after->remaining == 1);
  CHECK(after->reset_seconds == 59);
}

TEST_CASE("A long idle bucket refills to its capacity and no further") {
  LocalRateLimit limit({Requests(3, 1)}, kStart);
  for (int i = 0; i < 4; ++i) {
    limit.CheckRequest(kStart);
  }
  std::optional<BucketStatus> status = limit.CheckRequest(kStart + std::chrono::hours(24 * 365));
  CHECK(status->allowed);
  CHECK(status->remaining == 3);
}

TEST_CASE("Several request entries each take one and the most constrained one is reported") {
  LocalRateLimit limit({Requests(10, 0), Requests(2, 0, seconds(3600))}, kStart);
  std::optional<BucketStatus> first = limit.CheckRequest(kStart);
  CHECK(first->limit == 2);
  CHECK(first->remaining == 1);
  CHECK(limit.CheckRequest(kStart)->allowed);
  std::optional<BucketStatus> refused = limit.CheckRequest(kStart);
  CHECK_FALSE(refused->allowed);
  CHECK(refused->limit == 2);
  CHECK(refused->reset_seconds == 3600);
}

TEST_CASE("A token entry only needs one token before the call and is charged the usage after") {
  LocalRateLimit limit({Tokens(100)}, kStart);
  CHECK_FALSE(limit.CheckRequest(kStart));  // no request entries
  CHECK(limit.CheckTokens(kStart)->allowed);
  CHECK(limit.CheckTokens(kStart)->remaining == 100);  // a check takes nothing
  limit.ChargeTokens(250, kStart + seconds(1));        // more than is left: down to zero
  std::optional<BucketStatus> refused = limit.CheckTokens(kStart + seconds(2));
  CHECK_FALSE(refused->allowed);
  CHECK(refused->remaining == 0);
  CHECK(refused->reset_seconds == 58);
  // The next minute of the grid gives the rate back.
  std::optional<BucketStatus> recovered = limit.CheckTokens(kStart + seconds(60));
  CHECK(recovered->allowed);
  CHECK(recovered->remaining == 100);
}

TEST_CASE("The registry keeps a bucket across reloads until its rules change") {
  RateLimitRegistry registry;
  auto first =
      registry.For("traffic/default/p:rl-local:HTTPRoute/default/r", {Requests(1, 0)}, kStart);
  CHECK(first->CheckRequest(kStart)->allowed);
  auto same =
      registry.For("traffic/default/p:rl-local:HTTPRoute/default/r", {Requests(1, 0)}, kStart);
  CHECK(same == first);
  CHECK_FALSE(same->CheckRequest(kStart)->allowed);
  auto changed =
      registry.For("traffic/default/p:rl-local:HTTPRoute/default/r", {Requests(2, 0)}, kStart);
  CHECK(changed != first);
  CHECK(changed->CheckRequest(kStart)->allowed);
}

TEST_CASE("The local list is read as the controller translates it") {
  validate::manifest::SourceFile file("p.yaml", R"(- requests: 10
  burst: 5
  unit: Seconds
- tokens: 1000
  unit: Minutes
- requests: 1
  tokens: 2
  unit: Hours
- requests: 3
  unit: Days
)");
  validate::manifest::DiagnosticSink sink;
  auto documents = validate::manifest::ParseDocuments(file, sink);
  REQUIRE(documents.size() == 1);
  std::vector<std::string> problems;
  std::vector<LocalRule> rules = ReadLocalRules(documents[0].root, &problems);
  REQUIRE(rules.size() == 2);
  CHECK(rules[0] == Requests(10, 5));
  CHECK(rules[1] == Tokens(1000));
  CHECK(problems ==
        std::vector<std::string>{"local[2]: exactly one of requests and tokens must be set",
                                 "local[3]: unit must be Seconds, Minutes or Hours"});
}

TEST_CASE("The x-ratelimit fields carry decimal values") {
  CHECK(RateLimitHeaders({false, 15, 0, 0}) == http::HeaderList{{"x-ratelimit-limit", "15"},
                                                                {"x-ratelimit-remaining", "0"},
                                                                {"x-ratelimit-reset", "0"}});
}

}  // namespace
}  // namespace agw::emulator::policy
