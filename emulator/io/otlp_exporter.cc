// The only file of emulator/io that includes libcurl.
#include "emulator/io/otlp_exporter.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

namespace agw::emulator::io {

namespace {

using policy::otlp::Span;

constexpr char kGrpcExportPath[] = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
constexpr char kHttpUserAgent[] = "OTel-OTLP-Exporter-Rust/0.32.0";
constexpr std::size_t kMaxGrpcMessageBytes = 1024;

// curl_global_init must not race other threads' curl use: run it once, before the first handle.
// (validate/cluster does the same for its transport; the call is reference counted.)
void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string Duration(std::chrono::milliseconds duration) {
  auto count = duration.count();
  return count % 1000 == 0 ? std::to_string(count / 1000) + " s" : std::to_string(count) + " ms";
}

std::string Spans(std::size_t count) {
  return std::to_string(count) + (count == 1 ? " span" : " spans");
}

// The gRPC status names (grpc/doc/statuscodes.md).
std::string_view GrpcCodeName(long code) {
  // clang-format off
  static constexpr std::string_view kNames[] = {
      "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
      "UNAUTHENTICATED"};
  // clang-format on
  return code >= 0 && code < 17 ? kNames[code] : std::string_view("?");
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// grpc-message is percent-encoded (gRPC over HTTP/2, "Status-Message").
std::string PercentDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string_view TrimSpace(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                           text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

bool NameIs(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') {
    return false;
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) {
      return false;
    }
  }
  return true;
}

bool ReusesH2cConnections() { return curl_version_info(CURLVERSION_NOW)->version_num >= 0x080000; }

// One curl easy handle, reused for every export (the collector connection is kept alive where
// libcurl allows it).
class Transport {
 public:
  Transport(const OtlpExporterOptions& options, std::string url)
      : options_(options), url_(std::move(url)) {
    easy_ = curl_easy_init();
    std::vector<std::string> headers = {"Accept:", "Expect:"};
    if (options_.protocol == policy::TracingProtocol::kGrpc) {
      headers.push_back("Content-Type: application/grpc");
      headers.push_back("TE: trailers");
    } else {
      headers.push_back("Content-Type: application/x-protobuf");
    }
    if (!options_.authority.empty()) {
      headers.push_back("Host: " + options_.authority);
    }
    for (const std::string& header : headers) {
      headers_ = curl_slist_append(headers_, header.c_str());
    }
  }
  ~Transport() {
    if (easy_ != nullptr) {
      curl_easy_cleanup(easy_);
    }
    curl_slist_free_all(headers_);
  }
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Sends `body`; the error says why the collector did not accept it. A partial success is
  // returned in `partial`.
  Expected<void> Post(const std::string& body, policy::otlp::PartialSuccess& partial) {
    if (easy_ == nullptr) {
      return MakeError("cannot initialise libcurl");
    }
    response_.clear();
    too_large_ = false;
    grpc_status_.reset();
    grpc_message_.clear();
    content_type_.clear();
    error_[0] = '\0';
    bool grpc = options_.protocol == policy::TracingProtocol::kGrpc;
    curl_easy_setopt(easy_, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy_, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(easy_, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy_, CURLOPT_PROXY, "");  // never the environment's proxy
    // libcurl before 8.0 fails the second request on a reused prior-knowledge HTTP/2 connection
    // ("Error in the HTTP2 framing layer", curl/curl issue 10634, fixed by pull 10643): one
    // connection per export there (one export per scheduled delay, so the cost is small).
    curl_easy_setopt(easy_, CURLOPT_FORBID_REUSE, grpc && !ReusesH2cConnections() ? 1L : 0L);
    curl_easy_setopt(easy_, CURLOPT_HTTP_VERSION,
                     grpc ? static_cast<long>(CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE)
                          : static_cast<long>(CURL_HTTP_VERSION_1_1));
    curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers_);
    std::string user_agent =
        options_.user_agent.empty() && !grpc ? kHttpUserAgent : options_.user_agent;
    curl_easy_setopt(easy_, CURLOPT_USERAGENT, user_agent.empty() ? nullptr : user_agent.c_str());
    curl_easy_setopt(easy_, CURLOPT_POST, 1L);
    curl_easy_setopt(easy_, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(easy_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    long timeout = static_cast<long>(std::max<std::int64_t>(1, options_.export_timeout.count()));
    curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(easy_, CURLOPT_CONNECTTIMEOUT_MS, timeout);
    curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, error_);
    curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &Transport::Write);
    curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(easy_, CURLOPT_HEADERFUNCTION, &Transport::Header);
    curl_easy_setopt(easy_, CURLOPT_HEADERDATA, this);

    CURLcode code = curl_easy_perform(easy_);
    if (code != CURLE_OK) {
      return MakeError(Describe(code));
    }
    long status = 0;
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
    if (grpc) {
      if (!grpc_status_) {
        return MakeError(status == 200 ? "the answer has no grpc-status"
                                       : "the collector answered HTTP " + std::to_string(status) +
                                             " without a grpc-status");
      }
      if (*grpc_status_ != 0) {
        std::string text = "grpc-status " + std::to_string(*grpc_status_) + " (" +
                           std::string(GrpcCodeName(*grpc_status_)) + ")";
        if (!grpc_message_.empty()) {
          text += ": " + PercentDecode(grpc_message_);
        }
        return MakeError(text);
      }
      // tonic decodes the answer: a missing or malformed message fails the export.
      Expected<std::string> message = policy::otlp::GrpcUnframe(response_);
      if (!message) {
        return tl::unexpected(message.error());
      }
      Expected<policy::otlp::PartialSuccess> decoded =
          policy::otlp::DecodeExportTraceServiceResponse(*message);
      if (!decoded) {
        return tl::unexpected(decoded.error());
      }
      partial = *decoded;
      return {};
    }
    if (status < 200 || status > 299) {
      return MakeError("the collector answered HTTP " + std::to_string(status));
    }
    // The HTTP exporter does not judge the body; a protobuf answer may still say what was
    // rejected.
    if (content_type_.starts_with("application/x-protobuf")) {
      if (Expected<policy::otlp::PartialSuccess> decoded =
              policy::otlp::DecodeExportTraceServiceResponse(response_)) {
        partial = *decoded;
      }
    }
    return {};
  }

