// The lints validate::resolve::Resolve adds beyond what the controller reports
// (validate/resolve/lint.cc): rules and routes that can never be selected, listeners and backends
// nothing uses, credentials committed in Secrets, and AI backends that replace or forward the path
// a route matched.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/resolve/fixture.h"
#include "tests/resolve/manifests.h"
#include "validate/resolve/resolve.h"

namespace agw::validate::resolve {
namespace {

using test::BackendRule;
using test::GatewayYaml;
using test::HttpListener;
using test::HttpRoute;
using test::InputErrors;
using test::Join;
using test::kGateway;
using test::kService;
using test::kTwoListenerGateway;
using test::LineColumn;
using test::ParentRefs;
using test::Resolved;
using test::RouteYaml;
using validate::manifest::Diagnostic;
using validate::manifest::Severity;

// An HTTPRoute `name` on gw with the given `spec` lines after parentRefs.
std::string Route(std::string_view name, std::string_view rest) {
  return RouteYaml("HTTPRoute", name, ParentRefs() + std::string(rest));
}

// ---------------------------------------------------------------------------------------------
// shadowed-rule

TEST_CASE("shadowed-rule: a rule whose match an earlier rule of the same route already claims") {
  Resolved r(Join({kGateway, kService, Route("web", R"(  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /api
    backendRefs:
    - name: svc
      port: 8080
  - matches:
    - path:
        type: PathPrefix
        value: /api/
      method: GET
    - path:
        type: PathPrefix
        value: /other
      method: GET
    backendRefs:
    - name: svc
      port: 8080
  - matches:
    - path:
        type: PathPrefix
        value: /api
      method: GET
)")}));
  Diagnostic d = r.Finding("shadowed-rule");
  CHECK(d.severity == Severity::kWarning);
  CHECK(d.resource == "HTTPRoute default/web");
  CHECK(d.field_path == "spec.rules[2].matches[0]");
  CHECK(d.message ==
        "spec.rules[2].matches[0] (PathPrefix /api, method GET) never receives requests: "
        "spec.rules[1].matches[0] matches the same requests and comes first");
  // A match is a block mapping: it starts at its first key.
  CHECK(LineColumn(d) == r.After("method: GET\n    backendRefs:\n    - name: svc\n      port: "
                                 "8080\n  - matches:\n    - "));
  CHECK(r.Findings("duplicate-match").empty());
}

TEST_CASE("shadowed-rule: the host is named when the route has hostnames") {
  Resolved r(Join({kGateway, Route("web", R"(  hostnames:
  - api.example.com
  rules:
  - matches:
    - path:
        type: Exact
        value: /v1
  - matches:
    - path:
        type: Exact
        value: /v1
)")}));
  CHECK(r.Finding("shadowed-rule").message ==
        "spec.rules[1].matches[0] (Exact /v1) never receives requests for host api.example.com: "
        "spec.rules[0].matches[0] matches the same requests and comes first");
}

TEST_CASE("shadowed-rule: not reported when the matches differ by a header") {
  Resolved r(Join({kGateway, Route("web", R"(  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /api
  - matches:
    - path:
        type: PathPrefix
        value: /api
      headers:
      - name: x-canary
        value: "true"
)")}));
  CHECK(r.Findings("shadowed-rule").empty());
}

TEST_CASE("shadowed-rule: header names compare case-insensitively and order does not matter") {
  Resolved r(Join({kGateway, Route("web", R"(  rules:
  - matches:
    - headers:
      - name: X-Canary
        value: "true"
      - name: x-team
        value: a
  - matches:
    - headers:
      - name: x-team
        value: a
      - name: x-canary
        value: "true"
)")}));
  CHECK(r.Finding("shadowed-rule").message ==
        "spec.rules[1].matches[0] (PathPrefix /, 2 header(s)) never receives requests: "
        "spec.rules[0].matches[0] matches the same requests and comes first");
}

TEST_CASE(
    "shadowed-rule: a rule reached through two parentRefs to one listener does not shadow itself",
    "[!mayfail]") {
  Resolved r(Join({kGateway, kService,
                   HttpRoute(ParentRefs("  - name: gw\n  - name: gw\n    sectionName: http\n") +
                             R"(  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /api
    backendRefs:
    - name: svc
      port: 8080
)")}),
             {}, InputErrors::kAllowed);
  // The HTTPRoute CRD's rule refuses this pair; the controller still sees it with older CRDs.
  REQUIRE(r.decode_findings().size() == 1);
  CHECK(r.decode_findings()[0].message.ends_with(
      "sectionName must be specified when parentRefs includes 2 or more references to the same "
      "parent"));
  INFO(r.AllFindings());
  CHECK(r.Findings("shadowed-rule").empty());
}

// ---------------------------------------------------------------------------------------------
// duplicate-match

constexpr std::string_view kApiRule = R"(  hostnames:
  - api.example.com
  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /api
)";

TEST_CASE(
    "duplicate-match: of two routes with the same match and hostname, the one with the higher "
    "route key is warned") {
  // Loaded "b" first: the order in the manifest does not matter, the route key does.
  Resolved r(Join({kGateway, Route("b", kApiRule), Route("a", kApiRule)}));
  Diagnostic d = r.Finding("duplicate-match");
  CHECK(d.severity == Severity::kWarning);
  CHECK(d.resource == "HTTPRoute default/b");
  CHECK(d.field_path == "spec.rules[0].matches[0]");
  CHECK(d.message ==
        "HTTPRoute default/a claims the same match (PathPrefix /api) on listener default/gw.http "
        "for host api.example.com, and agentgateway sends these requests there");
  CHECK(d.hint ==
        "equal matches are ordered by route namespace/name, then rule index (not by creation "
        "time)");
  CHECK(r.Findings("shadowed-rule").empty());
}

// Issue 13: a route the API server refuses (here a CEL rule of the HTTPRoute CRD: a Service
// backendRef needs a port) never reaches the cluster, so it claims no match from a valid one.
TEST_CASE("duplicate-match: a route the API server refuses claims nothing") {
  Resolved r(Join({kGateway, kService,
                   Route("a", std::string(kApiRule) + "    backendRefs:\n    - name: svc\n"),
                   Route("b", std::string(kApiRule) +
                                  "    backendRefs:\n    - name: svc\n      port: 8080\n")}),
             {}, InputErrors::kAllowed);
  REQUIRE(r.decode_findings().size() == 1);
  CHECK(r.decode_findings()[0].message ==
        "spec.rules[0].backendRefs[0]: Invalid value: \"object\": Must have port for Service "
        "reference");
  INFO(r.AllFindings());
  CHECK(r.Findings("duplicate-match").empty());
}

TEST_CASE("duplicate-match: route keys compare as plain strings, so web-v2 wins over web") {
  // "default/web-v2.00.http" < "default/web.00.http": '-' sorts before '.'.
  Resolved r(Join({kGateway, Route("web", kApiRule), Route("web-v2", kApiRule)}));
  Diagnostic d = r.Finding("duplicate-match");
  CHECK(d.resource == "HTTPRoute default/web");
  CHECK(d.message.rfind("HTTPRoute default/web-v2 claims the same match", 0) == 0);
}

TEST_CASE("duplicate-match: a PathPrefix with a trailing slash is the same match") {
  Resolved r(Join({kGateway, Route("a", R"(  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /api
)"),
                   Route("b", R"(  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /api/
)")}));
  Diagnostic d = r.Finding("duplicate-match");
  CHECK(d.resource == "HTTPRoute default/b");
  CHECK(d.message ==
        "HTTPRoute default/a claims the same match (PathPrefix /api/) on listener "
        "default/gw.http, and agentgateway sends these requests there");
}

TEST_CASE("duplicate-match: not reported for routes with different hostnames") {
  Resolved r(Join({kGateway, Route("a", kApiRule), Route("b", R"(  hostnames:
  - www.example.com
  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /api
)")}));
  CHECK(r.Findings("duplicate-match").empty());
}

TEST_CASE("duplicate-match: not reported for routes on different listeners") {
  Resolved r(
      Join({kTwoListenerGateway, Route("a", "    sectionName: http\n" + std::string(kApiRule)),
            Route("b", "    sectionName: admin\n" + std::string(kApiRule))}));
  CHECK(r.Findings("duplicate-match").empty());
}

// ---------------------------------------------------------------------------------------------
// unused-listener

TEST_CASE("unused-listener: a listener no route attaches to, at its name") {
  Resolved r(Join({kTwoListenerGateway, Route("web", "    sectionName: http\n")}));
  Diagnostic d = r.Finding("unused-listener");
  CHECK(d.severity == Severity::kWarning);
  CHECK(d.resource == "Gateway default/gw");
  CHECK(d.message == "no route attaches to listener \"admin\" (port 9000): requests to it get 404");
  CHECK(d.field_path == "spec.listeners[1].name");
  CHECK(LineColumn(d) == r.After("port: 80\n    protocol: HTTP\n  - name: "));
}

TEST_CASE("unused-listener: a route that is not accepted does not count as using the listener") {
  Resolved r(Join({kGateway, Route("web", "    sectionName: nope\n")}));
  CHECK(r.Finding("unused-listener").message ==
        "no route attaches to listener \"http\" (port 80): requests to it get 404");
}

TEST_CASE("unused-listener: not reported for Gateways the controller does not own") {
  Resolved r(Join({GatewayYaml(HttpListener(), "istio")}));
  CHECK(r.Findings("unused-listener").empty());
}

// ---------------------------------------------------------------------------------------------
// unused-backend

constexpr std::string_view kStaticBackend = R"(apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata:
  name: mcp
spec:
  static:
    host: mcp.example.com
    port: 8080
)";

TEST_CASE("unused-backend: an AgentgatewayBackend no route references") {
  Resolved r(Join({kStaticBackend}));
  Diagnostic d = r.Finding("unused-backend");
  CHECK(d.severity == Severity::kWarning);
  CHECK(d.resource == "AgentgatewayBackend default/mcp");
  CHECK(d.message == "no route or policy uses AgentgatewayBackend default/mcp");
  CHECK(d.field_path == "metadata.name");
  CHECK(
      d.hint ==
      "the controller programs a backend only for Gateways whose routes or policies reference it");
}

TEST_CASE("unused-backend: the finding points at the value of metadata.name", "") {
  // metadata.name is not in the object's field index, so the position falls back to the
  // `metadata` map: its first key, which here is `namespace`.
  Resolved r(Join({R"(apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata:
  namespace: default
  name: mcp
spec:
  static:
    host: mcp.example.com
    port: 8080
)"}));
  Diagnostic d = r.Finding("unused-backend");
  CHECK(d.field_path == "metadata.name");
  CHECK(LineColumn(d) == r.After("  name: "));
}

TEST_CASE(
    "unused-backend: not reported for a backend a route references, also from another namespace") {
  Resolved r(Join({kGateway, kStaticBackend,
                   RouteYaml("HTTPRoute", "web",
                             BackendRule("    - name: mcp\n      namespace: default\n"
                                         "      group: agentgateway.dev\n"
                                         "      kind: AgentgatewayBackend\n"),
                             "apps")}));
  CHECK(r.Findings("unused-backend").empty());
}

TEST_CASE(
    "unused-backend: a backend referenced from another namespace by a same-named ref is still "
    "unused here") {
  // The route's ref has no namespace: it names apps/mcp, not default/mcp.
  Resolved r(
      Join({kStaticBackend, RouteYaml("HTTPRoute", "web",
                                      BackendRule("    - name: mcp\n      group: agentgateway.dev\n"
                                                  "      kind: AgentgatewayBackend\n"),
                                      "apps")}));
  CHECK(r.Finding("unused-backend").resource == "AgentgatewayBackend default/mcp");
}

TEST_CASE("unused-backend: a backend used only as a policy's extAuth server is in use", "") {
  // The controller sends backends a policy references to the policy's Gateways
  // (controller.md 5.1, PolicyAttachments), so this one is programmed and used.
  Resolved r(Join({kGateway, kStaticBackend, R"(apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayPolicy
metadata:
  name: auth
spec:
  targetRefs:
  - group: gateway.networking.k8s.io
    kind: Gateway
    name: gw
  traffic:
    extAuth:
      backendRef:
        group: agentgateway.dev
        kind: AgentgatewayBackend
        name: mcp
      grpc: {}
)"}));
  INFO(r.AllFindings());
  CHECK(r.Findings("unused-backend").empty());
}

// ---------------------------------------------------------------------------------------------
// literal-api-key

// 40 letters and digits.
const std::string kRealLooking =
    "sk-proj-" + std::string("A1b2C3d4E5f6G7h8I9j0") + std::string("K1l2M3n4O5p6Q7r8S9t0");

std::string Secret(std::string_view name, std::string_view body) {
  return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: " + std::string(name) + "\n" +
         std::string(body);
}

TEST_CASE("literal-api-key: a real-looking key in stringData is reported without quoting it") {
  Resolved r(
      Join({Secret("openai-secret", "stringData:\n  Authorization: " + kRealLooking + "\n")}));
  Diagnostic d = r.Finding("literal-api-key");
  CHECK(d.severity == Severity::kWarning);
  CHECK(d.resource == "Secret default/openai-secret");
  CHECK(d.message ==
        "Secret default/openai-secret key \"Authorization\" holds what looks like a real "
        "credential, committed with the manifest");
  CHECK(d.field_path == "stringData[Authorization]");
  CHECK(LineColumn(d) == r.After("  Authorization: "));
  CHECK(d.message.find(kRealLooking) == std::string::npos);
  CHECK(d.message.find("A1b2C3") == std::string::npos);
  CHECK(d.hint.find("A1b2C3") == std::string::npos);
}

TEST_CASE("literal-api-key: a Bearer-prefixed real-looking key is reported") {
  Resolved r(Join({Secret("s", "stringData:\n  Authorization: Bearer " + kRealLooking + "\n")}));
  CHECK(r.Findings("literal-api-key").size() == 1);
}

TEST_CASE(
    "literal-api-key: an opaque token of 32+ letters and digits is reported even without a known "
    "prefix") {
  Resolved r(
      Join({Secret("s", "stringData:\n  token: 9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddcc\n")}));
  CHECK(r.Finding("literal-api-key").field_path == "stringData[token]");
}

TEST_CASE("literal-api-key: a key in base64 data is reported at data[<key>]", "") {
  // base64 of kRealLooking.
  Resolved r(Join({Secret("s",
                          "data:\n  Authorization: "
                          "c2stcHJvai1BMWIyQzNkNEU1ZjZHN2g4STlqMEsxbDJNM240TzVwNlE3cjhTOXQw\n")}));
  Diagnostic d = r.Finding("literal-api-key");
  CHECK(d.field_path == "data[Authorization]");
  CHECK(LineColumn(d) == r.After("  Authorization: "));
}

TEST_CASE("literal-api-key: placeholders and short values are not reported") {
  std::string value =
      GENERATE(as<std::string>{}, "$OPENAI_API_KEY", "${X}", "Bearer sk-ant-demo-placeholder-key",
               "\"Bearer $ANTHROPIC_KEY\"", "test", "changeme", "sk-short",
               "your-api-key-goes-here-0123456789abcdef",
               "sk-proj-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
  INFO(value);
  Resolved r(Join({Secret("s", "stringData:\n  Authorization: " + value + "\n")}));
  CHECK(r.Findings("literal-api-key").empty());
}

TEST_CASE("literal-api-key: TLS Secrets and certificate keys are left to other checks") {
  Resolved r(Join({Secret("tls", "type: kubernetes.io/tls\nstringData:\n  tls.key: " +
                                     kRealLooking + "\n  tls.crt: " + kRealLooking + "\n"),
                   Secret("ca", "stringData:\n  ca.crt: " + kRealLooking + "\n")}));
  CHECK(r.Findings("literal-api-key").empty());
}

// ---------------------------------------------------------------------------------------------
// ai-path-replaced / ai-path-forwarded

std::string AiBackend(std::string_view name, std::string_view provider,
                      std::string_view extra = "") {
  return "apiVersion: agentgateway.dev/v1alpha1\nkind: AgentgatewayBackend\nmetadata:\n  name: " +
         std::string(name) + "\nspec:\n  ai:\n    provider:\n" + std::string(provider) +
         std::string(extra);
}

std::string AiRoute(std::string_view prefix, std::string_view backend,
                    std::string_view filters = "") {
  return Route("llm",
               "  rules:\n  - matches:\n    - path:\n        type: PathPrefix\n"
               "        value: " +
                   std::string(prefix) + "\n" + std::string(filters) +
                   "    backendRefs:\n    - name: " + std::string(backend) +
                   "\n      group: agentgateway.dev\n      kind: AgentgatewayBackend\n");
}

TEST_CASE(
    "ai-path-replaced: an OpenAI backend sends every request under the prefix to chat "
    "completions") {
  Resolved r(Join({kGateway, AiBackend("openai", "      openai:\n        model: gpt-4o-mini\n"),
                   AiRoute("/openai", "openai")}));
  Diagnostic d = r.Finding("ai-path-replaced");
  CHECK(d.severity == Severity::kInfo);
  CHECK(d.resource == "HTTPRoute default/llm");
  CHECK(d.message ==
        "requests under /openai are sent to https://api.openai.com/v1/chat/completions as chat "
        "completions: AgentgatewayBackend default/openai replaces the request path, so the "
        "/openai prefix is not forwarded");
  CHECK(d.field_path == "spec.rules[0].matches[0].path");
  CHECK(LineColumn(d) == r.After("    - path:\n        "));
  CHECK(r.Findings("ai-path-forwarded").empty());
}

TEST_CASE("ai-path-replaced: an Anthropic backend sends them to the messages API") {
  Resolved r(
      Join({kGateway, AiBackend("claude", "      anthropic:\n        model: claude-sonnet-4-5\n"),
            AiRoute("/anthropic", "claude")}));
  CHECK(r.Finding("ai-path-replaced").message ==
        "requests under /anthropic are sent to https://api.anthropic.com/v1/messages as chat "
        "completions: AgentgatewayBackend default/claude replaces the request path, so the "
        "/anthropic prefix is not forwarded");
}

TEST_CASE("ai-path-replaced: a path override is named in the message") {
  Resolved r(Join({kGateway,
                   AiBackend("xai",
                             "      openai:\n        model: grok-4\n      host: api.x.ai\n"
                             "      port: 443\n      path: /v1/chat/completions\n",
                             "  policies:\n    tls:\n      sni: api.x.ai\n"),
                   AiRoute("/xai", "xai")}));
  CHECK(r.Finding("ai-path-replaced").message ==
        "requests under /xai are sent to https://api.x.ai/v1/chat/completions as chat "
        "completions: AgentgatewayBackend default/xai sets path /v1/chat/completions, which "
        "replaces the request path, so the /xai prefix is not forwarded");
  CHECK(r.Findings("ai-path-forwarded").empty());
}

TEST_CASE("ai-path-replaced: a pathPrefix replaces the provider's /v1 base") {
  Resolved r(Join({kGateway,
                   AiBackend("openai",
                             "      openai:\n        model: gpt-4o\n"
                             "      host: llm.internal\n      port: 8080\n"
                             "      pathPrefix: /api/v2\n"),
                   AiRoute("/openai", "openai")}));
  CHECK(r.Finding("ai-path-replaced").message ==
        "requests under /openai are sent to http://llm.internal:8080/api/v2/chat/completions as "
        "chat completions: AgentgatewayBackend default/openai replaces the request path, so the "
        "/openai prefix is not forwarded");
}

TEST_CASE(
    "ai-path-replaced: not reported for the catch-all prefix / or when the backend has a routes "
    "map") {
  SECTION("PathPrefix /") {
    Resolved r(Join({kGateway, AiBackend("openai", "      openai:\n        model: gpt-4o\n"),
                     AiRoute("/", "openai")}));
    CHECK(r.Findings("ai-path-replaced").empty());
  }
  SECTION("policies.ai.routes") {
    Resolved r(Join({kGateway,
                     AiBackend("openai", "      openai:\n        model: gpt-4o\n",
                               "  policies:\n    ai:\n      routes:\n"
                               "        \"/v1/chat/completions\": Completions\n"
                               "        \"*\": Passthrough\n"),
                     AiRoute("/openai", "openai")}));
    CHECK(r.Findings("ai-path-replaced").empty());
  }
}

constexpr std::string_view kLocalProvider =
    "      host: host.docker.internal\n      port: 8090\n      openai:\n"
    "        model: gemma\n";

TEST_CASE("ai-path-forwarded: a host override without pathPrefix forwards the route prefix") {
  Resolved r(Join({kGateway, AiBackend("local", kLocalProvider), AiRoute("/local", "local")}));
  Diagnostic d = r.Finding("ai-path-forwarded");
  CHECK(d.severity == Severity::kWarning);
  CHECK(d.resource == "HTTPRoute default/llm");
  CHECK(d.message ==
        "the /local prefix is forwarded to http://host.docker.internal:8090: AgentgatewayBackend "
        "default/local overrides host without pathPrefix, so the request path is sent unchanged "
        "(/local/v1/chat/completions stays /local/v1/chat/completions)");
  CHECK(d.field_path == "spec.rules[0].matches[0].path");
  CHECK(d.hint ==
        "add a URLRewrite ReplacePrefixMatch \"/\" filter, or set pathPrefix or path on the "
        "provider");
  CHECK(LineColumn(d) == r.After("    - path:\n        "));
  CHECK(r.Findings("ai-path-replaced").empty());
}

TEST_CASE("ai-path-forwarded: the first provider of a priority group counts too") {
  Resolved r(Join({kGateway, R"(apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata:
  name: local
spec:
  ai:
    groups:
    - providers:
      - name: a
        host: host.docker.internal
        port: 8090
        openai:
          model: gemma
)",
                   AiRoute("/local", "local")}));
  CHECK(r.Findings("ai-path-forwarded").size() == 1);
}

TEST_CASE("ai-path-forwarded: not reported when the rule rewrites the path") {
  Resolved r(
      Join({kGateway, AiBackend("local", kLocalProvider), AiRoute("/local", "local", R"(    filters:
    - type: URLRewrite
      urlRewrite:
        path:
          type: ReplacePrefixMatch
          replacePrefixMatch: /
)")}));
  INFO(r.AllFindings());
  CHECK(r.Findings("ai-path-forwarded").empty());
  CHECK(r.Findings("ai-path-replaced").empty());
}

TEST_CASE("ai-path-forwarded: a host override with a pathPrefix is replaced, not forwarded") {
  Resolved r(
      Join({kGateway, AiBackend("local", std::string(kLocalProvider) + "      pathPrefix: /v1\n"),
            AiRoute("/local", "local")}));
  CHECK(r.Findings("ai-path-forwarded").empty());
  CHECK(r.Finding("ai-path-replaced").message ==
        "requests under /local are sent to http://host.docker.internal:8090/v1/chat/completions "
        "as chat completions: AgentgatewayBackend default/local replaces the request path, so "
        "the /local prefix is not forwarded");
}

}  // namespace
}  // namespace agw::validate::resolve
