// HTTPRoute and GRPCRoute attachment, references and status (controller.md 3).

#include <algorithm>
#include <cstdio>
#include <set>

#include "validate/resolve/resolver.h"
#include "validate/resolve/suggest.h"

namespace agw::validate::resolve::internal {
namespace {

std::string TwoDigits(std::size_t n) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "%02zu", n);
  return buffer;
}

// The parent object a parentRef names, with the route's namespace filled in.
struct ParentKey {
  std::string group;
  std::string kind;
  std::string namespace_;
  std::string name;
  bool operator<(const ParentKey& other) const {
    return std::tie(group, kind, namespace_, name) <
           std::tie(other.group, other.kind, other.namespace_, other.name);
  }
};

// `&{Accepted False UnsupportedValue <message>}`: how the controller prints the condition it
// wraps into a BackendError (Go's %v of a pointer to a struct).
std::string GoConditionString(const std::string& reason, const std::string& message) {
  return "&{Accepted False " + reason + " " + message + "}";
}

// The hint of a parentRef whose sectionName or port matches none of the `listeners` of `owner`
// ("Gateway ns/name"): the names there are, led by the closest, or the ports; empty for other
// denials.
std::string ListenerHint(const Problem& denial, const model::ParentReference& parent,
                         const std::string& owner,
                         const std::vector<const model::Listener*>& listeners) {
  if (denial.reason != "NoMatchingParent" || listeners.empty()) {
    return {};
  }
  if (denial.field_path == parent.path + ".sectionName" && parent.section_name) {
    std::vector<std::string> names;
    std::vector<NamedObject> candidates;
    for (const model::Listener* listener : listeners) {
      names.push_back(listener->name);
      candidates.push_back({"", listener->name});
    }
    return JoinHints(DidYouMean("", *parent.section_name, candidates),
                     ListNames("listeners of " + owner, names));
  }
  if (denial.field_path == parent.path + ".port") {
    std::set<std::int32_t> ports;
    for (const model::Listener* listener : listeners) {
      ports.insert(listener->port);
    }
    std::vector<std::string> texts;
    for (std::int32_t port : ports) {
      texts.push_back(std::to_string(port));
    }
    return ListNames("listener ports of " + owner, texts);
  }
  return {};
}

const std::vector<model::RouteFilter>& FiltersOf(const model::HTTPRouteRule& rule) {
  return rule.filters;
}
const std::vector<model::RouteFilter>& FiltersOf(const model::GRPCRouteRule& rule) {
  return rule.filters;
}

}  // namespace

