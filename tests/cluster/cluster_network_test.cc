// The cluster client's network edges against real sockets on 127.0.0.1: a refused connection, a
// server that never answers, HTTP CONNECT proxies, and the response size limit.
#include <catch2/catch.hpp>

#include "tests/cluster/cluster_test_support.h"

namespace agw::validate::cluster::testing {
namespace {

const GroupVersionKind kHttpRoute = kHttpRouteV1;

TEST_CASE("A closed port is reported as unreachable with the context and server") {
  test::TempDir dir;
  std::string url = "https://127.0.0.1:" + std::to_string(ClosedPort());
  std::string kubeconfig =
      dir.Write("config", KubeconfigText(url, "    insecure-skip-tls-verify: true\n", ""));
  CHECK(GetError(kubeconfig, BaseEnvironment(dir)) ==
        "cannot reach the API server of context \"fake\" (" + url + "): Connection refused");
}

TEST_CASE("A server that never completes the handshake times out in bounded time") {
  SilentListener silent;
  test::TempDir dir;
  std::string url = "https://127.0.0.1:" + std::to_string(silent.port());
  std::string kubeconfig =
      dir.Write("config", KubeconfigText(url, "    insecure-skip-tls-verify: true\n", ""));
  TransportOptions transport;
  transport.request_timeout = std::chrono::milliseconds(300);
  Expected<ClusterClient> client = ConnectTo(kubeconfig, BaseEnvironment(dir), transport);
  REQUIRE(client.has_value());
  CHECK(client->api->Resource(kHttpRoute).error().message ==
        "cannot reach the API server of context \"fake\" (" + url +
            "): no connection within 300 ms");
}

TEST_CASE("A proxy from proxy-url or HTTPS_PROXY carries the connection") {
  auto server = StartServer(test::FakeApiAuth::kBearerToken);
  server->AddToken("t", "u");
  ConnectProxy proxy(server->port());
  test::TempDir dir;
  // A host name only the proxy can reach: the client never resolves it itself.
  const std::string url = "https://kubernetes.test:" + std::to_string(server->port());
  std::string kubeconfig = dir.Write(
      "config",
      KubeconfigText(url, CaData(server->CaPem()) + "    proxy-url: " + proxy.url() + "\n",
                     "    token: t\n    as: jane\n    as-groups: [ops, dev]\n"));
  {
    Expected<ClusterClient> client = ConnectTo(kubeconfig, BaseEnvironment(dir));
    REQUIRE(client.has_value());
    Expected<std::optional<std::string>> got = client->api->Get(kHttpRoute, "default", "web");
    INFO((got ? "" : got.error().message));
    REQUIRE(got.has_value());
  }
  CHECK(proxy.RequestLines() ==
        std::vector<std::string>{"CONNECT kubernetes.test:" + std::to_string(server->port()) +
                                 " HTTP/1.1"});
  test::FakeApiRequest last = server->Requests().back();
  CHECK(last.sni == "kubernetes.test");
  CHECK(last.impersonate_user == "jane");
  CHECK(last.impersonate_groups == std::vector<std::string>{"ops", "dev"});

  dir.Write("config", KubeconfigText(url, CaData(server->CaPem()), "    token: t\n"));
  Environment env = BaseEnvironment(dir);
  env["HTTPS_PROXY"] = proxy.url();
  env["NO_PROXY"] = "example.com";
  {
    Expected<ClusterClient> client = ConnectTo(kubeconfig, env);
    REQUIRE(client.has_value());
    Expected<std::optional<std::string>> got = client->api->Get(kHttpRoute, "default", "web");
    INFO((got ? "" : got.error().message));
    REQUIRE(got.has_value());
  }
  CHECK(proxy.RequestLines().size() == 2);
}

TEST_CASE("An answer over the size limit is refused") {
  auto server = StartServer(test::FakeApiAuth::kBearerToken);
  server->AddToken("t", "u");
  test::TempDir dir;
  std::string kubeconfig =
      dir.Write("config", KubeconfigText(server->url(), CaData(server->CaPem()), "    token: t\n"));
  TransportOptions transport;
  transport.max_response_bytes = 256;
  Expected<ClusterClient> client = ConnectTo(kubeconfig, BaseEnvironment(dir), transport);
  REQUIRE(client.has_value());
  CHECK(client->api->Resource(kHttpRoute).error().message ==
        "the answer of " + Label(*server) +
            " to GET /apis/gateway.networking.k8s.io/v1 exceeds 256 bytes");
}

}  // namespace
}  // namespace agw::validate::cluster::testing
