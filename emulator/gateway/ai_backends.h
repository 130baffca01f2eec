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
  // "--provider-url KEY=URL": requests that would go to a provider's cloud host go to URL
  // instead (paths, auth and translation stay the same). What a KEY captures, most specific
  // first (PlanAiBackend applies them, CheckProviderUrls reports them):
  //  - "NS/NAME/MEMBER" or "NAME/MEMBER": one member of a priority-group backend
  //    (spec.ai.groups);
  //  - "NS/NAME" or "NAME" (when one namespace alone has it): every provider of that AI backend,
  //    every group member included, whatever host it sets;
  //  - a provider (openai, anthropic, ...): the providers of that kind that talk to the
  //    provider's own cloud host. One that sets its own host (spec.ai.provider.host: xAI through
  //    the openai provider, a local vLLM) is captured only by a backend or member key.
  // A KEY that is a provider name means the provider, even where a backend has that name.
  struct ProviderUrl {
    Endpoint endpoint;
    std::string path_prefix;  // the URL's path without a trailing '/', put before provider paths
    std::string spec;         // "KEY=URL" as given, for messages
  };
  std::map<std::string, ProviderUrl> provider_urls;  // parsed once, used on every request
  // "--secret NS/NAME=ENV_VAR": the Secret's `Authorization` comes from the environment.
  std::map<std::string, std::string> secret_env;
  // The clock and ids of translations and SigV4 signatures: the wall clock and random ids,
  // pinned by tests that compare two runs.
  llm::Stamper stamper = llm::SystemStamper();

  // Parses "KEY=URL" (http or https, an IPv6 host in brackets); the key is checked against the
  // manifests later, by CheckProviderUrls.
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
  // The --provider-url that captures this provider (AiOptions::provider_urls), if any.
  std::optional<AiOptions::ProviderUrl> provider_url;

  bool Unhealthy(int status) const;
};

// The providers of an AI backend by priority tier (one tier for a single provider).
struct AiBackendPlan {
  std::string backend;  // "namespace/name"
  std::vector<std::vector<AiProvider>> tiers;
};

// `model` is the whole configuration `backend` belongs to: secrets and policies come from it,
// and the --provider-url keys are read against all of its backends.
AiBackendPlan PlanAiBackend(const validate::model::AgentgatewayBackend& backend,
                            const validate::model::Model& model, const AiOptions& options);

// The providers a --provider-url key may name, in the order help and messages list them: the
// provider kinds that have a cloud host of their own (not `custom`).
const std::vector<std::string>& ProviderUrlProviders();

// What one --provider-url captures in a configuration.
struct ProviderUrlCapture {
  std::string spec;  // "KEY=URL" as given
  // The AI backends whose requests go to URL, in manifest order: "NS/NAME" when every provider
  // of the backend is captured, else "NS/NAME/MEMBER" for each captured group member.
  std::vector<std::string> captured;
  // When `captured` is empty: why ("agentgateway-system/xai sets its own host (api.x.ai); ...").
  std::string why_none;
};

// Reads every --provider-url key against the AI backends of `model`. An error, naming each bad
// key (with the closest valid key when one is close) and listing the valid keys, when a key is
// neither a provider nor an AI backend or group member of `model`, or when a NAME or NAME/MEMBER
// fits more than one namespace. Otherwise what each key captures, in key order; a key that
// captures nothing is not an error (its `why_none` says why).
Expected<std::vector<ProviderUrlCapture>> CheckProviderUrls(const AiOptions& options,
                                                            const validate::model::Model& model);

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
// (for a --provider-url, the URL's host and port, an IPv6 host in brackets) and target, and the
// call's headers — signed with SigV4 for a Bedrock provider without a key when AWS credentials
// are in the environment.
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

// Where `call` connects: `provider`'s --provider-url when it has one, else the call's target.
ProviderConnection ConnectionFor(const llm::LlmCall& call, const AiProvider& provider);

}  // namespace agw::emulator::gateway
