#pragma once

// A recording stand-in for an LLM provider, for tests that compare what the gateway sends with
// what a dry run says it would send. It listens on 127.0.0.1 (port 0), reads each request whole
// (Content-Length or chunked bodies, several per kept-alive connection), records its request
// line, header fields in order and body, and answers every request with the one configured
// answer. The answer carries exactly two header fields: content-type and, for a streamed
// answer, `transfer-encoding: chunked` (the body sent in several chunks, as a provider streams
// it), otherwise content-length. Plain POSIX sockets; one thread per connection.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tl/expected.hpp>
#include <utility>
#include <vector>

namespace agw::test {

struct ProviderAnswer {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  bool chunked = false;          // streamed: chunked transfer coding
  std::size_t chunk_bytes = 64;  // the size of each chunk when chunked (the last may be shorter)
};

// One request as it arrived.
struct RecordedRequest {
  std::string method;
  std::string target;  // the request target exactly as received
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as received
  std::string body;                                          // de-chunked when chunked
};

class FakeProvider {
 public:
  // Fails with a message when the listening socket cannot be set up.
  static tl::expected<std::unique_ptr<FakeProvider>, std::string> Start(ProviderAnswer answer);
  ~FakeProvider();
  FakeProvider(const FakeProvider&) = delete;
  FakeProvider& operator=(const FakeProvider&) = delete;

  std::uint16_t port() const { return port_; }
  // The requests answered so far, in arrival order.
  std::vector<RecordedRequest> Requests() const;
  // The exact bytes of the answer's body (what a recording of the provider holds).
  const std::string& body() const { return answer_.body; }

 private:
  explicit FakeProvider(ProviderAnswer answer) : answer_(std::move(answer)) {}
  void Accept();
  void Serve(int fd);

  ProviderAnswer answer_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<RecordedRequest> requests_;
  std::thread accept_thread_;
  std::vector<std::thread> connections_;  // guarded by mutex_
};

}  // namespace agw::test
