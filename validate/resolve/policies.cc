// AgentgatewayPolicy targets, attachment and ancestor status (controller.md 5).

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "validate/resolve/resolver.h"
#include "validate/resolve/suggest.h"

namespace agw::validate::resolve::internal {
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

using manifest::Value;

bool LabelsMatchValue(const Value* labels, const std::map<std::string, std::string>& required) {
  return std::all_of(required.begin(), required.end(), [&](const auto& entry) {
    const Value* value = labels == nullptr ? nullptr : labels->Find(entry.first);
    return value != nullptr && value->is_scalar() && value->text() == entry.second;
  });
}

std::map<std::string, std::string> MatchLabels(const Value* selector) {
  std::map<std::string, std::string> labels;
  if (const Value* match = selector == nullptr ? nullptr : selector->Find("matchLabels")) {
    for (const manifest::MapEntry& entry : match->entries()) {
      labels[entry.key] = entry.value.text();
    }
  }
  return labels;
}

// Go's hex.DecodeString error for `text`, if any.
std::optional<std::string> HexDecodeError(std::string_view text) {
  auto invalid = [](char c) {
    char buffer[32];
    unsigned char byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      std::snprintf(buffer, sizeof buffer, "U+%04X '%c'", byte, c);
    } else {
      std::snprintf(buffer, sizeof buffer, "U+%04X", byte);
    }
    return "encoding/hex: invalid byte: " + std::string(buffer);
  };
  for (char c : text) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return invalid(c);
    }
  }
  if (text.size() % 2 == 1) {
    return "encoding/hex: odd length hex string";
  }
  return std::nullopt;
}

// One policy of a traffic feature written inline, or one `conditional[]` entry of it.
struct ConditionalEntry {
  const Value* policy;
  const Value* condition;  // null when written inline
  std::string path;        // of `policy`
  std::string condition_path;
};

std::vector<ConditionalEntry> ConditionalEntries(const Value& feature, const std::string& path) {
  std::vector<ConditionalEntry> entries;
  if (const Value* conditional = ValueItems(&feature, "conditional")) {
    for (std::size_t i = 0; i < conditional->items().size(); ++i) {
      const Value& entry = conditional->items()[i];
      std::string entry_path = path + ".conditional[" + std::to_string(i) + "]";
      if (const Value* policy = entry.Find("policy")) {
        entries.push_back(
            {policy, entry.Find("condition"), entry_path + ".policy", entry_path + ".condition"});
      }
    }
  } else {
    entries.push_back({&feature, nullptr, path, ""});
  }
  return entries;
}

// processConditionalEntries: an entry's condition is checked after its policy, and only when
// the policy was built.
void CheckCondition(const ConditionalEntry& entry, std::vector<Problem>& problems) {
  const Value* condition = entry.condition;
  if (condition == nullptr || !condition->is_scalar() || condition->is_null() ||
      condition->text().empty() || IsCel(condition->text())) {
    return;
  }
  problems.push_back({"TranslationError",
                      "condition CEL expression is invalid: " + condition->text(),
                      entry.condition_path, condition->position()});
}

// validateExtractionAuthorizationLocation for jwt, API key and basic authentication.
void CheckLocationExpression(const Value& authentication, const std::string& path,
                             const std::string& what, std::vector<Problem>& problems) {
  const Value* location = authentication.Find("location");
  CheckCel(location == nullptr ? nullptr : location->Find("expression"),
           path + ".location.expression", what + " location expression", problems);
}

// The entries of a traffic feature that may be written inline or as `conditional[].policy`.
std::vector<const Value*> ConditionalPolicies(const Value& feature) {
  std::vector<const Value*> policies;
  if (const Value* conditional = ValueItems(&feature, "conditional")) {
    for (const Value& entry : conditional->items()) {
      if (const Value* policy = entry.Find("policy")) {
        policies.push_back(policy);
      }
    }
  } else {
    policies.push_back(&feature);
  }
  return policies;
}

}  // namespace

