// CRD loading and compilation: every real CRD of ../shared/crds compiles; the compact form the
// build embeds compiles to the same schema as the YAML it came from; the built-in sets are the
// folders the build was given.

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "tests/support/paths.h"
#include "validate/manifest/file_system.h"
#include "validate/manifest/loader.h"
#include "validate/schema/builtin.h"
#include "validate/schema/catalog.h"
#include "validate/schema/crd.h"

namespace agw::validate::schema {
namespace {

std::filesystem::path CrdsDir() { return std::filesystem::path(test::kSharedDir) / "crds"; }

// Everything a compiled node says, as text, children included: two schemas with the same
// fingerprint validate the same way.
std::string Fingerprint(const Schema& schema) {
  std::string out = "{" + std::string(schema.TypeName());
  auto flag = [&](bool on, const char* name) {
    if (on) {
      out += std::string(" ") + name;
    }
  };
  auto count = [&](const std::optional<std::int64_t>& value, const char* name) {
    if (value) {
      out += std::string(" ") + name + "=" + std::to_string(*value);
    }
  };
  auto number = [&](const std::optional<double>& value, const char* name) {
    if (value) {
      out += std::string(" ") + name + "=" + std::to_string(*value);
    }
  };
  flag(schema.nullable, "nullable");
  flag(schema.int_or_string, "int-or-string");
  flag(schema.preserve_unknown_fields, "preserve");
  flag(schema.embedded_resource, "embedded");
  flag(schema.additional_properties_allowed, "additional");
  flag(schema.exclusive_minimum, "exclusive-min");
  flag(schema.exclusive_maximum, "exclusive-max");
  if (!schema.format.empty()) {
    out += " format=" + schema.format;
  }
  if (!schema.pattern.empty()) {
    out += " pattern=" + schema.pattern;
  }
  if (!schema.list_type.empty()) {
    out += " list=" + schema.list_type;
  }
  for (const std::string& key : schema.list_map_keys) {
    out += " key=" + key;
  }
  for (const std::string& name : schema.required) {
    out += " required=" + name;
  }
  count(schema.min_properties, "minProperties");
  count(schema.max_properties, "maxProperties");
  count(schema.min_items, "minItems");
  count(schema.max_items, "maxItems");
  count(schema.min_length, "minLength");
  count(schema.max_length, "maxLength");
  number(schema.minimum, "minimum");
  number(schema.maximum, "maximum");
  number(schema.multiple_of, "multipleOf");
  for (const Json& value : schema.enum_values) {
    out += " enum=" + value.dump();
  }
  if (schema.default_value) {
    out += " default=" + schema.default_value->dump();
  }
  for (const ValidationRule& rule : schema.rules) {
    out += " rule=" + rule.rule + "|" + rule.message + "|" + rule.message_expression + "|" +
           rule.reason + "|" + rule.field_path + (rule.optional_old_self ? "|old" : "");
  }
  for (const auto& [name, property] : schema.properties) {
    out += " ." + name + "=" + Fingerprint(property);
  }
  if (schema.additional_properties) {
    out += " *=" + Fingerprint(*schema.additional_properties);
  }
  if (schema.items) {
    out += " []=" + Fingerprint(*schema.items);
  }
  for (const Schema& branch : schema.all_of) {
    out += " allOf=" + Fingerprint(branch);
  }
  for (const Schema& branch : schema.any_of) {
    out += " anyOf=" + Fingerprint(branch);
  }
  for (const Schema& branch : schema.one_of) {
    out += " oneOf=" + Fingerprint(branch);
  }
  if (schema.not_schema) {
    out += " not=" + Fingerprint(*schema.not_schema);
  }
  return out + "}";
}

std::string Fingerprint(const Crd& crd) {
  std::string out = crd.group + "/" + crd.kind + " " + crd.plural + " " + crd.list_kind +
                    (crd.namespaced ? " namespaced" : " cluster");
  for (const CrdVersion& version : crd.versions) {
    out += " " + version.name + (version.served ? "+served" : "") +
           (version.storage ? "+storage" : "") + (version.status_subresource ? "+status" : "") +
           (version.deprecated ? "+deprecated:" + version.deprecation_warning : "");
    if (version.schema) {
      out += "=" + Fingerprint(*version.schema);
    }
  }
  return out;
}

// The CRDs of one set folder, read as kubectl reads them: kind -> the object as JSON.
std::map<std::string, Json> ReadCrdFolder(const std::filesystem::path& folder) {
  validate::manifest::DiskFileSystem files;
  validate::manifest::DiagnosticSink sink;
  validate::manifest::LoadOptions options;
  options.paths = {folder.string()};
  options.recursive = false;
  validate::manifest::Manifest manifest = validate::manifest::Load(options, files, sink);
  REQUIRE_FALSE(sink.HasErrors());
  std::map<std::string, Json> crds;
  for (const validate::manifest::Resource& resource : manifest.resources) {
    if (resource.id.kind != "CustomResourceDefinition") {
      continue;
    }
    Json object = resource.object.ToJson();
    std::string kind = object["spec"]["names"]["kind"].get<std::string>();
    crds[kind] = std::move(object);
  }
  return crds;
}

// Whether a `description` (or other documentation) keyword is left on any schema node.
bool HasDocumentation(const Json& node) {
  if (!node.is_object()) {
    return false;
  }
  for (const auto& [key, value] : node.items()) {
    if (key == "description" || key == "example" || key == "externalDocs") {
      return true;
    }
    if (key == "properties" && value.is_object()) {
      for (const auto& [name, property] : value.items()) {
        if (HasDocumentation(property)) {
          return true;
        }
      }
    } else if ((key == "items" || key == "additionalProperties" || key == "not") &&
               HasDocumentation(value)) {
      return true;
    } else if ((key == "allOf" || key == "anyOf" || key == "oneOf") && value.is_array()) {
      for (const Json& branch : value) {
        if (HasDocumentation(branch)) {
          return true;
        }
      }
    }
  }
  return false;
}

TEST_CASE("Every CRD of the shared sets compiles, and its compact form to the same schema") {
  REQUIRE(std::filesystem::is_directory(CrdsDir()));
  std::size_t crds = 0, compact_bytes = 0, original_bytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(CrdsDir())) {
    if (!entry.is_directory()) {
      continue;
    }
    for (const auto& [kind, object] : ReadCrdFolder(entry.path())) {
      INFO(entry.path().filename().string() << " " << kind);
      auto original = CrdFromJson(object, "yaml");
      REQUIRE(original);
      Json compact = CompactCrd(object);
      CHECK(compact.dump().size() < object.dump().size());
      compact_bytes += compact.dump().size();
      original_bytes += object.dump().size();
      for (const Json& version : compact["spec"]["versions"]) {
        CHECK_FALSE(HasDocumentation(version["schema"]["openAPIV3Schema"]));
      }
      auto compiled = CrdFromJson(compact, "compact");
      REQUIRE(compiled);
      CHECK(Fingerprint(*compiled) == Fingerprint(*original));
      CHECK(CompactCrd(compact) == compact);
      ++crds;
    }
  }
  CHECK(crds == 27);  // 6 + 10 Gateway API, 3 + 4 + 4 agentgateway: the loop is not vacuous
  // The documentation is most of a CRD (of the JSON: the YAML's block scalars are larger still).
  CHECK(compact_bytes * 2 < original_bytes);
}

TEST_CASE("The compact form keeps a property named description, and every rule") {
  std::map<std::string, Json> crds = ReadCrdFolder(CrdsDir() / "gateway-api-v1.4.0");
  auto crd = CrdFromJson(CompactCrd(crds.at("GatewayClass")), "compact");
  REQUIRE(crd);
  const CrdVersion* v1 = crd->Version("v1");
  REQUIRE(v1 != nullptr);
  const Schema* description = v1->schema->Property("spec")->Property("description");
  REQUIRE(description != nullptr);
  CHECK(description->type == Schema::Type::kString);
  CHECK(description->max_length == 64);
  const Schema* controller = v1->schema->Property("spec")->Property("controllerName");
  REQUIRE(controller != nullptr);
  REQUIRE(controller->rules.size() == 1);
  CHECK(controller->rules[0].rule == "self == oldSelf");
  CHECK(controller->rules[0].message == "Value is immutable");
  CHECK_FALSE(crd->namespaced);
}

TEST_CASE("A compiled HTTPRoute says what the API server checks") {
  std::map<std::string, Json> crds = ReadCrdFolder(CrdsDir() / "gateway-api-v1.4.0");
  auto crd = CrdFromJson(crds.at("HTTPRoute"), "yaml");
  REQUIRE(crd);
  CHECK(crd->group == "gateway.networking.k8s.io");
  CHECK(crd->plural == "httproutes");
  const CrdVersion* v1 = crd->Version("v1");
  REQUIRE(v1 != nullptr);
  CHECK(v1->served);
  CHECK(v1->storage);
  CHECK(v1->status_subresource);
  const Schema& spec = *v1->schema->Property("spec");
  const Schema& hostnames = *spec.Property("hostnames");
  CHECK(hostnames.max_items == 16);
  CHECK(hostnames.items->max_length == 253);
  CHECK(hostnames.items->pattern_regex != nullptr);
  const Schema& parent = *spec.Property("parentRefs")->items;
  CHECK(parent.required == std::vector<std::string>{"name"});
  CHECK(parent.Property("port")->maximum == 65535);
  CHECK(parent.Property("kind")->default_value == Json("Gateway"));
  const Schema& path = *spec.Property("rules")->items->Property("matches")->items->Property("path");
  CHECK(path.Property("type")->enum_values ==
        std::vector<Json>{"Exact", "PathPrefix", "RegularExpression"});
  CHECK(path.rules.size() >= 3);
  const Schema& add = *spec.Property("rules")
                           ->items->Property("filters")
                           ->items->Property("requestHeaderModifier")
                           ->Property("add");
  CHECK(add.list_type == "map");
  CHECK(add.list_map_keys == std::vector<std::string>{"name"});
  CHECK(crd->Version("v1beta1") != nullptr);
  CHECK(crd->Version("v2") == nullptr);
}

TEST_CASE("CompileSchema names the keyword it cannot read") {
  auto bad_pattern = CompileSchema(Json::parse(R"({"properties":{"a":{"pattern":"(x"}}})"));
  REQUIRE_FALSE(bad_pattern);
  CHECK(bad_pattern.error().starts_with(
      "openAPIV3Schema.properties.a.pattern: pattern does not compile: "));
  auto bad_type = CompileSchema(Json::parse(R"({"items":{"type":"strng"}})"));
  REQUIRE_FALSE(bad_type);
  CHECK(bad_type.error() == R"(openAPIV3Schema.items.type: unknown type "strng")");
  auto bad_required = CompileSchema(Json::parse(R"({"required":"name"})"));
  REQUIRE_FALSE(bad_required);
  CHECK(bad_required.error() == "openAPIV3Schema.required: must be a list of strings");
  auto no_rule = CompileSchema(Json::parse(R"({"x-kubernetes-validations":[{"message":"m"}]})"));
  REQUIRE_FALSE(no_rule);
  CHECK(no_rule.error() == "openAPIV3Schema.x-kubernetes-validations[0]: a rule needs `rule`");
  CHECK_FALSE(CrdFromJson(Json::parse(R"({"kind":"ConfigMap"})"), "f.yaml"));
}

TEST_CASE("The built-in sets are the CRD folders the build was given") {
  std::set<std::string> folders;
  for (const auto& entry : std::filesystem::directory_iterator(CrdsDir())) {
    if (entry.is_directory()) {
      folders.insert(entry.path().filename().string());
    }
  }
  std::set<std::string> built_in;
  for (const BuiltinCrdSet& set : BuiltinCrdSets()) {
    INFO(set.name);
    built_in.insert(std::string(set.name));
    CHECK(std::string(set.project) + "-" + std::string(set.version) == set.name);
    std::map<std::string, Json> crds = ReadCrdFolder(CrdsDir() / std::string(set.name));
    CHECK(set.crds.size() == crds.size());
    for (const BuiltinCrd& embedded : set.crds) {
      INFO(embedded.kind);
      auto loaded = LoadBuiltinCrd(set, embedded);
      REQUIRE(loaded);
      CHECK((*loaded)->kind == embedded.kind);
      CHECK((*loaded)->group == embedded.group);
      CHECK((*loaded)->source == set.name);
      auto from_yaml = CrdFromJson(crds.at(std::string(embedded.kind)), "yaml");
      REQUIRE(from_yaml);
      CHECK(Fingerprint(**loaded) == Fingerprint(*from_yaml));
      CHECK(*LoadBuiltinCrd(set, embedded) == *loaded);  // parsed once, then shared
    }
  }
  CHECK(built_in == folders);
}

TEST_CASE("The default built-in set is the newest release; main only by name") {
  REQUIRE(FindBuiltinCrdSet("gateway-api") != nullptr);
  CHECK(FindBuiltinCrdSet("gateway-api")->version == "v1.6.1");
  CHECK(FindBuiltinCrdSet("agentgateway")->version == "v1.4.1");
  CHECK(FindBuiltinCrdSet("agentgateway", "main")->version == "main");
  CHECK(FindBuiltinCrdSet("agentgateway", "v1.1.0")->name == "agentgateway-v1.1.0");
  CHECK(FindBuiltinCrdSet("agentgateway", "v9.9.9") == nullptr);
  CHECK(FindBuiltinCrdSet("cert-manager") == nullptr);
  CHECK(BuiltinVersions("agentgateway") ==
        std::vector<std::string_view>{"v1.4.1", "v1.1.0", "main"});
  CHECK(BuiltinVersions("gateway-api") == std::vector<std::string_view>{"v1.6.1", "v1.4.0"});
}

TEST_CASE("A catalog holds one built-in set per project, newest release by default") {
  auto newest = CrdCatalog::WithBuiltinSets("", "");
  REQUIRE(newest);
  CHECK(newest->Sources() == std::vector<std::string>{"gateway-api-v1.6.1", "agentgateway-v1.4.1"});
  REQUIRE(newest->Find("gateway.networking.k8s.io", "HTTPRoute") != nullptr);
  CHECK(newest->Find("gateway.networking.k8s.io", "HTTPRoute")->source == "gateway-api-v1.6.1");
  CHECK(newest->Find("gateway.networking.k8s.io", "ListenerSet") != nullptr);
  CHECK(newest->Find("gateway.networking.k8s.io", "HttpRoute") == nullptr);
  CHECK(newest->KnowsGroup("agentgateway.dev"));
  CHECK_FALSE(newest->KnowsGroup("cert-manager.io"));
  CHECK(newest->KindsOf("agentgateway.dev") ==
        std::vector<std::string>{"AgentgatewayBackend", "AgentgatewayModel",
                                 "AgentgatewayParameters", "AgentgatewayPolicy"});

  auto older = CrdCatalog::WithBuiltinSets("v1.4.0", "v1.1.0");
  REQUIRE(older);
  CHECK(older->Find("gateway.networking.k8s.io", "ListenerSet") == nullptr);  // from v1.5
  CHECK(older->Find("agentgateway.dev", "AgentgatewayModel") == nullptr);
  CHECK(older->Find("agentgateway.dev", "AgentgatewayBackend")->source == "agentgateway-v1.1.0");

  auto missing = CrdCatalog::WithBuiltinSets("v9.9.9", "");
  REQUIRE_FALSE(missing);
  CHECK(missing.error() == "no built-in gateway-api CRDs v9.9.9 (built in: v1.6.1, v1.4.0)");
}

TEST_CASE("CRDs from files replace the built-in ones of the same group and kind") {
  auto catalog = CrdCatalog::WithBuiltinSets("", "");
  REQUIRE(catalog);
  validate::manifest::DiskFileSystem files;
  validate::manifest::DiagnosticSink sink;
  validate::manifest::LoadOptions options;
  std::string folder = (CrdsDir() / "agentgateway-main").string();
  options.paths = {folder};
  validate::manifest::Manifest crds = validate::manifest::Load(options, files, sink);
  CHECK(catalog->AddFromManifest(crds).empty());
  std::shared_ptr<const Crd> backend = catalog->Find("agentgateway.dev", "AgentgatewayBackend");
  REQUIRE(backend != nullptr);
  CHECK(backend->source == folder + "/agentgateway.dev_agentgatewaybackends.yaml");
  CHECK(catalog->Find("gateway.networking.k8s.io", "HTTPRoute")->source == "gateway-api-v1.6.1");
  CHECK(catalog->Sources().size() == 6);  // two sets, four files

  validate::manifest::Manifest broken;
  validate::manifest::LoadText(broken, "broken.yaml", R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, properties: {spec: {type: objekt}}}}
)",
                               {}, sink);
  CHECK(catalog->AddFromManifest(broken) ==
        std::vector<std::string>{"broken.yaml: Widget v1: openAPIV3Schema.properties.spec.type: "
                                 "unknown type \"objekt\""});
  CHECK(catalog->Find("example.com", "Widget") == nullptr);
}

}  // namespace
}  // namespace agw::validate::schema