std::optional<Problem> Resolver::CheckAttachment(const model::ObjectBase& route,
                                                 const std::string& kind,
                                                 const std::vector<std::string>& hostnames,
                                                 const model::ParentReference& parent,
                                                 const std::string& local_namespace,
                                                 const model::Listener& listener,
                                                 const ListenerStatus& listener_status) {
  if (parent.port && *parent.port != listener.port) {
    return Problem{"NoMatchingParent", "port " + std::to_string(*parent.port) + " not found",
                   parent.path + ".port"};
  }
  if (parent.section_name && *parent.section_name != listener.name) {
    return Problem{"NoMatchingParent", "sectionName \"" + *parent.section_name + "\" not found",
                   parent.path + ".sectionName"};
  }
  std::string listener_host = listener.hostname.value_or("");
  std::string host = listener_host.empty() ? "*" : listener_host;
  std::vector<std::string> namespaces = AllowedNamespaces(local_namespace, listener);
  std::vector<std::string> route_hosts =
      hostnames.empty() ? std::vector<std::string>{"*"} : hostnames;
  // An AgentgatewayModel has no hostnames, and the controller skips the whole hostname check
  // for it (ReferenceAllowed) and with it allowedRoutes.namespaces, which that check applies.
  const bool is_model = kind == "AgentgatewayModel";
  bool any_host = is_model;
  bool allowed = is_model;
  for (const std::string& route_host : route_hosts) {
    if (is_model || !HostnameMatches(route_host, host)) {
      continue;
    }
    any_host = true;
    for (const std::string& ns : namespaces) {
      if (ns == "*" || ns == route.metadata.namespace_) {
        allowed = true;
      }
    }
  }
  if (!allowed) {
    if (any_host) {
      return Problem{"NotAllowedByListeners",
                     "hostnames matched parent hostname \"" + listener_host +
                         "\", but namespace \"" + route.metadata.namespace_ +
                         "\" is not allowed by the parent",
                     parent.path};
    }
    return Problem{"NoMatchingListenerHostname",
                   "no hostnames matched parent hostname \"" + listener_host + "\"",
                   hostnames.empty() ? parent.path : "spec.hostnames"};
  }
  // Supported kinds: the listener status computed them already.
  const std::string group = is_model ? model::kAgentgatewayGroup : model::kGatewayApiGroup;
  const std::vector<model::RouteGroupKind>& kinds = listener_status.supported_kinds;
  bool kind_allowed = std::any_of(kinds.begin(), kinds.end(), [&](const model::RouteGroupKind& k) {
    return k.group == group && k.kind == kind;
  });
  if (!kind_allowed) {
    // Go's GroupVersionKind String().
    std::string gvk = is_model ? group + "/v1alpha1" : group + "/v1";
    return Problem{"NotAllowedByListeners", "kind " + gvk + ", Kind=" + kind + " is not allowed",
                   parent.path};
  }
  return std::nullopt;
}

ResolvedBackend Resolver::ResolveBackendRef(const model::ObjectBase& route, const std::string& kind,
                                            const model::BackendObjectReference& ref,
                                            const std::string& field_path,
                                            std::optional<Problem>& soft,
                                            std::optional<Problem>& hard) {
  ResolvedBackend resolved;
  resolved.name = ref.name;
  resolved.namespace_ = ref.namespace_.value_or(route.metadata.namespace_);
  resolved.port = ref.port;
  const std::string& ns = resolved.namespace_;

  if (ref.group == model::kGatewayApiGroup && ref.kind == "HTTPRoute") {
    // Delegation: the controller checks no ReferenceGrant and no existence here; children
    // are matched when they are resolved (controller.md 3.10).
    resolved.kind = ResolvedBackend::Kind::kRouteGroup;
    return resolved;
  }
  if (ns != route.metadata.namespace_ && GrantRequiredForRoutes() &&
      !index_.ReferenceGranted(model::kGatewayApiGroup, kind, route.metadata.namespace_, ref.group,
                               ref.kind, ns, ref.name)) {
    resolved.problem = "backendRef " + ns + "/" + ref.name + " not accessible to a " + kind +
                       " in namespace \"" + route.metadata.namespace_ +
                       "\" (missing a ReferenceGrant?)";
    soft = Problem{"RefNotPermitted", resolved.problem, field_path + ".namespace"};
    // A grant would not help when the namespace or name is mistyped.
    if (!index_.Contains(ref.group, ref.kind, ns, ref.name)) {
      soft->hint = SuggestName(ref.group, ref.kind, ns, ref.name);
    }
    return resolved;
  }

  if (ref.group.empty() && ref.kind == "Service") {
    if (ref.name.find('.') != std::string::npos) {
      hard = Problem{"BackendError",
                     "failed to build backend destination: " +
                         GoConditionString("UnsupportedValue",
                                           "service name invalid; the name of the Service must "
                                           "be used, not the hostname."),
                     field_path + ".name"};
      return resolved;
    }
    if (!ref.port) {
      hard = Problem{
          "BackendError",
          "failed to build backend destination: " +
              GoConditionString("UnsupportedValue", "port is required in Service backendRef"),
          field_path};
      return resolved;
    }
    resolved.service = index_.FindService(ns, ref.name);
    std::string suggestion =
        resolved.service == nullptr ? SuggestName(ref.group, ref.kind, ns, ref.name) : "";
    if (resolved.service == nullptr &&
        TreatAsMissing(route, "Service " + ns + "/" + ref.name, field_path + ".name", suggestion)) {
      resolved.problem =
          "backend(" + ref.name + "." + ns + ".svc." + options_.cluster_domain + ") not found";
      soft = Problem{"BackendNotFound", resolved.problem, field_path + ".name"};
      soft->hint = suggestion;
      return resolved;
    }
    resolved.kind = ResolvedBackend::Kind::kService;
    return resolved;
  }
  if (ref.group == model::kAgentgatewayGroup && ref.kind == "AgentgatewayBackend") {
    resolved.backend = index_.FindBackend(ns, ref.name);
    std::string suggestion =
        resolved.backend == nullptr ? SuggestName(ref.group, ref.kind, ns, ref.name) : "";
    if (resolved.backend == nullptr &&
        TreatAsMissing(route, "AgentgatewayBackend " + ns + "/" + ref.name, field_path + ".name",
                       suggestion)) {
      resolved.problem = "Backend not found: " + ns + "/" + ref.name;
      soft = Problem{"BackendNotFound", resolved.problem, field_path + ".name"};
      soft->hint = suggestion;
      return resolved;
    }
    resolved.kind = ResolvedBackend::Kind::kAgentgatewayBackend;
    return resolved;
  }
  if (ref.group == "inference.networking.k8s.io" && ref.kind == "InferencePool") {
    bool found = index_.Contains(ref.group, ref.kind, ns, ref.name);
    std::string suggestion = found ? "" : SuggestName(ref.group, ref.kind, ns, ref.name);
    if (!found && TreatAsMissing(route, "InferencePool " + ns + "/" + ref.name,
                                 field_path + ".name", suggestion)) {
      resolved.problem = "backendRef " + ns + "/" + ref.name + " not found";
      soft = Problem{"BackendNotFound", resolved.problem, field_path + ".name"};
      soft->hint = suggestion;
      return resolved;
    }
    resolved.kind = ResolvedBackend::Kind::kInferencePool;
    return resolved;
  }
  resolved.problem =
      "referencing unsupported backendRef: group \"" + ref.group + "\" kind \"" + ref.kind + "\"";
  soft = Problem{"InvalidKind", resolved.problem, field_path + ".kind"};
  return resolved;
}