void Resolver::CheckApiKeys(const model::AgentgatewayPolicy& policy, const Value& config,
                            const std::string& path, std::vector<Problem>& problems) {
  // processAPIKeyAuthenticationPolicy: every data entry of the selected Secrets or ConfigMaps
  // is one key (controller.md 6).
  const std::string& ns = policy.metadata.namespace_;
  struct DataSet {
    std::string kind;  // "secret" | "configMap", as the messages say
    std::string name;
    std::map<std::string, std::string> data;
  };
  std::vector<DataSet> sets;
  if (std::optional<model::LocalSecretRef> ref = SecretRefAt(&config, "secretRef")) {
    CredentialLookup lookup = ResolveCredentialRef(policy, *ref, path + ".secretRef");
    if (lookup.problem) {
      problems.push_back(*lookup.problem);
    } else if (lookup.secret != nullptr) {
      sets.push_back({"secret", ref->name, lookup.secret->data});
    }
  }
  if (const Value* selector = config.Find("secretSelector")) {
    sets.clear();  // a selector replaces secretRef
    std::map<std::string, std::string> labels = MatchLabels(selector);
    for (const model::Secret& secret : model_.secrets) {
      if (secret.metadata.namespace_ == ns && LabelsInclude(secret.metadata.labels, labels)) {
        sets.push_back({"secret", secret.metadata.name, secret.data});
      }
    }
  }
  if (const Value* selector = config.Find("configMapSelector")) {
    std::map<std::string, std::string> labels = MatchLabels(selector);
    for (const manifest::Resource* resource : model_.other) {
      if (!resource->id.group.empty() || resource->id.kind != "ConfigMap" ||
          resource->id.namespace_ != ns) {
        continue;
      }
      const Value* metadata = resource->object.Find("metadata");
      if (LabelsMatchValue(metadata == nullptr ? nullptr : metadata->Find("labels"), labels)) {
        sets.push_back(
            {"configMap", resource->id.name, *index_.ConfigMapData(ns, resource->id.name)});
      }
    }
  }
  constexpr char kConfigMapRawKey[] =
      "keys sourced from a ConfigMap must use keyHash, not a raw key, since ConfigMaps are not "
      "confidential";
  for (const DataSet& set : sets) {
    for (const auto& [key, raw] : set.data) {
      std::string prefix = set.kind + " " + set.name + " contains invalid key " + key + ": ";
      std::string value = raw;
      value.erase(0, value.find_first_not_of(" \t\r\n"));
      value.erase(value.find_last_not_of(" \t\r\n") + 1);
      auto fail = [&](const std::string& why) {
        problems.push_back({"TranslationError", prefix + why, path});
      };
      if (value.empty()) {
        fail("empty value");
        continue;
      }
      std::string entry_key = value;
      std::string key_hash;
      if (value[0] == '{') {
        nlohmann::json entry = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
        if (!entry.is_object()) {
          fail("invalid JSON");
          continue;
        }
        auto text = [&](const char* field) {
          auto it = entry.find(field);
          return it != entry.end() && it->is_string() ? it->get<std::string>() : std::string();
        };
        entry_key = text("key");
        key_hash = text("keyHash");
      }
      if (entry_key.empty() == key_hash.empty()) {
        fail("exactly one of key or keyHash must be set");
        continue;
      }
      if (!entry_key.empty() && set.kind == "configMap") {
        fail(kConfigMapRawKey);
        continue;
      }
      if (!key_hash.empty()) {
        constexpr std::string_view kPrefix = "sha256:";
        if (key_hash.rfind(kPrefix, 0) != 0) {
          fail("keyHash must use the sha256:<hex> format");
        } else if (std::optional<std::string> error =
                       HexDecodeError(std::string_view(key_hash).substr(kPrefix.size()))) {
          fail("keyHash must contain a valid sha256 hex digest: " + *error);
        } else if (key_hash.size() - kPrefix.size() != 64) {
          fail("keyHash sha256 digest must decode to 32 bytes");
        }
      }
    }
  }
}

