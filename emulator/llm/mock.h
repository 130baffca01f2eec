#pragma once

#include <string>

#include "emulator/llm/call.h"

namespace agw::emulator::llm {

// What a provider would send back, produced in-process for `--mock-providers`.
struct MockResponse {
  int status = 200;
  std::string content_type;
  std::string body;  // the whole body; SSE when the call streams
};

// Answers `call` in its upstream wire format, so the response translation still runs. The
// answer is the text of the last user message, echoed back; OpenAI's `created` times come from
// the call's stamper (call.options.stamper), so a pinned stamper makes the answer reproducible.
// Token usage is an estimate: one token per 4 bytes of text (rounded up, at least 1) for the
// prompt's text and for the answer.
MockResponse MockProviderResponse(const LlmCall& call);

// The estimate used above, exposed for tests and docs.
int64_t EstimateTokens(std::string_view text);

}  // namespace agw::emulator::llm
