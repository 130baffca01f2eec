#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "validate/manifest/error.h"
#include "validate/model/model.h"

namespace agw::emulator::io {

// TLS termination for one Gateway port whose listeners are HTTPS: one certificate per
// listener (from its certificateRefs Secret, keys tls.crt and tls.key), chosen by the client's
// SNI the way listeners are chosen by hostname: exact, then the longest wildcard, then a
// listener without hostname.
class ServerTls {
 public:
  struct Listener {
    const validate::model::Gateway* gateway = nullptr;
    const validate::model::Listener* listener = nullptr;
  };

  // Null when none of `listeners` is HTTPS (the port serves plain HTTP). A listener whose
  // certificate Secret is not in the manifests gets a self-signed certificate for its hostname,
  // and `notes` says so; a Secret that is there but unusable is an error.
  static Expected<std::unique_ptr<ServerTls>> Make(const std::vector<Listener>& listeners,
                                                   const validate::model::Model& model,
                                                   std::vector<std::string>& notes);
  ~ServerTls();

  // The context a handshake starts with; the SNI callback switches to the matching one.
  boost::asio::ssl::context& context() { return *contexts_.front().context; }

 private:
  struct HostContext {
    std::string hostname;  // "" matches any SNI
    std::unique_ptr<boost::asio::ssl::context> context;
  };
  static int OnServerName(void* ssl, int* alert, void* self);
  boost::asio::ssl::context* Select(std::string_view server_name);

  std::vector<HostContext> contexts_;
};

}  // namespace agw::emulator::io