int Resolver::CheckTrafficPolicy(const model::AgentgatewayPolicy& policy,
                                 std::vector<Problem>& problems) {
  // translateTrafficPolicyToAgw: the features in this order, every error kept (controller.md
  // 5.2), CEL syntax included. Returns how many xDS policies they yield.
  const model::Traffic& traffic = *policy.traffic;
  const std::string base = "spec.traffic";
  int produced = 0;
  auto add = [&](std::string message, std::string field) {
    problems.push_back({"TranslationError", std::move(message), std::move(field)});
  };
  if (traffic.ext_auth) {
    ++produced;
    for (const ConditionalEntry& entry : ConditionalEntries(*traffic.ext_auth, base + ".extAuth")) {
      const Value* ext_auth = entry.policy;
      const Value* ref = ext_auth->Find("backendRef");
      if (ref == nullptr || !ref->is_map()) {
        if (ext_auth->Find("url") == nullptr) {
          add("failed to build extAuth: backendRef is required", base + ".extAuth");
        }
      } else {
        std::string hint;
        if (std::optional<std::string> error =
                CheckPolicyBackendRef(policy, *ref, base + ".extAuth.backendRef", &hint)) {
          add("failed to build extAuth: " + *error, base + ".extAuth.backendRef");
          problems.back().hint = std::move(hint);
        }
      }
      CheckExtAuthCel(*ext_auth, entry.path, problems);
      CheckCondition(entry, problems);
    }
  }
  if (traffic.ext_proc) {
    ++produced;
    for (const ConditionalEntry& entry : ConditionalEntries(*traffic.ext_proc, base + ".extProc")) {
      CheckCelMap(entry.policy->Find("requestAttributes"), entry.path + ".requestAttributes",
                  "extProc requestAttributes", problems);
      CheckCelMap(entry.policy->Find("responseAttributes"), entry.path + ".responseAttributes",
                  "extProc responseAttributes", problems);
      CheckCondition(entry, problems);
    }
  }
  if (traffic.authorization) {
    ++produced;
    const Value* rule = traffic.authorization->Find("policy");
    CheckCelList(rule == nullptr ? nullptr : rule->Find("matchExpressions"),
                 base + ".authorization.policy.matchExpressions", "authorization matchExpression",
                 problems);
  }
  if (traffic.rate_limit) {
    ++produced;
    // processGlobalRateLimitTraffic: each descriptor's entries, cost and limit override.
    auto check_global = [&](const Value& global, const std::string& path) {
      const Value* descriptors = ValueItems(&global, "descriptors");
      for (std::size_t i = 0; descriptors != nullptr && i < descriptors->items().size(); ++i) {
        const Value& descriptor = descriptors->items()[i];
        std::string descriptor_path = path + ".descriptors[" + std::to_string(i) + "]";
        CheckNamedCel(ValueItems(&descriptor, "entries"), "expression",
                      descriptor_path + ".entries", "rate limit descriptor entry", problems);
        CheckCel(descriptor.Find("cost"), descriptor_path + ".cost", "rate limit descriptor cost",
                 problems);
        CheckCel(descriptor.Find("limitOverride"), descriptor_path + ".limitOverride",
                 "rate limit descriptor limit override", problems);
      }
    };
    if (traffic.rate_limit->Find("conditional") == nullptr) {
      if (const Value* global = traffic.rate_limit->Find("global")) {
        check_global(*global, base + ".rateLimit.global");
      }
    } else {
      std::vector<ConditionalEntry> entries =
          ConditionalEntries(*traffic.rate_limit, base + ".rateLimit");
      // processRateLimitPolicy splits the entries: the local ones are built (and their
      // conditions checked) first, then the global ones.
      for (const ConditionalEntry& entry : entries) {
        if (entry.policy->Find("local") != nullptr) {
          CheckCondition(entry, problems);
        }
      }
      for (const ConditionalEntry& entry : entries) {
        if (const Value* global = entry.policy->Find("global")) {
          check_global(*global, entry.path + ".global");
          CheckCondition(entry, problems);
        }
      }
    }
  }
  if (traffic.transformation) {
    ++produced;
    for (const ConditionalEntry& entry :
         ConditionalEntries(*traffic.transformation, base + ".transformation")) {
      if (CheckTransformationCel(*entry.policy, entry.path, problems)) {
        CheckCondition(entry, problems);
      }
    }
  }
  produced += traffic.csrf ? 1 : 0;
  produced += traffic.cors ? 1 : 0;
  if (traffic.header_modifiers) {
    produced +=
        (traffic.header_modifiers->request ? 1 : 0) + (traffic.header_modifiers->response ? 1 : 0);
  }
  produced += (traffic.host_rewrite_mode ? 1 : 0) + (traffic.request_timeout ? 1 : 0);
  if (traffic.retry) {
    ++produced;
    if (const Value* attempts = traffic.retry->Find("attempts");
        attempts != nullptr && attempts->is_int() && attempts->int_value() < 0) {
      add("failed to parse retry attempts should be positive int32 (" + attempts->text() + ")",
          base + ".retry.attempts");
    }
  }
  if (traffic.direct_response) {
    // An inline directResponse without a status yields no policy at all.
    bool conditional = traffic.direct_response->Find("conditional") != nullptr;
    bool yields = conditional;
    for (const ConditionalEntry& entry :
         ConditionalEntries(*traffic.direct_response, base + ".directResponse")) {
      const Value* response = entry.policy;
      if (response->Find("status") == nullptr) {
        add("failed to build directResponse: status is required", base + ".directResponse");
        continue;
      }
      yields = true;
      if (response->Find("body") != nullptr && response->Find("bodyExpression") != nullptr) {
        add("directResponse body and bodyExpression may not both be set", base + ".directResponse");
      }
      CheckCel(response->Find("bodyExpression"), entry.path + ".bodyExpression",
               "directResponse bodyExpression", problems);
      CheckNamedCel(ValueItems(response, "headers"), "value", entry.path + ".headers",
                    "directResponse header", problems);
      CheckCondition(entry, problems);
    }
    produced += yields ? 1 : 0;
  }
  produced += traffic.buffer ? 1 : 0;
  if (traffic.jwt_authentication) {
    ++produced;
    const Value& jwt = *traffic.jwt_authentication;
    CheckLocationExpression(jwt, base + ".jwtAuthentication", "jwtAuthentication", problems);
    const Value* providers = ValueItems(&jwt, "providers");
    for (std::size_t i = 0; providers != nullptr && i < providers->items().size(); ++i) {
      const Value* jwks = providers->items()[i].Find("jwks");
      const Value* remote = jwks == nullptr ? nullptr : jwks->Find("remote");
      std::string field =
          base + ".jwtAuthentication.providers[" + std::to_string(i) + "].jwks.remote";
      if (remote != nullptr) {
        std::string hint;
        if (std::optional<std::string> error =
                CheckRemoteJwks(policy, *remote, policy.metadata.name, field, &hint)) {
          add(*error, field);
          problems.back().hint = std::move(hint);
        }
      }
    }
    std::size_t count = providers == nullptr ? 0 : providers->items().size();
    if (jwt.Find("mcp") != nullptr && count != 1) {
      add("jwtAuthentication.mcp requires exactly one provider, found " + std::to_string(count),
          base + ".jwtAuthentication.mcp");
    }
  }
  if (traffic.api_key_authentication) {
    ++produced;
    CheckLocationExpression(*traffic.api_key_authentication, base + ".apiKeyAuthentication",
                            "apiKeyAuthentication", problems);
    CheckApiKeys(policy, *traffic.api_key_authentication, base + ".apiKeyAuthentication", problems);
  }
  if (traffic.basic_authentication) {
    ++produced;
    CheckLocationExpression(*traffic.basic_authentication, base + ".basicAuthentication",
                            "basicAuthentication", problems);
    std::string field = base + ".basicAuthentication.secretRef";
    if (std::optional<model::LocalSecretRef> ref =
            SecretRefAt(&*traffic.basic_authentication, "secretRef")) {
      CredentialLookup lookup = ResolveCredentialRef(policy, *ref, field);
      std::string key = ref->key.value_or(".htaccess");
      if (lookup.problem) {
        problems.push_back(*lookup.problem);
      } else if (lookup.secret != nullptr && lookup.secret->data.count(key) == 0) {
        add("basic authentication secret " + ref->name + " found, but doesn't contain \"" + key +
                "\" key",
            field);
      }
    }
  }
  return produced;
}

