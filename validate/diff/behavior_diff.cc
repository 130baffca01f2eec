#include "validate/diff/behavior_diff.h"

#include <algorithm>
#include <functional>
#include <set>

#include "validate/model/provider_defaults.h"

namespace agw::validate::diff {
namespace {

using resolve::ResolvedBackend;
using resolve::ResolvedRule;

std::string NamespacedName(const std::string& namespace_, const std::string& name) {
  return namespace_ + "/" + name;
}

std::string Join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) {
      out += separator;
    }
    out += item;
  }
  return out;
}

std::string ListenerName(const resolve::ResolvedListener& listener) {
  return "Gateway " + NamespacedName(listener.gateway->id.namespace_, listener.gateway->id.name) +
         ", listener " + listener.listener->name + " (port " +
         std::to_string(listener.listener->port) + ")";
}

// The request a match selects, the way a reviewer reads it: method, host, then path with `*`
// for "and anything below" (a PathPrefix matches whole path segments), then header and query
// conditions.
std::string RequestShape(const std::string& host, const model::HTTPRouteMatch& match) {
  std::string shape = match.method ? *match.method + " " : "";
  shape += host;
  const model::HTTPPathMatch path = match.path.value_or(model::HTTPPathMatch{});
  if (path.type == "Exact") {
    shape += path.value;
  } else if (path.type == "RegularExpression") {
    shape += "~" + path.value;
  } else {
    shape += path.value == "/" ? "/*" : path.value + (path.value.back() == '/' ? "*" : "/*");
  }
  for (const model::ValueMatch& header : match.headers) {
    shape += " header:" + header.name + (header.type == "Exact" ? "=" : "~") + header.value;
  }
  for (const model::ValueMatch& param : match.query_params) {
    shape += " query:" + param.name + (param.type == "Exact" ? "=" : "~") + param.value;
  }
  return shape;
}

std::string GrpcRequestShape(const std::string& host, const model::GRPCRouteMatch& match) {
  std::string shape = "gRPC " + host + " ";
  if (match.method) {
    std::string prefix = match.method->type == "Exact" ? "" : "~";
    shape +=
        prefix + match.method->service.value_or("*") + "/" + match.method->method.value_or("*");
  } else {
    shape += "*/*";
  }
  for (const model::ValueMatch& header : match.headers) {
    shape += " header:" + header.name + (header.type == "Exact" ? "=" : "~") + header.value;
  }
  return shape;
}

std::string DescribeHeaders(const model::HTTPHeaderFilter& filter) {
  std::vector<std::string> parts;
  for (const model::HTTPHeader& header : filter.set) {
    parts.push_back(header.name + "=" + header.value);
  }
  for (const model::HTTPHeader& header : filter.add) {
    parts.push_back(header.name + "+=" + header.value);
  }
  for (const std::string& name : filter.remove) {
    parts.push_back("-" + name);
  }
  return Join(parts, " ");
}

std::string DescribePathModifier(const model::HTTPPathModifier& modifier) {
  if (modifier.type == "ReplaceFullPath") {
    return "path " + modifier.replace_full_path.value_or("");
  }
  return "prefix " + modifier.replace_prefix_match.value_or("");
}

std::string DescribeFilter(const model::RouteFilter& filter) {
  std::string text = filter.type;
  if (filter.request_header_modifier) {
    text += " " + DescribeHeaders(*filter.request_header_modifier);
  } else if (filter.response_header_modifier) {
    text += " " + DescribeHeaders(*filter.response_header_modifier);
  } else if (filter.url_rewrite) {
    if (filter.url_rewrite->hostname) {
      text += " host " + *filter.url_rewrite->hostname;
    }
    if (filter.url_rewrite->path) {
      text += " " + DescribePathModifier(*filter.url_rewrite->path);
    }
  } else if (filter.request_redirect) {
    const model::HTTPRequestRedirectFilter& redirect = *filter.request_redirect;
    text += " " + std::to_string(redirect.status_code);
    if (redirect.scheme) {
      text += " scheme " + *redirect.scheme;
    }
    if (redirect.hostname) {
      text += " host " + *redirect.hostname;
    }
    if (redirect.port) {
      text += " port " + std::to_string(*redirect.port);
    }
    if (redirect.path) {
      text += " " + DescribePathModifier(*redirect.path);
    }
  } else if (filter.request_mirror) {
    const model::BackendObjectReference& ref = filter.request_mirror->backend_ref;
    text += " to " + ref.kind + " " + ref.name;
    if (filter.request_mirror->percent) {
      text += " " + std::to_string(*filter.request_mirror->percent) + "%";
    } else if (filter.request_mirror->fraction) {
      text += " " + std::to_string(filter.request_mirror->fraction->numerator) + "/" +
              std::to_string(filter.request_mirror->fraction->denominator);
    }
  } else if (filter.cors) {
    text += " origins " + Join(filter.cors->allow_origins, ",");
  } else if (filter.extension_ref) {
    text += " " + filter.extension_ref->kind + " " + filter.extension_ref->name;
  }
  return text;
}

