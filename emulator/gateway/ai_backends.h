#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "emulator/balance/provider_set.h"
#include "emulator/gateway/endpoints.h"
#include "emulator/llm/call.h"
#include "emulator/llm/sigv4.h"
#include "validate/manifest/error.h"
#include "validate/model/model.h"

namespace agw::emulator::gateway {

// How `run` reaches AI providers from this machine.
struct AiOptions {
  // Answer every AI backend in-process in the provider's own format (no network, no keys).
  bool mock_providers = false;
  // "--provider-url KEY=URL": KEY is a provider kind (openai, anthropic, gemini, vertexai,
  // bedrock, azure), a backend "namespace/name" or a backend name. The provider is reached at
  // URL instead of its cloud host; paths, auth and translation stay the same.
  struct ProviderUrl {
    Endpoint endpoint;
    std::string path_prefix;  // the URL's path without a trailing '/', put before provider paths
  };
  std::map<std::string, ProviderUrl> provider_urls;  // parsed once, used on every request
  // "--secret NS/NAME=ENV_VAR": the Secret's `Authorization` comes from the environment.
  std::map<std::string, std::string> secret_env;
  // The clock and ids of translations and SigV4 signatures: the wall clock and random ids,
  // pinned by tests that compare two runs.
  llm::Stamper stamper = llm::SystemStamper();

  Expected<void> AddProviderUrl(const std::string& spec);
  Expected<void> AddSecret(const std::string& spec);
};

// One provider of an AI backend, ready to plan calls against.
struct AiProvider {
  std::string name;  // the group provider's name, or the backend's name
  llm::ProviderSetup setup;
  std::string problem;  // why the credential is missing, if it is (never the value)
  // Where the credential comes from, for messages that must not show it: "Secret NS/NAME",
  // "auth.key", or "" when the backend configures no auth.
  std::string credential_source;
  // `policies.health`: without one the provider is never evicted.
  std::optional<balance::EvictionPolicy> eviction;
  // `health.unhealthyCondition` as a status comparison (`response.code >= 500`); empty: the
  // data plane's default (no response, or 5xx).
  std::string unhealthy_operator;
  int unhealthy_code = 0;

  bool Unhealthy(int status) const;
};

// The providers of an AI backend by priority tier (one tier for a single provider).
struct AiBackendPlan {
  std::string backend;  // "namespace/name"
  std::vector<std::vector<AiProvider>> tiers;
};

AiBackendPlan PlanAiBackend(const validate::model::AgentgatewayBackend& backend,
                            const validate::model::Model& model, const AiOptions& options);

// Where a planned call goes from here: the provider itself, or its --provider-url stand-in
// (`path_prefix` is the URL's path, put in front of the provider path).
struct ProviderConnection {
  Endpoint endpoint;
  std::string path_prefix;
  bool overridden = false;
};
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, for SigV4 when a Bedrock
// backend configures no key. Empty variables count as unset.
std::optional<llm::AwsCredentials> AwsCredentialsFromEnvironment();

// The request `run` sends for a planned call (and `translate` shows): where it goes, its Host
// and target, and the call's headers — signed with SigV4 for a Bedrock provider without a key
// when AWS credentials are in the environment.
struct OutgoingRequest {
  ProviderConnection connection;
  std::string authority;
  std::string path_and_query;
  http::HeaderList headers;
  bool signed_with_sigv4 = false;
  bool needs_signature = false;  // Bedrock without a key: SigV4 applies (signed or not)
};
OutgoingRequest MakeOutgoingRequest(const llm::LlmCall& call, const AiBackendPlan& backend,
                                    const AiProvider& provider, const AiOptions& options,
                                    const std::string& method);

ProviderConnection ConnectionFor(const llm::LlmCall& call, const AiBackendPlan& backend,
                                 const AiProvider& provider, const AiOptions& options);

}  // namespace agw::emulator::gateway