int Resolver::CheckFrontendPolicy(const model::AgentgatewayPolicy& policy,
                                  std::vector<Problem>& problems) {
  // translateFrontendPolicyToAgw: one xDS policy per section (controller.md 5.2).
  // The sections in the controller's order: ..., accessLog, tracing, metrics.
  const Value& frontend = *policy.frontend;
  int produced = static_cast<int>(frontend.entries().size());
  const std::string base = "spec.frontend";
  auto attributes_add = [](const Value* holder) {
    return ValueItems(holder == nullptr ? nullptr : holder->Find("attributes"), "add");
  };
  if (const Value* access_log = frontend.Find("accessLog")) {
    std::string path = base + ".accessLog";
    CheckCel(access_log->Find("filter"), path + ".filter", "frontend accessLog filter", problems);
    CheckNamedCel(attributes_add(access_log), "expression", path + ".attributes.add",
                  "frontend accessLog field", problems);
    if (const Value* otlp = access_log->Find("otlp")) {
      CheckCel(otlp->Find("filter"), path + ".otlp.filter", "frontend accessLog OTLP filter",
               problems);
      CheckNamedCel(attributes_add(otlp), "expression", path + ".otlp.attributes.add",
                    "frontend accessLog OTLP field", problems);
    }
  }
  if (const Value* tracing = frontend.Find("tracing")) {
    std::string path = base + ".tracing";
    const Value* ref = tracing->Find("backendRef");
    if (ref != nullptr && ref->is_map()) {
      std::string hint;
      if (std::optional<std::string> error =
              CheckPolicyBackendRef(policy, *ref, path + ".backendRef", &hint)) {
        problems.push_back({"TranslationError", "failed to translate tracing backend: " + *error,
                            path + ".backendRef", manifest::Position(), hint});
      }
    }
    CheckNamedCel(attributes_add(tracing), "expression", path + ".attributes.add",
                  "frontend tracing attribute", problems);
    CheckNamedCel(ValueItems(tracing, "resources"), "expression", path + ".resources",
                  "frontend tracing resource", problems);
    CheckCel(tracing->Find("randomSampling"), path + ".randomSampling",
             "frontend tracing randomSampling", problems);
    CheckCel(tracing->Find("clientSampling"), path + ".clientSampling",
             "frontend tracing clientSampling", problems);
    CheckCel(tracing->Find("filter"), path + ".filter", "frontend tracing filter", problems);
  }
  if (const Value* metrics = frontend.Find("metrics")) {
    CheckNamedCel(attributes_add(metrics), "expression", base + ".metrics.attributes.add",
                  "frontend metrics field", problems);
  }
  return produced;
}

std::vector<PolicyTarget> Resolver::PolicyTargets(const model::AgentgatewayPolicy& policy,
                                                  std::vector<std::string>* unmatched) const {
  const std::string& ns = policy.metadata.namespace_;
  std::vector<PolicyTarget> targets;
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
    if (selector.kind == "Gateway") {
      select(model_.gateways);
    }
    if (selector.kind == "ListenerSet") {
      select(model_.listener_sets);
    }
    if (selector.kind == "HTTPRoute") {
      select(model_.http_routes);
    }
    if (selector.kind == "GRPCRoute") {
      select(model_.grpc_routes);
    }
    if (selector.kind == "Service") {
      select(model_.services);
    }
    if (selector.kind == "AgentgatewayBackend") {
      select(model_.backends);
    }
    if (selector.kind == "InferencePool") {
      for (const manifest::Resource* resource : model_.other) {
        const Value* metadata = resource->object.Find("metadata");
        if (resource->id.group == selector.group && resource->id.kind == selector.kind &&
            resource->id.namespace_ == ns &&
            LabelsMatchValue(metadata == nullptr ? nullptr : metadata->Find("labels"),
                             selector.match_labels)) {
          targets.push_back({selector.group, selector.kind, resource->id.name,
                             selector.section_name, selector.port, selector.path});
        }
      }
    }
    if (targets.size() == before && unmatched != nullptr) {
      unmatched->push_back("Policy is not attached: no " + selector.kind +
                           " matching selector found in namespace " + ns);
    }
  }
  return targets;
}

