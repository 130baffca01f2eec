// Behaviour of validate::model::Decode on in-memory manifests: schema defaults, typed fields, the
// API server's error messages and the positions kept for later findings.

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "validate/manifest/diagnostic.h"
#include "validate/manifest/loader.h"
#include "validate/manifest/value.h"
#include "validate/model/model.h"
#include "validate/schema/admission.h"

namespace {

using agw::validate::manifest::Diagnostic;
using agw::validate::manifest::DiagnosticSink;
using agw::validate::manifest::Position;

// A decoded manifest together with the Manifest its positions and `other` pointers borrow from.
struct Decoded {
  std::unique_ptr<agw::validate::manifest::Manifest> manifest;
  DiagnosticSink sink;  // findings of validate::model::Decode only
  agw::validate::model::Model model;
};

std::string Render(const DiagnosticSink& sink) {
  std::string text;
  for (const Diagnostic& diagnostic : sink.diagnostics()) {
    text += agw::validate::manifest::RenderText(diagnostic) + "\n";
  }
  return text;
}

// Loads `text` as the file `path` and decodes it. Loading itself must be clean: these tests are
// about the model, not the loader.
Decoded DecodeYaml(std::string text, std::string path = "test.yaml") {
  Decoded decoded;
  decoded.manifest = std::make_unique<agw::validate::manifest::Manifest>();
  DiagnosticSink load_sink;
  agw::validate::manifest::LoadText(*decoded.manifest, std::move(path), std::move(text),
                                    agw::validate::manifest::LoadOptions{}, load_sink);
  INFO(Render(load_sink));
  REQUIRE(load_sink.diagnostics().empty());
  decoded.model = agw::validate::model::Decode(*decoded.manifest, decoded.sink);
  return decoded;
}

// Decodes and requires that Decode reported nothing.
Decoded DecodeClean(std::string text) {
  Decoded decoded = DecodeYaml(std::move(text));
  INFO(Render(decoded.sink));
  REQUIRE(decoded.sink.diagnostics().empty());
  return decoded;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// HTTPRoute defaults

TEST_CASE("An HTTPRoute rule without matches gets one PathPrefix / match") {
  Decoded d = DecodeClean(R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  parentRefs:
  - name: gw
  rules:
  - backendRefs:
    - name: svc
      port: 80
)");
  REQUIRE(d.model.http_routes.size() == 1);
  const auto& route = d.model.http_routes[0];
  REQUIRE(route.rules.size() == 1);
  REQUIRE(route.rules[0].matches.size() == 1);
  const auto& match = route.rules[0].matches[0];
  REQUIRE(match.path.has_value());
  CHECK(match.path->type == "PathPrefix");
  CHECK(match.path->value == "/");
  CHECK(match.headers.empty());
  CHECK(match.query_params.empty());
  CHECK_FALSE(match.method.has_value());
  CHECK(match.path_in_object == "spec.rules[0].matches[0]");
  CHECK(route.rules[0].path == "spec.rules[0]");
}

TEST_CASE("An HTTPRoute without rules gets one rule with a PathPrefix / match") {
  Decoded d = DecodeClean(R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  parentRefs:
  - name: gw
)");
  REQUIRE(d.model.http_routes.size() == 1);
  const auto& route = d.model.http_routes[0];
  REQUIRE(route.rules.size() == 1);
  CHECK(route.rules[0].backend_refs.empty());
  CHECK(route.rules[0].filters.empty());
  REQUIRE(route.rules[0].matches.size() == 1);
  REQUIRE(route.rules[0].matches[0].path.has_value());
  CHECK(route.rules[0].matches[0].path->type == "PathPrefix");
  CHECK(route.rules[0].matches[0].path->value == "/");
}

TEST_CASE("Explicitly empty rules and matches lists are not defaulted") {
  SECTION("matches: []") {
    Decoded d = DecodeClean(R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  rules:
  - matches: []
    backendRefs:
    - name: svc
      port: 80
)");
    REQUIRE(d.model.http_routes.size() == 1);
    REQUIRE(d.model.http_routes[0].rules.size() == 1);
    CHECK(d.model.http_routes[0].rules[0].matches.empty());
    CHECK(d.model.http_routes[0].rules[0].backend_refs.size() == 1);
  }
  SECTION("rules: []") {
    // Not defaulted; since Gateway API v1.5 the schema then refuses the empty list.
    Decoded d = DecodeYaml(R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  rules: []
)");
    REQUIRE(d.sink.diagnostics().size() == 1);
    CHECK(d.sink.diagnostics()[0].message ==
          "spec.rules: Invalid value: 0: spec.rules in body should have at least 1 items");
    REQUIRE(d.model.http_routes.size() == 1);
    CHECK(d.model.http_routes[0].rules.empty());
  }
}

TEST_CASE("A null matches list is defaulted like an absent one") {
  Decoded d = DecodeClean(R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  rules:
  - matches:
    backendRefs:
    - name: svc
      port: 80
)");
  REQUIRE(d.model.http_routes.size() == 1);
  REQUIRE(d.model.http_routes[0].rules.size() == 1);
  const auto& matches = d.model.http_routes[0].rules[0].matches;
  REQUIRE(matches.size() == 1);
  REQUIRE(matches[0].path.has_value());
  CHECK(matches[0].path->type == "PathPrefix");
  CHECK(matches[0].path->value == "/");
}

TEST_CASE("HTTPRoute parent and backend references get their schema defaults") {
  Decoded d = DecodeClean(R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
  namespace: apps
spec:
  parentRefs:
  - name: gw
  - name: other
    namespace: infra
    group: gateway.networking.k8s.io
    kind: ListenerSet
    sectionName: https
    port: 443
  rules:
  - backendRefs:
    - name: svc
      port: 80
    - name: backend
      group: agentgateway.dev
      kind: AgentgatewayBackend
      weight: 5
)");
  REQUIRE(d.model.http_routes.size() == 1);
  const auto& route = d.model.http_routes[0];
  CHECK(route.metadata.name == "web");
  CHECK(route.metadata.namespace_ == "apps");

  REQUIRE(route.parent_refs.size() == 2);
  CHECK(route.parent_refs[0].group == "gateway.networking.k8s.io");
  CHECK(route.parent_refs[0].kind == "Gateway");
  CHECK(route.parent_refs[0].name == "gw");
  CHECK_FALSE(route.parent_refs[0].namespace_.has_value());
  CHECK_FALSE(route.parent_refs[0].section_name.has_value());
  CHECK_FALSE(route.parent_refs[0].port.has_value());
  CHECK(route.parent_refs[0].path == "spec.parentRefs[0]");
  CHECK(route.parent_refs[1].kind == "ListenerSet");
  CHECK(route.parent_refs[1].namespace_ == std::optional<std::string>("infra"));
  CHECK(route.parent_refs[1].section_name == std::optional<std::string>("https"));
  CHECK(route.parent_refs[1].port == std::optional<std::int32_t>(443));
  CHECK(route.parent_refs[1].path == "spec.parentRefs[1]");

  REQUIRE(route.rules.size() == 1);
  const auto& refs = route.rules[0].backend_refs;
  REQUIRE(refs.size() == 2);
  CHECK(refs[0].ref.group == "");
  CHECK(refs[0].ref.kind == "Service");
  CHECK(refs[0].ref.name == "svc");
  CHECK(refs[0].ref.port == std::optional<std::int32_t>(80));
  CHECK_FALSE(refs[0].ref.namespace_.has_value());
  CHECK(refs[0].weight == 1);
  CHECK(refs[0].path == "spec.rules[0].backendRefs[0]");
  CHECK(refs[1].ref.group == "agentgateway.dev");
  CHECK(refs[1].ref.kind == "AgentgatewayBackend");
  CHECK_FALSE(refs[1].ref.port.has_value());
  CHECK(refs[1].weight == 5);
}

TEST_CASE("HTTPRoute header and query parameter matches default to Exact") {
  Decoded d = DecodeClean(R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  rules:
  - matches:
    - headers:
      - name: x-env
        value: canary
      - name: x-id
        value: "^a+$"
        type: RegularExpression
      queryParams:
      - name: debug
        value: "1"
      method: GET
    - path:
        type: Exact
)");
  REQUIRE(d.model.http_routes.size() == 1);
  REQUIRE(d.model.http_routes[0].rules.size() == 1);
  const auto& matches = d.model.http_routes[0].rules[0].matches;
  REQUIRE(matches.size() == 2);
  // A match with no path gets the whole default path.
  REQUIRE(matches[0].path.has_value());
  CHECK(matches[0].path->type == "PathPrefix");
  CHECK(matches[0].path->value == "/");
  REQUIRE(matches[0].headers.size() == 2);
  CHECK(matches[0].headers[0].type == "Exact");
  CHECK(matches[0].headers[0].name == "x-env");
  CHECK(matches[0].headers[0].value == "canary");
  CHECK(matches[0].headers[1].type == "RegularExpression");
  REQUIRE(matches[0].query_params.size() == 1);
  CHECK(matches[0].query_params[0].type == "Exact");
  CHECK(matches[0].query_params[0].name == "debug");
  CHECK(matches[0].query_params[0].value == "1");
  CHECK(matches[0].method == std::optional<std::string>("GET"));
  // A path with only a type gets the default value.
  REQUIRE(matches[1].path.has_value());
  CHECK(matches[1].path->type == "Exact");
  CHECK(matches[1].path->value == "/");
}

TEST_CASE("HTTPRoute redirect and mirror filters get their schema defaults") {
  Decoded d = DecodeClean(R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  rules:
  - filters:
    - type: RequestRedirect
      requestRedirect:
        scheme: https
    - type: RequestMirror
      requestMirror:
        backendRef:
          name: shadow
          port: 8080
        fraction:
          numerator: 25
  - filters:
    - type: RequestRedirect
      requestRedirect:
        statusCode: 301
  # A redirect and backendRefs in one rule break a CEL rule of the CRD: the mirror goes here.
  - backendRefs:
    - name: svc
      port: 80
      filters:
      - type: RequestMirror
        requestMirror:
          backendRef:
            name: shadow
            port: 8080
          fraction:
            numerator: 1
            denominator: 1000
)");
  REQUIRE(d.model.http_routes.size() == 1);
  const auto& rules = d.model.http_routes[0].rules;
  REQUIRE(rules.size() == 3);

  REQUIRE(rules[0].filters.size() == 2);
  const auto& redirect = rules[0].filters[0];
  CHECK(redirect.type == "RequestRedirect");
  CHECK(redirect.path == "spec.rules[0].filters[0]");
  REQUIRE(redirect.request_redirect.has_value());
  CHECK(redirect.request_redirect->status_code == 302);
  CHECK(redirect.request_redirect->scheme == std::optional<std::string>("https"));
  const auto& mirror = rules[0].filters[1];
  CHECK(mirror.type == "RequestMirror");
  REQUIRE(mirror.request_mirror.has_value());
  CHECK(mirror.request_mirror->backend_ref.group == "");
  CHECK(mirror.request_mirror->backend_ref.kind == "Service");
  CHECK(mirror.request_mirror->backend_ref.name == "shadow");
  CHECK(mirror.request_mirror->backend_ref.port == std::optional<std::int32_t>(8080));
  CHECK_FALSE(mirror.request_mirror->percent.has_value());
  REQUIRE(mirror.request_mirror->fraction.has_value());
  CHECK(mirror.request_mirror->fraction->numerator == 25);
  CHECK(mirror.request_mirror->fraction->denominator == 100);

  REQUIRE(rules[1].filters.size() == 1);
  REQUIRE(rules[1].filters[0].request_redirect.has_value());
  CHECK(rules[1].filters[0].request_redirect->status_code == 301);
  REQUIRE(rules[2].backend_refs.size() == 1);
  REQUIRE(rules[2].backend_refs[0].filters.size() == 1);
  const auto& backend_mirror = rules[2].backend_refs[0].filters[0];
  CHECK(backend_mirror.path == "spec.rules[2].backendRefs[0].filters[0]");
  REQUIRE(backend_mirror.request_mirror.has_value());
  CHECK(backend_mirror.request_mirror->backend_ref.kind == "Service");
  REQUIRE(backend_mirror.request_mirror->fraction.has_value());
  CHECK(backend_mirror.request_mirror->fraction->numerator == 1);
  CHECK(backend_mirror.request_mirror->fraction->denominator == 1000);
}

TEST_CASE("Admission stores an HTTPRoute as the API server would") {
  agw::validate::manifest::Manifest manifest;
  DiagnosticSink sink;
  agw::validate::manifest::LoadText(manifest, "route.yaml",
                                    R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  parentRefs:
  - name: gw
  rules:
  - backendRefs:
    - name: svc
      port: 80
)",
                                    agw::validate::manifest::LoadOptions{}, sink);
  REQUIRE(sink.diagnostics().empty());
  REQUIRE(manifest.resources.size() == 1);
  std::vector<agw::validate::schema::AdmittedResource> admitted =
      agw::validate::schema::Admit(manifest, agw::validate::schema::CrdCatalog::Default(), sink);
  REQUIRE(sink.diagnostics().empty());
  REQUIRE(admitted.size() == 1);
  CHECK(admitted[0].outcome == agw::validate::schema::AdmissionOutcome::kAdmitted);
  const agw::validate::manifest::Value& object = admitted[0].object;

  nlohmann::json expected = nlohmann::json::parse(R"({
    "apiVersion": "gateway.networking.k8s.io/v1",
    "kind": "HTTPRoute",
    "metadata": {"name": "web"},
    "spec": {
      "parentRefs": [{"name": "gw", "group": "gateway.networking.k8s.io", "kind": "Gateway"}],
      "rules": [{
        "backendRefs": [{"name": "svc", "port": 80, "group": "", "kind": "Service", "weight": 1}],
        "matches": [{"path": {"type": "PathPrefix", "value": "/"}}]
      }]
    }
  })");
  CHECK(nlohmann::json::parse(object.ToJson().dump()) == expected);