std::string DescribeFilters(const std::vector<model::RouteFilter>& filters) {
  std::vector<std::string> parts;
  for (const model::RouteFilter& filter : filters) {
    parts.push_back(DescribeFilter(filter));
  }
  return Join(parts, "; ");
}

// Finds Secrets by namespace and name, to fingerprint the credentials backends send.
class SecretIndex {
 public:
  explicit SecretIndex(const model::Model& model) {
    for (const model::Secret& secret : model.secrets) {
      secrets_[NamespacedName(secret.metadata.namespace_, secret.metadata.name)] = &secret;
    }
  }
  const model::Secret* Find(const std::string& namespace_, const std::string& name) const {
    auto found = secrets_.find(NamespacedName(namespace_, name));
    return found == secrets_.end() ? nullptr : found->second;
  }

 private:
  std::map<std::string, const model::Secret*> secrets_;
};

// A value that changes exactly when the credential changes; never shown.
std::string Fingerprint(const std::string& secret_value) {
  return std::to_string(std::hash<std::string>{}(secret_value));
}

class DestinationWriter {
 public:
  DestinationWriter(std::vector<Attribute>& out, const SecretIndex& secrets)
      : out_(out), secrets_(secrets) {}

  void Add(std::string name, std::string value, bool sensitive = false) {
    out_.push_back({std::move(name), std::move(value), sensitive});
  }

  void Rule(const std::string& route_namespace, const ResolvedRule& rule,
            const std::vector<model::RouteFilter>& filters,
            const std::vector<model::HTTPBackendRef>& backend_refs) {
    if (!filters.empty()) {
      Add("filters", DescribeFilters(filters));
    }
    if (rule.backends.empty()) {
      bool redirects = std::any_of(filters.begin(), filters.end(), [](const auto& filter) {
        return filter.type == "RequestRedirect";
      });
      Add("backends", redirects ? "none (redirect)" : "none (500)");
      return;
    }
    int total = 0;
    for (const ResolvedBackend& backend : rule.backends) {
      total += std::max(0, backend.weight);
    }
    std::vector<std::string> names;
    for (const ResolvedBackend& backend : rule.backends) {
      std::string label = Label(route_namespace, backend);
      if (rule.backends.size() > 1) {
        int share = total == 0 ? 0 : (100 * std::max(0, backend.weight) + total / 2) / total;
        label += " " + std::to_string(share) + "%";
      }
      names.push_back(std::move(label));
    }
    Add("backends", Join(names, ", "));
    for (std::size_t i = 0; i < rule.backends.size(); ++i) {
      const ResolvedBackend& backend = rule.backends[i];
      std::string prefix = "backend " + Label(route_namespace, backend) + ": ";
      if (i < backend_refs.size() && !backend_refs[i].filters.empty()) {
        Add(prefix + "filters", DescribeFilters(backend_refs[i].filters));
      }
      Backend(prefix, backend);
    }
  }

 private:
  static std::string Label(const std::string& route_namespace, const ResolvedBackend& backend) {
    std::string name = backend.namespace_ == route_namespace || backend.namespace_.empty()
                           ? backend.name
                           : NamespacedName(backend.namespace_, backend.name);
    return name.empty() ? "(unnamed)" : name;
  }

