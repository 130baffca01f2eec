#include "emulator/gateway/ai_backends.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <regex>
#include <set>
#include <string_view>

#include "emulator/http/target.h"
#include "validate/model/provider_defaults.h"
#include "validate/schema/suggest.h"

namespace agw::emulator::gateway {
namespace {

std::string Trim(std::string text) {
  size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) {
    return "";
  }
  size_t end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

// The controller's reading of an auth Secret value: trimmed, a leading "Bearer " removed.
std::string NormalizeCredential(std::string value) {
  value = Trim(std::move(value));
  if (value.rfind("Bearer ", 0) == 0) {
    value = Trim(value.substr(7));
  }
  return value;
}

// Tutorials pass keys through the shell ("$OPENAI_API_KEY" in a heredoc that was not
// expanded); such a value names an environment variable.
std::optional<std::string> EnvironmentReference(const std::string& value) {
  static const std::regex kReference(R"(^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$)");
  std::smatch match;
  if (std::regex_match(value, match, kReference)) {
    return match[1].str();
  }
  return std::nullopt;
}

struct Credential {
  std::optional<std::string> value;
  std::string problem;
};

Credential ReadEnv(const std::string& variable, const std::string& what) {
  const char* value = std::getenv(variable.c_str());
  if (value == nullptr || *value == '\0') {
    return {std::nullopt, what + " refers to $" + variable + ", which is not set"};
  }
  return {NormalizeCredential(value), ""};
}

Credential ResolveCredential(const validate::model::BackendAuth& auth, const std::string& ns,
                             const validate::model::Model& model, const AiOptions& options) {
  if (auth.key) {
    if (auto variable = EnvironmentReference(*auth.key)) {
      return ReadEnv(*variable, "auth.key");
    }
    return {NormalizeCredential(*auth.key), ""};
  }
  if (!auth.secret_ref) {
    return {};
  }
  std::string secret_name = ns + "/" + auth.secret_ref->name;
  if (auto supplied = options.secret_env.find(secret_name); supplied != options.secret_env.end()) {
    return ReadEnv(supplied->second, "--secret " + secret_name);
  }
  std::string key = auth.secret_ref->key.value_or("Authorization");
  for (const validate::model::Secret& secret : model.secrets) {
    if (secret.metadata.namespace_ != ns || secret.metadata.name != auth.secret_ref->name) {
      continue;
    }
    auto entry = secret.data.find(key);
    if (entry == secret.data.end()) {
      return {std::nullopt, "Secret " + secret_name + " has no key " + key};
    }
    std::string value = NormalizeCredential(entry->second);
    if (auto variable = EnvironmentReference(value)) {
      return ReadEnv(*variable, "Secret " + secret_name);
    }
    return {value, ""};
  }
  return {std::nullopt, "Secret " + secret_name +
                            " is not in the manifests (supply it with --secret " + secret_name +
                            "=ENV_VAR)"};
}

// A Go duration as the CRD writes them ("3s", "500ms", "1m30s"); nullopt when malformed.
std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text) {
  static const std::regex kPart(R"((\d+(?:\.\d+)?)(ms|s|m|h))");
  double total = 0;
  size_t consumed = 0;
  for (std::sregex_iterator it(text.begin(), text.end(), kPart), end; it != end; ++it) {
    if (static_cast<size_t>(it->position()) != consumed) {
      return std::nullopt;
    }
    double value = std::stod((*it)[1].str());
    std::string unit = (*it)[2].str();
    total += value * (unit == "ms" ? 1 : unit == "s" ? 1e3 : unit == "m" ? 6e4 : 3.6e6);
    consumed += it->length();
  }
  if (consumed == 0 || consumed != text.size()) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<int64_t>(total));
}

void ApplyHealth(const validate::model::Health& health, AiProvider& provider) {
  balance::EvictionPolicy policy;
  if (health.eviction) {
    const validate::model::BackendEviction& eviction = *health.eviction;
    policy.duration =
        ParseDuration(eviction.duration.value_or("3s")).value_or(std::chrono::seconds(3));
    if (eviction.consecutive_failures) {
      policy.consecutive_failures = *eviction.consecutive_failures;
    }
    if (eviction.health_threshold) {
      policy.health_threshold = *eviction.health_threshold / 100.0;
    }
    if (eviction.restore_health) {
      policy.restore_health = *eviction.restore_health / 100.0;
    }
  }
  provider.eviction = policy;
  if (health.unhealthy_condition) {
    static const std::regex kComparison(R"(^\s*response\.code\s*(>=|<=|==|!=|>|<)\s*(\d+)\s*$)");
    std::smatch match;
    if (std::regex_match(*health.unhealthy_condition, match, kComparison)) {
      provider.unhealthy_operator = match[1].str();
      provider.unhealthy_code = std::stoi(match[2].str());
    }
  }
}

