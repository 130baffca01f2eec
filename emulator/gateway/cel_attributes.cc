#include "emulator/gateway/cel_attributes.h"

#include <cstdint>

#include "emulator/gateway/decision.h"

namespace agw::emulator::gateway {

namespace {

std::optional<std::uint64_t> Count(const std::optional<std::int64_t>& tokens) {
  if (!tokens || *tokens < 0) {
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(*tokens);
}

// "namespace/name" split at its first '/'.
std::pair<std::string, std::string> SplitName(const std::string& qualified) {
  std::size_t slash = qualified.find('/');
  if (slash == std::string::npos) {
    return {"", qualified};
  }
  return {qualified.substr(0, slash), qualified.substr(slash + 1)};
}

}  // namespace

policy::AttributeContext RequestAttributes(const route::Request& request,
                                           const ConnectionFacts& connection,
                                           const RequestDecision* decision,
                                           std::chrono::system_clock::time_point start) {
  policy::AttributeContext context;
  policy::CelRequest& cel_request = context.request.emplace();
  cel_request.method = request.method;
  cel_request.scheme = request.scheme;
  if (!request.authority.empty()) {
    cel_request.host = request.authority;
  }
  cel_request.path = request.path;
  cel_request.path_and_query = request.PathAndQuery();
  cel_request.uri = request.scheme + "://" + request.authority + cel_request.path_and_query;
  cel_request.version = connection.http_version;
  cel_request.headers = request.headers;
  cel_request.start_time = start;

  policy::CelSource& source = context.source.emplace();
  source.address = connection.source_address;
  source.port = connection.source_port;
  source.raw_address = connection.source_address;
  source.raw_port = connection.source_port;
  policy::CelDestination& destination = context.destination.emplace();
  destination.address = connection.local_address;
  destination.port = connection.local_port;

  policy::CelProxy& proxy = context.proxy.emplace();
  auto [gateway_namespace, gateway_name] = SplitName(connection.gateway);
  proxy.gateway = policy::CelProxy::Gateway{gateway_namespace, gateway_name};
  if (!connection.listener.empty()) {
    proxy.listener = connection.listener;
  }
  if (decision != nullptr && decision->match.listener != nullptr &&
      decision->match.listener->listener != nullptr &&
      decision->match.listener->listener->listener != nullptr) {
    proxy.listener = decision->match.listener->listener->listener->name;
  }
  if (decision != nullptr && decision->match.entry != nullptr &&
      decision->match.entry->route != nullptr) {
    const route::RouteEntry& entry = *decision->match.entry;
    policy::CelProxy::Route route;
    route.kind = entry.route->kind;
    if (entry.route->http != nullptr) {
      route.namespace_name = entry.route->http->metadata.namespace_;
      route.name = entry.route->http->metadata.name;
      if (entry.rule != nullptr && entry.rule->http != nullptr && entry.rule->http->name) {
        route.rule = *entry.rule->http->name;
      }
    } else if (entry.route->grpc != nullptr) {
      route.namespace_name = entry.route->grpc->metadata.namespace_;
      route.name = entry.route->grpc->metadata.name;
    }
    proxy.route = std::move(route);
  }
  if (decision != nullptr && !decision->backend.empty()) {
    policy::CelBackend& backend = context.backend.emplace();
    backend.name = decision->backend;
    bool ai = decision->action == RequestDecision::Action::kLlm;
    backend.type = ai ? "ai" : "service";
    backend.protocol = ai ? "llm" : "http";
  }
  return context;
}

void AddLoggingAttributes(policy::AttributeContext& context, const AccessRecord& record,
                          std::chrono::system_clock::time_point end) {
  if (context.request) {
    context.request->end_time = end;
  }
  if (record.status != 0) {
    context.response.emplace().code = record.status;
  }
  if (record.gen_ai_provider.empty()) {
    return;
  }
  policy::CelLlm& llm = context.llm.emplace();
  llm.request_model = record.gen_ai_request_model;
  llm.provider = record.gen_ai_provider;
  if (!record.gen_ai_response_model.empty()) {
    llm.response_model = record.gen_ai_response_model;
  }
  llm.input_tokens = Count(record.gen_ai_input_tokens);
  llm.output_tokens = Count(record.gen_ai_output_tokens);
  if (llm.input_tokens && llm.output_tokens) {
    llm.total_tokens = *llm.input_tokens + *llm.output_tokens;
  }
}

}  // namespace agw::emulator::gateway
