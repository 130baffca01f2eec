#pragma once

// OTLP trace export on the wire (opentelemetry-proto, collector/trace/v1 and trace/v1): the
// protobuf encoding of an ExportTraceServiceRequest as opentelemetry-rust 0.32 builds it for
// agentgateway (spec-tracing-cel.md 1.8 and 1.9), gRPC message framing, and the decoding of an
// ExportTraceServiceResponse. Hand-written: only the fields agentgateway sets are modelled.
//
// Pure and thread-compatible: values in, bytes out.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "validate/manifest/error.h"

namespace agw::emulator::policy::otlp {

// common/v1 AnyValue restricted to the members agentgateway emits. A oneof member is written even
// when it holds its type's default ("", 0, false, 0.0), as prost does.
using AnyValue = std::variant<std::string, bool, std::int64_t, double>;

struct KeyValue {
  std::string key;
  AnyValue value;

  bool operator==(const KeyValue&) const = default;
};

using TraceId = std::array<std::uint8_t, 16>;  // big-endian, as the W3C hex reads
using SpanId = std::array<std::uint8_t, 8>;

enum class SpanKind : std::uint8_t {
  kUnspecified = 0,
  kInternal = 1,
  kServer = 2,
  kClient = 3,
  kProducer = 4,
  kConsumer = 5,
};

enum class StatusCode : std::uint8_t { kUnset = 0, kOk = 1, kError = 2 };

// SpanFlags bits added to the W3C trace flags (the low byte).
inline constexpr std::uint32_t kContextHasIsRemote = 0x100;
inline constexpr std::uint32_t kContextIsRemote = 0x200;

// One finished span. Events and links are never emitted (agentgateway has none); trace_state is
// always empty and not modelled.
struct Span {
  TraceId trace_id{};
  SpanId span_id{};
  bool has_parent = false;
  SpanId parent_span_id{};
  bool parent_is_remote = false;  // the parent came from the client's traceparent
  std::uint8_t trace_flags = 0;   // W3C flags of the span's context (0x01 sampled)
  std::string name;
  SpanKind kind = SpanKind::kUnspecified;
  std::uint64_t start_unix_nano = 0;
  std::uint64_t end_unix_nano = 0;
  std::vector<KeyValue> attributes;
  StatusCode status_code = StatusCode::kUnset;
  std::string status_message;  // written only with kError, as opentelemetry-proto does
  // The InstrumentationScope the span belongs to; agentgateway always names it so.
  std::string scope_name = "agentgateway";

  bool operator==(const Span&) const = default;
};

// Span.flags: trace_flags | CONTEXT_HAS_IS_REMOTE | CONTEXT_IS_REMOTE when the parent is remote
// (0x301 for a server span continuing a client's trace, 0x101 otherwise when sampled).
std::uint32_t SpanFlags(const Span& span);

// ExportTraceServiceRequest with one ResourceSpans: `resource` as its Resource attributes (in this
// order), and one ScopeSpans per distinct scope_name, in the order the scopes first appear in
// `spans` (opentelemetry-rust groups them through a HashMap, so its order is arbitrary).
std::string EncodeExportTraceServiceRequest(const std::vector<KeyValue>& resource,
                                            const std::vector<Span>& spans);

// A rough upper bound of the bytes `span` takes in an encoded request, for queue accounting.
std::size_t EstimatedEncodedSize(const Span& span);

// gRPC Length-Prefixed-Message: a 0 (uncompressed) flag byte, the length as 4 big-endian bytes,
// then `message`.
std::string GrpcFrame(std::string_view message);

// The one message of a unary gRPC response body. Errors for a short or truncated frame, trailing
// bytes, a compressed message (no grpc-encoding is negotiated) and an empty body (tonic's
// "Missing response message.").
Expected<std::string> GrpcUnframe(std::string_view body);

// ExportTraceServiceResponse.partial_success (ExportTracePartialSuccess); all zero when absent,
// which is full success.
struct PartialSuccess {
  std::int64_t rejected_spans = 0;
  std::string error_message;

  bool operator==(const PartialSuccess&) const = default;
};

// Decodes an ExportTraceServiceResponse, skipping unknown fields. An error for malformed
// protobuf (truncated varint or length, a group wire type, a length beyond the input).
Expected<PartialSuccess> DecodeExportTraceServiceResponse(std::string_view bytes);

}  // namespace agw::emulator::policy::otlp
