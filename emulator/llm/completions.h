#pragma once

// Anthropic Messages clients on OpenAI Chat Completions upstreams (llm-dataplane.md 5.3, 6.3,
// 7) and what the gateway reads from OpenAI responses it passes through unchanged.

#include <memory>
#include <string>
#include <string_view>

#include "emulator/llm/stream.h"
#include "emulator/llm/translation.h"

namespace agw::emulator::llm {

// Messages client -> OpenAI Chat Completions upstream body.
Translated<RequestTranslation> CompletionsRequest(const Json& client_body,
                                                  const ProviderOptions& options);

// OpenAI chat.completion -> the Anthropic message a Messages client is owed.
Translated<ResponseTranslation> CompletionsResponse(std::string_view upstream_body);
// OpenAI chat.completion to a Completions client: passed through (the gateway re-serialises
// it, which drops nulls of the fields it types), usage read from it.
Translated<ResponseTranslation> CompletionsPassthroughResponse(std::string_view upstream_body);
// Usage of an OpenAI chat.completion body.
ResponseInfo CompletionsResponseInfo(const Json& body);

// OpenAI chunk SSE -> Anthropic Messages SSE (no `[DONE]`: Anthropic clients do not expect it).
std::unique_ptr<StreamTranslator> MakeCompletionsStreamTranslator();
// OpenAI chunk SSE to a Completions client: bytes forwarded unchanged, usage collected.
std::unique_ptr<StreamTranslator> MakeCompletionsPassthroughStream();

// An OpenAI (or Google-shaped) error body turned into the Anthropic error a Messages client
// gets. A body that is not JSON becomes the message text.
std::string CompletionsError(int status, std::string_view upstream_body);

}  // namespace agw::emulator::llm
