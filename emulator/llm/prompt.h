#pragma once

#include <string>
#include <vector>

#include "emulator/llm/llm_info.h"

namespace agw::llm {

// One message a prompt-enrichment policy adds before or after the client's messages.
struct PromptMessage {
  std::string role;
  std::string content;
};

// The request summary's prompt: every message as {role, content-text}. Text parts of one
// message are joined with a space; a message without text reports "".
Json CompletionsPrompt(const Json& request);
// Same for an Anthropic Messages body; the top-level `system` comes first (its blocks joined
// with a newline), as a system message.
Json MessagesPrompt(const Json& request);

// Prompt enrichment (llm-dataplane.md 5.7). Completions: plain messages inserted at the start
// and end. Messages: `system` roles merge into the top-level `system` as text blocks, the other
// roles are inserted into `messages`.
void EnrichCompletionsRequest(Json& request, const std::vector<PromptMessage>& prepend,
                              const std::vector<PromptMessage>& append);
void EnrichMessagesRequest(Json& request, const std::vector<PromptMessage>& prepend,
                           const std::vector<PromptMessage>& append);

}  // namespace agw::llm