 private:
  static size_t Write(char* data, size_t size, size_t count, void* self_pointer) {
    auto* self = static_cast<Transport*>(self_pointer);
    std::size_t bytes = size * count;
    if (self->response_.size() + bytes > self->options_.max_response_bytes) {
      self->too_large_ = true;
      return 0;  // curl stops with CURLE_WRITE_ERROR
    }
    self->response_.append(data, bytes);
    return bytes;
  }

  // Headers and (HTTP/2) trailers arrive here one line at a time.
  static size_t Header(char* data, size_t size, size_t count, void* self_pointer) {
    auto* self = static_cast<Transport*>(self_pointer);
    std::string_view line(data, size * count);
    if (NameIs(line, "grpc-status")) {
      std::string_view value = TrimSpace(line.substr(12));
      long code = 0;
      bool digits = !value.empty() && value.size() <= 4;
      for (char c : value) {
        digits = digits && c >= '0' && c <= '9';
        code = code * 10 + (c - '0');
      }
      self->grpc_status_ = digits ? code : 2;  // an unreadable status is UNKNOWN
    } else if (NameIs(line, "grpc-message")) {
      std::string_view value = TrimSpace(line.substr(13));
      self->grpc_message_ = std::string(value.substr(0, kMaxGrpcMessageBytes));
    } else if (NameIs(line, "content-type")) {
      std::string_view value = TrimSpace(line.substr(13));
      self->content_type_ = std::string(value.substr(0, 256));
    }
    return size * count;
  }

  std::string Reason(CURLcode code) const {
    return error_[0] != '\0' ? std::string(error_) : std::string(curl_easy_strerror(code));
  }

