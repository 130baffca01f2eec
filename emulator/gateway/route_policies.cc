#include "emulator/gateway/route_policies.h"

#include <algorithm>

namespace agw::emulator::gateway {
namespace {

namespace model = validate::model;
using validate::resolve::AttachedPolicy;

// The AI policies of `layers` (strongest first) merged into one; nullopt when none sets one.
std::optional<model::BackendAI> MergeStrongestFirst(
    const std::vector<const model::BackendAI*>& layers) {
  std::optional<model::BackendAI> merged;
  for (const model::BackendAI* layer : layers) {
    if (layer == nullptr) {
      continue;
    }
    merged = merged ? policy::MergeAi(*merged, *layer) : *layer;
  }
  return merged;
}

const model::BackendAI* AiOf(const std::optional<model::BackendPolicies>& policies) {
  return policies && policies->ai ? &*policies->ai : nullptr;
}

std::vector<const model::BackendAI*> AiOf(const std::vector<const AttachedPolicy*>& attached) {
  std::vector<const model::BackendAI*> layers;
  for (const AttachedPolicy* layer : attached) {
    layers.push_back(AiOf(layer->policy->backend));
  }
  return layers;
}

// The providers of `backend` as AiBackendPlan flattens them: the single provider (section
// "backend"), then every group member.
struct ProviderSection {
  std::string section;
  const std::optional<model::BackendPolicies>* policies = nullptr;  // a member's own policies
};

std::vector<ProviderSection> ProviderSections(const model::AgentgatewayBackend& backend) {
  std::vector<ProviderSection> sections;
  if (!backend.ai) {
    return sections;
  }
  if (backend.ai->provider) {
    sections.push_back({"backend", nullptr});
  }
  for (const model::PriorityGroup& group : backend.ai->groups) {
    for (const model::NamedLLMProvider& named : group.providers) {
      sections.push_back({named.name, &named.policies});
    }
  }
  return sections;
}

// The request prompt guards of one merged AI policy, run by the LLM planner.
// A webhook's CEL `headers` (spec-guards.md 4), evaluated on the client request as the guard
// sees it: its headers, and `llmRequest` in the request phase. Compiled per call: a guard call
// is a network round trip, which dwarfs it.
class CelWebhookHeaders : public policy::WebhookHeaderExpressions {
 public:
  explicit CelWebhookHeaders(const http::HeaderList& request_headers)
      : request_headers_(request_headers) {}

  void Apply(const policy::WebhookGuard& webhook, const llm::Json* llm_request,
             policy::GuardHttpCall& call) const override {
    policy::AttributeContext context;
    policy::CelRequest& request = context.request.emplace();
    request.method = "POST";
    request.headers = request_headers_;
    if (llm_request != nullptr) {
      context.llm_request = policy::CelJson::parse(llm_request->dump(), nullptr, false);
    }
    for (const auto& [name, text] : webhook.headers) {
      validate::cel::Value value =
          policy::RuntimeExpression(text).Evaluate(context, policy::CelPhase::kLlmRequest);
      std::optional<std::string> rendered;
      if (value.kind() == validate::cel::Value::Kind::kString) {
        rendered = value.text();
      } else if (!value.is_error() && value.kind() != validate::cel::Value::Kind::kNull) {
        rendered = policy::ToJson(value).dump();
      }
      if (name == ":path" || name == ":method") {
        if (rendered && !rendered->empty()) {
          (name == ":path" ? call.path : call.method) = *rendered;
        }
        continue;
      }
      if (!name.empty() && name[0] == ':') {
        continue;  // :scheme, :status and :authority are not headers of the call
      }
      if (rendered && !rendered->empty()) {
        http::SetHeader(call.headers, name, *rendered);
      } else {
        http::RemoveHeader(call.headers, name);
      }
    }
  }

 private:
  const http::HeaderList& request_headers_;
};

class GuardCheck : public llm::ClientRequestCheck {
 public:
  GuardCheck(policy::CompiledPromptGuard guard, std::shared_ptr<const policy::GuardCaller> caller)
      : guard_(std::move(guard)), caller_(std::move(caller)) {}

  std::optional<llm::LocalResponse> Check(llm::InputFormat input, llm::Json& body,
                                          const http::HeaderList& headers, std::string& reason,
                                          std::vector<std::string>& guard_actions) const override {
    CelWebhookHeaders header_expressions(headers);
    policy::RequestGuardResult result = policy::ApplyRequestGuards(
        guard_, input, body, {caller_.get(), &headers, &header_expressions});
    for (const policy::GuardVerdict& check : result.checks) {
      if (std::optional<std::string_view> action = policy::GuardMetricAction(check.action)) {
        guard_actions.emplace_back(*action);
      }
    }
    using Action = policy::GuardVerdict::Action;
    if (result.action == Action::kReject) {
      reason = "request rejected by " + result.guard_kind + " guardrail";
      // agentgateway sends the rejection's bytes with no content-type, whatever the client.
      return llm::LocalResponse{result.rejection.status, "", result.rejection.body};
    }
    if (result.action == Action::kError) {
      reason = "prompt guard failed";
      return llm::LocalResponse{503, "text/plain",
                                "failed to process LLM request: prompt guard failed"};
    }
    return std::nullopt;
  }

