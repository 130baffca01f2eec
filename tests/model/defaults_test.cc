// Checks model::SchemaDefaults() against the `default:` values of the real CRDs in ../shared, so
// the table the model applies cannot drift from what the API server applies.

#include <filesystem>
#include <map>
#include <set>
#include <tuple>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/paths.h"
#include "validate/manifest/diagnostic.h"
#include "validate/manifest/file_system.h"
#include "validate/manifest/loader.h"
#include "validate/manifest/value.h"
#include "validate/model/defaults.h"

namespace {

using agw::manifest::Value;

// One CRD file and the version whose schema the model follows.
struct CrdFile {
  std::string directory;  // under kSharedDir/crds
  std::string file;
  std::string version;
};

// The `.spec` defaults of one kind: path in SchemaDefault::path notation -> default value.
struct KindDefaults {
  std::string group;
  std::string kind;
  std::map<std::string, nlohmann::json> defaults;
};

using GroupKind = std::pair<std::string, std::string>;

std::string CrdDirectory(const std::string& directory) {
  return std::string(agw::test::kSharedDir) + "/crds/" + directory;
}

// The CRDs the table is built from: Gateway API v1.4.0 standard (served version v1, except
// ReferenceGrant, which v1.4.0 serves only as v1beta1) and agentgateway v1.4.1 (v1alpha1).
std::vector<CrdFile> ReleaseCrds() {
  const std::string gw = "gateway-api-v1.4.0";
  const std::string agw = "agentgateway-v1.4.1";
  return {
      {gw, "gateway.networking.k8s.io_gatewayclasses.yaml", "v1"},
      {gw, "gateway.networking.k8s.io_gateways.yaml", "v1"},
      {gw, "gateway.networking.k8s.io_httproutes.yaml", "v1"},
      {gw, "gateway.networking.k8s.io_grpcroutes.yaml", "v1"},
      {gw, "gateway.networking.k8s.io_referencegrants.yaml", "v1beta1"},
      {agw, "agentgateway.dev_agentgatewaybackends.yaml", "v1alpha1"},
      {agw, "agentgateway.dev_agentgatewaypolicies.yaml", "v1alpha1"},
  };
}

std::vector<CrdFile> AgentgatewayMainCrds() {
  return {
      {"agentgateway-main", "agentgateway.dev_agentgatewaybackends.yaml", "v1alpha1"},
      {"agentgateway-main", "agentgateway.dev_agentgatewaypolicies.yaml", "v1alpha1"},
  };
}

// Fails the test with a clear message when a CRD folder is missing (CI always has ../shared).
void RequireCrdDirectories(const std::vector<CrdFile>& crds) {
  for (const CrdFile& crd : crds) {
    std::string directory = CrdDirectory(crd.directory);
    if (!std::filesystem::is_directory(directory)) {
      FAIL("CRD directory " << directory
                            << " is missing: the defaults test needs the shared reference data "
                               "(set AGW_SHARED_DIR to the folder holding crds/)");
    }
  }
}

// JSON as a comparable value (object key order ignored; integers compared by value).
nlohmann::json Canonical(const nlohmann::ordered_json& json) {
  return nlohmann::json::parse(json.dump());
}

// Collects every `default:` under `schema`. Object properties add ".name", array items "[*]",
// additionalProperties "[key]". Defaults inside allOf/anyOf/oneOf/not are forbidden in structural
// schemas, so those branches are not walked.
void CollectDefaults(const Value& schema, const std::string& path,
                     std::map<std::string, nlohmann::json>& out) {
  if (!schema.is_map()) {
    return;
  }
  if (const Value* value = schema.Find("default"); value != nullptr) {
    out[path] = Canonical(value->ToJson());
  }
  if (const Value* properties = schema.Find("properties"); properties && properties->is_map()) {
    for (const agw::manifest::MapEntry& entry : properties->entries()) {
      CollectDefaults(entry.value, path + "." + entry.key, out);
    }
  }
  if (const Value* items = schema.Find("items"); items != nullptr) {
    CollectDefaults(*items, path + "[*]", out);
  }
  if (const Value* additional = schema.Find("additionalProperties"); additional != nullptr) {
    CollectDefaults(*additional, path + "[key]", out);
  }
}

bool IsSpecPath(const std::string& path) {
  return path == ".spec" || path.rfind(".spec.", 0) == 0 || path.rfind(".spec[", 0) == 0;
}

// Loads one CRD with the project's own loader and returns the `.spec` defaults of `version`.
KindDefaults ReadCrd(const CrdFile& crd) {
  std::string path = CrdDirectory(crd.directory) + "/" + crd.file;
  INFO("CRD " << path << " version " << crd.version);
  agw::manifest::DiskFileSystem file_system;
  agw::manifest::LoadOptions options;
  options.paths = {path};
  agw::manifest::DiagnosticSink sink;
  agw::manifest::Manifest manifest = agw::manifest::Load(options, file_system, sink);
  for (const agw::Error& error : manifest.unreadable) {
    FAIL("cannot read the CRD: " << error.message);
  }
  for (const agw::manifest::Diagnostic& diagnostic : sink.diagnostics()) {
    FAIL("loading the CRD reported: " << agw::manifest::RenderText(diagnostic));
  }
  REQUIRE(manifest.resources.size() == 1);
  const agw::manifest::Resource& resource = manifest.resources.front();
  REQUIRE(resource.id.kind == "CustomResourceDefinition");

  const Value* spec = resource.object.Find("spec");
  REQUIRE(spec != nullptr);
  const Value* group = spec->Find("group");
  const Value* names = spec->Find("names");
  REQUIRE(group != nullptr);
  REQUIRE(names != nullptr);
  const Value* kind = names->Find("kind");
  REQUIRE(kind != nullptr);

  KindDefaults result;
  result.group = group->text();
  result.kind = kind->text();

  const Value* versions = spec->Find("versions");
  REQUIRE(versions != nullptr);
  const Value* schema = nullptr;
  for (const Value& version : versions->items()) {
    const Value* name = version.Find("name");
    const Value* served = version.Find("served");
    if (name == nullptr || name->text() != crd.version || served == nullptr ||
        !served->is_bool() || !served->bool_value()) {
      continue;
    }
    const Value* wrapper = version.Find("schema");
    schema = wrapper != nullptr ? wrapper->Find("openAPIV3Schema") : nullptr;
  }
  if (schema == nullptr) {
    FAIL("no served version " << crd.version << " with schema.openAPIV3Schema in " << path);
  }

  std::map<std::string, nlohmann::json> all;
  CollectDefaults(*schema, "", all);
  for (auto& [default_path, value] : all) {
    if (IsSpecPath(default_path)) {
      result.defaults.emplace(default_path, std::move(value));
    }
  }
  return result;
}

std::map<GroupKind, KindDefaults> ReadCrds(const std::vector<CrdFile>& crds) {
  RequireCrdDirectories(crds);
  std::map<GroupKind, KindDefaults> result;
  for (const CrdFile& crd : crds) {
    KindDefaults defaults = ReadCrd(crd);
    GroupKind key{defaults.group, defaults.kind};
    result.emplace(std::move(key), std::move(defaults));
  }
  return result;
}

// The CRDs are large (the AgentgatewayBackend one is about 1 MB), so each set is read once.
const std::map<GroupKind, KindDefaults>& ReleaseDefaults() {
  static const std::map<GroupKind, KindDefaults> defaults = ReadCrds(ReleaseCrds());
  return defaults;
}

// Table rows of one group/kind: path -> value.
std::map<std::string, nlohmann::json> TableRows(const std::string& group,
                                                const std::string& kind) {
  std::map<std::string, nlohmann::json> rows;
  for (const agw::model::SchemaDefault& row : agw::model::SchemaDefaults()) {
    if (row.group == group && row.kind == kind) {
      rows.emplace(row.path, nlohmann::json::parse(row.json));
    }
  }
  return rows;
}

}  // namespace

