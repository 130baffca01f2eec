#include "emulator/policy/otlp.h"

#include <cstring>
#include <optional>

namespace agw::emulator::policy::otlp {

namespace {

// Protobuf wire types.
constexpr std::uint32_t kVarint = 0;
constexpr std::uint32_t kFixed64 = 1;
constexpr std::uint32_t kLengthDelimited = 2;
constexpr std::uint32_t kFixed32 = 5;

void PutVarint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void PutKey(std::string& out, std::uint32_t field, std::uint32_t wire_type) {
  PutVarint(out, (static_cast<std::uint64_t>(field) << 3) | wire_type);
}

void PutLittleEndian(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  }
}

void PutBytesField(std::string& out, std::uint32_t field, std::string_view bytes) {
  PutKey(out, field, kLengthDelimited);
  PutVarint(out, bytes.size());
  out.append(bytes);
}

// proto3 singular scalars are left out at their default value.
void PutStringIfSet(std::string& out, std::uint32_t field, std::string_view text) {
  if (!text.empty()) {
    PutBytesField(out, field, text);
  }
}

void PutVarintIfSet(std::string& out, std::uint32_t field, std::uint64_t value) {
  if (value != 0) {
    PutKey(out, field, kVarint);
    PutVarint(out, value);
  }
}

void PutFixed64IfSet(std::string& out, std::uint32_t field, std::uint64_t value) {
  if (value != 0) {
    PutKey(out, field, kFixed64);
    PutLittleEndian(out, value, 8);
  }
}

std::string_view AsBytes(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

std::string EncodeAnyValue(const AnyValue& value) {
  std::string out;
  // A oneof member is always written once chosen, default value or not.
  if (const auto* text = std::get_if<std::string>(&value)) {
    PutBytesField(out, 1, *text);
  } else if (const auto* flag = std::get_if<bool>(&value)) {
    PutKey(out, 2, kVarint);
    PutVarint(out, *flag ? 1 : 0);
  } else if (const auto* integer = std::get_if<std::int64_t>(&value)) {
    PutKey(out, 3, kVarint);
    // int64 negatives are their two's complement: ten bytes.
    PutVarint(out, static_cast<std::uint64_t>(*integer));
  } else if (const auto* number = std::get_if<double>(&value)) {
    PutKey(out, 4, kFixed64);
    std::uint64_t bits = 0;
    std::memcpy(&bits, number, sizeof(bits));
    PutLittleEndian(out, bits, 8);
  }
  return out;
}

std::string EncodeKeyValue(const KeyValue& attribute) {
  std::string out;
  PutStringIfSet(out, 1, attribute.key);
  PutBytesField(out, 2, EncodeAnyValue(attribute.value));
  return out;
}

std::string EncodeSpan(const Span& span) {
  std::string out;
  PutBytesField(out, 1, AsBytes(span.trace_id.data(), span.trace_id.size()));
  PutBytesField(out, 2, AsBytes(span.span_id.data(), span.span_id.size()));
  // 3 trace_state: always "" for agentgateway.
  if (span.has_parent) {
    PutBytesField(out, 4, AsBytes(span.parent_span_id.data(), span.parent_span_id.size()));
  }
  PutStringIfSet(out, 5, span.name);
  PutVarintIfSet(out, 6, static_cast<std::uint64_t>(span.kind));
  PutFixed64IfSet(out, 7, span.start_unix_nano);
  PutFixed64IfSet(out, 8, span.end_unix_nano);
  for (const KeyValue& attribute : span.attributes) {
    PutBytesField(out, 9, EncodeKeyValue(attribute));
  }
  // 10-14: no dropped attributes, events or links.
  // The status is always present, even when empty (UNSET without a message is `7A 00`).
  std::string status;
  if (span.status_code == StatusCode::kError) {
    PutStringIfSet(status, 2, span.status_message);
  }
  PutVarintIfSet(status, 3, static_cast<std::uint64_t>(span.status_code));
  PutBytesField(out, 15, status);
  if (std::uint32_t flags = SpanFlags(span); flags != 0) {
    PutKey(out, 16, kFixed32);
    PutLittleEndian(out, flags, 4);
  }
  return out;
}

// A reader over protobuf bytes; every read is checked against the end.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  bool done() const { return position_ >= bytes_.size(); }

  std::optional<std::uint64_t> Varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (position_ >= bytes_.size()) {
        return std::nullopt;
      }
      auto byte = static_cast<std::uint8_t>(bytes_[position_++]);
      value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) {
        return value;
      }
    }
    return std::nullopt;  // more than ten bytes
  }

  std::optional<std::string_view> Take(std::uint64_t size) {
    if (size > bytes_.size() - position_) {
      return std::nullopt;
    }
    std::string_view taken = bytes_.substr(position_, size);
    position_ += size;
    return taken;
  }

  // Skips a field's value of `wire_type`; false when malformed.
  bool Skip(std::uint32_t wire_type) {
    switch (wire_type) {
      case kVarint:
        return Varint().has_value();
      case kFixed64:
        return Take(8).has_value();
      case kLengthDelimited: {
        std::optional<std::uint64_t> size = Varint();
        return size && Take(*size).has_value();
      }
      case kFixed32:
        return Take(4).has_value();
      default:
        return false;  // groups (3, 4) and the unused 6, 7
    }
  }

 private:
  std::string_view bytes_;
  std::size_t position_ = 0;
};

