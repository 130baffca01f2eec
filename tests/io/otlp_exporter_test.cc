// The OTLP exporter against collectors written here with plain sockets on 127.0.0.1 (port 0): an
// HTTP/1.1 receiver for OTLP/HTTP, and a minimal HTTP/2 (h2c) gRPC receiver that answers with
// headers, a message and grpc-status trailers (it does not decode the client's HPACK headers;
// tests/e2e/support/otlp_receiver.js checks the gRPC path and content-type end to end). Every
// wait is bounded.

#include "emulator/io/otlp_exporter.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/policy/proto_reader.h"

namespace agw::emulator::io {
namespace {

using namespace std::chrono_literals;
using policy::otlp::Span;

constexpr std::size_t kMaxRequestBytes = std::size_t{16} << 20;

Span MakeSpan(const std::string& name) {
  Span span;
  span.trace_id = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  span.span_id = {1, 1, 1, 1, 1, 1, 1, 1};
  span.trace_flags = 1;
  span.name = name;
  span.kind = policy::otlp::SpanKind::kServer;
  span.start_unix_nano = 10;
  span.end_unix_nano = 20;
  span.attributes = {{"http.method", std::string("GET")}};
  return span;
}

// Waits until `done` or the timeout; returns `done()`.
bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// The reports an exporter made.
class Reports {
 public:
  OtlpExporter::Report Callback() {
    return [this](const std::string& line) {
      std::lock_guard lock(mutex_);
      lines_.push_back(line);
    };
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

// ---------------------------------------------------------------------------------------------
// A loopback listener whose connections a handler serves one at a time on its own thread.

class LoopbackServer {
 public:
  using Handler = std::function<void(int fd, LoopbackServer& server)>;

  explicit LoopbackServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    REQUIRE(::listen(listen_fd_, 16) == 0);
    socklen_t length = sizeof(address);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~LoopbackServer() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }

  std::uint16_t port() const { return port_; }
  bool stopping() const { return stop_; }

  // Reads what is available within 50 ms; "" with `closed` at EOF or error.
  std::string ReadSome(int fd, bool& closed) {
    pollfd poll_fd{fd, POLLIN, 0};
    closed = false;
    if (::poll(&poll_fd, 1, 50) <= 0) {
      return "";
    }
    char buffer[16384];
    ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) {
      closed = true;
      return "";
    }
    return std::string(buffer, static_cast<std::size_t>(n));
  }

  static void WriteAll(int fd, const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) {
        return;
      }
      sent += static_cast<std::size_t>(n);
    }
  }

 private:
  void Loop() {
    while (!stop_) {
      pollfd poll_fd{listen_fd_, POLLIN, 0};
      if (::poll(&poll_fd, 1, 50) <= 0) {
        continue;
      }
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) {
        continue;
      }
      handler_(fd, *this);
      ::close(fd);
    }
  }

  Handler handler_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// ---------------------------------------------------------------------------------------------
// OTLP/HTTP receiver

struct ReceivedRequest {
  std::string request_line;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  std::string Header(const std::string& name) const {
    for (const auto& [key, value] : headers) {
      if (key == name) {
        return value;
      }
    }
    return "";
  }
};

struct HttpAnswer {
  int status = 200;
  std::string content_type = "application/x-protobuf";
  std::string body;
  bool hang = false;  // read the request, never answer
};

class HttpReceiver {
 public:
  using Answer = HttpAnswer;

  explicit HttpReceiver(Answer answer = {})
      : answer_(std::move(answer)),
        server_([this](int fd, LoopbackServer& server) { Serve(fd, server); }) {}

