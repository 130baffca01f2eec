#include "emulator/gateway/decision.h"

#include "emulator/gateway/answer.h"

namespace agw::emulator::gateway {
namespace {

std::string WhyAnswered(const route::Decision& match, const route::Request& request) {
  switch (match.outcome) {
    case route::Decision::Outcome::kNoListener:
      return "no listener of the Gateway accepts host " + request.Hostname();
    case route::Decision::Outcome::kNoRoute:
      return "no route matches";
    case route::Decision::Outcome::kRoute:
      break;
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
  if (plan.direct) {
    decision.answer = *plan.direct;
    decision.answer_reason = WhyAnswered(decision.match, request);
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

}  // namespace agw::emulator::gateway
