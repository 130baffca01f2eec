#include "emulator/gateway/startup_notes.h"

#include <set>
#include <tuple>

namespace agw::emulator::gateway {

std::vector<AiRouteExample> AiRouteExamples(const Snapshot& snapshot) {
  std::vector<AiRouteExample> examples;
  std::set<std::tuple<std::string, int, std::string, std::string>> seen;
  for (const validate::resolve::ResolvedListener& listener :
       snapshot.pipeline->resolution.config.listeners) {
    std::string gateway =
        listener.gateway->metadata.namespace_ + "/" + listener.gateway->metadata.name;
    for (const validate::resolve::ResolvedRoute& route : listener.routes) {
      if (route.http == nullptr) {
        continue;
      }
      std::string host;
      if (!route.http->hostnames.empty() &&
          route.http->hostnames[0].find('*') == std::string::npos) {
        host = route.http->hostnames[0];
      }
      for (const validate::resolve::ResolvedRule& rule : route.rules) {
        if (rule.http == nullptr || rule.backends.empty() || rule.backends[0].backend == nullptr ||
            !rule.backends[0].backend->ai) {
          continue;
        }
        std::string path = "/";
        for (const validate::model::HTTPRouteMatch& match : rule.http->matches) {
          if (match.path && match.path->type != "RegularExpression") {
            path = match.path->value;
          }
        }
        if (seen.emplace(gateway, listener.listener->port, path, host).second) {
          examples.push_back(AiRouteExample{gateway, listener.listener->port, path, host});
        }
      }
    }
  }
  return examples;
}

std::vector<std::string> MissingCredentialWarnings(const Snapshot& snapshot,
                                                   const AiOptions& options) {
  std::vector<std::string> warnings;
  const validate::model::Model& model = snapshot.pipeline->model;
  for (const validate::model::AgentgatewayBackend& backend : model.backends) {
    for (const auto& tier : PlanAiBackend(backend, model, options).tiers) {
      for (const AiProvider& provider : tier) {
        if (!provider.problem.empty()) {
          warnings.push_back("AI backend " + backend.metadata.namespace_ + "/" +
                             backend.metadata.name +
                             " calls its provider without a key: " + provider.problem);
        }
      }
    }
  }
  return warnings;
}

std::vector<std::string> ProviderUrlNotes(const std::vector<ProviderUrlCapture>& captures,
                                          bool mock_providers) {
  std::vector<std::string> notes;
  for (const ProviderUrlCapture& capture : captures) {
    std::string flag = "provider-url " + capture.spec;
    if (mock_providers) {
      notes.push_back("warning: " + flag +
                      " is not used: --mock-providers answers every AI backend in-process");
    } else if (capture.captured.empty()) {
      notes.push_back("warning: " + flag + " captures no backend: " + capture.why_none);
    } else {
      constexpr size_t kShown = 20;  // a provider key may capture hundreds of backends
      std::string backends;
      for (size_t i = 0; i < capture.captured.size() && i < kShown; ++i) {
        backends += (i == 0 ? "" : ", ") + capture.captured[i];
      }
      if (capture.captured.size() > kShown) {
        backends += ", and " + std::to_string(capture.captured.size() - kShown) + " more";
      }
      notes.push_back(flag + ": " + backends);
    }
  }
  return notes;
}

}  // namespace agw::emulator::gateway
