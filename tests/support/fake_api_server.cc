// The TLS server of the fake API server: Beast + Asio SSL, one thread, one coroutine per
// connection. What it answers is decided in fake_api_handler.cc.
#include "tests/support/fake_api_server.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <iostream>
#include <thread>

#include "tests/support/fake_api_internal.h"

namespace agw::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

struct FakeApiServer::Impl {
  // Declared before `io` so it outlives the coroutines that io's destructor destroys.
  std::unique_ptr<FakeApiState> state = std::make_unique<FakeApiState>();
  std::unique_ptr<ssl::context> tls;
  net::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;
  std::uint16_t port = 0;
};

namespace {

// The common name of the verified client certificate, or "".
std::string VerifiedClientUser(SSL* ssl) {
  X509* peer = SSL_get0_peer_certificate(ssl);
  if (peer == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) {
    return "";
  }
  char name[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, name, sizeof(name));
  return name;
}

net::awaitable<void> Session(FakeApiState& state, ssl::context& tls, tcp::socket socket) {
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), tls);
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
  auto [handshake_ec] =
      co_await stream.async_handshake(ssl::stream_base::server, net::as_tuple(net::use_awaitable));
  if (handshake_ec) {
    co_return;
  }
  const char* sni = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
  FakeApiCall base;
  base.sni = sni != nullptr ? sni : "";
  base.client_certificate_user = VerifiedClientUser(stream.native_handle());
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> request;
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
    auto [read_ec, read_n] =
        co_await http::async_read(stream, buffer, request, net::as_tuple(net::use_awaitable));
    if (read_ec) {
      break;
    }
    FakeApiCall call = base;
    call.method = std::string(request.method_string());
    call.target = std::string(request.target());
    for (const auto& field : request) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      call.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    FakeApiReply reply = HandleFakeApiRequest(state, call);
    http::response<http::string_body> response{static_cast<http::status>(reply.status),
                                               request.version()};
    response.set(http::field::content_type, reply.content_type);
    response.set("Audit-Id", "00000000-0000-0000-0000-000000000000");
    response.body() = std::move(reply.body);
    response.keep_alive(request.keep_alive());
    response.prepare_payload();
    auto [write_ec, write_n] =
        co_await http::async_write(stream, response, net::as_tuple(net::use_awaitable));
    if (write_ec || !response.keep_alive()) {
      break;
    }
  }
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
  co_await stream.async_shutdown(net::as_tuple(net::use_awaitable));
}

net::awaitable<void> AcceptLoop(FakeApiState& state, ssl::context& tls, tcp::acceptor& acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(net::as_tuple(net::use_awaitable));
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) {
        co_return;
      }
      continue;
    }
    net::co_spawn(acceptor.get_executor(), Session(state, tls, std::move(socket)),
                  [](std::exception_ptr e) {
                    if (e) {
                      try {
                        std::rethrow_exception(e);
                      } catch (const std::exception& ex) {
                        std::cerr << "fake API server session: " << ex.what() << "\n";
                      }
                    }
                  });
  }
}

}  // namespace

FakeApiServer::FakeApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

tl::expected<std::unique_ptr<FakeApiServer>, std::string> FakeApiServer::Start(
    FakeApiServerOptions options) {
  auto impl = std::make_unique<Impl>();
  FakeApiState& state = *impl->state;
  tl::expected<FakePki, std::string> pki = GenerateFakePki(options.dns_names, options.client_user);
  if (!pki) {
    return tl::unexpected(pki.error());
  }
  state.pki = std::move(*pki);
  state.options = std::move(options);

  beast::error_code ec;
  impl->tls = std::make_unique<ssl::context>(ssl::context::tls_server);
  ssl::context& tls = *impl->tls;
  tls.use_certificate_chain(net::buffer(state.pki.server_cert_pem), ec);
  if (!ec) {
    tls.use_private_key(net::buffer(state.pki.server_key_pem), ssl::context::pem, ec);
  }
  if (!ec) {
    tls.add_certificate_authority(net::buffer(state.pki.ca_pem), ec);
  }
  if (ec) {
    return tl::unexpected("fake API server: cannot load its certificates: " + ec.message());
  }
  // Ask for a client certificate and verify one that is sent, but let clients without one in
  // (the real API server's VerifyClientCertIfGiven): they may bring a token instead.
  tls.set_verify_mode(ssl::verify_peer);
  // Send the server certificate alone, as kubeadm's and kind's API servers do, instead of letting
  // OpenSSL complete the chain from the CA store above.
  SSL_CTX_set_mode(tls.native_handle(), SSL_MODE_NO_AUTO_CHAIN);

  const tcp::endpoint endpoint(net::ip::make_address_v4("127.0.0.1"), 0);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    impl->acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return tl::unexpected("fake API server: cannot listen on 127.0.0.1: " + ec.message());
  }
  impl->port = impl->acceptor.local_endpoint().port();
  net::co_spawn(impl->io, AcceptLoop(state, tls, impl->acceptor), net::detached);
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] {
    try {
      raw->io.run();
    } catch (const std::exception& ex) {
      std::cerr << "fake API server: " << ex.what() << "\n";
    }
  });
  return std::unique_ptr<FakeApiServer>(new FakeApiServer(std::move(impl)));
}

FakeApiServer::~FakeApiServer() {
  if (!impl_) {
    return;
  }
  impl_->io.stop();
  if (impl_->thread.joinable()) {
    impl_->thread.join();
  }
  beast::error_code ec;
  impl_->acceptor.close(ec);
}

std::uint16_t FakeApiServer::port() const { return impl_->port; }

std::string FakeApiServer::url() const {
  return "https://127.0.0.1:" + std::to_string(impl_->port);
}

const std::string& FakeApiServer::CaPem() const { return impl_->state->pki.ca_pem; }

const std::string& FakeApiServer::ClientCertificatePem() const {
  return impl_->state->pki.client_cert_pem;
}

const std::string& FakeApiServer::ClientKeyPem() const { return impl_->state->pki.client_key_pem; }

void FakeApiServer::AddToken(const std::string& token, const std::string& user) {
  std::lock_guard lock(impl_->state->mu);
  impl_->state->tokens[token] = {user, false};
}

void FakeApiServer::AddForbiddenToken(const std::string& token, const std::string& user) {
  std::lock_guard lock(impl_->state->mu);
  impl_->state->tokens[token] = {user, true};
}

bool FakeApiServer::AddObject(const std::string& json) {
  return AddFakeApiObject(*impl_->state, json);
}

std::vector<FakeApiRequest> FakeApiServer::Requests() const {
  std::lock_guard lock(impl_->state->mu);
  return impl_->state->requests;
}

void FakeApiServer::ClearRequests() {
  std::lock_guard lock(impl_->state->mu);
  impl_->state->requests.clear();
}

}  // namespace agw::test
