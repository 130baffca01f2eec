#pragma once

// The echo backend the `run` CLI tests map Service default/echo to.

#include <catch2/catch.hpp>
#include <memory>

#include "tests/support/echo_server.h"

namespace agw::test {

inline std::unique_ptr<EchoServer> StartEchoService() {
  EchoServerOptions options;
  options.service = "echo";
  options.namespace_name = "default";
  auto echo = EchoServer::Start(options);
  REQUIRE(echo.has_value());
  return std::move(*echo);
}

}  // namespace agw::test