std::optional<Problem> Resolver::CheckRuleFilters(const model::ObjectBase& route,
                                                  const std::string& kind,
                                                  const std::vector<model::RouteFilter>& filters,
                                                  bool backend_level) {
  int redirects = 0;
  for (const model::RouteFilter& filter : filters) {
    const std::string& type = filter.type;
    bool header = type == "RequestHeaderModifier" || type == "ResponseHeaderModifier";
    bool supported;
    if (kind == "GRPCRoute") {
      supported = header || type == "RequestMirror";
    } else if (backend_level) {
      supported = header || type == "RequestRedirect" || type == "RequestMirror";
    } else {
      supported = header || type == "RequestRedirect" || type == "URLRewrite" ||
                  type == "RequestMirror" || type == "CORS" || type == "ExternalAuth" ||
                  type == "ExtensionRef";
    }
    if (!supported) {
      return Problem{"IncompatibleFilters", "unsupported filter type \"" + type + "\"",
                     filter.path + ".type"};
    }
    if (type == "ExtensionRef") {
      std::string group = filter.extension_ref ? filter.extension_ref->group : "";
      std::string ref_kind = filter.extension_ref ? filter.extension_ref->kind : "";
      return Problem{"IncompatibleFilters", "unsupported ExtensionRef: " + group + "/" + ref_kind,
                     filter.path + ".extensionRef"};
    }
    if (type == "RequestRedirect" && ++redirects > 1) {
      return Problem{"IncompatibleFilters",
                     "Cannot combine multiple terminal filters: RequestRedirect and "
                     "RequestRedirect are mutually exclusive. Only one terminal filter is "
                     "allowed per route rule.",
                     filter.path};
    }
    if (type == "RequestMirror" && filter.request_mirror) {
      // The mirror's backend resolves like a backendRef, but any failure is a hard error.
      std::optional<Problem> soft, hard;
      ResolveBackendRef(route, kind, filter.request_mirror->backend_ref,
                        filter.path + ".requestMirror.backendRef", soft, hard);
      if (hard) {
        return hard;
      }
      if (soft) {
        return soft;
      }
    }
  }
  return std::nullopt;
}

