#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "emulator/route/plan.h"
#include "validate/manifest/error.h"
#include "validate/resolve/pipeline.h"

namespace agw::emulator::gateway {

// Where a backend is reached from this machine.
struct Endpoint {
  std::string host;
  int port = 0;
  bool tls = false;
  std::string sni;  // TLS server name; empty: `host`

  std::string ToString() const;
};

// Local stand-ins for cluster Services: "namespace/name:port" -> endpoints, from
// `--service NAMESPACE/NAME:PORT=HOST:PORT` (repeatable) or a mappings file. A Service port
// mapped more than once has several endpoints, like the several pods behind a Service.
class ServiceMap {
 public:
  // Parses "ns/name:port=host:port" (host may be [v6]); the error says what is wrong. A
  // Service port that is already mapped gets one more endpoint (an identical one is ignored).
  Expected<void> Add(const std::string& spec);
  // A YAML/JSON file: `services: [{service: ns/name:port, address: host:port}]` or a map
  // `ns/name:port: host:port`.
  Expected<void> AddFile(const std::string& path);
  // The endpoint of a Service port; with several, endpoint number `pick` modulo their count
  // (pass a random number to spread requests over them, as the data plane spreads them over
  // a Service's endpoints).
  std::optional<Endpoint> Find(const std::string& ns, const std::string& name, int port,
                               std::uint64_t pick = 0) const;
  // Whether any port of Service ns/name is mapped.
  bool Maps(const std::string& ns, const std::string& name) const;
  bool empty() const { return entries_.empty(); }

 private:
  std::map<std::string, std::vector<Endpoint>> entries_;  // "ns/name:port"
};

// Resolves what the data plane forwards to. `error` holds the response the gateway gives when
// a backend cannot be reached from here (an unmapped Service: 503 with how to map it; an
// AgentgatewayBackend type that is not emulated: 501). AI backends never get here: they take
// the LLM path (ServesLlm).
struct Destination {
  std::optional<Endpoint> endpoint;
  int error_status = 0;
  std::string error;
};

// `pick` chooses among a Service's endpoints (ServiceMap::Find).
Destination ResolveDestination(const validate::resolve::ResolvedBackend& backend,
                               const validate::model::Model& model, const ServiceMap& services,
                               std::uint64_t pick = 0);
Destination ResolveMirror(const route::MirrorTarget& mirror, const validate::model::Model& model,
                          const ServiceMap& services, std::uint64_t pick = 0);

}  // namespace agw::emulator::gateway
