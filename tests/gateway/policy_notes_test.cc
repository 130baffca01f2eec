// Issue 17: `run` never ignores a policy silently. PolicyNotes names, per attached policy, the
// fields it does not enforce, and the targets where two policies set the same field.

#include <catch2/catch.hpp>

#include "emulator/gateway/snapshot.h"
#include "emulator/gateway/startup_notes.h"
#include "validate/manifest/file_system.h"
#include "validate/resolve/pipeline.h"

namespace agw::emulator::gateway {
namespace {

constexpr char kManifests[] = R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: agentgateway
  listeners: [{name: http, protocol: HTTP, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: chat, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
  - backendRefs: [{name: llm, port: 8080}]
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayPolicy
metadata: {name: enforced, namespace: default}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: chat}]
  traffic:
    rateLimit:
      local: [{requests: 5, unit: Seconds}]
  backend:
    ai:
      promptGuard:
        request:
        - regex: {builtins: [Email]}
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayPolicy
metadata: {name: partly, namespace: default}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: chat}]
  traffic:
    rateLimit:
      local: [{requests: 1, unit: Minutes}]
    timeouts: {request: 5s}
  backend:
    ai:
      promptGuard:
        request:
        - regex: {matches: [secret]}
        - openAIModeration: {}
        - webhook:
            backendRef: {name: checker, port: 8000}
            headers: {x-user: "request.headers['x-user']"}
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayPolicy
metadata: {name: telemetry, namespace: default}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
  frontend:
    accessLog: {filter: "response.code >= 400"}
    tracing: {url: "http://127.0.0.1:4317"}
)";

TEST_CASE("run names the policy fields it does not enforce and same-target conflicts") {
  validate::manifest::InMemoryFileSystem files;
  files.AddFile("m.yaml", kManifests);
  validate::manifest::LoadOptions load;
  load.paths = {"m.yaml"};
  auto snapshot = MakeSnapshot(
      validate::resolve::RunPipeline(load, files, validate::resolve::ResolveOptions{}));
  CHECK(PolicyNotes(*snapshot) ==
        std::vector<std::string>{
            "policy default/partly: not enforced by run: traffic.timeouts",
            "policies default/enforced, default/partly all set backend.ai on HTTPRoute "
            "default/chat: agentgateway applies one of them, chosen arbitrarily; run applies "
            "default/enforced",
            "policies default/enforced, default/partly all set traffic.rateLimit on HTTPRoute "
            "default/chat: agentgateway applies one of them, chosen arbitrarily; run applies "
            "default/enforced",
        });
}

}  // namespace
}  // namespace agw::emulator::gateway
