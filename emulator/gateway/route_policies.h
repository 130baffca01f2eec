#pragma once

// The AgentgatewayPolicies that act on the requests of one route rule and backend, merged as
// agentgateway merges them (emulator/policy/attachment.h), and compiled once per configuration:
// the route-phase local rate limit, and per provider of an AI backend the AI policy (prompt
// enrichment, guards, defaults, aliases, routes) with its prompt guards compiled.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/llm/call.h"
#include "emulator/llm/prompt.h"
#include "emulator/policy/attachment.h"
#include "emulator/policy/cel_context.h"
#include "emulator/policy/global_rate_limit.h"
#include "emulator/policy/prompt_guard.h"
#include "emulator/policy/rate_limit.h"
#include "emulator/policy/remote_guard.h"
#include "validate/model/agentgateway.h"

namespace agw::emulator::gateway {

struct RoutePolicies {
  // traffic.rateLimit.local of the most specific route-phase policy that sets it.
  std::vector<policy::LocalRule> local_rules;
  std::string local_key;  // policy::PolicyKey: the buckets' identity
  // traffic.rateLimit.conditional's `local` parts, in order (entries with only a global part are
  // left out: agentgateway splits the list by kind). At request time the first entry whose
  // condition holds (or that has none) gives the rules; when none does, the request has no
  // local limit. Each entry has its own buckets.
  struct ConditionalLocal {
    std::optional<policy::RuntimeExpression> condition;
    std::vector<policy::LocalRule> rules;
    std::string key;
  };
  std::vector<ConditionalLocal> local_conditional;
  // traffic.rateLimit.global, checked against run's in-process rate-limit service; and the
  // `global` parts of rateLimit.conditional (first matching condition wins, as for local ones).
  std::shared_ptr<const policy::GlobalRateLimitConfig> global;
  struct ConditionalGlobal {
    std::optional<policy::RuntimeExpression> condition;
    std::shared_ptr<const policy::GlobalRateLimitConfig> config;
  };
  std::vector<ConditionalGlobal> global_conditional;
  // Per provider of the AI backend, in the order of AiBackendPlan::tiers flattened; empty for
  // other backends.
  struct Provider {
    std::optional<validate::model::BackendAI> ai;  // the merged AI policy
    llm::PromptEnrichment enrichment;
    policy::CompiledPromptGuard guard;
    // The request prompt guards of `guard`; null when there are none.
    std::shared_ptr<const llm::ClientRequestCheck> request_check;
  };
  std::vector<Provider> providers;
};

// Merges the policies of `place` (its route, rule, listener and backend) for the AI backend
// `backend` (null for other backends).
// `guard_caller` carries out webhook and moderation guard calls (null: they are skipped and
// reported as not enforced, as in translate's dry run).
RoutePolicies MakeRoutePolicies(
    const policy::PolicyIndex& index, const policy::RequestPlace& place,
    const validate::model::AgentgatewayBackend* backend,
    const std::shared_ptr<const policy::GuardCaller>& guard_caller = nullptr);

// The prompt enrichment of an AI policy's `prompt` block (prepend / append, role and content).
llm::PromptEnrichment ReadPromptEnrichment(const validate::manifest::Value& prompt);

}  // namespace agw::emulator::gateway