 private:
  policy::CompiledPromptGuard guard_;
  std::shared_ptr<const policy::GuardCaller> caller_;  // null: remote guards are not called
};

}  // namespace

llm::PromptEnrichment ReadPromptEnrichment(const validate::manifest::Value& prompt) {
  llm::PromptEnrichment enrichment;
  auto read = [&](std::string_view key, std::vector<llm::PromptMessage>& into) {
    const validate::manifest::Value* list = prompt.Find(key);
    if (list == nullptr || !list->is_sequence()) {
      return;
    }
    for (const validate::manifest::Value& item : list->items()) {
      const validate::manifest::Value* role = item.Find("role");
      const validate::manifest::Value* content = item.Find("content");
      if (role != nullptr && content != nullptr) {
        into.push_back({role->text(), content->text()});
      }
    }
  };
  read("prepend", enrichment.prepend);
  read("append", enrichment.append);
  return enrichment;
}

RoutePolicies MakeRoutePolicies(const policy::PolicyIndex& index, const policy::RequestPlace& place,
                                const model::AgentgatewayBackend* backend,
                                const std::shared_ptr<const policy::GuardCaller>& guard_caller) {
  RoutePolicies result;
  std::vector<const AttachedPolicy*> traffic = index.RouteTraffic(place);
  auto rate_limit = policy::PickTrafficField<validate::manifest::Value>(
      traffic, [](const model::Traffic& t) { return t.rate_limit ? &*t.rate_limit : nullptr; });
  if (rate_limit.value != nullptr) {
    result.local_key = policy::PolicyKey(*rate_limit.from, "rl-local");
    if (const validate::manifest::Value* local = rate_limit.value->Find("local")) {
      result.local_rules = policy::ReadLocalRules(*local, nullptr);
    }
    if (const validate::manifest::Value* global = rate_limit.value->Find("global")) {
      result.global = std::make_shared<const policy::GlobalRateLimitConfig>(
          policy::ReadGlobalRateLimit(*global));
    }
    const validate::manifest::Value* conditional = rate_limit.value->Find("conditional");
    for (std::size_t i = 0;
         conditional != nullptr && conditional->is_sequence() && i < conditional->items().size();
         ++i) {
      const validate::manifest::Value& entry = conditional->items()[i];
      const validate::manifest::Value* policy = entry.Find("policy");
      const validate::manifest::Value* condition = entry.Find("condition");
      bool conditioned = condition != nullptr && condition->is_scalar();
      if (const validate::manifest::Value* global =
              policy == nullptr ? nullptr : policy->Find("global")) {
        RoutePolicies::ConditionalGlobal choice;
        if (conditioned) {
          choice.condition.emplace(condition->text());
        }
        choice.config = std::make_shared<const policy::GlobalRateLimitConfig>(
            policy::ReadGlobalRateLimit(*global));
        result.global_conditional.push_back(std::move(choice));
      }
      const validate::manifest::Value* local = policy == nullptr ? nullptr : policy->Find("local");
      if (local == nullptr) {
        continue;
      }
      RoutePolicies::ConditionalLocal choice;
      if (conditioned) {
        choice.condition.emplace(condition->text());
      }
      choice.rules = policy::ReadLocalRules(*local, nullptr);
      choice.key = result.local_key + "[" + std::to_string(i) + "]";
      result.local_conditional.push_back(std::move(choice));
    }
  }
  if (backend == nullptr || !backend->ai) {
    return result;
  }
  // agentgateway's order, strongest first (BINDS internal_backend_policies): the backend's own
  // policies, then the rule, route, backend, listener and Gateway targets; a provider's own
  // policies and the policies that target its section then win over all of those.
  std::vector<const model::BackendAI*> chain = {AiOf(backend->policies)};
  std::vector<const model::BackendAI*> attached = AiOf(index.Backend(place));
  chain.insert(chain.end(), attached.begin(), attached.end());
  std::optional<model::BackendAI> backend_ai = MergeStrongestFirst(chain);
  for (const ProviderSection& section : ProviderSections(*backend)) {
    std::vector<const model::BackendAI*> provider_layers;
    if (section.policies != nullptr) {
      provider_layers.push_back(AiOf(*section.policies));
    }
    std::vector<const model::BackendAI*> targeted =
        AiOf(index.Provider(backend->metadata.namespace_, backend->metadata.name, section.section));
    provider_layers.insert(provider_layers.end(), targeted.begin(), targeted.end());
    if (backend_ai) {
      provider_layers.push_back(&*backend_ai);
    }
    RoutePolicies::Provider provider;
    provider.ai = MergeStrongestFirst(provider_layers);
    if (provider.ai) {
      if (provider.ai->prompt) {
        provider.enrichment = ReadPromptEnrichment(*provider.ai->prompt);
      }
      if (provider.ai->prompt_guard) {
        // A webhook's backendRef without a namespace: the policy's, which is the backend's
        // in the usual layout (the merged block no longer says whose it was).
        provider.guard =
            policy::CompilePromptGuard(*provider.ai->prompt_guard, backend->metadata.namespace_);
      }
    }
    result.providers.push_back(std::move(provider));
  }
  for (RoutePolicies::Provider& provider : result.providers) {
    if (!provider.guard.request.empty()) {
      provider.request_check = std::make_shared<GuardCheck>(provider.guard, guard_caller);
    }
  }
  return result;
}

}  // namespace agw::emulator::gateway
