#pragma once

// Shared between fake_api_handler.cc (what the fake API server answers, no sockets) and
// fake_api_server.cc (the TLS server around it). Not for tests to include.

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/fake_api_server.h"

namespace agw::test {

struct FakeApiState {
  FakeApiServerOptions options;
  FakePki pki;

  std::mutex mu;  // guards everything below
  struct TokenEntry {
    std::string user;
    bool forbidden = false;
  };
  std::map<std::string, TokenEntry> tokens;
  // By "group/plural", then (namespace, name) ("" namespace for cluster-scoped objects).
  std::map<std::string, std::map<std::pair<std::string, std::string>, nlohmann::ordered_json>>
      objects;
  std::vector<FakeApiRequest> requests;
};

// One request, as the TLS layer hands it over.
struct FakeApiCall {
  std::string method;
  std::string target;                                        // path and query as received
  std::vector<std::pair<std::string, std::string>> headers;  // names lower case
  std::string sni;
  std::string client_certificate_user;  // CN of a verified client certificate, else ""
};

struct FakeApiReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// Answers `call` and records it in state.requests. Locks state.mu.
FakeApiReply HandleFakeApiRequest(FakeApiState& state, const FakeApiCall& call);

// FakeApiServer::AddObject. Locks state.mu.
bool AddFakeApiObject(FakeApiState& state, const std::string& json);

}  // namespace agw::test
