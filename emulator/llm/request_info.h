#pragma once

// Request summaries (agentgateway's LLMRequest: model, streaming, sampling parameters, prompt)
// of the chat input formats, the same whichever provider the request is translated for.
// agentgateway keeps sampling parameters as 32-bit floats, so the summaries show them widened
// back (0.7 as 0.699999988079071); token limits and seeds are integers or absent.

#include <string>

#include "emulator/llm/llm_info.h"

namespace agw::emulator::llm {

// `with_prompt` false leaves RequestInfo::prompt null (ProviderOptions::record_prompt).

// Chat Completions: `max_completion_tokens` wins over `max_tokens`.
RequestInfo CompletionsRequestInfo(const Json& body, std::string provider, bool with_prompt);
// Anthropic Messages.
RequestInfo MessagesRequestInfo(const Json& body, std::string provider, bool with_prompt);
// OpenAI Responses: `max_output_tokens` is reported as `max_tokens`.
RequestInfo ResponsesRequestInfo(const Json& body, std::string provider, bool with_prompt);

}  // namespace agw::emulator::llm