// `layers` are the policies that apply, weakest first (AgentgatewayPolicy `backend`, the
// backend's own `policies`, the group provider's `policies`); each field comes from the
// strongest layer that sets it.
AiProvider MakeProvider(std::string name, const validate::model::LLMProvider& provider,
                        const std::vector<const validate::model::BackendPolicies*>& layers,
                        const std::string& ns, const validate::model::Model& model,
                        const AiOptions& options) {
  AiProvider result;
  result.name = std::move(name);
  result.setup.provider = &provider;
  result.setup.stamper = options.stamper;
  auto pick = [&](auto member) {
    using Field = typename std::remove_reference_t<decltype(validate::model::BackendPolicies{}.*
                                                            member)>::value_type;
    const Field* found = nullptr;
    for (const validate::model::BackendPolicies* layer : layers) {
      if (layer->*member) {
        found = &*(layer->*member);
      }
    }
    return found;
  };
  result.setup.ai = pick(&validate::model::BackendPolicies::ai);
  if (const validate::model::BackendTLS* tls = pick(&validate::model::BackendPolicies::tls)) {
    result.setup.tls_policy = true;
    result.setup.tls_sni = tls->sni.value_or("");
  }
  if (const validate::model::Health* health = pick(&validate::model::BackendPolicies::health)) {
    ApplyHealth(*health, result);
  }
  if (const validate::model::BackendAuth* auth = pick(&validate::model::BackendPolicies::auth)) {
    Credential credential = ResolveCredential(*auth, ns, model, options);
    result.credential_source = auth->key          ? "auth.key"
                               : auth->secret_ref ? "Secret " + ns + "/" + auth->secret_ref->name
                                                  : "";
    result.setup.api_key = std::move(credential.value);
    result.problem = std::move(credential.problem);
    result.setup.auth_location_explicit = auth->location.has_value();
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// --provider-url keys

namespace model = validate::model;

std::string NameOf(const model::AgentgatewayBackend& backend) {
  return backend.metadata.namespace_ + "/" + backend.metadata.name;
}

bool SameBackend(const model::AgentgatewayBackend& a, const model::AgentgatewayBackend& b) {
  return a.metadata.namespace_ == b.metadata.namespace_ && a.metadata.name == b.metadata.name;
}

bool IsProviderKey(std::string_view key) {
  const std::vector<std::string>& providers = ProviderUrlProviders();
  return std::find(providers.begin(), providers.end(), key) != providers.end();
}

const model::NamedLLMProvider* FindMember(const model::AgentgatewayBackend& backend,
                                          std::string_view member) {
  if (!backend.ai) {
    return nullptr;
  }
  for (const model::PriorityGroup& group : backend.ai->groups) {
    for (const model::NamedLLMProvider& named : group.providers) {
      if (named.name == member) {
        return &named;
      }
    }
  }
  return nullptr;
}

// A provider that sets a host other than its cloud's default (xAI through the openai provider,
// a local vLLM) does not talk to the provider's own host, so a provider key leaves it alone.
bool SetsOwnHost(const model::LLMProvider& provider) {
  return provider.host && *provider.host != model::DefaultProviderHost(provider);
}

// One provider of an AI backend, as --provider-url keys see it.
struct ProviderRef {
  const model::AgentgatewayBackend* backend = nullptr;
  const std::string* member = nullptr;  // the group member's name; null for spec.ai.provider
  const model::LLMProvider* provider = nullptr;

  // "NS/NAME", or "NS/NAME/MEMBER" for a group member.
  std::string Name() const { return NameOf(*backend) + (member ? "/" + *member : ""); }
};

std::vector<ProviderRef> ProvidersOf(const model::AgentgatewayBackend& backend) {
  std::vector<ProviderRef> refs;
  if (!backend.ai) {
    return refs;
  }
  if (backend.ai->provider) {
    refs.push_back({&backend, nullptr, &*backend.ai->provider});
  }
  for (const model::PriorityGroup& group : backend.ai->groups) {
    for (const model::NamedLLMProvider& named : group.providers) {
      refs.push_back({&backend, &named.name, &named.provider});
    }
  }
  return refs;
}

enum class KeyKind { kProvider, kBackend, kMember, kNotAi, kAmbiguous, kUnknown };

// What a --provider-url key names in a configuration.
struct KeyMeaning {
  KeyKind kind = KeyKind::kUnknown;
  const model::AgentgatewayBackend* backend = nullptr;  // kBackend, kMember, kNotAi
  std::string member;                                   // kMember
  bool short_form = false;              // NAME or NAME/MEMBER: the namespace left out
  std::vector<std::string> candidates;  // kAmbiguous: the namespaced keys it could be
};

std::vector<std::string> SplitKey(const std::string& key) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t slash = key.find('/', start);
    parts.push_back(key.substr(start, slash == std::string::npos ? slash : slash - start));
    if (slash == std::string::npos) {
      return parts;
    }
    start = slash + 1;
  }
}

