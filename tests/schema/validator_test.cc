// The API server's checks before CEL (validator.h) on real CRDs, with whole messages pinned in
// the server's wording (Kubernetes 1.32/1.33 rendering), and agentgateway's CRD cases as oracle.

#include "validate/schema/validator.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/crd_cases.h"
#include "tests/support/paths.h"
#include "validate/manifest/loader.h"
#include "validate/schema/builtin.h"
#include "validate/schema/catalog.h"
#include "validate/schema/format.h"

namespace agw::validate::schema {
namespace {

std::shared_ptr<const Crd> BuiltinCrdOf(std::string_view set_name, std::string_view kind) {
  for (const BuiltinCrdSet& set : BuiltinCrdSets()) {
    if (set.name != set_name) {
      continue;
    }
    for (const BuiltinCrd& crd : set.crds) {
      if (crd.kind == kind) {
        return *LoadBuiltinCrd(set, crd);
      }
    }
  }
  FAIL("no built-in " << kind << " in " << set_name);
  return nullptr;
}

// What the server would say about one document, step by step.
struct Checked {
  std::string kind, name, namespace_;  // the namespace as written ("" when none)
  std::vector<std::string> unknown;    // unknown field paths
  std::string strict_message;          // the 400 message when there are unknown fields
  std::vector<std::string> errors;     // rendered field errors (schema, then list types)
  Json defaulted;                      // the object after null pruning and defaults
};

using FindCrd = std::function<std::shared_ptr<const Crd>(std::string_view kind)>;

Checked Check(const FindCrd& find, const std::string& yaml);

Checked Check(std::string_view set_name, const std::string& yaml) {
  return Check([&](std::string_view kind) { return BuiltinCrdOf(set_name, kind); }, yaml);
}

Checked Check(const FindCrd& find, const std::string& yaml) {
  validate::manifest::Manifest manifest;
  validate::manifest::DiagnosticSink sink;
  validate::manifest::LoadText(manifest, "m.yaml", yaml, {}, sink);
  REQUIRE_FALSE(sink.HasErrors());
  REQUIRE(manifest.resources.size() == 1);
  const validate::manifest::Resource& resource = manifest.resources[0];
  std::shared_ptr<const Crd> crd = find(resource.id.kind);
  REQUIRE(crd != nullptr);
  const CrdVersion* version = crd->Version(validate::manifest::VersionOf(resource.api_version));
  REQUIRE(version != nullptr);
  Checked checked;
  checked.kind = resource.id.kind;
  checked.name = resource.id.name;
  if (const validate::manifest::Value* metadata = resource.object.Find("metadata")) {
    if (const validate::manifest::Value* namespace_ = metadata->Find("namespace")) {
      checked.namespace_ = namespace_->text();
    }
  }
  validate::manifest::Value object = resource.object;
  std::vector<UnknownField> unknown = FindUnknownFields(*version->schema, object);
  for (const UnknownField& field : unknown) {
    checked.unknown.push_back(field.path);
  }
  if (!unknown.empty()) {
    checked.strict_message = StrictDecodingMessage(crd->kind, version->name, unknown);
  }
  ApplyDefaults(*version->schema, object);
  checked.defaulted = object.ToJson();
  for (const FieldError& error : ValidateObjectMeta(object, crd->namespaced)) {
    checked.errors.push_back(error.Render());
  }
  for (const FieldError& error : ValidateStructure(*version->schema, object)) {
    checked.errors.push_back(error.Render());
  }
  for (const FieldError& error : ValidateListTypes(*version->schema, object)) {
    checked.errors.push_back(error.Render());
  }
  return checked;
}

constexpr char kGateway[] = R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: agentgateway
)";

constexpr char kRoute[] = R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: default}
spec:
  parentRefs: [{name: gw}]
)";

using Strings = std::vector<std::string>;