TEST_CASE("The schema defaults table has one well-formed row per group, kind and path") {
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  for (const agw::model::SchemaDefault& row : agw::model::SchemaDefaults()) {
    INFO(row.group << " " << row.kind << " " << row.path << " = " << row.json);
    CHECK(seen.emplace(row.group, row.kind, row.path).second);
    CHECK(IsSpecPath(row.path));
    CHECK_NOTHROW(nlohmann::json::parse(row.json));
  }
  CHECK(seen.size() == agw::model::SchemaDefaults().size());
}

TEST_CASE("Every schema default the model applies is a default of the same value in the CRDs") {
  const auto& crds = ReleaseDefaults();
  int checked = 0;
  for (const agw::model::SchemaDefault& row : agw::model::SchemaDefaults()) {
    INFO(row.group << " " << row.kind << " " << row.path << " = " << row.json);
    auto crd = crds.find({row.group, row.kind});
    if (crd == crds.end()) {
      FAIL_CHECK("no CRD was read for this kind");
      continue;
    }
    auto found = crd->second.defaults.find(row.path);
    if (found == crd->second.defaults.end()) {
      FAIL_CHECK("the CRD has no default at this path");
      continue;
    }
    nlohmann::json table_value = nlohmann::json::parse(row.json);
    const nlohmann::json& crd_value = found->second;
    CAPTURE(crd_value.dump());
    CHECK(table_value == crd_value);
    ++checked;
  }
  CHECK(checked == static_cast<int>(agw::model::SchemaDefaults().size()));
  WARN("checked " << checked << " schema defaults of the model against the release CRDs");
}