KeyMeaning Interpret(const std::string& key, const model::Model& model) {
  KeyMeaning meaning;
  if (IsProviderKey(key)) {
    meaning.kind = KeyKind::kProvider;
    return meaning;
  }
  std::vector<std::string> parts = SplitKey(key);
  if (parts.size() > 3 ||
      std::any_of(parts.begin(), parts.end(), [](const std::string& p) { return p.empty(); })) {
    return meaning;
  }
  if (parts.size() == 3) {
    for (const model::AgentgatewayBackend& backend : model.backends) {
      if (backend.metadata.namespace_ == parts[0] && backend.metadata.name == parts[1] &&
          FindMember(backend, parts[2]) != nullptr) {
        meaning.kind = KeyKind::kMember;
        meaning.backend = &backend;
        meaning.member = parts[2];
      }
    }
    return meaning;
  }
  // NAME, or NS/NAME; else NAME/MEMBER.
  const model::AgentgatewayBackend* not_ai = nullptr;
  std::vector<const model::AgentgatewayBackend*> named;
  for (const model::AgentgatewayBackend& backend : model.backends) {
    bool match = parts.size() == 1
                     ? backend.metadata.name == parts[0]
                     : backend.metadata.namespace_ == parts[0] && backend.metadata.name == parts[1];
    if (!match) {
      continue;
    }
    if (!backend.ai) {
      not_ai = &backend;
    } else if (std::none_of(named.begin(), named.end(), [&](const auto* seen) {
                 return SameBackend(*seen, backend);  // a duplicate object is one backend
               })) {
      named.push_back(&backend);
    }
  }
  if (named.size() == 1) {
    meaning.kind = KeyKind::kBackend;
    meaning.backend = named[0];
    meaning.short_form = parts.size() == 1;
    return meaning;
  }
  if (named.size() > 1) {
    meaning.kind = KeyKind::kAmbiguous;
    for (const model::AgentgatewayBackend* backend : named) {
      meaning.candidates.push_back(NameOf(*backend));
    }
    return meaning;
  }
  if (parts.size() == 2) {
    std::vector<const model::AgentgatewayBackend*> owners;
    for (const model::AgentgatewayBackend& backend : model.backends) {
      if (backend.metadata.name == parts[0] && FindMember(backend, parts[1]) != nullptr &&
          std::none_of(owners.begin(), owners.end(),
                       [&](const auto* seen) { return SameBackend(*seen, backend); })) {
        owners.push_back(&backend);
      }
    }
    if (owners.size() == 1) {
      meaning.kind = KeyKind::kMember;
      meaning.backend = owners[0];
      meaning.member = parts[1];
      meaning.short_form = true;
      return meaning;
    }
    if (owners.size() > 1) {
      meaning.kind = KeyKind::kAmbiguous;
      for (const model::AgentgatewayBackend* backend : owners) {
        meaning.candidates.push_back(NameOf(*backend) + "/" + parts[1]);
      }
      return meaning;
    }
  }
  if (not_ai != nullptr) {
    meaning.kind = KeyKind::kNotAi;
    meaning.backend = not_ai;
  }
  return meaning;
}

using ProviderUrlEntry = std::pair<const std::string, AiOptions::ProviderUrl>;