  void Backend(const std::string& prefix, const ResolvedBackend& backend) {
    switch (backend.kind) {
      case ResolvedBackend::Kind::kInvalid:
        Add(prefix + "answer", "500: " + backend.problem);
        return;
      case ResolvedBackend::Kind::kService:
        Add(prefix + "upstream", "Service " + NamespacedName(backend.namespace_, backend.name) +
                                     (backend.port ? ":" + std::to_string(*backend.port) : ""));
        return;
      case ResolvedBackend::Kind::kRouteGroup:
        Add(prefix + "upstream",
            "delegated to HTTPRoutes " + NamespacedName(backend.namespace_, backend.name));
        return;
      case ResolvedBackend::Kind::kInferencePool:
        Add(prefix + "upstream",
            "InferencePool " + NamespacedName(backend.namespace_, backend.name));
        return;
      case ResolvedBackend::Kind::kAgentgatewayBackend:
        break;
    }
    if (backend.backend == nullptr) {
      Add(prefix + "upstream", "AgentgatewayBackend " +
                                   NamespacedName(backend.namespace_, backend.name) +
                                   " (not in the inputs)");
      return;
    }
    const model::AgentgatewayBackend& target = *backend.backend;
    const model::BackendPolicies* policies = target.policies ? &*target.policies : nullptr;
    if (target.ai && target.ai->provider) {
      Provider(prefix, target.metadata.namespace_, *target.ai->provider, policies);
    } else if (target.ai) {
      std::vector<std::string> groups;
      for (std::size_t g = 0; g < target.ai->groups.size(); ++g) {
        std::vector<std::string> members;
        for (const model::NamedLLMProvider& named : target.ai->groups[g].providers) {
          members.push_back(named.name);
        }
        groups.push_back(std::to_string(g + 1) + ": " + Join(members, ", "));
      }
      // Earlier groups are tried first; a later group only takes traffic on failover.
      Add(prefix + "priority groups", Join(groups, "; "));
      for (const model::PriorityGroup& group : target.ai->groups) {
        for (const model::NamedLLMProvider& named : group.providers) {
          const model::BackendPolicies* own = named.policies ? &*named.policies : policies;
          Provider(prefix + named.name + ": ", target.metadata.namespace_, named.provider, own);
        }
      }
    } else if (target.static_) {
      std::string where = target.static_->unix_path
                              ? "unix:" + *target.static_->unix_path
                              : target.static_->host.value_or("") + ":" +
                                    std::to_string(target.static_->port.value_or(0));
      Add(prefix + "upstream", where);
    } else if (target.mcp) {
      Add(prefix + "upstream", "MCP");
    } else if (target.a2a) {
      Add(prefix + "upstream", "A2A");
    }
    if (policies && policies->http && policies->http->request_timeout) {
      Add(prefix + "request timeout", *policies->http->request_timeout);
    }
  }

  void Provider(const std::string& prefix, const std::string& backend_namespace,
                const model::LLMProvider& provider, const model::BackendPolicies* policies) {
    Add(prefix + "provider", provider.kind.empty() ? "(none)" : provider.kind);
    Add(prefix + "model", provider.model ? *provider.model : "(the client's)");
    bool tls = policies != nullptr && policies->tls.has_value();
    model::UpstreamTarget upstream =
        model::ChatTarget(provider, "/v1/chat/completions", provider.model.value_or(""), tls);
    std::string url = upstream.Url();
    if (upstream.path_forwarded) {
      url = upstream.scheme + "://" + upstream.host + ":" + std::to_string(upstream.port) +
            " (the client's path)";
    }
    Add(prefix + "upstream", url);
    if (policies == nullptr || !policies->auth) {
      Add(prefix + "auth", "none");
      return;
    }
    const model::BackendAuth& auth = *policies->auth;
    if (auth.key) {
      Add(prefix + "auth", "inline key");
      Add(prefix + "credential", Fingerprint(*auth.key), true);
    } else if (auth.secret_ref) {
      const model::LocalSecretRef& ref = *auth.secret_ref;
      std::string key = ref.key.value_or("Authorization");
      Add(prefix + "auth", "Secret " + NamespacedName(backend_namespace, ref.name) + " key " + key);
      if (const model::Secret* secret = secrets_.Find(backend_namespace, ref.name)) {
        auto value = secret->data.find(key);
        Add(prefix + "credential", value == secret->data.end() ? "" : Fingerprint(value->second),
            true);
      }
    } else if (auth.aws) {
      Add(prefix + "auth", "AWS");
    } else if (auth.azure) {
      Add(prefix + "auth", "Azure");
    } else if (auth.gcp) {
      Add(prefix + "auth", "GCP");
    } else {
      Add(prefix + "auth", "other");
    }
  }

