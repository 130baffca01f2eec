#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "emulator/route/request.h"
#include "emulator/route/table.h"

namespace agw::emulator::route {

// A response the gateway produces itself (redirect, CORS preflight, 404/500).
struct DirectResponse {
  int status = 200;
  http::HeaderList headers;
  std::string body;
};

// Where and how to forward: the backend chosen by weight and the request after the route's
// request filters.
struct UpstreamRequest {
  const validate::resolve::ResolvedBackend* backend = nullptr;
  std::string method;
  std::string path_and_query;
  std::string authority;  // Host header to send
  http::HeaderList headers;
};

// A mirror destination: a Service (namespace/name:port), sent a copy of the upstream request.
struct MirrorTarget {
  std::string namespace_;
  std::string name;
  std::optional<std::int32_t> port;
  double fraction = 1.0;  // share of requests mirrored
};

struct HeaderEdits {
  std::vector<validate::model::HTTPHeader> set;
  std::vector<validate::model::HTTPHeader> add;
  std::vector<std::string> remove;

  // Adds a filter's set/add/remove lists after the ones already here.
  void Append(const validate::model::HTTPHeaderFilter& filter);
  void Apply(http::HeaderList& headers) const;
  bool empty() const { return set.empty() && add.empty() && remove.empty(); }
};

// What the data plane does with one request: exactly one of `direct` and `upstream` is set.
struct Plan {
  std::optional<DirectResponse> direct;
  std::optional<UpstreamRequest> upstream;
  std::vector<MirrorTarget> mirrors;
  HeaderEdits response_headers;  // applied to the upstream response
  // Set on the response, replacing the upstream's fields of the same name: the CORS fields of an
  // allowed CORS request, and the x-ratelimit-* fields of the route's rate limit.
  http::HeaderList queued_response_headers;
  std::optional<std::chrono::milliseconds> request_timeout;  // 0 means none
  std::optional<std::chrono::milliseconds> backend_timeout;
  std::string route;  // "ns/name" or "" when no route matched
  int rule_index = -1;
};

// Turns a routing decision into a plan, applying the rule's filters in the data plane's order
// (request header changes, redirect, URL rewrite, CORS, mirrors), then the weighted backend
// choice and that backendRef's own filters. `listener_port` is the Gateway listener port (a
// redirect without port or scheme keeps it). `random` picks the weighted backend.
Plan MakePlan(const Decision& decision, const Request& request, int listener_port,
              std::mt19937_64& random);

// "/prefix/rest" with prefix "/prefix" replaced by `replacement`, at a path-segment boundary,
// as Gateway API's ReplacePrefixMatch table defines it. The query is not part of `path`.
std::string ReplacePrefix(const std::string& path, const std::string& prefix,
                          const std::string& replacement);

// Go's time.ParseDuration for the Gateway API duration subset; nullopt when invalid.
std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text);

}  // namespace agw::emulator::route
