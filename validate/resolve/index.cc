#include "validate/resolve/index.h"

#include <algorithm>
#include <set>

namespace agw::validate::resolve {
namespace {

template <typename T>
void IndexAll(const std::vector<T>& objects,
              std::map<std::tuple<std::string, std::string, std::string, std::string>, std::size_t,
                       std::less<>>& positions) {
  for (std::size_t i = 0; i < objects.size(); ++i) {
    const manifest::ResourceId& id = objects[i].id;
    positions.emplace(std::tuple(id.group, id.kind, id.namespace_, id.name), i);
  }
}

}  // namespace

ObjectIndex::ObjectIndex(const model::Model& model) : model_(model) {
  IndexAll(model.gateway_classes, positions_);
  IndexAll(model.gateways, positions_);
  IndexAll(model.listener_sets, positions_);
  IndexAll(model.http_routes, positions_);
  IndexAll(model.grpc_routes, positions_);
  IndexAll(model.reference_grants, positions_);
  IndexAll(model.secrets, positions_);
  IndexAll(model.services, positions_);
  IndexAll(model.namespaces, positions_);
  IndexAll(model.backends, positions_);
  IndexAll(model.policies, positions_);
  IndexAll(model.models, positions_);
  for (const manifest::Resource* resource : model.other) {
    positions_.emplace(std::tuple(resource->id.group, resource->id.kind, resource->id.namespace_,
                                  resource->id.name),
                       0);
    others_.emplace(std::tuple(resource->id.group, resource->id.kind, resource->id.namespace_,
                               resource->id.name),
                    resource);
  }
}

template <typename T>
const T* ObjectIndex::Find(const std::vector<T>& objects, std::string_view kind,
                           std::string_view ns, std::string_view name) const {
  if (objects.empty()) {
    return nullptr;
  }
  const std::string& group = objects.front().id.group;
  auto it =
      positions_.find(std::tuple(group, std::string(kind), std::string(ns), std::string(name)));
  return it == positions_.end() ? nullptr : &objects[it->second];
}

const model::GatewayClass* ObjectIndex::FindGatewayClass(std::string_view name) const {
  return Find(model_.gateway_classes, "GatewayClass", "", name);
}
const model::Gateway* ObjectIndex::FindGateway(std::string_view ns, std::string_view name) const {
  return Find(model_.gateways, "Gateway", ns, name);
}
const model::ListenerSet* ObjectIndex::FindListenerSet(std::string_view ns,
                                                       std::string_view name) const {
  return Find(model_.listener_sets, "ListenerSet", ns, name);
}
const model::HTTPRoute* ObjectIndex::FindHTTPRoute(std::string_view ns,
                                                   std::string_view name) const {
  return Find(model_.http_routes, "HTTPRoute", ns, name);
}
const model::GRPCRoute* ObjectIndex::FindGRPCRoute(std::string_view ns,
                                                   std::string_view name) const {
  return Find(model_.grpc_routes, "GRPCRoute", ns, name);
}
const model::Service* ObjectIndex::FindService(std::string_view ns, std::string_view name) const {
  return Find(model_.services, "Service", ns, name);
}
const model::Secret* ObjectIndex::FindSecret(std::string_view ns, std::string_view name) const {
  return Find(model_.secrets, "Secret", ns, name);
}
const model::AgentgatewayBackend* ObjectIndex::FindBackend(std::string_view ns,
                                                           std::string_view name) const {
  return Find(model_.backends, "AgentgatewayBackend", ns, name);
}
const model::AgentgatewayModel* ObjectIndex::FindModel(std::string_view ns,
                                                       std::string_view name) const {
  return Find(model_.models, "AgentgatewayModel", ns, name);
}
const model::Namespace* ObjectIndex::FindNamespace(std::string_view name) const {
  return Find(model_.namespaces, "Namespace", "", name);
}

const manifest::Resource* ObjectIndex::FindOther(std::string_view group, std::string_view kind,
                                                 std::string_view ns, std::string_view name) const {
  auto it = others_.find(
      std::tuple(std::string(group), std::string(kind), std::string(ns), std::string(name)));
  return it == others_.end() ? nullptr : it->second;
}

std::optional<std::map<std::string, std::string>> ObjectIndex::ConfigMapData(
    std::string_view ns, std::string_view name) const {
  const manifest::Resource* config_map = FindOther("", "ConfigMap", ns, name);
  if (config_map == nullptr) {
    return std::nullopt;
  }
  std::map<std::string, std::string> data;
  if (const manifest::Value* entries = config_map->object.Find("data")) {
    for (const manifest::MapEntry& entry : entries->entries()) {
      data[entry.key] = entry.value.is_null() ? "" : entry.value.text();
    }
  }
  return data;
}

std::vector<NamedObject> ObjectIndex::Names(std::string_view group, std::string_view kind) const {
  std::vector<NamedObject> names;
  for (auto it = positions_.lower_bound(
           std::tuple(std::string(group), std::string(kind), std::string(), std::string()));
       it != positions_.end() && std::get<0>(it->first) == group && std::get<1>(it->first) == kind;
       ++it) {
    names.push_back({std::get<2>(it->first), std::get<3>(it->first)});
  }
  return names;
}

bool ObjectIndex::Contains(std::string_view group, std::string_view kind, std::string_view ns,
                           std::string_view name) const {
  return positions_.count(std::tuple(std::string(group), std::string(kind), std::string(ns),
                                     std::string(name))) != 0;
}

bool ObjectIndex::ReferenceGranted(std::string_view from_group, std::string_view from_kind,
                                   std::string_view from_namespace, std::string_view to_group,
                                   std::string_view to_kind, std::string_view to_namespace,
                                   std::string_view to_name) const {
  static const std::set<std::string_view> kFromKinds = {
      "AgentgatewayPolicy", "AgentgatewayBackend", "Gateway", "HTTPRoute", "GRPCRoute", "TCPRoute",
      "TLSRoute",           "ListenerSet"};
  static const std::set<std::string_view> kToKinds = {"Service", "Secret", "AgentgatewayBackend",
                                                      "HTTPRoute"};
  if (kFromKinds.count(from_kind) == 0 || kToKinds.count(to_kind) == 0) {
    return false;
  }
  for (const model::ReferenceGrant& grant : model_.reference_grants) {
    if (grant.metadata.namespace_ != to_namespace) {
      continue;
    }
    bool from_matches = std::any_of(grant.from.begin(), grant.from.end(), [&](const auto& from) {
      return from.group == from_group && from.kind == from_kind &&
             from.namespace_ == from_namespace;
    });
    bool to_matches = std::any_of(grant.to.begin(), grant.to.end(), [&](const auto& to) {
      return to.group == to_group && to.kind == to_kind && (!to.name || *to.name == to_name);
    });
    if (from_matches && to_matches) {
      return true;
    }
  }
  return false;
}

bool HostnameMatches(std::string_view a, std::string_view b) {
  bool a_wildcard = !a.empty() && a[0] == '*';
  bool b_wildcard = !b.empty() && b[0] == '*';
  if (a_wildcard && b_wildcard) {
    std::string_view a_suffix = a.substr(1);
    std::string_view b_suffix = b.substr(1);
    return a_suffix.size() < b_suffix.size() ? b_suffix.ends_with(a_suffix)
                                             : a_suffix.ends_with(b_suffix);
  }
  if (a_wildcard) {
    return b.ends_with(a.substr(1));
  }
  if (b_wildcard) {
    return a.ends_with(b.substr(1));
  }
  return a == b;
}

}  // namespace agw::validate::resolve