  std::vector<Attribute>& out_;
  const SecretIndex& secrets_;
};

std::string DescribeTimeouts(const model::HTTPRouteRule& rule) {
  std::vector<std::string> parts;
  if (rule.timeouts && rule.timeouts->request) {
    parts.push_back("request " + *rule.timeouts->request);
  }
  if (rule.timeouts && rule.timeouts->backend_request) {
    parts.push_back("backendRequest " + *rule.timeouts->backend_request);
  }
  return Join(parts, ", ");
}

std::string DescribeRetry(const model::HTTPRouteRule& rule) {
  if (!rule.retry) {
    return "";
  }
  std::vector<std::string> codes;
  for (std::int32_t code : rule.retry->codes) {
    codes.push_back(std::to_string(code));
  }
  return std::to_string(rule.retry->attempts.value_or(1)) + " attempts" +
         (codes.empty() ? "" : " on " + Join(codes, ",")) +
         (rule.retry->backoff ? " backoff " + *rule.retry->backoff : "");
}

void AddRoutes(const resolve::ResolvedListener& listener, const SecretIndex& secrets,
               Behavior& behavior) {
  std::string listener_name = ListenerName(listener);
  std::string listener_host = listener.listener->hostname.value_or("*");
  // The data plane tries rules in key order when shapes tie; keep the first one.
  auto keep = [&](std::string request, const std::string& rule_key, RouteBehavior entry,
                  std::map<std::pair<std::string, std::string>, std::string>& winners) {
    auto key = std::make_pair(listener_name, std::move(request));
    auto winner = winners.find(key);
    if (winner != winners.end() && winner->second <= rule_key) {
      return;
    }
    winners[key] = rule_key;
    entry.listener = listener_name;
    entry.request = key.second;
    behavior.routes[key] = std::move(entry);
  };
  std::map<std::pair<std::string, std::string>, std::string> winners;
  for (const resolve::ResolvedRoute& route : listener.routes) {
    const model::ObjectBase& object = route.http != nullptr
                                          ? static_cast<const model::ObjectBase&>(*route.http)
                                          : static_cast<const model::ObjectBase&>(*route.grpc);
    const std::vector<std::string>& hostnames =
        route.http != nullptr ? route.http->hostnames : route.grpc->hostnames;
    std::vector<std::string> hosts = hostnames;
    if (hosts.empty()) {
      hosts.push_back(listener_host);
    }
    for (const ResolvedRule& rule : route.rules) {
      RouteBehavior entry;
      DestinationWriter writer(entry.destination, secrets);
      std::string rule_name = route.http ? route.http->rules[rule.index].name.value_or("")
                                         : route.grpc->rules[rule.index].name.value_or("");
      writer.Add("route", route.kind + " " +
                              NamespacedName(object.metadata.namespace_, object.metadata.name) +
                              " rule " +
                              (rule_name.empty() ? std::to_string(rule.index) : rule_name));
      if (rule.http != nullptr) {
        if (std::string timeouts = DescribeTimeouts(*rule.http); !timeouts.empty()) {
          writer.Add("timeouts", timeouts);
        }
        if (std::string retry = DescribeRetry(*rule.http); !retry.empty()) {
          writer.Add("retry", retry);
        }
        writer.Rule(object.metadata.namespace_, rule, rule.http->filters, rule.http->backend_refs);
        std::vector<model::HTTPRouteMatch> matches = rule.http->matches;
        if (matches.empty()) {
          matches.emplace_back();
        }
        for (const std::string& host : hosts) {
          for (const model::HTTPRouteMatch& match : matches) {
            keep(RequestShape(host, match), rule.key, entry, winners);
          }
        }
      } else if (rule.grpc != nullptr) {
        writer.Rule(object.metadata.namespace_, rule, rule.grpc->filters, rule.grpc->backend_refs);
        std::vector<model::GRPCRouteMatch> matches = rule.grpc->matches;
        if (matches.empty()) {
          matches.emplace_back();
        }
        for (const std::string& host : hosts) {
          for (const model::GRPCRouteMatch& match : matches) {
            keep(GrpcRequestShape(host, match), rule.key, entry, winners);
          }
        }
      }
    }
  }
}