  std::string Describe(CURLcode code) const {
    switch (code) {
      case CURLE_WRITE_ERROR:
        if (too_large_) {
          return "the answer exceeds " + std::to_string(options_.max_response_bytes) + " bytes";
        }
        break;
      case CURLE_COULDNT_CONNECT: {
        long os_errno = 0;
        curl_easy_getinfo(easy_, CURLINFO_OS_ERRNO, &os_errno);
        return "cannot connect: " + (os_errno != 0
                                         ? std::string(std::strerror(static_cast<int>(os_errno)))
                                         : Reason(code));
      }
      case CURLE_COULDNT_RESOLVE_HOST:
        return "cannot resolve " + options_.host + ": " + Reason(code);
      case CURLE_OPERATION_TIMEDOUT:
        return "no answer within " + Duration(options_.export_timeout);
      default:
        break;
    }
    return Reason(code);
  }

  const OtlpExporterOptions& options_;
  std::string url_;
  CURL* easy_ = nullptr;
  curl_slist* headers_ = nullptr;
  std::string response_;
  bool too_large_ = false;
  std::optional<long> grpc_status_;
  std::string grpc_message_;
  std::string content_type_;
  char error_[CURL_ERROR_SIZE] = {};
};

std::string HostForUrl(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

struct OtlpExporter::Impl {
  OtlpExporterOptions options;
  Report report;
  std::string url;
  std::string description;

  mutable std::mutex mutex;
  std::condition_variable wake;     // the worker: spans, a flush, stop
  std::condition_variable flushed;  // Flush callers
  std::deque<Span> queue;
  std::size_t queue_bytes = 0;
  bool stopping = false;
  bool reported_drop = false;
  bool drop_report_pending = false;
  std::uint64_t flush_requested = 0;
  std::uint64_t flush_done = 0;
  // The first failure of the drain that completed the flushes flush_error_from..flush_done.
  std::optional<Error> flush_error;
  std::uint64_t flush_error_from = 0;
  OtlpExporterStats stats;
  std::thread worker;

  // Takes up to one batch off the queue. Called with the mutex held.
  std::vector<Span> TakeBatch() {
    std::size_t count = std::min(queue.size(), options.max_export_batch_size);
    std::vector<Span> batch;
    batch.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      queue_bytes -= policy::otlp::EstimatedEncodedSize(queue.front());
      batch.push_back(std::move(queue.front()));
      queue.pop_front();
    }
    return batch;
  }

  // One export, with the mutex released.
  Expected<void> Export(Transport& transport, const std::vector<Span>& batch) {
    std::string message = policy::otlp::EncodeExportTraceServiceRequest(options.resource, batch);
    std::string body = options.protocol == policy::TracingProtocol::kGrpc
                           ? policy::otlp::GrpcFrame(message)
                           : std::move(message);
    policy::otlp::PartialSuccess partial;
    Expected<void> result = transport.Post(body, partial);
    if (!result) {
      std::string line = "OTLP export of " + Spans(batch.size()) + " to " + description +
                         " failed: " + result.error().message;
      report(line);
      return MakeError(line);
    }
    if (partial.rejected_spans != 0 || !partial.error_message.empty()) {
      std::string line = "the OTLP collector at " + description + " rejected " +
                         std::to_string(partial.rejected_spans) + " of " + Spans(batch.size());
      if (!partial.error_message.empty()) {
        line += ": " + partial.error_message;
      }
      report(line);
    }
    return {};
  }

  void Run() {
    Transport transport(options, url);
    std::unique_lock lock(mutex);
    auto deadline = std::chrono::steady_clock::now() + options.scheduled_delay;
    while (true) {
      wake.wait_until(lock, deadline, [&] {
        return stopping || drop_report_pending || flush_requested > flush_done ||
               queue.size() >= options.max_export_batch_size;
      });
      if (drop_report_pending) {
        drop_report_pending = false;
        lock.unlock();
        // Once, as the SDK warns once: a line per span would flood the log under load.
        report("the OTLP span queue for " + description + " is full (" +
               std::to_string(options.max_queue_size) + " spans): spans are being dropped");
        lock.lock();
      }
      bool timer = std::chrono::steady_clock::now() >= deadline;
      bool flush = flush_requested > flush_done;
      bool drain = stopping || flush || timer;
      std::uint64_t ticket = flush_requested;
      std::optional<Error> first_error;
      // A full batch is exported at once; on the timer, a flush or at stop, everything queued.
      while (!queue.empty() && (drain || queue.size() >= options.max_export_batch_size)) {
        std::vector<Span> batch = TakeBatch();
        lock.unlock();
        Expected<void> result = Export(transport, batch);
        lock.lock();
        ++stats.exports;
        if (result) {
          stats.exported_spans += batch.size();
        } else {
          ++stats.failed_exports;
          stats.failed_spans += batch.size();
          if (!first_error) {
            first_error = result.error();
          }
        }
        if (!drain) {
          break;
        }
      }
      if (flush) {
        flush_error_from = flush_done + 1;
        flush_done = ticket;
        flush_error = first_error;
        flushed.notify_all();
      }
      if (timer || drain) {
        deadline = std::chrono::steady_clock::now() + options.scheduled_delay;
      }
      if (stopping && queue.empty()) {
        // Release any Flush that raced with the stop.
        flush_done = flush_requested;
        flushed.notify_all();
        return;
      }
    }
  }
};

OtlpExporter::OtlpExporter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Expected<std::unique_ptr<OtlpExporter>> OtlpExporter::Start(OtlpExporterOptions options,
                                                            Report report) {
  if (options.tls) {
    return MakeError("OTLP export to an https collector is not supported yet");
  }
  if (options.host.empty() || options.port == 0) {
    return MakeError("the OTLP collector has no address");
  }
  if (options.max_export_batch_size == 0 || options.max_queue_size == 0) {
    return MakeError("the OTLP batch and queue sizes must be at least 1");
  }
  InitCurlOnce();
  auto impl = std::make_unique<Impl>();
  std::string base = "http://" + HostForUrl(options.host) + ":" + std::to_string(options.port);
  if (options.protocol == policy::TracingProtocol::kGrpc) {
    impl->url = base + kGrpcExportPath;
    impl->description = base + " (gRPC)";
  } else {
    std::string path = options.path.starts_with('/') ? options.path : "/" + options.path;
    impl->url = base + path;
    impl->description = impl->url + " (OTLP/HTTP)";
  }
  impl->options = std::move(options);
  impl->report = report ? std::move(report) : [](const std::string&) {};
  Impl* raw = impl.get();
  try {
    impl->worker = std::thread([raw] { raw->Run(); });
  } catch (const std::system_error& error) {
    return MakeError(std::string("cannot start the OTLP exporter thread: ") + error.what());
  }
  return std::unique_ptr<OtlpExporter>(new OtlpExporter(std::move(impl)));
}

OtlpExporter::~OtlpExporter() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  if (impl_->worker.joinable()) {
    impl_->worker.join();
  }
}

bool OtlpExporter::Submit(Span span) {
  std::size_t size = policy::otlp::EstimatedEncodedSize(span);
  {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->stopping && impl_->queue.size() < impl_->options.max_queue_size &&
        impl_->queue_bytes + size <= impl_->options.max_queue_bytes) {
      impl_->queue.push_back(std::move(span));
      impl_->queue_bytes += size;
      ++impl_->stats.accepted;
      if (impl_->queue.size() >= impl_->options.max_export_batch_size) {
        impl_->wake.notify_one();
      }
      return true;
    }
    ++impl_->stats.dropped;
    if (!impl_->reported_drop) {
      impl_->reported_drop = true;
      impl_->drop_report_pending = true;
      impl_->wake.notify_one();
    }
  }
  return false;
}

Expected<void> OtlpExporter::Flush() {
  std::unique_lock lock(impl_->mutex);
  std::uint64_t ticket = ++impl_->flush_requested;
  impl_->wake.notify_all();
  impl_->flushed.wait(lock, [&] { return impl_->flush_done >= ticket; });
  if (impl_->flush_error && ticket >= impl_->flush_error_from) {
    return tl::unexpected(*impl_->flush_error);
  }
  return {};
}

OtlpExporterStats OtlpExporter::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

const std::string& OtlpExporter::description() const { return impl_->description; }

}  // namespace agw::emulator::io