std::optional<std::string> Resolver::TargetProblem(const model::AgentgatewayPolicy& policy,
                                                   const PolicyTarget& target, std::string* hint) {
  // ReferenceIndex.PolicyTarget: the existence and section checks (controller.md 5.1).
  const std::string& ns = policy.metadata.namespace_;
  std::string id = ns + "/" + target.name;
  auto set_hint = [&](std::string text) {
    if (hint != nullptr) {
      *hint = std::move(text);
    }
  };
  auto missing = [&](const std::string& kind) -> std::string {
    std::string what = kind + " " + id;
    // Targets are local references: only objects of the policy's namespace can be meant.
    std::string suggestion = SuggestName(target.group, kind, ns, target.name, /*local_only=*/true);
    if (TreatAsMissing(policy, what, target.path + ".name", suggestion)) {
      set_hint(suggestion);
      return "Policy is not attached: " + what + " not found";
    }
    return {};  // assumed to exist on the cluster: nothing to attach to here
  };
  // `names`: the sections `kind` `id` has, named in the hint after `label`.
  auto section_missing = [&](const std::string& kind, const std::string& label,
                             const std::vector<std::string>& names) {
    if (!names.empty()) {
      std::vector<NamedObject> candidates;
      for (const std::string& name : names) {
        candidates.push_back({"", name});
      }
      set_hint(JoinHints(DidYouMean("", *target.section_name, candidates),
                         ListNames(label + " of " + kind + " " + id, names)));
    }
    return "Policy is not attached: sectionName \"" + *target.section_name + "\" not found in " +
           kind + " " + id;
  };
  auto port_hint = [&](const std::string& label, const std::set<std::int32_t>& ports) {
    std::vector<std::string> texts;
    for (std::int32_t port : ports) {
      texts.push_back(std::to_string(port));
    }
    if (!texts.empty()) {
      set_hint(ListNames(label + " " + id, texts));
    }
  };
  auto listener_names = [](const std::vector<model::Listener>& listeners) {
    std::vector<std::string> names;
    for (const model::Listener& listener : listeners) {
      names.push_back(listener.name);
    }
    return names;
  };
  if (target.kind == "Gateway") {
    const model::Gateway* gateway = index_.FindGateway(ns, target.name);
    if (gateway == nullptr) {
      return missing("Gateway");
    }
    if (target.section_name &&
        std::none_of(gateway->listeners.begin(), gateway->listeners.end(),
                     [&](const auto& l) { return l.name == *target.section_name; })) {
      return section_missing("Gateway", "listeners", listener_names(gateway->listeners));
    }
    if (target.port && std::none_of(gateway->listeners.begin(), gateway->listeners.end(),
                                    [&](const auto& l) { return l.port == *target.port; })) {
      std::set<std::int32_t> ports;
      for (const model::Listener& listener : gateway->listeners) {
        ports.insert(listener.port);
      }
      port_hint("listener ports of Gateway", ports);
      return "Policy is not attached: port " + std::to_string(*target.port) +
             " not found in Gateway " + id;
    }
    return std::nullopt;
  }
  if (target.kind == "HTTPRoute" || target.kind == "GRPCRoute") {
    std::vector<std::optional<std::string>> rule_names;
    bool found = false;
    if (target.kind == "HTTPRoute") {
      if (const model::HTTPRoute* r = index_.FindHTTPRoute(ns, target.name)) {
        found = true;
        for (const auto& rule : r->rules) {
          rule_names.push_back(rule.name);
        }
      }
    } else if (const model::GRPCRoute* r = index_.FindGRPCRoute(ns, target.name)) {
      found = true;
      for (const auto& rule : r->rules) {
        rule_names.push_back(rule.name);
      }
    }
    if (!found) {
      return missing(target.kind);
    }
    if (target.section_name &&
        std::find(rule_names.begin(), rule_names.end(), target.section_name) == rule_names.end()) {
      std::vector<std::string> named;
      for (const std::optional<std::string>& name : rule_names) {
        if (name) {
          named.push_back(*name);
        }
      }
      if (named.empty()) {
        set_hint("no rule of " + target.kind + " " + id + " has a name");
      }
      return section_missing(target.kind, "rule names", named);
    }
    return std::nullopt;
  }
  if (target.kind == "AgentgatewayBackend") {
    const model::AgentgatewayBackend* backend = index_.FindBackend(ns, target.name);
    if (backend == nullptr) {
      return missing("AgentgatewayBackend");
    }
    if (target.section_name) {
      std::vector<std::string> sections;
      if (backend->ai && backend->ai->provider) {
        sections.push_back("backend");
      }
      if (backend->ai) {
        for (const auto& group : backend->ai->groups) {
          for (const auto& provider : group.providers) {
            sections.push_back(provider.name);
          }
        }
      }
      if (backend->mcp) {
        if (const Value* mcp_targets = backend->mcp->Find("targets")) {
          for (const Value& item : mcp_targets->items()) {
            if (const Value* name = item.Find("name")) {
              sections.push_back(name->text());
            }
          }
        }
      }
      if (std::find(sections.begin(), sections.end(), *target.section_name) == sections.end()) {
        return section_missing("AgentgatewayBackend", "sections", sections);
      }
    }
    return std::nullopt;
  }
  if (target.kind == "Service") {
    const model::Service* service = index_.FindService(ns, target.name);
    if (service == nullptr) {
      return missing("Service");
    }
    if (target.section_name) {
      if (!IsPortNumber(*target.section_name)) {
        return "Policy is not attached: sectionName \"" + *target.section_name +
               "\" is not a valid port number for Service " + id;
      }
      int port = std::stoi(*target.section_name);
      if (std::none_of(service->ports.begin(), service->ports.end(),
                       [&](const auto& p) { return p.port == port; })) {
        std::set<std::int32_t> ports;
        for (const auto& service_port : service->ports) {
          ports.insert(service_port.port);
        }
        port_hint("ports of Service", ports);
        return "Policy is not attached: port " + std::to_string(port) + " not found in Service " +
               id;
      }
    }
    return std::nullopt;
  }
  if (target.kind == "ListenerSet") {
    const model::ListenerSet* listener_set = index_.FindListenerSet(ns, target.name);
    if (listener_set == nullptr) {
      return missing("ListenerSet");
    }
    if (target.section_name &&
        std::none_of(listener_set->listeners.begin(), listener_set->listeners.end(),
                     [&](const auto& l) { return l.name == *target.section_name; })) {
      return section_missing("ListenerSet", "listeners", listener_names(listener_set->listeners));
    }
    return std::nullopt;
  }
  if (target.kind == "InferencePool") {
    if (!index_.Contains(target.group, target.kind, ns, target.name)) {
      return missing("InferencePool");
    }
    return std::nullopt;
  }
  // Other kinds are rejected by the CRD's CEL rules (controller.md 5.1).
  Report(policy, manifest::Severity::kInfo, "unchecked-target",
         "targets of kind " + target.kind +
             " are not resolved by this version; the policy's "
             "attachment to " +
             id + " is not checked",
         target.path);
  return std::string();
}

