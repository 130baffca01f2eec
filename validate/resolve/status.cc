#include "validate/resolve/status.h"

#include <algorithm>

namespace agw::validate::resolve {

void SetCondition(std::vector<Condition>& conditions, Condition condition) {
  for (Condition& existing : conditions) {
    if (existing.type == condition.type) {
      existing = std::move(condition);
      return;
    }
  }
  conditions.push_back(std::move(condition));
}

const Condition* FindCondition(const std::vector<Condition>& conditions, std::string_view type) {
  for (const Condition& condition : conditions) {
    if (condition.type == type) {
      return &condition;
    }
  }
  return nullptr;
}

namespace {

using Json = nlohmann::ordered_json;

Json ConditionsJson(const std::vector<Condition>& conditions) {
  Json list = Json::array();
  for (const Condition& condition : conditions) {
    Json item;
    item["message"] = condition.message;
    item["reason"] = condition.reason;
    item["status"] = condition.status;
    item["type"] = condition.type;
    list.push_back(std::move(item));
  }
  return list;
}

Json ReferenceJson(const StatusReference& ref) {
  Json out = Json::object();
  if (ref.group) {
    out["group"] = *ref.group;
  }
  if (ref.kind) {
    out["kind"] = *ref.kind;
  }
  out["name"] = ref.name;
  if (ref.namespace_) {
    out["namespace"] = *ref.namespace_;
  }
  if (ref.port) {
    out["port"] = *ref.port;
  }
  if (ref.section_name) {
    out["sectionName"] = *ref.section_name;
  }
  return out;
}

}  // namespace

Json ToJson(const GatewayClassStatus& status) {
  Json out;
  out["conditions"] = ConditionsJson(status.conditions);
  return out;
}

Json ToJson(const GatewayStatus& status) {
  Json out;
  out["attachedListenerSets"] = status.attached_listener_sets;
  out["conditions"] = ConditionsJson(status.conditions);
  Json listeners = Json::array();
  for (const ListenerStatus& listener : status.listeners) {
    Json item;
    item["attachedRoutes"] = listener.attached_routes;
    item["conditions"] = ConditionsJson(listener.conditions);
    item["name"] = listener.name;
    Json kinds = Json::array();
    for (const model::RouteGroupKind& kind : listener.supported_kinds) {
      kinds.push_back(Json{{"group", kind.group}, {"kind", kind.kind}});
    }
    item["supportedKinds"] = std::move(kinds);
    listeners.push_back(std::move(item));
  }
  out["listeners"] = std::move(listeners);
  return out;
}

Json ToJson(const RouteStatus& status) {
  Json out;
  Json parents = Json::array();
  for (const RouteParentStatus& parent : status.parents) {
    Json item;
    item["conditions"] = ConditionsJson(parent.conditions);
    item["controllerName"] = parent.controller_name;
    item["parentRef"] = ReferenceJson(parent.parent_ref);
    parents.push_back(std::move(item));
  }
  out["parents"] = std::move(parents);
  return out;
}

Json ToJson(const BackendStatus& status) {
  Json out;
  out["conditions"] = ConditionsJson(status.conditions);
  return out;
}

Json ToJson(const PolicyStatus& status) {
  Json out;
  Json ancestors = Json::array();
  for (const PolicyAncestorStatus& ancestor : status.ancestors) {
    Json item;
    item["ancestorRef"] = ReferenceJson(ancestor.ancestor_ref);
    item["conditions"] = ConditionsJson(ancestor.conditions);
    item["controllerName"] = ancestor.controller_name;
    ancestors.push_back(std::move(item));
  }
  out["ancestors"] = std::move(ancestors);
  return out;
}

}  // namespace agw::validate::resolve
