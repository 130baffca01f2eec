#pragma once

// The conversation of a chat request as prompt guards, logs and request summaries read it, and
// prompt enrichment (policies `prompt.prepend` / `prompt.append`, llm-dataplane.md 5.7), for
// every chat input format. The one home of both: translations call these, never a copy.

#include <string>
#include <vector>

#include "emulator/llm/llm_info.h"

namespace agw::emulator::llm {

// One message a policy adds to every prompt; roles are used verbatim (CRD examples spell
// `SYSTEM`, which upstream passes through unchanged).
struct PromptMessage {
  std::string role;
  std::string content;
};

struct PromptEnrichment {
  std::vector<PromptMessage> prepend;
  std::vector<PromptMessage> append;
};

// Prompt extraction: every function returns an array of {role, content-text} pairs.

// Chat Completions: one entry per message; the `text` of its parts joined with a space, ""
// for a message without text (images, tool calls).
Json CompletionsPrompt(const Json& request);
// Anthropic Messages: the top-level `system` first (its blocks joined with a newline) as a
// system message, then the messages as for Completions.
Json MessagesPrompt(const Json& request);
// Responses: `instructions` first as a system message, then a string `input` as one user
// message, or the input items that have a chat role (tool calls and outputs are skipped), their
// input_text/output_text parts joined by '\n'.
Json ResponsesPrompt(const Json& request);
// Native Gemini: a non-empty systemInstruction first (parts joined by '\n'), then each content
// (parts joined by a space), `model` reported as `assistant`.
Json GeminiPrompt(const Json& request);

// Prompt enrichment: `prepend` goes before the client's conversation, `append` after it.

// Completions: plain {role, content} messages at the start and end of `messages`.
void EnrichCompletionsPrompt(Json& request, const PromptEnrichment& enrichment);
// Messages: `system` roles merge into the top-level `system` as text blocks (a string system
// becomes one block first), the other roles are inserted into `messages`.
void EnrichMessagesPrompt(Json& request, const PromptEnrichment& enrichment);
// Responses: `input` becomes an item list (a string input becomes one user message); assistant
// messages are added with string content, other roles as one `input_text` part.
void EnrichResponsesPrompt(Json& request, const PromptEnrichment& enrichment);
// Native Gemini: `system` roles become parts of systemInstruction, other roles whole contents
// (`assistant` as `model`). A body that is not an object is left alone.
void EnrichGeminiPrompt(Json& request, const PromptEnrichment& enrichment);

}  // namespace agw::emulator::llm
