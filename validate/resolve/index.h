#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "validate/model/model.h"
#include "validate/resolve/suggest.h"

namespace agw::validate::resolve {

// Looks objects of a Model up by identity. Borrows the Model; build once per resolution.
class ObjectIndex {
 public:
  explicit ObjectIndex(const model::Model& model);

  const model::GatewayClass* FindGatewayClass(std::string_view name) const;
  const model::Gateway* FindGateway(std::string_view ns, std::string_view name) const;
  const model::ListenerSet* FindListenerSet(std::string_view ns, std::string_view name) const;
  const model::HTTPRoute* FindHTTPRoute(std::string_view ns, std::string_view name) const;
  const model::GRPCRoute* FindGRPCRoute(std::string_view ns, std::string_view name) const;
  const model::Service* FindService(std::string_view ns, std::string_view name) const;
  const model::Secret* FindSecret(std::string_view ns, std::string_view name) const;
  const model::AgentgatewayBackend* FindBackend(std::string_view ns, std::string_view name) const;
  const model::AgentgatewayModel* FindModel(std::string_view ns, std::string_view name) const;
  const model::Namespace* FindNamespace(std::string_view name) const;
  // An object of a kind the model does not decode (ConfigMap, InferencePool, ...), as loaded.
  const manifest::Resource* FindOther(std::string_view group, std::string_view kind,
                                      std::string_view ns, std::string_view name) const;
  // The `data` of ConfigMap ns/name; nullopt when there is no such ConfigMap.
  std::optional<std::map<std::string, std::string>> ConfigMapData(std::string_view ns,
                                                                  std::string_view name) const;
  // Any object of the manifest set, modelled or not (ConfigMaps, InferencePools, ...).
  bool Contains(std::string_view group, std::string_view kind, std::string_view ns,
                std::string_view name) const;

  // The namespace and name of each object of `group`/`kind` in the manifest set, modelled or not,
  // sorted by namespace then name.
  std::vector<NamedObject> Names(std::string_view group, std::string_view kind) const;

  // Whether a ReferenceGrant in `to_namespace` lets objects of `from_group`/`from_kind` in
  // `from_namespace` refer to `to_group`/`to_kind` `to_name`. Only the kinds the agentgateway
  // controller honours count (controller.md 3.7).
  bool ReferenceGranted(std::string_view from_group, std::string_view from_kind,
                        std::string_view from_namespace, std::string_view to_group,
                        std::string_view to_kind, std::string_view to_namespace,
                        std::string_view to_name) const;

  const model::Model& model() const { return model_; }

 private:
  using Key = std::tuple<std::string, std::string, std::string, std::string>;
  template <typename T>
  const T* Find(const std::vector<T>& objects, std::string_view kind, std::string_view ns,
                std::string_view name) const;

  const model::Model& model_;
  // (group, kind, namespace, name) -> index into the Model's vector for that kind.
  std::map<Key, std::size_t, std::less<>> positions_;
  std::map<Key, const manifest::Resource*, std::less<>> others_;
};

// Istio's host.Name.Matches: symmetric and wildcard-aware ("*.foo.com" matches "a.foo.com",
// "*" matches everything, two wildcards match when one suffix contains the other).
bool HostnameMatches(std::string_view a, std::string_view b);

}  // namespace agw::validate::resolve
