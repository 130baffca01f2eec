// CurlGuardCaller against a hand-written HTTP server on 127.0.0.1 (port 0, raw sockets, so each
// test sees exactly what arrives). Every test is bounded in time: the caller's timeout is short
// and the server stops polling when the test ends.

#include "emulator/io/guard_caller.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace agw::emulator::io {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct ReceivedRequest {
  std::string request_line;
  http::HeaderList headers;  // as received, in order
  std::string body;
};

// Listens on 127.0.0.1:0 and serves one connection: reads one request (Content-Length framed),
// records it, then writes `answer` and closes, or, without an answer, holds the connection
// until the server is destroyed.
class OneRequestServer {
 public:
  explicit OneRequestServer(std::optional<std::string> answer) : answer_(std::move(answer)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(listen_fd_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    REQUIRE(::listen(listen_fd_, 4) == 0);
    socklen_t length = sizeof(address);
    REQUIRE(::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }

  ~OneRequestServer() {
    stopping_ = true;
    thread_.join();
    ::close(listen_fd_);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::uint16_t port() const { return port_; }

  std::optional<ReceivedRequest> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  // Waits until `fd` is readable or the server stops; false when it stops.
  bool WaitReadable(int fd) const {
    while (!stopping_) {
      pollfd entry{fd, POLLIN, 0};
      if (::poll(&entry, 1, 20) > 0) {
        return true;
      }
    }
    return false;
  }

  void Serve() {
    if (!WaitReadable(listen_fd_)) {
      return;
    }
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) {
      return;
    }
    std::string data;
    std::size_t head_end = std::string::npos;
    std::size_t body_length = 0;
    char buffer[65536];
    while (WaitReadable(fd)) {
      ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
      if (n <= 0) {
        break;
      }
      data.append(buffer, static_cast<std::size_t>(n));
      if (head_end == std::string::npos) {
        head_end = data.find("\r\n\r\n");
        if (head_end == std::string::npos) {
          continue;
        }
        Record(data.substr(0, head_end), body_length);
      }
      if (data.size() >= head_end + 4 + body_length) {
        std::lock_guard lock(mutex_);
        received_->body = data.substr(head_end + 4, body_length);
        break;
      }
    }
    if (answer_) {
      ::send(fd, answer_->data(), answer_->size(), MSG_NOSIGNAL);
    } else {
      // Never answers: hold the connection open until the test is over.
      while (!stopping_) {
        std::this_thread::sleep_for(10ms);
      }
    }
    ::close(fd);
  }

  void Record(const std::string& head, std::size_t& body_length) {
    ReceivedRequest request;
    std::size_t at = head.find("\r\n");
    request.request_line = head.substr(0, at);
    while (at != std::string::npos) {
      std::size_t next = head.find("\r\n", at + 2);
      std::string line = head.substr(at + 2, next == std::string::npos ? next : next - at - 2);
      std::size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') {
        value.erase(0, 1);
      }
      if (http::HeaderNameEquals(name, "content-length")) {
        body_length = std::stoul(value);
      }
      request.headers.emplace_back(name, value);
      at = next;
    }
    std::lock_guard lock(mutex_);
    received_ = std::move(request);
  }

  std::optional<std::string> answer_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::optional<ReceivedRequest> received_;
  std::thread thread_;
};

std::string HttpAnswer(int status, const std::string& reason, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\ncontent-type: application/json\r\ncontent-length: " + std::to_string(body.size()) +
         "\r\nconnection: close\r\n\r\n" + body;
}

policy::Guard Webhook() {
  policy::Guard guard;
  guard.kind = policy::GuardKind::kWebhook;
  policy::WebhookGuard webhook;
  webhook.backend_ref.name = "checker";
  webhook.backend_ref.namespace_name = "guards";
  webhook.backend_ref.port = 8000;
  guard.spec = std::move(webhook);
  return guard;
}

policy::Guard Moderation() {
  policy::Guard guard;
  guard.kind = policy::GuardKind::kOpenAIModeration;
  guard.spec = policy::ModerationGuard{};
  return guard;
}

GuardTargetResolver To(std::string url) {
  return [url](const policy::Guard&) { return std::optional<std::string>(url); };
}

std::optional<std::string> HeaderOf(const http::HeaderList& headers, std::string_view name) {
  return http::GetHeader(headers, name);
}

TEST_CASE("A webhook call posts its path headers and body and returns the reply") {
  OneRequestServer server(HttpAnswer(200, "OK", R"({"action":{}})"));
  CurlGuardCaller caller(To(server.url()));
  policy::GuardHttpCall call;
  call.path = "/request";
  call.headers = {{"x-tenant", "acme"}, {"x-empty", ""}, {"content-type", "application/json"}};
  call.body = R"({"body":{"messages":[{"role":"user","content":"hi"}]}})";
  Expected<policy::GuardHttpReply> reply = caller.Call(Webhook(), call);
  REQUIRE(reply);
  CHECK(reply->status == 200);
  CHECK(reply->body == R"({"action":{}})");

  std::optional<ReceivedRequest> received = server.received();
  REQUIRE(received);
  CHECK(received->request_line == "POST /request HTTP/1.1");
  CHECK(received->body == call.body);
  http::HeaderList ours;
  for (const auto& [name, value] : received->headers) {
    if (name != "Host" && name != "Content-Length") {
      ours.emplace_back(name, value);
    }
  }
  // Only what the call asked for: no Accept, no Expect, no Authorization for a webhook.
  CHECK(ours == call.headers);
  CHECK(HeaderOf(received->headers, "host") == "127.0.0.1:" + std::to_string(server.port()));
  CHECK(HeaderOf(received->headers, "content-length") == std::to_string(call.body.size()));
}

TEST_CASE("A moderation call carries the bearer key and goes under the base URL's path") {
  OneRequestServer server(HttpAnswer(401, "Unauthorized", R"({"error":{}})"));
  CurlGuardCaller caller(To(server.url() + "/openai/"), [](const policy::Guard& guard) {
    return guard.kind == policy::GuardKind::kOpenAIModeration
               ? std::optional<std::string>("sk-test")
               : std::nullopt;
  });
  policy::GuardHttpCall call;
  call.path = "/v1/moderations";
  call.headers = {{"content-type", "application/json"}};
  call.body = R"({"input":["hi"],"model":"omni-moderation-latest"})";
  Expected<policy::GuardHttpReply> reply = caller.Call(Moderation(), call);
  REQUIRE(reply);
  CHECK(reply->status == 401);
  CHECK(reply->body == R"({"error":{}})");
  std::optional<ReceivedRequest> received = server.received();
  REQUIRE(received);
  CHECK(received->request_line == "POST /openai/v1/moderations HTTP/1.1");
  CHECK(HeaderOf(received->headers, "authorization") == "Bearer sk-test");
}

TEST_CASE("A large body is sent whole without Expect") {
  OneRequestServer server(HttpAnswer(200, "OK", "{}"));
  CurlGuardCaller caller(To(server.url()));
  policy::GuardHttpCall call;
  call.path = "/response";
  call.body = std::string(1536 * 1024, 'x');
  Expected<policy::GuardHttpReply> reply = caller.Call(Webhook(), call);
  REQUIRE(reply);
  std::optional<ReceivedRequest> received = server.received();
  REQUIRE(received);
  CHECK(received->body.size() == call.body.size());
  CHECK_FALSE(HeaderOf(received->headers, "expect"));
}

TEST_CASE("A reply over the size limit fails the call") {
  OneRequestServer server(HttpAnswer(200, "OK", std::string(64, 'x')));
  GuardCallerOptions options;
  options.max_reply_bytes = 16;
  CurlGuardCaller caller(To(server.url()), {}, options);
  policy::GuardHttpCall call;
  call.path = "/request";
  Expected<policy::GuardHttpReply> reply = caller.Call(Webhook(), call);
  REQUIRE_FALSE(reply);
  CHECK(reply.error().message == "webhook guards/checker:8000: the reply is longer than 16 bytes");
}

TEST_CASE("A guard without a target or with a target that is not HTTP fails without a call") {
  CurlGuardCaller nowhere([](const policy::Guard&) { return std::optional<std::string>(); });
  Expected<policy::GuardHttpReply> reply = nowhere.Call(Webhook(), {});
  REQUIRE_FALSE(reply);
  CHECK(reply.error().message == "webhook guards/checker:8000: no address for the guard's target");

  CurlGuardCaller ftp(To("ftp://127.0.0.1:21"));
  reply = ftp.Call(Moderation(), {});
  REQUIRE_FALSE(reply);
  CHECK(reply.error().message ==
        "openAIModeration: the target ftp://127.0.0.1:21 is not an http:// or https:// URL");
}

TEST_CASE("A closed port fails the call quickly") {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  socklen_t length = sizeof(address);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  ::close(fd);  // bound, never listening, now closed: connections are refused
  std::string url = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port));

  CurlGuardCaller caller(To(url));
  auto start = Clock::now();
  Expected<policy::GuardHttpReply> reply = caller.Call(Webhook(), {});
  CHECK(Clock::now() - start < 2s);
  REQUIRE_FALSE(reply);
  CHECK(reply.error().message == "webhook guards/checker:8000: cannot connect to " + url);
}

