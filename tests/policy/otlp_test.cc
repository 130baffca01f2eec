// The OTLP protobuf encoding (spec-tracing-cel.md 1.8-1.9), read back with the test's own
// protobuf reader (tests/policy/proto_reader.h) and, for one small request, compared byte for
// byte with a hand-assembled expectation.

#include "emulator/policy/otlp.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/policy/proto_reader.h"

namespace agw::emulator::policy::otlp {
namespace {

using test::proto::Field;

std::string Bytes(std::initializer_list<int> values) {
  std::string out;
  for (int value : values) {
    out.push_back(static_cast<char>(value));
  }
  return out;
}

Span SmallSpan() {
  Span span;
  for (int i = 0; i < 16; ++i) {
    span.trace_id[i] = static_cast<std::uint8_t>(i + 1);
  }
  for (int i = 0; i < 8; ++i) {
    span.span_id[i] = static_cast<std::uint8_t>(0x11 + i);
  }
  span.trace_flags = 0x01;
  span.name = "GET /*";
  span.kind = SpanKind::kServer;
  span.start_unix_nano = 1;
  span.end_unix_nano = 2;
  return span;
}

// The one span of a request encoded from `spans`, as its fields.
std::vector<Field> SpanFields(const std::string& request) {
  auto top = test::proto::Parse(request);
  REQUIRE(top);
  REQUIRE(top->size() == 1);
  auto resource_spans = test::proto::Parse((*top)[0].bytes);
  REQUIRE(resource_spans);
  REQUIRE(resource_spans->size() == 2);
  auto scope_spans = test::proto::Parse((*resource_spans)[1].bytes);
  REQUIRE(scope_spans);
  REQUIRE(scope_spans->size() == 2);
  auto span = test::proto::Parse((*scope_spans)[1].bytes);
  REQUIRE(span);
  return *span;
}

TEST_CASE("A small export request is encoded byte for byte as opentelemetry-proto defines it") {
  std::string request =
      EncodeExportTraceServiceRequest({{"service.name", std::string("gw")}}, {SmallSpan()});
  std::string span =
      Bytes({0x0A, 0x10, 1,  2,  3,    4,    5,    6,    7,    8,    9,    10,   11,   12,
             13,   14,   15, 16, 0x12, 0x08, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18}) +
      Bytes({0x2A, 0x06}) + "GET /*" + Bytes({0x30, 0x02}) + Bytes({0x39, 1, 0, 0, 0, 0, 0, 0, 0}) +
      Bytes({0x41, 2, 0, 0, 0, 0, 0, 0, 0}) + Bytes({0x7A, 0x00}) +
      Bytes({0x85, 0x01, 0x01, 0x01, 0x00, 0x00});
  REQUIRE(span.size() == 64);
  std::string any_value = Bytes({0x0A, 0x02}) + "gw";
  std::string key_value = Bytes({0x0A, 0x0C}) + "service.name" + Bytes({0x12, 0x04}) + any_value;
  std::string resource = Bytes({0x0A, static_cast<int>(key_value.size())}) + key_value;
  std::string scope = Bytes({0x0A, 0x0C}) + "agentgateway";
  std::string scope_spans = Bytes({0x0A, static_cast<int>(scope.size())}) + scope +
                            Bytes({0x12, static_cast<int>(span.size())}) + span;
  std::string resource_spans = Bytes({0x0A, static_cast<int>(resource.size())}) + resource +
                               Bytes({0x12, static_cast<int>(scope_spans.size())}) + scope_spans;
  std::string expected = Bytes({0x0A, static_cast<int>(resource_spans.size())}) + resource_spans;
  CHECK(test::proto::Hex(request) == test::proto::Hex(expected));
}

TEST_CASE("Span fields carry the numbers and wire types of trace.proto") {
  Span span = SmallSpan();
  span.has_parent = true;
  span.parent_span_id = {0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8};
  span.parent_is_remote = true;
  span.start_unix_nano = 1700000000123456789ULL;
  span.end_unix_nano = 1700000000223456789ULL;
  span.attributes = {{"http.method", std::string("GET")}, {"http.status", std::int64_t{200}}};
  span.status_code = StatusCode::kError;
  span.status_message = "upstream call failed";
  std::vector<Field> fields = SpanFields(EncodeExportTraceServiceRequest({}, {span}));
  std::vector<std::uint32_t> numbers;
  for (const Field& field : fields) {
    numbers.push_back(field.number);
  }
  CHECK(numbers == std::vector<std::uint32_t>{1, 2, 4, 5, 6, 7, 8, 9, 9, 15, 16});
  CHECK(test::proto::Hex(fields[2].bytes) == "a1a2a3a4a5a6a7a8");
  CHECK(fields[5].key_bytes == Bytes({0x39}));
  CHECK(fields[5].wire_type == 1);
  CHECK(fields[5].integer == 1700000000123456789ULL);
  CHECK(fields[6].key_bytes == Bytes({0x41}));
  CHECK(fields[6].integer == 1700000000223456789ULL);
  // Flags: fixed32 under the two-byte key 85 01; a remote parent adds 0x200.
  CHECK(fields[10].key_bytes == Bytes({0x85, 0x01}));
  CHECK(fields[10].wire_type == 5);
  CHECK(fields[10].integer == 0x301);
  // Status: message (2) then code (3) = ERROR.
  auto status = test::proto::Parse(fields[9].bytes);
  REQUIRE(status);
  REQUIRE(status->size() == 2);
  CHECK((*status)[0].number == 2);
  CHECK((*status)[0].bytes == "upstream call failed");
  CHECK((*status)[1].number == 3);
  CHECK((*status)[1].integer == 2);
  auto decoded = test::proto::DecodeRequest(EncodeExportTraceServiceRequest({}, {span}));
  REQUIRE(decoded);
  CHECK(decoded->spans[0].attributes ==
        test::proto::Attributes{{"http.method", "s:GET"}, {"http.status", "i:200"}});
}

TEST_CASE("An unset status is an empty sub-message that is still written") {
  std::vector<Field> fields = SpanFields(EncodeExportTraceServiceRequest({}, {SmallSpan()}));
  REQUIRE(fields.size() == 8);  // ids, name, kind, times, status, flags
  CHECK(fields[6].key_bytes == Bytes({0x7A}));
  CHECK(fields[6].bytes.empty());
}

TEST_CASE("A status message is written only with the ERROR code") {
  Span span = SmallSpan();
  span.status_code = StatusCode::kOk;
  span.status_message = "ignored";
  std::vector<Field> fields = SpanFields(EncodeExportTraceServiceRequest({}, {span}));
  REQUIRE(fields[6].number == 15);
  CHECK(test::proto::Hex(fields[6].bytes) == "1801");
}

TEST_CASE("Span flags are the trace flags with HAS_IS_REMOTE and IS_REMOTE for a remote parent") {
  Span root = SmallSpan();
  CHECK(SpanFlags(root) == 0x101);
  Span child = SmallSpan();
  child.has_parent = true;
  CHECK(SpanFlags(child) == 0x101);
  child.parent_is_remote = true;
  CHECK(SpanFlags(child) == 0x301);
  child.trace_flags = 0;
  CHECK(SpanFlags(child) == 0x300);
}

TEST_CASE("A negative int64 attribute is a ten byte varint") {
  Span span = SmallSpan();
  span.attributes = {{"n", std::int64_t{-1}}};
  std::vector<Field> fields = SpanFields(EncodeExportTraceServiceRequest({}, {span}));
  const Field& attribute = fields[6];
  REQUIRE(attribute.number == 9);
  std::string expected_value =
      Bytes({0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01});
  CHECK(test::proto::Hex(attribute.bytes) ==
        test::proto::Hex(Bytes({0x0A, 0x01, 'n', 0x12, 0x0B}) + expected_value));
}

TEST_CASE("AnyValue members are written even at their default value") {
  Span span = SmallSpan();
  span.attributes = {{"s", std::string()}, {"b", false}, {"i", std::int64_t{0}},
                     {"d", 0.0},           {"t", true},  {"x", 1.5}};
  std::vector<Field> fields = SpanFields(EncodeExportTraceServiceRequest({}, {span}));
  std::vector<std::string> values;
  for (const Field& field : fields) {
    if (field.number != 9) {
      continue;
    }
    auto parts = test::proto::Parse(field.bytes);
    REQUIRE(parts);
    REQUIRE(parts->size() == 2);
    values.push_back(test::proto::Hex((*parts)[1].bytes));
  }
  CHECK(values == std::vector<std::string>{"0a00", "1000", "1800", "210000000000000000", "1001",
                                           "21000000000000f83f"});
}

TEST_CASE("Spans are grouped by scope in the order the scopes first appear") {
  Span a = SmallSpan();
  a.name = "a";
  Span b = SmallSpan();
  b.name = "b";
  b.scope_name = "other";
  Span c = SmallSpan();
  c.name = "c";
  auto decoded = test::proto::DecodeRequest(EncodeExportTraceServiceRequest({}, {a, b, c}));
  REQUIRE(decoded);
  CHECK(decoded->resource_spans == 1);
  REQUIRE(decoded->spans.size() == 3);
  CHECK(decoded->spans[0].scope == "agentgateway");
  CHECK(decoded->spans[0].name == "a");
  CHECK(decoded->spans[1].scope == "agentgateway");
  CHECK(decoded->spans[1].name == "c");
  CHECK(decoded->spans[2].scope == "other");
  CHECK(decoded->spans[2].name == "b");
}

TEST_CASE("An empty batch still carries the resource") {
  std::string request = EncodeExportTraceServiceRequest({{"k", std::int64_t{7}}}, {});
  auto decoded = test::proto::DecodeRequest(request);
  REQUIRE(decoded);
  CHECK(decoded->resource_spans == 1);
  CHECK(decoded->resource == test::proto::Attributes{{"k", "i:7"}});
  CHECK(decoded->spans.empty());
}

TEST_CASE("gRPC framing puts a zero flag and a big endian length before the message") {
  CHECK(test::proto::Hex(GrpcFrame("abc")) == "0000000003616263");
  CHECK(test::proto::Hex(GrpcFrame("")) == "0000000000");
  std::string big(300, 'x');
  CHECK(test::proto::Hex(GrpcFrame(big).substr(0, 5)) == "000000012c");
}

TEST_CASE("A gRPC response body gives back its one message") {
  CHECK(GrpcUnframe(GrpcFrame("hello")).value() == "hello");
  CHECK(GrpcUnframe(GrpcFrame("")).value().empty());
  CHECK(GrpcUnframe("").error().message == "the gRPC response has no message");
  CHECK(GrpcUnframe(Bytes({0, 0, 0})).error().message ==
        "the gRPC response is shorter than a message prefix (3 bytes)");
  CHECK(GrpcUnframe(Bytes({1, 0, 0, 0, 0})).error().message ==
        "the gRPC response message is compressed, and no compression was asked for");
  CHECK(GrpcUnframe(Bytes({0, 0, 0, 0, 4, 'a'})).error().message ==
        "the gRPC response message is truncated (1 of 4 bytes)");
  CHECK(GrpcUnframe(GrpcFrame("a") + "b").error().message ==
        "the gRPC response has bytes after its message");
}

TEST_CASE("An export response decodes its partial success and skips unknown fields") {
  CHECK(DecodeExportTraceServiceResponse("").value() == PartialSuccess{});
  std::string partial = Bytes({0x08, 0x03, 0x12, 0x04}) + "full";
  std::string response = Bytes({0x0A, static_cast<int>(partial.size())}) + partial;
  CHECK(DecodeExportTraceServiceResponse(response).value() == PartialSuccess{3, "full"});
  // Unknown fields of every wire type around it.
  std::string with_unknown = Bytes({0x10, 0x05}) + Bytes({0x19, 1, 2, 3, 4, 5, 6, 7, 8}) +
                             Bytes({0x25, 1, 2, 3, 4}) + Bytes({0x2A, 0x01, 'z'}) + response;
  CHECK(DecodeExportTraceServiceResponse(with_unknown).value() == PartialSuccess{3, "full"});
  // An empty partial_success (the collector accepted everything).
  CHECK(DecodeExportTraceServiceResponse(Bytes({0x0A, 0x00})).value() == PartialSuccess{});
}

TEST_CASE("A malformed export response is an error") {
  CHECK(DecodeExportTraceServiceResponse(Bytes({0x0A, 0x05, 0x08})).error().message ==
        "malformed ExportTraceServiceResponse: truncated partial_success");
  CHECK(DecodeExportTraceServiceResponse(Bytes({0x0A, 0x01, 0x08})).error().message ==
        "malformed ExportTracePartialSuccess: truncated rejected_spans");
  CHECK(DecodeExportTraceServiceResponse(Bytes({0x0B})).error().message ==
        "malformed ExportTraceServiceResponse: bad field 1");
  CHECK(DecodeExportTraceServiceResponse(Bytes({0x80})).error().message ==
        "malformed ExportTraceServiceResponse: truncated field key");
}

TEST_CASE("The estimated size bounds the encoded size of a span") {
  Span span = SmallSpan();
  span.attributes = {{"key", std::string(1000, 'v')}, {"n", std::int64_t{-1}}, {"d", 2.5}};
  span.status_code = StatusCode::kError;
  span.status_message = "boom";
  std::string request = EncodeExportTraceServiceRequest({}, {span});
  std::string empty = EncodeExportTraceServiceRequest({}, {});
  CHECK(request.size() - empty.size() <= EstimatedEncodedSize(span));
}

}  // namespace
}  // namespace agw::emulator::policy::otlp