Expected<PartialSuccess> DecodePartialSuccess(std::string_view bytes) {
  PartialSuccess result;
  Reader reader(bytes);
  while (!reader.done()) {
    std::optional<std::uint64_t> key = reader.Varint();
    if (!key) {
      return MakeError("malformed ExportTracePartialSuccess: truncated field key");
    }
    auto field = static_cast<std::uint32_t>(*key >> 3);
    auto wire_type = static_cast<std::uint32_t>(*key & 7);
    if (field == 1 && wire_type == kVarint) {
      std::optional<std::uint64_t> value = reader.Varint();
      if (!value) {
        return MakeError("malformed ExportTracePartialSuccess: truncated rejected_spans");
      }
      result.rejected_spans = static_cast<std::int64_t>(*value);
    } else if (field == 2 && wire_type == kLengthDelimited) {
      std::optional<std::uint64_t> size = reader.Varint();
      std::optional<std::string_view> text = size ? reader.Take(*size) : std::nullopt;
      if (!text) {
        return MakeError("malformed ExportTracePartialSuccess: truncated error_message");
      }
      result.error_message = std::string(*text);
    } else if (!reader.Skip(wire_type)) {
      return MakeError("malformed ExportTracePartialSuccess: bad field " + std::to_string(field));
    }
  }
  return result;
}

}  // namespace

std::uint32_t SpanFlags(const Span& span) {
  return span.trace_flags | kContextHasIsRemote |
         (span.has_parent && span.parent_is_remote ? kContextIsRemote : 0);
}

std::string EncodeExportTraceServiceRequest(const std::vector<KeyValue>& resource,
                                            const std::vector<Span>& spans) {
  std::string resource_message;
  for (const KeyValue& attribute : resource) {
    PutBytesField(resource_message, 1, EncodeKeyValue(attribute));
  }
  std::string resource_spans;
  PutBytesField(resource_spans, 1, resource_message);  // present even when empty

  std::vector<std::string_view> scopes;  // first-appearance order
  for (const Span& span : spans) {
    bool seen = false;
    for (std::string_view scope : scopes) {
      seen = seen || scope == span.scope_name;
    }
    if (!seen) {
      scopes.push_back(span.scope_name);
    }
  }
  for (std::string_view scope : scopes) {
    std::string scope_message;
    PutStringIfSet(scope_message, 1, scope);  // no version, attributes or dropped count
    std::string scope_spans;
    PutBytesField(scope_spans, 1, scope_message);
    for (const Span& span : spans) {
      if (span.scope_name == scope) {
        PutBytesField(scope_spans, 2, EncodeSpan(span));
      }
    }
    PutBytesField(resource_spans, 2, scope_spans);
  }
  std::string request;
  PutBytesField(request, 1, resource_spans);
  return request;
}

std::size_t EstimatedEncodedSize(const Span& span) {
  // Ids, times, kind, status, flags and the framing of each field: under 96 bytes.
  std::size_t size = 96 + span.name.size() + span.status_message.size() + span.scope_name.size();
  for (const KeyValue& attribute : span.attributes) {
    size += 16 + attribute.key.size();
    if (const auto* text = std::get_if<std::string>(&attribute.value)) {
      size += text->size();
    } else {
      size += 10;
    }
  }
  return size;
}

std::string GrpcFrame(std::string_view message) {
  std::string out;
  out.reserve(5 + message.size());
  out.push_back('\0');
  auto size = static_cast<std::uint32_t>(message.size());
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((size >> shift) & 0xFF));
  }
  out.append(message);
  return out;
}

Expected<std::string> GrpcUnframe(std::string_view body) {
  if (body.empty()) {
    return MakeError("the gRPC response has no message");
  }
  if (body.size() < 5) {
    return MakeError("the gRPC response is shorter than a message prefix (" +
                     std::to_string(body.size()) + " bytes)");
  }
  if (body[0] != '\0') {
    return MakeError("the gRPC response message is compressed, and no compression was asked for");
  }
  std::uint32_t size = 0;
  for (int i = 1; i <= 4; ++i) {
    size = (size << 8) | static_cast<std::uint8_t>(body[i]);
  }
  if (body.size() - 5 < size) {
    return MakeError("the gRPC response message is truncated (" + std::to_string(body.size() - 5) +
                     " of " + std::to_string(size) + " bytes)");
  }
  if (body.size() - 5 > size) {
    return MakeError("the gRPC response has bytes after its message");
  }
  return std::string(body.substr(5));
}

Expected<PartialSuccess> DecodeExportTraceServiceResponse(std::string_view bytes) {
  PartialSuccess result;
  Reader reader(bytes);
  while (!reader.done()) {
    std::optional<std::uint64_t> key = reader.Varint();
    if (!key) {
      return MakeError("malformed ExportTraceServiceResponse: truncated field key");
    }
    auto field = static_cast<std::uint32_t>(*key >> 3);
    auto wire_type = static_cast<std::uint32_t>(*key & 7);
    if (field == 1 && wire_type == kLengthDelimited) {
      std::optional<std::uint64_t> size = reader.Varint();
      std::optional<std::string_view> inner = size ? reader.Take(*size) : std::nullopt;
      if (!inner) {
        return MakeError("malformed ExportTraceServiceResponse: truncated partial_success");
      }
      // A repeated singular message merges; the last values win, as in protobuf.
      Expected<PartialSuccess> partial = DecodePartialSuccess(*inner);
      if (!partial) {
        return partial;
      }
      if (partial->rejected_spans != 0) {
        result.rejected_spans = partial->rejected_spans;
      }
      if (!partial->error_message.empty()) {
        result.error_message = partial->error_message;
      }
    } else if (!reader.Skip(wire_type)) {
      return MakeError("malformed ExportTraceServiceResponse: bad field " + std::to_string(field));
    }
  }
  return result;
}

}  // namespace agw::emulator::policy::otlp
