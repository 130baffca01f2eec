#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "emulator/gateway/ai_backends.h"
#include "emulator/gateway/endpoints.h"
#include "emulator/gateway/snapshot.h"
#include "emulator/policy/global_rate_limit.h"
#include "emulator/route/table.h"
#include "validate/manifest/error.h"
#include "validate/resolve/pipeline.h"

namespace agw::emulator::io {

// The snapshot a server serves, and how one is made: the per-request core's (emulator/gateway).
using gateway::MakeSnapshot;
using gateway::Snapshot;

struct ServerOptions {
  std::string address = "127.0.0.1";
  // Gateway listener port -> local port ("--port 80=8080"); 0 picks a free port. Ports not in
  // the map are served on the same number.
  std::map<int, int> port_map;
  // One Gateway's port -> local port ("--port ns/name:80=8081"), for Gateways that share a
  // port number (each has its own address on a cluster). Wins over port_map.
  std::map<std::string, int> bind_port_map;
  gateway::ServiceMap services;
  gateway::AiOptions ai;
  // The limits of run's in-process rate-limit service, the stand-in for the service a
  // traffic.rateLimit.global policy names (--rate-limit-config files).
  policy::RateLimitServiceConfig rate_limit_config;
  std::size_t max_request_body = 10 * 1024 * 1024;
  std::size_t max_header_bytes = 64 * 1024;
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds read_timeout{30'000};       // for a request's header and body
  std::chrono::milliseconds upstream_timeout{300'000};  // when no route timeout applies
  int threads = 0;                                      // 0: one per core
  bool json_log = false;
  std::ostream* access_log = nullptr;  // null: no access log
  // Failures that are not a request's answer (a request the gateway could not handle, accept
  // pausing on the file-descriptor limit). Null: not logged.
  std::ostream* error_log = nullptr;
  // Called with each request before it is routed; tests make it throw to check that a request
  // whose handling fails gets a 500 and a log line and the server goes on.
  std::function<void(const route::Request&)> on_request_for_test;
  std::string admin_address = "127.0.0.1";
  int admin_port = 15000;  // -1: no admin listener; 0: a free port
};

// A local address serving one Gateway listener port.
struct BoundListener {
  route::Bind bind;     // in the snapshot given to Start (its Gateway dies with that snapshot)
  std::string key;      // "namespace/name:port", the bind's name in every snapshot
  std::string gateway;  // "namespace/name"
  int gateway_port = 0;
  std::string address;
  int local_port = 0;
  bool tls = false;  // HTTPS listeners: TLS is terminated here with their certificates
  std::vector<std::string> notes;  // e.g. a certificate Secret missing: self-signed instead
  std::vector<std::string> listener_names;
};

// What a reload did to the listening ports.
struct ReloadReport {
  std::vector<BoundListener> opened;  // Gateway ports new in the snapshot, served from now on
  std::vector<BoundListener> closed;  // Gateway ports gone from it: no longer accepted
  std::vector<std::string> failed;    // Gateway ports that could not be opened, and why
};

// The data plane: one acceptor per Gateway listener port (on every thread, SO_REUSEPORT), one
// coroutine per connection, upstream connections kept alive per connection, bodies relayed as
// they arrive. Thread-safe: Reload may be called from any thread, one call at a time.
//
// A port another process listens on is an error (SO_REUSEPORT alone would let two `run`s share
// it, each answering part of the requests with its own configuration), and so is a local port
// two Gateways would share.
class Server {
 public:
  static Expected<std::unique_ptr<Server>> Start(std::shared_ptr<const Snapshot> snapshot,
                                                 ServerOptions options);
  ~Server();

  // The Gateway ports served now, in the order they were opened.
  std::vector<BoundListener> listeners() const;
  int admin_port() const;

  // Serves `snapshot` from the next request on, opening the Gateway ports that are new in it
  // and closing those it no longer has (connections already open on a closed port stay until
  // they go idle; their requests find no listener: 404). A port that cannot be opened is
  // reported and the rest of the snapshot is served.
  ReloadReport Reload(std::shared_ptr<const Snapshot> snapshot);

  // Stops accepting, lets in-flight requests finish (up to `grace`), then stops.
  void Shutdown(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  // Blocks until Shutdown has completed.
  void Wait();

  class Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace agw::emulator::io