TEST_CASE("The mistakes of issue 12 get the API server's messages") {
  SECTION("a listener port of 70000") {
    Checked checked = Check("gateway-api-v1.4.0", std::string(kGateway) +
                                                      "  listeners: [{name: http, port: 70000, "
                                                      "protocol: HTTP}]\n");
    CHECK(checked.unknown.empty());
    CHECK(checked.errors ==
          Strings{"spec.listeners[0].port: Invalid value: 70000: spec.listeners[0].port in body "
                  "should be less than or equal to 65535"});
  }
  SECTION("two listeners named http") {
    Checked checked =
        Check("gateway-api-v1.4.0", std::string(kGateway) +
                                        "  listeners:\n  - {name: http, port: 80, protocol: HTTP}\n"
                                        "  - {name: http, port: 81, protocol: HTTP}\n");
    CHECK(
        checked.errors ==
        Strings{"spec.listeners[1]: Duplicate value: map[string]interface {}{\"name\":\"http\"}"});
  }
  SECTION("listener: written for listeners:") {
    Checked checked = Check("gateway-api-v1.4.0", std::string(kGateway) +
                                                      "  listener: [{name: http, port: 80, "
                                                      "protocol: HTTP}]\n");
    CHECK(checked.unknown == Strings{"spec.listener"});
    CHECK(checked.strict_message ==
          "Gateway in version \"v1\" cannot be handled as a Gateway: strict decoding error: "
          "unknown field \"spec.listener\"");
    CHECK(checked.errors == Strings{"spec.listeners: Required value"});
  }
  SECTION("type: Prefix") {
    Checked checked =
        Check("gateway-api-v1.4.0",
              std::string(kRoute) + "  rules: [{matches: [{path: {type: Prefix, value: /a}}]}]\n");
    CHECK(checked.errors == Strings{"spec.rules[0].matches[0].path.type: Unsupported value: "
                                    "\"Prefix\": supported values: \"Exact\", \"PathPrefix\", "
                                    "\"RegularExpression\""});
  }
  SECTION("timeoutz in a rule") {
    Checked checked =
        Check("gateway-api-v1.4.0", std::string(kRoute) + "  rules: [{timeoutz: {request: 1s}}]\n");
    CHECK(checked.strict_message ==
          "HTTPRoute in version \"v1\" cannot be handled as a HTTPRoute: strict decoding error: "
          "unknown field \"spec.rules[0].timeoutz\"");
  }
  SECTION("modle for model") {
    Checked checked = Check("agentgateway-v1.4.1", R"(apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: openai, namespace: default}
spec:
  ai:
    provider:
      openai: {modle: gpt-4o}
)");
    CHECK(checked.unknown == Strings{"spec.ai.provider.openai.modle"});
  }
}

TEST_CASE("Each structural check in the server's words") {
  SECTION("wrong type; enum still checked; null items") {
    Checked checked = Check("gateway-api-v1.4.0",
                            std::string(kRoute) +
                                "  hostnames: [null]\n"
                                "  rules: [{matches: [{path: {type: 5}}], backendRefs: [{name: s, "
                                "port: \"80\"}]}]\n");
    CHECK(
        checked.errors ==
        Strings{"spec.hostnames[0]: Invalid value: \"null\": spec.hostnames[0] in body must be of "
                "type string: \"null\"",
                "spec.rules[0].backendRefs[0].port: Invalid value: \"string\": "
                "spec.rules[0].backendRefs[0].port in body must be of type integer: \"string\"",
                "spec.rules[0].matches[0].path.type: Invalid value: \"integer\": "
                "spec.rules[0].matches[0].path.type in body must be of type string: \"integer\"",
                "spec.rules[0].matches[0].path.type: Unsupported value: 5: supported values: "
                "\"Exact\", \"PathPrefix\", \"RegularExpression\""});
  }
  SECTION("pattern, minLength, maxLength, maxItems") {
    std::string many;
    for (int i = 0; i < 17; ++i) {
      many += std::string(i == 0 ? "" : ", ") + "h" + std::to_string(i);
    }
    Checked pattern =
        Check("gateway-api-v1.4.0", std::string(kRoute) + "  hostnames: [Foo.com, \"\"]\n");
    CHECK(pattern.errors ==
          Strings{
              "spec.hostnames[0]: Invalid value: \"Foo.com\": spec.hostnames[0] in body should "
              "match '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'",
              "spec.hostnames[1]: Invalid value: \"\": spec.hostnames[1] in body should be at "
              "least 1 chars long"});
    Checked too_many =
        Check("gateway-api-v1.4.0", std::string(kRoute) + "  hostnames: [" + many + "]\n");
    CHECK(too_many.errors == Strings{"spec.hostnames: Too many: 17: must have at most 16 items"});
    Checked too_long =
        Check("gateway-api-v1.4.0", std::string(kRoute) + "  rules: [{matches: [{path: {value: /" +
                                        std::string(1100, 'a') + "}}]}]\n");
    REQUIRE_FALSE(too_long.errors.empty());
    CHECK(too_long.errors[0] ==
          "spec.rules[0].matches[0].path.value: Too long: may not be more than 1024 bytes");
  }
  SECTION("minimum, and Required inside list items") {
    Checked checked = Check("gateway-api-v1.4.0",
                            std::string(kRoute) + "  rules: [{backendRefs: [{port: 0}]}]\n");
    CHECK(checked.errors ==
          Strings{"spec.rules[0].backendRefs[0].port: Invalid value: 0: "
                  "spec.rules[0].backendRefs[0].port in body should be greater than or equal to 1",
                  "spec.rules[0].backendRefs[0].name: Required value"});
  }
  SECTION("a required field sent as null is pruned, then Required") {
    Checked checked =
        Check("gateway-api-v1.4.0",
              std::string(kRoute) + "  rules: [{backendRefs: [{name: null, port: 80}]}]\n");
    CHECK(checked.errors == Strings{"spec.rules[0].backendRefs[0].name: Required value"});
  }
  SECTION("a set list with a repeated value") {
    Checked checked =
        Check("gateway-api-v1.4.0",
              std::string(kRoute) +
                  "  rules: [{filters: [{type: RequestHeaderModifier, requestHeaderModifier: "
                  "{remove: [X-A, X-B, X-A]}}]}]\n");
    CHECK(checked.errors == Strings{"spec.rules[0].filters[0].requestHeaderModifier.remove[2]: "
                                    "Duplicate value: \"X-A\""});
  }
}

