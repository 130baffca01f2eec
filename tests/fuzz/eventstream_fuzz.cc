// The AWS event stream decoder (emulator/llm/eventstream.h), the framing of Bedrock's streamed
// answers. Two modes, by the parity of the first byte:
//  - even: the rest is decoded as it came off the wire, whole and cut by the second byte; the
//    messages and the failure must not depend on the cuts (the fuzzer meets the checksums
//    through libFuzzer's comparison tracing and the valid frames of the seeds);
//  - odd: the rest describes messages, which are encoded with EncodeEventStreamMessage, cut and
//    decoded again: every message must come back as it was, with no failure.
//
// Input (odd mode): [mode] [cut seed] then per message: [header count byte] header lines
// "name:value\n" ... then the payload up to a 0 byte.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "emulator/llm/eventstream.h"
#include "tests/fuzz/fuzz_input.h"

namespace agw::fuzz {
namespace {

using emulator::llm::EventStreamDecoder;
using emulator::llm::EventStreamMessage;

struct Decoded {
  std::vector<EventStreamMessage> messages;
  std::string error;
};

Decoded Decode(const std::vector<std::string_view>& pieces) {
  Decoded decoded;
  EventStreamDecoder decoder;
  for (std::string_view piece : pieces) {
    decoder.Feed(piece,
                 [&](const EventStreamMessage& message) { decoded.messages.push_back(message); });
  }
  decoded.error = decoder.error();
  return decoded;
}

bool Same(const Decoded& a, const Decoded& b) {
  if (a.error != b.error || a.messages.size() != b.messages.size()) return false;
  for (size_t i = 0; i < a.messages.size(); ++i) {
    if (a.messages[i].headers != b.messages[i].headers ||
        a.messages[i].payload != b.messages[i].payload) {
      return false;
    }
  }
  return true;
}

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "%s\n", what);
  std::abort();
}

}  // namespace
}  // namespace agw::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace agw::fuzz;
  FuzzInput input(data, size);
  bool encode = (input.Byte() & 1) != 0;
  uint8_t cut = input.Byte();
  if (!encode) {
    std::string_view wire = input.Rest();
    if (!Same(Decode({wire}), Decode(Cut(wire, cut)))) {
      Fail("the decoded messages depend on where the stream was cut");
    }
    return 0;
  }
  Decoded expected;
  std::string wire;
  while (!input.Rest().empty()) {
    EventStreamMessage message;
    for (size_t count = input.Choose(4); count > 0; --count) {
      std::string_view line = input.Until('\n');
      size_t colon = line.find(':');
      std::string_view name = line.substr(0, std::min<size_t>(colon, 255));
      std::string_view value = colon == line.npos ? std::string_view() : line.substr(colon + 1);
      message.headers.emplace_back(name, value.substr(0, 65535));
    }
    message.payload = std::string(input.Until('\0'));
    wire += agw::emulator::llm::EncodeEventStreamMessage(message.headers, message.payload);
    expected.messages.push_back(std::move(message));
  }
  if (!Same(expected, Decode(Cut(wire, cut)))) {
    Fail("encoded messages do not decode to what was encoded");
  }
  return 0;
}
