// The type check of runtime CEL fields (validate/resolve/cel_types.cc): each CEL field of an
// AgentgatewayPolicy or AgentgatewayBackend checked against the variables agentgateway provides
// in the phase where it runs, one `cel-type` warning per problem, pointing at the offending name.

#include "validate/resolve/cel_types.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/resolve/fixture.h"
#include "tests/resolve/manifests.h"
#include "tests/support/paths.h"
#include "validate/manifest/loader.h"
#include "validate/manifest/source.h"
#include "validate/model/model.h"

namespace agw::validate::resolve {
namespace {

using test::Join;
using test::kGateway;
using test::LineColumn;
using test::Resolved;
using validate::manifest::Diagnostic;
using validate::manifest::Severity;

// An AgentgatewayPolicy `name` targeting Gateway gw, with `spec` lines after targetRefs.
std::string Policy(std::string_view name, std::string_view spec) {
  return "apiVersion: agentgateway.dev/v1alpha1\nkind: AgentgatewayPolicy\nmetadata:\n  name: " +
         std::string(name) +
         "\nspec:\n  targetRefs:\n  - group: gateway.networking.k8s.io\n    kind: Gateway\n"
         "    name: gw\n" +
         std::string(spec);
}

// An authorization rule with `expression` written as a plain scalar.
std::string Authorization(std::string_view expression) {
  return Policy("authz",
                "  traffic:\n    authorization:\n      action: Allow\n      policy:\n"
                "        matchExpressions:\n        - " +
                    std::string(expression) + "\n");
}

// The only cel-type finding of `r`: a warning about `resource`.
Diagnostic OnlyFinding(const Resolved& r,
                       std::string_view resource = "AgentgatewayPolicy default/authz") {
  Diagnostic d = r.Finding("cel-type");
  CHECK(d.severity == Severity::kWarning);
  CHECK(d.resource == resource);
  return d;
}

// ---------------------------------------------------------------------------------------------
// one case per attribute family

TEST_CASE("cel-type: response in an authorization rule is not available in the request phase") {
  Resolved r(Join({kGateway, Authorization("response.code == 200")}));
  Diagnostic d = OnlyFinding(r);
  CHECK(d.message ==
        "spec.traffic.authorization.policy.matchExpressions[0]: response is not available to an "
        "authorization rule (request phase; it is set in the response and logging phases): "
        "undeclared reference to 'response' (in container '')");
  CHECK(d.field_path == "spec.traffic.authorization.policy.matchExpressions[0]");
  CHECK(d.hint.empty());
  CHECK(LineColumn(d) == r.After("        - "));
}

TEST_CASE("cel-type: a misspelt request field names the object and suggests the field") {
  Resolved r(Join({kGateway, Authorization("request.methd == 'GET'")}));
  Diagnostic d = OnlyFinding(r);
  CHECK(d.message ==
        "spec.traffic.authorization.policy.matchExpressions[0]: request has no field 'methd' in "
        "an authorization rule (request phase): undefined field 'methd'");
  CHECK(d.hint == "did you mean \"method\"?");
  CHECK(LineColumn(d) == r.After("- request."));
}

TEST_CASE("cel-type: a name that is no agentgateway variable is suggested the closest one") {
  Resolved r(Join({kGateway, Authorization("reqeust.path == '/'")}));
  Diagnostic d = OnlyFinding(r);
  CHECK(d.message ==
        "spec.traffic.authorization.policy.matchExpressions[0]: 'reqeust' is not a variable "
        "agentgateway provides to an authorization rule (request phase): undeclared reference to "
        "'reqeust' (in container '')");
  CHECK(d.hint == "did you mean \"request\"?");
}

TEST_CASE("cel-type: a function agentgateway does not have is suggested the closest one") {
  Resolved r(Join({kGateway, Authorization("request.path.startswith('/a')")}));
  Diagnostic d = OnlyFinding(r);
  CHECK(d.message ==
        "spec.traffic.authorization.policy.matchExpressions[0]: 'startswith' is not a function "
        "agentgateway provides to an authorization rule (request phase): undeclared reference to "
        "'startswith' (in container '')");
  CHECK(d.hint == "did you mean \"startsWith\"?");
  CHECK(LineColumn(d) == r.After("- request.path."));
}

TEST_CASE("cel-type: jwt in tracing sampling is not available before routing") {
  Resolved r(Join({kGateway, Policy("authz", R"(  frontend:
    tracing:
      backendRef:
        name: otel
        port: 4317
      randomSampling: "jwt.sub == 'admin'"
)")}));
  Diagnostic d = OnlyFinding(r);
  CHECK(d.message ==
        "spec.frontend.tracing.randomSampling: jwt is not available to tracing sampling (frontend "
        "phase; it is set in the request, response, LLM request, MCP authorization and logging "
        "phases): undeclared reference to 'jwt' (in container '')");
  CHECK(LineColumn(d) == r.After("randomSampling: \""));
}

TEST_CASE("cel-type: llm in a rate limit descriptor entry is not available to the request") {
  Resolved r(Join({kGateway, Policy("authz", R"(  traffic:
    rateLimit:
      global:
        backendRef:
          name: rl
          port: 8081
        domain: api
        descriptors:
        - entries:
          - name: model
            expression: 'llm.requestModel'
          unit: Tokens
          cost: llm.outputTokens + llm.inputTokens
)")}));
  // The Tokens cost is evaluated with the LLM usage: only the entry is reported.
  Diagnostic d = OnlyFinding(r);
  CHECK(d.message ==
        "spec.traffic.rateLimit.global.descriptors[0].entries[0].expression: llm is not "
        "available to a rate limit descriptor entry (request phase; it is set in the response and "
        "logging phases): undeclared reference to 'llm' (in container '')");
  CHECK(LineColumn(d) == r.After("expression: '"));
}

TEST_CASE("cel-type: llmRequest in an access log field exists only during LLM policies") {
  Resolved r(Join({kGateway, Policy("authz", R"(  frontend:
    accessLog:
      attributes:
        add:
        - name: model
          expression: llmRequest.model
)")}));
  Diagnostic d = OnlyFinding(r);
  CHECK(d.message ==
        "spec.frontend.accessLog.attributes.add[0].expression: llmRequest is not available to an "
        "access log field (logging phase; it is set in the LLM request phase): undeclared "
        "reference to 'llmRequest' (in container '')");
}

TEST_CASE("cel-type: request in a network authorization rule does not exist on a connection") {
  Resolved r(Join({kGateway, Policy("authz", R"(  frontend:
    networkAuthorization:
      action: Allow
      policy:
        matchExpressions:
        - source.address.startsWith('10.') && request.path == '/'
)")}));
  Diagnostic d = OnlyFinding(r);
  CHECK(d.message ==
        "spec.frontend.networkAuthorization.policy.matchExpressions[0]: request is not available "
        "to a network authorization rule (network phase; it is set in the frontend, request, "
        "response, LLM request, MCP authorization and logging phases): undeclared reference to "
        "'request' (in container '')");
  CHECK(LineColumn(d) == r.After("&& "));
}

TEST_CASE("cel-type: a proxy field typo names the nested object") {
  Resolved r(Join({kGateway, Authorization("proxy.gateway.nmae == 'gw'")}));
  Diagnostic d = OnlyFinding(r);
  CHECK(d.message ==
        "spec.traffic.authorization.policy.matchExpressions[0]: proxy.gateway has no field 'nmae' "
        "in an authorization rule (request phase): undefined field 'nmae'");
  CHECK(d.hint == "did you mean \"name\"?");
}

TEST_CASE("cel-type: tracing resources see only env") {
  Resolved r(Join({kGateway, Policy("authz", R"(  frontend:
    tracing:
      backendRef:
        name: otel
        port: 4317
      resources:
      - name: service.name
        expression: backend.name
      - name: pod
        expression: env.podNam
)")}));
  std::vector<Diagnostic> found = r.Findings("cel-type");
  REQUIRE(found.size() == 2);
  CHECK(found[0].message ==
        "spec.frontend.tracing.resources[0].expression: backend is not available to a tracing "
        "resource (tracing resources phase; it is set in the request, response, LLM request, MCP "
        "authorization and logging phases): undeclared reference to 'backend' (in container '')");
  CHECK(found[1].message ==
        "spec.frontend.tracing.resources[1].expression: env has no field 'podNam' in a tracing "
        "resource (tracing resources phase): undefined field 'podNam'");
  CHECK(found[1].hint == "did you mean \"podName\"?");
}

TEST_CASE("cel-type: mcp in a route authorization rule exists only for MCP authorization") {
  Resolved r(Join({kGateway, Authorization("mcp.tool.name == 'echo'")}));
  Diagnostic d = OnlyFinding(r);
  CHECK(d.message ==
        "spec.traffic.authorization.policy.matchExpressions[0]: mcp is not available to an "
        "authorization rule (request phase; it is set in the MCP authorization and logging "
        "phases): undeclared reference to 'mcp' (in container '')");
}

TEST_CASE("cel-type: basicAuth has only a username, apiKey any claim") {
  Resolved r(
      Join({kGateway, Authorization("basicAuth.user == 'a' || apiKey.key.unredacted() == 'k' || "
                                    "apiKey.group == 'g'")}));
  Diagnostic d = OnlyFinding(r);
  CHECK(d.message ==
        "spec.traffic.authorization.policy.matchExpressions[0]: basicAuth has no field 'user' in "
        "an authorization rule (request phase): undefined field 'user'");
}

TEST_CASE("cel-type: extauthz metadata in tracing sampling is not available before routing") {
  Resolved r(Join({kGateway, Policy("authz", R"(  frontend:
    tracing:
      backendRef:
        name: otel
        port: 4317
      clientSampling: has(extauthz.sampled) || extauthz.sampled == true
)")}));
  // has() of a field of an absent variable is false, not an error; the second use fails.
  Diagnostic d = OnlyFinding(r);
  CHECK(d.message ==
        "spec.frontend.tracing.clientSampling: extauthz is not available to tracing sampling "
        "(frontend phase; it is set in the request, response, LLM request, MCP authorization and "
        "logging phases): undeclared reference to 'extauthz' (in container '')");
  CHECK(LineColumn(d) == r.After("|| "));
}

TEST_CASE("cel-type: response.code is a uint, so integer arithmetic on it fails") {
  Resolved r(Join({kGateway, Policy("authz", R"(  traffic:
    transformation:
      response:
        set:
        - name: x-class
          value: string(response.code / 100)
)")}));
  Diagnostic d = OnlyFinding(r);
  CHECK(d.message ==
        "spec.traffic.transformation.response.set[0].value: operator '/' does not apply to these "
        "operand types in a response transformation (response phase): found no matching overload "
        "for '_/_' applied to '(uint, int)'");
  CHECK(LineColumn(d) == r.After("response.code "));
}

TEST_CASE("cel-type: a field selected from a string says the expression does not type-check") {
  Resolved r(Join({kGateway, Authorization("request.path.length > 3")}));
  Diagnostic d = OnlyFinding(r);
  CHECK(d.message ==
        "spec.traffic.authorization.policy.matchExpressions[0]: an authorization rule (request "
        "phase) does not type-check: type 'string' does not support field selection");
  CHECK(LineColumn(d) == r.After("- request.path."));
}

TEST_CASE("cel-type: metadata and extproc in a request transformation are fine") {
  Resolved r(Join({kGateway, Policy("authz", R"(  traffic:
    transformation:
      request:
        metadata:
          tenant: jwt.tenant
        set:
        - name: x-tenant
          value: metadata.tenant + string(extproc.seen)
        body: 'toJson({"user": basicAuth.username})'
)")}));
  CHECK(r.Findings("cel-type").empty());
}

// ---------------------------------------------------------------------------------------------
// AgentgatewayBackend

TEST_CASE("cel-type: an AI transformation runs before the LLM response, so llm is missing") {
  Resolved r(Join({R"(apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata:
  name: ai
spec:
  ai:
    provider:
      openai:
        model: gpt-4o
  policies:
    ai:
      transformations:
      - field: user
        expression: llmRequest.model + llm.requestModel
    health:
      unhealthyCondition: response.code >= 500 || llm.outputTokens == 0u
)"}));
  Diagnostic d = OnlyFinding(r, "AgentgatewayBackend default/ai");
  CHECK(d.message ==
        "spec.policies.ai.transformations[0].expression: llm is not available to an AI "
        "transformation (LLM request phase; it is set in the response and logging phases): "
        "undeclared reference to 'llm' (in container '')");
  CHECK(LineColumn(d) == r.After("llmRequest.model + "));
}

TEST_CASE("cel-type: an MCP authorization rule sees mcp") {
  Resolved r(Join({R"(apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata:
  name: tools
spec:
  mcp:
    targets:
    - name: t
      static:
        host: tools.example.com
        port: 80
  policies:
    mcp:
      authorization:
        action: Allow
        policy:
          matchExpressions:
          - mcp.tool.name == 'echo' && jwt.sub == 'me'
          - mcp.tool.nam == 'x'
)"}));
  Diagnostic d = OnlyFinding(r, "AgentgatewayBackend default/tools");
  CHECK(d.message ==
        "spec.policies.mcp.authorization.policy.matchExpressions[1]: mcp.tool has no field 'nam' "
        "in an MCP authorization rule (MCP authorization phase): undefined field 'nam'");
}

// ---------------------------------------------------------------------------------------------
// what is not reported

TEST_CASE("cel-type: a policy with valid expressions in every phase has no finding") {
  Resolved r(Join({kGateway, Policy("authz", R"yaml(  frontend:
    networkAuthorization:
      action: Allow
      policy:
        matchExpressions:
        - cidr('10.0.0.0/8').containsIP(source.address) && destination.port == 443
    tracing:
      backendRef:
        name: otel
        port: 4317
      randomSampling: "request.headers['x-sample'] == 'yes' ? 1.0 : 0.01"
      clientSampling: default(proxy.listener.name, '') == 'http'
      attributes:
        add:
        - name: tokens
          expression: llm.inputTokens + llm.outputTokens
      resources:
      - name: pod
        expression: env.podName
    accessLog:
      filter: response.code >= 400 && request.endTime - request.startTime > duration('1s')
      attributes:
        add:
        - name: tool
          expression: mcp.tool.name
        - name: headers
          expression: flatten(request.headers.redacted())
    metrics:
      attributes:
        add:
        - name: cost
          expression: string(llm.cost.total * 100.0)
  traffic:
    authorization:
      action: Allow
      policy:
        matchExpressions:
        - jwt.groups.exists(g, g == 'admins') || apiKey.key.unredacted().size() > 8
        - request.uri.query('debug') == ['1'] && request.headers.cookie('s') != ''
        - json(request.body).with(b, b.user == basicAuth.username)
        - "{'a': 1}.mapValues(v, v + 1).filterKeys(k, k != 'b').size() == 1"
        - coalesce(jwt.tenant, extauthz.tenant, 'none') != 'blocked'
    transformation:
      response:
        add:
        - name: x-model
          value: "llm.responseModel + ' ' + string(response.code)"
)yaml")}));
  INFO(r.AllFindings());
  CHECK(r.Findings("cel-type").empty());
}

TEST_CASE("cel-type: an expression that does not parse is left to the controller's check") {
  Resolved r(Join({kGateway, Authorization("\"foolen_{{request.id}}\"")}));
  CHECK(r.Findings("cel-type").empty());
}

// ---------------------------------------------------------------------------------------------
// positions

TEST_CASE("cel-type: positions count escapes in quoted scalars and stay at a block scalar") {
  Resolved r(Join({kGateway, Policy("authz", R"(  traffic:
    authorization:
      action: Allow
      policy:
        matchExpressions:
        - 'request.path == ''/a'' && responce == 1'
        - "request.path == \"/b\" && responze == 2"
        - |
          request.path == '/c' &&
            responsx == 3
)")}));
  std::vector<Diagnostic> found = r.Findings("cel-type");
  REQUIRE(found.size() == 3);
  CHECK(LineColumn(found[0]) == r.After("'' && "));
  CHECK(LineColumn(found[1]) == r.After("\\\" && "));
  CHECK(LineColumn(found[2]) == r.After("responze == 2\"\n        - "));
  CHECK(found[0].hint == "did you mean \"response\"?");
}

TEST_CASE("ExpressionPosition moves along a plain scalar and not past a folded one") {
  validate::manifest::SourceFile file("f.yaml", "a: x + yy\nb: 'it''s + z'\nc: \"q\\u0041 + w\"\n");
  using internal::ExpressionPosition;
  validate::manifest::Position plain{&file, 1, 4};
  CHECK(ExpressionPosition(plain, "x + yy", 4).column == 8);
  CHECK(ExpressionPosition(plain, "z + 1", 4).column == 4);  // not the text on the line
  validate::manifest::Position single{&file, 2, 4};
  CHECK(ExpressionPosition(single, "it's + z", 7).column == 13);
  validate::manifest::Position unicode{&file, 3, 4};
  CHECK(ExpressionPosition(unicode, "qA + w", 5).column == 4);  // \u escapes are not followed
  CHECK(ExpressionPosition(plain, "x + yy", 40).column == 4);
}

// ---------------------------------------------------------------------------------------------
// agentgateway's own test inputs

// "<file>:<line>:<column>: <message>" of each cel-type finding in agentgateway's controller
// goldens and CRD cases (the inputs before "# Output"), files in name order.
std::vector<std::string> UpstreamFindings() {
  namespace fs = std::filesystem;
  fs::path base = fs::path(agw::test::kSharedDir) / "upstream-testdata";
  std::vector<fs::path> files;
  for (const char* root : {"agentgateway-plugins-goldens", "agentgateway-translator-goldens",
                           "agentgateway-crd-cases"}) {
    for (const auto& entry : fs::recursive_directory_iterator(base / root)) {
      if (entry.path().extension() == ".yaml") {
        files.push_back(entry.path());
      }
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> found;
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    std::string input = text.str().substr(0, text.str().find("\n# Output"));
    std::string name = fs::relative(file, base).string();
    validate::manifest::Manifest manifest;
    validate::manifest::DiagnosticSink sink;
    validate::manifest::LoadText(manifest, name, input, validate::manifest::LoadOptions{}, sink);
    validate::model::Model model = validate::model::Decode(manifest, sink);
    Resolution resolution = Resolve(model, ResolveOptions{});
    for (const Diagnostic& d : resolution.findings) {
      if (d.code == "cel-type") {
        found.push_back(d.position.ToString() + ": " + d.message);
      }
    }
  }
  return found;
}

// Each is a true positive: the expression fails whenever agentgateway evaluates it.
TEST_CASE("cel-type: agentgateway's own test inputs yield only real mistakes") {
  std::vector<std::string> expected = {
      "agentgateway-crd-cases/agentgateway_policy_valid.yaml:317:29: "
      "spec.traffic.transformation.request.add[0].value: request has no field 'id' in a request "
      "transformation (request phase): undefined field 'id'",
      "agentgateway-crd-cases/agentgateway_policy_valid.yaml:333:29: "
      "spec.traffic.transformation.request.body: operator '+' does not apply to these operand "
      "types in a request transformation (request phase): found no matching overload for '_+_' "
      "applied to '(bytes, string)'",
      "agentgateway-crd-cases/agentgateway_policy_valid.yaml:730:28: "
      "spec.traffic.transformation.response.add[0].value: 'duration' is not a variable "
      "agentgateway provides to a response transformation (response phase): undeclared reference "
      "to 'duration' (in container '')",
      // "agent-gateway" unquoted in CEL is agent minus gateway.
      "agentgateway-plugins-goldens/frontendpolicy/full.yaml:55:24: "
      "spec.frontend.tracing.resources[0].expression: 'agent' is not a variable agentgateway "
      "provides to a tracing resource (tracing resources phase): undeclared reference to 'agent' "
      "(in container '')",
      "agentgateway-plugins-goldens/frontendpolicy/full.yaml:55:30: "
      "spec.frontend.tracing.resources[0].expression: 'gateway' is not a variable agentgateway "
      "provides to a tracing resource (tracing resources phase): undeclared reference to "
      "'gateway' (in container '')",
      // json() parses a string or bytes; toJson() would serialize the map.
      "agentgateway-plugins-goldens/trafficpolicy/cel.yaml:22:16: "
      "spec.traffic.transformation.request.body: 'json' does not take these argument types in a "
      "request transformation (request phase): found no matching overload for 'json' applied to "
      "'(map(string, dyn))'",
      "agentgateway-plugins-goldens/trafficpolicy/cel.yaml:17:46: "
      "spec.traffic.transformation.response.add[0].value: response has no field 'complete_time' "
      "in a response transformation (response phase): undefined field 'complete_time'",
      "agentgateway-plugins-goldens/trafficpolicy/cel.yaml:17:81: "
      "spec.traffic.transformation.response.add[0].value: request has no field 'start_time' in a "
      "response transformation (response phase): undefined field 'start_time'",
      // The JWT claims are the top-level `jwt`, not a field of the request.
      "agentgateway-plugins-goldens/trafficpolicy/extproc.yaml:22:32: "
      "spec.traffic.extProc.metadataContext[envoy.filters.http.jwt_authn][jwt_payload]: request "
      "has no field 'jwt' in an extProc metadata context value (request phase): undefined field "
      "'jwt'",
  };
  CHECK(UpstreamFindings() == expected);
}

}  // namespace
}  // namespace agw::validate::resolve