std::string ReferenceName(const resolve::StatusReference& ref) {
  std::string text = ref.kind.value_or("Gateway") + " ";
  if (ref.namespace_) {
    text += *ref.namespace_ + "/";
  }
  text += ref.name;
  if (ref.section_name) {
    text += " (section " + *ref.section_name + ")";
  }
  if (ref.port) {
    text += " (port " + std::to_string(*ref.port) + ")";
  }
  return text;
}

void AddConditions(const std::string& subject, const std::vector<resolve::Condition>& conditions,
                   Behavior& behavior) {
  for (const resolve::Condition& condition : conditions) {
    behavior.conditions[{subject, condition.type}] = {subject, condition.type, condition.status,
                                                      condition.reason, condition.message};
  }
}

std::string ObjectName(const std::string& kind, const model::ObjectBase& object) {
  return kind + " " +
         (object.metadata.namespace_.empty()
              ? object.metadata.name
              : NamespacedName(object.metadata.namespace_, object.metadata.name));
}

// What a policy names as its targets: "HTTPRoute default/web", "Gateway default/gw (section
// http)", "HTTPRoute with labels app=web".
std::vector<std::string> PolicyTargets(const model::AgentgatewayPolicy& policy) {
  std::vector<std::string> targets;
  const std::string& namespace_ = policy.metadata.namespace_;
  for (const model::PolicyTargetReference& ref : policy.target_refs) {
    std::string text = ref.kind + " " + NamespacedName(namespace_, ref.name);
    if (ref.section_name) {
      text += " (section " + *ref.section_name + ")";
    }
    if (ref.port) {
      text += " (port " + std::to_string(*ref.port) + ")";
    }
    targets.push_back(std::move(text));
  }
  for (const model::PolicyTargetSelector& selector : policy.target_selectors) {
    std::vector<std::string> labels;
    for (const auto& [key, value] : selector.match_labels) {
      labels.push_back(key + "=" + value);
    }
    std::string text = selector.kind + " in " + namespace_ + " with labels " + Join(labels, ",");
    if (selector.section_name) {
      text += " (section " + *selector.section_name + ")";
    }
    targets.push_back(std::move(text));
  }
  return targets;
}

void AddStatus(const resolve::StatusSet& status, Behavior& behavior) {
  for (const resolve::GatewayClassStatus& gateway_class : status.gateway_classes) {
    AddConditions(ObjectName("GatewayClass", *gateway_class.object), gateway_class.conditions,
                  behavior);
  }
  for (const resolve::GatewayStatus& gateway : status.gateways) {
    std::string name = ObjectName("Gateway", *gateway.object);
    AddConditions(name, gateway.conditions, behavior);
    for (const resolve::ListenerStatus& listener : gateway.listeners) {
      AddConditions(name + ", listener " + listener.name, listener.conditions, behavior);
    }
  }
  for (const resolve::RouteStatus& route : status.routes) {
    std::string name = ObjectName(route.kind, *route.object);
    for (const resolve::RouteParentStatus& parent : route.parents) {
      AddConditions(name + ", parent " + ReferenceName(parent.parent_ref), parent.conditions,
                    behavior);
    }
  }
  for (const resolve::BackendStatus& backend : status.backends) {
    AddConditions(ObjectName("AgentgatewayBackend", *backend.object), backend.conditions, behavior);
  }
  for (const resolve::PolicyStatus& policy : status.policies) {
    std::string name = ObjectName("AgentgatewayPolicy", *policy.object);
    std::vector<std::string>& attached = behavior.attachments[name];
    std::vector<std::string> targets = PolicyTargets(*policy.object);
    for (const resolve::PolicyAncestorStatus& ancestor : policy.ancestors) {
      std::string ancestor_name = ReferenceName(ancestor.ancestor_ref);
      AddConditions(name + ", ancestor " + ancestor_name, ancestor.conditions, behavior);
      const resolve::Condition* condition = resolve::FindCondition(ancestor.conditions, "Attached");
      if (condition == nullptr || !condition->is_true()) {
        continue;
      }
      // Status names the Gateway as the ancestor; a reviewer wants the targets too.
      for (const std::string& target : targets) {
        attached.push_back(target == ancestor_name ? target : target + " on " + ancestor_name);
      }
    }
    std::sort(attached.begin(), attached.end());
    attached.erase(std::unique(attached.begin(), attached.end()), attached.end());
  }
}

