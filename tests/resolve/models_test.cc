// AgentgatewayModel (experimental): how models are decoded, attach to listeners and HTTPRoute
// rules, resolve their targets and references, and the status and findings the controller's
// behaviour gives them, with and without AGW_ENABLE_AGENTGATEWAY_MODELS.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/resolve/fixture.h"
#include "tests/resolve/manifests.h"
#include "validate/resolve/resolve.h"
#include "validate/resolve/status.h"

namespace agw::validate::resolve {
namespace {

using test::Describe;
using test::GatewayYaml;
using test::HttpListener;
using test::InputErrors;
using test::Join;
using test::LineColumn;
using test::Resolved;
using test::RouteYaml;
using validate::manifest::Diagnostic;
using validate::manifest::Severity;

using Strings = std::vector<std::string>;

ResolveOptions Models() {
  ResolveOptions options;
  options.strict_refs = true;
  options.enable_models = true;
  return options;
}

// An HTTP listener that admits AgentgatewayModels (and HTTPRoutes when `routes`).
std::string ModelListener(bool routes = false) {
  std::string kinds = "      - group: agentgateway.dev\n        kind: AgentgatewayModel\n";
  if (routes) {
    kinds += "      - kind: HTTPRoute\n";
  }
  return HttpListener("llm", 80, "    allowedRoutes:\n      kinds:\n" + kinds);
}

// An AgentgatewayModel `name` in the default namespace; `spec` as written under `spec:`.
std::string ModelYaml(std::string_view name, std::string_view spec) {
  return "apiVersion: agentgateway.dev/v1alpha1\nkind: AgentgatewayModel\nmetadata:\n  name: " +
         std::string(name) + "\nspec:\n" + std::string(spec);
}

// `spec` of an OpenAI model on listener `llm` of Gateway `gw`, plus `extra` spec fields.
std::string OnListener(std::string_view extra = "") {
  return "  parentRefs:\n  - name: gw\n    sectionName: llm\n  provider: OpenAI\n" +
         std::string(extra);
}

const RouteStatus& ModelStatus(const Resolved& r, std::string_view name) {
  for (const RouteStatus& s : r->status.models) {
    if (s.object->metadata.name == name) {
      return s;
    }
  }
  FAIL("no status for AgentgatewayModel " << name);
  throw;
}

std::string ParentConditions(const RouteStatus& status) {
  REQUIRE(status.parents.size() == 1);
  std::string text;
  for (const std::string& line : Describe(status.parents[0].conditions)) {
    text += line + "\n";
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// Decoding

TEST_CASE("An AgentgatewayModel is decoded with its targets policies and defaults") {
  Resolved r(Join({GatewayYaml(ModelListener()),
                   ModelYaml("gpt", OnListener("  policies:\n    transformations:\n"
                                               "    - field: model\n      expression: '\"x\"'\n"
                                               "    tunnel:\n      backendRef:\n"
                                               "        name: proxy\n        port: 8080\n")),
                   ModelYaml("fast",
                             "  parentRefs:\n  - name: gw\n  virtualModel:\n"
                             "    failover:\n      targets:\n"
                             "      - modelRef:\n          name: gpt\n"
                             "        priority: 2\n")}),
             Models(), InputErrors::kAllowed);
  REQUIRE(r.model().models.size() == 2);
  const validate::model::AgentgatewayModel& gpt = r.model().models[0];
  CHECK(gpt.provider == "OpenAI");
  CHECK(gpt.visibility == "Public");
  CHECK(gpt.MatchedModel() == "gpt");
  REQUIRE(gpt.parent_refs.size() == 1);
  CHECK(gpt.parent_refs[0].kind == "Gateway");
  CHECK(gpt.parent_refs[0].group == "gateway.networking.k8s.io");
  REQUIRE(gpt.policies);
  REQUIRE(gpt.policies->transformations.size() == 1);
  CHECK(gpt.policies->transformations[0].field == "model");
  CHECK(gpt.policies->backend.tunnel.has_value());
  const validate::model::AgentgatewayModel& fast = r.model().models[1];
  CHECK_FALSE(fast.provider);
  REQUIRE(fast.virtual_model);
  CHECK(fast.virtual_model->routing == "failover");
  REQUIRE(fast.virtual_model->targets.size() == 1);
  CHECK(fast.virtual_model->targets[0].model_ref == "gpt");
  CHECK(fast.virtual_model->targets[0].priority == 2);
  CHECK(fast.virtual_model->targets[0].path == "spec.virtualModel.failover.targets[0]");
}

// ---------------------------------------------------------------------------------------------
// With models disabled (the controller's default)

TEST_CASE("Without AGW_ENABLE_AGENTGATEWAY_MODELS a model gets no status and a warning") {
  ResolveOptions options;
  options.strict_refs = true;
  Resolved r(Join({GatewayYaml(ModelListener()), ModelYaml("gpt", OnListener())}), options);
  CHECK(r->status.models.empty());
  Diagnostic d = r.Finding("models-disabled");
  CHECK(d.severity == Severity::kWarning);
  CHECK(d.message ==
        "AgentgatewayModel is ignored: the controller translates AgentgatewayModel objects only "
        "when AGW_ENABLE_AGENTGATEWAY_MODELS=true");
  CHECK(d.resource == "AgentgatewayModel default/gpt");
  CHECK(LineColumn(d) == r.After("kind: AgentgatewayModel\nmetadata:\n  name: "));

  // The listener that lists the kind has an unsupported kind, and the finding says why.
  const ListenerStatus& listener = r.Gateway("gw").listeners.at(0);
  CHECK(listener.supported_kinds.empty());
  CHECK(Describe(*FindCondition(listener.conditions, "ResolvedRefs")) ==
        "ResolvedRefs False InvalidRouteKinds: Invalid route kinds");
  Diagnostic kinds = r.Finding("InvalidRouteKinds");
  CHECK(kinds.hint ==
        "AgentgatewayModel is supported only when the controller runs with "
        "AGW_ENABLE_AGENTGATEWAY_MODELS=true");
}

// ---------------------------------------------------------------------------------------------
// Listener attachment

TEST_CASE("A model on a listener that lists it is accepted and counted in attachedRoutes") {
  Resolved r(Join({GatewayYaml(ModelListener(/*routes=*/true)), ModelYaml("gpt", OnListener())}),
             Models());
  const RouteStatus& status = ModelStatus(r, "gpt");
  CHECK(ParentConditions(status) ==
        "Accepted True Accepted: Successfully accepted AgentgatewayModel\n"
        "ResolvedRefs True ResolvedRefs: \n");
  const StatusReference& ref = status.parents[0].parent_ref;
  CHECK(ref.group == "gateway.networking.k8s.io");
  CHECK(ref.kind == "Gateway");
  CHECK(ref.namespace_ == "default");
  CHECK(ref.section_name == "llm");
  const ListenerStatus& listener = r.Gateway("gw").listeners.at(0);
  CHECK(listener.attached_routes == 1);
  // The controller's order (HTTPRoute, then AgentgatewayModel), not the order listed.
  REQUIRE(listener.supported_kinds.size() == 2);
  CHECK(listener.supported_kinds[0].kind == "HTTPRoute");
  CHECK(listener.supported_kinds[1].kind == "AgentgatewayModel");
  CHECK(listener.supported_kinds[1].group == "agentgateway.dev");
  CHECK(r->findings.empty());
}

TEST_CASE("A listener that lists a route kind twice has invalid route kinds") {
  // GenerateSupportedKinds compares how many listed kinds it supports with how many are listed.
  Resolved r(GatewayYaml(HttpListener("web", 80,
                                      "    allowedRoutes:\n      kinds:\n      - kind: HTTPRoute\n"
                                      "      - kind: HTTPRoute\n")),
             Models());
  const ListenerStatus& listener = r.Gateway("gw").listeners.at(0);
  REQUIRE(listener.supported_kinds.size() == 1);
  CHECK(listener.supported_kinds[0].kind == "HTTPRoute");
  CHECK(Describe(*FindCondition(listener.conditions, "ResolvedRefs")) ==
        "ResolvedRefs False InvalidRouteKinds: Invalid route kinds");
}

TEST_CASE("A model on a listener that does not list it is not accepted") {
  Resolved r(Join({GatewayYaml(HttpListener("llm")), ModelYaml("gpt", OnListener())}), Models());
  CHECK(ParentConditions(ModelStatus(r, "gpt")) ==
        "Accepted False NotAllowedByListeners: kind agentgateway.dev/v1alpha1, "
        "Kind=AgentgatewayModel is not allowed\n"
        "ResolvedRefs True ResolvedRefs: \n");
  CHECK(r.Gateway("gw").listeners.at(0).attached_routes == 0);
  Diagnostic d = r.Finding("NotAllowedByListeners");
  CHECK(d.message ==
        "not accepted by Gateway default/gw: kind agentgateway.dev/v1alpha1, "
        "Kind=AgentgatewayModel is not allowed");
  CHECK(d.field_path == "spec.parentRefs[0]");
}

TEST_CASE("A model attaches whatever the listener's hostname and allowed namespaces say") {
  // The controller skips the hostname check for models, and allowedRoutes.namespaces with it.
  std::string listener =
      HttpListener("llm", 80,
                   "    hostname: api.example.com\n    allowedRoutes:\n      namespaces:\n"
                   "        from: Same\n      kinds:\n      - group: agentgateway.dev\n"
                   "        kind: AgentgatewayModel\n");
  std::string model =
      "apiVersion: agentgateway.dev/v1alpha1\nkind: AgentgatewayModel\nmetadata:\n"
      "  name: gpt\n  namespace: team\nspec:\n  parentRefs:\n  - name: gw\n"
      "    namespace: default\n  provider: OpenAI\n";
  Resolved r(Join({GatewayYaml(listener), model}), Models());
  CHECK(ParentConditions(ModelStatus(r, "gpt")) ==
        "Accepted True Accepted: Successfully accepted AgentgatewayModel\n"
        "ResolvedRefs True ResolvedRefs: \n");
  CHECK(r.Gateway("gw").listeners.at(0).attached_routes == 1);
}

// ---------------------------------------------------------------------------------------------
// Translation errors

TEST_CASE("A virtual model naming a missing model fails ResolvedRefs and points at the ref") {
  Resolved r(
      Join({GatewayYaml(ModelListener()), ModelYaml("fast",
                                                    "  parentRefs:\n  - name: gw\n  virtualModel:\n"
                                                    "    weighted:\n      targets:\n"
                                                    "      - modelRef:\n          name: gone\n")}),
      Models());
  CHECK(ParentConditions(ModelStatus(r, "fast")) ==
        "Accepted True Accepted: Successfully accepted AgentgatewayModel\n"
        "ResolvedRefs False Invalid: model target default/gone not found\n");
  Diagnostic d = r.Finding("Invalid");
  CHECK(d.message == "model target default/gone not found");
  CHECK(d.field_path == "spec.virtualModel.weighted.targets[0].modelRef");
  CHECK(LineColumn(d) == r.After("      - modelRef:\n          "));
}

TEST_CASE("A virtual model's target of a wildcard model must name the model to ask for") {
  Resolved r(Join({GatewayYaml(ModelListener()),
                   ModelYaml("all", OnListener("  match:\n    model: gpt-*\n")),
                   ModelYaml("fast",
                             "  parentRefs:\n  - name: gw\n  virtualModel:\n"
                             "    conditional:\n      targets:\n"
                             "      - modelRef:\n          name: all\n")}),
             Models());
  CHECK(ParentConditions(ModelStatus(r, "fast")) ==
        "Accepted True Accepted: Successfully accepted AgentgatewayModel\n"
        "ResolvedRefs False Invalid: model target default/all requires model when the referenced "
        "model uses a wildcard match.model\n");
  CHECK(ParentConditions(ModelStatus(r, "all")) ==
        "Accepted True Accepted: Successfully accepted AgentgatewayModel\n"
        "ResolvedRefs True ResolvedRefs: \n");
}

TEST_CASE("A failover target must be a model with a provider") {
  Resolved r(Join({GatewayYaml(ModelListener()),
                   ModelYaml("inner",
                             "  parentRefs:\n  - name: gw\n  virtualModel:\n    weighted:\n"
                             "      targets:\n      - modelRef:\n          name: outer\n"
                             "        model: x\n"),
                   ModelYaml("outer",
                             "  parentRefs:\n  - name: gw\n  virtualModel:\n    failover:\n"
                             "      targets:\n      - modelRef:\n          name: inner\n"
                             "        model: x\n        priority: 0\n")}),
             Models());
  CHECK(ParentConditions(ModelStatus(r, "outer")) ==
        "Accepted True Accepted: Successfully accepted AgentgatewayModel\n"
        "ResolvedRefs False Invalid: failover target default/inner is not a concrete provider "
        "model\n");
}

TEST_CASE("A model's policies resolve like a backend's and their errors are joined") {
  Resolved r(Join({GatewayYaml(ModelListener()),
                   ModelYaml("gpt", OnListener("  policies:\n    tunnel:\n      backendRef:\n"
                                               "        name: proxy\n        port: 8080\n"
                                               "    auth:\n      secretRef:\n"
                                               "        name: openai\n"))}),
             Models());
  CHECK(ParentConditions(ModelStatus(r, "gpt")) ==
        "Accepted True Accepted: Successfully accepted AgentgatewayModel\n"
        "ResolvedRefs False Invalid: unable to find the Service default/proxy\n"
        "secret default/openai not found\n");
}

TEST_CASE("A bad transformation fails before the provider is looked at") {
  Resolved r(Join({GatewayYaml(ModelListener()),
                   ModelYaml("gpt", OnListener("  policies:\n    transformations:\n"
                                               "    - field: max_tokens\n"
                                               "      expression: '1 +'\n"))}),
             Models());
  CHECK(ParentConditions(ModelStatus(r, "gpt")) ==
        "Accepted True Accepted: Successfully accepted AgentgatewayModel\n"
        "ResolvedRefs False Invalid: transformation \"max_tokens\" is not a valid CEL "
        "expression: 1 +\n");
  Diagnostic d = r.Finding("Invalid");
  CHECK(d.field_path == "spec.policies.transformations[0].expression");
}

TEST_CASE("A custom provider's Service must exist") {
  Resolved r(Join({GatewayYaml(ModelListener()),
                   ModelYaml("llama",
                             "  parentRefs:\n  - name: gw\n  provider: Custom\n"
                             "  custom:\n    backendRef:\n      name: vllm\n"
                             "      port: 8000\n    formats:\n"
                             "    - type: Completions\n")}),
             Models());
  CHECK(ParentConditions(ModelStatus(r, "llama")) ==
        "Accepted True Accepted: Successfully accepted AgentgatewayModel\n"
        "ResolvedRefs False Invalid: backend(vllm.default.svc.cluster.local) not found\n");
}

TEST_CASE("A base URL the controller refuses fails ResolvedRefs") {
  Resolved r(Join({GatewayYaml(ModelListener()),
                   ModelYaml("gpt", OnListener("  baseURL: https://0x7f.1/v1\n"))}),
             Models(), InputErrors::kAllowed);
  CHECK(ParentConditions(ModelStatus(r, "gpt")) ==
        "Accepted True Accepted: Successfully accepted AgentgatewayModel\n"
        "ResolvedRefs False Invalid: baseURL cannot use an ambiguous IP address\n");
}

TEST_CASE("Without an accepting parent the model's translation errors stay out of its status") {
  Resolved r(Join({GatewayYaml(HttpListener("llm")),
                   ModelYaml("fast",
                             "  parentRefs:\n  - name: gw\n  virtualModel:\n"
                             "    weighted:\n      targets:\n"
                             "      - modelRef:\n          name: gone\n")}),
             Models());
  CHECK(ParentConditions(ModelStatus(r, "fast")) ==
        "Accepted False NotAllowedByListeners: kind agentgateway.dev/v1alpha1, "
        "Kind=AgentgatewayModel is not allowed\n"
        "ResolvedRefs True ResolvedRefs: \n");
  CHECK(r.Findings("Invalid").empty());
}

// ---------------------------------------------------------------------------------------------
// HTTPRoute parents and model-serving rules

const std::string kServingRoute =
    RouteYaml("HTTPRoute", "models",
              "  parentRefs:\n  - name: gw\n  rules:\n  - name: serve\n    matches:\n    - path:\n"
              "        type: PathPrefix\n        value: /v1\n    backendRefs:\n"
              "    - group: agentgateway.dev\n      kind: AgentgatewayModel\n      name: \"*\"\n");

const std::string kRouteParent =
    "  parentRefs:\n  - group: gateway.networking.k8s.io\n    kind: HTTPRoute\n"
    "    name: models\n  provider: OpenAI\n";

TEST_CASE("A model behind a model-serving HTTPRoute rule is accepted there and not counted") {
  Resolved r(
      Join({GatewayYaml(HttpListener("web")), kServingRoute, ModelYaml("gpt", kRouteParent)}),
      Models());
  const RouteStatus& status = ModelStatus(r, "gpt");
  CHECK(ParentConditions(status) ==
        "Accepted True Accepted: Successfully accepted AgentgatewayModel\n"
        "ResolvedRefs True ResolvedRefs: \n");
  CHECK(status.parents[0].parent_ref.kind == "HTTPRoute");
  CHECK_FALSE(status.parents[0].parent_ref.section_name);
  CHECK(r.Gateway("gw").listeners.at(0).attached_routes == 1);  // the route only
  CHECK(Describe(r.Route("HTTPRoute", "models").parents.at(0).conditions) ==
        Strings{"Accepted True Accepted: ", "ResolvedRefs True ResolvedRefs: "});
}

TEST_CASE("A model-serving rule with another backend fails and so does its model") {
  std::string route =
      RouteYaml("HTTPRoute", "models",
                "  parentRefs:\n  - name: gw\n  rules:\n  - backendRefs:\n"
                "    - group: agentgateway.dev\n      kind: AgentgatewayModel\n      name: \"*\"\n"
                "    - name: web\n      port: 80\n");
  Resolved r(Join({GatewayYaml(HttpListener("web")), route, ModelYaml("gpt", kRouteParent)}),
             Models());
  std::string message =
      "model-serving HTTPRoute rule must have exactly one AgentgatewayModel backendRef and no "
      "other backends";
  CHECK(Describe(r.Route("HTTPRoute", "models").parents.at(0).conditions) ==
        Strings{"Accepted True Accepted: ", "ResolvedRefs False InvalidKind: " + message});
  CHECK(ParentConditions(ModelStatus(r, "gpt")) ==
        "Accepted False NoMatchingParent: " + message + "\nResolvedRefs True ResolvedRefs: \n");
}

TEST_CASE("A model's HTTPRoute parent must name a rule when the route has several") {
  std::string route = RouteYaml(
      "HTTPRoute", "models",
      "  parentRefs:\n  - name: gw\n  rules:\n  - name: a\n    backendRefs:\n"
      "    - group: agentgateway.dev\n      kind: AgentgatewayModel\n      name: \"*\"\n"
      "  - name: b\n    backendRefs:\n"
      "    - group: agentgateway.dev\n      kind: AgentgatewayModel\n      name: \"*\"\n");
  std::string model =
      "  parentRefs:\n  - group: gateway.networking.k8s.io\n    kind: HTTPRoute\n"
      "    name: models\n  - group: gateway.networking.k8s.io\n    kind: HTTPRoute\n"
      "    name: models\n    sectionName: c\n  provider: OpenAI\n";
  Resolved r(Join({GatewayYaml(HttpListener("web")), route, ModelYaml("gpt", model)}), Models());
  // One parent object: both parentRefs share its conditions, the last refusal winning.
  const RouteStatus& status = ModelStatus(r, "gpt");
  REQUIRE(status.parents.size() == 2);
  for (const RouteParentStatus& parent : status.parents) {
    CHECK(Describe(parent.conditions) ==
          Strings{"Accepted False NoMatchingParent: HTTPRoute rule \"c\" not found",
                  "ResolvedRefs True ResolvedRefs: "});
  }
}

TEST_CASE("A root model-serving route conflicts with models attached to its listener") {
  std::string route = RouteYaml(
      "HTTPRoute", "models",
      "  parentRefs:\n  - name: gw\n  rules:\n  - backendRefs:\n"
      "    - group: agentgateway.dev\n      kind: AgentgatewayModel\n      name: \"*\"\n");
  Resolved r(Join({GatewayYaml(ModelListener(/*routes=*/true)), route,
                   ModelYaml("direct", OnListener()), ModelYaml("behind", kRouteParent)}),
             Models());
  std::string message =
      "root model-serving HTTPRoute conflicts with directly attached models on listeners: "
      "default/gw.llm";
  CHECK(Describe(r.Route("HTTPRoute", "models").parents.at(0).conditions) ==
        Strings{"Accepted True Accepted: ", "ResolvedRefs False ModelRoutingConflict: " + message});
  CHECK(ParentConditions(ModelStatus(r, "behind")) ==
        "Accepted False NoMatchingParent: " + message + "\nResolvedRefs True ResolvedRefs: \n");
  CHECK(ParentConditions(ModelStatus(r, "direct")) ==
        "Accepted True Accepted: Successfully accepted AgentgatewayModel\n"
        "ResolvedRefs True ResolvedRefs: \n");
  CHECK(r.Gateway("gw").listeners.at(0).attached_routes == 2);
}

TEST_CASE("Model-serving rules are checked even with models disabled") {
  std::string route =
      RouteYaml("HTTPRoute", "models",
                "  parentRefs:\n  - name: gw\n  rules:\n  - backendRefs:\n"
                "    - group: agentgateway.dev\n      kind: AgentgatewayModel\n      name: gpt\n");
  ResolveOptions options;
  options.strict_refs = true;
  Resolved r(Join({GatewayYaml(HttpListener("web")), route}), options);
  CHECK(Describe(r.Route("HTTPRoute", "models").parents.at(0).conditions) ==
        Strings{"Accepted True Accepted: ",
                "ResolvedRefs False InvalidKind: model-serving HTTPRoute backendRef name must be "
                "\"*\""});
  Diagnostic d = r.Finding("InvalidKind");
  CHECK(d.field_path == "spec.rules[0].backendRefs[0].name");
  CHECK(LineColumn(d) == r.After("      name: "));
}

}  // namespace
}  // namespace agw::validate::resolve
