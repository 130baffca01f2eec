// validate::schema::Admitter on in-memory manifests: what happens without CRDs, with CRDs from
// files, and the "did you mean" guesses.

#include "validate/schema/admission.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "validate/manifest/diagnostic.h"
#include "validate/manifest/loader.h"
#include "validate/schema/suggest.h"

namespace agw::validate::schema {
namespace {

struct Admitted {
  validate::manifest::Manifest manifest;
  validate::manifest::DiagnosticSink sink;
  std::vector<AdmittedResource> resources;
};

void AdmitText(Admitted& out, const std::string& text, const CrdCatalog& catalog) {
  validate::manifest::DiagnosticSink load_sink;
  validate::manifest::LoadText(out.manifest, "test.yaml", text, validate::manifest::LoadOptions{},
                               load_sink);
  REQUIRE(load_sink.diagnostics().empty());
  out.resources = Admit(out.manifest, catalog, out.sink);
}

constexpr char kTwoRoutes[] = R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: a
spec:
  timeoutz: 1s
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: b
)";

TEST_CASE("Without CRDs a custom resource is not checked, and that is said once per group") {
  Admitted admitted;
  AdmitText(admitted, kTwoRoutes, CrdCatalog());
  REQUIRE(admitted.resources.size() == 2);
  CHECK(admitted.resources[0].outcome == AdmissionOutcome::kNotChecked);
  CHECK(admitted.resources[1].outcome == AdmissionOutcome::kNotChecked);
  // As written: no defaults without a schema.
  CHECK(admitted.resources[1].object.Find("spec") == nullptr);
  REQUIRE(admitted.sink.diagnostics().size() == 1);
  const validate::manifest::Diagnostic& info = admitted.sink.diagnostics()[0];
  CHECK(info.severity == validate::manifest::Severity::kInfo);
  CHECK(info.code == "not-checked");
  CHECK(info.message ==
        "the schema checks and defaults of gateway.networking.k8s.io were skipped: this build "
        "has no CRDs of it");
  CHECK(info.hint.find("--crds") != std::string::npos);
}

TEST_CASE("With the default CRDs the same routes are checked, each as the server would") {
  Admitted admitted;
  AdmitText(admitted, kTwoRoutes, CrdCatalog::Default());
  REQUIRE(admitted.resources.size() == 2);
  CHECK(admitted.resources[0].outcome == AdmissionOutcome::kRejected);
  // spec is required by the HTTPRoute schema: the second route lacks it.
  CHECK(admitted.resources[1].outcome == AdmissionOutcome::kRejected);
  std::vector<std::string> messages;
  for (const validate::manifest::Diagnostic& d : admitted.sink.diagnostics()) {
    messages.push_back(d.message);
  }
  CHECK(messages == std::vector<std::string>{
                        "HTTPRoute in version \"v1\" cannot be handled as a HTTPRoute: strict "
                        "decoding error: unknown field \"spec.timeoutz\"",
                        "spec: Required value",
                        "<nil>: Invalid value: \"null\": some validation rules were not checked "
                        "because the object was invalid; correct the existing errors to complete "
                        "validation"});
}

TEST_CASE("A kind of a known group that no CRD defines is unmapped, with the closest kind") {
  Admitted admitted;
  AdmitText(admitted,
            "apiVersion: agentgateway.dev/v1alpha1\nkind: AgentgatewayBackends\nmetadata:\n"
            "  name: a\n",
            CrdCatalog::Default());
  REQUIRE(admitted.resources.size() == 1);
  CHECK(admitted.resources[0].outcome == AdmissionOutcome::kUnmapped);
  REQUIRE(admitted.sink.diagnostics().size() == 1);
  CHECK(admitted.sink.diagnostics()[0].hint == "did you mean AgentgatewayBackend?");
}

TEST_CASE("ClosestName prefers a case-only difference, then up to two edits") {
  std::vector<std::string_view> kinds = {"HTTPRoute", "GRPCRoute", "Gateway", "GatewayClass"};
  CHECK(ClosestName("HttpRoute", kinds) == "HTTPRoute");
  CHECK(ClosestName("Gatway", kinds) == "Gateway");
  CHECK(ClosestName("GatewayClas", kinds) == "GatewayClass");
  CHECK(ClosestName("Route", kinds).empty());    // four edits from HTTPRoute
  CHECK(ClosestName("Gateway", kinds).empty());  // itself is no suggestion
  std::vector<std::string_view> fields = {"timeouts", "matches", "filters"};
  CHECK(ClosestName("timeoutz", fields) == "timeouts");
  CHECK(ClosestName("mathces", fields) == "matches");  // a swap is one edit
  CHECK(ClosestName("ab", {"abcd"}).empty());          // no more edits than letters
}

}  // namespace
}  // namespace agw::validate::schema