template <typename Route>
void Resolver::ResolveRoute(const Route& route, const std::string& kind) {
  // 1. Conversion: references, filters, matches and timeouts, independent of the parent.
  std::optional<Problem> soft;  // the last soft problem wins
  std::optional<Problem> hard;  // the first hard problem stops conversion
  ResolvedRoute resolved;
  resolved.kind = kind;
  // The model-serving error of the rule being converted: it replaces whatever converting that
  // rule said, soft or hard (controller.md 3.12).
  std::optional<Problem> serving_error;
  static const std::vector<model::HTTPBackendRef> kNoBackendRefs;
  for (std::size_t r = 0; r < route.rules.size() && !hard; ++r) {
    const auto& rule = route.rules[r];
    ResolvedRule resolved_rule;
    resolved_rule.index = r;
    // An AgentgatewayModel backendRef selects models: the rule has no backends of its own.
    const std::vector<model::HTTPBackendRef>* backend_refs = &rule.backend_refs;
    serving_error.reset();
    if constexpr (std::is_same_v<Route, model::HTTPRoute>) {
      ModelServingRule serving = CheckModelServingRule(route.metadata.namespace_, rule);
      serving_error = serving.error;
      if (serving.opted_in) {
        backend_refs = &kNoBackendRefs;
      }
      if (serving.opted_in && !serving.error && ModelServingRuleMatchesRoot(rule)) {
        std::vector<std::string> conflicts = RootModelConflicts(route);
        if (!conflicts.empty()) {
          hard = Problem{"ModelRoutingConflict", RootModelConflictMessage(conflicts),
                         rule.path + ".matches"};
          break;
        }
      }
      resolved_rule.http = &rule;
      for (const model::HTTPRouteMatch& match : rule.matches) {
        if (match.path && match.path->type != "Exact" && match.path->type != "PathPrefix" &&
            match.path->type != "RegularExpression") {
          hard = Problem{"InvalidMatch",
                         "failed to process route matches: path match Error: unsupported Path "
                         "match type \"" +
                             match.path->type + "\"",
                         match.path_in_object + ".path.type"};
        }
      }
    } else {
      resolved_rule.grpc = &rule;
    }
    if (hard) {
      break;
    }
    if (std::optional<Problem> problem = CheckRuleFilters(route, kind, FiltersOf(rule), false)) {
      hard = problem;
      break;
    }
    for (const model::HTTPBackendRef& ref : *backend_refs) {
      if (std::optional<Problem> problem = CheckRuleFilters(route, kind, ref.filters, true)) {
        hard = problem;
        break;
      }
      std::optional<Problem> ref_soft;
      ResolvedBackend backend = ResolveBackendRef(route, kind, ref.ref, ref.path, ref_soft, hard);
      if (hard) {
        break;
      }
      if (ref_soft) {
        soft = ref_soft;
      }
      backend.weight = ref.weight;
      backend.ref = &ref;
      resolved_rule.backends.push_back(std::move(backend));
    }
    if (hard) {
      break;
    }
    if constexpr (std::is_same_v<Route, model::HTTPRoute>) {
      if (rule.timeouts) {
        for (const auto& [value, name, field] :
             {std::tuple(rule.timeouts->request, "request", "request"),
              std::tuple(rule.timeouts->backend_request, "backend request", "backendRequest")}) {
          if (!value) {
            continue;
          }
          if (std::optional<std::string> error = CheckGoDuration(*value)) {
            hard = Problem{"TranslationError",
                           std::string("failed to apply builtin route timeout: failed to parse ") +
                               name + " timeout: " + *error,
                           rule.path + ".timeouts." + field};
            break;
          }
        }
      }
    }
    if (hard) {
      break;
    }
    if (serving_error) {
      soft = serving_error;
    }
    resolved.rules.push_back(std::move(resolved_rule));
  }
  if (hard && serving_error) {
    hard = serving_error;
  }
  std::optional<Problem> conversion = hard ? hard : soft;
  if (hard) {
    resolved.rules.clear();  // a hard error drops every rule of the route
  }

  // 2. Attachment, per (parentRef, listener).
  struct ParentOutcome {
    bool any_candidate = false;
    bool accepted = false;
    std::optional<Problem> last_denial;
  };
  std::map<ParentKey, ParentOutcome> outcomes;
  std::vector<std::pair<const model::ParentReference*, ParentKey>> with_candidates;
  std::vector<RouteParentStatus> delegated;
  for (const model::ParentReference& parent : route.parent_refs) {
    ParentKey key{parent.group, parent.kind, parent.namespace_.value_or(route.metadata.namespace_),
                  parent.name};
    if constexpr (std::is_same_v<Route, model::HTTPRoute>) {
      if (parent.group == model::kGatewayApiGroup && parent.kind == "HTTPRoute") {
        RouteParentStatus entry;
        entry.parent_ref = {key.group,           key.kind,   key.namespace_, key.name,
                            parent.section_name, parent.port};
        entry.controller_name = options_.controller_name;
        if (DelegatesTo(key.namespace_, key.name, route)) {
          entry.conditions.push_back({"Accepted", "True", "Accepted", ""});
        } else {
          std::string message = "Parent HTTPRoute does not delegate to this route";
          entry.conditions.push_back({"Accepted", "False", "NoMatchingParent", message});
          std::string hint = index_.FindHTTPRoute(key.namespace_, key.name) == nullptr
                                 ? SuggestName(key.group, key.kind, key.namespace_, key.name)
                                 : "";
          Report(route, manifest::Severity::kError, "NoMatchingParent",
                 "HTTPRoute " + key.namespace_ + "/" + key.name + ": " + message, parent.path,
                 hint);
        }
        entry.conditions.push_back(
            conversion ? Condition{"ResolvedRefs", "False", conversion->reason, conversion->message}
                       : Condition{"ResolvedRefs", "True", "ResolvedRefs", ""});
        delegated.push_back(std::move(entry));
        continue;
      }
    }
    // An accepted attachment: the route is sent to `gateway`, and so are the backends it uses.
    auto attach_references = [&](const model::Gateway& gateway) {
      route_gateways_[&route].insert(&gateway);
      if (hard) {
        return;
      }
      for (const ResolvedRule& rule : resolved.rules) {
        for (const ResolvedBackend& backend : rule.backends) {
          if (backend.backend != nullptr) {
            reference_gateways_[{"AgentgatewayBackend", backend.namespace_, backend.name}].insert(
                &gateway);
          }
          if (backend.kind == ResolvedBackend::Kind::kService) {
            reference_gateways_[{"Service", backend.namespace_, backend.name}].insert(&gateway);
          }
          if (backend.kind == ResolvedBackend::Kind::kInferencePool) {
            reference_gateways_[{"InferencePool", backend.namespace_, backend.name}].insert(
                &gateway);
          }
        }
      }
    };
    if (parent.group == model::kGatewayApiGroup && parent.kind == "ListenerSet") {
      // A ListenerSet parent covers that ListenerSet's listeners only, conflicted ones included
      // but not those dropped for a bind-mode conflict (controller.md 3.1). Routes on them are
      // not yet part of the resolved configuration the emulator serves.
      const model::ListenerSet* listener_set = index_.FindListenerSet(key.namespace_, key.name);
      if (listener_set == nullptr) {
        std::string what = "ListenerSet " + key.namespace_ + "/" + key.name;
        std::string suggestion = SuggestName(key.group, key.kind, key.namespace_, key.name);
        if (TreatAsMissing(route, what, parent.path + ".name", suggestion)) {
          Report(route, manifest::Severity::kWarning, "parent-not-found",
                 what + " not found: this parentRef attaches the route to nothing",
                 parent.path + ".name", suggestion);
        }
        continue;
      }
      auto it = listener_sets_.find(listener_set);
      if (it == listener_sets_.end()) {
        continue;  // not attached to one of the controller's Gateways: no status
      }
      const AttachedListenerSet& attached = it->second;
      ParentOutcome& outcome = outcomes[key];
      for (const ListenerSetListener& candidate : attached.listeners) {
        if (candidate.conflict == "bind-mode") {
          continue;
        }
        if (!outcome.any_candidate) {
          with_candidates.emplace_back(&parent, key);
        }
        outcome.any_candidate = true;
        std::optional<Problem> denial =
            CheckAttachment(route, kind, route.hostnames, parent, listener_set->metadata.namespace_,
                            candidate.listener, candidate.status);
        if (denial) {
          std::vector<const model::Listener*> listeners;
          for (const ListenerSetListener& other : attached.listeners) {
            if (other.conflict != "bind-mode") {
              listeners.push_back(&other.listener);
            }
          }
          denial->hint = ListenerHint(*denial, parent,
                                      "ListenerSet " + key.namespace_ + "/" + key.name, listeners);
          outcome.last_denial = denial;
          continue;
        }
        outcome.accepted = true;
        attach_references(*attached.gateway);
      }
      continue;
    }
    if (parent.group != model::kGatewayApiGroup || parent.kind != "Gateway") {
      continue;  // Service and other parents resolve to nothing here
    }
    const model::Gateway* gateway = index_.FindGateway(key.namespace_, key.name);
    if (gateway == nullptr) {
      std::string what = "Gateway " + key.namespace_ + "/" + key.name;
      std::string suggestion = SuggestName(key.group, key.kind, key.namespace_, key.name);
      if (TreatAsMissing(route, what, parent.path + ".name", suggestion)) {
        // The controller writes no parent status for it: the route silently attaches nowhere.
        Report(route, manifest::Severity::kWarning, "parent-not-found",
               what + " not found: this parentRef attaches the route to nothing",
               parent.path + ".name", suggestion);
      }
      continue;
    }
    if (owned_gateways_.count(gateway) == 0 || gateway->listeners.empty()) {
      continue;  // not ours: the controller writes no parent status
    }
    ParentOutcome& outcome = outcomes[key];
    outcome.any_candidate = true;
    with_candidates.emplace_back(&parent, key);
    for (std::size_t l = 0; l < gateway->listeners.size(); ++l) {
      const model::Listener& listener = gateway->listeners[l];
      const GatewayStatus& gateway_status = out_.status.gateways[owned_gateways_.at(gateway)];
      std::optional<Problem> denial =
          CheckAttachment(route, kind, route.hostnames, parent, gateway->metadata.namespace_,
                          listener, gateway_status.listeners[l]);
      if (denial) {
        std::vector<const model::Listener*> listeners;
        for (const model::Listener& other : gateway->listeners) {
          listeners.push_back(&other);
        }
        denial->hint =
            ListenerHint(*denial, parent, "Gateway " + key.namespace_ + "/" + key.name, listeners);
        outcome.last_denial = denial;
        continue;
      }
      outcome.accepted = true;
      attached_[{gateway, l}].insert(&route);
      attach_references(*gateway);
      if (!hard) {
        std::string listener_key =
            gateway->metadata.namespace_ + "/" + gateway->metadata.name + "." + listener.name;
        for (ResolvedListener& programmed : out_.config.listeners) {
          if (programmed.key != listener_key) {
            continue;
          }
          // One route per "<ns>/<route>.<NN>.<listener>" key: two parentRefs that reach the
          // same listener program it there once. Routes are programmed one after another, so
          // an earlier copy of this one can only be the listener's last.
          const model::ObjectBase* self = &route;
          if (!programmed.routes.empty() &&
              (static_cast<const model::ObjectBase*>(programmed.routes.back().http) == self ||
               static_cast<const model::ObjectBase*>(programmed.routes.back().grpc) == self)) {
            continue;
          }
          ResolvedRoute copy = resolved;
          if constexpr (std::is_same_v<Route, model::HTTPRoute>) {
            copy.http = &route;
          } else {
            copy.grpc = &route;
          }
          for (ResolvedRule& rule : copy.rules) {
            rule.key = route.metadata.namespace_ + "/" + route.metadata.name + "." +
                       TwoDigits(rule.index) + (kind == "GRPCRoute" ? ".grpc" : "") + "." +
                       listener.name;
          }
          programmed.routes.push_back(std::move(copy));
        }
      }
    }
  }

  // 3. Status: one entry per parentRef that had candidates, conditions per parent object.
  // A route without parentRefs (a delegation child) still gets an empty parents list.
  if (with_candidates.empty() && delegated.empty() && !route.parent_refs.empty()) {
    return;
  }
  RouteStatus status;
  status.kind = kind;
  status.object = &route;
  status.parents = std::move(delegated);
  for (const auto& [parent, key] : with_candidates) {
    const ParentOutcome& outcome = outcomes[key];
    RouteParentStatus entry;
    entry.parent_ref.group = key.group;
    entry.parent_ref.kind = key.kind;
    entry.parent_ref.namespace_ = key.namespace_;
    entry.parent_ref.name = key.name;
    entry.parent_ref.section_name = parent->section_name;
    entry.parent_ref.port = parent->port;
    entry.controller_name = options_.controller_name;
    if (outcome.accepted) {
      entry.conditions.push_back({"Accepted", "True", "Accepted", ""});
    } else {
      const Problem& denial = *outcome.last_denial;
      entry.conditions.push_back({"Accepted", "False", denial.reason, denial.message});
      Report(route, manifest::Severity::kError, denial.reason,
             "not accepted by " + key.kind + " " + key.namespace_ + "/" + key.name + ": " +
                 denial.message,
             denial.field_path.rfind(parent->path, 0) == 0 ? denial.field_path
                                                           : std::string(parent->path),
             denial.hint);
    }
    if (conversion) {
      entry.conditions.push_back({"ResolvedRefs", "False",
                                  conversion->reason.empty() ? "Invalid" : conversion->reason,
                                  conversion->message});
    } else {
      entry.conditions.push_back({"ResolvedRefs", "True", "ResolvedRefs", ""});
    }
    status.parents.push_back(std::move(entry));
  }
  if (conversion && !with_candidates.empty()) {
    Report(route, manifest::Severity::kError, conversion->reason, conversion->message,
           conversion->field_path,
           JoinHints(conversion->hint,
                     hard ? "the controller drops every rule of this route until this is fixed"
                          : "requests that pick this backend get HTTP 500"));
  }
  std::stable_sort(status.parents.begin(), status.parents.end(), [](const auto& a, const auto& b) {
    auto key = [](const RouteParentStatus& s) {
      return std::tuple(s.parent_ref.group.value_or(""), s.parent_ref.kind.value_or(""),
                        s.parent_ref.name, s.parent_ref.section_name.value_or(""),
                        s.parent_ref.port.value_or(0), s.parent_ref.namespace_.value_or(""));
    };
    return key(a) < key(b);
  });
  out_.status.routes.push_back(std::move(status));
}

