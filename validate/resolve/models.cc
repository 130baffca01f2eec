// AgentgatewayModel attachment, references and status, and the HTTPRoute rules that serve
// models (controller.md 3.12 and 7.5; the controller's AgwModelCollection).

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <tuple>

#include "validate/resolve/resolver.h"

namespace agw::validate::resolve::internal {
namespace {

constexpr char kModelKind[] = "AgentgatewayModel";
constexpr char kInferencePoolGroup[] = "inference.networking.k8s.io";

bool IsModelRef(const model::BackendObjectReference& ref) {
  return ref.group == model::kAgentgatewayGroup && ref.kind == kModelKind;
}

std::string Lower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return lower;
}

// Problems of one translation step, as the controller joins them (errors.Join): one message per
// line, the finding pointing at the first.
std::optional<Problem> Joined(const std::vector<Problem>& problems) {
  if (problems.empty()) {
    return std::nullopt;
  }
  Problem joined = problems.front();
  joined.reason = "Invalid";
  for (std::size_t i = 1; i < problems.size(); ++i) {
    joined.message += "\n" + problems[i].message;
  }
  return joined;
}

void CheckTransformations(const std::vector<model::FieldTransformation>& transformations,
                          const std::string& path, std::vector<Problem>& problems) {
  for (std::size_t i = 0; i < transformations.size(); ++i) {
    const model::FieldTransformation& transformation = transformations[i];
    if (!IsCel(transformation.expression)) {
      problems.push_back({"Invalid",
                          "transformation " + GoQuote(transformation.field) +
                              " is not a valid CEL expression: " + transformation.expression,
                          path + "[" + std::to_string(i) + "].expression"});
    }
  }
}

// The route-level parts of a model's policies: its AI policy (transformations, then final
// transformations), then its authorization (translateModelRouteAIPolicy, TranslateAuthorization).
std::optional<Problem> CheckModelRoutePolicies(const model::AgentgatewayModel& model) {
  if (!model.policies) {
    return std::nullopt;
  }
  const model::ModelPolicies& policies = *model.policies;
  std::vector<Problem> problems;
  CheckTransformations(policies.transformations, "spec.policies.transformations", problems);
  CheckTransformations(policies.final_transformations, "spec.policies.finalTransformations",
                       problems);
  if (std::optional<Problem> problem = Joined(problems)) {
    return problem;
  }
  if (policies.authorization) {
    const manifest::Value* rule = policies.authorization->Find("policy");
    CheckCelList(rule == nullptr ? nullptr : rule->Find("matchExpressions"),
                 "spec.policies.authorization.policy.matchExpressions",
                 "authorization matchExpression", problems);
  }
  return Joined(problems);
}

// Go's net/netip: whether `host` is an IP address the controller refuses as a base URL
// (loopback, link-local unicast, unspecified), and whether it is an IP address at all.
bool IsRefusedAddress(const std::string& host, bool& is_address) {
  unsigned char v4[4];
  unsigned char v6[16];
  is_address = true;
  if (inet_pton(AF_INET, host.c_str(), v4) == 1) {
    return v4[0] == 127 || (v4[0] == 169 && v4[1] == 254) ||
           (v4[0] == 0 && v4[1] == 0 && v4[2] == 0 && v4[3] == 0);
  }
  if (inet_pton(AF_INET6, host.c_str(), v6) == 1) {
    bool mapped = std::all_of(v6, v6 + 10, [](unsigned char b) { return b == 0; }) &&
                  v6[10] == 0xff && v6[11] == 0xff;
    if (mapped) {  // Unmap(): judged as the IPv4 address
      return v6[12] == 127 || (v6[12] == 169 && v6[13] == 254) ||
             (v6[12] == 0 && v6[13] == 0 && v6[14] == 0 && v6[15] == 0);
    }
    bool zero_prefix = std::all_of(v6, v6 + 15, [](unsigned char b) { return b == 0; });
    bool loopback = zero_prefix && v6[15] == 1;
    bool unspecified = zero_prefix && v6[15] == 0;
    bool link_local = v6[0] == 0xfe && (v6[1] & 0xc0) == 0x80;
    return loopback || unspecified || link_local;
  }
  is_address = false;
  return false;
}

// validateModelBaseURL: the checks the controller repeats after the CRD's own rules.
std::optional<std::string> CheckBaseUrl(const model::AgentgatewayModel& model) {
  std::string base_url = model.base_url.value_or("");
  if (model.provider == "Ollama" && base_url.empty()) {
    return "ollama requires baseURL";
  }
  if (base_url.empty()) {
    return std::nullopt;
  }
  // url.ParseRequestURI: an absolute URI; a '#' is part of the path, never a fragment.
  std::size_t colon = base_url.find(':');
  bool scheme_ok = colon != std::string::npos && colon > 0 &&
                   std::isalpha(static_cast<unsigned char>(base_url[0]));
  for (std::size_t i = 1; scheme_ok && i < colon; ++i) {
    char c = base_url[i];
    scheme_ok = std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
  }
  if (!scheme_ok || base_url.compare(colon + 1, 2, "//") != 0) {
    return "baseURL must be an absolute URL";
  }
  std::string scheme = Lower(base_url.substr(0, colon));
  std::string rest = base_url.substr(colon + 3);
  std::size_t authority_end = rest.find_first_of("/?");
  std::string authority = rest.substr(0, authority_end);
  bool has_query =
      authority_end != std::string::npos && rest.find('?', authority_end) != std::string::npos;
  if (authority.empty()) {
    return "baseURL must be an absolute URL";
  }
  if (scheme != "http" && scheme != "https") {
    return "baseURL must use http or https";
  }
  if (authority.find('@') != std::string::npos || has_query) {
    return "baseURL cannot include user info, query parameters, or a fragment";
  }
  // Hostname(): the authority without its port, IPv6 brackets removed.
  std::string host;
  if (authority.front() == '[') {
    host = authority.substr(
        1, authority.find(']') == std::string::npos ? std::string::npos : authority.find(']') - 1);
  } else {
    host = authority.substr(0, authority.find(':'));
  }
  if (host.empty()) {
    return "baseURL must include a host";
  }
  std::string lower = Lower(host);
  constexpr char kLocal[] =
      "baseURL cannot target localhost, loopback, link-local, or unspecified addresses";
  if (lower == "localhost" ||
      (lower.size() > 10 && lower.compare(lower.size() - 10, 10, ".localhost") == 0)) {
    return kLocal;
  }
  bool is_address = false;
  if (IsRefusedAddress(host, is_address)) {
    return kLocal;
  }
  if (!is_address &&
      (host.find_first_not_of(".0123456789") == std::string::npos || lower.rfind("0x", 0) == 0)) {
    return "baseURL cannot use an ambiguous IP address";
  }
  return std::nullopt;
}

// Providers served by a data-plane preset: no settings of their own (modelProviderPreset).
bool IsPresetProvider(const std::string& provider) {
  static const std::set<std::string> kPresets = {
      "Cohere",      "Ollama",  "Baseten",    "Cerebras",   "Deepinfra", "Deepseek", "Groq",
      "Huggingface", "Mistral", "Openrouter", "TogetherAI", "XAI",       "Fireworks"};
  return kPresets.count(provider) != 0;
}

using ParentKey = std::tuple<std::string, std::string, std::string, std::string>;

}  // namespace