// Every key with what it names, in key order.
std::vector<std::pair<const ProviderUrlEntry*, KeyMeaning>> InterpretAll(
    const AiOptions& options, const model::Model& model) {
  std::vector<std::pair<const ProviderUrlEntry*, KeyMeaning>> meanings;
  for (const ProviderUrlEntry& entry : options.provider_urls) {
    meanings.emplace_back(&entry, Interpret(entry.first, model));
  }
  return meanings;
}

// Whether `meaning` (the key `key`) names `ref`, whatever host it sets.
bool Names(const std::string& key, const KeyMeaning& meaning, const ProviderRef& ref) {
  switch (meaning.kind) {
    case KeyKind::kProvider:
      return ref.provider->kind == key;
    case KeyKind::kBackend:
      return SameBackend(*meaning.backend, *ref.backend);
    case KeyKind::kMember:
      return SameBackend(*meaning.backend, *ref.backend) && ref.member != nullptr &&
             *ref.member == meaning.member;
    default:
      return false;
  }
}

// How specifically a key that names `ref` names it: 0 (NS/NAME/MEMBER) to 4 (a provider), or
// -1 when it does not capture it (a provider key and a provider that sets its own host).
int Rank(const std::string& key, const KeyMeaning& meaning, const ProviderRef& ref) {
  if (!Names(key, meaning, ref)) {
    return -1;
  }
  switch (meaning.kind) {
    case KeyKind::kMember:
      return meaning.short_form ? 1 : 0;
    case KeyKind::kBackend:
      return meaning.short_form ? 3 : 2;
    default:
      return SetsOwnHost(*ref.provider) ? -1 : 4;
  }
}

// The entry of the key that captures `ref`: the most specific one that names it.
const ProviderUrlEntry* CapturingEntry(
    const std::vector<std::pair<const ProviderUrlEntry*, KeyMeaning>>& meanings,
    const ProviderRef& ref) {
  const ProviderUrlEntry* best = nullptr;
  int best_rank = 5;
  for (const auto& [entry, meaning] : meanings) {
    int rank = Rank(entry->first, meaning, ref);
    if (rank >= 0 && rank < best_rank) {
      best = entry;
      best_rank = rank;
    }
  }
  return best;
}

// The valid keys of a configuration, as messages list them.
struct ValidKeys {
  std::vector<std::string> backends;  // "NS/NAME", "NS/NAME (or NAME)"
  std::vector<std::string> members;   // "NS/NAME/MEMBER", "NS/NAME/MEMBER (or NAME/MEMBER)"
  std::vector<std::string> all;       // every spelling, providers first: did-you-mean candidates
};

ValidKeys ListValidKeys(const model::Model& model) {
  ValidKeys keys;
  keys.all = ProviderUrlProviders();
  std::map<std::string, int> ai_names;
  std::map<std::pair<std::string, std::string>, int> member_owners;
  std::set<std::pair<std::string, std::string>> ai_backends;
  for (const model::AgentgatewayBackend& backend : model.backends) {
    if (!backend.ai) {
      continue;
    }
    ++ai_names[backend.metadata.name];
    ai_backends.emplace(backend.metadata.namespace_, backend.metadata.name);
    for (const ProviderRef& ref : ProvidersOf(backend)) {
      if (ref.member != nullptr) {
        ++member_owners[{backend.metadata.name, *ref.member}];
      }
    }
  }
  for (const model::AgentgatewayBackend& backend : model.backends) {
    if (!backend.ai) {
      continue;
    }
    const std::string& name = backend.metadata.name;
    std::string full = NameOf(backend);
    keys.all.push_back(full);
    if (ai_names[name] == 1 && !IsProviderKey(name)) {
      keys.backends.push_back(full + " (or " + name + ")");
      keys.all.push_back(name);
    } else {
      keys.backends.push_back(full);
    }
    for (const ProviderRef& ref : ProvidersOf(backend)) {
      if (ref.member == nullptr) {
        continue;
      }
      std::string member_full = full + "/" + *ref.member;
      std::string member_short = name + "/" + *ref.member;
      keys.all.push_back(member_full);
      if (member_owners[{name, *ref.member}] == 1 && !ai_backends.count({name, *ref.member})) {
        keys.members.push_back(member_full + " (or " + member_short + ")");
        keys.all.push_back(member_short);
      } else {
        keys.members.push_back(member_full);
      }
    }
  }
  return keys;
}

