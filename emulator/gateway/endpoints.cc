#include "emulator/gateway/endpoints.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "validate/manifest/diagnostic.h"
#include "validate/manifest/source.h"
#include "validate/manifest/yaml_reader.h"

namespace agw::emulator::gateway {
namespace {

std::optional<std::pair<std::string, int>> SplitHostPort(const std::string& text) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return std::nullopt;
  }
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  try {
    std::size_t used = 0;
    int port = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || port < 1 || port > 65535) {
      return std::nullopt;
    }
    return std::pair(host, port);
  } catch (...) {
    return std::nullopt;
  }
}

Destination Unmapped(const std::string& ns, const std::string& name, int port) {
  Destination destination;
  destination.error_status = 503;
  destination.error = "Service " + ns + "/" + name + ":" + std::to_string(port) +
                      " has no local address. Map it with --service " + ns + "/" + name + ":" +
                      std::to_string(port) + "=HOST:PORT (for example 127.0.0.1:8080)\n";
  return destination;
}

Destination ServiceDestination(const std::string& ns, const std::string& name,
                               std::optional<int> port, const validate::model::Model& model,
                               const ServiceMap& services, std::uint64_t pick) {
  int service_port = port.value_or(0);
  if (auto endpoint = services.Find(ns, name, service_port, pick)) {
    return Destination{endpoint, 0, {}};
  }
  for (const validate::model::Service& service : model.services) {
    if (service.metadata.namespace_ == ns && service.metadata.name == name &&
        service.type == "ExternalName" && service.external_name) {
      // An ExternalName Service is a DNS alias: connect to that name on the same port.
      return Destination{Endpoint{*service.external_name, service_port, false, ""}, 0, {}};
    }
  }
  return Unmapped(ns, name, service_port);
}

}  // namespace

std::string Endpoint::ToString() const {
  return (tls ? "https://" : "http://") + host + ":" + std::to_string(port);
}

Expected<void> ServiceMap::Add(const std::string& spec) {
  std::size_t equals = spec.find('=');
  std::size_t slash = spec.find('/');
  if (equals == std::string::npos || slash == std::string::npos || slash > equals) {
    return MakeError("invalid service mapping \"" + spec +
                     "\": expected NAMESPACE/NAME:PORT=HOST:PORT");
  }
  std::string service = spec.substr(0, equals);
  auto service_port = SplitHostPort(service);
  auto address = SplitHostPort(spec.substr(equals + 1));
  if (!service_port || !address) {
    return MakeError("invalid service mapping \"" + spec +
                     "\": expected NAMESPACE/NAME:PORT=HOST:PORT");
  }
  std::vector<Endpoint>& endpoints = entries_[service];
  bool known = std::any_of(endpoints.begin(), endpoints.end(), [&](const Endpoint& endpoint) {
    return endpoint.host == address->first && endpoint.port == address->second;
  });
  if (!known) {
    endpoints.push_back(Endpoint{address->first, address->second, false, ""});
  }
  return {};
}

Expected<void> ServiceMap::AddFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return MakeError("cannot read service mappings \"" + path + "\"");
  }
  std::ostringstream text;
  text << in.rdbuf();
  validate::manifest::SourceFile file(path, text.str());
  validate::manifest::DiagnosticSink sink;
  std::vector<validate::manifest::Document> documents =
      validate::manifest::ParseDocuments(file, sink);
  if (sink.HasErrors() || documents.size() != 1 || !documents[0].root.is_map()) {
    return MakeError("service mappings \"" + path + "\" must be one YAML or JSON object");
  }
  const validate::manifest::Value& root = documents[0].root;
  if (const validate::manifest::Value* list = root.Find("services");
      list != nullptr && list->is_sequence()) {
    for (const validate::manifest::Value& item : list->items()) {
      const validate::manifest::Value* service = item.Find("service");
      const validate::manifest::Value* address = item.Find("address");
      if (service == nullptr || address == nullptr) {
        return MakeError(path + ":" + std::to_string(item.position().line) +
                         ": each entry needs `service` and `address`");
      }
      if (auto added = Add(service->text() + "=" + address->text()); !added) {
        return added;
      }
    }
    return {};
  }
  for (const validate::manifest::MapEntry& entry : root.entries()) {
    if (auto added = Add(entry.key + "=" + entry.value.text()); !added) {
      return added;
    }
  }
  return {};
}

bool ServiceMap::Maps(const std::string& ns, const std::string& name) const {
  std::string prefix = ns + "/" + name + ":";
  auto it = entries_.lower_bound(prefix);
  return it != entries_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

std::optional<Endpoint> ServiceMap::Find(const std::string& ns, const std::string& name, int port,
                                         std::uint64_t pick) const {
  auto it = entries_.find(ns + "/" + name + ":" + std::to_string(port));
  if (it == entries_.end() || it->second.empty()) {
    return std::nullopt;
  }
  return it->second[pick % it->second.size()];
}

Destination ResolveDestination(const validate::resolve::ResolvedBackend& backend,
                               const validate::model::Model& model, const ServiceMap& services,
                               std::uint64_t pick) {
  using Kind = validate::resolve::ResolvedBackend::Kind;
  if (backend.kind == Kind::kService) {
    return ServiceDestination(backend.namespace_, backend.name, backend.port, model, services,
                              pick);
  }
  if (backend.kind == Kind::kAgentgatewayBackend) {
    const validate::model::AgentgatewayBackend* target = backend.backend;
    if (target == nullptr) {
      return Destination{std::nullopt, 500,
                         "AgentgatewayBackend " + backend.namespace_ + "/" + backend.name +
                             " is not in the manifests\n"};
    }
    if (target->static_ && target->static_->host && target->static_->port) {
      Endpoint endpoint{*target->static_->host, *target->static_->port, false, ""};
      if (target->policies && target->policies->tls) {
        endpoint.tls = true;
        endpoint.sni = target->policies->tls->sni.value_or(endpoint.host);
      }
      return Destination{endpoint, 0, {}};
    }
    // AI backends never get here: gateway::ServesLlm sends them down the LLM path.
    return Destination{std::nullopt, 501,
                       "AgentgatewayBackend " + backend.namespace_ + "/" + backend.name +
                           ": this backend type is not emulated\n"};
  }
  return Destination{std::nullopt, 500, "backend cannot be served: " + backend.problem + "\n"};
}

Destination ResolveMirror(const route::MirrorTarget& mirror, const validate::model::Model& model,
                          const ServiceMap& services, std::uint64_t pick) {
  return ServiceDestination(mirror.namespace_, mirror.name, mirror.port, model, services, pick);
}

}  // namespace agw::emulator::gateway