ModelServingRule CheckModelServingRule(const std::string& route_namespace,
                                       const model::HTTPRouteRule& rule) {
  ModelServingRule result;
  const model::HTTPBackendRef* model_ref = nullptr;
  int model_refs = 0;
  for (const model::HTTPBackendRef& ref : rule.backend_refs) {
    if (IsModelRef(ref.ref)) {
      model_ref = &ref;
      ++model_refs;
    }
  }
  if (model_refs == 0) {
    return result;
  }
  result.opted_in = true;
  auto fail = [&](std::string message, std::string field) {
    result.error = Problem{"InvalidKind", std::move(message), std::move(field)};
    return result;
  };
  if (rule.backend_refs.size() != 1 || model_refs != 1) {
    return fail(
        "model-serving HTTPRoute rule must have exactly one AgentgatewayModel backendRef and no "
        "other backends",
        rule.path + ".backendRefs");
  }
  for (const model::HTTPRouteMatch& match : rule.matches) {
    if (match.path && match.path->type != "PathPrefix") {
      return fail("model-serving HTTPRoute rule path matches must use PathPrefix",
                  match.path_in_object + ".path.type");
    }
  }
  for (const model::RouteFilter& filter : rule.filters) {
    if (filter.type == "URLRewrite" || filter.type == "RequestRedirect") {
      return fail(
          "model-serving HTTPRoute rule does not support URLRewrite or RequestRedirect filters",
          filter.path);
    }
  }
  const model::HTTPBackendRef& ref = *model_ref;
  if (ref.ref.name != "*") {
    return fail("model-serving HTTPRoute backendRef name must be \"*\"", ref.path + ".name");
  }
  if (ref.ref.namespace_ && *ref.ref.namespace_ != route_namespace) {
    return fail("model-serving HTTPRoute backendRef must use the route namespace",
                ref.path + ".namespace");
  }
  if (ref.ref.port) {
    return fail("model-serving HTTPRoute backendRef must not specify port", ref.path + ".port");
  }
  if (ref.weight != 1) {
    return fail("model-serving HTTPRoute backendRef weight must be 1", ref.path + ".weight");
  }
  if (!ref.filters.empty()) {
    return fail("model-serving HTTPRoute backendRef must not have filters", ref.path + ".filters");
  }
  return result;
}

