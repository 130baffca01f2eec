#include "validate/schema/catalog.h"

#include <algorithm>

namespace agw::schema {

tl::expected<CrdCatalog, std::string> CrdCatalog::WithBuiltinSets(
    std::string_view gateway_api_version, std::string_view agentgateway_version) {
  CrdCatalog catalog;
  if (BuiltinCrdSets().empty()) return catalog;
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
    if (resource.id.kind != "CustomResourceDefinition") continue;
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

std::shared_ptr<const Crd> CrdCatalog::Find(std::string_view group, std::string_view kind) const {
  auto found = entries_.find(std::pair<std::string, std::string>(group, kind));
  if (found == entries_.end()) return nullptr;
  const Entry& entry = found->second;
  if (entry.crd) return entry.crd;
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
    if (key.first == group) kinds.push_back(key.second);
  }
  return kinds;  // the map's order: sorted
}

std::vector<std::string> CrdCatalog::Sources() const { return sources_; }

}  // namespace agw::schema
