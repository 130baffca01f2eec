// Every streamed response translation (emulator/llm/translate.h MakeStreamTranslator) fed an
// arbitrary upstream stream in pieces cut where the network might cut it, then finished, as
// `run` relays a streamed answer; the usage the logs carry is written out at the end.
//
// Input: [client format] [wire format] [provider/model] [client request] [mode] [stream...]
// Mode: bits 0-6 the cut seed (fuzz_input.h Cut), bit 7 set frames the stream as AWS event
// stream messages (Bedrock's framing, with valid checksums the fuzzer could hardly guess): the
// stream is then a list of events separated by 0 bytes, each its event type, a newline and its
// JSON payload; an event type starting with '!' makes an exception message of that type.

#include <string>
#include <vector>

#include "emulator/llm/eventstream.h"
#include "emulator/llm/json_codec.h"
#include "emulator/llm/translate.h"
#include "tests/fuzz/llm_choices.h"

namespace {

std::string Frame(std::string_view events) {
  agw::fuzz::FuzzInput input(reinterpret_cast<const uint8_t*>(events.data()), events.size());
  std::string framed;
  while (!input.Rest().empty()) {
    std::string_view event = input.Until('\0');
    size_t newline = event.find('\n');
    std::string type(event.substr(0, newline));
    std::string_view payload = newline == event.npos ? "" : event.substr(newline + 1);
    std::vector<std::pair<std::string, std::string>> headers;
    if (!type.empty() && type[0] == '!') {
      headers = {{":message-type", "exception"}, {":exception-type", type.substr(1)}};
    } else {
      headers = {{":message-type", "event"}, {":event-type", type}};
    }
    headers.emplace_back(":content-type", "application/json");
    framed += agw::emulator::llm::EncodeEventStreamMessage(headers, payload.substr(0, 1 << 20));
  }
  return framed;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace agw;
  fuzz::FuzzInput input(data, size);
  emulator::llm::InputFormat format = fuzz::kInputFormats[input.Choose(fuzz::kInputFormats.size())];
  emulator::llm::WireFormat wire = fuzz::kWireFormats[input.Choose(fuzz::kWireFormats.size())];
  emulator::llm::ProviderOptions options = fuzz::ChooseOptions(input);
  emulator::llm::Json client_body = fuzz::ChooseClientBody(input);
  uint8_t mode = input.Byte();
  std::string stream = (mode & 0x80) != 0 ? Frame(input.Rest()) : std::string(input.Rest());

  std::unique_ptr<emulator::llm::StreamTranslator> translator =
      emulator::llm::MakeStreamTranslator(format, wire, options, client_body);
  if (translator == nullptr) return 0;  // the pair does not stream
  std::string out;
  for (std::string_view piece : fuzz::Cut(stream, mode & 0x7f)) translator->Feed(piece, out);
  translator->Finish(out);
  std::string usage = fuzz::LogLine(emulator::llm::ResponseInfoJson(translator->info()));
  return 0;
}
