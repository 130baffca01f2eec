// The HTTP side of `run`: each input is every byte one client sends on one connection (any
// number of requests, pipelined, cut anywhere), served by a real in-process emulator: request
// parsing, framing checks, routing and filters, relays to a local upstream, redirects, CORS, and
// AI routes answered by --mock-providers through the provider translations. The answer is read
// until the emulator closes the connection; whatever it is, the process must survive it.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "emulator/io/server.h"
#include "validate/manifest/file_system.h"
#include "validate/resolve/pipeline.h"

namespace agw::emulator::io {
namespace {

constexpr char kManifests[] = R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: agentgateway
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: ["example.com", "*.example.org"]
  rules:
  - matches: [{path: {type: PathPrefix, value: /web}, headers: [{name: x-v, value: "2"}]}]
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier: {add: [{name: X-Added, value: v2}], remove: [x-remove]}
    - type: ResponseHeaderModifier
      responseHeaderModifier: {set: [{name: X-Served, value: web}]}
    backendRefs: [{name: upstream, port: 8080}]
  - matches: [{path: {type: RegularExpression, value: "/re/[a-z]+/[0-9]{1,4}"}}]
    filters:
    - type: URLRewrite
      urlRewrite: {hostname: rewritten.example, path: {type: ReplaceFullPath, replaceFullPath: /x}}
    backendRefs: [{name: upstream, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /web}, queryParams: [{name: q, value: "1"}], method: POST}]
    timeouts: {request: 1s}
    backendRefs: [{name: upstream, port: 8080, weight: 3}, {name: unmapped, port: 8080, weight: 1}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: edges, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {type: Exact, value: /redirect}}]
    filters:
    - type: RequestRedirect
      requestRedirect: {scheme: https, hostname: elsewhere.example, statusCode: 301}
  - matches: [{path: {type: PathPrefix, value: /cors}}]
    filters:
    - type: CORS
      cors: {allowOrigins: ["https://*.example.com"], allowMethods: [GET, POST], allowCredentials: true}
    backendRefs: [{name: upstream, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /gpt}}]
    backendRefs: [{group: agentgateway.dev, kind: AgentgatewayBackend, name: gpt}]
  - matches: [{path: {type: PathPrefix, value: /claude}}]
    backendRefs: [{group: agentgateway.dev, kind: AgentgatewayBackend, name: claude}]
  - matches: [{path: {type: PathPrefix, value: /gemini}}]
    backendRefs: [{group: agentgateway.dev, kind: AgentgatewayBackend, name: gemini}]
  - matches: [{path: {type: PathPrefix, value: /bedrock}}]
    backendRefs: [{group: agentgateway.dev, kind: AgentgatewayBackend, name: bedrock}]
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: gpt, namespace: default}
spec:
  ai: {provider: {openai: {model: gpt-4o-mini}}}
  policies:
    ai:
      routes: {"/gpt/v1/chat/completions": Completions, "/gpt/v1/messages": Messages,
               "/gpt/v1/responses": Responses, "/gpt/v1/embeddings": Embeddings, "*": Passthrough}
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: claude, namespace: default}
spec:
  ai: {provider: {anthropic: {model: claude-x}}}
  policies:
    ai:
      routes: {"/claude/v1/messages": Messages, "/claude/v1/messages/count_tokens": AnthropicTokenCount}
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: gemini, namespace: default}
spec:
  ai: {provider: {gemini: {model: gemini-2.5-flash}}}
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: bedrock, namespace: default}
spec:
  ai: {provider: {bedrock: {model: anthropic.claude-3-haiku, region: us-east-1}}}
  policies:
    auth: {key: not-a-real-key}
)";

