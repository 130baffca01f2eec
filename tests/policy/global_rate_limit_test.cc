// Global rate limits: the descriptors agentgateway builds from a policy's CEL, the in-process
// stand-in for envoy-ratelimit (its YAML configuration, descriptor matching, fixed windows,
// hits_addend, limit overrides) and what the gateway answers with the result.

#include "emulator/policy/global_rate_limit.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "validate/manifest/diagnostic.h"
#include "validate/manifest/source.h"
#include "validate/manifest/yaml_reader.h"

namespace agw::emulator::policy {
namespace {

using std::chrono::seconds;
using Type = GlobalDescriptor::Type;

// 2024-01-01T00:00:00Z: the start of a second, minute, hour and day window.
const RateLimitServiceClock::time_point kDay{seconds(1704067200)};

// A YAML block read with the project's reader; keeps the source alive for the positions.
struct Yaml {
  std::unique_ptr<validate::manifest::SourceFile> file;
  validate::manifest::Value root;
};

Yaml ParseYaml(std::string text) {
  Yaml yaml;
  yaml.file = std::make_unique<validate::manifest::SourceFile>("policy.yaml", std::move(text));
  validate::manifest::DiagnosticSink sink;
  std::vector<validate::manifest::Document> documents =
      validate::manifest::ParseDocuments(*yaml.file, sink);
  REQUIRE(documents.size() == 1);
  REQUIRE(sink.diagnostics().empty());
  yaml.root = documents[0].root;
  return yaml;
}

RateLimitServiceConfig Config(const std::string& text) {
  RateLimitServiceConfig config;
  Expected<void> added = config.AddText("ratelimit.yaml", text);
  INFO((added ? std::string() : added.error().message));
  REQUIRE(added);
  return config;
}

std::string ConfigError(const std::string& text) {
  RateLimitServiceConfig config;
  Expected<void> added = config.AddText("ratelimit.yaml", text);
  REQUIRE_FALSE(added);
  return added.error().message;
}

RateLimitDescriptor Descriptor(DescriptorEntries entries,
                               std::optional<std::uint64_t> hits = std::nullopt,
                               std::optional<RateLimitOverride> limit = std::nullopt) {
  return RateLimitDescriptor{std::move(entries), limit, hits};
}

RateLimitStatus Check(RateLimitService& service, const std::string& domain,
                      RateLimitDescriptor descriptor, RateLimitServiceClock::time_point now) {
  Expected<RateLimitResponse> response =
      service.ShouldRateLimit(RateLimitRequest{domain, {std::move(descriptor)}}, now);
  REQUIRE(response);
  REQUIRE(response->statuses.size() == 1);
  CHECK(response->over_limit == response->statuses[0].over_limit);
  return response->statuses[0];
}

AttributeContext RequestWith(http::HeaderList headers) {
  AttributeContext context;
  CelRequest request;
  request.method = "POST";
  request.uri = "http://example.com/v1/chat";
  request.host = "example.com";
  request.scheme = "http";
  request.path = "/v1/chat";
  request.path_and_query = "/v1/chat";
  request.version = "HTTP/1.1";
  request.headers = std::move(headers);
  context.request = request;
  return context;
}

GlobalRateLimitConfig Policy(const std::string& yaml) {
  Yaml parsed = ParseYaml(yaml);
  std::vector<std::string> problems;
  GlobalRateLimitConfig config = ReadGlobalRateLimit(parsed.root, &problems);
  INFO(problems.size());
  REQUIRE(problems.empty());
  return config;
}

const char kMessaging[] = R"(domain: messaging
descriptors:
  # Only allow 5 marketing messages a day
  - key: message_type
    value: marketing
    descriptors:
      - key: to_number
        rate_limit:
          unit: day
          requests_per_unit: 5
  # Only allow 100 messages a day to any unique phone number
  - key: to_number
    rate_limit:
      unit: day
      requests_per_unit: 100
  - key: remote_address
    rate_limit:
      unit: Second
      requests_per_unit: 10
  - key: remote_address
    value: 50.0.0.5
    rate_limit:
      unit: second
      requests_per_unit: 0
  - key: ldap
    rate_limit:
      unlimited: true
  - key: path
    value: /api/*
    rate_limit:
      unit: minute
      requests_per_unit: 20
)";

// ----- The RLS configuration -----------------------------------------------------------------

TEST_CASE("An envoy-ratelimit configuration file is read into its domain tree") {
  RateLimitServiceConfig config = Config(kMessaging);
  REQUIRE(config.domains().size() == 1);
  const RateLimitServiceDomain& domain = config.domains()[0];
  CHECK(domain.domain == "messaging");
  CHECK(domain.path == "ratelimit.yaml");
  REQUIRE(domain.descriptors.size() == 6);
  const RateLimitServiceDescriptor& marketing = domain.descriptors[0];
  CHECK(marketing.key == "message_type");
  CHECK(marketing.value == "marketing");
  CHECK_FALSE(marketing.rate_limit);
  REQUIRE(marketing.descriptors.size() == 1);
  REQUIRE(marketing.descriptors[0].rate_limit);
  CHECK(marketing.descriptors[0].rate_limit->unit == RateLimitUnit::kDay);
  CHECK(marketing.descriptors[0].rate_limit->requests_per_unit == 5);
  CHECK(domain.descriptors[2].rate_limit->unit == RateLimitUnit::kSecond);  // any case
  CHECK(domain.descriptors[4].rate_limit->unlimited);
  CHECK(config.Find("messaging") == &domain);
  CHECK(config.Find("other") == nullptr);
}

TEST_CASE("Shadow mode names and replaces are read with their limit") {
  RateLimitServiceConfig config = Config(R"(domain: d
descriptors:
  - key: user
    shadow_mode: true
    detailed_metric: true
    rate_limit:
      name: base
      unit: hour
      requests_per_unit: 1
  - key: vip
    rate_limit:
      replaces:
        - name: base
      unit: hour
      requests_per_unit: 9
)");
  const RateLimitServiceLimit& base = *config.domains()[0].descriptors[0].rate_limit;
  CHECK(base.shadow_mode);
  CHECK(base.name == "base");
  const RateLimitServiceLimit& vip = *config.domains()[0].descriptors[1].rate_limit;
  CHECK_FALSE(vip.shadow_mode);
  CHECK(vip.replaces == std::vector<std::string>{"base"});
}

TEST_CASE("Configuration errors name the file line field and envoy-ratelimit's wording") {
  CHECK(ConfigError("domain: d\ndescriptors:\n  - key: a\n    rate_limit:\n      unit: fortnight\n"
                    "      requests_per_unit: 1\n") ==
        "ratelimit.yaml:5:13: descriptors[0].rate_limit.unit: invalid rate limit unit "
        "'fortnight'");
  CHECK(ConfigError("domain: d\ndescriptors:\n  - key: a\n    rate_limit:\n"
                    "      requests_per_unit: 1\n") ==
        "ratelimit.yaml:5:7: descriptors[0].rate_limit.unit: invalid rate limit unit ''");
  CHECK(ConfigError("domain: d\ndescriptors:\n  - key: a\n    rate_limit:\n      unlimited: true\n"
                    "      unit: second\n") ==
        "ratelimit.yaml:6:13: descriptors[0].rate_limit.unit: should not specify rate limit "
        "unit when unlimited");
  CHECK(ConfigError("domain: d\ndescriptors:\n  - key: a\n    ratelimit: {}\n") ==
        "ratelimit.yaml:4:5: descriptors[0].ratelimit: config error, unknown key 'ratelimit'");
  CHECK(ConfigError("descriptors: []\n") ==
        "ratelimit.yaml:1:1: domain: config file cannot have empty domain");
  CHECK(ConfigError("domain: d\ndescriptors:\n  - value: x\n") ==
        "ratelimit.yaml:3:5: descriptors[0].key: descriptor has empty key");
  CHECK(ConfigError("domain: d\ndescriptors:\n  - key: a\n    descriptors:\n      - key: b\n"
                    "        value: c\n      - key: b\n        value: c\n") ==
        "ratelimit.yaml:7:9: descriptors[0].descriptors[1]: duplicate descriptor composite key "
        "'d.a.b_c'");
  CHECK(ConfigError("domain: d\ndescriptors:\n  - key: a\n    rate_limit:\n      unit: second\n"
                    "      requests_per_unit: -1\n") ==
        "ratelimit.yaml:6:26: descriptors[0].rate_limit.requests_per_unit: must be an integer "
        "from 0 to 4294967295");
  CHECK(ConfigError("domain: d\ndescriptors:\n  - a\n") ==
        "ratelimit.yaml:3:5: descriptors[0]: config error, yaml file contains list of type "
        "other than map");
  CHECK(ConfigError("domain: d\ndescriptors:\n  - key: a\n    shadow_mode: maybe\n") ==
        "ratelimit.yaml:4:18: descriptors[0].shadow_mode: must be true or false");
  CHECK(ConfigError("domain: d\ndescriptors:\n  - key: a\n    rate_limit:\n      name: x\n"
                    "      replaces:\n        - name: x\n      unit: second\n") ==
        "ratelimit.yaml:7:11: descriptors[0].rate_limit.replaces[0]: replaces should not "
        "contain name of same descriptor");
  CHECK(ConfigError("domain: d\n---\ndomain: e\n") ==
        "ratelimit.yaml:3:1: a rate limit configuration file holds one YAML document");
  CHECK(ConfigError("- domain\n") ==
        "ratelimit.yaml:1:1: must be a map with `domain` and `descriptors`");
}

TEST_CASE("A YAML syntax error is reported at its place") {
  CHECK(ConfigError("domain: d\ndescriptors: [\n") ==
        "ratelimit.yaml:3:1: did not find the closing ']' of a flow sequence");
}

TEST_CASE("A domain in two files is an error naming both") {
  RateLimitServiceConfig config;
  REQUIRE(config.AddText("a.yaml", "domain: shared\n"));
  Expected<void> again = config.AddText("b.yaml", "# again\ndomain: shared\n");
  REQUIRE_FALSE(again);
  CHECK(again.error().message ==
        "b.yaml:2:9: domain: duplicate domain 'shared' in config file (also in a.yaml)");
}

TEST_CASE("Configuration files are bounded in size and nesting") {
  RateLimitServiceConfig config;
  Expected<void> big =
      config.AddText("big.yaml", std::string(RateLimitServiceConfig::kMaxFileBytes + 1, '#'));
  REQUIRE_FALSE(big);
  CHECK(big.error().message ==
        "big.yaml: a rate limit configuration file is limited to "
        "1048576 bytes");
  std::string deep = "domain: d\ndescriptors: ";
  for (int i = 0; i <= RateLimitServiceConfig::kMaxDepth; ++i) {
    deep += "[{key: k, descriptors: ";
  }
  deep += "[]";
  for (int i = 0; i <= RateLimitServiceConfig::kMaxDepth; ++i) {
    deep += "}]";
  }
  std::string field = "descriptors";
  for (int i = 0; i < RateLimitServiceConfig::kMaxDepth; ++i) {
    field += "[0].descriptors";
  }
  CHECK(ConfigError(deep + "\n") ==
        "ratelimit.yaml:2:382: " + field + ": descriptors nest deeper than 16 levels");
}

TEST_CASE("A configuration file is read from disk and a missing one is an error") {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("agw-global-rl-" + std::to_string(reinterpret_cast<std::uintptr_t>(&dir)));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "rl.yaml").string();
  {
    std::ofstream out(path);
    out << "domain: disk\ndescriptors:\n  - key: k\n    rate_limit: {unit: hour, "
           "requests_per_unit: 3}\n";
  }
  RateLimitServiceConfig config;
  CHECK(config.AddFile(path));
  CHECK(config.Find("disk") != nullptr);
  Expected<void> missing = config.AddFile((dir / "none.yaml").string());
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message ==
        "cannot read rate limit configuration \"" + (dir / "none.yaml").string() + "\"");
  std::filesystem::remove_all(dir);
}

// ----- Matching ----------------------------------------------------------------------------

TEST_CASE("Nested descriptors match only a request descriptor of the same depth") {
  RateLimitServiceConfig config = Config(kMessaging);
  const RateLimitServiceLimit* nested =
      config.Lookup("messaging", {{"message_type", "marketing"}, {"to_number", "2061111111"}});
  REQUIRE(nested != nullptr);
  CHECK(nested->requests_per_unit == 5);
  // The first level alone has no limit; one entry too many matches nothing either.
  CHECK(config.Lookup("messaging", {{"message_type", "marketing"}}) == nullptr);
  CHECK(config.Lookup("messaging", {{"to_number", "1"}, {"extra", "x"}}) == nullptr);
  CHECK(config.Lookup("messaging", {{"message_type", "other"}, {"to_number", "1"}}) == nullptr);
}

TEST_CASE("A key without a value is the default for any value and a value wins over it") {
  RateLimitServiceConfig config = Config(kMessaging);
  CHECK(config.Lookup("messaging", {{"remote_address", "50.0.0.1"}})->requests_per_unit == 10);
  CHECK(config.Lookup("messaging", {{"remote_address", "50.0.0.5"}})->requests_per_unit == 0);
  CHECK(config.Lookup("messaging", {{"to_number", "2061111111"}})->requests_per_unit == 100);
}

TEST_CASE("A value ending in a star matches the values it prefixes") {
  RateLimitServiceConfig config = Config(kMessaging);
  CHECK(config.Lookup("messaging", {{"path", "/api/users"}})->requests_per_unit == 20);
  CHECK(config.Lookup("messaging", {{"path", "/api/"}})->requests_per_unit == 20);
  CHECK(config.Lookup("messaging", {{"path", "/web"}}) == nullptr);
}

TEST_CASE("Unknown descriptors and domains are OK with no status") {
  RateLimitService service(Config(kMessaging));
  RateLimitStatus unknown = Check(service, "messaging", Descriptor({{"nope", "x"}}), kDay);
  CHECK_FALSE(unknown.over_limit);
  CHECK_FALSE(unknown.current_limit);
  CHECK(unknown.limit_remaining == 0);
  CHECK(unknown.seconds_until_reset == 0);
  RateLimitStatus other = Check(service, "other", Descriptor({{"to_number", "1"}}), kDay);
  CHECK_FALSE(other.current_limit);
  CHECK(service.CounterCountForTest() == 0);
}

TEST_CASE("An unlimited descriptor is OK with all of uint32 remaining and no limit") {
  RateLimitService service(Config(kMessaging));
  for (int i = 0; i < 3; ++i) {
    RateLimitStatus status = Check(service, "messaging", Descriptor({{"ldap", "x"}}), kDay);
    CHECK_FALSE(status.over_limit);
    CHECK_FALSE(status.current_limit);
    CHECK(status.limit_remaining == 4294967295u);
  }
  CHECK(GlobalRateLimitHeaders({Check(service, "messaging", Descriptor({{"ldap", "x"}}), kDay)})
            .empty());
}

TEST_CASE("A zero limit refuses every request") {
  RateLimitService service(Config(kMessaging));
  RateLimitStatus status =
      Check(service, "messaging", Descriptor({{"remote_address", "50.0.0.5"}}), kDay);
  CHECK(status.over_limit);
  CHECK(status.limit_remaining == 0);
}

// ----- Windows and counting ------------------------------------------------------------------

TEST_CASE("A fixed window counts to the limit and resets at the unit boundary") {
  RateLimitService service(Config(R"(domain: d
descriptors:
  - key: user
    rate_limit: {unit: minute, requests_per_unit: 3}
)"));
  auto now = kDay + seconds(90);  // 00:01:30
  for (std::uint32_t i = 0; i < 3; ++i) {
    RateLimitStatus status = Check(service, "d", Descriptor({{"user", "alice"}}), now);
    CHECK_FALSE(status.over_limit);
    CHECK(status.limit_remaining == 2 - i);
    CHECK(status.seconds_until_reset == 30);
    REQUIRE(status.current_limit);
    CHECK(*status.current_limit == RateLimitOverride{3, RateLimitUnit::kMinute});
  }
  RateLimitStatus over = Check(service, "d", Descriptor({{"user", "alice"}}), now + seconds(29));
  CHECK(over.over_limit);
  CHECK(over.limit_remaining == 0);
  CHECK(over.seconds_until_reset == 1);
  // Each value has its own counter.
  CHECK_FALSE(Check(service, "d", Descriptor({{"user", "bob"}}), now).over_limit);
  // 00:02:00 starts a new window.
  RateLimitStatus next = Check(service, "d", Descriptor({{"user", "alice"}}), now + seconds(30));
  CHECK_FALSE(next.over_limit);
  CHECK(next.limit_remaining == 2);
  CHECK(next.seconds_until_reset == 60);
}

TEST_CASE("Windows are aligned to UTC for every unit") {
  RateLimitService service;
  auto at = kDay + seconds(3 * 3600 + 25 * 60 + 7);  // 03:25:07
  auto reset = [&](RateLimitUnit unit) {
    return Check(service, "d", Descriptor({{"k", "v"}}, 0, RateLimitOverride{1, unit}), at)
        .seconds_until_reset;
  };
  CHECK(reset(RateLimitUnit::kSecond) == 1);
  CHECK(reset(RateLimitUnit::kMinute) == 53);
  CHECK(reset(RateLimitUnit::kHour) == 35 * 60 - 7);
  CHECK(reset(RateLimitUnit::kDay) == 86400 - (3 * 3600 + 25 * 60 + 7));
  // A month is 30 days counted from the epoch, as envoy-ratelimit divides time.
  std::int64_t since_epoch = 1704067200 + 3 * 3600 + 25 * 60 + 7;
  CHECK(reset(RateLimitUnit::kMonth) == 30 * 86400 - since_epoch % (30 * 86400));
  CHECK(reset(RateLimitUnit::kYear) == 365 * 86400 - since_epoch % (365 * 86400));
  CHECK(RateLimitUnitName(RateLimitUnit::kMonth) == "MONTH");
}

TEST_CASE("A hits_addend of zero only asks and a larger one counts that many") {
  RateLimitService service(Config(R"(domain: d
descriptors:
  - key: user
    rate_limit: {unit: hour, requests_per_unit: 10}
)"));
  RateLimitStatus asked = Check(service, "d", Descriptor({{"user", "a"}}, 0), kDay);
  CHECK(asked.limit_remaining == 10);
  CHECK(service.CounterCountForTest() == 0);
  CHECK(Check(service, "d", Descriptor({{"user", "a"}}, 7), kDay).limit_remaining == 3);
  CHECK(Check(service, "d", Descriptor({{"user", "a"}}, 0), kDay).limit_remaining == 3);
  CHECK(Check(service, "d", Descriptor({{"user", "a"}}), kDay).limit_remaining == 2);
  RateLimitStatus over = Check(service, "d", Descriptor({{"user", "a"}}, 3), kDay);
  CHECK(over.over_limit);
  // Refused hits still count, as Redis INCRBY does: asking now finds it over.
  CHECK(Check(service, "d", Descriptor({{"user", "a"}}, 0), kDay).over_limit);
}

TEST_CASE("A limit override replaces the configured limit and needs no configuration") {
  RateLimitService service(Config(R"(domain: d
descriptors:
  - key: user
    rate_limit: {unit: hour, requests_per_unit: 100}
)"));
  RateLimitOverride two{2, RateLimitUnit::kSecond};
  CHECK(Check(service, "d", Descriptor({{"user", "a"}}, std::nullopt, two), kDay).limit_remaining ==
        1);
  CHECK(Check(service, "d", Descriptor({{"user", "a"}}, std::nullopt, two), kDay).limit_remaining ==
        0);
  CHECK(Check(service, "d", Descriptor({{"user", "a"}}, std::nullopt, two), kDay).over_limit);
  // The configured hour limit is a counter of its own.
  CHECK(Check(service, "d", Descriptor({{"user", "a"}}), kDay).limit_remaining == 99);
  RateLimitStatus unconfigured =
      Check(service, "nowhere", Descriptor({{"any", "x"}}, std::nullopt, two), kDay);
  REQUIRE(unconfigured.current_limit);
  CHECK(unconfigured.current_limit->requests_per_unit == 2);
}

TEST_CASE("A limit in shadow mode counts but never refuses") {
  RateLimitService service(Config(R"(domain: d
descriptors:
  - key: user
    shadow_mode: true
    rate_limit: {unit: hour, requests_per_unit: 1}
)"));
  Check(service, "d", Descriptor({{"user", "a"}}), kDay);
  RateLimitStatus status = Check(service, "d", Descriptor({{"user", "a"}}), kDay);
  CHECK_FALSE(status.over_limit);
  CHECK(status.limit_remaining == 0);
}

TEST_CASE("A limit that replaces a named one leaves the named one unapplied") {
  RateLimitService service(Config(R"(domain: d
descriptors:
  - key: plan
    rate_limit: {name: base, unit: hour, requests_per_unit: 1}
  - key: vip
    rate_limit: {replaces: [{name: base}], unit: hour, requests_per_unit: 5}
)"));
  RateLimitRequest request{"d", {Descriptor({{"plan", "free"}}), Descriptor({{"vip", "yes"}})}};
  for (int i = 0; i < 3; ++i) {
    Expected<RateLimitResponse> response = service.ShouldRateLimit(request, kDay);
    REQUIRE(response);
    CHECK_FALSE(response->over_limit);
    CHECK_FALSE(response->statuses[0].current_limit);
    CHECK(response->statuses[1].limit_remaining == static_cast<std::uint32_t>(4 - i));
  }
  // Alone, the base limit applies.
  Check(service, "d", Descriptor({{"plan", "free"}}), kDay);
  CHECK(Check(service, "d", Descriptor({{"plan", "free"}}), kDay).over_limit);
}

TEST_CASE("An unlimited limit stays unlimited when another replaces its name") {
  RateLimitService service(Config(R"(domain: d
descriptors:
  - key: open
    rate_limit: {name: base, unlimited: true}
  - key: vip
    rate_limit: {replaces: [{name: base}], unit: hour, requests_per_unit: 5}
)"));
  Expected<RateLimitResponse> response = service.ShouldRateLimit(
      RateLimitRequest{"d", {Descriptor({{"open", "x"}}), Descriptor({{"vip", "y"}})}}, kDay);
  REQUIRE(response);
  CHECK(response->statuses[0].limit_remaining == 4294967295u);
  CHECK(response->statuses[1].limit_remaining == 4);
}

TEST_CASE("Concurrent checks of one counter add up exactly") {
  RateLimitService service;
  RateLimitOverride limit{1000, RateLimitUnit::kHour};
  std::atomic<int> failed{0};  // Catch2 assertions are not thread-safe: count in the threads
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        if (!service.ShouldRateLimit(RateLimitRequest{"d", {Descriptor({{"k", "v"}}, 2, limit)}},
                                     kDay)) {
          ++failed;
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  CHECK(failed == 0);
  CHECK(Check(service, "d", Descriptor({{"k", "v"}}, 0, limit), kDay).limit_remaining == 200);
}

TEST_CASE("The overall code is over when any descriptor is over") {
  RateLimitService service;
  RateLimitRequest request{"d",
                           {Descriptor({{"a", "1"}}, 1, RateLimitOverride{5, RateLimitUnit::kDay}),
                            Descriptor({{"b", "1"}}, 1, RateLimitOverride{0, RateLimitUnit::kDay}),
                            Descriptor({{"c", "1"}})}};
  Expected<RateLimitResponse> response = service.ShouldRateLimit(request, kDay);
  REQUIRE(response);
  CHECK(response->over_limit);
  REQUIRE(response->statuses.size() == 3);
  CHECK_FALSE(response->statuses[0].over_limit);
  CHECK(response->statuses[1].over_limit);
  CHECK_FALSE(response->statuses[2].current_limit);
}

TEST_CASE("Counters are bounded and ended windows are dropped") {
  RateLimitService service(RateLimitServiceConfig(), 2);
  RateLimitOverride minute{1, RateLimitUnit::kMinute};
  Check(service, "d", Descriptor({{"u", "1"}}, std::nullopt, minute), kDay);
  Check(service, "d", Descriptor({{"u", "2"}}, std::nullopt, minute), kDay + seconds(1));
  CHECK(service.CounterCountForTest() == 2);
  Check(service, "d", Descriptor({{"u", "3"}}, std::nullopt, minute), kDay + seconds(2));
  CHECK(service.CounterCountForTest() == 2);
  // The next minute's first check drops the windows that ended.
  Check(service, "d", Descriptor({{"u", "4"}}, std::nullopt, minute), kDay + seconds(60));
  CHECK(service.CounterCountForTest() == 1);
}

TEST_CASE("The service refuses empty requests and fails while unavailable") {
  RateLimitService service;
  Expected<RateLimitResponse> no_domain =
      service.ShouldRateLimit(RateLimitRequest{"", {Descriptor({{"a", "b"}})}}, kDay);
  REQUIRE_FALSE(no_domain);
  CHECK(no_domain.error().message == "rate limit domain must not be empty");
  Expected<RateLimitResponse> none = service.ShouldRateLimit(RateLimitRequest{"d", {}}, kDay);
  REQUIRE_FALSE(none);
  CHECK(none.error().message == "rate limit descriptor list must not be empty");
  service.SetAvailable(false);
  Expected<RateLimitResponse> down =
      service.ShouldRateLimit(RateLimitRequest{"d", {Descriptor({{"a", "b"}})}}, kDay);
  REQUIRE_FALSE(down);
  CHECK(down.error().message == "rate limit service unavailable");
  service.SetAvailable(true);
  CHECK(service.ShouldRateLimit(RateLimitRequest{"d", {Descriptor({{"a", "b"}})}}, kDay));
}

// ----- The policy and its descriptors ----------------------------------------------------------

const char kPolicy[] = R"yaml(domain: gateway
failureMode: FailOpen
url: http://rls:8081
descriptors:
  - entries:
      - name: user
        expression: request.headers["x-user"]
  - entries:
      - name: path
        expression: request.path
      - name: post
        expression: request.method == "POST"
    cost: "int(request.headers['x-cost'])"
  - unit: Tokens
    entries:
      - name: model
        expression: '"gpt"'
)yaml";

TEST_CASE("A global rate limit block is read with its defaults") {
  GlobalRateLimitConfig config = Policy(kPolicy);
  CHECK(config.domain == "gateway");
  CHECK(config.failure_mode == GlobalRateLimitConfig::FailureMode::kFailOpen);
  REQUIRE(config.descriptors.size() == 3);
  CHECK(config.descriptors[0].type == Type::kRequests);
  CHECK(config.descriptors[0].entries[0].name == "user");
  CHECK(config.descriptors[0].entries[0].expression.text() == "request.headers[\"x-user\"]");
  CHECK_FALSE(config.descriptors[0].cost);
  CHECK(config.descriptors[1].cost->text() == "int(request.headers['x-cost'])");
  CHECK(config.descriptors[2].type == Type::kTokens);
  CHECK(config.Has(Type::kTokens));
  GlobalRateLimitConfig closed = Policy(
      "domain: d\ndescriptors:\n- entries:\n  - name: a\n"
      "    expression: '1'\n");
  CHECK(closed.failure_mode == GlobalRateLimitConfig::FailureMode::kFailClosed);
  CHECK_FALSE(closed.Has(Type::kTokens));
}

TEST_CASE("What the API server would refuse in a global block is described") {
  Yaml yaml = ParseYaml(R"(failureMode: Sometimes
descriptors:
  - unit: Bytes
    entries: [{name: a, expression: "1"}]
  - entries: [{expression: "1"}]
  - entries: []
  - entries: [{name: ok, expression: "1"}]
)");
  std::vector<std::string> problems;
  GlobalRateLimitConfig config = ReadGlobalRateLimit(yaml.root, &problems);
  CHECK(problems == std::vector<std::string>{
                        "domain is required",
                        "failureMode must be FailOpen or FailClosed",
                        "descriptors[0]: unit must be Requests or Tokens",
                        "descriptors[1].entries[0]: name and expression are required",
                        "descriptors[2]: entries must list at least one entry",
                    });
  REQUIRE(config.descriptors.size() == 1);
  CHECK(config.descriptors[0].entries[0].name == "ok");
}

TEST_CASE("Descriptors are built from the request and a missing header drops one") {
  GlobalRateLimitConfig config = Policy(kPolicy);
  std::vector<RateLimitDescriptor> both = BuildDescriptors(
      config, RequestWith({{"X-User", "alice"}, {"x-cost", "3"}}), CelPhase::kRequest);
  REQUIRE(both.size() == 2);
  CHECK(both[0] == Descriptor({{"user", "alice"}}));
  CHECK(both[1] == Descriptor({{"path", "/v1/chat"}, {"post", "true"}}, 3));
  // No x-user: the first descriptor is dropped, the second is still sent.
  std::vector<RateLimitDescriptor> one =
      BuildDescriptors(config, RequestWith({{"x-cost", "0"}}), CelPhase::kRequest);
  REQUIRE(one.size() == 1);
  CHECK(one[0] == Descriptor({{"path", "/v1/chat"}, {"post", "true"}}, 0));
}

TEST_CASE("A cost that fails or is negative drops its descriptor") {
  GlobalRateLimitConfig config = Policy(kPolicy);
  CHECK(BuildDescriptors(config, RequestWith({{"x-user", "a"}, {"x-cost", "many"}}),
                         CelPhase::kRequest)
            .size() == 1);
  CHECK(
      BuildDescriptors(config, RequestWith({{"x-user", "a"}, {"x-cost", "-2"}}), CelPhase::kRequest)
          .size() == 1);
  GlobalRateLimitConfig uint_cost =
      Policy("domain: d\ndescriptors:\n- entries: [{name: a, expression: '\"x\"'}]\n  cost: 5u\n");
  CHECK(BuildDescriptors(uint_cost, RequestWith({}), CelPhase::kRequest)[0].hits_addend == 5u);
}

TEST_CASE("Descriptor values convert as cel's as_str does") {
  validate::cel::Value bytes = validate::cel::Value::Bytes("hi!");
  CHECK(DescriptorValueText(bytes) == "aGkh");
  CHECK(DescriptorValueText(validate::cel::Value::Int(-4)) == "-4");
  CHECK(DescriptorValueText(validate::cel::Value::Uint(18446744073709551615u)) ==
        "18446744073709551615");
  CHECK(DescriptorValueText(validate::cel::Value::Bool(false)) == "false");
  CHECK_FALSE(DescriptorValueText(validate::cel::Value::Double(1.5)));
  CHECK_FALSE(DescriptorValueText(validate::cel::Value()));
  GlobalRateLimitConfig config = Policy(R"(domain: d
descriptors:
  - entries: [{name: n, expression: "1 + 2"}, {name: b, expression: "b'ok'"}]
  - entries: [{name: m, expression: "{'a': 1}"}]
  - entries: [{name: l, expression: "[1]"}]
  - entries: [{name: broken, expression: "request.("}]
)");
  std::vector<RateLimitDescriptor> built =
      BuildDescriptors(config, RequestWith({}), CelPhase::kRequest);
  REQUIRE(built.size() == 1);
  CHECK(built[0].entries == DescriptorEntries{{"n", "3"}, {"b", "b2s="}});
}

TEST_CASE("A limit override is read in either spelling and a bad one drops its descriptor") {
  auto override_of = [](const std::string& expression) {
    GlobalRateLimitConfig config = Policy(
        "domain: d\ndescriptors:\n- entries: [{name: a, expression: '\"x\"'}]\n  limitOverride: " +
        expression + "\n");
    return BuildDescriptors(config, RequestWith({{"x-limit", "7"}}), CelPhase::kRequest);
  };
  std::vector<RateLimitDescriptor> camel =
      override_of(R"('{"unit": "Minute", "requestsPerUnit": 5}')");
  REQUIRE(camel.size() == 1);
  CHECK(camel[0].limit == RateLimitOverride{5, RateLimitUnit::kMinute});
  std::vector<RateLimitDescriptor> snake = override_of(
      R"('{"unit": "YEAR", "requests_per_unit": int(request.headers["x-limit"]), "extra": 1}')");
  REQUIRE(snake.size() == 1);
  CHECK(snake[0].limit == RateLimitOverride{7, RateLimitUnit::kYear});
  CHECK(override_of(R"('{"unit": "second", "requestsPerUnit": 5.0}')").empty());
  CHECK(override_of(R"('{"unit": "second", "requestsPerUnit": -1}')").empty());
  CHECK(override_of(R"('{"unit": "second", "requestsPerUnit": 4294967296}')").empty());
  CHECK(override_of(R"('{"unit": "week", "requestsPerUnit": 1}')").empty());
  CHECK(override_of(R"('{"unit": 1, "requestsPerUnit": 1}')").empty());
  CHECK(
      override_of(R"('{"unit": "second", "requestsPerUnit": 1, "requests_per_unit": 1}')").empty());
  CHECK(override_of(R"('{"requestsPerUnit": 1}')").empty());
  CHECK(override_of(R"('"second"')").empty());
  CHECK(override_of(R"('request.headers["x-missing"]')").empty());
}

TEST_CASE("Token descriptors ask only when they have a cost and use the default otherwise") {
  GlobalRateLimitConfig config = Policy(R"(domain: d
descriptors:
  - unit: Tokens
    entries: [{name: a, expression: '"x"'}]
    cost: "100"
  - unit: Tokens
    entries: [{name: b, expression: '"y"'}]
  - entries: [{name: c, expression: '"z"'}]
)");
  std::vector<RateLimitDescriptor> tokens =
      BuildDescriptors(config, RequestWith({}), CelPhase::kLlmRequest, Type::kTokens, 0);
  REQUIRE(tokens.size() == 2);
  CHECK(tokens[0].hits_addend == 0u);
  CHECK(tokens[1].hits_addend == 0u);
  CHECK(BuildDescriptors(config, RequestWith({}), CelPhase::kLlmRequest, Type::kTokens, 42)[1]
            .hits_addend == 42u);
  std::vector<RateLimitDescriptor> requests =
      BuildDescriptors(config, RequestWith({}), CelPhase::kRequest);
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].entries == DescriptorEntries{{"c", "z"}});
  CHECK_FALSE(requests[0].hits_addend);
}

// ----- The gateway's answer ------------------------------------------------------------------

TEST_CASE("With every descriptor dropped no check is made and the request is allowed") {
  GlobalRateLimitConfig config = Policy(R"(domain: d
descriptors:
  - entries: [{name: user, expression: 'request.headers["x-user"]'}]
    limitOverride: '{"unit": "second", "requestsPerUnit": 0}'
)");
  RateLimitService service;
  service.SetAvailable(false);  // would fail closed if it were called
  GlobalRateLimitAnswer answer =
      CheckGlobalRateLimit(config, service, RequestWith({}), CelPhase::kRequest, kDay);
  CHECK_FALSE(answer.checked);
  CHECK(answer.allowed);
  CHECK(answer.headers.empty());
  CHECK(answer.warning.empty());
}

TEST_CASE("Over the limit the gateway answers 429 with an empty body and the headers") {
  GlobalRateLimitConfig config = Policy(R"(domain: d
descriptors:
  - entries: [{name: user, expression: 'request.headers["x-user"]'}]
    limitOverride: '{"unit": "minute", "requestsPerUnit": 1}'
)");
  RateLimitService service;
  AttributeContext alice = RequestWith({{"x-user", "alice"}});
  auto at = kDay + seconds(22);
  GlobalRateLimitAnswer first =
      CheckGlobalRateLimit(config, service, alice, CelPhase::kRequest, at);
  CHECK(first.checked);
  CHECK(first.allowed);
  CHECK(first.headers == http::HeaderList{{"x-ratelimit-limit", "1"},
                                          {"x-ratelimit-remaining", "0"},
                                          {"x-ratelimit-reset", "38"}});
  GlobalRateLimitAnswer second =
      CheckGlobalRateLimit(config, service, alice, CelPhase::kRequest, at);
  CHECK_FALSE(second.allowed);
  CHECK(second.status == 429);
  CHECK(second.body.empty());
  CHECK(second.reason == "DirectResponse");
  CHECK(second.error.empty());
  CHECK(second.headers == http::HeaderList{{"x-ratelimit-limit", "1"},
                                           {"x-ratelimit-remaining", "0"},
                                           {"x-ratelimit-reset", "38"}});
}

TEST_CASE("The headers come from the most constrained status that has a limit") {
  RateLimitStatus none;  // no limit: never reported, whatever it says
  RateLimitStatus wide{false, RateLimitOverride{100, RateLimitUnit::kHour}, 42, 30};
  RateLimitStatus narrow{false, RateLimitOverride{10, RateLimitUnit::kMinute}, 7, 12};
  RateLimitStatus tie{false, RateLimitOverride{9, RateLimitUnit::kSecond}, 7, 1};
  CHECK(GlobalRateLimitHeaders({none, wide, narrow, tie}) ==
        http::HeaderList{{"x-ratelimit-limit", "10"},
                         {"x-ratelimit-remaining", "7"},
                         {"x-ratelimit-reset", "12"}});
  CHECK(GlobalRateLimitHeaders({none}).empty());
  RateLimitStatus negative{false, RateLimitOverride{1, RateLimitUnit::kSecond}, 0, -5};
  CHECK(GlobalRateLimitHeaders({negative})[2].second == "0");
}

TEST_CASE("A failed call is a 500 when failing closed and allowed when failing open") {
  GlobalRateLimitConfig config;
  config.domain = "d";
  Expected<RateLimitResponse> failed = MakeError("rate limit service unavailable");
  GlobalRateLimitAnswer closed = AnswerGlobalRateLimit(config, failed);
  CHECK(closed.checked);
  CHECK_FALSE(closed.allowed);
  CHECK(closed.status == 500);
  CHECK(closed.body == "rate limit failed");
  CHECK(closed.headers == http::HeaderList{{"content-type", "text/plain"}});
  CHECK(closed.reason == "RateLimit");
  CHECK(closed.error == "rate limit failed");
  CHECK(closed.warning ==
        "ratelimit service failed (domain: d): rate limit service unavailable; denying request "
        "(failure_mode: failClosed)");
  config.failure_mode = GlobalRateLimitConfig::FailureMode::kFailOpen;
  GlobalRateLimitAnswer open = AnswerGlobalRateLimit(config, failed);
  CHECK(open.allowed);
  CHECK(open.status == 0);
  CHECK(open.headers.empty());
  CHECK(open.warning ==
        "ratelimit service failed (domain: d): rate limit service unavailable; failure will be "
        "ignored (failure_mode: failOpen)");
}

TEST_CASE("An allowed answer with no limit applied carries no headers") {
  GlobalRateLimitConfig config =
      Policy("domain: d\ndescriptors:\n- entries: [{name: user, expression: 'request.method'}]\n");
  RateLimitService service;
  GlobalRateLimitAnswer answer =
      CheckGlobalRateLimit(config, service, RequestWith({}), CelPhase::kRequest, kDay);
  CHECK(answer.checked);
  CHECK(answer.allowed);
  CHECK(answer.headers.empty());
}

}  // namespace
}  // namespace agw::emulator::policy