  std::uint16_t port() const { return server_.port(); }
  std::vector<ReceivedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }

 private:
  void Serve(int fd, LoopbackServer& server) {
    std::string buffer;
    while (!server.stopping()) {
      std::size_t head_end = buffer.find("\r\n\r\n");
      if (head_end == std::string::npos) {
        bool closed = false;
        buffer += server.ReadSome(fd, closed);
        if (closed || buffer.size() > kMaxRequestBytes) {
          return;
        }
        continue;
      }
      ReceivedRequest request;
      std::string head = buffer.substr(0, head_end);
      std::size_t line_end = head.find("\r\n");
      request.request_line = head.substr(0, line_end);
      std::size_t content_length = 0;
      std::size_t at = line_end == std::string::npos ? head.size() : line_end + 2;
      while (at < head.size()) {
        std::size_t next = head.find("\r\n", at);
        std::string line =
            head.substr(at, next == std::string::npos ? std::string::npos : next - at);
        at = next == std::string::npos ? head.size() : next + 2;
        std::size_t colon = line.find(':');
        std::string name = line.substr(0, colon);
        for (char& c : name) {
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        if (name == "content-length") {
          content_length = std::stoul(value);
        }
        request.headers.emplace_back(name, value);
      }
      while (buffer.size() < head_end + 4 + content_length && !server.stopping()) {
        bool closed = false;
        buffer += server.ReadSome(fd, closed);
        if (closed || buffer.size() > kMaxRequestBytes) {
          return;
        }
      }
      request.body = buffer.substr(head_end + 4, content_length);
      buffer.erase(0, head_end + 4 + content_length);
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(std::move(request));
      }
      if (answer_.hang) {
        while (!server.stopping()) {
          bool closed = false;
          server.ReadSome(fd, closed);
          if (closed) {
            return;
          }
        }
        return;
      }
      LoopbackServer::WriteAll(
          fd, "HTTP/1.1 " + std::to_string(answer_.status) +
                  " X\r\nContent-Type: " + answer_.content_type + "\r\nContent-Length: " +
                  std::to_string(answer_.body.size()) + "\r\n\r\n" + answer_.body);
    }
  }

  Answer answer_;
  mutable std::mutex mutex_;
  std::vector<ReceivedRequest> requests_;
  LoopbackServer server_;  // last: its thread stops before the members it uses go
};

// ---------------------------------------------------------------------------------------------
// gRPC over h2c receiver (frames by hand, RFC 9113; HPACK literals without Huffman, RFC 7541)

std::string Frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream,
                  const std::string& payload) {
  std::string out;
  std::size_t size = payload.size();
  out.push_back(static_cast<char>((size >> 16) & 0xFF));
  out.push_back(static_cast<char>((size >> 8) & 0xFF));
  out.push_back(static_cast<char>(size & 0xFF));
  out.push_back(static_cast<char>(type));
  out.push_back(static_cast<char>(flags));
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((stream >> shift) & 0xFF));
  }
  return out + payload;
}

// "Literal Header Field without Indexing -- New Name" with short (< 127) name and value.
std::string Literal(const std::string& name, const std::string& value) {
  return std::string(1, '\0') + static_cast<char>(name.size()) + name +
         static_cast<char>(value.size()) + value;
}

std::string WindowUpdate(std::uint32_t stream, std::uint32_t increment) {
  std::string payload;
  for (int shift = 24; shift >= 0; shift -= 8) {
    payload.push_back(static_cast<char>((increment >> shift) & 0xFF));
  }
  return Frame(8, 0, stream, payload);
}

struct GrpcAnswer {
  int grpc_status = 0;
  std::string grpc_message;    // percent-encoded as sent
  std::string message;         // the response message (empty ExportTraceServiceResponse)
  bool trailers_only = false;  // grpc-status in the only HEADERS frame
};

class GrpcReceiver {
 public:
  using Answer = GrpcAnswer;

  explicit GrpcReceiver(Answer answer = {})
      : answer_(std::move(answer)),
        server_([this](int fd, LoopbackServer& server) { Serve(fd, server); }) {}

  std::uint16_t port() const { return server_.port(); }
  std::vector<std::string> bodies() const {
    std::lock_guard lock(mutex_);
    return bodies_;
  }

