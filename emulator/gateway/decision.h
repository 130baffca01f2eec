#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "emulator/gateway/endpoints.h"
#include "emulator/gateway/snapshot.h"
#include "emulator/policy/rate_limit.h"
#include "emulator/route/plan.h"
#include "emulator/route/request.h"
#include "emulator/route/table.h"

// What the gateway does with one request, decided before a byte goes anywhere: `run`'s sessions
// (emulator/io) carry the decision out, `translate` renders it. Pure: the snapshot, the request
// and a random source in, a value out.
namespace agw::emulator::gateway {

struct RequestDecision {
  enum class Action {
    kAnswer,   // the gateway answers by itself (`answer`): no route, a redirect, 503, ...
    kForward,  // proxied as it is to `endpoint` (a Service or a static backend)
    kLlm,      // an AI backend: planned and translated by the LLM path (DecideLlm)
  };
  Action action = Action::kAnswer;
  route::Decision match;         // the route table's answer: listener and route entry
  route::Plan plan;              // the route's filters applied and the weighted backend chosen
  route::DirectResponse answer;  // kAnswer
  std::string answer_reason;     // kAnswer: why, in words ("no route matches", ...)
  // kForward: where the request goes, and the mirrors drawn to get a copy this time (a
  // mirror's `percent` is sampled here; mirrors without a local address are left out). Empty
  // when the decision was made without a ServiceMap (see Decide).
  std::optional<Endpoint> endpoint;
  std::vector<Endpoint> mirrors;
  std::string backend;  // "namespace/name" of the chosen backend; empty when there is none
  // The policies of the matched route rule and backend; null when no route matched.
  std::shared_ptr<const RoutePolicies> policies;
  // The route's local rate limit (ApplyRouteRateLimit), whose token entries are checked before
  // and charged after an LLM call; null when the route has none.
  std::shared_ptr<policy::LocalRateLimit> rate_limit;
};

// Decides `request`, arrived on `bind` of `snapshot` (null: the listener's Gateway or port is
// gone after a reload, answered as a port nobody serves). `gateway_port` is the Gateway
// listener port (a redirect keeps it). With `services`, the backends of forwarded requests are
// resolved to local addresses (an unmapped Service becomes the 503 answer that names the flag);
// without, they are not (a dry run shows the request as it would be forwarded). `random` draws
// the weighted backend, the endpoint of a Service and the mirror samples, in that order.
RequestDecision Decide(const Snapshot& snapshot, const route::Bind* bind,
                       const route::Request& request, int gateway_port, const ServiceMap* services,
                       std::mt19937_64& random);

// The route-phase local rate limit (agentgateway runs it after routing, before the backend is
// called): a refused request becomes the 429 answer `rate limit exceeded`; an allowed one gets
// the x-ratelimit-* fields queued for its response. Buckets come from `limits`, so they are
// shared by every request of the policy.
// A conditional local limit evaluates its conditions on `request_context` (the request phase's
// CEL attributes, built by the caller only when asked: `request_context` is called at most once).
// Then the route's global limit (traffic.rateLimit.global) against `global_service`, run's
// in-process stand-in for a rate-limit service (null: not checked); its warnings (a failed
// check) go to `warnings`.
void ApplyRouteRateLimit(RequestDecision& decision, policy::RateLimitRegistry& limits,
                         policy::RateLimitService* global_service,
                         policy::RateClock::time_point now,
                         const std::function<policy::AttributeContext()>& request_context,
                         std::vector<std::string>* warnings = nullptr);

// The token entries of the route's local rate limit before an LLM call (llm-dataplane.md 2.3
// step 10): the 429 answer when no token is left, else nullopt, with the x-ratelimit-* fields
// queued in the decision's plan when the request entries queued none. Route types without
// token accounting (count tokens, passthrough, realtime) and calls the gateway answers itself
// skip it.
std::optional<route::DirectResponse> CheckTokenLimit(RequestDecision& decision,
                                                     const llm::LlmCall& call,
                                                     policy::RateClock::time_point now);

// Charges the route's token entries what a successful chat answer used (input, cache reads and
// writes included, plus output), when the answer is complete or the stream was dropped.
void ChargeTokens(const RequestDecision& decision, const llm::LlmCall& call, int upstream_status,
                  const llm::ResponseInfo& info, policy::RateClock::time_point now);

// The 429 agentgateway answers for a local rate limit.
route::DirectResponse RateLimitedAnswer(const policy::BucketStatus& status);

}  // namespace agw::emulator::gateway