// At most `limit` items, then how many were left out: a large configuration keeps its messages
// readable.
std::string JoinSome(const std::vector<std::string>& items, size_t limit = 20) {
  std::string text;
  for (size_t i = 0; i < items.size() && i < limit; ++i) {
    text += (i == 0 ? "" : ", ") + items[i];
  }
  if (items.size() > limit) {
    text += ", and " + std::to_string(items.size() - limit) + " more";
  }
  return text;
}

std::string DidYouMean(const std::string& key, const std::vector<std::string>& candidates) {
  constexpr size_t kLongest = 512;  // longer keys are not compared (the distance is quadratic)
  if (key.size() > kLongest) {
    return "";
  }
  const std::string* best = nullptr;
  size_t best_distance = std::max<size_t>(1, key.size() / 3) + 1;
  for (const std::string& candidate : candidates) {
    if (candidate.size() > kLongest) {
      continue;
    }
    size_t distance = validate::schema::NameDistance(key, candidate);
    if (distance < best_distance) {
      best = &candidate;
      best_distance = distance;
    }
  }
  return best == nullptr ? "" : " (did you mean \"" + *best + "\"?)";
}

// Why a key that names providers captures none of them.
std::string WhyNone(const std::string& key, const KeyMeaning& meaning,
                    const std::vector<std::pair<const ProviderUrlEntry*, KeyMeaning>>& meanings,
                    const model::Model& model) {
  std::vector<std::string> own_host;  // providers that set their own host
  std::vector<std::string> hosts;     // the hosts they set, once each
  std::vector<std::string> elsewhere;
  for (const model::AgentgatewayBackend& backend : model.backends) {
    for (const ProviderRef& ref : ProvidersOf(backend)) {
      if (!Names(key, meaning, ref)) {
        continue;
      }
      if (meaning.kind == KeyKind::kProvider && SetsOwnHost(*ref.provider)) {
        own_host.push_back(ref.Name());
        if (std::find(hosts.begin(), hosts.end(), *ref.provider->host) == hosts.end()) {
          hosts.push_back(*ref.provider->host);
        }
      } else if (const ProviderUrlEntry* entry = CapturingEntry(meanings, ref)) {
        elsewhere.push_back(ref.Name() + " is captured by --provider-url " + entry->second.spec);
      }
    }
  }
  if (own_host.empty() && elsewhere.empty()) {
    return "no AI backend of the inputs uses the " + key + " provider";
  }
  std::string why;
  if (own_host.size() == 1) {
    why = own_host[0] + " sets its own host (" + hosts[0] + "); capture it with --provider-url " +
          own_host[0] + "=URL";
  } else if (!own_host.empty()) {
    why = JoinSome(own_host, 5) + " set their own host (" + JoinSome(hosts, 5) +
          "); capture one with --provider-url NS/NAME=URL";
  }
  if (!elsewhere.empty()) {
    why += (why.empty() ? "" : "; ") + JoinSome(elsewhere, 5);
  }
  return why;
}

}  // namespace

bool AiProvider::Unhealthy(int status) const {
  if (status == 0) {
    return true;  // no response at all
  }
  if (unhealthy_operator.empty()) {
    return status >= 500;
  }
  const std::string& op = unhealthy_operator;
  int code = unhealthy_code;
  return op == ">="   ? status >= code
         : op == "<=" ? status <= code
         : op == ">"  ? status > code
         : op == "<"  ? status < code
         : op == "==" ? status == code
                      : status != code;
}

Expected<void> AiOptions::AddProviderUrl(const std::string& spec) {
  size_t equals = spec.find('=');
  static const std::regex kUrl(R"(^(https?)://([^/:]+|\[[^\]]+\])(:(\d+))?(/.*)?$)");
  std::string url = equals == std::string::npos ? "" : spec.substr(equals + 1);
  std::smatch match;
  if (equals == std::string::npos || equals == 0 || !std::regex_match(url, match, kUrl)) {
    return MakeError("--provider-url \"" + spec +
                     "\": expected PROVIDER_OR_BACKEND=URL, e.g. openai=http://127.0.0.1:9000");
  }
  ProviderUrl parsed;
  bool tls = match[1].str() == "https";
  std::string host = match[2].str();
  if (host.size() > 2 && host.front() == '[') {
    host = host.substr(1, host.size() - 2);
  }
  parsed.endpoint =
      Endpoint{host, match[4].matched ? std::stoi(match[4].str()) : (tls ? 443 : 80), tls, ""};
  parsed.path_prefix = match[5].str();
  parsed.spec = spec;
  while (!parsed.path_prefix.empty() && parsed.path_prefix.back() == '/') {
    parsed.path_prefix.pop_back();
  }
  provider_urls[spec.substr(0, equals)] = std::move(parsed);
  return {};
}