  // Inserted values take the position of the object that received them.
  const agw::validate::manifest::Value* rule = &object.Find("spec")->Find("rules")->items()[0];
  const agw::validate::manifest::Value* matches = rule->Find("matches");
  REQUIRE(matches != nullptr);
  CHECK(matches->position().line == rule->position().line);
  CHECK(matches->position().column == rule->position().column);
  CHECK(rule->position().line == 9);
  CHECK(rule->position().column == 5);
}

TEST_CASE("A GRPCRoute method match defaults to Exact") {
  Decoded d = DecodeClean(R"(apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata:
  name: grpc
spec:
  parentRefs:
  - name: gw
  rules:
  - matches:
    - method:
        service: echo.Echo
      headers:
      - name: x-env
        value: canary
    backendRefs:
    - name: echo
      port: 9000
)");
  REQUIRE(d.model.grpc_routes.size() == 1);
  const auto& route = d.model.grpc_routes[0];
  CHECK(route.parent_refs.at(0).kind == "Gateway");
  REQUIRE(route.rules.size() == 1);
  REQUIRE(route.rules[0].matches.size() == 1);
  REQUIRE(route.rules[0].matches[0].method.has_value());
  CHECK(route.rules[0].matches[0].method->type == "Exact");
  CHECK(route.rules[0].matches[0].method->service == std::optional<std::string>("echo.Echo"));
  CHECK_FALSE(route.rules[0].matches[0].method->method.has_value());
  REQUIRE(route.rules[0].matches[0].headers.size() == 1);
  CHECK(route.rules[0].matches[0].headers[0].type == "Exact");
  REQUIRE(route.rules[0].backend_refs.size() == 1);
  CHECK(route.rules[0].backend_refs[0].ref.kind == "Service");
  CHECK(route.rules[0].backend_refs[0].weight == 1);
}

