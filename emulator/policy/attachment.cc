#include "emulator/policy/attachment.h"

#include <algorithm>
#include <set>

namespace agw::emulator::policy {
namespace {

using validate::resolve::AttachedPolicy;

std::string NameOf(const AttachedPolicy& attached) {
  return attached.policy->metadata.namespace_ + "/" + attached.policy->metadata.name;
}

bool RoutePhase(const AttachedPolicy& attached) {
  const auto& traffic = attached.policy->traffic;
  return traffic && traffic->phase.value_or("PostRouting") != "PreRouting";
}

bool HasBackend(const AttachedPolicy& attached) { return attached.policy->backend.has_value(); }

// The fields of a traffic section that SameTargetConflicts compares.
std::vector<std::string> TrafficFieldsSet(const validate::model::Traffic& traffic) {
  std::vector<std::string> fields;
  auto note = [&](bool set, const char* name) {
    if (set) {
      fields.push_back(name);
    }
  };
  note(traffic.rate_limit.has_value(), "traffic.rateLimit");
  note(traffic.header_modifiers.has_value(), "traffic.headerModifiers");
  note(traffic.request_timeout.has_value(), "traffic.timeouts");
  note(traffic.cors.has_value(), "traffic.cors");
  note(traffic.retry.has_value(), "traffic.retry");
  note(traffic.transformation.has_value(), "traffic.transformation");
  note(traffic.ext_auth.has_value(), "traffic.extAuth");
  note(traffic.ext_proc.has_value(), "traffic.extProc");
  note(traffic.jwt_authentication.has_value(), "traffic.jwtAuthentication");
  note(traffic.basic_authentication.has_value(), "traffic.basicAuthentication");
  note(traffic.api_key_authentication.has_value(), "traffic.apiKeyAuthentication");
  note(traffic.direct_response.has_value(), "traffic.directResponse");
  return fields;
}

std::vector<std::string> BackendFieldsSet(const validate::model::BackendPolicies& backend) {
  std::vector<std::string> fields;
  if (backend.ai) {
    fields.push_back("backend.ai");
  }
  if (backend.auth) {
    fields.push_back("backend.auth");
  }
  return fields;
}

}  // namespace

PolicyIndex::PolicyIndex(const std::vector<AttachedPolicy>& policies) {
  for (const AttachedPolicy& attached : policies) {
    by_target_[{attached.kind, attached.namespace_, attached.name}].push_back(&attached);
  }
  for (auto& [key, list] : by_target_) {
    std::stable_sort(
        list.begin(), list.end(),
        [](const AttachedPolicy* a, const AttachedPolicy* b) { return NameOf(*a) < NameOf(*b); });
  }
}

std::vector<const AttachedPolicy*> PolicyIndex::RouteTraffic(const RequestPlace& place) const {
  std::vector<const AttachedPolicy*> layers;
  // Appends the route-phase policies of a target whose section is `section` (nullopt: none), the
  // policy that sorts first last, so that it wins.
  auto add = [&](const Key& key, const std::optional<std::string>& section) {
    auto it = by_target_.find(key);
    if (it == by_target_.end()) {
      return;
    }
    for (auto attached = it->second.rbegin(); attached != it->second.rend(); ++attached) {
      if (RoutePhase(**attached) && (*attached)->section_name == section && !(*attached)->port) {
        layers.push_back(*attached);
      }
    }
  };
  if (place.gateway != nullptr) {
    Key gateway{"Gateway", place.gateway->metadata.namespace_, place.gateway->metadata.name};
    add(gateway, std::nullopt);
    add(gateway, place.listener);
  }
  if (!place.route_kind.empty()) {
    Key route{place.route_kind, place.route_namespace, place.route_name};
    add(route, std::nullopt);
    if (place.rule_name) {
      add(route, place.rule_name);
    }
  }
  return layers;
}

std::vector<const AttachedPolicy*> PolicyIndex::Backend(const RequestPlace& place) const {
  std::vector<const AttachedPolicy*> layers;
  auto add = [&](const Key& key, const std::optional<std::string>& section) {
    auto it = by_target_.find(key);
    if (it == by_target_.end()) {
      return;
    }
    for (const AttachedPolicy* attached : it->second) {
      if (HasBackend(*attached) && attached->section_name == section && !attached->port) {
        layers.push_back(attached);
      }
    }
  };
  if (!place.route_kind.empty()) {
    Key route{place.route_kind, place.route_namespace, place.route_name};
    if (place.rule_name) {
      add(route, place.rule_name);
    }
    add(route, std::nullopt);
  }
  if (!place.backend_kind.empty()) {
    add({place.backend_kind, place.backend_namespace, place.backend_name}, std::nullopt);
  }
  if (place.gateway != nullptr) {
    Key gateway{"Gateway", place.gateway->metadata.namespace_, place.gateway->metadata.name};
    add(gateway, place.listener);
    add(gateway, std::nullopt);
  }
  return layers;
}

std::vector<const AttachedPolicy*> PolicyIndex::Provider(const std::string& backend_namespace,
                                                         const std::string& backend_name,
                                                         const std::string& provider) const {
  std::vector<const AttachedPolicy*> layers;
  auto it = by_target_.find({"AgentgatewayBackend", backend_namespace, backend_name});
  if (it == by_target_.end()) {
    return layers;
  }
  for (const AttachedPolicy* attached : it->second) {
    if (HasBackend(*attached) && attached->section_name == provider) {
      layers.push_back(attached);
    }
  }
  return layers;
}

std::vector<PolicyIndex::Conflict> PolicyIndex::SameTargetConflicts() const {
  std::vector<Conflict> conflicts;
  for (const auto& [key, list] : by_target_) {
    // (section, field) -> policies, in name order (the first wins).
    std::map<std::pair<std::string, std::string>, std::vector<std::string>> setters;
    for (const AttachedPolicy* attached : list) {
      const validate::model::AgentgatewayPolicy& policy = *attached->policy;
      std::vector<std::string> fields;
      if (policy.traffic) {
        fields = TrafficFieldsSet(*policy.traffic);
      }
      if (policy.backend) {
        std::vector<std::string> backend = BackendFieldsSet(*policy.backend);
        fields.insert(fields.end(), backend.begin(), backend.end());
      }
      std::string section = attached->section_name.value_or("");
      for (const std::string& field : fields) {
        std::vector<std::string>& names = setters[{section, field}];
        if (std::find(names.begin(), names.end(), NameOf(*attached)) == names.end()) {
          names.push_back(NameOf(*attached));
        }
      }
    }
    for (auto& [where, names] : setters) {
      if (names.size() < 2) {
        continue;
      }
      std::string target = std::get<0>(key) + " " + std::get<1>(key) + "/" + std::get<2>(key);
      if (!where.first.empty()) {
        target += " sectionName " + where.first;
      }
      conflicts.push_back({std::move(target), where.second, std::move(names)});
    }
  }
  return conflicts;
}

validate::model::BackendAI MergeAi(const validate::model::BackendAI& preferred,
                                   const validate::model::BackendAI& fallback) {
  validate::model::BackendAI merged = preferred;
  if (!merged.prompt) {
    merged.prompt = fallback.prompt;
  }
  if (!merged.prompt_guard) {
    merged.prompt_guard = fallback.prompt_guard;
  }
  if (merged.defaults.empty()) {
    merged.defaults = fallback.defaults;
  }
  if (merged.overrides.empty()) {
    merged.overrides = fallback.overrides;
  }
  if (merged.transformations.empty()) {
    merged.transformations = fallback.transformations;
  }
  if (merged.final_transformations.empty()) {
    merged.final_transformations = fallback.final_transformations;
  }
  if (merged.model_aliases.empty()) {
    merged.model_aliases = fallback.model_aliases;
  }
  if (!merged.prompt_caching) {
    merged.prompt_caching = fallback.prompt_caching;
  }
  if (merged.routes.empty()) {
    merged.routes = fallback.routes;
  }
  return merged;
}

std::string PolicyKey(const AttachedPolicy& attached, std::string_view feature) {
  std::string key = "traffic/" + NameOf(attached) + ":" + std::string(feature) + ":" +
                    attached.kind + "/" + attached.namespace_ + "/" + attached.name;
  if (attached.section_name) {
    key += "/" + *attached.section_name;
  }
  return key;
}

}  // namespace agw::emulator::policy
