#include "validate/cluster/live_objects.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

namespace agw::validate::cluster {
namespace {

using Json = nlohmann::json;

std::string Label(const std::string& kind, const std::string& namespace_, const std::string& name) {
  return "live:" + kind + "/" + (namespace_.empty() ? "" : namespace_ + "/") + name;
}

// metadata.namespace and metadata.name of a listed object ("" when absent or not strings).
std::pair<std::string, std::string> NamespaceAndName(const std::string& json) {
  Json object = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!object.is_object()) {
    return {};
  }
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) {
    return {};
  }
  auto text = [&](const char* key) {
    auto found = metadata->find(key);
    return found != metadata->end() && found->is_string() ? found->get<std::string>()
                                                          : std::string();
  };
  return {text("namespace"), text("name")};
}

}  // namespace

Expected<LiveObjects> FetchLiveObjects(ApiClient& api,
                                       const std::vector<manifest::Resource>& resources,
                                       std::string_view prune_selector) {
  LiveObjects live;
  // (kind, namespace, name) already read, so a listed object is added once.
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  std::set<std::string> unserved;
  // The namespaces each served kind appears in, for pruning ("" for cluster-scoped kinds).
  std::map<std::pair<std::string, std::string>, std::set<std::string>> scopes;
  for (const manifest::Resource& resource : resources) {
    GroupVersionKind gvk = GroupVersionKind::Of(resource.api_version, resource.id.kind);
    Expected<std::optional<ApiResource>> found = api.FindResource(gvk);
    if (!found) {
      return tl::unexpected(found.error());
    }
    if (!*found) {
      std::string note = "the server does not serve " + gvk.kind + " in " + gvk.ApiVersion() +
                         " (is the CRD installed?)";
      if (unserved.insert(note).second) {
        live.notes.push_back(std::move(note));
      }
      continue;
    }
    std::string namespace_ = (*found)->namespaced ? resource.id.namespace_ : "";
    scopes[{resource.api_version, resource.id.kind}].insert(namespace_);
    if (!seen.insert({resource.id.kind, namespace_, resource.id.name}).second) {
      continue;
    }
    Expected<std::optional<std::string>> object = api.Get(gvk, namespace_, resource.id.name);
    if (!object) {
      return tl::unexpected(object.error());
    }
    if (*object) {
      live.objects.push_back({Label(gvk.kind, namespace_, resource.id.name), std::move(**object)});
    }
  }
  if (prune_selector.empty()) {
    return live;
  }
  for (const auto& [api_version_kind, namespaces] : scopes) {
    GroupVersionKind gvk = GroupVersionKind::Of(api_version_kind.first, api_version_kind.second);
    for (const std::string& namespace_ : namespaces) {
      Expected<std::vector<std::string>> items = api.List(gvk, namespace_, prune_selector);
      if (!items) {
        return tl::unexpected(items.error());
      }
      for (std::string& item : *items) {
        auto [item_namespace, name] = NamespaceAndName(item);
        if (name.empty() || !seen.insert({gvk.kind, item_namespace, name}).second) {
          continue;
        }
        live.objects.push_back({Label(gvk.kind, item_namespace, name), std::move(item)});
      }
    }
  }
  return live;
}

Expected<std::vector<std::string>> FetchCrds(ApiClient& api,
                                             const std::vector<std::string>& groups) {
  Expected<std::vector<std::string>> items =
      api.List({"apiextensions.k8s.io", "v1", "CustomResourceDefinition"}, "");
  if (!items) {
    return tl::unexpected(items.error());
  }
  std::vector<std::string> crds;
  for (std::string& item : *items) {
    const Json crd = Json::parse(item, nullptr, /*allow_exceptions=*/false);
    if (!crd.is_object()) {
      continue;
    }
    auto spec = crd.find("spec");
    if (spec == crd.end() || !spec->is_object()) {
      continue;
    }
    auto group = spec->find("group");
    if (group == spec->end() || !group->is_string() ||
        std::find(groups.begin(), groups.end(), group->get<std::string>()) == groups.end()) {
      continue;
    }
    crds.push_back(std::move(item));
  }
  return crds;
}

}  // namespace agw::validate::cluster