// ---------------------------------------------------------------------------------------------
// Gateway defaults

TEST_CASE("A Gateway listener without allowedRoutes allows routes from its own namespace") {
  Decoded d = DecodeClean(R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
spec:
  gatewayClassName: agentgateway
  listeners:
  - name: http
    port: 80
    protocol: HTTP
  - name: all
    port: 8080
    protocol: HTTP
    allowedRoutes:
      namespaces:
        from: All
      kinds:
      - kind: HTTPRoute
  addresses:
  - value: 10.0.0.1
)");
  REQUIRE(d.model.gateways.size() == 1);
  const auto& gateway = d.model.gateways[0];
  CHECK(gateway.gateway_class_name == "agentgateway");
  REQUIRE(gateway.listeners.size() == 2);
  const auto& http = gateway.listeners[0];
  CHECK(http.name == "http");
  CHECK(http.port == 80);
  CHECK(http.protocol == "HTTP");
  CHECK_FALSE(http.tls.has_value());
  CHECK(http.allowed_routes.namespaces_from == "Same");
  CHECK_FALSE(http.allowed_routes.namespace_selector.has_value());
  CHECK(http.allowed_routes.kinds.empty());
  CHECK(http.path == "spec.listeners[0]");
  const auto& all = gateway.listeners[1];
  CHECK(all.allowed_routes.namespaces_from == "All");
  REQUIRE(all.allowed_routes.kinds.size() == 1);
  CHECK(all.allowed_routes.kinds[0].group == "gateway.networking.k8s.io");
  CHECK(all.allowed_routes.kinds[0].kind == "HTTPRoute");
  REQUIRE(gateway.addresses.size() == 1);
  CHECK(gateway.addresses[0].type == "IPAddress");
  CHECK(gateway.addresses[0].value == "10.0.0.1");
}

