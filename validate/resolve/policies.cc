// AgentgatewayPolicy targets, attachment and ancestor status (controller.md 5).

#include <algorithm>

#include "validate/resolve/resolver.h"

namespace agw::resolve::internal {
namespace {

constexpr std::size_t kMaxAncestors = 16;

bool LabelsInclude(const std::map<std::string, std::string>& labels,
                   const std::map<std::string, std::string>& required) {
  return std::all_of(required.begin(), required.end(), [&](const auto& entry) {
    auto it = labels.find(entry.first);
    return it != labels.end() && it->second == entry.second;
  });
}

bool IsPortNumber(const std::string& text) {
  if (text.empty() || text.size() > 5 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  int port = std::stoi(text);
  return port >= 1 && port <= 65535;
}

}  // namespace

void Resolver::ResolvePolicy(const model::AgentgatewayPolicy& policy) {
  const std::string& ns = policy.metadata.namespace_;
  std::vector<std::string> not_attached;  // "Policy is not attached: ..." lines
  std::set<const model::Gateway*> gateways;
  std::set<std::pair<std::string, std::string>> gateway_names;  // targeted by name, (ns, name)

  // Each target: (kind, name, sectionName, port, field path).
  struct Target {
    std::string group;
    std::string kind;
    std::string name;
    std::optional<std::string> section_name;
    std::optional<std::int32_t> port;
    std::string path;
  };
  std::vector<Target> targets;
  for (const model::PolicyTargetReference& ref : policy.target_refs) {
    targets.push_back({ref.group, ref.kind, ref.name, ref.section_name, ref.port, ref.path});
  }
  for (const model::PolicyTargetSelector& selector : policy.target_selectors) {
    std::size_t before = targets.size();
    auto select = [&](const auto& objects) {
      for (const auto& object : objects) {
        if (object.metadata.namespace_ == ns &&
            LabelsInclude(object.metadata.labels, selector.match_labels)) {
          targets.push_back({selector.group, selector.kind, object.metadata.name,
                             selector.section_name, selector.port, selector.path});
        }
      }
    };
    if (selector.kind == "Gateway") select(model_.gateways);
    if (selector.kind == "HTTPRoute") select(model_.http_routes);
    if (selector.kind == "GRPCRoute") select(model_.grpc_routes);
    if (selector.kind == "Service") select(model_.services);
    if (selector.kind == "AgentgatewayBackend") select(model_.backends);
    if (targets.size() == before) {
      not_attached.push_back("Policy is not attached: no " + selector.kind +
                             " matching selector found in namespace " + ns);
    }
  }

  for (const Target& target : targets) {
    std::string id = ns + "/" + target.name;
    auto missing = [&](const std::string& kind) {
      std::string what = kind + " " + id;
      if (TreatAsMissing(policy, what, target.path + ".name")) {
        not_attached.push_back("Policy is not attached: " + what + " not found");
      }
    };
    if (target.kind == "Gateway") {
      const model::Gateway* gateway = index_.FindGateway(ns, target.name);
      if (gateway == nullptr) {
        missing("Gateway");
        continue;
      }
      if (target.section_name &&
          std::none_of(gateway->listeners.begin(), gateway->listeners.end(),
                       [&](const auto& l) { return l.name == *target.section_name; })) {
        not_attached.push_back("Policy is not attached: sectionName \"" + *target.section_name +
                               "\" not found in Gateway " + id);
        continue;
      }
      if (target.port &&
          std::none_of(gateway->listeners.begin(), gateway->listeners.end(),
                       [&](const auto& l) { return l.port == *target.port; })) {
        not_attached.push_back("Policy is not attached: port " + std::to_string(*target.port) +
                               " not found in Gateway " + id);
        continue;
      }
      gateways.insert(gateway);
      continue;
    }
    if (target.kind == "HTTPRoute" || target.kind == "GRPCRoute") {
      const model::ObjectBase* route = nullptr;
      std::vector<std::optional<std::string>> rule_names;
      if (target.kind == "HTTPRoute") {
        if (const model::HTTPRoute* r = index_.FindHTTPRoute(ns, target.name)) {
          route = r;
          for (const auto& rule : r->rules) rule_names.push_back(rule.name);
        }
      } else if (const model::GRPCRoute* r = index_.FindGRPCRoute(ns, target.name)) {
        route = r;
        for (const auto& rule : r->rules) rule_names.push_back(rule.name);
      }
      if (route == nullptr) {
        missing(target.kind);
        continue;
      }
      if (target.section_name &&
          std::find(rule_names.begin(), rule_names.end(), target.section_name) ==
              rule_names.end()) {
        not_attached.push_back("Policy is not attached: sectionName \"" + *target.section_name +
                               "\" not found in " + target.kind + " " + id);
        continue;
      }
      auto it = route_gateways_.find(route);
      if (it == route_gateways_.end() || it->second.empty()) {
        not_attached.push_back("Policy is not attached: " + target.kind + " " + id +
                               " is not attached to any Gateway");
        continue;
      }
      gateways.insert(it->second.begin(), it->second.end());
      continue;
    }
    if (target.kind == "AgentgatewayBackend") {
      const model::AgentgatewayBackend* backend = index_.FindBackend(ns, target.name);
      if (backend == nullptr) {
        missing("AgentgatewayBackend");
        continue;
      }
      if (target.section_name) {
        std::vector<std::string> sections;
        if (backend->ai && backend->ai->provider) sections.push_back("backend");
        if (backend->ai) {
          for (const auto& group : backend->ai->groups) {
            for (const auto& provider : group.providers) sections.push_back(provider.name);
          }
        }
        if (backend->mcp) {
          if (const manifest::Value* mcp_targets = backend->mcp->Find("targets")) {
            for (const manifest::Value& item : mcp_targets->items()) {
              if (const manifest::Value* name = item.Find("name")) sections.push_back(name->text());
            }
          }
        }
        if (std::find(sections.begin(), sections.end(), *target.section_name) == sections.end()) {
          not_attached.push_back("Policy is not attached: sectionName \"" + *target.section_name +
                                 "\" not found in AgentgatewayBackend " + id);
          continue;
        }
      }
      auto it = backend_gateways_.find(backend);
      if (it == backend_gateways_.end() || it->second.empty()) {
        not_attached.push_back("Policy is not attached: AgentgatewayBackend " + id +
                               " is not attached to any Gateway");
        continue;
      }
      gateways.insert(it->second.begin(), it->second.end());
      continue;
    }
    if (target.kind == "Service") {
      const model::Service* service = index_.FindService(ns, target.name);
      if (service == nullptr) {
        missing("Service");
        continue;
      }
      if (target.section_name) {
        if (!IsPortNumber(*target.section_name)) {
          not_attached.push_back("Policy is not attached: sectionName \"" +
                                 *target.section_name +
                                 "\" is not a valid port number for Service " + id);
          continue;
        }
        int port = std::stoi(*target.section_name);
        if (std::none_of(service->ports.begin(), service->ports.end(),
                         [&](const auto& p) { return p.port == port; })) {
          not_attached.push_back("Policy is not attached: port " + std::to_string(port) +
                                 " not found in Service " + id);
          continue;
        }
      }
      auto it = service_gateways_.find({ns, target.name});
      if (it == service_gateways_.end() || it->second.empty()) {
        not_attached.push_back("Policy is not attached: Service " + id +
                               " is not attached to any Gateway");
        continue;
      }
      gateways.insert(it->second.begin(), it->second.end());
      continue;
    }
    // ListenerSet and InferencePool targets are not modelled yet: nothing is claimed for them.
    Report(policy, manifest::Severity::kInfo, "unchecked-target",
           "targets of kind " + target.kind + " are not resolved by this version; the policy's "
           "attachment to " + id + " is not checked",
           target.path);
  }

  // Translation problems of the policy's own settings.
  std::vector<Problem> problems;
  if (policy.backend) {
    CheckBackendPolicies(policy, *policy.backend, "spec.backend", problems);
  }
  std::vector<Condition> base;
  if (problems.empty()) {
    base = {{"Accepted", "True", "Valid", "Policy accepted"},
            {"Attached", "True", "Attached", "Attached to all targets"}};
  } else {
    std::string joined;
    for (const Problem& problem : problems) {
      joined += (joined.empty() ? "" : "\n") + problem.message;
      Report(policy, manifest::Severity::kError, "PartiallyValid", problem.message,
             problem.field_path,
             "the policy is still applied, without the part that failed");
    }
    base = {{"Accepted", "True", "PartiallyValid", joined}};
  }

  PolicyStatus status;
  status.object = &policy;
  for (const model::Gateway* gateway : gateways) {
    PolicyAncestorStatus ancestor;
    ancestor.ancestor_ref = {model::kGatewayApiGroup, "Gateway", gateway->metadata.namespace_,
                             gateway->metadata.name, std::nullopt, std::nullopt};
    ancestor.controller_name = options_.controller_name;
    ancestor.conditions = base;
    status.ancestors.push_back(std::move(ancestor));
  }
  if (!not_attached.empty()) {
    PolicyAncestorStatus summary;
    summary.ancestor_ref.group = model::kAgentgatewayGroup;
    summary.ancestor_ref.name = "StatusSummary";
    summary.controller_name = options_.controller_name;
    std::string joined;
    for (const std::string& line : not_attached) {
      joined += (joined.empty() ? "" : "\n") + line;
      Report(policy, manifest::Severity::kWarning, "Pending", line, "spec");
    }
    summary.conditions = {base[0], {"Attached", "False", "Pending", joined}};
    status.ancestors.push_back(std::move(summary));
  }
  std::sort(status.ancestors.begin(), status.ancestors.end(), [](const auto& a, const auto& b) {
    auto key = [](const PolicyAncestorStatus& s) {
      const StatusReference& r = s.ancestor_ref;
      return std::tuple(r.group.value_or(""), r.kind.value_or(""), r.name,
                        r.section_name.value_or(""), r.port.value_or(0), r.namespace_.value_or(""));
    };
    return key(a) < key(b);
  });
  if (status.ancestors.size() > kMaxAncestors) {
    std::size_t ignored = status.ancestors.size() - kMaxAncestors;
    status.ancestors.resize(kMaxAncestors);
    PolicyAncestorStatus summary;
    summary.ancestor_ref.group = model::kAgentgatewayGroup;
    summary.ancestor_ref.name = "StatusSummary";
    summary.controller_name = options_.controller_name;
    summary.conditions = {{"StatusSummarized", "True", "StatusSummary",
                           std::to_string(ignored) + " AncestorRefs ignored due to max status size"}};
    status.ancestors.push_back(std::move(summary));
  }
  out_.status.policies.push_back(std::move(status));
}

}  // namespace agw::resolve::internal
