#pragma once

// AWS event stream framing (application/vnd.amazon.eventstream), the binary format of Bedrock's
// ConverseStream and InvokeModelWithResponseStream bodies. Each message is
//   total length (u32) | headers length (u32) | prelude CRC32 (u32) | headers | payload |
//   message CRC32 (u32)
// with big-endian integers and CRC32 (IEEE) over everything before the checksum.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace agw::emulator::llm {

// One decoded message. Header values of non-string types are kept in their wire bytes.
struct EventStreamMessage {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload;

  // The value of the first header called `name`, if any.
  std::optional<std::string_view> Header(std::string_view name) const;
};

// Splits an event stream into messages as bytes arrive: a message may be cut anywhere, and is
// handed over as soon as its last byte is in. A bad length or checksum stops the decoder for
// good, since nothing after a corrupt prelude can be framed reliably.
class EventStreamDecoder {
 public:
  using Sink = std::function<void(const EventStreamMessage&)>;

  // Messages larger than this are treated as corruption rather than buffered.
  static constexpr uint32_t kMaxMessageBytes = 16 * 1024 * 1024;

  // Feeds the next bytes; calls `sink` for every message completed by them.
  void Feed(std::string_view bytes, const Sink& sink);

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  // Bytes received but not yet part of a complete message.
  size_t buffered() const { return buffer_.size(); }

 private:
  bool TakeMessage(const Sink& sink);
  void Fail(std::string error);

  std::string buffer_;
  std::string error_;
};

// CRC32 (IEEE 802.3, as zlib), continuing from `crc` for data split in pieces.
uint32_t Crc32(std::string_view data, uint32_t crc = 0);

// One framed message whose headers are all strings (type 7), as Bedrock sends them. Header
// names must fit in 255 bytes and values in 65535, the format's length fields.
std::string EncodeEventStreamMessage(
    const std::vector<std::pair<std::string, std::string>>& headers, std::string_view payload);

}  // namespace agw::emulator::llm
