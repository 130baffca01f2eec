#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/http/headers.h"

namespace agw::emulator::route {

// What the route table needs of a request. The path and query are split at the first '?'.
struct Request {
  std::string method = "GET";
  std::string scheme = "http";
  std::string authority;  // the Host header as received, port included
  std::string path = "/";
  std::string query;  // without the '?'; empty when there is none
  http::HeaderList headers;

  // The host the data plane routes on: the authority without its port, lowercased.
  std::string Hostname() const;
  // "path?query" (or just the path).
  std::string PathAndQuery() const;
};

}  // namespace agw::emulator::route