bool ModelServingRuleMatchesRoot(const model::HTTPRouteRule& rule) {
  if (rule.matches.empty()) {
    return true;
  }
  return std::any_of(rule.matches.begin(), rule.matches.end(), [](const auto& match) {
    return !match.path || (match.path->type == "PathPrefix" && match.path->value == "/");
  });
}

std::string RootModelConflictMessage(const std::vector<std::string>& listeners) {
  std::string joined;
  for (const std::string& listener : listeners) {
    joined += (joined.empty() ? "" : ", ") + listener;
  }
  return "root model-serving HTTPRoute conflicts with directly attached models on listeners: " +
         joined;
}

std::vector<ListenerCandidate> Resolver::ParentCandidates(const model::ObjectBase& object,
                                                          const std::string& kind,
                                                          const std::vector<std::string>& hostnames,
                                                          const model::ParentReference& parent) {
  std::vector<ListenerCandidate> candidates;
  const std::string ns = parent.namespace_.value_or(object.metadata.namespace_);
  if (parent.group != model::kGatewayApiGroup) {
    return candidates;
  }
  if (parent.kind == "Gateway") {
    const model::Gateway* gateway = index_.FindGateway(ns, parent.name);
    auto owned = gateway == nullptr ? owned_gateways_.end() : owned_gateways_.find(gateway);
    if (owned == owned_gateways_.end()) {
      return candidates;  // missing, or not the controller's: no listener to attach to
    }
    const GatewayStatus& gateway_status = out_.status.gateways[owned->second];
    for (std::size_t l = 0; l < gateway->listeners.size(); ++l) {
      const model::Listener& listener = gateway->listeners[l];
      ListenerCandidate candidate;
      candidate.gateway = gateway;
      candidate.listener_index = l;
      candidate.listener_key = ns + "/" + parent.name + "." + listener.name;
      candidate.denial = CheckAttachment(object, kind, hostnames, parent, ns, listener,
                                         gateway_status.listeners[l]);
      candidates.push_back(std::move(candidate));
    }
  } else if (parent.kind == "ListenerSet") {
    const model::ListenerSet* listener_set = index_.FindListenerSet(ns, parent.name);
    auto it = listener_set == nullptr ? listener_sets_.end() : listener_sets_.find(listener_set);
    if (it == listener_sets_.end()) {
      return candidates;
    }
    for (const ListenerSetListener& listener : it->second.listeners) {
      if (listener.conflict == "bind-mode") {
        continue;  // dropped by the controller (controller.md 3.1)
      }
      ListenerCandidate candidate;
      candidate.gateway = it->second.gateway;
      candidate.listener_key = ns + "/" + parent.name + "." + listener.listener.name;
      candidate.denial =
          CheckAttachment(object, kind, hostnames, parent, ns, listener.listener, listener.status);
      candidates.push_back(std::move(candidate));
    }
  }
  return candidates;
}