// Answers every request on 127.0.0.1 with a small fixed response once its head has come, one
// thread per connection, and closes.
class FixedUpstream {
 public:
  FixedUpstream() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::listen(listen_fd_, 64) != 0) {
      std::abort();
    }
    socklen_t length = sizeof(address);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    std::thread([fd = listen_fd_] {
      for (;;) {
        int connection = ::accept(fd, nullptr, nullptr);
        if (connection < 0) continue;
        std::thread(Answer, connection).detach();
      }
    }).detach();
  }
  std::uint16_t port() const { return port_; }

 private:
  static void Answer(int connection) {
    std::string seen;
    char buffer[4096];
    while (seen.find("\r\n\r\n") == std::string::npos && seen.size() < (1 << 20)) {
      pollfd p{connection, POLLIN, 0};
      if (::poll(&p, 1, 2000) <= 0) break;
      ssize_t n = ::recv(connection, buffer, sizeof(buffer), 0);
      if (n <= 0) break;
      seen.append(buffer, static_cast<std::size_t>(n));
    }
    static constexpr char kAnswer[] =
        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n"
        "connection: close\r\n\r\nok";
    ::send(connection, kAnswer, sizeof(kAnswer) - 1, MSG_NOSIGNAL);
    ::close(connection);
  }

  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
};

struct Harness {
  FixedUpstream upstream;
  std::unique_ptr<Server> server;
  std::uint16_t port = 0;

  Harness() {
    validate::manifest::InMemoryFileSystem files;
    files.AddFile("m.yaml", kManifests);
    validate::manifest::LoadOptions load;
    load.paths = {"m.yaml"};
    auto pipeline =
        validate::resolve::RunPipeline(load, files, validate::resolve::ResolveOptions{});
    if (pipeline->input_errors != 0) std::abort();
    ServerOptions options;
    options.port_map = {{80, 0}};
    options.admin_port = -1;
    options.threads = 1;
    options.ai.mock_providers = true;
    options.read_timeout = std::chrono::milliseconds(1000);
    options.idle_timeout = std::chrono::milliseconds(1000);
    options.upstream_timeout = std::chrono::milliseconds(2000);
    options.max_request_body = 1 << 20;
    if (!options.services.Add("default/upstream:8080=127.0.0.1:" +
                              std::to_string(upstream.port()))) {
      std::abort();
    }
    auto started = Server::Start(MakeSnapshot(std::move(pipeline)), std::move(options));
    if (!started) std::abort();
    server = std::move(*started);
    port = static_cast<std::uint16_t>(server->listeners()[0].local_port);
  }

  // A connection to the emulator from a source address of its own: each closed connection
  // holds its address pair in TIME_WAIT for a minute, and at ~800 inputs a second one source
  // address runs out of ports. 127.0.0.2 to 127.255.255.254 in turn, 28,000 ports each.
  int Connect() const {
    static std::uint32_t next_source = 0;
    for (int attempt = 0; attempt < 4; ++attempt) {
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in source{};
      source.sin_family = AF_INET;
      source.sin_addr.s_addr = htonl(0x7F000002u + (next_source++ % 0x00FFFFFCu));
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(port);
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof(source)) == 0 &&
          ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
        return fd;
      }
      ::close(fd);
    }
    std::fprintf(stderr, "session_fuzz: the emulator does not accept connections\n");
    std::abort();  // a listener that stopped accepting is a finding
  }

  // Sends `bytes` on a fresh connection, ends the sending side, and reads until the emulator
  // closes (or 3 s pass, which only a hang would take).
  void Serve(const std::uint8_t* data, std::size_t size) const {
    int fd = Connect();
    timeval send_timeout{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof(send_timeout));
    std::size_t sent = 0;
    while (sent < size) {
      ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
      if (n <= 0) break;  // the emulator answered and closed before reading everything
      sent += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    char buffer[16384];
    for (;;) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 3000) <= 0) break;
      if (::recv(fd, buffer, sizeof(buffer), 0) <= 0) break;
    }
    ::close(fd);
  }
};

}  // namespace
}  // namespace agw::emulator::io

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const agw::emulator::io::Harness* harness = new agw::emulator::io::Harness();
  harness->Serve(data, size);
  return 0;
}
