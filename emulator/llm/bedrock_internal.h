#pragma once

// Helpers shared by the Bedrock translation files; not part of the library's interface.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/llm/chat_json.h"
#include "emulator/llm/llm_info.h"

namespace agw::emulator::llm::bedrock_internal {

// Field access that tolerates absent members and members of the wrong type, since client and
// upstream bodies are only loosely typed.
using chat::Find;

// A number in lowercase hex without padding (Messages ids carry the time this way).
std::string HexOf(uint64_t value);

// Converse stop reason -> each client's vocabulary.
std::string CompletionsFinishReason(std::string_view stop_reason);
std::string MessagesStopReason(std::string_view stop_reason);
// Responses `status` of the response and its items.
std::string ResponsesStatus(std::string_view stop_reason);
std::string ResponsesItemStatus(std::string_view stop_reason);

// `{role: assistant, content: [tool_call...], finish_reason}` as agentgateway logs tool calls;
// `tool_calls` holds {id, name, arguments (JSON text)} objects.
Json OutputMessages(const Json& tool_calls, std::string_view finish_reason);

// Bedrock `usage` -> usage facts (raw provider numbers, as upstream reports them).
void ReadConverseUsage(const Json& usage, ResponseInfo& info);

// `usage` in the OpenAI Completions shape for a Bedrock `usage` object.
Json CompletionsUsage(const Json& usage);
// `usage` in the Responses shape; `null_cache_write` keeps an absent cache_write_tokens as null
// (the streaming events spell it out, the buffered body omits it).
Json ResponsesUsage(const Json& usage, bool null_cache_write);

}  // namespace agw::emulator::llm::bedrock_internal
