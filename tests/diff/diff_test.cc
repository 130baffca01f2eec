// validate::diff::DiffResources on small in-memory manifest pairs stored with the built-in CRDs.

#include <catch2/catch.hpp>
#include <string>

#include "validate/diff/resource_diff.h"
#include "validate/manifest/diagnostic.h"
#include "validate/manifest/loader.h"
#include "validate/schema/catalog.h"

namespace agw::validate::diff {
namespace {

Side Store(const std::string& text) {
  validate::manifest::Manifest manifest;
  validate::manifest::DiagnosticSink sink;
  validate::manifest::LoadText(manifest, "test.yaml", text, validate::manifest::LoadOptions{},
                               sink);
  REQUIRE_FALSE(sink.HasErrors());
  return StoreSide(manifest, validate::schema::CrdCatalog::Default(), sink);
}

ResourceDiff Diff(const std::string& old_text, const std::string& new_text) {
  return DiffResources(Store(old_text), Store(new_text));
}

// One line per change, so a test pins everything the diff says.
std::string Lines(const ResourceDiff& diff) {
  std::string out;
  for (const ResourceChange& resource : diff.resources) {
    char mark = resource.kind == ResourceChangeKind::kAdded     ? '+'
                : resource.kind == ResourceChangeKind::kRemoved ? '-'
                : resource.kind == ResourceChangeKind::kChanged ? '~'
                                                                : '=';
    out += std::string(1, mark) + " " + resource.id.ToString() + "\n";
    for (const FieldChange& field : resource.fields) {
      std::string kind = field.kind == FieldChangeKind::kAdded     ? "added"
                         : field.kind == FieldChangeKind::kRemoved ? "removed"
                                                                   : "changed";
      out += "  " + kind + " " + field.path + ": " + field.old_value + " | " + field.new_value +
             (field.sensitive ? " (sensitive)" : "") + "\n";
    }
  }
  return out;
}

constexpr char kGateway[] = R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
spec:
  gatewayClassName: agentgateway
  listeners:
  - name: http
    port: 80
    protocol: HTTP
  - name: https
    port: 443
    protocol: HTTPS
    tls:
      certificateRefs:
      - name: cert
)";

constexpr char kRoute[] = R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  parentRefs:
  - name: gw
  rules:
  - backendRefs:
    - name: svc
      port: 8080
)";

TEST_CASE("Identical sets are unchanged") {
  ResourceDiff diff = Diff(kRoute, kRoute);
  CHECK_FALSE(diff.HasDifferences());
  CHECK(diff.unchanged == 1);
  CHECK(Lines(diff) == "= HTTPRoute default/web\n");
}

TEST_CASE("Reordering documents and map-list items and spelling out defaults is no change") {
  // The listeners swapped (a list-map keyed by name), the documents swapped, and the defaults
  // the CRDs apply written out: the namespace, the backendRef weight and group/kind, the path
  // match, the parentRef's group and kind.
  std::string reordered = R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
  namespace: default
spec:
  parentRefs:
  - name: gw
    group: gateway.networking.k8s.io
    kind: Gateway
  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /
    backendRefs:
    - name: svc
      port: 8080
      weight: 1
      group: ""
      kind: Service
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  gatewayClassName: agentgateway
  listeners:
  - name: https
    port: 443
    protocol: HTTPS
    tls:
      mode: Terminate
      certificateRefs:
      - name: cert
  - name: http
    port: 80
    protocol: HTTP
)";
  ResourceDiff diff = Diff(std::string(kGateway) + "---\n" + kRoute, reordered);
  CHECK(Lines(diff) == "= Gateway default/gw\n= HTTPRoute default/web\n");
  CHECK_FALSE(diff.HasDifferences());
}

TEST_CASE("A set-typed list in another order is no change and gained items are") {
  auto policy = [](const std::string& origins) {
    return "apiVersion: agentgateway.dev/v1alpha1\nkind: AgentgatewayPolicy\nmetadata:\n"
           "  name: cors\nspec:\n  targetRefs:\n  - group: gateway.networking.k8s.io\n"
           "    kind: HTTPRoute\n    name: web\n  traffic:\n    cors:\n      allowOrigins:\n" +
           origins;
  };
  std::string two = "      - https://a.example.com\n      - https://b.example.com\n";
  std::string swapped = "      - https://b.example.com\n      - https://a.example.com\n";
  CHECK_FALSE(Diff(policy(two), policy(swapped)).HasDifferences());
  ResourceDiff gained = Diff(policy(two), policy(swapped + "      - https://c.example.com\n"));
  CHECK(Lines(gained) ==
        "~ AgentgatewayPolicy default/cors\n"
        "  added spec.traffic.cors.allowOrigins[2]:  | \"https://c.example.com\"\n");
}

TEST_CASE("A Service as the server stores it equals its manifest") {
  std::string manifest =
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: llm\nspec:\n  selector:\n"
      "    app: llm\n  ports:\n  - port: 8080\n";
  std::string live =
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: llm\n  namespace: default\n"
      "  uid: 1f2e\n  resourceVersion: \"42\"\nspec:\n  type: ClusterIP\n"
      "  clusterIP: 10.96.12.7\n  clusterIPs:\n  - 10.96.12.7\n  ipFamilies:\n  - IPv4\n"
      "  ipFamilyPolicy: SingleStack\n  internalTrafficPolicy: Cluster\n"
      "  sessionAffinity: None\n  selector:\n    app: llm\n  ports:\n  - port: 8080\n"
      "    protocol: TCP\n    targetPort: 8080\nstatus:\n  loadBalancer: {}\n";
  CHECK_FALSE(Diff(live, manifest).HasDifferences());
  std::string retargeted = manifest + "    targetPort: 9090\n";
  CHECK(Lines(Diff(live, retargeted)) ==
        "~ Service default/llm\n  changed spec.ports[0].targetPort: 8080 | 9090\n");
}