std::set<std::string> Resolver::AcceptedListenerKeys(
    const model::ObjectBase& object, const std::string& kind,
    const std::vector<std::string>& hostnames, const std::vector<model::ParentReference>& parents) {
  std::set<std::string> keys;
  for (const model::ParentReference& parent : parents) {
    for (const ListenerCandidate& candidate : ParentCandidates(object, kind, hostnames, parent)) {
      if (!candidate.denial) {
        keys.insert(candidate.listener_key);
      }
    }
  }
  return keys;
}

void Resolver::CollectModelListeners() {
  if (!options_.enable_models) {
    return;
  }
  for (const model::AgentgatewayModel& model : model_.models) {
    std::set<std::string> keys = AcceptedListenerKeys(model, kModelKind, {}, model.parent_refs);
    direct_model_listeners_.insert(keys.begin(), keys.end());
  }
}

std::vector<std::string> Resolver::RootModelConflicts(const model::HTTPRoute& route) {
  std::vector<std::string> conflicts;
  if (!options_.enable_models || direct_model_listeners_.empty()) {
    return conflicts;  // without the feature the controller has no models to conflict with
  }
  for (const std::string& key :
       AcceptedListenerKeys(route, "HTTPRoute", route.hostnames, route.parent_refs)) {
    if (direct_model_listeners_.count(key) != 0) {
      conflicts.push_back(key);  // sorted: the set is
    }
  }
  return conflicts;
}

std::optional<Problem> Resolver::CheckModelProvider(const model::AgentgatewayModel& model) {
  const std::string& ns = model.metadata.namespace_;
  if (std::optional<std::string> error = CheckBaseUrl(model)) {
    return Problem{"Invalid", *error, "spec.baseURL"};
  }
  if (model.policies) {
    // translateModelPolicies: auth, tls, tunnel, health and prompt guards, as a backend's
    // inline policies.
    std::vector<Problem> problems;
    CheckBackendPolicies(model, model.policies->backend, "spec.policies", "inline_policy",
                         problems);
    if (std::optional<Problem> problem = Joined(problems)) {
      return problem;
    }
  }
  const std::string provider = model.provider.value_or("");
  if (IsPresetProvider(provider)) {
    return std::nullopt;
  }
  auto settings_missing = [&](const char* field, bool present) -> std::optional<Problem> {
    if (present) {
      return std::nullopt;
    }
    return Problem{"Invalid", Lower(provider) + " provider requires " + field + " configuration",
                   "spec.provider"};
  };
  if (provider == "OpenAI" || provider == "Anthropic" || provider == "Gemini") {
    return std::nullopt;
  }
  if (provider == "Azure") {
    return settings_missing("azure", model.azure.has_value());
  }
  if (provider == "VertexAI") {
    return settings_missing("vertexai", model.vertexai.has_value());
  }
  if (provider == "Bedrock") {
    return settings_missing("bedrock", model.bedrock.has_value());
  }
  if (provider != "Custom") {
    return Problem{"Invalid", "unsupported model provider " + GoQuote(provider), "spec.provider"};
  }
  if (std::optional<Problem> missing = settings_missing("custom", model.custom.has_value())) {
    return missing;
  }
  for (std::size_t i = 0; i < model.custom->formats.size(); ++i) {
    static const std::set<std::string> kFormats = {
        "Completions",         "Messages", "Responses", "Embeddings",
        "AnthropicTokenCount", "Realtime", "Rerank"};
    const std::string& type = model.custom->formats[i].type;
    if (kFormats.count(type) == 0) {
      return Problem{"Invalid", "unsupported custom provider format " + GoQuote(type),
                     "spec.custom.formats[" + std::to_string(i) + "].type"};
    }
  }
  if (!model.custom->backend_ref) {
    return std::nullopt;
  }
  // TranslateCustomProviderBackendRef: a Service or InferencePool of the model's namespace,
  // resolved as a route's backendRef is.
  const model::BackendObjectReference& ref = *model.custom->backend_ref;
  const std::string field = "spec.custom.backendRef";
  bool service = ref.group.empty() && ref.kind == "Service";
  bool pool = ref.group == kInferencePoolGroup && ref.kind == "InferencePool";
  if (!service && !pool) {
    return Problem{"Invalid", "custom provider backendRef may target only Service or InferencePool",
                   field};
  }
  if (ref.name.find('.') != std::string::npos) {
    return Problem{"Invalid",
                   std::string(service ? "service name invalid; the name of the Service"
                                       : "InferencePool name invalid; the name of the "
                                         "InferencePool") +
                       " must be used, not the hostname.",
                   field + ".name"};
  }
  if (service) {
    if (!ref.port) {
      return Problem{"Invalid", "port is required in Service backendRef", field};
    }
    if (index_.FindService(ns, ref.name) == nullptr &&
        TreatAsMissing(model, "Service " + ns + "/" + ref.name, field + ".name")) {
      return Problem{
          "Invalid",
          "backend(" + ref.name + "." + ns + ".svc." + options_.cluster_domain + ") not found",
          field + ".name"};
    }
    return std::nullopt;
  }
  if (!index_.Contains(ref.group, ref.kind, ns, ref.name) &&
      TreatAsMissing(model, "InferencePool " + ns + "/" + ref.name, field + ".name")) {
    return Problem{"Invalid", "backendRef " + ns + "/" + ref.name + " not found", field + ".name"};
  }
  return std::nullopt;
}