TEST_CASE("A TLS listener defaults to Terminate mode and Secret certificate references") {
  Decoded d = DecodeClean(R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
spec:
  gatewayClassName: agentgateway
  listeners:
  - name: https
    port: 443
    protocol: HTTPS
    hostname: "*.example.com"
    tls:
      certificateRefs:
      - name: wildcard
      - name: other
        namespace: certs
  - name: passthrough
    port: 8443
    protocol: TLS
    tls:
      mode: Passthrough
)");
  REQUIRE(d.model.gateways.size() == 1);
  const auto& listeners = d.model.gateways[0].listeners;
  REQUIRE(listeners.size() == 2);
  CHECK(listeners[0].hostname == std::optional<std::string>("*.example.com"));
  REQUIRE(listeners[0].tls.has_value());
  CHECK(listeners[0].tls->mode == "Terminate");
  REQUIRE(listeners[0].tls->certificate_refs.size() == 2);
  CHECK(listeners[0].tls->certificate_refs[0].group == "");
  CHECK(listeners[0].tls->certificate_refs[0].kind == "Secret");
  CHECK(listeners[0].tls->certificate_refs[0].name == "wildcard");
  CHECK_FALSE(listeners[0].tls->certificate_refs[0].namespace_.has_value());
  CHECK(listeners[0].tls->certificate_refs[1].namespace_ == std::optional<std::string>("certs"));
  REQUIRE(listeners[1].tls.has_value());
  CHECK(listeners[1].tls->mode == "Passthrough");
  CHECK(listeners[1].tls->certificate_refs.empty());
}

// ---------------------------------------------------------------------------------------------
// AgentgatewayBackend

TEST_CASE("An AI backend's provider kind, model and endpoint overrides are decoded") {
  Decoded d = DecodeClean(R"(apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata:
  name: claude
  namespace: agentgateway-system
spec:
  ai:
    provider:
      anthropic:
        model: claude-sonnet-4-5
      host: llm.internal.example
      port: 8443
      path: /custom/v1/messages
  policies:
    auth:
      secretRef:
        name: anthropic-secret
)");
  REQUIRE(d.model.backends.size() == 1);
  const auto& backend = d.model.backends[0];
  CHECK(backend.metadata.name == "claude");
  CHECK(backend.metadata.namespace_ == "agentgateway-system");
  CHECK_FALSE(backend.static_.has_value());
  REQUIRE(backend.ai.has_value());
  CHECK(backend.ai->groups.empty());
  REQUIRE(backend.ai->provider.has_value());
  const auto& provider = *backend.ai->provider;
  CHECK(provider.kind == "anthropic");
  CHECK(provider.model == std::optional<std::string>("claude-sonnet-4-5"));
  CHECK(provider.host == std::optional<std::string>("llm.internal.example"));
  CHECK(provider.port == std::optional<std::int32_t>(8443));
  CHECK(provider.path == std::optional<std::string>("/custom/v1/messages"));
  CHECK_FALSE(provider.path_prefix.has_value());
  CHECK_FALSE(provider.region.has_value());
  REQUIRE(backend.policies.has_value());
  REQUIRE(backend.policies->auth.has_value());
  REQUIRE(backend.policies->auth->secret_ref.has_value());
  CHECK(backend.policies->auth->secret_ref->name == "anthropic-secret");
  CHECK(backend.policies->auth->secret_ref->group == "");
  CHECK(backend.policies->auth->secret_ref->kind == "");
  CHECK_FALSE(backend.policies->auth->secret_ref->key.has_value());
  CHECK_FALSE(backend.policies->auth->key.has_value());
  CHECK_FALSE(backend.policies->auth->passthrough);
}