TEST_CASE("A server that never answers fails the call after the timeout") {
  OneRequestServer server(std::nullopt);
  GuardCallerOptions options;
  options.timeout = 200ms;
  CurlGuardCaller caller(To(server.url()), {}, options);
  policy::GuardHttpCall call;
  call.path = "/request";
  call.body = "{}";
  auto start = Clock::now();
  Expected<policy::GuardHttpReply> reply = caller.Call(Webhook(), call);
  auto elapsed = Clock::now() - start;
  CHECK(elapsed >= 150ms);
  CHECK(elapsed < 3s);
  REQUIRE_FALSE(reply);
  CHECK(reply.error().message == "webhook guards/checker:8000: no reply within 200 ms");
  REQUIRE(server.received());
  CHECK(server.received()->body == "{}");
}

}  // namespace
}  // namespace agw::emulator::io

namespace agw::emulator::io {
namespace {

TEST_CASE("With mock providers run answers moderation checks itself and flags nothing") {
  gateway::AiOptions ai;
  ai.mock_providers = true;
  std::shared_ptr<const policy::GuardCaller> caller = MakeRunGuardCaller(gateway::ServiceMap{}, ai);
  policy::GuardHttpCall call;
  call.path = "/v1/moderations";
  call.body = R"({"input":["one","two"],"model":"omni-moderation-latest"})";
  Expected<policy::GuardHttpReply> reply = caller->Call(Moderation(), call);
  REQUIRE(reply.has_value());
  CHECK(reply->status == 200);
  CHECK(policy::ModerationFlagged(reply->body) == false);
  CHECK(nlohmann::json::parse(reply->body)["results"].size() == 2);
  // A webhook still goes out: an unmapped Service has no target.
  CHECK_FALSE(caller->Call(Webhook(), call).has_value());
}

}  // namespace
}  // namespace agw::emulator::io