AttributeChange ChangeOf(const Attribute* old_attribute, const Attribute* new_attribute) {
  AttributeChange change;
  const Attribute* either = new_attribute != nullptr ? new_attribute : old_attribute;
  change.name = either->name;
  change.sensitive = either->sensitive;
  if (!change.sensitive) {
    if (old_attribute != nullptr) {
      change.old_value = old_attribute->value;
    }
    if (new_attribute != nullptr) {
      change.new_value = new_attribute->value;
    }
  }
  return change;
}

std::vector<AttributeChange> Whole(const std::vector<Attribute>& attributes, bool is_new) {
  std::vector<AttributeChange> details;
  for (const Attribute& attribute : attributes) {
    if (attribute.sensitive) {
      continue;  // a fingerprint says nothing on its own
    }
    details.push_back(is_new ? ChangeOf(nullptr, &attribute) : ChangeOf(&attribute, nullptr));
  }
  return details;
}

// The attributes that differ, in the new side's order, then those only the old side has.
std::vector<AttributeChange> Compare(const std::vector<Attribute>& old_attributes,
                                     const std::vector<Attribute>& new_attributes) {
  std::map<std::string_view, const Attribute*> old_by_name;
  for (const Attribute& attribute : old_attributes) {
    old_by_name[attribute.name] = &attribute;
  }
  std::set<std::string_view> seen;
  std::vector<AttributeChange> details;
  for (const Attribute& attribute : new_attributes) {
    seen.insert(attribute.name);
    auto old_attribute = old_by_name.find(attribute.name);
    if (old_attribute == old_by_name.end()) {
      details.push_back(ChangeOf(nullptr, &attribute));
    } else if (old_attribute->second->value != attribute.value) {
      details.push_back(ChangeOf(old_attribute->second, &attribute));
    }
  }
  for (const Attribute& attribute : old_attributes) {
    if (seen.count(attribute.name) == 0) {
      details.push_back(ChangeOf(&attribute, nullptr));
    }
  }
  return details;
}

// Whether a condition says all is well: True, except for the types whose True is the problem
// (Gateway API's Conflicted, OverlappingTLSConfig and PartiallyInvalid).
bool Healthy(const ConditionBehavior& condition) {
  bool negative = condition.type == "Conflicted" || condition.type == "OverlappingTLSConfig" ||
                  condition.type == "PartiallyInvalid";
  return (condition.status == "True") != negative;
}

std::string StatusText(const ConditionBehavior& condition) {
  return condition.status + (condition.reason.empty() ? "" : " (" + condition.reason + ")");
}

}  // namespace

Behavior DescribeBehavior(const model::Model& model, const resolve::Resolution& resolution) {
  Behavior behavior;
  SecretIndex secrets(model);
  for (const resolve::ResolvedListener& listener : resolution.config.listeners) {
    behavior.listeners.push_back(ListenerName(listener));
    AddRoutes(listener, secrets, behavior);
  }
  std::sort(behavior.listeners.begin(), behavior.listeners.end());
  AddStatus(resolution.status, behavior);
  return behavior;
}

