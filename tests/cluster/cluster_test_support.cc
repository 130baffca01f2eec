#include "tests/cluster/cluster_test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

namespace agw::validate::cluster::testing {

namespace {

// A TCP socket bound to 127.0.0.1 on an ephemeral port, listening when `backlog` > 0.
int BindLoopback(int backlog, std::uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  if (backlog > 0) {
    REQUIRE(::listen(fd, backlog) == 0);
  }
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  port = ntohs(address.sin_port);
  return fd;
}

}  // namespace

std::unique_ptr<test::FakeApiServer> StartServer(test::FakeApiAuth auth) {
  test::FakeApiServerOptions options;
  options.auth = auth;
  auto server = test::FakeApiServer::Start(options);
  REQUIRE(server.has_value());
  return std::move(*server);
}

std::string Route(const std::string& name, const std::string& labels) {
  return R"({"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute","metadata":{"name":")" +
         name + R"(","namespace":"default","labels":)" + labels +
         R"(},"spec":{"parentRefs":[{"name":"gw"}]}})";
}

std::string KubeconfigText(const std::string& server, const std::string& cluster_lines,
                           const std::string& user_lines) {
  return "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: " +
         server + "\n" + cluster_lines + "users:\n- name: fake-user\n  user:\n" +
         (user_lines.empty() ? "    {}\n" : user_lines) +
         "contexts:\n- name: fake\n  context: {cluster: fake, user: fake-user}\n"
         "current-context: fake\n";
}

std::string CaData(const std::string& pem) {
  return "    certificate-authority-data: " + EncodeBase64(pem) + "\n";
}

Environment BaseEnvironment(const test::TempDir& dir) {
  return {{"PATH", "/usr/bin:/bin"}, {"HOME", dir.path()}};
}

Expected<ClusterClient> ConnectTo(const std::string& kubeconfig_path, const Environment& env,
                                  TransportOptions transport) {
  ConnectOptions options;
  options.kubeconfig.explicit_path = kubeconfig_path;
  options.transport = transport;
  validate::manifest::DiskFileSystem disk;
  validate::manifest::SubprocessRunner runner;
  return Connect(options, env, disk, runner);
}

std::string Label(const test::FakeApiServer& server) {
  return "the API server of context \"fake\" (" + server.url() + ")";
}

std::string GetError(const std::string& kubeconfig, const Environment& env) {
  Expected<ClusterClient> client = ConnectTo(kubeconfig, env);
  REQUIRE(client.has_value());
  Expected<std::optional<std::string>> got = client->api->Get(kHttpRouteV1, "default", "web");
  REQUIRE_FALSE(got.has_value());
  return got.error().message;
}

std::uint16_t ClosedPort() {
  std::uint16_t port = 0;
  ::close(BindLoopback(0, port));
  return port;
}

SilentListener::SilentListener() { fd_ = BindLoopback(4, port_); }

SilentListener::~SilentListener() { ::close(fd_); }

ConnectProxy::ConnectProxy(std::uint16_t target_port) : target_port_(target_port) {
  listen_fd_ = BindLoopback(4, port_);
  thread_ = std::thread([this] { Loop(); });
}

ConnectProxy::~ConnectProxy() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);  // wakes the accept
  thread_.join();
  ::close(listen_fd_);
}

std::vector<std::string> ConnectProxy::RequestLines() const {
  std::lock_guard lock(mu_);
  return lines_;
}

void ConnectProxy::Loop() {
  for (;;) {
    int client = ::accept(listen_fd_, nullptr, nullptr);
    if (client < 0) {
      return;
    }
    Serve(client);
    ::close(client);
  }
}

void ConnectProxy::Serve(int client) {
  std::string head;
  char c;
  while (head.size() < 8192 && head.find("\r\n\r\n") == std::string::npos &&
         ::recv(client, &c, 1, 0) == 1) {
    head += c;
  }
  {
    std::lock_guard lock(mu_);
    lines_.push_back(head.substr(0, head.find("\r\n")));
  }
  int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(target_port_);
  if (::connect(upstream, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(upstream);
    return;
  }
  const std::string established = "HTTP/1.1 200 Connection established\r\n\r\n";
  ::send(client, established.data(), established.size(), MSG_NOSIGNAL);
  char buffer[16384];
  while (!stopping_) {
    pollfd fds[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
    if (::poll(fds, 2, 100) <= 0) {
      continue;
    }
    bool closed = false;
    for (int i = 0; i < 2 && !closed; ++i) {
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = ::recv(fds[i].fd, buffer, sizeof(buffer), 0);
        closed =
            n <= 0 || ::send(fds[1 - i].fd, buffer, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n;
      }
    }
    if (closed) {
      break;
    }
  }
  ::close(upstream);
}

}  // namespace agw::validate::cluster::testing
