#pragma once

// OpenAI-format bodies the gateway forwards without translating (chat completions, embeddings)
// and what it learns from them.

#include <string>
#include <string_view>

#include "emulator/llm/translation.h"

namespace agw::emulator::llm {

// Chat Completions client, OpenAI upstream: the body passes unchanged except for the model.
Translated<RequestTranslation> CompletionsPassthroughRequest(const Json& client_body,
                                                             const ProviderOptions& options);
// The same written as JSON text, for a body whose messages are still `messages_text`
// (ReadJsonKeepingArrayText's array_text): each is read and written on its own. The summary
// has no prompt, whatever options.record_prompt says (TranslateRequestText reads the messages
// back into the document when a prompt is wanted).
Translated<RequestText> CompletionsPassthroughRequestText(Json& client_body,
                                                          std::string_view messages_text,
                                                          const ProviderOptions& options);

// Embeddings, OpenAI-compatible on both sides (OpenAI, Azure, Gemini's compat endpoint, ...).
Translated<RequestTranslation> EmbeddingsRequest(const Json& client_body,
                                                 const ProviderOptions& options);
Translated<ResponseTranslation> EmbeddingsResponse(std::string_view upstream_body);
// Embeddings errors reach the client unchanged.
std::string EmbeddingsError(int status, std::string_view upstream_body);

}  // namespace agw::emulator::llm
