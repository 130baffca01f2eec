#pragma once

#include <string>
#include <vector>

#include "emulator/gateway/ai_backends.h"
#include "emulator/gateway/snapshot.h"

// What `run` tells the user when it starts, decided from the snapshot: requests to try, AI
// backends that will call their provider without a credential, and where --provider-url sends
// requests.
namespace agw::emulator::gateway {

// A request that reaches an AI backend: one per distinct (listener port, path, host) of the rules
// whose first backend is an AI backend. The path is the rule's last non-regex path match (the
// tutorials' PathPrefix shape), else "/"; the host is the route's first hostname unless it is a
// wildcard (empty: any host).
struct AiRouteExample {
  std::string gateway;  // "namespace/name"
  int gateway_port = 0;
  std::string path;
  std::string host;
};
std::vector<AiRouteExample> AiRouteExamples(const Snapshot& snapshot);

// "AI backend NS/NAME calls its provider without a key: <why>", once per provider whose
// credential is missing.
std::vector<std::string> MissingCredentialWarnings(const Snapshot& snapshot,
                                                   const AiOptions& options);

// One line per --provider-url (CheckProviderUrls): "provider-url KEY=URL: NS/NAME, ..." with
// the backends it captures, or "warning: provider-url KEY=URL captures no backend: <why>". With
// --mock-providers nothing is called, so each flag gets "warning: provider-url KEY=URL is not
// used: --mock-providers answers every AI backend in-process".
std::vector<std::string> ProviderUrlNotes(const std::vector<ProviderUrlCapture>& captures,
                                          bool mock_providers);

// "policy NS/NAME: not enforced by run: traffic.cors, frontend.tracing, ...": one line per
// attached AgentgatewayPolicy that sets fields `run` does not act on yet, so none is ignored
// silently; then one line per target where two policies set the same field (agentgateway picks
// one of them arbitrarily; `run` takes the one whose name sorts first).
std::vector<std::string> PolicyNotes(const Snapshot& snapshot);

}  // namespace agw::emulator::gateway
