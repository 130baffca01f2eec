#pragma once

// OpenAI-format bodies the gateway forwards without translating (chat completions, embeddings),
// what it learns from them, and prompt enrichment (policies `prompt.prepend` / `prompt.append`)
// for the OpenAI input formats.

#include <string>
#include <string_view>
#include <vector>

#include "emulator/llm/translation.h"

namespace agw::llm {

// One message a policy adds to every prompt; roles are used verbatim.
struct PromptMessage {
  std::string role;
  std::string content;
};

struct PromptEnrichment {
  std::vector<PromptMessage> prepend;
  std::vector<PromptMessage> append;
};

// Chat Completions: the messages go first and last in `messages`, as plain {role, content}.
void EnrichCompletionsPrompt(Json& body, const PromptEnrichment& enrichment);
// Responses: `input` becomes an item list (a string input becomes one user message); assistant
// messages are added with string content, other roles as one `input_text` part.
void EnrichResponsesPrompt(Json& body, const PromptEnrichment& enrichment);

// The messages of a Chat Completions request as {role, content} pairs (text parts joined by
// '\n'; messages without text content, e.g. assistant tool calls, give "").
Json CompletionsPromptMessages(const Json& request);

// Chat Completions client, OpenAI upstream: the body passes unchanged except for the model.
Translated<RequestTranslation> CompletionsPassthroughRequest(const Json& client_body,
                                                             const ProviderOptions& options);

// Embeddings, OpenAI-compatible on both sides (OpenAI, Azure, Gemini's compat endpoint, ...).
Translated<RequestTranslation> EmbeddingsRequest(const Json& client_body,
                                                 const ProviderOptions& options);
Translated<ResponseTranslation> EmbeddingsResponse(std::string_view upstream_body);
// Embeddings errors reach the client unchanged.
std::string EmbeddingsError(int status, std::string_view upstream_body);

}  // namespace agw::llm