Expected<void> AiOptions::AddSecret(const std::string& spec) {
  static const std::regex kSpec(R"(^([a-z0-9.-]+)/([a-z0-9.-]+)=([A-Za-z_][A-Za-z0-9_]*)$)");
  std::smatch match;
  if (!std::regex_match(spec, match, kSpec)) {
    return MakeError("--secret \"" + spec + "\": expected NAMESPACE/NAME=ENV_VAR");
  }
  secret_env[match[1].str() + "/" + match[2].str()] = match[3].str();
  return {};
}

AiBackendPlan PlanAiBackend(const validate::model::AgentgatewayBackend& backend,
                            const validate::model::Model& model, const AiOptions& options) {
  AiBackendPlan plan;
  const std::string& ns = backend.metadata.namespace_;
  plan.backend = ns + "/" + backend.metadata.name;
  if (!backend.ai) {
    return plan;
  }
  std::vector<const validate::model::BackendPolicies*> layers;
  for (const validate::model::AgentgatewayPolicy& policy : model.policies) {
    if (policy.metadata.namespace_ != ns || !policy.backend) {
      continue;
    }
    for (const validate::model::PolicyTargetReference& target : policy.target_refs) {
      if (target.kind == "AgentgatewayBackend" && target.name == backend.metadata.name) {
        layers.push_back(&*policy.backend);
        break;
      }
    }
  }
  if (backend.policies) {
    layers.push_back(&*backend.policies);
  }
  auto meanings = InterpretAll(options, model);
  auto capture = [&](AiProvider& provider, ProviderRef ref) {
    if (const ProviderUrlEntry* entry = CapturingEntry(meanings, ref)) {
      provider.provider_url = entry->second;
    }
  };
  if (backend.ai->provider) {
    plan.tiers.push_back(
        {MakeProvider(backend.metadata.name, *backend.ai->provider, layers, ns, model, options)});
    capture(plan.tiers.back().back(), {&backend, nullptr, &*backend.ai->provider});
  }
  for (const validate::model::PriorityGroup& group : backend.ai->groups) {
    std::vector<AiProvider> tier;
    for (const validate::model::NamedLLMProvider& named : group.providers) {
      std::vector<const validate::model::BackendPolicies*> provider_layers = layers;
      if (named.policies) {
        provider_layers.push_back(&*named.policies);
      }
      tier.push_back(MakeProvider(named.name, named.provider, provider_layers, ns, model, options));
      capture(tier.back(), {&backend, &named.name, &named.provider});
    }
    if (!tier.empty()) {
      plan.tiers.push_back(std::move(tier));
    }
  }
  return plan;
}

const std::vector<std::string>& ProviderUrlProviders() {
  static const std::vector<std::string> kProviders = {
      "openai", "anthropic", "gemini", "vertexai", "bedrock", "azure", "azureopenai"};
  return kProviders;
}