template void Resolver::ResolveRoute(const model::HTTPRoute&, const std::string&);
template void Resolver::ResolveRoute(const model::GRPCRoute&, const std::string&);

bool Resolver::DelegatesTo(const std::string& parent_namespace, const std::string& parent_name,
                           const model::HTTPRoute& child) const {
  const model::HTTPRoute* parent = index_.FindHTTPRoute(parent_namespace, parent_name);
  if (parent == nullptr) {
    return false;
  }
  for (const model::HTTPRouteRule& rule : parent->rules) {
    for (const model::HTTPBackendRef& ref : rule.backend_refs) {
      if (ref.ref.group != model::kGatewayApiGroup || ref.ref.kind != "HTTPRoute" ||
          ref.ref.namespace_.value_or(parent_namespace) != child.metadata.namespace_) {
        continue;
      }
      const std::string& selector = ref.ref.name;
      if (selector == "*" || selector == child.metadata.name) {
        return true;
      }
      std::size_t equals = selector.find('=');
      if (equals != std::string::npos) {
        auto it = child.metadata.labels.find(selector.substr(0, equals));
        if (it != child.metadata.labels.end() && it->second == selector.substr(equals + 1)) {
          return true;
        }
      }
    }
  }
  return false;
}

bool Resolver::ChildAllowsParent(const model::HTTPRoute& child,
                                 const model::HTTPRoute& parent) const {
  const std::string& parent_namespace = parent.metadata.namespace_;
  if (child.parent_refs.empty()) {
    return parent_namespace == child.metadata.namespace_ || !GrantRequiredForRoutes() ||
           index_.ReferenceGranted(model::kGatewayApiGroup, "HTTPRoute", parent_namespace,
                                   model::kGatewayApiGroup, "HTTPRoute", child.metadata.namespace_,
                                   child.metadata.name);
  }
  return std::any_of(
      child.parent_refs.begin(), child.parent_refs.end(), [&](const model::ParentReference& ref) {
        return ref.group == model::kGatewayApiGroup && ref.kind == "HTTPRoute" &&
               ref.name == parent.metadata.name &&
               ref.namespace_.value_or(child.metadata.namespace_) == parent_namespace;
      });
}