TEST_CASE("Vertex AI and Bedrock providers get their default regions") {
  Decoded d = DecodeClean(R"(apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata:
  name: vertex
spec:
  ai:
    provider:
      vertexai:
        projectId: my-project
        model: gemini-2.5-pro
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata:
  name: bedrock
spec:
  ai:
    provider:
      bedrock:
        model: anthropic.claude-3-haiku
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata:
  name: bedrock-eu
spec:
  ai:
    provider:
      bedrock:
        region: eu-west-1
        guardrail:
          identifier: gr-1
          version: "2"
)");
  REQUIRE(d.model.backends.size() == 3);
  const auto& vertex = d.model.backends[0].ai->provider;
  REQUIRE(vertex.has_value());
  CHECK(vertex->kind == "vertexai");
  CHECK(vertex->project_id == std::optional<std::string>("my-project"));
  CHECK(vertex->model == std::optional<std::string>("gemini-2.5-pro"));
  CHECK(vertex->region == std::optional<std::string>("global"));
  const auto& bedrock = d.model.backends[1].ai->provider;
  REQUIRE(bedrock.has_value());
  CHECK(bedrock->kind == "bedrock");
  CHECK(bedrock->region == std::optional<std::string>("us-east-1"));
  CHECK_FALSE(bedrock->guardrail.has_value());
  const auto& bedrock_eu = d.model.backends[2].ai->provider;
  REQUIRE(bedrock_eu.has_value());
  CHECK(bedrock_eu->region == std::optional<std::string>("eu-west-1"));
  REQUIRE(bedrock_eu->guardrail.has_value());
  CHECK(bedrock_eu->guardrail->first == "gr-1");
  CHECK(bedrock_eu->guardrail->second == "2");
}

TEST_CASE("Priority groups keep their named providers and each provider's auth secret") {
  Decoded d = DecodeClean(R"(apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata:
  name: failover
spec:
  ai:
    groups:
    - providers:
      - name: primary
        openai:
          model: gpt-4o
        policies:
          auth:
            secretRef:
              name: openai-secret
              key: token
      - name: vertex
        vertexai:
          projectId: p
    - providers:
      - name: fallback
        anthropic: {}
        policies:
          auth:
            secretRef:
              name: anthropic-secret
)");
  REQUIRE(d.model.backends.size() == 1);
  const auto& backend = d.model.backends[0];
  REQUIRE(backend.ai.has_value());
  CHECK_FALSE(backend.ai->provider.has_value());
  const auto& groups = backend.ai->groups;
  REQUIRE(groups.size() == 2);
  REQUIRE(groups[0].providers.size() == 2);
  const auto& primary = groups[0].providers[0];
  CHECK(primary.name == "primary");
  CHECK(primary.path == "spec.ai.groups[0].providers[0]");
  CHECK(primary.provider.kind == "openai");
  CHECK(primary.provider.model == std::optional<std::string>("gpt-4o"));
  REQUIRE(primary.policies.has_value());
  REQUIRE(primary.policies->auth.has_value());
  REQUIRE(primary.policies->auth->secret_ref.has_value());
  CHECK(primary.policies->auth->secret_ref->name == "openai-secret");
  CHECK(primary.policies->auth->secret_ref->key == std::optional<std::string>("token"));
  const auto& vertex = groups[0].providers[1];
  CHECK(vertex.name == "vertex");
  CHECK(vertex.provider.kind == "vertexai");
  CHECK(vertex.provider.region == std::optional<std::string>("global"));
  CHECK_FALSE(vertex.policies.has_value());
  REQUIRE(groups[1].providers.size() == 1);
  const auto& fallback = groups[1].providers[0];
  CHECK(fallback.name == "fallback");
  CHECK(fallback.path == "spec.ai.groups[1].providers[0]");
  CHECK(fallback.provider.kind == "anthropic");
  CHECK_FALSE(fallback.provider.model.has_value());
  REQUIRE(fallback.policies.has_value());
  REQUIRE(fallback.policies->auth.has_value());
  REQUIRE(fallback.policies->auth->secret_ref.has_value());
  CHECK(fallback.policies->auth->secret_ref->name == "anthropic-secret");
}

TEST_CASE("A backend health eviction without a duration defaults it to 3s") {
  Decoded d = DecodeClean(R"(apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata:
  name: svc
spec:
  static:
    host: upstream.example
    port: 443
  policies:
    health:
      eviction:
        consecutiveFailures: 3
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata:
  name: svc2
spec:
  static:
    host: upstream.example
    port: 443
  policies:
    health:
      eviction:
        duration: 10s
)");
  REQUIRE(d.model.backends.size() == 2);
  const auto& first = d.model.backends[0];
  REQUIRE(first.static_.has_value());
  CHECK(first.static_->host == std::optional<std::string>("upstream.example"));
  CHECK(first.static_->port == std::optional<std::int32_t>(443));
  REQUIRE(first.policies.has_value());
  REQUIRE(first.policies->health.has_value());
  REQUIRE(first.policies->health->eviction.has_value());
  CHECK(first.policies->health->eviction->duration == std::optional<std::string>("3s"));
  CHECK(first.policies->health->eviction->consecutive_failures == std::optional<std::int32_t>(3));
  const auto& second = d.model.backends[1];
  REQUIRE(second.policies.has_value());
  REQUIRE(second.policies->health.has_value());
  REQUIRE(second.policies->health->eviction.has_value());
  CHECK(second.policies->health->eviction->duration == std::optional<std::string>("10s"));
}

