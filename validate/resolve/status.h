#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "validate/model/model.h"

// The status the agentgateway controller would write, object by object, in the shape the
// cluster shows (`kubectl get -o yaml`). lastTransitionTime and observedGeneration are left
// out: they depend on when and how often an object was applied, not on what it says.
namespace agw::validate::resolve {

struct Condition {
  std::string type;
  std::string status;  // "True" | "False" | "Unknown"
  std::string reason;
  std::string message;

  bool is_true() const { return status == "True"; }
  bool operator==(const Condition&) const = default;
};

// Replaces the condition of the same type, or appends it.
void SetCondition(std::vector<Condition>& conditions, Condition condition);
const Condition* FindCondition(const std::vector<Condition>& conditions, std::string_view type);

// A parentRef / ancestorRef as status writes it: defaults filled in, unset fields absent.
struct StatusReference {
  std::optional<std::string> group;
  std::optional<std::string> kind;
  std::optional<std::string> namespace_;
  std::string name;
  std::optional<std::string> section_name;
  std::optional<std::int32_t> port;
};

struct GatewayClassStatus {
  const model::GatewayClass* object = nullptr;
  std::vector<Condition> conditions;
};

struct ListenerStatus {
  std::string name;
  std::vector<model::RouteGroupKind> supported_kinds;
  int attached_routes = 0;
  std::vector<Condition> conditions;  // sorted by type
};

struct GatewayStatus {
  const model::Gateway* object = nullptr;
  std::vector<Condition> conditions;  // in the order the controller sets them
  std::vector<ListenerStatus> listeners;
  int attached_listener_sets = 0;
};

struct RouteParentStatus {
  StatusReference parent_ref;
  std::string controller_name;
  std::vector<Condition> conditions;  // Accepted, then ResolvedRefs
};

struct RouteStatus {
  std::string kind;  // HTTPRoute | GRPCRoute | AgentgatewayModel
  const model::ObjectBase* object = nullptr;
  std::vector<RouteParentStatus> parents;
};

struct BackendStatus {
  const model::AgentgatewayBackend* object = nullptr;
  std::vector<Condition> conditions;
};

struct PolicyAncestorStatus {
  StatusReference ancestor_ref;
  std::string controller_name;
  std::vector<Condition> conditions;  // sorted by type
};

struct PolicyStatus {
  const model::AgentgatewayPolicy* object = nullptr;
  std::vector<PolicyAncestorStatus> ancestors;
};

// Every status the controller would write for a manifest set. Objects the controller leaves
// alone (Gateways of other classes, routes whose parents are all unknown) have no entry.
struct StatusSet {
  std::vector<GatewayClassStatus> gateway_classes;
  std::vector<GatewayStatus> gateways;
  std::vector<RouteStatus> routes;
  std::vector<RouteStatus> models;  // AgentgatewayModel: parents, as a route's
  std::vector<BackendStatus> backends;
  std::vector<PolicyStatus> policies;
};

// The `status:` block of one object, as the API server returns it.
nlohmann::ordered_json ToJson(const GatewayClassStatus& status);
nlohmann::ordered_json ToJson(const GatewayStatus& status);
nlohmann::ordered_json ToJson(const RouteStatus& status);
nlohmann::ordered_json ToJson(const BackendStatus& status);
nlohmann::ordered_json ToJson(const PolicyStatus& status);

}  // namespace agw::validate::resolve