void Resolver::AttachDelegatedRoutes() {
  // A child is sent to every Gateway its parent is sent to. Chains are followed only through
  // parents that have no parentRefs of their own (controller.md 3.10), so a pass per level,
  // bounded by the number of routes, reaches the fixed point.
  auto is_child = [](const model::HTTPRoute& route) {
    return route.parent_refs.empty() ||
           std::any_of(route.parent_refs.begin(), route.parent_refs.end(),
                       [](const model::ParentReference& ref) {
                         return ref.group == model::kGatewayApiGroup && ref.kind == "HTTPRoute";
                       });
  };
  for (std::size_t pass = 0; pass < model_.http_routes.size(); ++pass) {
    bool changed = false;
    for (const model::HTTPRoute& parent : model_.http_routes) {
      auto gateways = route_gateways_.find(&parent);
      if (gateways == route_gateways_.end() || gateways->second.empty()) {
        continue;
      }
      bool directly_attached =
          std::any_of(parent.parent_refs.begin(), parent.parent_refs.end(),
                      [](const model::ParentReference& ref) { return ref.kind != "HTTPRoute"; });
      if (!directly_attached && !parent.parent_refs.empty()) {
        continue;
      }
      for (const model::HTTPRoute& child : model_.http_routes) {
        if (&child == &parent || !is_child(child) ||
            !DelegatesTo(parent.metadata.namespace_, parent.metadata.name, child) ||
            !ChildAllowsParent(child, parent)) {
          continue;
        }
        std::set<const model::Gateway*>& child_gateways = route_gateways_[&child];
        for (const model::Gateway* gateway : std::set(gateways->second)) {
          changed = child_gateways.insert(gateway).second || changed;
        }
      }
    }
    if (!changed) {
      break;
    }
  }
}

void Resolver::CountAttachedRoutes() {
  for (const auto& [gateway, position] : owned_gateways_) {
    GatewayStatus& status = out_.status.gateways[position];
    for (std::size_t l = 0; l < status.listeners.size(); ++l) {
      auto it = attached_.find({gateway, l});
      status.listeners[l].attached_routes = it == attached_.end() ? 0 : it->second.size();
    }
  }
}

}  // namespace agw::validate::resolve::internal