TEST_CASE("Every spec default in the CRDs is in the model's schema defaults table") {
  const auto& crds = ReleaseDefaults();
  // Every kind the table covers has a CRD, and every kind read is checked, including the ones
  // without spec defaults (GatewayClass, ReferenceGrant), which must then have no rows.
  REQUIRE(crds.size() == ReleaseCrds().size());
  std::size_t crd_defaults = 0;
  for (const auto& [key, kind] : crds) {
    INFO(kind.group << " " << kind.kind);
    std::map<std::string, nlohmann::json> rows = TableRows(kind.group, kind.kind);
    std::set<std::string> crd_paths;
    for (const auto& [path, value] : kind.defaults) {
      crd_paths.insert(path);
    }
    std::set<std::string> table_paths;
    for (const auto& [path, value] : rows) {
      table_paths.insert(path);
    }
    for (const std::string& path : crd_paths) {
      if (table_paths.count(path) == 0) {
        FAIL_CHECK("the CRD default " << path << " = " << kind.defaults.at(path).dump()
                                      << " is not in the table");
      }
    }
    for (const std::string& path : table_paths) {
      if (crd_paths.count(path) == 0) {
        FAIL_CHECK("the table row " << path << " is not a default in the CRD");
      }
    }
    CHECK(crd_paths == table_paths);
    crd_defaults += kind.defaults.size();
  }
  std::size_t table_rows = 0;
  for (const agw::model::SchemaDefault& row : agw::model::SchemaDefaults()) {
    INFO(row.group << " " << row.kind << " " << row.path);
    CHECK(crds.count({row.group, row.kind}) == 1);
    ++table_rows;
  }
  CHECK(crd_defaults == table_rows);
  WARN("checked " << crd_defaults << " spec defaults of " << crds.size()
                  << " release CRDs against the table");
}

// agentgateway `main` moves ahead of the release the table follows (v1.4.1) and may add or
// change defaults (for example tls.caCertificateRefs[*].kind). That is expected, not a bug in
// the table, so the differences are listed as a warning for whoever updates the table next,
// and the test never fails on them.
TEST_CASE("Differences between the schema defaults table and the agentgateway main CRDs are listed") {
  std::vector<CrdFile> crds = AgentgatewayMainCrds();
  if (!std::filesystem::is_directory(CrdDirectory(crds.front().directory))) {
    WARN("no " << CrdDirectory(crds.front().directory) << ": the comparison with main is skipped");
    return;
  }
  std::map<GroupKind, KindDefaults> main = ReadCrds(crds);
  // The same Go types repeat under many parents, so one change shows up at many paths. The
  // differences are grouped by what changed at the last two path segments, with one example.
  struct Group {
    std::size_t count = 0;
    std::string example;
  };
  std::map<std::string, Group> differences;
  auto note = [&](const std::string& kind, const std::string& path, const std::string& what) {
    std::size_t cut = path.rfind('.');
    if (cut != std::string::npos && cut > 0) {
      cut = path.rfind('.', cut - 1);
    }
    std::string leaf = cut == std::string::npos ? path : path.substr(cut + 1);
    Group& group = differences[leaf + " " + what];
    std::string example = kind + " " + path;
    if (group.count++ == 0 || example.size() < group.example.size()) {
      group.example = example;
    }
  };
  std::size_t compared = 0;
  std::size_t different = 0;
  for (const auto& [key, kind] : main) {
    std::map<std::string, nlohmann::json> rows = TableRows(kind.group, kind.kind);
    for (const auto& [path, value] : kind.defaults) {
      ++compared;
      auto row = rows.find(path);
      if (row == rows.end()) {
        ++different;
        note(kind.kind, path, "= " + value.dump() + ": only in main");
      } else if (row->second != value) {
        ++different;
        note(kind.kind, path,
             ": main has " + value.dump() + ", the table " + row->second.dump());
      }
    }
    for (const auto& [path, value] : rows) {
      if (kind.defaults.count(path) == 0) {
        ++different;
        note(kind.kind, path, "= " + value.dump() + ": not a default in main");
      }
    }
  }
  CHECK(main.size() == crds.size());
  std::string listing;
  for (const auto& [what, group] : differences) {
    listing += "\n  " + what + " (" + std::to_string(group.count) + " path(s), e.g. " +
               group.example + ")";
  }
  WARN("compared " << compared << " defaults of the agentgateway main CRDs with the table: "
                   << different << " difference(s)" << listing);
}
