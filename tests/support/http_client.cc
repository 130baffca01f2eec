#include "tests/support/http_client.h"

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <exception>

namespace agw::test {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Serialised by hand so the header fields go out exactly as the test wrote them.
std::string Serialize(const ClientRequest& request, std::uint16_t port) {
  std::string out = request.method + " " + request.target +
                    (request.version == 10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
  if (!request.omit_host) {
    out += "Host: " + (request.host.empty() ? "127.0.0.1:" + std::to_string(port) : request.host) +
           "\r\n";
  }
  for (const auto& [name, value] : request.headers) {
    out += name + ": " + value + "\r\n";
  }
  if (!request.body.empty()) {
    out += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  }
  if (request.close) {
    out += "Connection: close\r\n";
  }
  out += "\r\n";
  out += request.body;
  return out;
}

net::awaitable<void> Exchange(std::uint16_t port, const std::vector<ClientRequest>& requests,
                              std::chrono::milliseconds timeout,
                              std::vector<ClientResponse>& responses, std::string& error) {
  beast::tcp_stream stream(co_await net::this_coro::executor);
  stream.expires_after(timeout);
  auto [connect_ec] =
      co_await stream.async_connect(tcp::endpoint(net::ip::make_address_v4("127.0.0.1"), port),
                                    net::as_tuple(net::use_awaitable));
  if (connect_ec) {
    error = "connect to 127.0.0.1:" + std::to_string(port) + ": " + connect_ec.message();
    co_return;
  }
  beast::flat_buffer buffer;
  for (const auto& request : requests) {
    const std::string wire = Serialize(request, port);
    auto [write_ec, written] =
        co_await net::async_write(stream, net::buffer(wire), net::as_tuple(net::use_awaitable));
    if (write_ec) {
      error = "write: " + write_ec.message();
      co_return;
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    if (request.method == "HEAD") {
      parser.skip(true);
    }
    auto [read_ec, read] =
        co_await http::async_read(stream, buffer, parser, net::as_tuple(net::use_awaitable));
    if (read_ec) {
      error = "read: " + read_ec.message();
      co_return;
    }
    auto message = parser.release();
    ClientResponse response;
    response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    response.body = std::move(message.body());
    responses.push_back(std::move(response));
  }
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

}  // namespace

std::optional<std::string> ClientResponse::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (EqualsIgnoreCase(n, name)) {
      return v;
    }
  }
  return std::nullopt;
}

std::vector<std::string> ClientResponse::HeaderValues(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : headers) {
    if (EqualsIgnoreCase(n, name)) {
      out.push_back(v);
    }
  }
  return out;
}

std::vector<std::string> ClientResponse::HeaderNames() const {
  std::vector<std::string> out;
  for (const auto& [n, v] : headers) {
    out.push_back(n);
  }
  return out;
}

tl::expected<std::vector<ClientResponse>, std::string> FetchAll(
    std::uint16_t port, const std::vector<ClientRequest>& requests,
    std::chrono::milliseconds timeout) {
  net::io_context io;
  std::vector<ClientResponse> responses;
  std::string error;
  net::co_spawn(io, Exchange(port, requests, timeout, responses, error),
                [&error](std::exception_ptr e) {
                  if (e) {
                    try {
                      std::rethrow_exception(e);
                    } catch (const std::exception& ex) {
                      error = ex.what();
                    }
                  }
                });
  io.run();
  if (!error.empty()) {
    return tl::unexpected<std::string>(error);
  }
  return responses;
}

tl::expected<ClientResponse, std::string> Fetch(std::uint16_t port, const ClientRequest& request,
                                                std::chrono::milliseconds timeout) {
  auto responses = FetchAll(port, {request}, timeout);
  if (!responses) {
    return tl::unexpected<std::string>(responses.error());
  }
  return std::move(responses->front());
}

}  // namespace agw::test
