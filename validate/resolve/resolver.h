#pragma once

// Internal to validate/resolve: the state shared by the resolution phases.

#include <map>
#include <set>

#include "validate/resolve/index.h"
#include "validate/resolve/resolve.h"

namespace agw::resolve::internal {

// A problem the controller reports, and the field it is about.
struct Problem {
  std::string reason;
  std::string message;
  std::string field_path;
};

// One (parentRef, listener) attachment of a route that the controller allowed.
struct Attachment {
  const model::Gateway* gateway;
  std::size_t listener_index;
};

class Resolver {
 public:
  Resolver(const model::Model& model, const ResolveOptions& options, Resolution& out)
      : model_(model), options_(options), index_(model), out_(out) {}

  void Run();

 private:
  // gateways.cc
  void ResolveGatewayClasses();
  bool IsOurs(const model::Gateway& gateway);
  void ResolveGateway(const model::Gateway& gateway);
  ListenerStatus ResolveListener(const model::Gateway& gateway, const model::Listener& listener,
                                 bool& programmed);
  void ResolveListenerTls(const model::Gateway& gateway, const model::Listener& listener,
                          ListenerStatus& status);
  std::vector<std::string> AllowedNamespaces(const model::Gateway& gateway,
                                             const model::Listener& listener) const;

  // routes.cc
  template <typename Route>
  void ResolveRoute(const Route& route, const std::string& kind);
  std::optional<Problem> CheckAttachment(const model::ObjectBase& route, const std::string& kind,
                                         const std::vector<std::string>& hostnames,
                                         const model::ParentReference& parent,
                                         const model::Gateway& gateway,
                                         const model::Listener& listener);
  ResolvedBackend ResolveBackendRef(const model::ObjectBase& route, const std::string& kind,
                                    const model::BackendObjectReference& ref,
                                    const std::string& field_path, std::optional<Problem>& soft,
                                    std::optional<Problem>& hard);
  std::optional<Problem> CheckRuleFilters(const model::ObjectBase& route, const std::string& kind,
                                          const std::vector<model::RouteFilter>& filters,
                                          bool backend_level);
  void CountAttachedRoutes();
  // Whether HTTPRoute parent_namespace/parent_name has a rule delegating to `child`
  // (backendRef kind HTTPRoute named "*", the child's name, or "label=value").
  bool DelegatesTo(const std::string& parent_namespace, const std::string& parent_name,
                   const model::HTTPRoute& child) const;

  // backends.cc
  void ResolveBackend(const model::AgentgatewayBackend& backend);
  void CheckBackendPolicies(const model::ObjectBase& owner, const model::BackendPolicies& policies,
                            const std::string& path, std::vector<Problem>& problems);
  std::optional<Problem> ResolveSecretKey(const model::ObjectBase& owner,
                                          const model::LocalSecretRef& ref,
                                          const std::string& default_key, bool auth_value,
                                          const std::string& path);

  // policies.cc
  void ResolvePolicy(const model::AgentgatewayPolicy& policy);

  // resolve.cc
  // Records a finding about `object` at `field_path`.
  void Report(const model::ObjectBase& object, manifest::Severity severity, std::string code,
              std::string message, const std::string& field_path, std::string hint = {});
  // Whether an object that is referenced but absent counts as missing (strict) or as living
  // outside the manifest set (a warning, and the reference is taken to be fine).
  bool TreatAsMissing(const model::ObjectBase& referrer, const std::string& what,
                      const std::string& field_path);
  bool GrantRequiredForRoutes() const { return options_.backend_ref_grant_mode != "none"; }

  const model::Model& model_;
  const ResolveOptions& options_;
  ObjectIndex index_;
  Resolution& out_;
  // Gateways the controller owns, with their status (index into out_.status.gateways).
  std::map<const model::Gateway*, std::size_t> owned_gateways_;
  // Route attachments per (gateway, listener): the routes counted in attachedRoutes.
  std::map<std::pair<const model::Gateway*, std::size_t>, std::set<const model::ObjectBase*>>
      attached_;
  // Objects referenced by accepted routes (AgentgatewayBackend / Service), with the Gateways
  // those routes are attached to: what policies targeting them attach to.
  std::map<const model::ObjectBase*, std::set<const model::Gateway*>> backend_gateways_;
  std::map<std::pair<std::string, std::string>, std::set<const model::Gateway*>>
      service_gateways_;  // (namespace, name)
  // Route -> Gateways it is accepted on.
  std::map<const model::ObjectBase*, std::set<const model::Gateway*>> route_gateways_;
};

// Go's time.ParseDuration, as the controller parses route timeouts. Returns the error text Go
// would produce on failure.
std::optional<std::string> CheckGoDuration(const std::string& text);

}  // namespace agw::resolve::internal
