#pragma once

#include <string>
#include <string_view>

#include "emulator/llm/llm_info.h"

namespace agw::emulator::llm {

// Translates a streamed upstream response into the client's stream format as bytes arrive:
// every call returns only what can be sent now, so nothing waits for the whole stream.
class StreamTranslator {
 public:
  virtual ~StreamTranslator() = default;

  // Appends to `out` the client bytes produced by the next upstream bytes.
  virtual void Feed(std::string_view upstream_bytes, std::string& out) = 0;
  // The upstream stream ended normally; appends any closing bytes (e.g. `data: [DONE]`).
  virtual void Finish(std::string& out) = 0;

  // Usage and output facts gathered so far.
  virtual const ResponseInfo& info() const = 0;
};

}  // namespace agw::emulator::llm
