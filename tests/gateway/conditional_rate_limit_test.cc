// Issue 17: traffic.rateLimit.conditional. The first entry whose CEL condition holds gives the
// request its local limit, each entry with its own buckets; no match means no limit.

#include <catch2/catch.hpp>
#include <random>

#include "emulator/gateway/cel_attributes.h"
#include "emulator/gateway/decision.h"
#include "emulator/gateway/snapshot.h"
#include "validate/manifest/file_system.h"
#include "validate/resolve/pipeline.h"

namespace agw::emulator::gateway {
namespace {

constexpr char kManifests[] = R"yaml(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: agentgateway
  listeners: [{name: http, protocol: HTTP, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
  - backendRefs: [{name: app, port: 8080}]
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayPolicy
metadata: {name: tiers, namespace: default}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: api}]
  traffic:
    rateLimit:
      conditional:
      - condition: "request.headers['x-tier'] == 'free'"
        policy:
          local: [{requests: 1, unit: Minutes}]
      - condition: "request.path.startsWith('/internal')"
        policy:
          global:
            backendRef: {name: ratelimit, port: 8081}
            domain: api
            descriptors: [{entries: [{name: path, expression: request.path}]}]
      - condition: "source.address == '10.0.0.9'"
        policy:
          local: [{requests: 3, unit: Minutes}]
)yaml";

class ConditionalLimits {
 public:
  explicit ConditionalLimits(policy::RateLimitServiceConfig global = {})
      : service_(std::move(global)) {
    validate::manifest::InMemoryFileSystem files;
    files.AddFile("m.yaml", kManifests);
    validate::manifest::LoadOptions load;
    load.paths = {"m.yaml"};
    snapshot_ = MakeSnapshot(
        validate::resolve::RunPipeline(load, files, validate::resolve::ResolveOptions{}));
  }

  // The answer of the last request a limit refused.
  const route::DirectResponse& refusal() const { return refusal_; }

  // The status of one request: 429 when the limit refused it, else 0.
  int Send(const std::string& path, const std::string& tier, const std::string& source) {
    route::Request request;
    request.authority = "example.com";
    request.path = path;
    if (!tier.empty()) {
      request.headers.emplace_back("x-tier", tier);
    }
    const route::Bind& bind = snapshot_->binds.begin()->second;
    std::mt19937_64 random(1);
    RequestDecision decision = Decide(*snapshot_, &bind, request, 80, nullptr, random);
    ApplyRouteRateLimit(decision, limits_, &service_, now_, [&] {
      ConnectionFacts connection;
      connection.gateway = "default/gw";
      connection.source_address = source;
      return RequestAttributes(request, connection, &decision, std::chrono::system_clock::now());
    });
    if (decision.action != RequestDecision::Action::kAnswer) {
      return 0;
    }
    refusal_ = decision.answer;
    return decision.answer.status;
  }

 private:
  std::shared_ptr<const Snapshot> snapshot_;
  policy::RateLimitRegistry limits_;
  policy::RateLimitService service_;
  route::DirectResponse refusal_;
  policy::RateClock::time_point now_ = policy::RateClock::now();
};

TEST_CASE("the first conditional local limit whose condition holds applies") {
  ConditionalLimits limits;
  // Free tier: one request a minute.
  CHECK(limits.Send("/a", "free", "10.0.0.9") == 0);
  CHECK(limits.Send("/a", "free", "10.0.0.9") == 429);
  // The same source without the header falls to the third entry, with buckets of its own.
  CHECK(limits.Send("/a", "", "10.0.0.9") == 0);
  CHECK(limits.Send("/a", "", "10.0.0.9") == 0);
  CHECK(limits.Send("/a", "", "10.0.0.9") == 0);
  CHECK(limits.Send("/a", "", "10.0.0.9") == 429);
}

TEST_CASE("a request no conditional local limit matches has no local limit") {
  ConditionalLimits limits;
  for (int i = 0; i < 5; ++i) {
    CHECK(limits.Send("/a", "", "10.0.0.1") == 0);
  }
  // An entry with only a global part is not in the local list: /internal from 10.0.0.9 still
  // gets the third entry's local limit, as agentgateway splits conditional limits by kind.
  CHECK(limits.Send("/internal", "", "10.0.0.9") == 0);
  CHECK(limits.Send("/internal", "", "10.0.0.9") == 0);
  CHECK(limits.Send("/internal", "", "10.0.0.9") == 0);
  CHECK(limits.Send("/internal", "", "10.0.0.9") == 429);
}

TEST_CASE("a conditional global limit is checked against the in-process rate-limit service") {
  policy::RateLimitServiceConfig config;
  REQUIRE(config
              .AddText("ratelimit.yaml", R"yaml(domain: api
descriptors:
- key: path
  value: /internal
  rate_limit: {unit: minute, requests_per_unit: 1}
)yaml")
              .has_value());
  ConditionalLimits limits(std::move(config));
  CHECK(limits.Send("/internal", "", "10.0.0.1") == 0);
  CHECK(limits.Send("/internal", "", "10.0.0.1") == 429);
  // agentgateway's answer to an over-limit reply: 429, no body, no content-type.
  CHECK(limits.refusal().body.empty());
  CHECK_FALSE(http::GetHeader(limits.refusal().headers, "content-type").has_value());
  CHECK(http::GetHeader(limits.refusal().headers, "x-ratelimit-limit") == "1");
  CHECK(http::GetHeader(limits.refusal().headers, "x-ratelimit-remaining") == "0");
  // Requests the global entry's condition does not select are not checked.
  for (int i = 0; i < 3; ++i) {
    CHECK(limits.Send("/other", "", "10.0.0.1") == 0);
  }
}

}  // namespace
}  // namespace agw::emulator::gateway