std::set<const model::Gateway*> Resolver::TargetGateways(const std::string& ns,
                                                         const PolicyTarget& target) const {
  // ReferenceIndex.LookupGatewaysForTarget (controller.md 5.1).
  if (target.kind == "Gateway") {
    if (const model::Gateway* gateway = index_.FindGateway(ns, target.name)) {
      return {gateway};
    }
    return {};
  }
  if (target.kind == "ListenerSet") {
    // Its parent Gateway, when the ListenerSet is attached to it.
    const model::ListenerSet* listener_set = index_.FindListenerSet(ns, target.name);
    auto it = listener_set == nullptr ? listener_sets_.end() : listener_sets_.find(listener_set);
    if (it == listener_sets_.end()) {
      return {};
    }
    return {it->second.gateway};
  }
  const model::ObjectBase* route = nullptr;
  if (target.kind == "HTTPRoute") {
    route = index_.FindHTTPRoute(ns, target.name);
  } else if (target.kind == "GRPCRoute") {
    route = index_.FindGRPCRoute(ns, target.name);
  }
  if (route != nullptr) {
    auto it = route_gateways_.find(route);
    return it == route_gateways_.end() ? std::set<const model::Gateway*>{} : it->second;
  }
  auto it = reference_gateways_.find({target.kind, ns, target.name});
  return it == reference_gateways_.end() ? std::set<const model::Gateway*>{} : it->second;
}

