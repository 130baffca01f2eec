#pragma once

// An in-process stand-in for the Gateway API conformance echo backend
// (kubernetes-sigs/gateway-api conformance/echo-basic/echo-basic.go, the image every conformance
// Deployment runs), for tests that put the emulator in front of real upstreams. It speaks plain
// HTTP/1.1 only (no h2c, TLS, WebSocket or gRPC). Beast stays in echo_server.cc, so including this
// header is cheap.
//
// What it answers (the contract of shared/reference/gateway-api.md §5.2):
//   /health         200 "OK"
//   /status/NNN     status NNN when the RequestURI is exactly /status/ and three digits, else 400
//   /ws             400 and close (a WebSocket handshake is not implemented)
//   anything else   the echo: logs "Echoing back request made to <RequestURI> to client (<addr>)",
//                   waits for ?delay=<Go duration> (500 with {"message": ...} if it does not
//                   parse), copies the `Name:value` pairs of X-Echo-Set-Header into the response,
//                   and replies 200 with Content-Type: application/json, X-Content-Type-Options:
//                   nosniff and the request as JSON (RenderEchoBody).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>
#include <vector>

namespace agw::test {

// Who the echo pod says it is. In the conformance Deployments only NAMESPACE and POD_NAME are
// set, so `ingress` and `service` are empty strings in every body.
struct EchoContext {
  std::string namespace_name;
  std::string ingress;
  std::string service;
  std::string pod;
};

// One request as the echo handler saw it.
struct EchoedRequest {
  std::string path;    // the RequestURI exactly as received, query included
  std::string host;    // the Host header as received, port included
  std::string method;  // as received
  std::string proto;   // "HTTP/1.1" or "HTTP/1.0"
  // Header fields as received, in order, names in their original case. Host and
  // Transfer-Encoding are left out of the body, as Go's server removes them from Request.Header.
  std::vector<std::pair<std::string, std::string>> headers;
};

// The echo body: Go's json.MarshalIndent(v, "", " ") of echo-basic's RequestAssertions. Keys in
// order path, host, method, proto, headers, namespace, ingress, service, pod, sni. `headers` maps
// canonical names (Go's CanonicalMIMEHeaderKey) to arrays of values in arrival order, keys
// sorted; strings are escaped as encoding/json does (<, > and & as \u003c, \u003e, \u0026).
std::string RenderEchoBody(const EchoedRequest& request, const EchoContext& context);

// Go's textproto.CanonicalMIMEHeaderKey: "x-header-add" -> "X-Header-Add". A name holding a
// byte that is not a token character is returned unchanged.
std::string CanonicalHeaderKey(std::string_view name);

// Go's time.ParseDuration ("1s", "500ms", "1h2m", "1.5s", "0"), with Go's error messages
// (`time: invalid duration "x"`, `time: missing unit in duration "1"`,
// `time: unknown unit "d" in duration "1d"`).
tl::expected<std::chrono::nanoseconds, std::string> ParseGoDuration(std::string_view text);

// The response headers that X-Echo-Set-Header asks for, given every value of that request header
// in order: each value is split on ',', each item trimmed and cut at its first ':'. A repeated name
// (same case) gets ",value" appended. Names keep the case written; items whose name is not a valid
// header name (e.g. the empty item the harness sends when it has nothing to set) are dropped, and
// values are trimmed, as Go's server does when it writes them.
std::vector<std::pair<std::string, std::string>> EchoSetHeaders(
    const std::vector<std::string>& x_echo_set_header_values);

// Deployment-style pod name "<service>-<hash>-<suffix>": a 10-character hash derived from the
// service name and a 5-character suffix derived from the replica index, both from Kubernetes'
// name alphabet, e.g. PodName("infra-backend-v1", 0) == "infra-backend-v1-<10>-<5>". The weight
// test strips the last two '-' segments to get the backend name back. Deterministic.
std::string PodName(std::string_view service, int replica);

struct EchoServerOptions {
  std::string service;         // Deployment/Service name, e.g. "infra-backend-v1"; names the pod
  std::string namespace_name;  // reported as "namespace"
  int replica = 0;             // which pod of the Deployment (changes the pod-name suffix)
  std::string pod;             // when non-empty, reported instead of PodName(service, replica)
  std::string ingress_name;    // INGRESS_NAME and SERVICE_NAME: "ingress" and "service" in the
  std::string service_name;    // body; empty in the conformance Deployments
  std::uint16_t port = 0;      // 0: an ephemeral port on 127.0.0.1
  bool print_log = false;      // also write each log line to stderr
};

// An echo backend listening on 127.0.0.1, served by its own thread (C++20 coroutines on one
// io_context: delayed replies wait on timers, so any number of requests can be in flight).
// HTTP/1.1 keep-alive is supported. The destructor stops the thread and closes every connection,
// including ones waiting on ?delay=. All const methods are thread-safe.
class EchoServer {
 public:
  // Binds and starts serving; fails with a message when the port cannot be bound.
  static tl::expected<std::unique_ptr<EchoServer>, std::string> Start(EchoServerOptions options);

  ~EchoServer();
  EchoServer(const EchoServer&) = delete;
  EchoServer& operator=(const EchoServer&) = delete;

  std::uint16_t port() const;
  std::string address() const;  // "127.0.0.1:<port>"
  const EchoContext& context() const;

  // The stdout log of the real echo pod, one entry per echo-handled request, e.g.
  // "Echoing back request made to /mirror to client (127.0.0.1:40312)".
  std::vector<std::string> LogLines() const;
  // Number of log lines so far; pass it to LogLinesSince to look only at later requests.
  std::size_t LogSize() const;
  std::vector<std::string> LogLinesSince(std::size_t mark) const;
  // How many echo-handled requests had exactly this RequestURI (the mirror tests' check).
  std::size_t CountRequestsTo(std::string_view request_uri) const;
  // Blocks until CountRequestsTo(request_uri) >= count or the timeout passes; returns whether
  // the count was reached.
  bool WaitForRequestsTo(std::string_view request_uri, std::size_t count,
                         std::chrono::milliseconds timeout) const;

 private:
  struct Impl;
  explicit EchoServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace agw::test