TEST_CASE("Backend AI routes keep the order they were written in") {
  Decoded d = DecodeClean(R"(apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata:
  name: openai
spec:
  ai:
    provider:
      openai: {}
  policies:
    ai:
      routes:
        /v1/responses: Responses
        "*": Passthrough
        /v1/chat/completions: Completions
        /v1/embeddings: Embeddings
)");
  REQUIRE(d.model.backends.size() == 1);
  const auto& policies = d.model.backends[0].policies;
  REQUIRE(policies.has_value());
  REQUIRE(policies->ai.has_value());
  std::vector<std::pair<std::string, std::string>> expected = {
      {"/v1/responses", "Responses"},
      {"*", "Passthrough"},
      {"/v1/chat/completions", "Completions"},
      {"/v1/embeddings", "Embeddings"},
  };
  CHECK(policies->ai->routes == expected);
  CHECK_FALSE(policies->ai->prompt_caching.has_value());
}

// ---------------------------------------------------------------------------------------------
// AgentgatewayPolicy

TEST_CASE(
    "An AgentgatewayPolicy's target references, request timeout and backend auth are decoded") {
  Decoded d = DecodeClean(R"(apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayPolicy
metadata:
  name: policy
  namespace: apps
spec:
  targetRefs:
  - group: gateway.networking.k8s.io
    kind: HTTPRoute
    name: web
  - group: gateway.networking.k8s.io
    kind: HTTPRoute
    name: api
    sectionName: rule-a
  traffic:
    timeouts:
      request: 30s
  backend:
    auth:
      secretRef:
        name: api-key
        key: Authorization
)");
  REQUIRE(d.model.policies.size() == 1);
  const auto& policy = d.model.policies[0];
  CHECK(policy.metadata.namespace_ == "apps");
  REQUIRE(policy.target_refs.size() == 2);
  CHECK(policy.target_refs[0].group == "gateway.networking.k8s.io");
  CHECK(policy.target_refs[0].kind == "HTTPRoute");
  CHECK(policy.target_refs[0].name == "web");
  CHECK_FALSE(policy.target_refs[0].section_name.has_value());
  CHECK_FALSE(policy.target_refs[0].port.has_value());
  CHECK(policy.target_refs[0].path == "spec.targetRefs[0]");
  CHECK(policy.target_refs[1].name == "api");
  CHECK(policy.target_refs[1].section_name == std::optional<std::string>("rule-a"));
  CHECK(policy.target_refs[1].path == "spec.targetRefs[1]");
  CHECK(policy.target_selectors.empty());
  REQUIRE(policy.traffic.has_value());
  CHECK(policy.traffic->request_timeout == std::optional<std::string>("30s"));
  CHECK_FALSE(policy.traffic->phase.has_value());
  REQUIRE(policy.backend.has_value());
  REQUIRE(policy.backend->auth.has_value());
  REQUIRE(policy.backend->auth->secret_ref.has_value());
  CHECK(policy.backend->auth->secret_ref->name == "api-key");
  CHECK(policy.backend->auth->secret_ref->key == std::optional<std::string>("Authorization"));
  CHECK_FALSE(policy.frontend.has_value());
}

// ---------------------------------------------------------------------------------------------
// Secret and Service

TEST_CASE("Secret data is base64-decoded and stringData overrides it") {
  Decoded d = DecodeClean(R"(apiVersion: v1
kind: Secret
metadata:
  name: creds
type: Opaque
data:
  Authorization: QmVhcmVyIHNrLTEyMw==
  user: YWRtaW4=
  wrapped: "YWJj\nZGVm"
stringData:
  user: root
  extra: plain text
)");
  REQUIRE(d.model.secrets.size() == 1);
  const auto& secret = d.model.secrets[0];
  CHECK(secret.type == "Opaque");
  std::map<std::string, std::string> expected = {
      {"Authorization", "Bearer sk-123"},
      {"user", "root"},
      {"extra", "plain text"},
      {"wrapped", "abcdef"},  // Go's decoder skips \r and \n
  };
  CHECK(secret.data == expected);
}

TEST_CASE("A Secret without a type is Opaque") {
  Decoded d = DecodeClean(R"(apiVersion: v1
kind: Secret
metadata:
  name: creds
stringData:
  key: value
)");
  REQUIRE(d.model.secrets.size() == 1);
  CHECK(d.model.secrets[0].type == "Opaque");
  CHECK(d.model.secrets[0].data.at("key") == "value");
}

TEST_CASE("Invalid base64 in Secret data gives one error at the value") {
  Decoded d = DecodeYaml(R"(apiVersion: v1
kind: Secret
metadata:
  name: creds
data:
  good: YWJj
  token: "YWJj!A=="
)",
                         "secret.yaml");
  REQUIRE(d.sink.diagnostics().size() == 1);
  const Diagnostic& error = d.sink.diagnostics()[0];
  CHECK(error.severity == agw::validate::manifest::Severity::kError);
  CHECK(error.code == "decoding");
  CHECK(error.field_path == "data[token]");
  CHECK(error.resource == "Secret default/creds");
  CHECK(error.message ==
        "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input "
        "byte 4");
  REQUIRE(error.position.file != nullptr);
  CHECK(error.position.file->path() == "secret.yaml");
  CHECK(error.position.line == 7);
  CHECK(error.position.column == 10);
  REQUIRE(d.model.secrets.size() == 1);
  CHECK(d.model.secrets[0].data.at("good") == "abc");
  CHECK(d.model.secrets[0].data.count("token") == 0);
}