std::vector<std::string> MetaErrors(const std::string& metadata, bool namespaced = true) {
  validate::manifest::Manifest manifest;
  validate::manifest::DiagnosticSink sink;
  validate::manifest::LoadText(
      manifest, "m.yaml", "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n" + metadata,
      {}, sink);
  REQUIRE(manifest.resources.size() == 1);
  std::vector<std::string> errors;
  for (const FieldError& error : ValidateObjectMeta(manifest.resources[0].object, namespaced)) {
    errors.push_back(error.Render());
  }
  return errors;
}

TEST_CASE("ObjectMeta: names, namespaces, labels and annotations in the server's words") {
  CHECK(MetaErrors("metadata: {name: ok, namespace: default, labels: {app: web}}\n").empty());
  CHECK(
      MetaErrors("metadata: {name: Foo}\n") ==
      Strings{"metadata.name: Invalid value: \"Foo\": a lowercase RFC 1123 subdomain must "
              "consist of lower case alphanumeric characters, '-' or '.', and must start and "
              "end with an alphanumeric character (e.g. 'example.com', regex used for "
              "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"});
  CHECK(MetaErrors("metadata: {name: " + std::string(254, 'a') + "}\n") ==
        Strings{"metadata.name: Invalid value: \"" + std::string(254, 'a') +
                "\": must be no more than 253 characters"});
  // kubectl apply needs a name; a generated one (kubectl create) is the server's to make.
  validate::manifest::Value generated = validate::manifest::Value::FromJson(
      Json::parse(R"({"kind":"HTTPRoute","metadata":{"generateName":"web-"}})"), {});
  CHECK(ValidateObjectMeta(generated, true).empty());
  validate::manifest::Value nameless =
      validate::manifest::Value::FromJson(Json::parse(R"({"kind":"HTTPRoute","metadata":{}})"), {});
  REQUIRE(ValidateObjectMeta(nameless, true).size() == 1);
  CHECK(ValidateObjectMeta(nameless, true)[0].Render() ==
        "metadata.name: Required value: name or generateName is required");
  CHECK(MetaErrors("metadata: {name: a, namespace: team.a}\n") ==
        Strings{"metadata.namespace: Invalid value: \"team.a\": must not contain dots"});
  CHECK(MetaErrors("metadata: {name: a, namespace: Team}\n") ==
        Strings{"metadata.namespace: Invalid value: \"Team\": a lowercase RFC 1123 label must "
                "consist of lower case alphanumeric characters or '-', and must start and end "
                "with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
                "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"});
  CHECK(MetaErrors("metadata: {name: a, namespace: Team}\n", /*namespaced=*/false).empty());
  CHECK(
      MetaErrors(
          "metadata: {name: a, labels: {\"bad key\": \"-x\", \"a/b/c\": ok, \"/x\": ok}}\n") ==
      Strings{"metadata.labels: Invalid value: \"/x\": prefix part must be non-empty",
              "metadata.labels: Invalid value: \"a/b/c\": a qualified name must consist of "
              "alphanumeric characters, '-', '_' or '.', and must start and end with an "
              "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
              "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS "
              "subdomain prefix and '/' (e.g. 'example.com/MyName')",
              "metadata.labels: Invalid value: \"bad key\": name part must consist of alphanumeric "
              "characters, '-', '_' or '.', and must start and end with an alphanumeric character "
              "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
              "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
              "metadata.labels: Invalid value: \"-x\": a valid label must be an empty string or "
              "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
              "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
              "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"});
  CHECK(MetaErrors("metadata: {name: a, annotations: {Example.COM/Key: v}}\n").empty());
  CHECK(
      MetaErrors("metadata: {name: a, annotations: {k: " + std::string(300 * 1024, 'v') + "}}\n") ==
      Strings{"metadata.annotations: Too long: may not be more than 262144 bytes"});
}

