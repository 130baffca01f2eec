#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "validate/cluster/api_client.h"
#include "validate/cluster/connection.h"
#include "validate/cluster/credentials.h"
#include "validate/cluster/environment.h"
#include "validate/manifest/error.h"

namespace agw::validate::cluster {

struct TransportOptions {
  // kubectl has no overall timeout by default (--request-timeout 0) but dials for at most 30 s;
  // a diff or validate run should fail in bounded time, so both phases are bounded.
  std::chrono::milliseconds connect_timeout{15000};
  std::chrono::milliseconds request_timeout{60000};
  // A page of 500 CustomResourceDefinitions can reach hundreds of MB on clusters with large
  // operators; beyond this the answer is refused rather than held in memory.
  std::size_t max_response_bytes = std::size_t{256} << 20;
  std::string user_agent = "kubectl-agentgateway/dev";
};

// A Transport over libcurl for one ClusterConnection, presenting `credentials`:
// - https verified against connection.ca_pem (from memory; only that CA), or the system trust
//   store when there is none; none at all with insecure_skip_tls_verify; TLS 1.2 or later;
// - tls_server_name used for SNI and verification (the URL's host is swapped for it and the
//   connection still goes to the server's address; the Host header stays the server's);
// - the client certificate and key from memory, "Authorization: Bearer", or basic auth;
// - Impersonate-User/-Uid/-Group/-Extra-* headers for `as`, `as-uid`, `as-groups`,
//   `as-user-extra`;
// - the proxy of ProxyFor(server, proxy_url, environment) (never curl's own reading of the
//   environment, which differs from Go's);
// - Accept: application/json, the User-Agent of `options`, gzip unless disable_compression.
// Errors name the server with DescribeServer and never hold a credential:
//   cannot reach the API server of context "kind-agw" (https://127.0.0.1:6443): Connection refused
//   cannot verify the certificate of the API server of context "kind-agw" (...): <curl's reason>
//   the API server of context "kind-agw" (...) did not answer GET /api/v1 within 60 s
// Thread-safe (requests are serialized on one connection, kept alive between them).
Expected<std::unique_ptr<Transport>> MakeCurlTransport(const ClusterConnection& connection,
                                                       const Credentials& credentials,
                                                       const Environment& environment,
                                                       const TransportOptions& options = {});

}  // namespace agw::validate::cluster
