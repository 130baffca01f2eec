#include "emulator/gateway/startup_notes.h"

#include <algorithm>
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

namespace {

const std::vector<validate::manifest::Value> kNoItems;

// The fields of `policy` that `run` does not enforce.
std::vector<std::string> UnenforcedFields(const validate::model::AgentgatewayPolicy& policy) {
  std::vector<std::string> fields;
  auto note = [&](bool set, const char* name) {
    if (set) {
      fields.push_back(name);
    }
  };
  if (policy.frontend) {
    for (const auto& entry : policy.frontend->entries()) {
      // tracing and accessLog are enforced (gateway/frontend.h), except the access log's
      // OpenTelemetry export.
      if (entry.key == "tracing") {
        continue;
      }
      if (entry.key == "accessLog") {
        note(entry.value.Find("otlp") != nullptr, "frontend.accessLog.otlp");
        continue;
      }
      fields.push_back("frontend." + entry.key);
    }
  }
  if (policy.traffic) {
    const validate::model::Traffic& traffic = *policy.traffic;
    note(traffic.header_modifiers.has_value(), "traffic.headerModifiers");
    note(traffic.host_rewrite_mode.has_value(), "traffic.hostRewrite");
    note(traffic.request_timeout.has_value(), "traffic.timeouts");
    note(traffic.cors.has_value(), "traffic.cors");
    note(traffic.retry.has_value(), "traffic.retry");
    note(traffic.transformation.has_value(), "traffic.transformation");
    note(traffic.ext_proc.has_value(), "traffic.extProc");
    note(traffic.ext_auth.has_value(), "traffic.extAuth");
    note(traffic.csrf.has_value(), "traffic.csrf");
    note(traffic.authorization.has_value(), "traffic.authorization");
    note(traffic.jwt_authentication.has_value(), "traffic.jwtAuthentication");
    note(traffic.basic_authentication.has_value(), "traffic.basicAuthentication");
    note(traffic.api_key_authentication.has_value(), "traffic.apiKeyAuthentication");
    note(traffic.direct_response.has_value(), "traffic.directResponse");
    note(traffic.buffer.has_value(), "traffic.buffer");
    note(traffic.delay.has_value(), "traffic.delay");
  }
  if (policy.backend) {
    const validate::model::BackendPolicies& backend = *policy.backend;
    if (backend.ai) {
      note(!backend.ai->transformations.empty(), "backend.ai.transformations");
      note(!backend.ai->final_transformations.empty(), "backend.ai.finalTransformations");
      note(backend.ai->prompt_caching.has_value(), "backend.ai.promptCaching");
      if (backend.ai->prompt_guard) {
        // Each guard names its kind by its one key besides `response` and `scope`. Regex,
        // webhook and openAIModeration guards are enforced, except a response webhook's CEL
        // `headers` and webhooks on streamed answers (agentgateway calls them per window).
        bool streaming = false;
        if (const auto* mode = backend.ai->prompt_guard->Find("streaming")) {
          streaming = mode->text() == "Enabled";
        }
        for (const char* phase : {"request", "response"}) {
          const validate::manifest::Value* guards = backend.ai->prompt_guard->Find(phase);
          std::string prefix = "backend.ai.promptGuard." + std::string(phase) + " ";
          for (const auto& guard : guards != nullptr ? guards->items() : kNoItems) {
            for (const auto& entry : guard.entries()) {
              if (entry.key == "webhook") {
                // CEL headers are evaluated on the request side only.
                note(entry.value.Find("headers") != nullptr && std::string(phase) == "response",
                     (prefix + "webhook.headers").c_str());
                note(streaming && std::string(phase) == "response",
                     (prefix + "webhook on streamed answers").c_str());
              } else if (entry.key != "regex" && entry.key != "openAIModeration" &&
                         entry.key != "response" && entry.key != "scope") {
                fields.push_back(prefix + entry.key);
              }
            }
          }
        }
      }
    }
    note(backend.mcp.has_value(), "backend.mcp");
    note(backend.transformation.has_value(), "backend.transformation");
    note(backend.ext_auth.has_value(), "backend.extAuth");
    note(backend.tunnel.has_value(), "backend.tunnel");
  }
  fields.erase(std::unique(fields.begin(), fields.end()), fields.end());
  return fields;
}

}  // namespace

namespace {

// The domains of a policy's global rate limits (plain and conditional), in order.
std::vector<std::string> GlobalDomains(const validate::model::AgentgatewayPolicy& policy) {
  std::vector<std::string> domains;
  if (!policy.traffic || !policy.traffic->rate_limit) {
    return domains;
  }
  auto add = [&](const validate::manifest::Value* global) {
    if (global != nullptr) {
      const auto* domain = global->Find("domain");
      domains.push_back(domain == nullptr ? "" : domain->text());
    }
  };
  const validate::manifest::Value& rate_limit = *policy.traffic->rate_limit;
  add(rate_limit.Find("global"));
  if (const auto* conditional = rate_limit.Find("conditional");
      conditional != nullptr && conditional->is_sequence()) {
    for (const auto& entry : conditional->items()) {
      const auto* block = entry.Find("policy");
      add(block == nullptr ? nullptr : block->Find("global"));
    }
  }
  return domains;
}

}  // namespace

std::vector<std::string> PolicyNotes(const Snapshot& snapshot) {
  std::vector<std::string> notes;
  std::set<const validate::model::AgentgatewayPolicy*> seen;
  for (const validate::resolve::AttachedPolicy& attached :
       snapshot.pipeline->resolution.config.policies) {
    if (!seen.insert(attached.policy).second) {
      continue;
    }
    for (const std::string& domain : GlobalDomains(*attached.policy)) {
      notes.push_back("policy " + attached.policy->metadata.namespace_ + "/" +
                      attached.policy->metadata.name + ": traffic.rateLimit.global (domain " +
                      domain +
                      ") is checked against run's in-process rate-limit service: limits from "
                      "--rate-limit-config files and limitOverride; descriptors with neither are "
                      "unlimited");
    }
    std::vector<std::string> fields = UnenforcedFields(*attached.policy);
    if (fields.empty()) {
      continue;
    }
    std::string line = "policy " + attached.policy->metadata.namespace_ + "/" +
                       attached.policy->metadata.name + ": not enforced by run: ";
    for (std::size_t i = 0; i < fields.size(); ++i) {
      line += (i == 0 ? "" : ", ") + fields[i];
    }
    notes.push_back(std::move(line));
  }
  for (const policy::PolicyIndex::Conflict& conflict :
       snapshot.policy_index->SameTargetConflicts()) {
    std::string names;
    for (std::size_t i = 0; i < conflict.policies.size(); ++i) {
      names += (i == 0 ? "" : ", ") + conflict.policies[i];
    }
    notes.push_back("policies " + names + " all set " + conflict.field + " on " + conflict.target +
                    ": agentgateway applies one of them, chosen arbitrarily; run applies " +
                    conflict.policies.front());
  }
  notes.insert(notes.end(), snapshot.frontend_problems.begin(), snapshot.frontend_problems.end());
  return notes;
}

}  // namespace agw::emulator::gateway
