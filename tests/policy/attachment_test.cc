// Which policies reach a request and how their fields merge (agentgateway's store/binds.rs):
// route-phase traffic fields from Gateway to rule with the most specific winning, Override
// locking a field, backend fields strongest first, and the AI policy merged field by field.

#include "emulator/policy/attachment.h"

#include <catch2/catch.hpp>

#include "validate/manifest/file_system.h"
#include "validate/resolve/pipeline.h"

namespace agw::emulator::policy {
namespace {

constexpr char kBase[] = R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: agentgateway
  listeners: [{name: http, protocol: HTTP, port: 80}]
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: llm, namespace: default}
spec:
  ai:
    provider:
      openai: {model: gpt-4o-mini}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: chat, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
  - name: main
    backendRefs: [{group: agentgateway.dev, kind: AgentgatewayBackend, name: llm}]
)";

// An AgentgatewayPolicy in namespace default; `targets` and `body` are indented by two spaces.
std::string Policy(const std::string& name, const std::string& target, const std::string& body) {
  return "---\napiVersion: agentgateway.dev/v1alpha1\nkind: AgentgatewayPolicy\nmetadata: {name: " +
         name + ", namespace: default}\nspec:\n  targetRefs: [" + target + "]\n" + body;
}

const std::string kOnGateway = "{group: gateway.networking.k8s.io, kind: Gateway, name: gw}";
const std::string kOnListener =
    "{group: gateway.networking.k8s.io, kind: Gateway, name: gw, sectionName: http}";
const std::string kOnRoute = "{group: gateway.networking.k8s.io, kind: HTTPRoute, name: chat}";
const std::string kOnRule =
    "{group: gateway.networking.k8s.io, kind: HTTPRoute, name: chat, sectionName: main}";
const std::string kOnBackend = "{group: agentgateway.dev, kind: AgentgatewayBackend, name: llm}";

std::string RequestLimit(int requests) {
  return "  traffic:\n    rateLimit:\n      local: [{requests: " + std::to_string(requests) +
         ", unit: Minutes}]\n";
}

struct Loaded {
  std::unique_ptr<validate::resolve::Pipeline> pipeline;
  std::unique_ptr<PolicyIndex> index;
  RequestPlace place;
};

Loaded Load(const std::string& policies) {
  validate::manifest::InMemoryFileSystem files;
  files.AddFile("m.yaml", std::string(kBase) + policies);
  validate::manifest::LoadOptions load;
  load.paths = {"m.yaml"};
  Loaded loaded;
  loaded.pipeline =
      validate::resolve::RunPipeline(load, files, validate::resolve::ResolveOptions{});
  loaded.index = std::make_unique<PolicyIndex>(loaded.pipeline->resolution.config.policies);
  const validate::model::Model& model = loaded.pipeline->model;
  REQUIRE(model.gateways.size() == 1);
  loaded.place.gateway = &model.gateways[0];
  loaded.place.listener = "http";
  loaded.place.port = 80;
  loaded.place.route_kind = "HTTPRoute";
  loaded.place.route_namespace = "default";
  loaded.place.route_name = "chat";
  loaded.place.rule_name = "main";
  loaded.place.backend_kind = "AgentgatewayBackend";
  loaded.place.backend_namespace = "default";
  loaded.place.backend_name = "llm";
  return loaded;
}

std::vector<std::string> Names(const std::vector<const validate::resolve::AttachedPolicy*>& list) {
  std::vector<std::string> names;
  for (const auto* attached : list) {
    names.push_back(attached->policy->metadata.name);
  }
  return names;
}

std::string RateLimitWinner(const Loaded& loaded) {
  auto picked = PickTrafficField<validate::manifest::Value>(
      loaded.index->RouteTraffic(loaded.place),
      [](const validate::model::Traffic& t) { return t.rate_limit ? &*t.rate_limit : nullptr; });
  return picked.from == nullptr ? "" : picked.from->policy->metadata.name;
}

TEST_CASE("Route-phase traffic policies come from Gateway to rule and the most specific wins") {
  Loaded loaded = Load(Policy("on-rule", kOnRule, RequestLimit(1)) +
                       Policy("on-gateway", kOnGateway, RequestLimit(4)) +
                       Policy("on-route", kOnRoute, RequestLimit(2)) +
                       Policy("on-listener", kOnListener, RequestLimit(3)));
  CHECK(Names(loaded.index->RouteTraffic(loaded.place)) ==
        std::vector<std::string>{"on-gateway", "on-listener", "on-route", "on-rule"});
  CHECK(RateLimitWinner(loaded) == "on-rule");
  loaded.place.rule_name.reset();  // a request of another rule of the route
  CHECK(RateLimitWinner(loaded) == "on-route");
}

