#include "validate/schema/catalog.h"

#include <algorithm>

namespace agw::validate::schema {

tl::expected<CrdCatalog, std::string> CrdCatalog::WithBuiltinSets(
    std::string_view gateway_api_version, std::string_view agentgateway_version) {
  CrdCatalog catalog;
  if (BuiltinCrdSets().empty()) {
    return catalog;
  }
  for (auto [project, version] :
       {std::pair{std::string_view("gateway-api"), gateway_api_version},
        std::pair{std::string_view("agentgateway"), agentgateway_version}}) {
    const BuiltinCrdSet* set = FindBuiltinCrdSet(project, version);
    if (set == nullptr) {
      std::string known;
      for (std::string_view name : BuiltinVersions(project)) {
        known += (known.empty() ? "" : ", ") + std::string(name);
      }
      return tl::unexpected("no built-in " + std::string(project) + " CRDs " +
                            std::string(version.empty() ? "release" : version) +
                            " (built in: " + (known.empty() ? "none" : known) + ")");
    }
    for (const BuiltinCrd& crd : set->crds) {
      catalog.entries_[{std::string(crd.group), std::string(crd.kind)}] = {set, &crd, nullptr};
    }
    catalog.sources_.emplace_back(set->name);
  }
  return catalog;
}

const CrdCatalog& CrdCatalog::Default() {
  static const CrdCatalog* catalog = new CrdCatalog(WithBuiltinSets("", "").value_or(CrdCatalog()));
  return *catalog;
}

std::vector<std::string> CrdCatalog::AddFromManifest(const manifest::Manifest& manifest) {
  std::vector<std::string> problems;
  for (const manifest::Resource& resource : manifest.resources) {
    if (resource.id.kind != "CustomResourceDefinition") {
      continue;
    }
    std::string file = resource.position.file != nullptr ? resource.position.file->path() : "";
    auto crd = CrdFromJson(resource.object.ToJson(), file);
    if (!crd) {
      problems.push_back(crd.error());
      continue;
    }
    std::pair<std::string, std::string> key{crd->group, crd->kind};
    entries_[key] = {nullptr, nullptr, std::make_shared<const Crd>(std::move(*crd))};
    if (std::find(sources_.begin(), sources_.end(), file) == sources_.end()) {
      sources_.push_back(file);
    }
  }
  return problems;
}

std::vector<std::string> CrdCatalog::AddFromFiles(const std::vector<std::string>& paths,
                                                  const manifest::FileSystem& file_system) {
  std::vector<std::string> problems;
  for (const std::string& path : paths) {
    manifest::LoadOptions load;
    load.paths = {path};
    manifest::DiagnosticSink sink;
    manifest::Manifest manifest = manifest::Load(load, file_system, sink);
    for (const Error& error : manifest.unreadable) {
      problems.push_back("--crds: " + error.message);
    }
    for (const manifest::Diagnostic& finding : sink.diagnostics()) {
      // Errors of a whole document (syntax) lose CRDs; findings about objects do not matter.
      if (finding.severity != manifest::Severity::kError || !finding.resource.empty()) {
        continue;
      }
      std::string where =
          finding.position.file != nullptr
              ? finding.position.file->path() + ":" + std::to_string(finding.position.line) + ": "
              : "";
      problems.push_back("--crds: " + where + finding.message);
    }
    bool found = false;
    for (const manifest::Resource& resource : manifest.resources) {
      found = found || resource.id.kind == "CustomResourceDefinition";
    }
    for (std::string& problem : AddFromManifest(manifest)) {
      problems.push_back("--crds: " + std::move(problem));
    }
    if (!found && manifest.unreadable.empty()) {
      problems.push_back("--crds: " + path + " holds no CustomResourceDefinition");
    }
  }
  return problems;
}

std::shared_ptr<const Crd> CrdCatalog::Find(std::string_view group, std::string_view kind) const {
  auto found = entries_.find(std::pair<std::string, std::string>(group, kind));
  if (found == entries_.end()) {
    return nullptr;
  }
  const Entry& entry = found->second;
  if (entry.crd) {
    return entry.crd;
  }
  auto loaded = LoadBuiltinCrd(*entry.set, *entry.builtin);
  return loaded ? *loaded : nullptr;  // a built-in CRD always loads (tests/schema)
}

bool CrdCatalog::KnowsGroup(std::string_view group) const {
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const auto& entry) { return entry.first.first == group; });
}

std::vector<std::string> CrdCatalog::KindsOf(std::string_view group) const {
  std::vector<std::string> kinds;
  for (const auto& [key, entry] : entries_) {
    if (key.first == group) {
      kinds.push_back(key.second);
    }
  }
  return kinds;  // the map's order: sorted
}

std::vector<std::string> CrdCatalog::Sources() const { return sources_; }

}  // namespace agw::validate::schema
