#include "tests/support/fake_provider.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <string_view>

namespace agw::test {
namespace {

// Bounds: a test request is small, and a runaway peer must not grow the buffer forever.
constexpr std::size_t kMaxRequestBytes = 16 * 1024 * 1024;
constexpr int kPollMillis = 50;

bool NameIs(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Parses a chunked body from the front of `data`; nullopt while incomplete. `used` is set to
// the bytes the body took, trailer included.
std::optional<std::string> Dechunk(std::string_view data, std::size_t& used) {
  std::string out;
  std::size_t at = 0;
  for (;;) {
    std::size_t line_end = data.find("\r\n", at);
    if (line_end == std::string_view::npos) {
      return std::nullopt;
    }
    std::size_t size = 0;
    std::string_view digits = data.substr(at, line_end - at);
    digits = digits.substr(0, digits.find(';'));
    std::from_chars(digits.data(), digits.data() + digits.size(), size, 16);
    at = line_end + 2;
    if (size == 0) {
      std::size_t end = data.find("\r\n\r\n", at - 2);
      if (end == std::string_view::npos) {
        return std::nullopt;
      }
      used = end + 4;
      return out;
    }
    if (data.size() < at + size + 2) {
      return std::nullopt;
    }
    out.append(data.substr(at, size));
    at += size + 2;
  }
}

// Takes one whole request off the front of `buffer`, if it is all there.
std::optional<RecordedRequest> TakeRequest(std::string& buffer) {
  std::size_t head_end = buffer.find("\r\n\r\n");
  if (head_end == std::string::npos) {
    return std::nullopt;
  }
  std::string_view head(buffer.data(), head_end);
  RecordedRequest request;
  std::size_t line_end = head.find("\r\n");
  std::string_view line = head.substr(0, line_end);
  std::size_t space = line.find(' ');
  request.method = std::string(line.substr(0, space));
  std::string_view rest = line.substr(space + 1);
  request.target = std::string(rest.substr(0, rest.rfind(' ')));
  std::optional<std::size_t> length;
  bool chunked = false;
  while (line_end != std::string_view::npos) {
    std::size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    std::string_view field = head.substr(
        start, line_end == std::string_view::npos ? std::string_view::npos : line_end - start);
    std::size_t colon = field.find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    std::string name(field.substr(0, colon));
    std::string value(Trim(field.substr(colon + 1)));
    if (NameIs(name, "content-length")) {
      std::size_t size = 0;
      std::from_chars(value.data(), value.data() + value.size(), size);
      length = size;
    }
    if (NameIs(name, "transfer-encoding") && value.find("chunked") != std::string::npos) {
      chunked = true;
    }
    request.headers.emplace_back(std::move(name), std::move(value));
  }
  std::string_view body(buffer.data() + head_end + 4, buffer.size() - head_end - 4);
  std::size_t used = 0;
  if (chunked) {
    std::optional<std::string> whole = Dechunk(body, used);
    if (!whole) {
      return std::nullopt;
    }
    request.body = std::move(*whole);
  } else {
    used = length.value_or(0);
    if (body.size() < used) {
      return std::nullopt;
    }
    request.body = std::string(body.substr(0, used));
  }
  buffer.erase(0, head_end + 4 + used);
  return request;
}

std::string StatusLine(int status) {
  return "HTTP/1.1 " + std::to_string(status) + (status < 400 ? " OK\r\n" : " Error\r\n");
}

std::string ChunkOf(std::string_view data) {
  char size[32];
  auto end = std::to_chars(size, size + sizeof(size), data.size(), 16).ptr;
  return std::string(size, end) + "\r\n" + std::string(data) + "\r\n";
}

}  // namespace

tl::expected<std::unique_ptr<FakeProvider>, std::string> FakeProvider::Start(
    ProviderAnswer answer) {
  std::unique_ptr<FakeProvider> provider(new FakeProvider(std::move(answer)));
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return tl::unexpected<std::string>("socket failed");
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(fd, 16) != 0) {
    ::close(fd);
    return tl::unexpected<std::string>("bind/listen on 127.0.0.1 failed");
  }
  socklen_t size = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  provider->listen_fd_ = fd;
  provider->port_ = ntohs(address.sin_port);
  provider->accept_thread_ = std::thread([raw = provider.get()] { raw->Accept(); });
  return provider;
}

FakeProvider::~FakeProvider() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  accept_thread_.join();
  ::close(listen_fd_);
  std::vector<std::thread> connections;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    connections.swap(connections_);
  }
  for (std::thread& connection : connections) {
    connection.join();
  }
}

std::vector<RecordedRequest> FakeProvider::Requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

void FakeProvider::Accept() {
  for (;;) {
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) {
      return;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      ::close(fd);
      return;
    }
    connections_.emplace_back([this, fd] { Serve(fd); });
  }
}

void FakeProvider::Serve(int fd) {
  std::string buffer;
  while (!stopping_ && buffer.size() <= kMaxRequestBytes) {
    if (std::optional<RecordedRequest> request = TakeRequest(buffer)) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        requests_.push_back(std::move(*request));
      }
      std::string head =
          StatusLine(answer_.status) + "content-type: " + answer_.content_type + "\r\n";
      bool sent = true;
      if (answer_.chunked) {
        sent = SendAll(fd, head + "transfer-encoding: chunked\r\n\r\n");
        std::string_view body = answer_.body;
        std::size_t step = std::max<std::size_t>(answer_.chunk_bytes, 1);
        for (std::size_t at = 0; sent && at < body.size(); at += step) {
          sent = SendAll(fd, ChunkOf(body.substr(at, step)));
        }
        sent = sent && SendAll(fd, "0\r\n\r\n");
      } else {
        sent = SendAll(fd, head + "content-length: " + std::to_string(answer_.body.size()) +
                               "\r\n\r\n" + answer_.body);
      }
      if (!sent) {
        break;
      }
      continue;
    }
    pollfd ready{fd, POLLIN, 0};
    if (::poll(&ready, 1, kPollMillis) <= 0) {
      continue;
    }
    char chunk[16384];
    ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) {
      break;
    }
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
}

}  // namespace agw::test
