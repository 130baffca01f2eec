#pragma once

// The HTTP calls of remote prompt guards (policy::GuardCaller): a webhook's POST to its
// backendRef Service, a moderation guard's POST to OpenAI's moderation endpoint. libcurl's easy
// interface, one handle per call.
//
// Blocking: Call returns when the reply is read or the call failed. The LLM planning that runs
// the guards is synchronous, so a guard call holds one worker thread for at most `timeout`
// (agentgateway's guard calls time out after 10 s).

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "emulator/gateway/ai_backends.h"
#include "emulator/gateway/endpoints.h"
#include "emulator/policy/remote_guard.h"

namespace agw::emulator::io {

// Where a guard's calls go: the base URL ("http://host:port" or "https://host", optionally with
// a path prefix; the call's path is appended), or nullopt when the guard's target is unknown
// (the call then fails without a connection). For a webhook, its backendRef Service; for
// openAIModeration, OpenAI (https://api.openai.com unless overridden).
using GuardTargetResolver = std::function<std::optional<std::string>(const policy::Guard&)>;

// The bearer key of a moderation guard (its `policies.auth` Secret, resolved by the caller);
// nullopt sends no Authorization header. A credential: never logged, never in an error.
using GuardKeyResolver = std::function<std::optional<std::string>(const policy::Guard&)>;

struct GuardCallerOptions {
  std::chrono::milliseconds timeout{10000};       // the whole call, connect included
  std::size_t max_reply_bytes = 2 * 1024 * 1024;  // a longer reply body fails the call
};

class CurlGuardCaller : public policy::GuardCaller {
 public:
  // `bearer_key` is asked for moderation guards only; empty: never any Authorization header.
  explicit CurlGuardCaller(GuardTargetResolver target, GuardKeyResolver bearer_key = {},
                           GuardCallerOptions options = {});

  // Sends `call` (method, path, headers in order, body) to the guard's target over http:// or
  // https:// (system trust store, no redirects, no proxy), and returns the status and body
  // whatever the status. curl adds only Host and Content-Length (no Accept, Expect or default
  // Content-Type). Errors name the guard and what failed, e.g. `webhook guards/checker:8000:
  // cannot connect to http://127.0.0.1:9000` or `openAIModeration: no reply within 10000 ms`.
  // Thread-safe.
  Expected<policy::GuardHttpReply> Call(const policy::Guard& guard,
                                        const policy::GuardHttpCall& call) const override;

 private:
  GuardTargetResolver target_;
  GuardKeyResolver bearer_key_;
  GuardCallerOptions options_;
};

// The moderation endpoint's --provider-url key (agentgateway's backend name for it).
inline constexpr char kModerationProviderKey[] = "_openai-moderation";

// The guard caller of `run`: a webhook's backendRef Service is reached where `services` maps it
// (a namespace-less ref is the policy's namespace), openAIModeration at the URL
// `--provider-url _openai-moderation=URL` gives, else https://api.openai.com; the moderation
// key is the guard's `policies.auth`: an inline key (or $ENV reference), or a secretRef supplied
// with --secret (a Secret in the manifests is not read here yet). With --mock-providers and no
// moderation URL, moderation checks are answered in process and flag nothing.
std::shared_ptr<const policy::GuardCaller> MakeRunGuardCaller(const gateway::ServiceMap& services,
                                                              const gateway::AiOptions& ai);

}  // namespace agw::emulator::io
