#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "validate/model/model.h"
#include "validate/resolve/resolve.h"

// The behaviour diff of `kubectl agentgateway diff`: which requests go somewhere else, which
// status conditions flip, which policies attach or detach when one manifest set replaces
// another. Each side is first reduced to comparable text (a Behavior), so the comparison itself
// is pure string work and the resolved configurations need not outlive it.
namespace agw::validate::diff {

// One fact about where a request goes ("model" → "claude-haiku-4-5"). Sensitive attributes
// (a fingerprint of the credential a backend sends) are compared but never shown.
struct Attribute {
  std::string name;
  std::string value;
  bool sensitive = false;
};

// A request shape on a listener and what serves it.
struct RouteBehavior {
  std::string listener;  // "Gateway default/agentgateway-proxy, listener http (port 8080)"
  std::string request;   // "*/anthropic/*", "GET api.example.com/v1 header:x-env=prod"
  std::vector<Attribute> destination;  // "route", "backends", "backend anthropic: model", ...
};

// What the controller reports about one object towards one parent/ancestor, by condition type.
struct ConditionBehavior {
  std::string subject;  // "HTTPRoute default/openai, parent Gateway default/agw (section http)"
  std::string type;     // "Accepted"
  std::string status;   // "True" | "False" | "Unknown"
  std::string reason;
  std::string message;
};

// One manifest set's behaviour, keyed for comparison. Built by DescribeBehavior.
struct Behavior {
  std::vector<std::string> listeners;  // every programmed listener, as RouteBehavior names them
  // By (listener, request): when two rules claim the same request shape on a listener, the one
  // the data plane tries first (the lower rule key) is kept, as it is the one that answers.
  std::map<std::pair<std::string, std::string>, RouteBehavior> routes;
  // By (subject, type).
  std::map<std::pair<std::string, std::string>, ConditionBehavior> conditions;
  // Policy attachments: "AgentgatewayPolicy default/p" → the ancestors it is Attached to.
  std::map<std::string, std::vector<std::string>> attachments;
};

// Reduces what the controller did with `model` (its `resolution`) to a Behavior. Credentials
// are kept only as fingerprints. Borrows both for the call only.
Behavior DescribeBehavior(const model::Model& model, const resolve::Resolution& resolution);

enum class BehaviorSection { kListener, kRoute, kCondition, kPolicy };
enum class BehaviorChangeKind { kAdded, kRemoved, kChanged };

struct AttributeChange {
  std::string name;
  std::string old_value;  // "" when absent on that side, and on both sides when sensitive
  std::string new_value;
  bool sensitive = false;
};

struct BehaviorChange {
  BehaviorSection section = BehaviorSection::kRoute;
  BehaviorChangeKind kind = BehaviorChangeKind::kChanged;
  std::string scope;    // the listener of a route, the object of a condition or policy
  std::string subject;  // the request shape, the condition type, the ancestor
  // kRoute added/removed: the destination on the side that has it; kRoute changed: the
  // attributes that differ; kCondition: one entry, status with reason.
  std::vector<AttributeChange> details;
};

struct BehaviorDiff {
  std::vector<BehaviorChange> changes;  // listeners, then routes, conditions, policies
  bool HasDifferences() const { return !changes.empty(); }
};

// Compares two behaviours. Route entries are matched by listener and request shape; a
// condition is reported when its status or reason flips, or when it appears or disappears
// in an unhealthy state (a new route that is Accepted is already a route change, not news).
// Pure: values in, a value out.
BehaviorDiff DiffBehavior(const Behavior& old_side, const Behavior& new_side);

}  // namespace agw::validate::diff
