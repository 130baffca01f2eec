#pragma once

// A tiny blocking HTTP/1.1 client for tests (Beast stays in http_client.cc). It sends exactly the
// header fields it is given, so tests control names, case and order, and it never follows
// redirects.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>
#include <vector>

namespace agw::test {

struct ClientRequest {
  std::string method = "GET";
  std::string target = "/";  // request target as sent: path plus optional ?query
  // Host header; when empty, "127.0.0.1:<port>". Set `omit_host` to send none.
  std::string host;
  bool omit_host = false;
  std::vector<std::pair<std::string, std::string>> headers;  // sent as given, in order
  std::string body;    // sent with Content-Length when non-empty
  int version = 11;    // 11 or 10
  bool close = false;  // send "Connection: close"
};

struct ClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // as received, in order
  std::string body;

  // The first value of `name` (case-insensitive), if any.
  std::optional<std::string> Header(std::string_view name) const;
  // Every field named `name` (case-insensitive), in order.
  std::vector<std::string> HeaderValues(std::string_view name) const;
  // The field names exactly as received (case preserved), in order.
  std::vector<std::string> HeaderNames() const;
};

// Sends each request in turn on one connection to 127.0.0.1:`port` and reads each response
// (HEAD responses without a body). Fails with a message on connect/IO errors or when the whole
// exchange takes longer than `timeout`.
tl::expected<std::vector<ClientResponse>, std::string> FetchAll(
    std::uint16_t port, const std::vector<ClientRequest>& requests,
    std::chrono::milliseconds timeout = std::chrono::seconds(10));

// One request on a fresh connection.
tl::expected<ClientResponse, std::string> Fetch(
    std::uint16_t port, const ClientRequest& request,
    std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace agw::test
