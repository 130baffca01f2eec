#pragma once

// The OTLP trace exporter of `run`: agentgateway's opentelemetry-sdk BatchSpanProcessor in front
// of an OTLP exporter (spec-tracing-cel.md 1.8). Spans are queued without blocking (at most 2048;
// later ones are dropped and counted), exported in batches of at most 512 when a batch is full or
// the scheduled delay (5 s) has passed, one export at a time, each bounded by the export timeout
// (30 s). Two wire protocols, over libcurl:
//   gRPC  HTTP/2 with prior knowledge (h2c), POST
//         /opentelemetry.proto.collector.trace.v1.TraceService/Export, content-type
//         application/grpc, te: trailers, a length-prefixed ExportTraceServiceRequest; success is
//         grpc-status 0 (read from the trailers, or from the headers of a trailers-only answer).
//   HTTP  HTTP/1.1 POST <path>, Content-Type: application/x-protobuf, the raw request; success is
//         a 2xx status.
// Only plain http collectors are supported (no TLS yet). libcurl stays in otlp_exporter.cc.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "emulator/policy/otlp.h"
#include "emulator/policy/tracing.h"
#include "validate/manifest/error.h"

namespace agw::emulator::io {

struct OtlpExporterOptions {
  policy::TracingProtocol protocol = policy::TracingProtocol::kGrpc;
  std::string host;  // where to connect: an IP address or a name the resolver knows
  std::uint16_t port = 0;
  std::string path = "/v1/traces";  // OTLP/HTTP only
  // The Host (HTTP/1.1) or :authority (HTTP/2) sent, e.g.
  // "otel-collector.default.svc.cluster.local:4317"; empty: "<host>:<port>".
  std::string authority;
  bool tls = false;  // https collectors: refused by Start for now
  // The Resource every export carries (policy::TraceResource).
  std::vector<policy::otlp::KeyValue> resource;
  // opentelemetry-sdk BatchSpanProcessor defaults.
  std::size_t max_queue_size = 2048;
  std::size_t max_export_batch_size = 512;
  std::chrono::milliseconds scheduled_delay{5000};
  std::chrono::milliseconds export_timeout{30000};
  // Bounds of our own: the queued spans' estimated encoded bytes, and a collector's answer.
  std::size_t max_queue_bytes = std::size_t{64} << 20;
  std::size_t max_response_bytes = std::size_t{64} << 10;
  // Empty: agentgateway's, "OTel-OTLP-Exporter-Rust/0.32.0" for HTTP; none for gRPC.
  std::string user_agent;
};

struct OtlpExporterStats {
  std::uint64_t accepted = 0;        // spans queued by Submit
  std::uint64_t dropped = 0;         // spans refused by Submit (queue full, or stopping)
  std::uint64_t exported_spans = 0;  // spans in exports that succeeded
  std::uint64_t failed_spans = 0;    // spans in exports that failed (not retried, as the SDK)
  std::uint64_t exports = 0;         // export calls made
  std::uint64_t failed_exports = 0;
};

class OtlpExporter {
 public:
  // Receives each failed export (and a collector's partial success, and the first drop) as one
  // line, e.g.
  //   OTLP export of 3 spans to http://127.0.0.1:4318/v1/traces (OTLP/HTTP) failed: the collector
  //   answered HTTP 404
  // Called on the exporter's thread: it must be thread-safe and must not call the exporter.
  using Report = std::function<void(const std::string& message)>;

  // Starts the exporter's thread. Fails for tls, an empty host, port 0 or a batch size of 0.
  static Expected<std::unique_ptr<OtlpExporter>> Start(OtlpExporterOptions options, Report report);

  // Exports what is still queued (each export bounded by the timeout), then stops the thread.
  ~OtlpExporter();
  OtlpExporter(const OtlpExporter&) = delete;
  OtlpExporter& operator=(const OtlpExporter&) = delete;

  // Queues a finished span; never blocks on the network. False when it was dropped.
  // Thread-safe.
  bool Submit(policy::otlp::Span span);

  // Exports every span queued before the call, now, and waits for those exports. The first
  // failure among them is returned (it was reported too). Thread-safe; not from Report.
  Expected<void> Flush();

  OtlpExporterStats stats() const;  // thread-safe

  // "http://127.0.0.1:4317 (gRPC)" or "http://127.0.0.1:4318/v1/traces (OTLP/HTTP)".
  const std::string& description() const;

 private:
  struct Impl;
  explicit OtlpExporter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace agw::emulator::io
