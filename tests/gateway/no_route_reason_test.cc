// Issue 16: the gateway's own answers say why in the access log; for a 404 that is the route
// that came closest and what kept it from the request.

#include <catch2/catch.hpp>
#include <random>

#include "emulator/gateway/decision.h"
#include "validate/manifest/file_system.h"
#include "validate/resolve/pipeline.h"

namespace agw::emulator::gateway {
namespace {

constexpr char kGateway[] = R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  gatewayClassName: agentgateway
  listeners:
  - name: http
    protocol: HTTP
    port: 80
)";

// An HTTPRoute in namespace default: `spec` is its spec, indented by two spaces.
std::string Route(const std::string& name, const std::string& spec) {
  return "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: " +
         name + "\n  namespace: default\nspec:\n" + spec;
}

std::shared_ptr<const Snapshot> SnapshotOf(const std::string& routes) {
  validate::manifest::InMemoryFileSystem files;
  files.AddFile("m.yaml", std::string(kGateway) + routes);
  validate::manifest::LoadOptions load;
  load.paths = {"m.yaml"};
  return MakeSnapshot(
      validate::resolve::RunPipeline(load, files, validate::resolve::ResolveOptions{}));
}

RequestDecision DecideFor(const Snapshot& snapshot, const std::string& method,
                          const std::string& path, const std::string& host = "example.com") {
  route::Request request;
  request.method = method;
  request.path = path;
  request.authority = host;
  std::mt19937_64 random(1);
  std::vector<route::Bind> binds = snapshot.table->Binds();
  REQUIRE(binds.size() == 1);
  return Decide(snapshot, &binds[0], request, 80, nullptr, random);
}

TEST_CASE("A 404 names the route whose path matched and the method it wants") {
  auto snapshot = SnapshotOf(Route("chat", R"(  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /v1}, method: POST}]
    backendRefs: [{name: llm, port: 8080}]
)"));
  RequestDecision decision = DecideFor(*snapshot, "GET", "/v1/chat/completions");
  CHECK(decision.answer.status == 404);
  CHECK(decision.answer_reason ==
        "no route matches; closest: HTTPRoute default/chat rule 0 (PathPrefix /v1 method=POST) "
        "wants method POST");
}

TEST_CASE("A 404 names the route whose path matched and the host it is for") {
  auto snapshot = SnapshotOf(Route("chat", R"(  parentRefs: [{name: gw}]
  hostnames: [api.example.com]
  rules:
  - backendRefs: [{name: llm, port: 8080}]
)"));
  RequestDecision decision = DecideFor(*snapshot, "GET", "/", "localhost:8080");
  CHECK(decision.answer.status == 404);
  CHECK(decision.answer_reason ==
        "no route matches; closest: HTTPRoute default/chat rule 0 (PathPrefix /) is for host "
        "api.example.com, not localhost");
}

TEST_CASE("A 404 names a route meant for the Gateway that is not attached and why") {
  auto snapshot = SnapshotOf(Route("chat", R"(  parentRefs: [{name: gw, sectionName: htp}]
  rules:
  - backendRefs: [{name: llm, port: 8080}]
)"));
  RequestDecision decision = DecideFor(*snapshot, "GET", "/anything");
  CHECK(decision.answer.status == 404);
  CHECK(decision.answer_reason ==
        "no route matches; HTTPRoute default/chat is not attached: sectionName \"htp\" not found");
}

TEST_CASE("A 404 for a path no route takes lists the paths the listener's routes take") {
  auto snapshot = SnapshotOf(Route("providers", R"(  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /openai}}]
    backendRefs: [{name: a, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /anthropic}}]
    backendRefs: [{name: b, port: 8080}]
)"));
  RequestDecision decision = DecideFor(*snapshot, "POST", "/v1/chat/completions");
  CHECK(decision.answer.status == 404);
  CHECK(decision.answer_reason ==
        "no route of listener http matches path /v1/chat/completions (its routes take PathPrefix "
        "/anthropic, PathPrefix /openai)");
}

TEST_CASE("A 500 for a rule whose backend is missing says what the controller found") {
  validate::manifest::InMemoryFileSystem files;
  files.AddFile("m.yaml", std::string(kGateway) + Route("chat", R"(  parentRefs: [{name: gw}]
  rules:
  - backendRefs: [{group: agentgateway.dev, kind: AgentgatewayBackend, name: open-ai}]
)"));
  validate::manifest::LoadOptions load;
  load.paths = {"m.yaml"};
  validate::resolve::ResolveOptions options;
  options.strict_refs = true;
  auto snapshot = MakeSnapshot(validate::resolve::RunPipeline(load, files, options));
  RequestDecision decision = DecideFor(*snapshot, "POST", "/v1/chat/completions");
  CHECK(decision.answer.status == 500);
  CHECK(decision.answer_reason ==
        "the rule's backend is not usable: invalid backend: Backend not found: default/open-ai");
}

TEST_CASE("A 404 on a listener without routes says so") {
  auto snapshot = SnapshotOf("");
  RequestDecision decision = DecideFor(*snapshot, "GET", "/");
  CHECK(decision.answer.status == 404);
  CHECK(decision.answer_reason == "no route is attached to listener http");
}

}  // namespace
}  // namespace agw::emulator::gateway
