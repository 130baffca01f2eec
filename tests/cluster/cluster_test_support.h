#pragma once

// Helpers for the tests that run the cluster client against the fake API server: kubeconfig
// text, a connect call on the real disk and processes, and small socket stand-ins (a closed
// port, a listener that never answers, an HTTP CONNECT proxy).

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/fake_api_server.h"
#include "tests/support/run.h"
#include "validate/cluster/connect.h"

namespace agw::validate::cluster::testing {

inline const GroupVersionKind kHttpRouteV1{"gateway.networking.k8s.io", "v1", "HTTPRoute"};

// A started fake API server (the test fails when it cannot start).
std::unique_ptr<test::FakeApiServer> StartServer(test::FakeApiAuth auth);

// An HTTPRoute default/<name> with `labels` (a JSON object) as JSON.
std::string Route(const std::string& name, const std::string& labels = "{}");

// A kubeconfig with one context "fake" (cluster "fake", user "fake-user") for `server`;
// `cluster_lines` and `user_lines` are YAML lines indented by four spaces.
std::string KubeconfigText(const std::string& server, const std::string& cluster_lines,
                           const std::string& user_lines);

// "    certificate-authority-data: <base64 of pem>\n".
std::string CaData(const std::string& pem);

// PATH for the plugins' shell scripts and a HOME without a kubeconfig.
Environment BaseEnvironment(const test::TempDir& dir);

// Connect with --kubeconfig `kubeconfig_path`, the disk and real processes.
Expected<ClusterClient> ConnectTo(const std::string& kubeconfig_path, const Environment& env,
                                  TransportOptions transport = {});

// How errors name the fake server: `the API server of context "fake" (https://127.0.0.1:N)`.
std::string Label(const test::FakeApiServer& server);

// The error of reading HTTPRoute default/web through `kubeconfig` (the test fails on success).
std::string GetError(const std::string& kubeconfig, const Environment& env);

// A port on 127.0.0.1 that nothing listens on.
std::uint16_t ClosedPort();

// A listening socket on 127.0.0.1 that never accepts: connections open, then hear nothing.
class SilentListener {
 public:
  SilentListener();
  ~SilentListener();
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// An HTTP CONNECT proxy on 127.0.0.1 that tunnels every CONNECT to 127.0.0.1:target_port,
// whatever host it names (so names like kubernetes.test need no DNS), one client at a time.
class ConnectProxy {
 public:
  explicit ConnectProxy(std::uint16_t target_port);
  ~ConnectProxy();
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // The first line of every CONNECT request so far.
  std::vector<std::string> RequestLines() const;

 private:
  void Loop();
  void Serve(int client);

  std::uint16_t target_port_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

}  // namespace agw::validate::cluster::testing