// encoding/base64 decodeQuantum (what the API server runs on []byte fields) reports:
//   an invalid character: its own offset;
//   '=' as the 1st or 2nd character of a quantum: the offset of that '=';
//   "X=" followed by something other than '=': the offset of the first '=' (si - 1);
//   input ending inside a quantum without padding: the offset where that quantum starts (si - j);
//   a single '=' where "==" is needed at the very end: len(input);
//   anything but newlines after the padding: the offset of that byte.
TEST_CASE("The byte offset of invalid Secret data follows Go's base64 decoder") {
  struct Case {
    std::string input;
    int offset;
  };
  const std::vector<Case> cases = {
      {"YWJj!A==", 4},    // invalid character
      {"=YWJ", 0},        // padding first in a quantum
      {"YWJjZ===", 5},    // padding second in a quantum
      {"YQ=A", 2},        // "==" expected, the first '=' is reported
      {"YQ=", 3},         // not enough padding at the end: len(input)
      {"YQ===", 4},       // trailing garbage after complete padding
      {"YWI=YWJj", 4},    // data after padding
      {"YWJjZA==YQ", 8},  // data after padding in a later quantum
      {"YWJjZA", 4},      // truncated quantum: where it starts
      {"YQ", 0},          // truncated quantum: where it starts
      {"YWJ", 0},         // truncated quantum: where it starts
      {"YWJj YQ==", 4},   // a space is an invalid character
  };
  for (const Case& c : cases) {
    INFO("data: \"" << c.input << "\"");
    Decoded d = DecodeYaml("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  k: \"" +
                           c.input + "\"\n");
    REQUIRE(d.sink.diagnostics().size() == 1);
    CHECK(d.sink.diagnostics()[0].message ==
          "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at "
          "input byte " +
              std::to_string(c.offset));
    CHECK(d.sink.diagnostics()[0].position.line == 6);
    CHECK(d.sink.diagnostics()[0].position.column == 6);
  }
}

TEST_CASE(
    "A Service port's targetPort defaults to its port, protocol to TCP and type to ClusterIP") {
  Decoded d = DecodeClean(R"(apiVersion: v1
kind: Service
metadata:
  name: svc
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
  - name: metrics
    port: 9090
    targetPort: metrics
    protocol: UDP
    appProtocol: http
  - name: https
    port: 443
    targetPort: 8443
)");
  REQUIRE(d.model.services.size() == 1);
  const auto& service = d.model.services[0];
  CHECK(service.type == "ClusterIP");
  CHECK(service.selector == std::map<std::string, std::string>{{"app", "web"}});
  CHECK_FALSE(service.external_name.has_value());
  REQUIRE(service.ports.size() == 3);
  CHECK(service.ports[0].name == std::optional<std::string>("http"));
  CHECK(service.ports[0].port == 80);
  CHECK(service.ports[0].target_port == "80");
  CHECK(service.ports[0].protocol == "TCP");
  CHECK_FALSE(service.ports[0].app_protocol.has_value());
  CHECK(service.ports[1].target_port == "metrics");
  CHECK(service.ports[1].protocol == "UDP");
  CHECK(service.ports[1].app_protocol == std::optional<std::string>("http"));
  CHECK(service.ports[2].name == std::optional<std::string>("https"));
  CHECK(service.ports[2].target_port == "8443");
}

// SetDefaults_Service (k8s.io/kubernetes pkg/apis/core/v1/defaults.go) tests for the zero
// value, not for absence: "" type and protocol, and targetPort 0 or "", are defaulted too.
TEST_CASE("Empty Service type, protocol and targetPort are defaulted like absent ones") {
  Decoded d = DecodeClean(R"(apiVersion: v1
kind: Service
metadata:
  name: svc
spec:
  type: ""
  ports:
  - name: a
    port: 80
    protocol: ""
    targetPort: 0
  - name: b
    port: 81
    targetPort: ""
)");
  REQUIRE(d.model.services.size() == 1);
  const auto& service = d.model.services[0];
  CHECK(service.type == "ClusterIP");
  REQUIRE(service.ports.size() == 2);
  CHECK(service.ports[0].protocol == "TCP");
  CHECK(service.ports[0].target_port == "80");
  CHECK(service.ports[1].target_port == "81");
}

// ---------------------------------------------------------------------------------------------
// Errors

TEST_CASE("A string listener port is reported as the API server words a type error") {
  Decoded d = DecodeYaml(R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
spec:
  gatewayClassName: agentgateway
  listeners:
  - name: http
    protocol: HTTP
    port: "80"
)",
                         "gateway.yaml");
  INFO(Render(d.sink));
  // The type error, then the server's note that the CEL rules were skipped.
  REQUIRE(d.sink.diagnostics().size() == 2);
  CHECK(d.sink.diagnostics()[1].message ==
        "<nil>: Invalid value: \"null\": some validation rules were not checked because the "
        "object was invalid; correct the existing errors to complete validation");
  const Diagnostic& error = d.sink.diagnostics()[0];
  CHECK(error.severity == agw::validate::manifest::Severity::kError);
  CHECK(error.code == "FieldValueTypeInvalid");
  CHECK(error.message ==
        "spec.listeners[0].port: Invalid value: \"string\": spec.listeners[0].port in body must "
        "be of type integer: \"string\"");
  CHECK(error.field_path == "spec.listeners[0].port");
  CHECK(error.resource == "Gateway default/gw");
  REQUIRE(error.position.file != nullptr);
  CHECK(error.position.file->path() == "gateway.yaml");
  CHECK(error.position.line == 10);
  CHECK(error.position.column == 11);
  // The object is still decoded as far as it can be.
  REQUIRE(d.model.gateways.size() == 1);
  REQUIRE(d.model.gateways[0].listeners.size() == 1);
  CHECK(d.model.gateways[0].listeners[0].name == "http");
}