 private:
  void Serve(int fd, LoopbackServer& server) {
    std::string buffer;
    bool preface = false;
    std::map<std::uint32_t, std::string> bodies;
    LoopbackServer::WriteAll(fd, Frame(4, 0, 0, ""));  // our SETTINGS
    while (!server.stopping()) {
      if (!preface) {
        if (buffer.size() >= 24) {
          REQUIRE(buffer.substr(0, 24) == "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
          buffer.erase(0, 24);
          preface = true;
          continue;
        }
      } else if (buffer.size() >= 9) {
        std::size_t size = (static_cast<std::uint8_t>(buffer[0]) << 16) |
                           (static_cast<std::uint8_t>(buffer[1]) << 8) |
                           static_cast<std::uint8_t>(buffer[2]);
        if (buffer.size() >= 9 + size) {
          auto type = static_cast<std::uint8_t>(buffer[3]);
          auto flags = static_cast<std::uint8_t>(buffer[4]);
          std::uint32_t stream = 0;
          for (int i = 5; i < 9; ++i) {
            stream = (stream << 8) | static_cast<std::uint8_t>(buffer[i]);
          }
          stream &= 0x7FFFFFFF;
          std::string payload = buffer.substr(9, size);
          buffer.erase(0, 9 + size);
          if (type == 4 && (flags & 1) == 0) {
            LoopbackServer::WriteAll(fd, Frame(4, 1, 0, ""));  // SETTINGS ACK
          } else if (type == 6 && (flags & 1) == 0) {
            LoopbackServer::WriteAll(fd, Frame(6, 1, 0, payload));  // PING ACK
          } else if (type == 1 && (flags & 1) != 0) {
            Respond(fd, stream, bodies[stream]);  // a request without a body
          } else if (type == 0) {
            bodies[stream] += payload;  // curl does not pad
            if (!payload.empty()) {
              LoopbackServer::WriteAll(
                  fd, WindowUpdate(0, payload.size()) + WindowUpdate(stream, payload.size()));
            }
            if ((flags & 1) != 0) {
              Respond(fd, stream, bodies[stream]);
            }
          } else if (type == 7) {
            return;  // GOAWAY
          }
          continue;
        }
      }
      bool closed = false;
      buffer += server.ReadSome(fd, closed);
      if (closed || buffer.size() > kMaxRequestBytes) {
        return;
      }
    }
  }

  void Respond(int fd, std::uint32_t stream, const std::string& body) {
    {
      std::lock_guard lock(mutex_);
      bodies_.push_back(body);
    }
    // :status 200 (static index 8), content-type (static name 31) application/grpc.
    std::string head = std::string(1, static_cast<char>(0x88)) + "\x0f\x10" +
                       static_cast<char>(16) + "application/grpc";
    std::string status = Literal("grpc-status", std::to_string(answer_.grpc_status));
    if (!answer_.grpc_message.empty()) {
      status += Literal("grpc-message", answer_.grpc_message);
    }
    if (answer_.trailers_only) {
      LoopbackServer::WriteAll(fd, Frame(1, 0x5, stream, head + status));
      return;
    }
    std::string message = policy::otlp::GrpcFrame(answer_.message);
    LoopbackServer::WriteAll(fd, Frame(1, 0x4, stream, head) + Frame(0, 0, stream, message) +
                                     Frame(1, 0x5, stream, status));
  }

  Answer answer_;
  mutable std::mutex mutex_;
  std::vector<std::string> bodies_;
  LoopbackServer server_;
};

OtlpExporterOptions HttpOptions(std::uint16_t port) {
  OtlpExporterOptions options;
  options.protocol = policy::TracingProtocol::kHttp;
  options.host = "127.0.0.1";
  options.port = port;
  options.scheduled_delay = 1h;  // exports come from Flush or full batches only
  options.export_timeout = 5s;
  return options;
}

std::vector<std::string> SpanNames(const std::string& body) {
  std::vector<std::string> names;
  auto decoded = test::proto::DecodeRequest(body);
  REQUIRE(decoded);
  for (const auto& span : decoded->spans) {
    names.push_back(span.name);
  }
  return names;
}

// ---------------------------------------------------------------------------------------------

TEST_CASE("OTLP/HTTP posts the binary protobuf request to the configured path") {
  HttpReceiver receiver;
  OtlpExporterOptions options = HttpOptions(receiver.port());
  options.path = "/custom/v1/traces";
  options.authority = "otel-collector.default.svc.cluster.local:4318";
  options.resource = {{"service.name", std::string("agentgateway-proxy")}};
  Reports reports;
  auto exporter = OtlpExporter::Start(options, reports.Callback());
  REQUIRE(exporter);
  CHECK((*exporter)->description() ==
        "http://127.0.0.1:" + std::to_string(receiver.port()) + "/custom/v1/traces (OTLP/HTTP)");
  CHECK((*exporter)->Submit(MakeSpan("GET /*")));
  CHECK((*exporter)->Submit(MakeSpan("POST /v1/chat/completions")));
  CHECK((*exporter)->Flush().has_value());
  std::vector<ReceivedRequest> requests = receiver.requests();
  REQUIRE(requests.size() == 1);
  const ReceivedRequest& request = requests[0];
  CHECK(request.request_line == "POST /custom/v1/traces HTTP/1.1");
  CHECK(request.Header("host") == "otel-collector.default.svc.cluster.local:4318");
  CHECK(request.Header("content-type") == "application/x-protobuf");
  CHECK(request.Header("user-agent") == "OTel-OTLP-Exporter-Rust/0.32.0");
  CHECK(request.Header("expect").empty());
  CHECK(request.Header("content-length") == std::to_string(request.body.size()));
  auto decoded = test::proto::DecodeRequest(request.body);
  REQUIRE(decoded);
  CHECK(decoded->resource == test::proto::Attributes{{"service.name", "s:agentgateway-proxy"}});
  CHECK(SpanNames(request.body) == std::vector<std::string>{"GET /*", "POST /v1/chat/completions"});
  CHECK(decoded->spans[0].flags == 0x101u);
  OtlpExporterStats stats = (*exporter)->stats();
  CHECK(stats.accepted == 2);
  CHECK(stats.exported_spans == 2);
  CHECK(stats.exports == 1);
  CHECK(stats.failed_exports == 0);
  CHECK(reports.lines().empty());
}

TEST_CASE("Spans are exported in batches of at most the batch size") {
  HttpReceiver receiver;
  OtlpExporterOptions options = HttpOptions(receiver.port());
  options.max_export_batch_size = 2;
  auto exporter = OtlpExporter::Start(options, nullptr);
  REQUIRE(exporter);
  for (int i = 0; i < 5; ++i) {
    (*exporter)->Submit(MakeSpan("s" + std::to_string(i)));
  }
  CHECK((*exporter)->Flush().has_value());
  std::vector<ReceivedRequest> requests = receiver.requests();
  REQUIRE(requests.size() == 3);
  CHECK(SpanNames(requests[0].body) == std::vector<std::string>{"s0", "s1"});
  CHECK(SpanNames(requests[1].body) == std::vector<std::string>{"s2", "s3"});
  CHECK(SpanNames(requests[2].body) == std::vector<std::string>{"s4"});
}

TEST_CASE("A full batch is exported without waiting for the scheduled delay") {
  HttpReceiver receiver;
  OtlpExporterOptions options = HttpOptions(receiver.port());
  options.max_export_batch_size = 2;
  auto exporter = OtlpExporter::Start(options, nullptr);
  REQUIRE(exporter);
  (*exporter)->Submit(MakeSpan("a"));
  std::this_thread::sleep_for(100ms);
  CHECK(receiver.count() == 0);
  (*exporter)->Submit(MakeSpan("b"));
  CHECK(WaitFor([&] { return receiver.count() == 1; }));
}

TEST_CASE("Queued spans are exported when the scheduled delay passes") {
  HttpReceiver receiver;
  OtlpExporterOptions options = HttpOptions(receiver.port());
  options.scheduled_delay = 100ms;
  auto exporter = OtlpExporter::Start(options, nullptr);
  REQUIRE(exporter);
  (*exporter)->Submit(MakeSpan("later"));
  CHECK(WaitFor([&] { return receiver.count() == 1; }));
  CHECK(SpanNames(receiver.requests()[0].body) == std::vector<std::string>{"later"});
}

TEST_CASE("Spans beyond the queue bound are dropped counted and reported once") {
  HttpReceiver receiver;
  OtlpExporterOptions options = HttpOptions(receiver.port());
  options.max_queue_size = 3;
  options.max_export_batch_size = 100;
  Reports reports;
  auto exporter = OtlpExporter::Start(options, reports.Callback());
  REQUIRE(exporter);
  std::vector<bool> accepted;
  for (int i = 0; i < 6; ++i) {
    accepted.push_back((*exporter)->Submit(MakeSpan("s" + std::to_string(i))));
  }
  CHECK(accepted == std::vector<bool>{true, true, true, false, false, false});
  OtlpExporterStats stats = (*exporter)->stats();
  CHECK(stats.accepted == 3);
  CHECK(stats.dropped == 3);
  CHECK(WaitFor([&] { return !reports.lines().empty(); }));
  CHECK(reports.lines() ==
        std::vector<std::string>{"the OTLP span queue for " + (*exporter)->description() +
                                 " is full (3 spans): spans are being dropped"});
  CHECK((*exporter)->Flush().has_value());
  CHECK(SpanNames(receiver.requests()[0].body) == std::vector<std::string>{"s0", "s1", "s2"});
  // Room again after the export.
  CHECK((*exporter)->Submit(MakeSpan("s6")));
}

TEST_CASE("The queue's byte bound drops spans too") {
  HttpReceiver receiver;
  OtlpExporterOptions options = HttpOptions(receiver.port());
  options.max_queue_bytes = 4096;
  auto exporter = OtlpExporter::Start(options, nullptr);
  REQUIRE(exporter);
  Span big = MakeSpan("big");
  big.attributes.push_back({"body", std::string(3000, 'x')});
  CHECK((*exporter)->Submit(big));
  CHECK_FALSE((*exporter)->Submit(big));
  CHECK((*exporter)->Submit(MakeSpan("small")));
  CHECK((*exporter)->stats().dropped == 1);
}

TEST_CASE("A collector that is down is an error and no hang") {
  std::uint16_t port = 0;
  {
    HttpReceiver closed;  // bound then closed: nothing listens there now
    port = closed.port();
  }
  OtlpExporterOptions options = HttpOptions(port);
  Reports reports;
  auto exporter = OtlpExporter::Start(options, reports.Callback());
  REQUIRE(exporter);
  (*exporter)->Submit(MakeSpan("lost"));
  auto started = std::chrono::steady_clock::now();
  Expected<void> flushed = (*exporter)->Flush();
  CHECK(std::chrono::steady_clock::now() - started < 5s);
  REQUIRE_FALSE(flushed.has_value());
  std::string expected = "OTLP export of 1 span to http://127.0.0.1:" + std::to_string(port) +
                         "/v1/traces (OTLP/HTTP) failed: cannot connect: Connection refused";
  CHECK(flushed.error().message == expected);
  CHECK(reports.lines() == std::vector<std::string>{expected});
  OtlpExporterStats stats = (*exporter)->stats();
  CHECK(stats.failed_exports == 1);
  CHECK(stats.failed_spans == 1);
  // The failed batch is not retried: the next flush has nothing to send.
  CHECK((*exporter)->Flush().has_value());
}

TEST_CASE("A collector's error status fails the export") {
  HttpReceiver receiver(HttpReceiver::Answer{404, "text/plain", "404 page not found", false});
  Reports reports;
  auto exporter = OtlpExporter::Start(HttpOptions(receiver.port()), reports.Callback());
  REQUIRE(exporter);
  (*exporter)->Submit(MakeSpan("a"));
  (*exporter)->Submit(MakeSpan("b"));
  Expected<void> flushed = (*exporter)->Flush();
  REQUIRE_FALSE(flushed.has_value());
  CHECK(flushed.error().message == "OTLP export of 2 spans to " + (*exporter)->description() +
                                       " failed: the collector answered HTTP 404");
}

TEST_CASE("A collector that never answers fails the export after the timeout") {
  HttpReceiver receiver(HttpReceiver::Answer{200, "", "", true});
  OtlpExporterOptions options = HttpOptions(receiver.port());
  options.export_timeout = 300ms;
  auto exporter = OtlpExporter::Start(options, nullptr);
  REQUIRE(exporter);
  (*exporter)->Submit(MakeSpan("a"));
  auto started = std::chrono::steady_clock::now();
  Expected<void> flushed = (*exporter)->Flush();
  CHECK(std::chrono::steady_clock::now() - started < 5s);
  REQUIRE_FALSE(flushed.has_value());
  CHECK(flushed.error().message == "OTLP export of 1 span to " + (*exporter)->description() +
                                       " failed: no answer within 300 ms");
}

TEST_CASE("A partial success is reported and the export still succeeds") {
  std::string partial = std::string("\x08\x02\x12\x03", 4) + "bad";
  std::string response = std::string(1, '\x0a') + static_cast<char>(partial.size()) + partial;
  HttpReceiver receiver(HttpReceiver::Answer{200, "application/x-protobuf", response, false});
  Reports reports;
  auto exporter = OtlpExporter::Start(HttpOptions(receiver.port()), reports.Callback());
  REQUIRE(exporter);
  for (int i = 0; i < 3; ++i) {
    (*exporter)->Submit(MakeSpan("s"));
  }
  CHECK((*exporter)->Flush().has_value());
  CHECK(reports.lines() ==
        std::vector<std::string>{"the OTLP collector at " + (*exporter)->description() +
                                 " rejected 2 of 3 spans: bad"});
}

TEST_CASE("Spans still queued are exported when the exporter is destroyed") {
  HttpReceiver receiver;
  {
    auto exporter = OtlpExporter::Start(HttpOptions(receiver.port()), nullptr);
    REQUIRE(exporter);
    (*exporter)->Submit(MakeSpan("last"));
  }
  REQUIRE(receiver.count() == 1);
  CHECK(SpanNames(receiver.requests()[0].body) == std::vector<std::string>{"last"});
}

TEST_CASE("The exporter refuses what it cannot do") {
  OtlpExporterOptions options = HttpOptions(4318);
  options.tls = true;
  CHECK(OtlpExporter::Start(options, nullptr).error().message ==
        "OTLP export to an https collector is not supported yet");
  options.tls = false;
  options.port = 0;
  CHECK(OtlpExporter::Start(options, nullptr).error().message ==
        "the OTLP collector has no address");
  options.port = 4318;
  options.max_export_batch_size = 0;
  CHECK(OtlpExporter::Start(options, nullptr).error().message ==
        "the OTLP batch and queue sizes must be at least 1");
}

TEST_CASE("gRPC export sends a length prefixed request over h2c and reads grpc-status") {
  GrpcReceiver receiver;
  OtlpExporterOptions options = HttpOptions(receiver.port());
  options.protocol = policy::TracingProtocol::kGrpc;
  options.resource = {{"service.name", std::string("gw")}};
  Reports reports;
  auto exporter = OtlpExporter::Start(options, reports.Callback());
  REQUIRE(exporter);
  CHECK((*exporter)->description() ==
        "http://127.0.0.1:" + std::to_string(receiver.port()) + " (gRPC)");
  (*exporter)->Submit(MakeSpan("one"));
  (*exporter)->Submit(MakeSpan("two"));
  Expected<void> flushed = (*exporter)->Flush();
  INFO((flushed ? std::string() : flushed.error().message));
  CHECK(flushed.has_value());
  std::vector<std::string> bodies = receiver.bodies();
  REQUIRE(bodies.size() == 1);
  Expected<std::string> message = policy::otlp::GrpcUnframe(bodies[0]);
  REQUIRE(message);
  CHECK(SpanNames(*message) == std::vector<std::string>{"one", "two"});
  // A second export works too (a new connection with libcurl before 8.0).
  (*exporter)->Submit(MakeSpan("three"));
  flushed = (*exporter)->Flush();
  INFO((flushed ? std::string() : flushed.error().message));
  CHECK(flushed.has_value());
  CHECK(receiver.bodies().size() == 2);
  CHECK(reports.lines().empty());
}

TEST_CASE("A gRPC error status fails the export with its decoded message") {
  GrpcReceiver receiver(GrpcReceiver::Answer{12, "unknown%20service%20x", "", true});
  OtlpExporterOptions options = HttpOptions(receiver.port());
  options.protocol = policy::TracingProtocol::kGrpc;
  auto exporter = OtlpExporter::Start(options, nullptr);
  REQUIRE(exporter);
  (*exporter)->Submit(MakeSpan("a"));
  Expected<void> flushed = (*exporter)->Flush();
  REQUIRE_FALSE(flushed.has_value());
  CHECK(flushed.error().message ==
        "OTLP export of 1 span to " + (*exporter)->description() +
            " failed: grpc-status 12 (UNIMPLEMENTED): unknown service x");
}

TEST_CASE("A gRPC partial success is reported") {
  std::string partial = std::string("\x08\x01", 2);
  GrpcReceiver receiver(
      GrpcReceiver::Answer{0, "", std::string(1, '\x0a') + static_cast<char>(2) + partial, false});
  OtlpExporterOptions options = HttpOptions(receiver.port());
  options.protocol = policy::TracingProtocol::kGrpc;
  Reports reports;
  auto exporter = OtlpExporter::Start(options, reports.Callback());
  REQUIRE(exporter);
  (*exporter)->Submit(MakeSpan("a"));
  CHECK((*exporter)->Flush().has_value());
  CHECK(reports.lines() ==
        std::vector<std::string>{"the OTLP collector at " + (*exporter)->description() +
                                 " rejected 1 of 1 span"});
}

}  // namespace
}  // namespace agw::emulator::io