Expected<std::vector<ProviderUrlCapture>> CheckProviderUrls(const AiOptions& options,
                                                            const validate::model::Model& model) {
  auto meanings = InterpretAll(options, model);
  std::string problems;
  ValidKeys valid;
  bool listed = false;
  for (const auto& [entry, meaning] : meanings) {
    const std::string& key = entry->first;
    std::string problem;
    if (key == "_openai-moderation") {
      continue;  // the openAIModeration guards' endpoint (io::MakeRunGuardCaller)
    }
    if (meaning.kind == KeyKind::kUnknown) {
      if (!listed) {
        valid = ListValidKeys(model);
        listed = true;
      }
      problem = "\"" + key + "\" is neither a provider nor an AI backend of the inputs" +
                DidYouMean(key, valid.all);
    } else if (meaning.kind == KeyKind::kNotAi) {
      problem = NameOf(*meaning.backend) +
                " is an AgentgatewayBackend without spec.ai: --provider-url captures AI "
                "backends only";
    } else if (meaning.kind == KeyKind::kAmbiguous) {
      problem =
          "\"" + key + "\" could be " + JoinSome(meaning.candidates) + ": write the namespace too";
    } else {
      continue;
    }
    problems += (problems.empty() ? "" : "\n") + std::string("--provider-url ") +
                entry->second.spec + ": " + problem;
  }
  if (!problems.empty()) {
    if (!listed) {
      valid = ListValidKeys(model);
    }
    problems += "\nvalid keys:\n  providers: " + JoinSome(ProviderUrlProviders()) +
                "\n  AI backends: " +
                (valid.backends.empty() ? "none in the inputs" : JoinSome(valid.backends));
    if (!valid.members.empty()) {
      problems += "\n  group members: " + JoinSome(valid.members);
    }
    return MakeError(problems);
  }

  std::vector<ProviderUrlCapture> captures;
  for (const auto& [entry, meaning] : meanings) {
    ProviderUrlCapture capture;
    capture.spec = entry->second.spec;
    if (entry->first == "_openai-moderation") {
      capture.why_none = "it is where openAIModeration prompt guards send their checks";
      captures.push_back(std::move(capture));
      continue;
    }
    for (const model::AgentgatewayBackend& backend : model.backends) {
      std::vector<ProviderRef> refs = ProvidersOf(backend);
      std::vector<std::string> members;
      for (const ProviderRef& ref : refs) {
        if (CapturingEntry(meanings, ref) == entry) {
          members.push_back(ref.Name());
        }
      }
      if (!members.empty() && members.size() == refs.size()) {
        capture.captured.push_back(NameOf(backend));
      } else {
        capture.captured.insert(capture.captured.end(), members.begin(), members.end());
      }
    }
    if (capture.captured.empty()) {
      capture.why_none = WhyNone(entry->first, meaning, meanings, model);
    }
    captures.push_back(std::move(capture));
  }
  return captures;
}

std::optional<llm::AwsCredentials> AwsCredentialsFromEnvironment() {
  const char* id = std::getenv("AWS_ACCESS_KEY_ID");
  const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
  if (id == nullptr || secret == nullptr || *id == '\0' || *secret == '\0') {
    return std::nullopt;
  }
  const char* token = std::getenv("AWS_SESSION_TOKEN");
  return llm::AwsCredentials{id, secret, token == nullptr ? "" : token};
}

ProviderConnection ConnectionFor(const llm::LlmCall& call, const AiProvider& provider) {
  ProviderConnection connection;
  if (provider.provider_url) {
    connection.endpoint = provider.provider_url->endpoint;
    connection.path_prefix = provider.provider_url->path_prefix;
    connection.overridden = true;
    return connection;
  }
  const validate::model::UpstreamTarget& target = call.target;
  connection.endpoint =
      Endpoint{target.host, target.port, target.scheme == "https", provider.setup.tls_sni};
  return connection;
}

OutgoingRequest MakeOutgoingRequest(const llm::LlmCall& call, const AiBackendPlan& backend,
                                    const AiProvider& provider, const AiOptions& options,
                                    const std::string& method) {
  OutgoingRequest outgoing;
  outgoing.connection = ConnectionFor(call, provider);
  const ProviderConnection& connection = outgoing.connection;
  if (connection.overridden) {
    // The URL's host and port, as a client of URL sends them: an IPv6 literal keeps its brackets.
    const std::string& host = connection.endpoint.host;
    bool ipv6 = host.find(':') != std::string::npos;
    outgoing.authority =
        (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(connection.endpoint.port);
  } else {
    outgoing.authority = call.authority;
  }
  outgoing.path_and_query = connection.path_prefix + call.target.path;
  outgoing.headers = call.headers;
  outgoing.needs_signature = provider.setup.provider->kind == "bedrock" && !provider.setup.api_key;
  if (!outgoing.needs_signature) {
    return outgoing;
  }
  std::optional<llm::AwsCredentials> credentials = AwsCredentialsFromEnvironment();
  if (!credentials) {
    return outgoing;
  }
  llm::SigV4Request signing;
  signing.method = method;
  signing.host = outgoing.authority;
  http::SplitTarget(outgoing.path_and_query, signing.path, signing.query);
  signing.headers = {{"content-type", "application/json"}};
  signing.body = call.body;
  std::chrono::system_clock::time_point now{
      std::chrono::milliseconds(options.stamper.UnixMillis())};
  llm::SigV4Signature signature =
      llm::SignV4(signing, *credentials, call.options.region, "bedrock", now);
  for (const auto& [name, value] : signature.headers) {
    http::SetHeader(outgoing.headers, name, value);
  }
  outgoing.signed_with_sigv4 = true;
  return outgoing;
}

}  // namespace agw::emulator::gateway
