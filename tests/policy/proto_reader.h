#pragma once

// A small protobuf reader for tests, independent of emulator/policy/otlp.cc: it splits a message
// into its fields in wire order, and decodes an ExportTraceServiceRequest into plain structs by
// the field numbers of opentelemetry-proto, so the encoder is checked against the spec's table
// rather than against itself.

#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agw::test::proto {

struct Field {
  std::uint32_t number = 0;
  std::uint32_t wire_type = 0;
  std::uint64_t integer = 0;  // varint, fixed32 and fixed64 values
  std::string bytes;          // length-delimited payload
  std::string key_bytes;      // the key as written, e.g. "\x85\x01" for field 16 fixed32
};

// The fields of `message` in order; nullopt when it is malformed.
inline std::optional<std::vector<Field>> Parse(std::string_view message) {
  std::vector<Field> fields;
  std::size_t at = 0;
  auto varint = [&](std::uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (at >= message.size()) {
        return false;
      }
      auto byte = static_cast<std::uint8_t>(message[at++]);
      out |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) {
        return true;
      }
    }
    return false;
  };
  while (at < message.size()) {
    Field field;
    std::size_t key_start = at;
    std::uint64_t key = 0;
    if (!varint(key)) {
      return std::nullopt;
    }
    field.key_bytes = std::string(message.substr(key_start, at - key_start));
    field.number = static_cast<std::uint32_t>(key >> 3);
    field.wire_type = static_cast<std::uint32_t>(key & 7);
    switch (field.wire_type) {
      case 0:
        if (!varint(field.integer)) {
          return std::nullopt;
        }
        break;
      case 1:
      case 5: {
        std::size_t size = field.wire_type == 1 ? 8 : 4;
        if (message.size() - at < size) {
          return std::nullopt;
        }
        for (std::size_t i = 0; i < size; ++i) {
          field.integer |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(message[at + i]))
                           << (8 * i);
        }
        at += size;
        break;
      }
      case 2: {
        std::uint64_t size = 0;
        if (!varint(size) || message.size() - at < size) {
          return std::nullopt;
        }
        field.bytes = std::string(message.substr(at, size));
        at += size;
        break;
      }
      default:
        return std::nullopt;
    }
    fields.push_back(std::move(field));
  }
  return fields;
}

inline std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out.push_back(kDigits[static_cast<std::uint8_t>(c) >> 4]);
    out.push_back(kDigits[static_cast<std::uint8_t>(c) & 0x0F]);
  }
  return out;
}

// An AnyValue rendered for comparison: "s:text", "b:true", "i:-5", "d:0.5".
inline std::string AnyValueText(std::string_view any) {
  std::optional<std::vector<Field>> fields = Parse(any);
  if (!fields || fields->size() != 1) {
    return "<malformed AnyValue>";
  }
  const Field& field = fields->front();
  switch (field.number) {
    case 1:
      return "s:" + field.bytes;
    case 2:
      return std::string("b:") + (field.integer != 0 ? "true" : "false");
    case 3:
      return "i:" + std::to_string(static_cast<std::int64_t>(field.integer));
    case 4: {
      double number = 0;
      std::memcpy(&number, &field.integer, sizeof(number));
      std::string text = std::to_string(number);
      return "d:" + text;
    }
    default:
      return "<AnyValue field " + std::to_string(field.number) + ">";
  }
}

// KeyValue list -> (key, AnyValueText) in order.
using Attributes = std::vector<std::pair<std::string, std::string>>;

inline Attributes KeyValues(const std::vector<Field>& fields, std::uint32_t number) {
  Attributes result;
  for (const Field& field : fields) {
    if (field.number != number) {
      continue;
    }
    std::string key;
    std::string value = "<no value>";
    for (const Field& part : Parse(field.bytes).value_or(std::vector<Field>{})) {
      if (part.number == 1) {
        key = part.bytes;
      } else if (part.number == 2) {
        value = AnyValueText(part.bytes);
      }
    }
    result.emplace_back(key, value);
  }
  return result;
}

struct DecodedSpan {
  std::string scope;
  std::string trace_id;  // hex
  std::string span_id;
  std::string parent_span_id;  // hex, "" when absent
  std::string name;
  std::uint64_t kind = 0;
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  Attributes attributes;
  bool has_status = false;
  std::uint64_t status_code = 0;
  std::string status_message;
  std::optional<std::uint32_t> flags;
};

struct DecodedRequest {
  std::size_t resource_spans = 0;
  Attributes resource;
  std::vector<DecodedSpan> spans;
};

inline std::optional<DecodedRequest> DecodeRequest(std::string_view bytes) {
  std::optional<std::vector<Field>> top = Parse(bytes);
  if (!top) {
    return std::nullopt;
  }
  DecodedRequest request;
  for (const Field& resource_spans : *top) {
    if (resource_spans.number != 1) {
      continue;
    }
    ++request.resource_spans;
    std::optional<std::vector<Field>> rs = Parse(resource_spans.bytes);
    if (!rs) {
      return std::nullopt;
    }
    for (const Field& field : *rs) {
      if (field.number == 1) {
        request.resource = KeyValues(Parse(field.bytes).value_or(std::vector<Field>{}), 1);
      } else if (field.number == 2) {
        std::optional<std::vector<Field>> scope_spans = Parse(field.bytes);
        if (!scope_spans) {
          return std::nullopt;
        }
        std::string scope;
        for (const Field& part : *scope_spans) {
          if (part.number == 1) {
            for (const Field& s : Parse(part.bytes).value_or(std::vector<Field>{})) {
              if (s.number == 1) {
                scope = s.bytes;
              }
            }
          } else if (part.number == 2) {
            std::optional<std::vector<Field>> span_fields = Parse(part.bytes);
            if (!span_fields) {
              return std::nullopt;
            }
            DecodedSpan span;
            span.scope = scope;
            for (const Field& f : *span_fields) {
              switch (f.number) {
                case 1:
                  span.trace_id = Hex(f.bytes);
                  break;
                case 2:
                  span.span_id = Hex(f.bytes);
                  break;
                case 4:
                  span.parent_span_id = Hex(f.bytes);
                  break;
                case 5:
                  span.name = f.bytes;
                  break;
                case 6:
                  span.kind = f.integer;
                  break;
                case 7:
                  span.start = f.integer;
                  break;
                case 8:
                  span.end = f.integer;
                  break;
                case 15: {
                  span.has_status = true;
                  for (const Field& s : Parse(f.bytes).value_or(std::vector<Field>{})) {
                    if (s.number == 2) {
                      span.status_message = s.bytes;
                    } else if (s.number == 3) {
                      span.status_code = s.integer;
                    }
                  }
                  break;
                }
                case 16:
                  span.flags = static_cast<std::uint32_t>(f.integer);
                  break;
                default:
                  break;
              }
            }
            span.attributes = KeyValues(*span_fields, 9);
            request.spans.push_back(std::move(span));
          }
        }
      }
    }
  }
  return request;
}

}  // namespace agw::test::proto
