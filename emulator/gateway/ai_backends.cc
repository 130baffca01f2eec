#include "emulator/gateway/ai_backends.h"

#include <cstdlib>
#include <regex>

#include "emulator/http/target.h"

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
  if (backend.ai->provider) {
    plan.tiers.push_back(
        {MakeProvider(backend.metadata.name, *backend.ai->provider, layers, ns, model, options)});
  }
  for (const validate::model::PriorityGroup& group : backend.ai->groups) {
    std::vector<AiProvider> tier;
    for (const validate::model::NamedLLMProvider& named : group.providers) {
      std::vector<const validate::model::BackendPolicies*> provider_layers = layers;
      if (named.policies) {
        provider_layers.push_back(&*named.policies);
      }
      tier.push_back(MakeProvider(named.name, named.provider, provider_layers, ns, model, options));
    }
    if (!tier.empty()) {
      plan.tiers.push_back(std::move(tier));
    }
  }
  return plan;
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

ProviderConnection ConnectionFor(const llm::LlmCall& call, const AiBackendPlan& backend,
                                 const AiProvider& provider, const AiOptions& options) {
  ProviderConnection connection;
  const validate::model::UpstreamTarget& target = call.target;
  connection.endpoint =
      Endpoint{target.host, target.port, target.scheme == "https", provider.setup.tls_sni};
  std::string backend_name = backend.backend.substr(backend.backend.find('/') + 1);
  for (const std::string& key : {backend.backend, backend_name + "/" + provider.name, backend_name,
                                 provider.setup.provider->kind}) {
    auto url = options.provider_urls.find(key);
    if (url == options.provider_urls.end()) {
      continue;
    }
    connection.endpoint = url->second.endpoint;
    connection.path_prefix = url->second.path_prefix;
    connection.overridden = true;
    break;
  }
  return connection;
}

OutgoingRequest MakeOutgoingRequest(const llm::LlmCall& call, const AiBackendPlan& backend,
                                    const AiProvider& provider, const AiOptions& options,
                                    const std::string& method) {
  OutgoingRequest outgoing;
  outgoing.connection = ConnectionFor(call, backend, provider, options);
  const ProviderConnection& connection = outgoing.connection;
  outgoing.authority = connection.overridden ? connection.endpoint.host + ":" +
                                                   std::to_string(connection.endpoint.port)
                                             : call.authority;
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