TEST_CASE("A parentRef without a name is a required value") {
  Decoded d = DecodeYaml(R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  parentRefs:
  - sectionName: http
)");
  INFO(Render(d.sink));
  REQUIRE(d.sink.diagnostics().size() == 2);  // and the note that CEL rules were skipped
  const Diagnostic& error = d.sink.diagnostics()[0];
  CHECK(error.code == "FieldValueRequired");
  CHECK(error.message == "spec.parentRefs[0].name: Required value");
  CHECK(error.field_path == "spec.parentRefs[0].name");
  CHECK(error.resource == "HTTPRoute default/web");
  // Reported at the parentRef, since the name has no text of its own.
  CHECK(error.position.line == 7);
  CHECK(error.position.column == 5);
}

TEST_CASE("An unserved version of a known kind is reported and not decoded") {
  Decoded d = DecodeYaml(R"(apiVersion: gateway.networking.k8s.io/v2
kind: HTTPRoute
metadata:
  name: web
spec: {}
)");
  INFO(Render(d.sink));
  REQUIRE(d.sink.diagnostics().size() == 1);
  const Diagnostic& error = d.sink.diagnostics()[0];
  CHECK(error.code == "unknown-version");
  CHECK(error.message ==
        "no matches for kind \"HTTPRoute\" in version \"gateway.networking.k8s.io/v2\"");
  CHECK(error.field_path == "apiVersion");
  CHECK(error.position.line == 1);
  CHECK(error.position.column == 13);
  CHECK(d.model.http_routes.empty());
  CHECK(d.model.other.empty());
}

TEST_CASE("A kind the model does not know is carried along in other") {
  Decoded d = DecodeYaml(R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: HTTPRoute
metadata:
  name: old
spec: {}
)");
  REQUIRE(d.model.other.size() == 1);
  CHECK(d.model.other[0]->id.kind == "Deployment");
  CHECK(d.model.other[0]->id.group == "apps");
  CHECK(d.model.other[0]->id.name == "web");
  CHECK(d.model.other[0] == &d.manifest->resources[0]);
  // The API server's kinds this tool has no schema for are said once to be unchecked.
  REQUIRE(d.sink.diagnostics().size() == 1);
  CHECK(d.sink.diagnostics()[0].severity == agw::validate::manifest::Severity::kInfo);
  CHECK(d.sink.diagnostics()[0].code == "not-checked");
  // v1beta1 is still served for HTTPRoute.
  REQUIRE(d.model.http_routes.size() == 1);
  CHECK(d.model.http_routes[0].api_version == "gateway.networking.k8s.io/v1beta1");
  CHECK(d.model.http_routes[0].rules.size() == 1);
}

// ---------------------------------------------------------------------------------------------
// Field positions

TEST_CASE("FieldIndex gives the position of a written field and the parent's for a defaulted one") {
  Decoded d = DecodeYaml(R"(apiVersion: gateway.networking.k8s.io/v1
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
)",
                         "route.yaml");
  REQUIRE(d.sink.diagnostics().empty());
  REQUIRE(d.model.http_routes.size() == 1);
  const auto& route = d.model.http_routes[0];

  CHECK(route.position.line == 4);
  CHECK(route.position.column == 9);

  Position name = route.PositionOf("spec.rules[0].backendRefs[0].name");
  REQUIRE(name.file != nullptr);
  CHECK(name.file->path() == "route.yaml");
  CHECK(name.line == 10);
  CHECK(name.column == 13);

  Position port = route.PositionOf("spec.rules[0].backendRefs[0].port");
  CHECK(port.line == 11);
  CHECK(port.column == 13);

  Position backend_ref = route.PositionOf("spec.rules[0].backendRefs[0]");
  CHECK(backend_ref.line == 10);
  CHECK(backend_ref.column == 7);

  // weight was not written: the API server defaulted it into the backendRef.
  Position weight = route.PositionOf("spec.rules[0].backendRefs[0].weight");
  REQUIRE(weight.file != nullptr);
  CHECK(weight.line == backend_ref.line);
  CHECK(weight.column == backend_ref.column);

  // The defaulted match points at the rule that received it.
  Position match_path = route.PositionOf("spec.rules[0].matches[0].path.value");
  CHECK(match_path.line == 9);
  CHECK(match_path.column == 5);

  // A field that is neither written nor defaulted falls back to its nearest written ancestor.
  Position missing = route.PositionOf("spec.rules[0].backendRefs[0].namespace");
  CHECK(missing.line == backend_ref.line);
  CHECK(missing.column == backend_ref.column);
  Position parent_name = route.PositionOf("spec.parentRefs[0].name");
  CHECK(parent_name.line == 7);
  CHECK(parent_name.column == 11);
}