void Resolver::PropagateReferences() {
  // PolicyAttachments: a backend or Service referenced from an AgentgatewayBackend's policies,
  // or from a policy's sections, is sent to every Gateway its referrer (the backend, or the
  // policy's existing targets) is sent to, transitively (controller.md 0, 5.1).
  using Key = std::tuple<std::string, std::string, std::string>;  // (kind, namespace, name)
  struct Edge {
    std::string source_namespace;
    PolicyTarget source;
    Key to;
  };
  std::vector<Edge> edges;
  auto refs_of = [](const std::string& ns, auto&& collect) {
    std::vector<Key> refs;
    collect([&](const Value* ref) {
      if (ref != nullptr && ref->is_map()) {
        refs.emplace_back(ValueText(ref, "kind", "Service"), ValueText(ref, "namespace", ns),
                          ValueText(ref, "name"));
      }
    });
    return refs;
  };
  for (const model::AgentgatewayBackend& backend : model_.backends) {
    // BuildAgwBackendReferences: spec.policies, custom LLM providers' backendRefs with the
    // providers' own policies, and MCP static targets' policies.
    const std::string& ns = backend.metadata.namespace_;
    std::vector<Key> refs = refs_of(ns, [&](const auto& add) {
      if (backend.policies) {
        BackendPolicyRefs(*backend.policies, add);
      }
      if (backend.ai) {
        for (const model::PriorityGroup& group : backend.ai->groups) {
          for (const model::NamedLLMProvider& provider : group.providers) {
            if (provider.policies) {
              BackendPolicyRefs(*provider.policies, add);
            }
          }
        }
      }
      for (const model::MCPTargetPolicies& target : backend.mcp_target_policies) {
        BackendPolicyRefs(target.policies, add);
      }
    });
    if (backend.ai) {
      std::vector<const model::LLMProvider*> providers;
      if (backend.ai->provider) {
        providers.push_back(&*backend.ai->provider);
      }
      for (const model::PriorityGroup& group : backend.ai->groups) {
        for (const model::NamedLLMProvider& provider : group.providers) {
          providers.push_back(&provider.provider);
        }
      }
      for (const model::LLMProvider* provider : providers) {
        if (const auto& ref = provider->custom_backend_ref) {
          refs.emplace_back(ref->kind, ns, ref->name);  // always the backend's namespace
        }
      }
    }
    for (Key& ref : refs) {
      edges.push_back({ns,
                       {model::kAgentgatewayGroup, "AgentgatewayBackend", backend.metadata.name,
                        std::nullopt, std::nullopt, ""},
                       std::move(ref)});
    }
  }
  for (const model::AgentgatewayPolicy& policy : model_.policies) {
    const std::string& ns = policy.metadata.namespace_;
    std::vector<Key> refs = refs_of(ns, [&](const auto& add) {
      if (policy.traffic) {
        const model::Traffic& traffic = *policy.traffic;
        for (const auto* feature : {&traffic.ext_auth, &traffic.ext_proc}) {
          if (*feature) {
            for (const Value* entry : ConditionalPolicies(**feature)) {
              add(entry->Find("backendRef"));
            }
          }
        }
        if (traffic.rate_limit) {
          for (const Value* entry : ConditionalPolicies(*traffic.rate_limit)) {
            const Value* global = entry->Find("global");
            add(global == nullptr ? nullptr : global->Find("backendRef"));
          }
        }
        if (traffic.jwt_authentication) {
          if (const Value* providers = ValueItems(&*traffic.jwt_authentication, "providers")) {
            for (const Value& provider : providers->items()) {
              const Value* jwks = provider.Find("jwks");
              const Value* remote = jwks == nullptr ? nullptr : jwks->Find("remote");
              add(remote == nullptr ? nullptr : remote->Find("backendRef"));
            }
          }
        }
      }
      if (policy.frontend) {
        const Value* tracing = policy.frontend->Find("tracing");
        add(tracing == nullptr ? nullptr : tracing->Find("backendRef"));
        const Value* access_log = policy.frontend->Find("accessLog");
        const Value* otlp = access_log == nullptr ? nullptr : access_log->Find("otlp");
        add(otlp == nullptr ? nullptr : otlp->Find("backendRef"));
      }
      if (policy.backend) {
        BackendPolicyRefs(*policy.backend, add);
      }
    });
    if (refs.empty()) {
      continue;
    }
    for (const PolicyTarget& target : PolicyTargets(policy, nullptr)) {
      if (TargetProblem(policy, target)) {
        continue;  // only existing targets pass their Gateways on
      }
      for (const Key& ref : refs) {
        // With AGW_BACKEND_REF_GRANT_MODE=route-and-policy a cross-namespace reference needs a
        // ReferenceGrant from the policy (controller.md 3.7).
        const auto& [kind, ref_ns, name] = ref;
        if (options_.backend_ref_grant_mode == "route-and-policy" && ref_ns != ns &&
            !index_.ReferenceGranted(model::kAgentgatewayGroup, "AgentgatewayPolicy", ns,
                                     kind == "Service" ? "" : model::kAgentgatewayGroup, kind,
                                     ref_ns, name)) {
          continue;
        }
        edges.push_back({ns, target, ref});
      }
    }
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (const Edge& edge : edges) {
      std::set<const model::Gateway*> from = TargetGateways(edge.source_namespace, edge.source);
      std::set<const model::Gateway*>& to = reference_gateways_[edge.to];
      std::size_t before = to.size();
      to.insert(from.begin(), from.end());
      changed = changed || to.size() != before;
    }
  }
}