TEST_CASE("Defaults are applied top-down as the API server applies them") {
  Checked checked =
      Check("gateway-api-v1.4.0",
            std::string(kRoute) + "  rules: [{backendRefs: [{name: s, port: 80}]}]\n");
  CHECK(checked.errors.empty());
  const Json& spec = checked.defaulted["spec"];
  CHECK(spec["parentRefs"][0] ==
        Json::parse(R"({"name":"gw","group":"gateway.networking.k8s.io","kind":"Gateway"})"));
  CHECK(spec["rules"][0]["matches"] ==
        Json::parse(R"([{"path":{"type":"PathPrefix","value":"/"}}])"));
  CHECK(spec["rules"][0]["backendRefs"][0] ==
        Json::parse(R"({"name":"s","port":80,"group":"","kind":"Service","weight":1})"));
  Checked no_rules = Check("gateway-api-v1.4.0", kRoute);
  CHECK(no_rules.defaulted["spec"]["rules"] ==
        Json::parse(R"([{"matches":[{"path":{"type":"PathPrefix","value":"/"}}]}])"));
  Checked empty_rules = Check("gateway-api-v1.4.0", std::string(kRoute) + "  rules: []\n");
  CHECK(empty_rules.defaulted["spec"]["rules"] == Json::array());  // an empty list stays empty
}

// kube-openapi's strfmt checks of "uuid", "uuid4" and "byte" (govalidator.IsBase64).
TEST_CASE("Formats uuid and byte as strfmt checks them") {
  CHECK(FormatAccepts("uuid", "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"));
  CHECK(FormatAccepts("uuid", "0A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D"));  // dashes are optional
  CHECK_FALSE(FormatAccepts("uuid", "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5"));
  CHECK(FormatAccepts("uuid4", "0a1b2c3d-4e5f-4a7b-8c9d-0e1f2a3b4c5d"));
  CHECK_FALSE(FormatAccepts("uuid4", "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"));  // version 6
  CHECK(FormatAccepts("byte", "aGk="));
  CHECK(FormatAccepts("byte", "aGVsbG8h"));
  CHECK_FALSE(FormatAccepts("byte", ""));
  CHECK_FALSE(FormatAccepts("byte", "aGk"));
  CHECK_FALSE(FormatAccepts("byte", "a=Gk"));
}

