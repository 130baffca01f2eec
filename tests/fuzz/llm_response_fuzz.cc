// Every buffered response translation (emulator/llm/translate.h TranslateResponse, and
// TranslateError for a failed status) on an arbitrary upstream body, for every client format and
// wire format pair, then what AnswerBuffered does with the result: the body written out (unless
// the pair passes the upstream bytes through), and the usage the logs and metrics carry.
//
// Input: [client format] [wire format] [provider/model] [client request] [status] [body...]
// The status byte: 0-127 answer 200, the rest pick an error status.

#include <array>
#include <string>

#include "emulator/llm/json_codec.h"
#include "emulator/llm/translate.h"
#include "tests/fuzz/llm_choices.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace agw;
  fuzz::FuzzInput input(data, size);
  emulator::llm::InputFormat format = fuzz::kInputFormats[input.Choose(fuzz::kInputFormats.size())];
  emulator::llm::WireFormat wire = fuzz::kWireFormats[input.Choose(fuzz::kWireFormats.size())];
  emulator::llm::ProviderOptions options = fuzz::ChooseOptions(input);
  emulator::llm::Json client_body = fuzz::ChooseClientBody(input);
  uint8_t status_byte = input.Byte();
  std::string_view body = input.Rest();

  if (status_byte >= 128) {
    static constexpr std::array kErrorStatuses = {400, 401, 403, 404, 413, 429, 500, 503, 529};
    int status = kErrorStatuses[status_byte % kErrorStatuses.size()];
    std::optional<std::string> error = emulator::llm::TranslateError(format, wire, status, body);
    return 0;
  }
  emulator::llm::Translated<emulator::llm::ResponseTranslation> translated =
      emulator::llm::TranslateResponse(format, wire, body, options, client_body);
  // A passthrough pair answers with the upstream bytes as they are (AnswerBuffered).
  if (translated && !emulator::llm::IsPassthrough(format, wire)) {
    std::string client = emulator::llm::WriteJson(translated->body);
    std::string usage = fuzz::LogLine(emulator::llm::ResponseInfoJson(translated->info));
  }
  return 0;
}