void Resolver::ResolvePolicy(const model::AgentgatewayPolicy& policy) {
  if (!references_propagated_) {
    // Needs every route's attachments, which are known once policies are reached.
    PropagateReferences();
    references_propagated_ = true;
  }
  const std::string& ns = policy.metadata.namespace_;
  std::vector<std::string> not_attached;                  // "Policy is not attached: ..." lines
  std::map<std::string, std::string> not_attached_hints;  // by line
  std::set<const model::Gateway*> gateways;
  std::vector<PolicyTarget> targets = PolicyTargets(policy, &not_attached);
  std::vector<AttachedPolicy> attached;
  for (const PolicyTarget& target : targets) {
    std::string hint;
    if (std::optional<std::string> problem = TargetProblem(policy, target, &hint)) {
      if (!problem->empty()) {
        not_attached.push_back(*problem);
        not_attached_hints.emplace(*problem, std::move(hint));
      }
      continue;
    }
    std::set<const model::Gateway*> found = TargetGateways(ns, target);
    if (found.empty()) {
      not_attached.push_back("Policy is not attached: " + target.kind + " " + ns + "/" +
                             target.name + " is not attached to any Gateway");
      continue;
    }
    gateways.insert(found.begin(), found.end());
    attached.push_back({&policy, target.kind, ns, target.name, target.section_name, target.port,
                        target.path.find("targetSelectors") != std::string::npos});
  }

  // Translation problems of the policy's own settings: frontend, traffic, then backend
  // (TranslatePolicyToAgw, controller.md 5.2), and how many xDS policies they still yield.
  std::vector<Problem> problems;
  int produced = 0;
  if (policy.frontend) {
    produced += CheckFrontendPolicy(policy, problems);
  }
  if (policy.traffic) {
    produced += CheckTrafficPolicy(policy, problems);
  }
  if (policy.backend) {
    const model::BackendPolicies& backend = *policy.backend;
    // Every section yields a policy except tcp, which the controller does not translate.
    produced += (backend.tls ? 1 : 0) + (backend.http ? 1 : 0) + (backend.tunnel ? 1 : 0) +
                (backend.auth ? 1 : 0) + (backend.ai ? 1 : 0) + (backend.mcp ? 1 : 0) +
                (backend.transformation ? 1 : 0) + (backend.health ? 1 : 0) +
                (backend.ext_auth ? 1 : 0);
    CheckBackendPolicies(policy, backend, "spec.backend", policy.metadata.name, problems);
  }
  // PolicyConditionMap (controller.md 5.3).
  std::vector<Condition> base;
  if (problems.empty()) {
    base = {{"Accepted", "True", "Valid", "Policy accepted"},
            {"Attached", "True", "Attached", "Attached to all targets"}};
  } else {
    std::string joined;
    for (const Problem& problem : problems) {
      joined += (joined.empty() ? "" : "\n") + problem.message;
    }
    bool partial = produced > 0;
    for (const Problem& problem : problems) {
      Report(policy, manifest::Severity::kError, partial ? "PartiallyValid" : "Invalid",
             problem.message, problem.field_path,
             JoinHints(problem.hint,
                       partial ? "the policy is still applied, without the part that failed"
                               : "the policy is not applied at all"),
             problem.position);
    }
    if (partial) {
      base = {{"Accepted", "True", "PartiallyValid", joined}};
    } else {
      attached.clear();  // nothing is sent to the data plane
      base = {{"Accepted", "False", "Invalid", joined},
              {"Attached", "False", "Pending", "Policy is not attached due to invalid status"}};
    }
  }

  out_.config.policies.insert(out_.config.policies.end(), attached.begin(), attached.end());

  PolicyStatus status;
  status.object = &policy;
  for (const model::Gateway* gateway : gateways) {
    PolicyAncestorStatus ancestor;
    ancestor.ancestor_ref = {model::kGatewayApiGroup, "Gateway",    gateway->metadata.namespace_,
                             gateway->metadata.name,  std::nullopt, std::nullopt};
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
      auto hint = not_attached_hints.find(line);
      Report(policy, manifest::Severity::kWarning, "Pending", line, "spec",
             hint == not_attached_hints.end() ? "" : hint->second);
    }
    summary.conditions = {base[0], {"Attached", "False", "Pending", joined}};
    status.ancestors.push_back(std::move(summary));
  }
  // MergeAncestors: entries other controllers wrote stay; this controller's old ones are
  // replaced (controller.md 5.3, 8.3).
  for (const model::WrittenPolicyAncestor& written : policy.status_ancestors) {
    if (written.controller_name == options_.controller_name) {
      continue;
    }
    PolicyAncestorStatus kept;
    kept.ancestor_ref = {written.group, written.kind,         written.namespace_,
                         written.name,  written.section_name, written.port};
    kept.controller_name = written.controller_name;
    for (const model::WrittenCondition& condition : written.conditions) {
      kept.conditions.push_back(
          {condition.type, condition.status, condition.reason, condition.message});
    }
    status.ancestors.push_back(std::move(kept));
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
    summary.conditions = {
        {"StatusSummarized", "True", "StatusSummary",
         std::to_string(ignored) + " AncestorRefs ignored due to max status size"}};
    status.ancestors.push_back(std::move(summary));
  }
  out_.status.policies.push_back(std::move(status));
}

}  // namespace agw::validate::resolve::internal