TEST_CASE("Go's renderings of bad values") {
  CHECK(GoFloat(1.5) == "1.5");
  CHECK(GoFloat(100000) == "100000");
  CHECK(GoFloat(1000000) == "1e+06");
  CHECK(GoFloat(1234567) == "1.234567e+06");
  CHECK(GoFloat(0.0001) == "0.0001");
  CHECK(GoFloat(0.00001) == "1e-05");
  CHECK(GoFloat(-2.5e-7) == "-2.5e-07");
  CHECK(GoFloat(65535) == "65535");
  CHECK(GoQuote("a\"b\\c\n\x01") == "\"a\\\"b\\\\c\\n\\x01\"");
  validate::manifest::Value map = validate::manifest::Value::Map({});
  map.Set("port", validate::manifest::Value::Int(80, "80", {}));
  map.Set("name", validate::manifest::Value::String("a", {}));
  CHECK(GoValue(map) == "map[string]interface {}{\"name\":\"a\", \"port\":80}");
  CHECK(GoValue(validate::manifest::Value::Null({})) == "\"null\"");
}

// agentgateway's CRD cases (../shared/upstream-testdata/agentgateway-crd-cases) against the
// agentgateway main CRDs: every valid document passes these checks; every invalid document
// whose `_err` these checks can produce is rejected with a message containing it. The others
// are CEL rules (issue 13). The harness writes unknown fields as `unknown fields [a.b]`; the
// server's strict decoding says `unknown field "a.b"`: those cases match on the paths.
TEST_CASE("agentgateway's CRD cases: the schema half") {
  // The main CRDs two ways: built in, and read from their files as `--crds` will read them.
  auto catalog = CrdCatalog::WithBuiltinSets("", "main");
  REQUIRE(catalog);
  std::string from = GENERATE(as<std::string>{}, "built in", "from files");
  if (from == "from files") {
    validate::manifest::DiskFileSystem files;
    validate::manifest::DiagnosticSink sink;
    validate::manifest::LoadOptions options;
    options.paths = {(std::filesystem::path(test::kSharedDir) / "crds/agentgateway-main").string()};
    REQUIRE(catalog->AddFromManifest(validate::manifest::Load(options, files, sink)).empty());
    REQUIRE(catalog->Find("agentgateway.dev", "AgentgatewayBackend")->source !=
            "agentgateway-main");
  }
  FindCrd find = [&](std::string_view kind) { return catalog->Find("agentgateway.dev", kind); };
  std::size_t valid = 0, valid_passed = 0, schema_cases = 0, schema_rejected = 0, cel_cases = 0;
  for (const test::CrdCase& c : test::ReadCrdCases()) {
    const std::string& expected = c.expected;
    const std::string& document = c.document;
    bool invalid = c.invalid;
    INFO(c.file << " #" << c.index << ": " << expected << "\n" << document);
    Checked checked = Check(find, document);
    // The harness prefixes each field error with `<Kind>/<name>/<namespace as written>: `.
    std::string prefix = checked.kind + "/" + checked.name + "/" + checked.namespace_ + ": ";
    std::string all = checked.strict_message;
    for (const std::string& error : checked.errors) {
      all += "\n" + prefix + error;
    }
    if (!invalid) {
      ++valid;
      CHECK(all.empty());
      if (all.empty()) {
        ++valid_passed;
      }
      continue;
    }
    bool unknown_case = expected.starts_with("unknown fields");
    bool matched =
        unknown_case ? !checked.unknown.empty() : all.find(expected) != std::string::npos;
    if (unknown_case && expected.find('[') != std::string::npos) {
      std::string path = expected.substr(expected.find('[') + 1);
      path.pop_back();
      matched =
          std::find(checked.unknown.begin(), checked.unknown.end(), path) != checked.unknown.end();
    }
    if (matched) {
      ++schema_cases;
      ++schema_rejected;
    } else if (all.empty()) {
      ++cel_cases;  // nothing before CEL rejects it: a rule's message (issue 13)
    } else {
      ++schema_cases;  // rejected, but not with the expected words
      CHECK(all.find(expected) != std::string::npos);
    }
  }
  WARN("agentgateway CRD cases (main CRDs "
       << from << "), schema half: " << valid_passed << "/" << valid << " valid documents pass; "
       << schema_rejected << "/" << schema_cases
       << " invalid documents rejected with their message; " << cel_cases
       << " invalid documents left to CEL rules");
  CHECK(valid >= 90);
  CHECK(valid_passed == valid);
  CHECK(schema_rejected == schema_cases);
  CHECK(schema_cases >= 10);
}

}  // namespace
}  // namespace agw::validate::schema
