// Behaviour of validate::resolve::Resolve on small in-memory manifest sets: which Gateways the
// controller owns, how routes attach, what backendRefs, filters, backends and policies resolve to,
// the status written for each, and the findings (with the field and place they point at).

#include "validate/resolve/resolve.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/resolve/fixture.h"
#include "tests/resolve/manifests.h"
#include "validate/resolve/status.h"

namespace agw::validate::resolve {
namespace {

using test::BackendRule;
using test::ConditionOf;
using test::Describe;
using test::GatewayClassYaml;
using test::GatewayYaml;
using test::HttpListener;
using test::HttpRoute;
using test::InputErrors;
using test::Join;
using test::kGateway;
using test::kRulesToSvc;
using test::kService;
using test::kTwoListenerGateway;
using test::LineColumn;
using test::NamespaceYaml;
using test::ParentRefs;
using test::Resolved;
using test::RouteYaml;
using test::ServiceReferenceGrant;
using test::ServiceYaml;
using validate::manifest::Diagnostic;
using validate::manifest::Severity;

using Strings = std::vector<std::string>;

ResolveOptions Strict() {
  ResolveOptions options;
  options.strict_refs = true;
  return options;
}

const std::string kRouteToSvc = HttpRoute(ParentRefs() + kRulesToSvc);

// ---------------------------------------------------------------------------------------------
// Which Gateways are ours

TEST_CASE(
    "A Gateway of a class neither in the manifest set nor implied gets no status and an info "
    "finding") {
  Resolved r(Join({GatewayYaml(HttpListener(), "istio"), kRouteToSvc, kService}));
  CHECK(r->status.gateways.empty());
  CHECK(r->config.listeners.empty());
  CHECK(r->status.routes.empty());  // its routes have no parent the controller owns
  Diagnostic d = r.Finding("foreign-gateway-class");
  CHECK(d.severity == Severity::kInfo);
  CHECK(d.message ==
        "GatewayClass \"istio\" is not in the manifest set and is not an agentgateway class: "
        "the agentgateway controller ignores this Gateway");
  CHECK(d.field_path == "spec.gatewayClassName");
  CHECK(d.resource == "Gateway default/gw");
  CHECK(d.hint == "pass --gateway-class istio if this class belongs to agentgateway");
  CHECK(LineColumn(d) == r.After("gatewayClassName: "));
}

TEST_CASE("A Gateway of an implied class gets status") {
  ResolveOptions options;
  options.implied_gateway_classes = {"enterprise-agentgateway"};
  Resolved r(Join({GatewayYaml(HttpListener(), "enterprise-agentgateway"), kRouteToSvc, kService}),
             options);
  CHECK(r.Findings("foreign-gateway-class").empty());
  const GatewayStatus& gw = r.Gateway("gw");
  CHECK(Describe(gw.conditions) ==
        Strings{"Accepted True Accepted: ",
                "Programmed True Programmed: Successfully programmed Gateway"});
  REQUIRE(gw.listeners.size() == 1);
  CHECK(gw.listeners[0].attached_routes == 1);
  CHECK(r->status.gateway_classes.empty());  // no GatewayClass object to write status on
}

TEST_CASE("The default implied class is no longer implied when the options replace it") {
  ResolveOptions options;
  options.implied_gateway_classes = {"enterprise-agentgateway"};
  Resolved r(Join({kGateway}), options);
  CHECK(r->status.gateways.empty());
  CHECK(r.Finding("foreign-gateway-class").field_path == "spec.gatewayClassName");
}

TEST_CASE(
    "A GatewayClass object with another controllerName makes its Gateways foreign, even under an "
    "implied name") {
  Resolved r(Join({GatewayClassYaml("agentgateway", "example.com/other-controller"), kGateway}));
  CHECK(r->status.gateways.empty());
  CHECK(r->status.gateway_classes.empty());
  Diagnostic d = r.Finding("foreign-gateway-class");
  CHECK(d.severity == Severity::kInfo);
  CHECK(d.message ==
        "GatewayClass \"agentgateway\" belongs to controller \"example.com/other-controller\": "
        "the agentgateway controller ignores this Gateway");
  CHECK(d.resource == "Gateway default/gw");
  CHECK(LineColumn(d) == r.After("gatewayClassName: "));
}

TEST_CASE(
    "A GatewayClass object with our controllerName is accepted, whatever its name, and owns its "
    "Gateways") {
  Resolved r(Join({GatewayClassYaml("my-class", "agentgateway.dev/agentgateway"),
                   GatewayYaml(HttpListener(), "my-class")}));
  REQUIRE(r->status.gateway_classes.size() == 1);
  const GatewayClassStatus& gc = r->status.gateway_classes[0];
  CHECK(gc.object->metadata.name == "my-class");
  CHECK(Describe(gc.conditions) ==
        Strings{"Accepted True Accepted: GatewayClass accepted by agentgateway controller"});
  CHECK(test::Describe(r.Gateway("gw").conditions)[0] == "Accepted True Accepted: ");
  CHECK(r.Findings("foreign-gateway-class").empty());
}

// ---------------------------------------------------------------------------------------------
// Route attachment

TEST_CASE(
    "A parentRef whose sectionName names no listener is not accepted, with NoMatchingParent at the "
    "sectionName") {
  Resolved r(Join({kGateway, kService,
                   HttpRoute(ParentRefs("  - name: gw\n    sectionName: x\n") + kRulesToSvc)}));
  const RouteStatus& route = r.Route("HTTPRoute", "web");
  REQUIRE(route.parents.size() == 1);
  CHECK(route.parents[0].parent_ref.section_name == std::optional<std::string>("x"));
  CHECK(route.parents[0].controller_name == "agentgateway.dev/agentgateway");
  CHECK(Describe(route.parents[0].conditions) ==
        Strings{"Accepted False NoMatchingParent: sectionName \"x\" not found",
                "ResolvedRefs True ResolvedRefs: "});
  Diagnostic d = r.Finding("NoMatchingParent");
  CHECK(d.severity == Severity::kError);
  CHECK(d.message == "not accepted by Gateway default/gw: sectionName \"x\" not found");
  CHECK(d.field_path == "spec.parentRefs[0].sectionName");
  CHECK(d.resource == "HTTPRoute default/web");
  CHECK(LineColumn(d) == r.After("sectionName: "));
  CHECK(r.Gateway("gw").listeners[0].attached_routes == 0);
  CHECK(r.Listener("default/gw.http").routes.empty());
}

TEST_CASE(
    "A parentRef whose port matches no listener is not accepted, with NoMatchingParent at the "
    "port") {
  Resolved r(Join(
      {kGateway, kService, HttpRoute(ParentRefs("  - name: gw\n    port: 8080\n") + kRulesToSvc)}));
  const RouteStatus& route = r.Route("HTTPRoute", "web");
  REQUIRE(route.parents.size() == 1);
  CHECK(route.parents[0].parent_ref.port == std::optional<std::int32_t>(8080));
  CHECK(Describe(route.parents[0].conditions)[0] ==
        "Accepted False NoMatchingParent: port 8080 not found");
  Diagnostic d = r.Finding("NoMatchingParent");
  CHECK(d.message == "not accepted by Gateway default/gw: port 8080 not found");
  CHECK(d.field_path == "spec.parentRefs[0].port");
  CHECK(LineColumn(d) == r.After("name: gw\n    port: "));
}

TEST_CASE("A route whose hostnames do not overlap the listener's is NoMatchingListenerHostname") {
  Resolved r(Join({GatewayYaml(HttpListener("http", 80, "    hostname: a.example.com\n")), kService,
                   HttpRoute(ParentRefs() + "  hostnames:\n  - b.example.com\n" + kRulesToSvc)}));
  const RouteStatus& route = r.Route("HTTPRoute", "web");
  REQUIRE(route.parents.size() == 1);
  CHECK(Describe(route.parents[0].conditions)[0] ==
        "Accepted False NoMatchingListenerHostname: no hostnames matched parent hostname "
        "\"a.example.com\"");
  Diagnostic d = r.Finding("NoMatchingListenerHostname");
  CHECK(d.message ==
        "not accepted by Gateway default/gw: no hostnames matched parent hostname "
        "\"a.example.com\"");
  CHECK(d.field_path == "spec.parentRefs[0]");
}

TEST_CASE("A wildcard listener hostname accepts a route hostname under it") {
  Resolved r(
      Join({GatewayYaml(HttpListener("http", 80, "    hostname: \"*.example.com\"\n")), kService,
            HttpRoute(ParentRefs() + "  hostnames:\n  - api.example.com\n" + kRulesToSvc)}));
  CHECK(Describe(r.Route("HTTPRoute", "web").parents[0].conditions)[0] ==
        "Accepted True Accepted: ");
}

TEST_CASE(
    "A route in a namespace the listener does not allow is NotAllowedByListeners, not a hostname "
    "mismatch") {
  Resolved r(
      Join({kGateway, RouteYaml("HTTPRoute", "web",
                                ParentRefs("  - name: gw\n    namespace: default\n") + kRulesToSvc,
                                "apps")}));
  const RouteStatus& route = r.Route("HTTPRoute", "web");
  REQUIRE(route.parents.size() == 1);
  CHECK(route.parents[0].parent_ref.namespace_ == std::optional<std::string>("default"));
  CHECK(Describe(route.parents[0].conditions)[0] ==
        "Accepted False NotAllowedByListeners: hostnames matched parent hostname \"\", but "
        "namespace \"apps\" is not allowed by the parent");
  Diagnostic d = r.Finding("NotAllowedByListeners");
  CHECK(d.message ==
        "not accepted by Gateway default/gw: hostnames matched parent hostname \"\", but "
        "namespace \"apps\" is not allowed by the parent");
  CHECK(d.field_path == "spec.parentRefs[0]");
  CHECK(d.resource == "HTTPRoute apps/web");
  CHECK(LineColumn(d) == r.After("  parentRefs:\n  - "));
}

TEST_CASE(
    "allowedRoutes from Selector admits the namespaces whose labels match, including the implicit "
    "name label") {
  std::string namespaces =
      Join({NamespaceYaml("team-a", "    team: a\n"), NamespaceYaml("team-b")});
  auto gateway = [](std::string_view selector) {
    return GatewayYaml(HttpListener("http", 80,
                                    "    allowedRoutes:\n      namespaces:\n        from: "
                                    "Selector\n        selector:\n          matchLabels:\n" +
                                        std::string(selector)));
  };
  auto route = [](std::string_view ns) {
    return RouteYaml("HTTPRoute", "web", ParentRefs("  - name: gw\n    namespace: default\n"), ns);
  };
  SECTION("by a label of the Namespace object") {
    Resolved r(
        Join({namespaces, gateway("            team: a\n"), route("team-a"), route("team-b")}));
    REQUIRE(r->status.routes.size() == 2);
    for (const RouteStatus& s : r->status.routes) {
      INFO(s.object->metadata.namespace_);
      std::string accepted = Describe(s.parents.at(0).conditions.at(0));
      if (s.object->metadata.namespace_ == "team-a") {
        CHECK(accepted == "Accepted True Accepted: ");
      } else {
        CHECK(accepted ==
              "Accepted False NotAllowedByListeners: hostnames matched parent hostname \"\", but "
              "namespace \"team-b\" is not allowed by the parent");
      }
    }
    CHECK(r.Gateway("gw").listeners[0].attached_routes == 1);
  }
  SECTION("by kubernetes.io/metadata.name, which every Namespace has") {
    Resolved r(Join({namespaces, gateway("            kubernetes.io/metadata.name: team-b\n"),
                     route("team-a"), route("team-b")}));
    for (const RouteStatus& s : r->status.routes) {
      INFO(s.object->metadata.namespace_);
      CHECK(s.parents.at(0).conditions.at(0).is_true() ==
            (s.object->metadata.namespace_ == "team-b"));
    }
  }
  SECTION("a selector no Namespace matches admits nothing, not even the Gateway's namespace") {
    Resolved r(Join({namespaces, gateway("            team: z\n"), route("default")}));
    CHECK(Describe(r.Route("HTTPRoute", "web").parents.at(0).conditions.at(0)) ==
          "Accepted False NotAllowedByListeners: hostnames matched parent hostname \"\", but "
          "namespace \"default\" is not allowed by the parent");
  }
}

TEST_CASE(
    "A GRPCRoute cannot attach to a listener whose allowedRoutes.kinds lists only HTTPRoute") {
  Resolved r(Join({GatewayYaml(HttpListener(
                       "http", 80, "    allowedRoutes:\n      kinds:\n      - kind: HTTPRoute\n")),
                   kService, RouteYaml("GRPCRoute", "grpc", ParentRefs() + kRulesToSvc)}));
  const ListenerStatus& listener = r.Gateway("gw").listeners.at(0);
  REQUIRE(listener.supported_kinds.size() == 1);
  CHECK(listener.supported_kinds[0].group == "gateway.networking.k8s.io");
  CHECK(listener.supported_kinds[0].kind == "HTTPRoute");
  CHECK(listener.attached_routes == 0);
  CHECK(Describe(ConditionOf(listener.conditions, "ResolvedRefs")) ==
        "ResolvedRefs True ResolvedRefs: No errors found");
  const RouteStatus& route = r.Route("GRPCRoute", "grpc");
  REQUIRE(route.parents.size() == 1);
  CHECK(Describe(route.parents[0].conditions)[0] ==
        "Accepted False NotAllowedByListeners: kind gateway.networking.k8s.io/v1, "
        "Kind=GRPCRoute is not allowed");
  Diagnostic d = r.Finding("NotAllowedByListeners");
  CHECK(d.resource == "GRPCRoute default/grpc");
  CHECK(d.field_path == "spec.parentRefs[0]");
}

TEST_CASE("Two parentRefs to one Gateway get identical conditions, aggregated over its listeners") {
  Resolved r(Join({kTwoListenerGateway, kService,
                   HttpRoute(ParentRefs("  - name: gw\n    sectionName: http\n"
                                        "  - name: gw\n    sectionName: missing\n") +
                             kRulesToSvc)}));
  const RouteStatus& route = r.Route("HTTPRoute", "web");
  REQUIRE(route.parents.size() == 2);
  // Sorted by group/kind/name/section: "http" before "missing".
  CHECK(route.parents[0].parent_ref.section_name == std::optional<std::string>("http"));
  CHECK(route.parents[1].parent_ref.section_name == std::optional<std::string>("missing"));
  CHECK(route.parents[0].conditions == route.parents[1].conditions);
  CHECK(Describe(route.parents[0].conditions) ==
        Strings{"Accepted True Accepted: ", "ResolvedRefs True ResolvedRefs: "});
  CHECK(r.Findings("NoMatchingParent").empty());
  const GatewayStatus& gw = r.Gateway("gw");
  CHECK(gw.listeners[0].attached_routes == 1);
  CHECK(gw.listeners[1].attached_routes == 0);
}

TEST_CASE("attachedRoutes counts each route once per listener it is accepted on") {
  Resolved r(Join(
      {kTwoListenerGateway, kService,
       RouteYaml("HTTPRoute", "everywhere",
                 ParentRefs("  - name: gw\n    sectionName: http\n"
                            "  - name: gw\n    sectionName: admin\n")),
       RouteYaml("HTTPRoute", "admin-only", ParentRefs("  - name: gw\n    port: 9000\n")),
       RouteYaml("HTTPRoute", "nowhere", ParentRefs("  - name: gw\n    sectionName: nope\n"))}));
  const GatewayStatus& gw = r.Gateway("gw");
  REQUIRE(gw.listeners.size() == 2);
  CHECK(gw.listeners[0].name == "http");
  CHECK(gw.listeners[0].attached_routes == 1);
  CHECK(gw.listeners[1].name == "admin");
  CHECK(gw.listeners[1].attached_routes == 2);
  nlohmann::ordered_json json = ToJson(gw);
  CHECK(json["listeners"][0]["attachedRoutes"] == 1);
  CHECK(json["listeners"][1]["attachedRoutes"] == 2);
}

TEST_CASE("A route whose two parentRefs reach the same listener is programmed there once",
          "[!mayfail]") {
  // The controller keys routes by "<ns>/<route>.<NN>.<listener>": one route per listener.
  Resolved r(Join({kGateway, kService,
                   HttpRoute(ParentRefs("  - name: gw\n  - name: gw\n    sectionName: http\n") +
                             kRulesToSvc)}),
             {}, InputErrors::kAllowed);
  // The HTTPRoute CRD's rule refuses this pair; the controller still sees it with older CRDs.
  REQUIRE(r.decode_findings().size() == 1);
  CHECK(r.decode_findings()[0].message.ends_with(
      "sectionName must be specified when parentRefs includes 2 or more references to the same "
      "parent"));
  CHECK(r.Gateway("gw").listeners[0].attached_routes == 1);
  CHECK(r.Listener("default/gw.http").routes.size() == 1);
}

TEST_CASE("A route to a Gateway missing from the manifest set gets no parent status") {
  SECTION("strict: it attaches to nothing, which is a warning") {
    Resolved r(Join({kRouteToSvc, kService}), Strict());
    CHECK_FALSE(r.HasRouteStatus("web"));
    Diagnostic d = r.Finding("parent-not-found");
    CHECK(d.severity == Severity::kWarning);
    CHECK(d.message ==
          "Gateway default/gw not found: this parentRef attaches the route to nothing");
    CHECK(d.field_path == "spec.parentRefs[0].name");
    CHECK(LineColumn(d) == r.After("parentRefs:\n  - name: "));
  }
  SECTION("not strict: assumed to exist on the cluster") {
    Resolved r(Join({kRouteToSvc, kService}));
    CHECK_FALSE(r.HasRouteStatus("web"));
    Diagnostic d = r.Finding("not-in-manifest-set");
    CHECK(d.message ==
          "Gateway default/gw is not in the manifest set; assuming it exists on the cluster");
    CHECK(r.Findings("parent-not-found").empty());
  }
}

// ---------------------------------------------------------------------------------------------
// backendRefs

const std::string kRouteToMissing =
    HttpRoute(ParentRefs() + BackendRule("    - name: missing\n      port: 8080\n"));

TEST_CASE(
    "With strict refs a missing Service is BackendNotFound, and the route is still programmed") {
  Resolved r(Join({kGateway, kRouteToMissing}), Strict());
  const RouteStatus& route = r.Route("HTTPRoute", "web");
  CHECK(Describe(route.parents.at(0).conditions) ==
        Strings{"Accepted True Accepted: ",
                "ResolvedRefs False BackendNotFound: backend(missing.default.svc.cluster.local) "
                "not found"});
  Diagnostic d = r.Finding("BackendNotFound");
  CHECK(d.severity == Severity::kError);
  CHECK(d.message == "backend(missing.default.svc.cluster.local) not found");
  CHECK(d.field_path == "spec.rules[0].backendRefs[0].name");
  CHECK(d.hint == "requests that pick this backend get HTTP 500");
  CHECK(LineColumn(d) == r.After("    - name: "));
  const ResolvedListener& listener = r.Listener("default/gw.http");
  REQUIRE(listener.routes.size() == 1);
  REQUIRE(listener.routes[0].rules.size() == 1);
  const ResolvedRule& rule = listener.routes[0].rules[0];
  CHECK(rule.key == "default/web.00.http");
  REQUIRE(rule.backends.size() == 1);
  CHECK(rule.backends[0].kind == ResolvedBackend::Kind::kInvalid);
  CHECK(rule.backends[0].problem == "backend(missing.default.svc.cluster.local) not found");
  CHECK(r.Findings("not-in-manifest-set").empty());
}

TEST_CASE("With strict refs a missing AgentgatewayBackend is BackendNotFound") {
  Resolved r(
      Join({kGateway,
            HttpRoute(ParentRefs() + BackendRule("    - name: llm\n      group: agentgateway.dev\n"
                                                 "      kind: AgentgatewayBackend\n"))}),
      Strict());
  CHECK(Describe(r.Route("HTTPRoute", "web").parents.at(0).conditions.at(1)) ==
        "ResolvedRefs False BackendNotFound: Backend not found: default/llm");
  CHECK(r.Finding("BackendNotFound").field_path == "spec.rules[0].backendRefs[0].name");
  CHECK(r.Listener("default/gw.http").routes.size() == 1);
}

TEST_CASE("Without strict refs a missing Service is a not-in-manifest-set warning and resolves") {
  Resolved r(Join({kGateway, kRouteToMissing}));
  CHECK(Describe(r.Route("HTTPRoute", "web").parents.at(0).conditions) ==
        Strings{"Accepted True Accepted: ", "ResolvedRefs True ResolvedRefs: "});
  Diagnostic d = r.Finding("not-in-manifest-set");
  CHECK(d.severity == Severity::kWarning);
  CHECK(d.message ==
        "Service default/missing is not in the manifest set; assuming it exists on the cluster");
  CHECK(d.field_path == "spec.rules[0].backendRefs[0].name");
  CHECK(LineColumn(d) == r.After("    - name: "));
  CHECK(r.Findings("BackendNotFound").empty());
  const ResolvedRule& rule = r.Listener("default/gw.http").routes.at(0).rules.at(0);
  REQUIRE(rule.backends.size() == 1);
  CHECK(rule.backends[0].kind == ResolvedBackend::Kind::kService);
  CHECK(rule.backends[0].service == nullptr);
}

TEST_CASE(
    "A Service backendRef named by hostname is a hard BackendError that drops the route's rules") {
  Resolved r(Join(
      {kGateway, HttpRoute(ParentRefs() + BackendRule("    - name: svc.default.svc.cluster.local\n"
                                                      "      port: 8080\n"))}));
  const std::string message =
      "failed to build backend destination: &{Accepted False UnsupportedValue service name "
      "invalid; the name of the Service must be used, not the hostname.}";
  CHECK(Describe(r.Route("HTTPRoute", "web").parents.at(0).conditions) ==
        Strings{"Accepted True Accepted: ", "ResolvedRefs False BackendError: " + message});
  Diagnostic d = r.Finding("BackendError");
  CHECK(d.message == message);
  CHECK(d.field_path == "spec.rules[0].backendRefs[0].name");
  CHECK(d.hint == "the controller drops every rule of this route until this is fixed");
  CHECK(LineColumn(d) == r.After("    - name: "));
  CHECK(r.Listener("default/gw.http").routes.empty());
  // Still attached: attachment does not depend on conversion.
  CHECK(r.Gateway("gw").listeners[0].attached_routes == 1);
}

TEST_CASE("A Service backendRef without a port is a hard BackendError") {
  Resolved r(Join({kGateway, kService, HttpRoute(ParentRefs() + BackendRule("    - name: svc\n"))}),
             {}, InputErrors::kAllowed);
  // The HTTPRoute CRD's rule refuses it first; the controller's check holds for older CRDs.
  REQUIRE(r.decode_findings().size() == 1);
  CHECK(r.decode_findings()[0].message ==
        "spec.rules[0].backendRefs[0]: Invalid value: \"object\": Must have port for Service "
        "reference");
  CHECK(Describe(r.Route("HTTPRoute", "web").parents.at(0).conditions.at(1)) ==
        "ResolvedRefs False BackendError: failed to build backend destination: &{Accepted False "
        "UnsupportedValue port is required in Service backendRef}");
  CHECK(r.Finding("BackendError").field_path == "spec.rules[0].backendRefs[0]");
  CHECK(r.Listener("default/gw.http").routes.empty());
}

const std::string kCrossNamespaceRoute = HttpRoute(
    ParentRefs() + BackendRule("    - name: svc\n      namespace: other\n      port: 8080\n"));

const std::string kServiceInOther = ServiceYaml("svc", 8080, "other");

TEST_CASE("A cross-namespace backendRef without a ReferenceGrant is RefNotPermitted") {
  Resolved r(Join({kGateway, kServiceInOther, kCrossNamespaceRoute}), Strict());
  const std::string message =
      "backendRef other/svc not accessible to a HTTPRoute in namespace \"default\" (missing a "
      "ReferenceGrant?)";
  CHECK(Describe(r.Route("HTTPRoute", "web").parents.at(0).conditions) ==
        Strings{"Accepted True Accepted: ", "ResolvedRefs False RefNotPermitted: " + message});
  Diagnostic d = r.Finding("RefNotPermitted");
  CHECK(d.message == message);
  CHECK(d.field_path == "spec.rules[0].backendRefs[0].namespace");
  CHECK(LineColumn(d) == r.After("      namespace: "));
  // Soft: the route is programmed with the backend left empty.
  const ResolvedRule& rule = r.Listener("default/gw.http").routes.at(0).rules.at(0);
  CHECK(rule.backends.at(0).kind == ResolvedBackend::Kind::kInvalid);
  CHECK(rule.backends.at(0).problem == message);
}

TEST_CASE(
    "A ReferenceGrant from HTTPRoutes of the route's namespace permits a cross-namespace "
    "backendRef") {
  auto grant = ServiceReferenceGrant;
  SECTION("for all Services") {
    Resolved r(Join({kGateway, kServiceInOther, kCrossNamespaceRoute, grant("default", "")}),
               Strict());
    CHECK(Describe(r.Route("HTTPRoute", "web").parents.at(0).conditions.at(1)) ==
          "ResolvedRefs True ResolvedRefs: ");
    CHECK(r->findings.empty());
  }
  SECTION("for this Service by name") {
    Resolved r(Join({kGateway, kServiceInOther, kCrossNamespaceRoute,
                     grant("default", "    name: svc\n")}),
               Strict());
    CHECK(Describe(r.Route("HTTPRoute", "web").parents.at(0).conditions.at(1)) ==
          "ResolvedRefs True ResolvedRefs: ");
  }
  SECTION("a grant for another Service name does not count") {
    Resolved r(Join({kGateway, kServiceInOther, kCrossNamespaceRoute,
                     grant("default", "    name: other-svc\n")}),
               Strict());
    CHECK(r.Route("HTTPRoute", "web").parents.at(0).conditions.at(1).reason == "RefNotPermitted");
  }
  SECTION("a grant from another namespace does not count") {
    Resolved r(Join({kGateway, kServiceInOther, kCrossNamespaceRoute, grant("elsewhere", "")}),
               Strict());
    CHECK(r.Route("HTTPRoute", "web").parents.at(0).conditions.at(1).reason == "RefNotPermitted");
  }
}

TEST_CASE("With grant mode none a cross-namespace backendRef needs no ReferenceGrant") {
  ResolveOptions options = Strict();
  options.backend_ref_grant_mode = "none";
  Resolved r(Join({kGateway, kServiceInOther, kCrossNamespaceRoute}), options);
  CHECK(Describe(r.Route("HTTPRoute", "web").parents.at(0).conditions.at(1)) ==
        "ResolvedRefs True ResolvedRefs: ");
  CHECK(r.Findings("RefNotPermitted").empty());
  CHECK(r.Listener("default/gw.http").routes.at(0).rules.at(0).backends.at(0).service != nullptr);
}

TEST_CASE("A backendRef of an unknown kind is InvalidKind at the kind field") {
  Resolved r(Join({kGateway, HttpRoute(ParentRefs() +
                                       BackendRule("    - name: thing\n      group: example.com\n"
                                                   "      kind: Widget\n"))}));
  const std::string message =
      "referencing unsupported backendRef: group \"example.com\" kind \"Widget\"";
  CHECK(Describe(r.Route("HTTPRoute", "web").parents.at(0).conditions.at(1)) ==
        "ResolvedRefs False InvalidKind: " + message);
  Diagnostic d = r.Finding("InvalidKind");
  CHECK(d.message == message);
  CHECK(d.field_path == "spec.rules[0].backendRefs[0].kind");
  CHECK(LineColumn(d) == r.After("      kind: "));
  CHECK(r.Listener("default/gw.http").routes.size() == 1);
}

TEST_CASE("The last soft backendRef error of a route is the one reported") {
  auto route = [](std::string_view first, std::string_view second) {
    return HttpRoute(ParentRefs() + BackendRule(first) + "  - backendRefs:\n" +
                     std::string(second));
  };
  constexpr std::string_view kMissing = "    - name: missing\n      port: 8080\n";
  constexpr std::string_view kWidget =
      "    - name: thing\n      group: example.com\n      kind: Widget\n";
  SECTION("missing Service, then unknown kind") {
    Resolved r(Join({kGateway, route(kMissing, kWidget)}), Strict());
    CHECK(r.Route("HTTPRoute", "web").parents.at(0).conditions.at(1).reason == "InvalidKind");
    CHECK(r.Findings("InvalidKind").size() == 1);
  }
  SECTION("unknown kind, then missing Service") {
    Resolved r(Join({kGateway, route(kWidget, kMissing)}), Strict());
    const Condition& refs = r.Route("HTTPRoute", "web").parents.at(0).conditions.at(1);
    CHECK(refs.reason == "BackendNotFound");
    CHECK(refs.message == "backend(missing.default.svc.cluster.local) not found");
    CHECK(r.Finding("BackendNotFound").field_path == "spec.rules[1].backendRefs[0].name");
  }
}

// ---------------------------------------------------------------------------------------------
// Filters and timeouts

TEST_CASE("An ExtensionRef filter is a hard IncompatibleFilters error naming its group and kind") {
  Resolved r(Join({kGateway, kService, HttpRoute(ParentRefs() + R"(  rules:
  - filters:
    - type: ExtensionRef
      extensionRef:
        group: example.com
        kind: RateLimit
        name: slow
    backendRefs:
    - name: svc
      port: 8080
)")}));
  CHECK(Describe(r.Route("HTTPRoute", "web").parents.at(0).conditions) ==
        Strings{"Accepted True Accepted: ",
                "ResolvedRefs False IncompatibleFilters: unsupported ExtensionRef: "
                "example.com/RateLimit"});
  Diagnostic d = r.Finding("IncompatibleFilters");
  CHECK(d.field_path == "spec.rules[0].filters[0].extensionRef");
  CHECK(LineColumn(d) == r.After("      extensionRef:\n        "));
  CHECK(r.Listener("default/gw.http").routes.empty());
}

TEST_CASE("Two RequestRedirect filters in one rule are IncompatibleFilters") {
  Resolved r(Join({kGateway, HttpRoute(ParentRefs() + R"(  rules:
  - filters:
    - type: RequestRedirect
      requestRedirect:
        scheme: https
    - type: RequestRedirect
      requestRedirect:
        hostname: example.com
)")}),
             {}, InputErrors::kAllowed);
  // The HTTPRoute CRD's rule refuses it first; the controller's check holds for older CRDs.
  REQUIRE(r.decode_findings().size() == 1);
  CHECK(r.decode_findings()[0].message ==
        "spec.rules[0].filters: Invalid value: \"array\": RequestRedirect filter cannot be "
        "repeated");
  CHECK(Describe(r.Route("HTTPRoute", "web").parents.at(0).conditions.at(1)) ==
        "ResolvedRefs False IncompatibleFilters: Cannot combine multiple terminal filters: "
        "RequestRedirect and RequestRedirect are mutually exclusive. Only one terminal filter is "
        "allowed per route rule.");
  Diagnostic d = r.Finding("IncompatibleFilters");
  CHECK(d.field_path == "spec.rules[0].filters[1]");
  CHECK(LineColumn(d) == r.After("        scheme: https\n    - "));
  CHECK(r.Listener("default/gw.http").routes.empty());
}

// The Gateway API schema's pattern refuses such a value first; the controller's own check still
// holds for objects that reached it some other way (an older CRD, an edit of the stored object).
TEST_CASE("A timeout Go cannot parse is a hard TranslationError with Go's message") {
  Resolved r(Join({kGateway, kService, HttpRoute(ParentRefs() + R"(  rules:
  - timeouts:
      request: 1d
    backendRefs:
    - name: svc
      port: 8080
)")}),
             {}, InputErrors::kAllowed);
  REQUIRE(r.decode_findings().size() == 1);
  CHECK(r.decode_findings()[0].message ==
        "spec.rules[0].timeouts.request: Invalid value: \"1d\": spec.rules[0].timeouts.request in "
        "body should match '^([0-9]{1,5}(h|m|s|ms)){1,4}$'");
  const std::string message =
      "failed to apply builtin route timeout: failed to parse request timeout: time: unknown "
      "unit \"d\" in duration \"1d\"";
  CHECK(Describe(r.Route("HTTPRoute", "web").parents.at(0).conditions.at(1)) ==
        "ResolvedRefs False TranslationError: " + message);
  Diagnostic d = r.Finding("TranslationError");
  CHECK(d.message == message);
  CHECK(d.field_path == "spec.rules[0].timeouts.request");
  CHECK(LineColumn(d) == r.After("request: "));
  CHECK(r.Listener("default/gw.http").routes.empty());
}

TEST_CASE("Route timeouts Go can parse resolve cleanly") {
  Resolved r(Join({kGateway, kService, HttpRoute(ParentRefs() + R"(  rules:
  - timeouts:
      request: 1h30m
      backendRequest: 500ms
    backendRefs:
    - name: svc
      port: 8080
)")}));
  CHECK(Describe(r.Route("HTTPRoute", "web").parents.at(0).conditions.at(1)) ==
        "ResolvedRefs True ResolvedRefs: ");
  CHECK(r->findings.empty());
}

// ---------------------------------------------------------------------------------------------
// AgentgatewayBackend

std::string OpenAiBackend(std::string_view auth) {
  return R"(apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata:
  name: openai
spec:
  ai:
    provider:
      openai:
        model: gpt-4o-mini
  policies:
    auth:
)" + std::string(auth);
}

std::string SecretWith(std::string_view string_data) {
  return R"(apiVersion: v1
kind: Secret
metadata:
  name: openai-secret
stringData:
)" + std::string(string_data);
}

TEST_CASE("An AgentgatewayBackend whose auth Secret is missing (strict) is not accepted") {
  Resolved r(Join({OpenAiBackend("      secretRef:\n        name: openai-secret\n")}), Strict());
  CHECK(Describe(r.Backend("openai").conditions) ==
        Strings{"Accepted False TranslationError: failed to translate backend: secret "
                "default/openai-secret not found"});
  Diagnostic d = r.Finding("TranslationError");
  CHECK(d.severity == Severity::kError);
  CHECK(d.message == "secret default/openai-secret not found");
  CHECK(d.field_path == "spec.policies.auth.secretRef.name");
  CHECK(d.resource == "AgentgatewayBackend default/openai");
  CHECK(LineColumn(d) == r.After("        name: "));
}

TEST_CASE(
    "An AgentgatewayBackend whose auth Secret is missing (not strict) is accepted with a warning") {
  Resolved r(Join({OpenAiBackend("      secretRef:\n        name: openai-secret\n")}));
  CHECK(Describe(r.Backend("openai").conditions) ==
        Strings{"Accepted True Accepted: Backend successfully accepted"});
  CHECK(r.Finding("not-in-manifest-set").message ==
        "Secret default/openai-secret is not in the manifest set; assuming it exists on the "
        "cluster");
}

TEST_CASE("A Secret without an Authorization value fails the backend") {
  Resolved r(Join({OpenAiBackend("      secretRef:\n        name: openai-secret\n"),
                   SecretWith("  someOtherKey: test\n")}),
             Strict());
  CHECK(Describe(r.Backend("openai").conditions) ==
        Strings{"Accepted False TranslationError: failed to translate backend: secret "
                "default/openai-secret missing Authorization value"});
  Diagnostic d = r.Finding("TranslationError");
  CHECK(d.field_path == "spec.policies.auth.secretRef.name");
}

TEST_CASE("An Authorization value that is blank after trimming fails the backend") {
  Resolved r(Join({OpenAiBackend("      secretRef:\n        name: openai-secret\n"),
                   SecretWith("  Authorization: \"  \\t \"\n")}),
             Strict());
  CHECK(r.Backend("openai").conditions.at(0).message ==
        "failed to translate backend: secret default/openai-secret missing Authorization value");
}

TEST_CASE(
    "An Authorization value of only \"Bearer\" and whitespace is kept as the key \"Bearer\", as Go "
    "trims before stripping the prefix") {
  // GetSecretDataAuth: TrimSpace("Bearer ") is "Bearer", which has no "Bearer " prefix to strip.
  std::string value = GENERATE(as<std::string>{}, "\"Bearer \"", "\"Bearer   \\t\"");
  INFO(value);
  Resolved r(Join({OpenAiBackend("      secretRef:\n        name: openai-secret\n"),
                   SecretWith("  Authorization: " + value + "\n")}),
             Strict());
  CHECK(Describe(r.Backend("openai").conditions) ==
        Strings{"Accepted True Accepted: Backend successfully accepted"});
}

TEST_CASE("An Authorization value of \"Bearer \" and a token is accepted") {
  Resolved r(Join({OpenAiBackend("      secretRef:\n        name: openai-secret\n"),
                   SecretWith("  Authorization: Bearer abc123\n")}),
             Strict());
  CHECK(r.Backend("openai").conditions.at(0).status == "True");
  CHECK(r.Findings("TranslationError").empty());
}

TEST_CASE(
    "An Authorization value of only vertical whitespace is blank, as Go's TrimSpace trims \\v and "
    "\\f",
    "[!mayfail]") {
  Resolved r(Join({OpenAiBackend("      secretRef:\n        name: openai-secret\n"),
                   SecretWith("  Authorization: \"\\v\\f\"\n")}),
             Strict());
  CHECK(r.Backend("openai").conditions.at(0).message ==
        "failed to translate backend: secret default/openai-secret missing Authorization value");
}

TEST_CASE("A secretRef with a custom key reads that key, without Bearer handling") {
  SECTION("present") {
    Resolved r(Join({OpenAiBackend(
                         "      secretRef:\n        name: openai-secret\n        key: api-key\n"),
                     SecretWith("  api-key: abc123\n")}),
               Strict());
    CHECK(r.Backend("openai").conditions.at(0).status == "True");
    CHECK(r.Codes() == Strings{"unused-backend"});
  }
  SECTION("missing: the message names the key and points at it") {
    Resolved r(Join({OpenAiBackend(
                         "      secretRef:\n        name: openai-secret\n        key: api-key\n"),
                     SecretWith("  Authorization: Bearer abc123\n")}),
               Strict());
    CHECK(Describe(r.Backend("openai").conditions) ==
          Strings{"Accepted False TranslationError: failed to translate backend: secret "
                  "default/openai-secret missing api-key value"});
    Diagnostic d = r.Finding("TranslationError");
    CHECK(d.field_path == "spec.policies.auth.secretRef.key");
    CHECK(LineColumn(d) == r.After("        key: "));
  }
}

TEST_CASE(
    "A priority-group provider whose Secret is missing leaves the backend accepted, with a "
    "warning") {
  Resolved r(Join({R"(apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata:
  name: pool
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
              name: primary-secret
)"}),
             Strict());
  CHECK(Describe(r.Backend("pool").conditions) ==
        Strings{"Accepted True Accepted: Backend successfully accepted"});
  Diagnostic d = r.Finding("provider-policy-error");
  CHECK(d.severity == Severity::kWarning);
  CHECK(d.message ==
        "provider \"primary\": secret default/primary-secret not found (the controller only "
        "logs this; the provider is sent without it)");
  CHECK(d.field_path == "spec.ai.groups[0].providers[0].policies.auth.secretRef.name");
  CHECK(LineColumn(d) == r.After("              name: "));
  CHECK(r.Findings("TranslationError").empty());
}

// ---------------------------------------------------------------------------------------------
// AgentgatewayPolicy

std::string Policy(std::string_view target_kind, std::string_view target_name,
                   std::string_view body = "  traffic:\n    timeouts:\n      request: 5s\n") {
  std::string group = target_kind == "AgentgatewayBackend" ? "agentgateway.dev"
                      : target_kind == "Service"           ? "\"\""
                                                           : "gateway.networking.k8s.io";
  return "apiVersion: agentgateway.dev/v1alpha1\nkind: AgentgatewayPolicy\nmetadata:\n"
         "  name: pol\nspec:\n  targetRefs:\n  - group: " +
         group + "\n    kind: " + std::string(target_kind) +
         "\n    name: " + std::string(target_name) + "\n" + std::string(body);
}

TEST_CASE("A policy targeting our Gateway gets an ancestor for it, Valid and Attached") {
  Resolved r(Join({kGateway, Policy("Gateway", "gw")}));
  const PolicyStatus& policy = r.Policy("pol");
  REQUIRE(policy.ancestors.size() == 1);
  const PolicyAncestorStatus& ancestor = policy.ancestors[0];
  CHECK(ancestor.ancestor_ref.group == std::optional<std::string>("gateway.networking.k8s.io"));
  CHECK(ancestor.ancestor_ref.kind == std::optional<std::string>("Gateway"));
  CHECK(ancestor.ancestor_ref.namespace_ == std::optional<std::string>("default"));
  CHECK(ancestor.ancestor_ref.name == "gw");
  CHECK_FALSE(ancestor.ancestor_ref.section_name.has_value());
  CHECK(ancestor.controller_name == "agentgateway.dev/agentgateway");
  CHECK(Describe(ancestor.conditions) ==
        Strings{"Accepted True Valid: Policy accepted",
                "Attached True Attached: Attached to all targets"});
  CHECK(r.Codes() == Strings{"unused-listener"});  // the policy itself is clean
}

TEST_CASE("A policy targeting a missing HTTPRoute (strict) gets a StatusSummary saying so") {
  Resolved r(Join({kGateway, Policy("HTTPRoute", "nope")}), Strict());
  const PolicyStatus& policy = r.Policy("pol");
  REQUIRE(policy.ancestors.size() == 1);
  const PolicyAncestorStatus& summary = policy.ancestors[0];
  CHECK(summary.ancestor_ref.group == std::optional<std::string>("agentgateway.dev"));
  CHECK_FALSE(summary.ancestor_ref.kind.has_value());
  CHECK(summary.ancestor_ref.name == "StatusSummary");
  CHECK(Describe(summary.conditions) ==
        Strings{"Accepted True Valid: Policy accepted",
                "Attached False Pending: Policy is not attached: HTTPRoute default/nope not "
                "found"});
  Diagnostic d = r.Finding("Pending");
  CHECK(d.severity == Severity::kWarning);
  CHECK(d.message == "Policy is not attached: HTTPRoute default/nope not found");
  CHECK(d.resource == "AgentgatewayPolicy default/pol");
}

TEST_CASE("A policy targeting an HTTPRoute outside the manifest set (not strict) claims nothing") {
  Resolved r(Join({kGateway, Policy("HTTPRoute", "nope")}));
  CHECK(r.Policy("pol").ancestors.empty());
  Diagnostic d = r.Finding("not-in-manifest-set");
  CHECK(d.message ==
        "HTTPRoute default/nope is not in the manifest set; assuming it exists on the cluster");
  CHECK(d.field_path == "spec.targetRefs[0].name");
  CHECK(LineColumn(d) == r.After("    name: "));
}

TEST_CASE("A policy targeting an HTTPRoute attached to no Gateway is Pending") {
  Resolved r(Join({HttpRoute(ParentRefs("  - name: gone\n")), Policy("HTTPRoute", "web")}),
             Strict());
  const PolicyStatus& policy = r.Policy("pol");
  REQUIRE(policy.ancestors.size() == 1);
  CHECK(policy.ancestors[0].ancestor_ref.name == "StatusSummary");
  CHECK(Describe(ConditionOf(policy.ancestors[0].conditions, "Attached")) ==
        "Attached False Pending: Policy is not attached: HTTPRoute default/web is not attached "
        "to any Gateway");
}

TEST_CASE("A policy targeting an attached HTTPRoute gets the route's Gateway as ancestor") {
  Resolved r(Join({kGateway, kService, kRouteToSvc, Policy("HTTPRoute", "web")}));
  const PolicyStatus& policy = r.Policy("pol");
  REQUIRE(policy.ancestors.size() == 1);
  CHECK(policy.ancestors[0].ancestor_ref.name == "gw");
  CHECK(policy.ancestors[0].ancestor_ref.kind == std::optional<std::string>("Gateway"));
}

TEST_CASE(
    "A policy whose backend.auth Secret is missing is PartiallyValid, with no Attached condition") {
  Resolved r(Join({kGateway, Policy("Gateway", "gw",
                                    "  backend:\n    auth:\n      secretRef:\n        name: "
                                    "creds\n")}),
             Strict());
  const PolicyStatus& policy = r.Policy("pol");
  REQUIRE(policy.ancestors.size() == 1);
  CHECK(policy.ancestors[0].ancestor_ref.name == "gw");
  CHECK(Describe(policy.ancestors[0].conditions) ==
        Strings{"Accepted True PartiallyValid: secret default/creds not found"});
  Diagnostic d = r.Finding("PartiallyValid");
  CHECK(d.severity == Severity::kError);
  CHECK(d.message == "secret default/creds not found");
  CHECK(d.field_path == "spec.backend.auth.secretRef.name");
  CHECK(LineColumn(d) == r.After("        name: "));
}

TEST_CASE("A policy whose CEL does not parse is PartiallyValid, naming the field and expression") {
  Resolved r(Join({kGateway, Policy("Gateway", "gw", R"(  traffic:
    transformation:
      request:
        set:
        - name: x-a
          value: 'request.path +'
        add:
        - name: x-b
          value: 'foolen_{{jwt.sub}}'
        - name: x-c
          value: '"ok"'
)")}),
             Strict());
  const PolicyStatus& policy = r.Policy("pol");
  REQUIRE(policy.ancestors.size() == 1);
  // The controller words set and add values differently (convertTransformSpec).
  CHECK(Describe(policy.ancestors[0].conditions) ==
        Strings{"Accepted True PartiallyValid: header value is not a valid CEL expression: "
                "request.path +\ninvalid header value: foolen_{{jwt.sub}}"});
  std::vector<Diagnostic> findings = r.Findings("PartiallyValid");
  REQUIRE(findings.size() == 2);
  CHECK(findings[0].field_path == "spec.traffic.transformation.request.set[0].value");
  CHECK(LineColumn(findings[0]) == r.After("- name: x-a\n          value: "));
  CHECK(findings[1].field_path == "spec.traffic.transformation.request.add[0].value");
}

TEST_CASE("Valid CEL in every checked field leaves a policy Valid") {
  const std::string otel = ServiceYaml("otel", 4317);
  Resolved r(Join({kGateway, otel, Policy("Gateway", "gw", R"(  frontend:
    accessLog:
      filter: 'response.code >= 400'
      attributes:
        add:
        - name: user
          expression: 'jwt.sub'
    tracing:
      backendRef:
        name: otel
        port: 4317
      randomSampling: '0.5'
      attributes:
        add:
        - name: route
          expression: 'request.path.startsWith("/api") ? "api" : "web"'
  traffic:
    authorization:
      policy:
        matchExpressions:
        - 'has(jwt.sub) && jwt.sub in ["alice", "bob"]'
        - '[1, 2, 3].all(x, x > 0)'
    directResponse:
      status: 200
      bodyExpression: '{"path": request.path}'
)")}),
             Strict());
  const PolicyStatus& policy = r.Policy("pol");
  REQUIRE(policy.ancestors.size() == 1);
  CHECK(Describe(policy.ancestors[0].conditions) ==
        Strings{"Accepted True Valid: Policy accepted",
                "Attached True Attached: Attached to all targets"});
}

TEST_CASE("A conditional entry's condition is checked after its policy") {
  Resolved r(Join({kGateway, Policy("Gateway", "gw", R"(  traffic:
    transformation:
      conditional:
      - condition: 'request.method =='
        policy:
          response:
            body: 'response.body +'
      - policy:
          request:
            remove: [x-a]
)")}),
             Strict());
  const PolicyStatus& policy = r.Policy("pol");
  REQUIRE(policy.ancestors.size() == 1);
  CHECK(Describe(policy.ancestors[0].conditions) ==
        Strings{"Accepted True PartiallyValid: body value is not a valid CEL expression: "
                "response.body +\ncondition CEL expression is invalid: request.method =="});
  std::vector<Diagnostic> findings = r.Findings("PartiallyValid");
  REQUIRE(findings.size() == 2);
  CHECK(findings[0].field_path ==
        "spec.traffic.transformation.conditional[0].policy.response.body");
  CHECK(findings[1].field_path == "spec.traffic.transformation.conditional[0].condition");
  CHECK(LineColumn(findings[1]) == r.After("- condition: "));
}

TEST_CASE("CEL in an AgentgatewayBackend's own policies fails the backend") {
  Resolved r(Join({R"(apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata:
  name: be
spec:
  static:
    host: example.com
    port: 80
  policies:
    health:
      unhealthyCondition: 'response.code >= 500 &&'
)"}),
             Strict());
  CHECK(Describe(r.Backend("be").conditions) ==
        Strings{"Accepted False TranslationError: failed to translate backend: backend health "
                "unhealthyCondition is not a valid CEL expression: response.code >= 500 &&"});
  CHECK(r.Finding("TranslationError").field_path == "spec.policies.health.unhealthyCondition");
}

// ---------------------------------------------------------------------------------------------
// Status as JSON

TEST_CASE("A route status renders as the API server shows it") {
  Resolved r(Join({kGateway, kService, kRouteToSvc}));
  nlohmann::ordered_json json = ToJson(r.Route("HTTPRoute", "web"));
  nlohmann::ordered_json expected = nlohmann::ordered_json::parse(R"({
    "parents": [{
      "conditions": [
        {"message": "", "reason": "Accepted", "status": "True", "type": "Accepted"},
        {"message": "", "reason": "ResolvedRefs", "status": "True", "type": "ResolvedRefs"}
      ],
      "controllerName": "agentgateway.dev/agentgateway",
      "parentRef": {
        "group": "gateway.networking.k8s.io",
        "kind": "Gateway",
        "name": "gw",
        "namespace": "default"
      }
    }]
  })");
  CHECK(json.dump() == expected.dump());
}

TEST_CASE("A route status keeps sectionName and port in the parentRef as written") {
  Resolved r(Join({kGateway, kService,
                   HttpRoute(ParentRefs("  - name: gw\n    sectionName: http\n    port: 80\n"))}));
  nlohmann::ordered_json ref = ToJson(r.Route("HTTPRoute", "web"))["parents"][0]["parentRef"];
  CHECK(
      ref.dump() ==
      R"({"group":"gateway.networking.k8s.io","kind":"Gateway","name":"gw","namespace":"default","port":80,"sectionName":"http"})");
}

}  // namespace
}  // namespace agw::validate::resolve