TEST_CASE("Against live objects only what the last apply set can be removed") {
  // Live: label `team` came from the last `kubectl apply`, label `owner` and the finalizer from
  // someone else. The manifests now hold neither label.
  std::string live = R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  labels:
    team: llm
    owner: platform
  finalizers:
  - example.com/keep
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings","labels":{"team":"llm"}},"data":{"a":"1"}}'
data:
  a: "1"
)";
  std::string desired =
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n"
      "data:\n  a: \"1\"\n";
  Side live_side = Store(live);
  Side desired_side = Store(desired);
  KeepUnappliedLiveFields(live_side, desired_side);
  CHECK(Lines(DiffResources(live_side, desired_side)) ==
        "~ ConfigMap default/settings\n"
        "  removed metadata.labels[team]: \"llm\" | \n");
}

TEST_CASE("A listener change inside a reordered list names the item by its new index") {
  std::string changed = R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
spec:
  gatewayClassName: agentgateway
  listeners:
  - name: https
    port: 8443
    protocol: HTTPS
    tls:
      certificateRefs:
      - name: cert
)";
  CHECK(Lines(Diff(kGateway, changed)) ==
        "~ Gateway default/gw\n"
        "  changed spec.listeners[0].port: 443 | 8443\n"
        // Four fields: the CRD's default allowedRoutes is part of the stored listener.
        "  removed spec.listeners[0]: {4 fields} | \n");
}

TEST_CASE("A backendRef weight change is reported by its field path") {
  std::string weighted = R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  parentRefs:
  - name: gw
  rules:
  - backendRefs:
    - name: svc
      port: 8080
      weight: 3
)";
  ResourceDiff diff = Diff(kRoute, weighted);
  CHECK(diff.HasDifferences());
  CHECK(diff.changed == 1);
  CHECK(Lines(diff) ==
        "~ HTTPRoute default/web\n"
        "  changed spec.rules[0].backendRefs[0].weight: 1 | 3\n");
}

TEST_CASE("A model change of an AgentgatewayBackend is one changed string") {
  auto backend = [](const std::string& model) {
    return "apiVersion: agentgateway.dev/v1alpha1\n"
           "kind: AgentgatewayBackend\n"
           "metadata:\n"
           "  name: anthropic\n"
           "spec:\n"
           "  ai:\n"
           "    provider:\n"
           "      anthropic:\n"
           "        model: " +
           model + "\n";
  };
  CHECK(Lines(Diff(backend("claude-haiku-4-5"), backend("claude-sonnet-4-5"))) ==
        "~ AgentgatewayBackend default/anthropic\n"
        "  changed spec.ai.provider.anthropic.model: \"claude-haiku-4-5\" | "
        "\"claude-sonnet-4-5\"\n");
}

TEST_CASE("An added and a removed route are whole-object changes") {
  std::string renamed = kRoute;
  renamed.replace(renamed.find("name: web"), 9, "name: api");
  ResourceDiff diff = Diff(kRoute, renamed);
  CHECK(diff.added == 1);
  CHECK(diff.removed == 1);
  CHECK(Lines(diff) == "+ HTTPRoute default/api\n- HTTPRoute default/web\n");
}

TEST_CASE("A Secret value change is reported without the value") {
  // stringData on one side, the same value as base64 data on the other: the server stores both
  // as data, so only the real change (the token) shows, and never its value.
  std::string old_secret = R"(apiVersion: v1
kind: Secret
metadata:
  name: key
stringData:
  Authorization: old-token
  region: us-east-1
)";
  std::string new_secret = R"(apiVersion: v1
kind: Secret
metadata:
  name: key
type: Opaque
data:
  Authorization: bmV3LXRva2Vu
  region: dXMtZWFzdC0x
)";
  ResourceDiff diff = Diff(old_secret, new_secret);
  CHECK(Lines(diff) ==
        "~ Secret default/key\n"
        "  changed data[Authorization]:  |  (sensitive)\n");
  CHECK_FALSE(
      Diff(old_secret, new_secret.replace(new_secret.find("bmV3"), 4, "b2xk")).HasDifferences());
}

TEST_CASE("Server-owned fields and the last-applied annotation are ignored") {
  std::string live = R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
  namespace: default
  uid: 0a1b2c
  resourceVersion: "12345"
  generation: 4
  creationTimestamp: "2025-01-01T00:00:00Z"
  managedFields:
  - manager: kubectl
    operation: Apply
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"kind":"HTTPRoute"}'
spec:
  parentRefs:
  - name: gw
  rules:
  - backendRefs:
    - name: svc
      port: 8080
status:
  parents: []
)";
  CHECK(Lines(Diff(live, kRoute)) == "= HTTPRoute default/web\n");
}

TEST_CASE("Labels are named by key and cluster-scoped kinds have no namespace") {
  std::string old_class = R"(apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: agentgateway
  namespace: ignored
spec:
  controllerName: agentgateway.dev/agentgateway
)";
  std::string new_class = R"(apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: agentgateway
  labels:
    team.example.com/owner: ai
spec:
  controllerName: agentgateway.dev/agentgateway
)";
  CHECK(Lines(Diff(old_class, new_class)) ==
        "~ GatewayClass agentgateway\n"
        "  added metadata.labels:  | {1 field}\n");
}

}  // namespace
}  // namespace agw::validate::diff
