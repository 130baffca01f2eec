#include "emulator/gateway/decision.h"

#include "emulator/gateway/answer.h"
#include "emulator/route/describe.h"

namespace agw::emulator::gateway {
namespace {

std::string RouteName(const route::RouteEntry& entry) {
  const validate::model::ObjectBase& route = *entry.route->http;
  return "HTTPRoute " + route.metadata.namespace_ + "/" + route.metadata.name;
}

// Whether the request's host falls under the hostname bucket an entry is indexed under.
bool HostFits(const route::RouteEntry& entry, const std::string& host) {
  if (entry.hostname.empty() || entry.hostname == host) {
    return true;
  }
  if (entry.hostname.rfind("*.", 0) == 0) {
    std::string suffix = entry.hostname.substr(1);
    return host.size() > suffix.size() &&
           host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0;
  }
  return false;
}

// A route that names this Gateway but is not attached to it, and the condition that says why.
std::string UnattachedRoute(const Snapshot& snapshot, const route::Bind& bind) {
  const validate::model::Gateway& gateway = *bind.gateway;
  for (const validate::resolve::RouteStatus& status : snapshot.pipeline->resolution.status.routes) {
    for (const validate::resolve::RouteParentStatus& parent : status.parents) {
      const validate::resolve::StatusReference& ref = parent.parent_ref;
      if (ref.name != gateway.metadata.name ||
          ref.namespace_.value_or(status.object->metadata.namespace_) !=
              gateway.metadata.namespace_ ||
          ref.kind.value_or("Gateway") != "Gateway") {
        continue;
      }
      const validate::resolve::Condition* accepted =
          validate::resolve::FindCondition(parent.conditions, "Accepted");
      if (accepted != nullptr && !accepted->is_true()) {
        return status.kind + " " + status.object->metadata.namespace_ + "/" +
               status.object->metadata.name + " is not attached: " + accepted->message;
      }
    }
  }
  return {};
}

// Why no route of `bind` took `request`, naming the route that came closest: one whose path
// matches but not its host, method, headers or query; else a route meant for this Gateway that
// is not attached to it; else the paths the listener's routes take.
std::string WhyNoRoute(const Snapshot& snapshot, const route::Bind& bind,
                       const route::Decision& match, const route::Request& request) {
  std::string host = request.Hostname();
  std::vector<const route::RouteEntry*> entries;
  for (const auto& [name, bucket] : match.listener->exact) {
    for (const route::RouteEntry& entry : bucket) {
      entries.push_back(&entry);
    }
  }
  for (const auto& [suffix, bucket] : match.listener->wildcard) {
    for (const route::RouteEntry& entry : bucket) {
      entries.push_back(&entry);
    }
  }
  for (const route::RouteEntry& entry : match.listener->any_host) {
    entries.push_back(&entry);
  }
  for (const route::RouteEntry* entry : entries) {
    if (!entry->compiled.PathMatches(request)) {
      continue;
    }
    std::string where = RouteName(*entry) + " rule " + std::to_string(entry->rule->index) + " (" +
                        route::DescribeMatch(*entry->match) + ")";
    if (!HostFits(*entry, host)) {
      return "no route matches; closest: " + where + " is for host " + entry->hostname + ", not " +
             host;
    }
    if (std::string unmet = entry->compiled.Unmet(request); !unmet.empty()) {
      return "no route matches; closest: " + where + " wants " + unmet;
    }
  }
  if (std::string unattached = UnattachedRoute(snapshot, bind); !unattached.empty()) {
    return "no route matches; " + unattached;
  }
  const std::string& listener = match.listener->listener->listener->name;
  if (entries.empty()) {
    return "no route is attached to listener " + listener;
  }
  std::string paths;
  std::size_t listed = 0;
  for (const route::RouteEntry* entry : entries) {
    if (listed == 3) {
      paths += ", ...";
      break;
    }
    paths += (listed++ == 0 ? "" : ", ") + route::DescribeMatch(*entry->match);
  }
  return "no route of listener " + listener + " matches path " +
         (request.path.empty() ? "/" : request.path) + " (its routes take " + paths + ")";
}

std::string WhyAnswered(const Snapshot& snapshot, const route::Bind* bind,
                        const route::Decision& match, const route::Plan& plan,
                        const route::Request& request) {
  switch (match.outcome) {
    case route::Decision::Outcome::kNoListener:
      return bind == nullptr ? "the Gateway port is no longer in the configuration"
                             : "no listener of the Gateway accepts host " + request.Hostname();
    case route::Decision::Outcome::kNoRoute:
      return bind == nullptr ? "no route matches" : WhyNoRoute(snapshot, *bind, match, request);
    case route::Decision::Outcome::kRoute:
      break;
  }
  int status = plan.direct ? plan.direct->status : 0;
  if (status >= 300 && status < 400) {
    return "the route's RequestRedirect filter";
  }
  if (status == 500) {
    // "invalid backend: Backend not found: ns/name": what the controller found wrong.
    std::string body = plan.direct->body;
    while (!body.empty() && body.back() == '\n') {
      body.pop_back();
    }
    return "the rule's backend is not usable: " + body;
  }
  return "the route's filters or backends answer";
}

// The mirrors drawn for this request, each sampled by its fraction.
std::vector<Endpoint> DrawMirrors(const route::Plan& plan, const validate::model::Model& model,
                                  const ServiceMap& services, std::mt19937_64& random) {
  std::vector<Endpoint> drawn;
  for (const route::MirrorTarget& mirror : plan.mirrors) {
    if (mirror.fraction < 1.0 &&
        std::uniform_real_distribution<double>(0, 1)(random) >= mirror.fraction) {
      continue;
    }
    Destination target = ResolveMirror(mirror, model, services, random());
    if (target.endpoint) {
      drawn.push_back(*target.endpoint);
    }
  }
  return drawn;
}

}  // namespace

RequestDecision Decide(const Snapshot& snapshot, const route::Bind* bind,
                       const route::Request& request, int gateway_port, const ServiceMap* services,
                       std::mt19937_64& random) {
  RequestDecision decision;
  if (bind != nullptr) {
    decision.match = snapshot.table->Match(*bind, request);
  }
  decision.plan = route::MakePlan(decision.match, request, gateway_port, random);
  const route::Plan& plan = decision.plan;
  if (decision.match.outcome == route::Decision::Outcome::kRoute) {
    const validate::model::AgentgatewayBackend* ai_backend =
        plan.upstream && ServesLlm(*plan.upstream->backend) ? plan.upstream->backend->backend
                                                            : nullptr;
    decision.policies = snapshot.PoliciesFor(decision.match, ai_backend);
  }
  if (plan.direct) {
    decision.answer = *plan.direct;
    decision.answer_reason = WhyAnswered(snapshot, bind, decision.match, plan, request);
    return decision;
  }
  const validate::resolve::ResolvedBackend& backend = *plan.upstream->backend;
  decision.backend = backend.namespace_ + "/" + backend.name;
  if (ServesLlm(backend)) {
    decision.action = RequestDecision::Action::kLlm;
    return decision;
  }
  decision.action = RequestDecision::Action::kForward;
  if (services == nullptr) {
    return decision;
  }
  const validate::model::Model& model = snapshot.pipeline->model;
  Destination destination = ResolveDestination(backend, model, *services, random());
  if (!destination.endpoint) {
    decision.action = RequestDecision::Action::kAnswer;
    decision.answer = route::DirectResponse{
        destination.error_status, {{"content-type", "text/plain"}}, destination.error};
    decision.answer_reason = "the backend cannot be reached from here";
    return decision;
  }
  decision.endpoint = std::move(destination.endpoint);
  decision.mirrors = DrawMirrors(plan, model, *services, random);
  return decision;
}

route::DirectResponse RateLimitedAnswer(const policy::BucketStatus& status) {
  route::DirectResponse answer{429, {{"content-type", "text/plain"}}, policy::kRateLimitedBody};
  http::HeaderList fields = policy::RateLimitHeaders(status);
  answer.headers.insert(answer.headers.end(), fields.begin(), fields.end());
  return answer;
}

namespace {

bool QueuesRateLimitFields(const route::Plan& plan) {
  return std::any_of(plan.queued_response_headers.begin(), plan.queued_response_headers.end(),
                     [](const auto& field) {
                       return http::HeaderNameEquals(field.first, "x-ratelimit-limit") ||
                              http::HeaderNameEquals(field.first, "x-ratelimit-remaining") ||
                              http::HeaderNameEquals(field.first, "x-ratelimit-reset");
                     });
}

void Queue(route::Plan& plan, const policy::BucketStatus& status) {
  for (auto& field : policy::RateLimitHeaders(status)) {
    plan.queued_response_headers.push_back(std::move(field));
  }
}

}  // namespace

namespace {

// The route's local limit (plain or the first matching conditional entry); false when it
// refused the request.
bool ApplyLocalLimit(RequestDecision& decision, policy::RateLimitRegistry& limits,
                     policy::RateClock::time_point now,
                     const std::function<const policy::AttributeContext&()>& context) {
  const std::vector<policy::LocalRule>* rules = &decision.policies->local_rules;
  const std::string* key = &decision.policies->local_key;
  if (!decision.policies->local_conditional.empty()) {
    // Conditional and plain forms exclude each other (CRD); the first entry that matches wins
    // and no match means no limit (spec-ratelimit-merge.md "Conditional forms").
    rules = nullptr;
    for (const RoutePolicies::ConditionalLocal& choice : decision.policies->local_conditional) {
      if (!choice.condition ||
          choice.condition->EvaluateBool(context(), policy::CelPhase::kRequest)) {
        rules = &choice.rules;
        key = &choice.key;
        break;
      }
    }
  }
  if (rules == nullptr || rules->empty()) {
    return true;
  }
  decision.rate_limit = limits.For(*key, *rules, now);
  std::optional<policy::BucketStatus> status = decision.rate_limit->CheckRequest(now);
  if (!status) {
    return true;
  }
  if (!status->allowed) {
    decision.action = RequestDecision::Action::kAnswer;
    decision.answer = RateLimitedAnswer(*status);
    decision.answer_reason = "rate limit exceeded (" + decision.policies->local_key + ")";
    decision.endpoint.reset();
    decision.mirrors.clear();
    return false;
  }
  if (decision.action == RequestDecision::Action::kAnswer) {
    for (auto& field : policy::RateLimitHeaders(*status)) {
      decision.answer.headers.push_back(std::move(field));
    }
  } else {
    Queue(decision.plan, *status);
  }
  return true;
}

// The route's global limit, right after the local one (spec-ratelimit-merge.md B.2).
void ApplyGlobalLimit(RequestDecision& decision, policy::RateLimitService& service,
                      const std::function<const policy::AttributeContext&()>& context,
                      std::vector<std::string>* warnings) {
  const policy::GlobalRateLimitConfig* config = decision.policies->global.get();
  if (!decision.policies->global_conditional.empty()) {
    config = nullptr;
    for (const RoutePolicies::ConditionalGlobal& choice : decision.policies->global_conditional) {
      if (!choice.condition ||
          choice.condition->EvaluateBool(context(), policy::CelPhase::kRequest)) {
        config = choice.config.get();
        break;
      }
    }
  }
  if (config == nullptr || !config->Has(policy::GlobalDescriptor::Type::kRequests)) {
    return;
  }
  policy::GlobalRateLimitAnswer answer = policy::CheckGlobalRateLimit(
      *config, service, context(), policy::CelPhase::kRequest, std::chrono::system_clock::now());
  if (!answer.warning.empty() && warnings != nullptr) {
    warnings->push_back(answer.warning);
  }
  if (!answer.checked) {
    return;
  }
  if (answer.allowed) {
    // Its x-ratelimit-* fields replace the local limit's.
    for (auto& [name, value] : answer.headers) {
      http::SetHeader(decision.plan.queued_response_headers, name, value);
    }
    return;
  }
  route::DirectResponse refusal{answer.status, std::move(answer.headers), std::move(answer.body)};
  // agentgateway inserts the headers queued by the passing local check over the refusal's.
  for (auto& [name, value] : decision.plan.queued_response_headers) {
    http::SetHeader(refusal.headers, name, value);
  }
  decision.plan.queued_response_headers.clear();
  decision.action = RequestDecision::Action::kAnswer;
  decision.answer = std::move(refusal);
  decision.answer_reason =
      answer.error.empty() ? "rate limit exceeded (" + config->domain + ", global)" : answer.error;
  decision.endpoint.reset();
  decision.mirrors.clear();
}

}  // namespace

void ApplyRouteRateLimit(RequestDecision& decision, policy::RateLimitRegistry& limits,
                         policy::RateLimitService* global_service,
                         policy::RateClock::time_point now,
                         const std::function<policy::AttributeContext()>& request_context,
                         std::vector<std::string>* warnings) {
  if (decision.policies == nullptr) {
    return;
  }
  // Built once, and only when a condition or a descriptor needs it.
  std::optional<policy::AttributeContext> built;
  std::function<const policy::AttributeContext&()> context =
      [&]() -> const policy::AttributeContext& {
    if (!built) {
      built = request_context();
    }
    return *built;
  };
  bool routed = decision.action != RequestDecision::Action::kAnswer;
  if (!ApplyLocalLimit(decision, limits, now, context) || !routed || global_service == nullptr) {
    return;
  }
  ApplyGlobalLimit(decision, *global_service, context, warnings);
}

namespace {

bool AccountsTokens(llm::RouteType route) {
  using llm::RouteType;
  return route == RouteType::kCompletions || route == RouteType::kMessages ||
         route == RouteType::kResponses || route == RouteType::kEmbeddings ||
         route == RouteType::kRerank || route == RouteType::kGenerateContent ||
         route == RouteType::kDetect;
}

}  // namespace

std::optional<route::DirectResponse> CheckTokenLimit(RequestDecision& decision,
                                                     const llm::LlmCall& call,
                                                     policy::RateClock::time_point now) {
  if (decision.rate_limit == nullptr || call.local || !AccountsTokens(call.route)) {
    return std::nullopt;
  }
  std::optional<policy::BucketStatus> status = decision.rate_limit->CheckTokens(now);
  if (!status) {
    return std::nullopt;
  }
  if (!status->allowed) {
    return RateLimitedAnswer(*status);
  }
  if (!QueuesRateLimitFields(decision.plan)) {
    Queue(decision.plan, *status);
  }
  return std::nullopt;
}

void ChargeTokens(const RequestDecision& decision, const llm::LlmCall& call, int upstream_status,
                  const llm::ResponseInfo& info, policy::RateClock::time_point now) {
  if (decision.rate_limit == nullptr || !decision.rate_limit->HasTokenRules() || call.local ||
      upstream_status < 200 || upstream_status >= 300 || !AccountsTokens(call.route) ||
      call.route == llm::RouteType::kEmbeddings || call.route == llm::RouteType::kRerank) {
    return;
  }
  std::int64_t tokens =
      ReportedInputTokens(info, call.wire).value_or(0) + info.output_tokens.value_or(0);
  if (tokens > 0) {
    decision.rate_limit->ChargeTokens(tokens, now);
  }
}

}  // namespace agw::emulator::gateway
