#pragma once

// What agentgateway's runtime CEL sees of one request (emulator/policy/cel_context.h), built
// from what the gateway knows at each step: the request and its connection before routing, the
// route once matched, then the response and the LLM exchange for the logging phase.

#include <chrono>
#include <optional>
#include <string>

#include "emulator/gateway/access_log.h"
#include "emulator/policy/cel_context.h"
#include "emulator/route/request.h"

namespace agw::emulator::gateway {

struct RequestDecision;

// The connection a request arrived on.
struct ConnectionFacts {
  std::string gateway;   // "namespace/name"
  std::string listener;  // the Gateway listener's name; empty when unknown
  std::string source_address;
  int source_port = 0;
  std::string local_address;
  int local_port = 0;
  std::string http_version = "HTTP/1.1";
};

// The request phase: request (without its body), source, destination, proxy (gateway and
// listener; the route and backend once `decision` matched one), start time.
policy::AttributeContext RequestAttributes(const route::Request& request,
                                           const ConnectionFacts& connection,
                                           const RequestDecision* decision,
                                           std::chrono::system_clock::time_point start);

// Adds what the logging phase sees: the response code, the end time and, for an LLM exchange,
// `llm` (provider, models and token counts as the access log records them).
void AddLoggingAttributes(policy::AttributeContext& context, const AccessRecord& record,
                          std::chrono::system_clock::time_point end);

}  // namespace agw::emulator::gateway