std::optional<Problem> Resolver::ConvertModel(const model::AgentgatewayModel& model) {
  // convertAgentgatewayModel: the route's policies, then the provider or the virtual model;
  // the first failing step is the error.
  if (std::optional<Problem> problem = CheckModelRoutePolicies(model)) {
    return problem;
  }
  if (model.provider) {
    return CheckModelProvider(model);
  }
  if (!model.virtual_model) {
    return Problem{"Invalid", "model must define provider or virtualModel", "spec"};
  }
  const model::VirtualModel& virtual_model = *model.virtual_model;
  if (virtual_model.routing.empty()) {
    return Problem{"Invalid", "virtualModel must define weighted, conditional, or failover",
                   "spec.virtualModel"};
  }
  const std::string& ns = model.metadata.namespace_;
  for (const model::ModelTarget& target : virtual_model.targets) {
    // resolveModelTarget: a model of the same namespace, and a concrete model name.
    std::string id = ns + "/" + target.model_ref;
    const model::AgentgatewayModel* referenced = index_.FindModel(ns, target.model_ref);
    if (referenced == nullptr) {
      if (TreatAsMissing(model, std::string(kModelKind) + " " + id, target.path + ".modelRef")) {
        return Problem{"Invalid", "model target " + id + " not found", target.path + ".modelRef"};
      }
      continue;  // assumed to exist on the cluster
    }
    if (!target.model && referenced->MatchedModel().find('*') != std::string::npos) {
      return Problem{"Invalid",
                     "model target " + id +
                         " requires model when the referenced model uses a wildcard match.model",
                     target.path};
    }
    if (virtual_model.routing != "failover") {
      continue;
    }
    // modelFailoverBackend: each target becomes a provider of the failover backend.
    if (!referenced->provider) {
      return Problem{"Invalid", "failover target " + id + " is not a concrete provider model",
                     target.path + ".modelRef"};
    }
    std::optional<Problem> problem = CheckModelProvider(*referenced);
    if (!problem) {
      problem = CheckModelRoutePolicies(*referenced);
    }
    if (problem) {
      problem->field_path = target.path + ".modelRef";  // the fault is in the target's spec
      problem->position = {};
      return problem;
    }
  }
  return std::nullopt;
}

