#include "emulator/llm/eventstream.h"

#include <array>

namespace agw::emulator::llm {
namespace {

constexpr size_t kPreludeBytes = 12;  // total length, headers length, prelude CRC
constexpr size_t kChecksumBytes = 4;
constexpr size_t kMinMessageBytes = kPreludeBytes + kChecksumBytes;

constexpr std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit) {
      c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    table[i] = c;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kCrcTable = MakeCrcTable();

uint32_t ReadU32(std::string_view bytes, size_t at) {
  return (uint32_t{static_cast<uint8_t>(bytes[at])} << 24) |
         (uint32_t{static_cast<uint8_t>(bytes[at + 1])} << 16) |
         (uint32_t{static_cast<uint8_t>(bytes[at + 2])} << 8) |
         uint32_t{static_cast<uint8_t>(bytes[at + 3])};
}

uint16_t ReadU16(std::string_view bytes, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(bytes[at]) << 8) |
                               static_cast<uint8_t>(bytes[at + 1]));
}

void AppendU32(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>(value >> shift));
  }
}

void AppendU16(std::string& out, uint16_t value) {
  out.push_back(static_cast<char>(value >> 8));
  out.push_back(static_cast<char>(value));
}

// Wire size of a header value of `type` whose encoding starts at `bytes[at]`; nullopt when the
// type is unknown or the value runs past the end.
std::optional<size_t> HeaderValueSize(uint8_t type, std::string_view bytes, size_t at) {
  switch (type) {
    case 0:  // true
    case 1:  // false
      return 0;
    case 2:  // byte
      return 1;
    case 3:  // short
      return 2;
    case 4:  // int
      return 4;
    case 5:  // long
    case 8:  // timestamp
      return 8;
    case 9:  // uuid
      return 16;
    case 6:  // byte array
    case 7:  // string
      if (at + 2 > bytes.size()) {
        return std::nullopt;
      }
      return 2 + size_t{ReadU16(bytes, at)};
    default:
      return std::nullopt;
  }
}

bool ParseHeaders(std::string_view bytes,
                  std::vector<std::pair<std::string, std::string>>& headers) {
  size_t at = 0;
  while (at < bytes.size()) {
    size_t name_size = static_cast<uint8_t>(bytes[at++]);
    if (at + name_size + 1 > bytes.size()) {
      return false;
    }
    std::string name(bytes.substr(at, name_size));
    at += name_size;
    uint8_t type = static_cast<uint8_t>(bytes[at++]);
    std::optional<size_t> size = HeaderValueSize(type, bytes, at);
    if (!size || at + *size > bytes.size()) {
      return false;
    }
    // Strings and byte arrays carry a length prefix that is not part of the value.
    size_t skip = type == 6 || type == 7 ? 2 : 0;
    headers.emplace_back(std::move(name), std::string(bytes.substr(at + skip, *size - skip)));
    at += *size;
  }
  return true;
}

}  // namespace

std::optional<std::string_view> EventStreamMessage::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) {
      return std::string_view(value);
    }
  }
  return std::nullopt;
}

uint32_t Crc32(std::string_view data, uint32_t crc) {
  crc = ~crc;
  for (char c : data) {
    crc = kCrcTable[(crc ^ static_cast<uint8_t>(c)) & 0xFF] ^ (crc >> 8);
  }
  return ~crc;
}

void EventStreamDecoder::Feed(std::string_view bytes, const Sink& sink) {
  if (failed()) {
    return;
  }
  buffer_.append(bytes);
  while (TakeMessage(sink)) {
  }
}

bool EventStreamDecoder::TakeMessage(const Sink& sink) {
  if (buffer_.size() < kPreludeBytes) {
    return false;
  }
  std::string_view view = buffer_;
  uint32_t total = ReadU32(view, 0);
  uint32_t headers_size = ReadU32(view, 4);
  if (Crc32(view.substr(0, 8)) != ReadU32(view, 8)) {
    Fail("event stream prelude checksum mismatch");
    return false;
  }
  if (total < kMinMessageBytes || total > kMaxMessageBytes ||
      headers_size > total - kMinMessageBytes) {
    Fail("event stream message length " + std::to_string(total) + " is invalid");
    return false;
  }
  if (view.size() < total) {
    return false;
  }
  if (Crc32(view.substr(0, total - kChecksumBytes)) != ReadU32(view, total - kChecksumBytes)) {
    Fail("event stream message checksum mismatch");
    return false;
  }
  EventStreamMessage message;
  if (!ParseHeaders(view.substr(kPreludeBytes, headers_size), message.headers)) {
    Fail("event stream message headers are malformed");
    return false;
  }
  size_t payload_at = kPreludeBytes + headers_size;
  message.payload.assign(view.substr(payload_at, total - kChecksumBytes - payload_at));
  buffer_.erase(0, total);
  sink(message);
  return true;
}

void EventStreamDecoder::Fail(std::string error) {
  error_ = std::move(error);
  buffer_.clear();
}

std::string EncodeEventStreamMessage(
    const std::vector<std::pair<std::string, std::string>>& headers, std::string_view payload) {
  std::string encoded_headers;
  for (const auto& [name, value] : headers) {
    encoded_headers.push_back(static_cast<char>(name.size()));
    encoded_headers.append(name);
    encoded_headers.push_back(7);
    AppendU16(encoded_headers, static_cast<uint16_t>(value.size()));
    encoded_headers.append(value);
  }
  uint32_t total =
      static_cast<uint32_t>(kMinMessageBytes + encoded_headers.size() + payload.size());
  std::string out;
  out.reserve(total);
  AppendU32(out, total);
  AppendU32(out, static_cast<uint32_t>(encoded_headers.size()));
  AppendU32(out, Crc32(out));
  out.append(encoded_headers);
  out.append(payload);
  AppendU32(out, Crc32(out));
  return out;
}

}  // namespace agw::emulator::llm
