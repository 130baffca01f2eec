// The hints of findings about references that resolve to nothing: the name in the inputs the
// user most likely meant, and for sectionName and port what the parent has. Hints are advice for
// the finding only: the status the controller writes keeps its own message, word for word.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/resolve/fixture.h"
#include "tests/resolve/manifests.h"
#include "validate/resolve/resolve.h"
#include "validate/resolve/status.h"

namespace agw::validate::resolve {
namespace {

using test::BackendRule;
using test::Describe;
using test::GatewayYaml;
using test::HttpListener;
using test::HttpRoute;
using test::Join;
using test::kGateway;
using test::kRulesToSvc;
using test::kService;
using test::kTwoListenerGateway;
using test::LineColumn;
using test::ParentRefs;
using test::Resolved;
using test::ServiceYaml;
using validate::manifest::Diagnostic;
using validate::manifest::Severity;

using Strings = std::vector<std::string>;

ResolveOptions Strict() {
  ResolveOptions options;
  options.strict_refs = true;
  return options;
}

const std::string kMissingAdvice =
    "add it to the inputs, or pass --strict-refs to treat it as missing";

const std::string kOpenAiBackend = R"(apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata:
  name: openai
spec:
  ai:
    provider:
      openai:
        model: gpt-4o-mini
)";

const std::string kRouteToOpenDashAi =
    HttpRoute(ParentRefs() + BackendRule("    - name: open-ai\n      group: agentgateway.dev\n"
                                         "      kind: AgentgatewayBackend\n"));

// ---------------------------------------------------------------------------------------------
// backendRefs

TEST_CASE("A backendRef to open-ai beside a backend openai warns with a did-you-mean") {
  Resolved r(Join({kGateway, kOpenAiBackend, kRouteToOpenDashAi}));
  Diagnostic d = r.Finding("not-in-manifest-set");
  CHECK(d.severity == Severity::kWarning);
  CHECK(d.message ==
        "AgentgatewayBackend default/open-ai is not in the manifest set; assuming it exists on "
        "the cluster");
  CHECK(d.hint == "did you mean \"openai\"? otherwise " + kMissingAdvice);
  CHECK(d.field_path == "spec.rules[0].backendRefs[0].name");
  CHECK(LineColumn(d) == r.After("    - name: "));
}

TEST_CASE("With strict refs a backendRef to open-ai is BackendNotFound with a did-you-mean") {
  Resolved r(Join({kGateway, kOpenAiBackend, kRouteToOpenDashAi}), Strict());
  Diagnostic d = r.Finding("BackendNotFound");
  CHECK(d.severity == Severity::kError);
  CHECK(d.message == "Backend not found: default/open-ai");
  CHECK(d.hint == "did you mean \"openai\"? requests that pick this backend get HTTP 500");
  // The status is the controller's, without the advice.
  CHECK(Describe(r.Route("HTTPRoute", "web").parents.at(0).conditions) ==
        Strings{"Accepted True Accepted: ",
                "ResolvedRefs False BackendNotFound: Backend not found: default/open-ai"});
}

TEST_CASE("A mistyped Service backendRef names the Service that is there") {
  Resolved r(Join({kGateway, kService,
                   HttpRoute(ParentRefs() + BackendRule("    - name: svcs\n      port: 8080\n"))}),
             Strict());
  Diagnostic d = r.Finding("BackendNotFound");
  CHECK(d.message == "backend(svcs.default.svc.cluster.local) not found");
  CHECK(d.hint == "did you mean \"svc\"? requests that pick this backend get HTTP 500");
}

TEST_CASE("A backendRef to a Service in the wrong namespace names the namespace it is in") {
  Resolved r(Join({kGateway, ServiceYaml("svc", 8080, "team-a"),
                   HttpRoute(ParentRefs() + BackendRule("    - name: svc\n      port: 8080\n"))}),
             Strict());
  CHECK(r.Finding("BackendNotFound").hint ==
        "did you mean namespace team-a (svc exists there)? requests that pick this backend get "
        "HTTP 500");
}

TEST_CASE("A backendRef that resolves to nothing and resembles nothing keeps the plain hint") {
  Resolved r(
      Join({kGateway, kService,
            HttpRoute(ParentRefs() + BackendRule("    - name: payments\n      port: 80\n"))}),
      Strict());
  CHECK(r.Finding("BackendNotFound").hint == "requests that pick this backend get HTTP 500");
}

TEST_CASE("A cross-namespace backendRef to a namespace without that Service names the right one") {
  // No ReferenceGrant would help: svc lives in the route's own namespace, not in `other`.
  Resolved r(Join({kGateway, kService,
                   HttpRoute(ParentRefs() + BackendRule("    - name: svc\n      namespace: other\n"
                                                        "      port: 8080\n"))}));
  Diagnostic d = r.Finding("RefNotPermitted");
  CHECK(d.message ==
        "backendRef other/svc not accessible to a HTTPRoute in namespace \"default\" (missing a "
        "ReferenceGrant?)");
  CHECK(d.hint ==
        "did you mean namespace default (svc exists there)? requests that pick this backend get "
        "HTTP 500");
  CHECK(Describe(r.Route("HTTPRoute", "web").parents.at(0).conditions.at(1)) ==
        "ResolvedRefs False RefNotPermitted: " + d.message);
}

TEST_CASE("A cross-namespace backendRef to a Service that is there only lacks a ReferenceGrant") {
  Resolved r(Join({kGateway, ServiceYaml("svc", 8080, "other"),
                   HttpRoute(ParentRefs() + BackendRule("    - name: svc\n      namespace: other\n"
                                                        "      port: 8080\n"))}));
  CHECK(r.Finding("RefNotPermitted").hint == "requests that pick this backend get HTTP 500");
}

// ---------------------------------------------------------------------------------------------
// parentRefs, sectionName and port

TEST_CASE("A parentRef to a mistyped Gateway names the Gateway that is there") {
  std::string route = HttpRoute(ParentRefs("  - name: gw1\n") + kRulesToSvc);
  SECTION("strict") {
    Resolved r(Join({kGateway, kService, route}), Strict());
    Diagnostic d = r.Finding("parent-not-found");
    CHECK(d.message ==
          "Gateway default/gw1 not found: this parentRef attaches the route to nothing");
    CHECK(d.hint == "did you mean \"gw\"?");
  }
  SECTION("not strict") {
    Resolved r(Join({kGateway, kService, route}));
    CHECK(r.Finding("not-in-manifest-set").hint ==
          "did you mean \"gw\"? otherwise " + kMissingAdvice);
  }
}

TEST_CASE("A sectionName near a listener name names it and lists the Gateway's listeners") {
  Resolved r(Join({kTwoListenerGateway, kService,
                   HttpRoute(ParentRefs("  - name: gw\n    sectionName: htp\n") + kRulesToSvc)}));
  Diagnostic d = r.Finding("NoMatchingParent");
  CHECK(d.message == "not accepted by Gateway default/gw: sectionName \"htp\" not found");
  CHECK(d.hint == "did you mean \"http\"? listeners of Gateway default/gw: http, admin");
  CHECK(d.field_path == "spec.parentRefs[0].sectionName");
  CHECK(Describe(r.Route("HTTPRoute", "web").parents.at(0).conditions.at(0)) ==
        "Accepted False NoMatchingParent: sectionName \"htp\" not found");
}

TEST_CASE("A sectionName like no listener name lists the Gateway's listeners") {
  Resolved r(
      Join({kTwoListenerGateway, kService,
            HttpRoute(ParentRefs("  - name: gw\n    sectionName: metrics\n") + kRulesToSvc)}));
  CHECK(r.Finding("NoMatchingParent").hint == "listeners of Gateway default/gw: http, admin");
}

TEST_CASE("A parentRef port no listener has lists the Gateway's listener ports") {
  Resolved r(Join({kTwoListenerGateway, kService,
                   HttpRoute(ParentRefs("  - name: gw\n    port: 8080\n") + kRulesToSvc)}));
  Diagnostic d = r.Finding("NoMatchingParent");
  CHECK(d.message == "not accepted by Gateway default/gw: port 8080 not found");
  CHECK(d.hint == "listener ports of Gateway default/gw: 80, 9000");
}

TEST_CASE("A route whose hostnames match no listener gets no listener hint") {
  Resolved r(Join({GatewayYaml(HttpListener("http", 80, "    hostname: a.example.com\n")), kService,
                   HttpRoute(ParentRefs() + "  hostnames:\n  - b.example.com\n" + kRulesToSvc)}));
  CHECK(r.Finding("NoMatchingListenerHostname").hint.empty());
}

TEST_CASE("A Gateway of a class one typo from agentgateway is told the class it likely meant") {
  Resolved r(Join({GatewayYaml(HttpListener(), "agentgatway")}));
  Diagnostic d = r.Finding("foreign-gateway-class");
  CHECK(d.severity == Severity::kInfo);
  CHECK(d.hint ==
        "did you mean \"agentgateway\"? otherwise pass --gateway-class agentgatway if this "
        "class belongs to agentgateway");
}

TEST_CASE("A Gateway of a class that wraps agentgateway's name is not told about agentgateway") {
  Resolved r(Join({GatewayYaml(HttpListener(), "enterprise-agentgateway")}));
  CHECK(r.Finding("foreign-gateway-class").hint ==
        "pass --gateway-class enterprise-agentgateway if this class belongs to agentgateway");
}

// ---------------------------------------------------------------------------------------------
// Secrets

std::string BackendWithSecretRef(std::string_view secret) {
  return kOpenAiBackend +
         "  policies:\n    auth:\n      secretRef:\n        name: " + std::string(secret) + "\n";
}

std::string SecretYaml(std::string_view name, std::string_view namespace_ = "") {
  std::string text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: " + std::string(name) + "\n";
  if (!namespace_.empty()) {
    text += "  namespace: " + std::string(namespace_) + "\n";
  }
  return text + "stringData:\n  Authorization: sk-test\n";
}

TEST_CASE("A backend auth secretRef with a typo names the Secret that is there") {
  Resolved r(Join({BackendWithSecretRef("openai-secrte"), SecretYaml("openai-secret")}), Strict());
  Diagnostic d = r.Finding("TranslationError");
  CHECK(d.message == "secret default/openai-secrte not found");
  CHECK(d.hint ==
        "did you mean \"openai-secret\"? the controller does not program this backend: routes to "
        "it get HTTP 500");
  CHECK(Describe(r.Backend("openai").conditions) ==
        Strings{"Accepted False TranslationError: failed to translate backend: secret "
                "default/openai-secrte not found"});
}

TEST_CASE("A backend auth secretRef names no Secret of another namespace, which it cannot reach") {
  Resolved r(Join({BackendWithSecretRef("openai-secret"), SecretYaml("openai-secret", "team-a")}),
             Strict());
  CHECK(r.Finding("TranslationError").hint ==
        "the controller does not program this backend: routes to it get HTTP 500");
}

TEST_CASE("A listener certificateRef with a typo names the Secret that is there") {
  std::string listener =
      "  - name: https\n    port: 443\n    protocol: HTTPS\n    tls:\n      mode: Terminate\n"
      "      certificateRefs:\n      - name: tls-cret\n";
  std::string secret =
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: tls-cert\ntype: kubernetes.io/tls\n"
      "stringData:\n  tls.crt: cert\n  tls.key: key\n";
  Resolved r(Join({GatewayYaml(listener), secret}), Strict());
  Diagnostic d = r.Finding("InvalidCertificateRef");
  CHECK(d.message == "invalid certificate reference /Secret/tls-cret., secret not found");
  CHECK(d.hint == "did you mean \"tls-cert\"?");
}

// ---------------------------------------------------------------------------------------------
// AgentgatewayPolicy targetRefs and backendRefs

std::string PolicyYaml(std::string_view target, std::string_view body = "") {
  return "apiVersion: agentgateway.dev/v1alpha1\nkind: AgentgatewayPolicy\nmetadata:\n"
         "  name: pol\nspec:\n  targetRefs:\n" +
         std::string(target) +
         (body.empty() ? std::string("  traffic:\n    timeouts:\n      request: 5s\n")
                       : std::string(body));
}

const std::string kRouteTarget =
    "  - group: gateway.networking.k8s.io\n    kind: HTTPRoute\n    name: wbe\n";

TEST_CASE("A policy targetRef with a typo names the route that is there") {
  std::string inputs =
      Join({kGateway, kService, HttpRoute(ParentRefs() + kRulesToSvc), PolicyYaml(kRouteTarget)});
  SECTION("strict") {
    Resolved r(inputs, Strict());
    Diagnostic d = r.Finding("Pending");
    CHECK(d.message == "Policy is not attached: HTTPRoute default/wbe not found");
    CHECK(d.hint == "did you mean \"web\"?");
    const PolicyStatus& policy = r.Policy("pol");
    REQUIRE(policy.ancestors.size() == 1);
    CHECK(Describe(policy.ancestors[0].conditions.at(1)) ==
          "Attached False Pending: Policy is not attached: HTTPRoute default/wbe not found");
  }
  SECTION("not strict") {
    Resolved r(inputs);
    Diagnostic d = r.Finding("not-in-manifest-set");
    CHECK(d.hint == "did you mean \"web\"? otherwise " + kMissingAdvice);
    CHECK(d.field_path == "spec.targetRefs[0].name");
  }
}

TEST_CASE("A policy targetRef sectionName no listener has lists the Gateway's listeners") {
  Resolved r(Join(
      {kTwoListenerGateway, PolicyYaml("  - group: gateway.networking.k8s.io\n    kind: Gateway\n"
                                       "    name: gw\n    sectionName: admn\n")}));
  Diagnostic d = r.Finding("Pending");
  CHECK(d.message ==
        "Policy is not attached: sectionName \"admn\" not found in Gateway default/gw");
  CHECK(d.hint == "did you mean \"admin\"? listeners of Gateway default/gw: http, admin");
}

TEST_CASE("A policy targetRef sectionName on a route without named rules says so") {
  Resolved r(Join({kGateway, kService, HttpRoute(ParentRefs() + kRulesToSvc),
                   PolicyYaml("  - group: gateway.networking.k8s.io\n    kind: HTTPRoute\n"
                              "    name: web\n    sectionName: chat\n")}));
  CHECK(r.Finding("Pending").hint == "no rule of HTTPRoute default/web has a name");
}

TEST_CASE("A policy extAuth backendRef with a typo names the backend that is there") {
  std::string backend =
      "apiVersion: agentgateway.dev/v1alpha1\nkind: AgentgatewayBackend\nmetadata:\n"
      "  name: authz\nspec:\n  static:\n    host: authz.example.com\n    port: 9000\n";
  std::string body =
      "  traffic:\n    extAuth:\n      backendRef:\n        group: agentgateway.dev\n"
      "        kind: AgentgatewayBackend\n        name: auth-z\n      grpc: {}\n";
  Resolved r(Join({kGateway, backend,
                   PolicyYaml("  - group: gateway.networking.k8s.io\n    kind: Gateway\n"
                              "    name: gw\n",
                              body)}),
             Strict());
  // extAuth still yields a policy (without the server), so the policy is partially valid.
  Diagnostic d = r.Finding("PartiallyValid");
  CHECK(d.message == "failed to build extAuth: unable to find the Backend default/auth-z");
  CHECK(d.hint ==
        "did you mean \"authz\"? the policy is still applied, without the part that failed");
}

TEST_CASE("A policy backendRef to a namespace without that backend names the right namespace") {
  // With AGW_BACKEND_REF_GRANT_MODE=route-and-policy the grant is checked first, but no grant
  // would help: authz lives in the policy's own namespace.
  ResolveOptions options;
  options.backend_ref_grant_mode = "route-and-policy";
  std::string backend =
      "apiVersion: agentgateway.dev/v1alpha1\nkind: AgentgatewayBackend\nmetadata:\n"
      "  name: authz\nspec:\n  static:\n    host: authz.example.com\n    port: 9000\n";
  std::string body =
      "  traffic:\n    extAuth:\n      backendRef:\n        group: agentgateway.dev\n"
      "        kind: AgentgatewayBackend\n        name: authz\n        namespace: other\n"
      "      grpc: {}\n";
  Resolved r(Join({kGateway, backend,
                   PolicyYaml("  - group: gateway.networking.k8s.io\n    kind: Gateway\n"
                              "    name: gw\n",
                              body)}),
             options);
  Diagnostic d = r.Finding("PartiallyValid");
  CHECK(d.message ==
        "failed to build extAuth: backendRef other/authz not accessible to an AgentgatewayPolicy "
        "in namespace \"default\" (missing a ReferenceGrant?)");
  CHECK(d.hint ==
        "did you mean namespace default (authz exists there)? the policy is still applied, "
        "without the part that failed");
}

}  // namespace
}  // namespace agw::validate::resolve