void Resolver::ResolveModel(const model::AgentgatewayModel& model) {
  if (!options_.enable_models) {
    Report(model, manifest::Severity::kWarning, "models-disabled",
           "AgentgatewayModel is ignored: the controller translates AgentgatewayModel objects "
           "only when AGW_ENABLE_AGENTGATEWAY_MODELS=true",
           "metadata.name", "without it this model gets no status and serves nothing");
    return;
  }
  const std::string& ns = model.metadata.namespace_;
  // Per parent object (translateModelForParents): whether any of its listeners took the model,
  // and the last reason one refused it.
  struct Outcome {
    bool any_allowed = false;
    std::optional<Problem> denial;
  };
  std::map<ParentKey, Outcome> outcomes;
  std::set<const model::Gateway*> gateways;  // where the model is sent
  for (const model::ParentReference& parent : model.parent_refs) {
    ParentKey key{parent.group, parent.kind, parent.namespace_.value_or(ns), parent.name};
    const std::string& parent_ns = std::get<2>(key);
    std::string what = parent.kind + " " + parent_ns + "/" + parent.name;
    if (parent.group == model::kGatewayApiGroup && parent.kind == "HTTPRoute") {
      // extractModelParentReferenceInfo: the model joins one rule of the route, on the
      // listeners the route is accepted on.
      std::optional<Problem> rejected;
      std::vector<ListenerCandidate> accepted;
      const model::HTTPRoute* route =
          parent_ns == ns ? index_.FindHTTPRoute(parent_ns, parent.name) : nullptr;
      auto reject = [&](std::string message, std::string field) {
        rejected = Problem{"NoMatchingParent", std::move(message), std::move(field)};
      };
      if (parent_ns != ns) {
        reject("model HTTPRoute parentRef must use the model namespace",
               parent.path + ".namespace");
      } else if (route == nullptr) {
        if (!TreatAsMissing(model, what, parent.path + ".name")) {
          continue;  // assumed to exist on the cluster: what it says is not known here
        }
        reject("model parent HTTPRoute not found", parent.path + ".name");
      } else {
        const model::HTTPRouteRule* rule = nullptr;
        if (!parent.section_name) {
          if (route->rules.size() == 1) {
            rule = &route->rules.front();
          } else {
            reject("model HTTPRoute parentRef without sectionName requires exactly one rule",
                   parent.path);
          }
        } else {
          for (const model::HTTPRouteRule& candidate : route->rules) {
            if (candidate.name == parent.section_name) {
              rule = &candidate;
              break;
            }
          }
          if (rule == nullptr) {
            reject("HTTPRoute rule " + GoQuote(*parent.section_name) + " not found",
                   parent.path + ".sectionName");
          }
        }
        if (rule != nullptr) {
          ModelServingRule serving = CheckModelServingRule(parent_ns, *rule);
          std::vector<std::string> conflicts;
          if (serving.error) {
            reject(serving.error->message, parent.path);
          } else if (!serving.opted_in) {
            reject("HTTPRoute rule does not select AgentgatewayModel backends", parent.path);
          } else if (ModelServingRuleMatchesRoot(*rule) &&
                     !(conflicts = RootModelConflicts(*route)).empty()) {
            reject(RootModelConflictMessage(conflicts), parent.path);
          } else {
            for (const model::ParentReference& route_parent : route->parent_refs) {
              for (ListenerCandidate& candidate :
                   ParentCandidates(*route, "HTTPRoute", route->hostnames, route_parent)) {
                if (!candidate.denial) {
                  accepted.push_back(std::move(candidate));
                }
              }
            }
          }
        }
      }
      if (!rejected && accepted.empty()) {
        continue;  // the route is attached nowhere: no status for this parent
      }
      Outcome& outcome = outcomes[key];
      if (rejected) {
        outcome.denial = rejected;
      }
      for (const ListenerCandidate& candidate : accepted) {
        outcome.any_allowed = true;
        gateways.insert(candidate.gateway);
      }
      continue;
    }
    if (parent.group == model::kGatewayApiGroup &&
        (parent.kind == "Gateway" || parent.kind == "ListenerSet")) {
      bool exists = parent.kind == "Gateway"
                        ? index_.FindGateway(parent_ns, parent.name) != nullptr
                        : index_.FindListenerSet(parent_ns, parent.name) != nullptr;
      if (!exists) {
        if (TreatAsMissing(model, what, parent.path + ".name")) {
          Report(model, manifest::Severity::kWarning, "parent-not-found",
                 what + " not found: this parentRef attaches the model to nothing",
                 parent.path + ".name");
        }
        continue;
      }
    }
    std::vector<ListenerCandidate> candidates = ParentCandidates(model, kModelKind, {}, parent);
    if (candidates.empty()) {
      continue;  // not the controller's: no status
    }
    Outcome& outcome = outcomes[key];
    for (const ListenerCandidate& candidate : candidates) {
      if (candidate.denial) {
        outcome.denial = candidate.denial;
        continue;
      }
      outcome.any_allowed = true;
      gateways.insert(candidate.gateway);
      if (candidate.listener_index) {
        attached_[{candidate.gateway, *candidate.listener_index}].insert(&model);
      }
    }
  }
  if (outcomes.empty()) {
    return;
  }

  // A custom provider's backend is sent to the Gateways the model is
  // (extractModelAncestorBackends).
  if (model.custom && model.custom->backend_ref) {
    const model::BackendObjectReference& ref = *model.custom->backend_ref;
    reference_gateways_[{ref.kind, ns, ref.name}].insert(gateways.begin(), gateways.end());
  }

  // Translation runs for the parents that took the model; its error is every parent's.
  bool any_allowed = std::any_of(outcomes.begin(), outcomes.end(),
                                 [](const auto& entry) { return entry.second.any_allowed; });
  std::optional<Problem> conversion = any_allowed ? ConvertModel(model) : std::nullopt;

  RouteStatus status;
  status.kind = kModelKind;
  status.object = &model;
  for (const model::ParentReference& parent : model.parent_refs) {
    ParentKey key{parent.group, parent.kind, parent.namespace_.value_or(ns), parent.name};
    auto it = outcomes.find(key);
    if (it == outcomes.end()) {
      continue;
    }
    const Outcome& outcome = it->second;
    RouteParentStatus entry;
    entry.parent_ref = {parent.group, parent.kind,         std::get<2>(key),
                        parent.name,  parent.section_name, parent.port};
    entry.controller_name = options_.controller_name;
    if (outcome.any_allowed) {
      entry.conditions.push_back(
          {"Accepted", "True", "Accepted", "Successfully accepted AgentgatewayModel"});
    } else {
      Problem denial = outcome.denial.value_or(
          Problem{"NoMatchingParent", "No listener matched the parent reference", parent.path});
      entry.conditions.push_back({"Accepted", "False", denial.reason, denial.message});
      Report(model, manifest::Severity::kError, denial.reason,
             "not accepted by " + parent.kind + " " + std::get<2>(key) + "/" + parent.name + ": " +
                 denial.message,
             denial.field_path.rfind(parent.path, 0) == 0 ? denial.field_path : parent.path);
    }
    if (conversion) {
      entry.conditions.push_back({"ResolvedRefs", "False", "Invalid", conversion->message});
    } else {
      entry.conditions.push_back({"ResolvedRefs", "True", "ResolvedRefs", ""});
    }
    status.parents.push_back(std::move(entry));
  }
  if (conversion) {
    Report(model, manifest::Severity::kError, "Invalid", conversion->message,
           conversion->field_path,
           "the controller serves no route for this model until it is fixed", conversion->position);
  }
  std::stable_sort(status.parents.begin(), status.parents.end(), [](const auto& a, const auto& b) {
    auto key = [](const RouteParentStatus& s) {
      return std::tuple(s.parent_ref.group.value_or(""), s.parent_ref.kind.value_or(""),
                        s.parent_ref.name, s.parent_ref.section_name.value_or(""),
                        s.parent_ref.port.value_or(0), s.parent_ref.namespace_.value_or(""));
    };
    return key(a) < key(b);
  });
  out_.status.models.push_back(std::move(status));
}

}  // namespace agw::validate::resolve::internal