TEST_CASE("A less specific policy with inheritance Override keeps the fields it sets") {
  Loaded loaded = Load(Policy("gateway-override", kOnGateway,
                              "  strategy: {inheritance: Override}\n" + RequestLimit(4)) +
                       Policy("on-rule", kOnRule, RequestLimit(1)));
  CHECK(RateLimitWinner(loaded) == "gateway-override");
}

TEST_CASE("Override does not lock a field the overriding policy leaves unset") {
  Loaded loaded = Load(Policy("gateway-override", kOnGateway,
                              "  strategy: {inheritance: Override}\n  traffic:\n    timeouts: "
                              "{request: 5s}\n") +
                       Policy("on-rule", kOnRule, RequestLimit(1)));
  CHECK(RateLimitWinner(loaded) == "on-rule");
}

TEST_CASE("Two policies on one target are ordered by name and named as a conflict") {
  Loaded loaded = Load(Policy("b-limit", kOnRoute, RequestLimit(2)) +
                       Policy("a-limit", kOnRoute, RequestLimit(1)));
  CHECK(RateLimitWinner(loaded) == "a-limit");
  std::vector<PolicyIndex::Conflict> conflicts = loaded.index->SameTargetConflicts();
  REQUIRE(conflicts.size() == 1);
  CHECK(conflicts[0].target == "HTTPRoute default/chat");
  CHECK(conflicts[0].field == "traffic.rateLimit");
  CHECK(conflicts[0].policies == std::vector<std::string>{"default/a-limit", "default/b-limit"});
}

TEST_CASE("PreRouting traffic policies are not route-phase policies") {
  Loaded loaded = Load(Policy(
      "pre", kOnGateway,
      "  traffic:\n    phase: PreRouting\n    cors: {allowOrigins: [\"https://a.example\"]}\n"));
  CHECK(loaded.index->RouteTraffic(loaded.place).empty());
}

TEST_CASE("Backend policies come strongest first from rule to Gateway") {
  std::string ai = "  backend:\n    ai:\n      modelAliases: {fast: gpt-4o-mini}\n";
  Loaded loaded = Load(Policy("on-gateway", kOnGateway, ai) + Policy("on-backend", kOnBackend, ai) +
                       Policy("on-rule", kOnRule, ai) + Policy("on-route", kOnRoute, ai) +
                       Policy("on-listener", kOnListener, ai));
  // agentgateway's code, not the CRD's prose: a route's policy beats the backend's.
  CHECK(Names(loaded.index->Backend(loaded.place)) ==
        std::vector<std::string>{"on-rule", "on-route", "on-backend", "on-listener", "on-gateway"});
}

TEST_CASE("Policies on a provider section are found by the provider's name") {
  Loaded loaded = Load(Policy(
      "on-provider",
      "{group: agentgateway.dev, kind: AgentgatewayBackend, name: llm, sectionName: backend}",
      "  backend:\n    ai:\n      routes: {\"/v1/messages\": Messages}\n"));
  CHECK(Names(loaded.index->Provider("default", "llm", "backend")) ==
        std::vector<std::string>{"on-provider"});
  CHECK(loaded.index->Backend(loaded.place).empty());
}

TEST_CASE("AI policies merge field by field with the preferred one winning what it sets") {
  validate::model::BackendAI preferred;
  preferred.model_aliases = {{"fast", "gpt-4o-mini"}};
  preferred.overrides = {{"temperature", {}}};
  validate::model::BackendAI fallback;
  fallback.model_aliases = {{"slow", "o3"}};
  fallback.routes = {{"/v1/messages", "Messages"}};
  fallback.defaults = {{"max_tokens", {}}};
  fallback.overrides = {{"top_p", {}}};
  validate::model::BackendAI merged = MergeAi(preferred, fallback);
  CHECK(merged.model_aliases == std::map<std::string, std::string>{{"fast", "gpt-4o-mini"}});
  CHECK(merged.routes == fallback.routes);
  REQUIRE(merged.defaults.size() == 1);
  CHECK(merged.defaults[0].field == "max_tokens");
  REQUIRE(merged.overrides.size() == 1);
  CHECK(merged.overrides[0].field == "temperature");  // whole lists, never concatenated
}

TEST_CASE("A data-plane policy key names the feature and the target") {
  Loaded loaded = Load(Policy("limit", kOnRule, RequestLimit(1)));
  const auto& attached = loaded.pipeline->resolution.config.policies;
  REQUIRE(attached.size() == 1);
  CHECK(PolicyKey(attached[0], "rl-local") ==
        "traffic/default/limit:rl-local:HTTPRoute/default/chat/main");
}

}  // namespace
}  // namespace agw::emulator::policy
