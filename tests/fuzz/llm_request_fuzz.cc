// Every request translation (emulator/llm/translate.h TranslateRequest, for every client format
// and wire format pair, supported or not) on an arbitrary JSON body, then what PlanCall does
// with the result: the body written out and the request summary the logs carry.
//
// Input: [client format] [wire format] [provider/model] [body...]
// (the format bytes index kInputFormats and kWireFormats of llm_choices.h, modulo their sizes).

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
  emulator::llm::Json body = emulator::llm::ReadJson(input.Rest());
  if (body.is_discarded()) return 0;  // PlanCall answers 400 before any translation

  emulator::llm::Translated<emulator::llm::RequestTranslation> translated =
      emulator::llm::TranslateRequest(format, wire, body, options);
  if (translated) {
    std::string upstream = emulator::llm::WriteJson(translated->body);
    std::string summary = fuzz::LogLine(emulator::llm::RequestSummaryJson(translated->info));
  }
  return 0;
}