BehaviorDiff DiffBehavior(const Behavior& old_side, const Behavior& new_side) {
  BehaviorDiff diff;
  auto add = [&](BehaviorSection section, BehaviorChangeKind kind, std::string scope,
                 std::string subject, std::vector<AttributeChange> details) {
    diff.changes.push_back(
        {section, kind, std::move(scope), std::move(subject), std::move(details)});
  };

  std::set<std::string> old_listeners(old_side.listeners.begin(), old_side.listeners.end());
  std::set<std::string> new_listeners(new_side.listeners.begin(), new_side.listeners.end());
  for (const std::string& listener : new_listeners) {
    if (old_listeners.count(listener) == 0) {
      add(BehaviorSection::kListener, BehaviorChangeKind::kAdded, listener, "", {});
    }
  }
  for (const std::string& listener : old_listeners) {
    if (new_listeners.count(listener) == 0) {
      add(BehaviorSection::kListener, BehaviorChangeKind::kRemoved, listener, "", {});
    }
  }

  // Both maps are sorted by (listener, request): one merge walk.
  auto old_route = old_side.routes.begin();
  auto new_route = new_side.routes.begin();
  while (old_route != old_side.routes.end() || new_route != new_side.routes.end()) {
    if (new_route == new_side.routes.end() ||
        (old_route != old_side.routes.end() && old_route->first < new_route->first)) {
      add(BehaviorSection::kRoute, BehaviorChangeKind::kRemoved, old_route->second.listener,
          old_route->second.request, Whole(old_route->second.destination, false));
      ++old_route;
    } else if (old_route == old_side.routes.end() || new_route->first < old_route->first) {
      add(BehaviorSection::kRoute, BehaviorChangeKind::kAdded, new_route->second.listener,
          new_route->second.request, Whole(new_route->second.destination, true));
      ++new_route;
    } else {
      std::vector<AttributeChange> details =
          Compare(old_route->second.destination, new_route->second.destination);
      if (!details.empty()) {
        add(BehaviorSection::kRoute, BehaviorChangeKind::kChanged, new_route->second.listener,
            new_route->second.request, std::move(details));
      }
      ++old_route;
      ++new_route;
    }
  }

  auto condition_change = [](const ConditionBehavior* old_condition,
                             const ConditionBehavior* new_condition) {
    AttributeChange change;
    change.name = (new_condition ? new_condition : old_condition)->type;
    if (old_condition) {
      change.old_value = StatusText(*old_condition);
    }
    if (new_condition) {
      change.new_value = StatusText(*new_condition);
      if (!Healthy(*new_condition) && !new_condition->message.empty()) {
        change.new_value += ": " + new_condition->message;
      }
    }
    return change;
  };
  for (const auto& [key, condition] : new_side.conditions) {
    auto old_condition = old_side.conditions.find(key);
    if (old_condition == old_side.conditions.end()) {
      if (!Healthy(condition)) {
        add(BehaviorSection::kCondition, BehaviorChangeKind::kAdded, condition.subject,
            condition.type, {condition_change(nullptr, &condition)});
      }
    } else if (old_condition->second.status != condition.status ||
               old_condition->second.reason != condition.reason) {
      add(BehaviorSection::kCondition, BehaviorChangeKind::kChanged, condition.subject,
          condition.type, {condition_change(&old_condition->second, &condition)});
    }
  }
  for (const auto& [key, condition] : old_side.conditions) {
    if (new_side.conditions.count(key) == 0 && !Healthy(condition)) {
      add(BehaviorSection::kCondition, BehaviorChangeKind::kRemoved, condition.subject,
          condition.type, {condition_change(&condition, nullptr)});
    }
  }

  static const std::vector<std::string> kNone;
  auto attached = [](const Behavior& side, const std::string& policy) -> const auto& {
    auto found = side.attachments.find(policy);
    return found == side.attachments.end() ? kNone : found->second;
  };
  std::set<std::string> policies;
  for (const auto& [policy, ancestors] : old_side.attachments) {
    policies.insert(policy);
  }
  for (const auto& [policy, ancestors] : new_side.attachments) {
    policies.insert(policy);
  }
  for (const std::string& policy : policies) {
    const std::vector<std::string>& before = attached(old_side, policy);
    const std::vector<std::string>& after = attached(new_side, policy);
    for (const std::string& ancestor : after) {
      if (!std::binary_search(before.begin(), before.end(), ancestor)) {
        add(BehaviorSection::kPolicy, BehaviorChangeKind::kAdded, policy, ancestor, {});
      }
    }
    for (const std::string& ancestor : before) {
      if (!std::binary_search(after.begin(), after.end(), ancestor)) {
        add(BehaviorSection::kPolicy, BehaviorChangeKind::kRemoved, policy, ancestor, {});
      }
    }
  }
  return diff;
}

}  // namespace agw::validate::diff
