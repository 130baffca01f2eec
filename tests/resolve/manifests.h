#pragma once

// Builders for the manifests the resolve tests write again and again, so that each test spells
// out only what is particular to it. Each returns one YAML document, ending in a newline, laid
// out exactly as the inline fixtures were (two-space indents, list items under their key), so
// that a test may still point at a place in it with Resolved::After.

#include <string>
#include <string_view>

namespace agw::validate::resolve::test {

// A Gateway named `gw` in the default namespace. `listeners` is the list written under
// `spec.listeners` (items at two-space indent, as HttpListener makes them).
inline std::string GatewayYaml(std::string_view listeners,
                               std::string_view class_name = "agentgateway") {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: gw\n"
         "spec:\n  gatewayClassName: " +
         std::string(class_name) + "\n  listeners:\n" + std::string(listeners);
}

// One HTTP listener item for GatewayYaml; `extra` holds further fields of the item, written at
// four-space indent (e.g. "    hostname: a.example.com\n").
inline std::string HttpListener(std::string_view name = "http", int port = 80,
                                std::string_view extra = "") {
  return "  - name: " + std::string(name) + "\n    port: " + std::to_string(port) +
         "\n    protocol: HTTP\n" + std::string(extra);
}

// The Gateway most tests attach to: class agentgateway (implied), one HTTP listener.
inline const std::string kGateway = GatewayYaml(HttpListener());

// A Gateway `gw` with listeners `http` (port 80) and `admin` (port 9000).
inline const std::string kTwoListenerGateway =
    GatewayYaml(HttpListener("http", 80) + HttpListener("admin", 9000));

// A route of `kind` named `name`; `spec` is everything under `spec:` (two-space indent).
// `namespace_` empty leaves the namespace unset (the default one).
inline std::string RouteYaml(std::string_view kind, std::string_view name, std::string_view spec,
                             std::string_view namespace_ = "") {
  std::string text = "apiVersion: gateway.networking.k8s.io/v1\nkind: " + std::string(kind) +
                     "\nmetadata:\n  name: " + std::string(name) + "\n";
  if (!namespace_.empty()) {
    text += "  namespace: " + std::string(namespace_) + "\n";
  }
  return text + "spec:\n" + std::string(spec);
}

// The HTTPRoute `web` most tests use, with `spec` as RouteYaml takes it.
inline std::string HttpRoute(std::string_view spec) { return RouteYaml("HTTPRoute", "web", spec); }

// `spec.parentRefs` holding `items` (list items at two-space indent).
inline std::string ParentRefs(std::string_view items = "  - name: gw\n") {
  return "  parentRefs:\n" + std::string(items);
}

// `spec.rules` with one rule whose backendRefs are `items` (list items at four-space indent).
inline std::string BackendRule(std::string_view items) {
  return "  rules:\n  - backendRefs:\n" + std::string(items);
}

// The rule most routes have: one backendRef to Service `svc` port 8080.
inline const std::string kRulesToSvc = BackendRule("    - name: svc\n      port: 8080\n");

// A Service with one port; `namespace_` empty leaves the namespace unset.
inline std::string ServiceYaml(std::string_view name, int port, std::string_view namespace_ = "") {
  std::string text =
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: " + std::string(name) + "\n";
  if (!namespace_.empty()) {
    text += "  namespace: " + std::string(namespace_) + "\n";
  }
  return text + "spec:\n  ports:\n  - port: " + std::to_string(port) + "\n";
}

// A Namespace; `labels` holds the items under metadata.labels (four-space indent), if any.
inline std::string NamespaceYaml(std::string_view name, std::string_view labels = "") {
  std::string text =
      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + std::string(name) + "\n";
  if (!labels.empty()) {
    text += "  labels:\n" + std::string(labels);
  }
  return text;
}

// The Service most routes point at: `svc`, port 8080.
inline const std::string kService = ServiceYaml("svc", 8080);

// A GatewayClass whose spec.controllerName is `controller_name`.
inline std::string GatewayClassYaml(std::string_view name, std::string_view controller_name) {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata:\n  name: " +
         std::string(name) + "\nspec:\n  controllerName: " + std::string(controller_name) + "\n";
}

// A ReferenceGrant `allow` in namespace `other` letting HTTPRoutes of `from_namespace` refer to
// Services there; `to_extra` holds further fields of the `to` item (e.g. "    name: svc\n").
inline std::string ServiceReferenceGrant(std::string_view from_namespace,
                                         std::string_view to_extra = "") {
  return "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata:\n"
         "  name: allow\n  namespace: other\nspec:\n  from:\n  - group: gateway.networking.k8s.io\n"
         "    kind: HTTPRoute\n    namespace: " +
         std::string(from_namespace) + "\n  to:\n  - group: \"\"\n    kind: Service\n" +
         std::string(to_extra);
}

}  // namespace agw::validate::resolve::test
