#pragma once

#include <string>
#include <string_view>

namespace agw::test {

// A Gateway `gw` on port 80 whose one HTTPRoute `llm` sends everything to AgentgatewayBackend
// `name` (all in namespace default), with `spec` (YAML, indented as under `spec:`) as that
// backend's spec, then `extra` (more documents, each starting with "---").
inline std::string OneAiBackend(std::string_view name, std::string_view spec,
                                std::string_view extra = "") {
  std::string backend(name);
  return R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: agentgateway
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: llm, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
  - backendRefs: [{group: agentgateway.dev, kind: AgentgatewayBackend, name: )" +
         backend + R"(}]
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: )" +
         backend + R"(, namespace: default}
spec:
)" + std::string(spec) +
         std::string(extra);
}

}  // namespace agw::test
