#pragma once

// JSON helpers shared by the chat translations (Completions <-> Messages): typed lookups that
// treat a missing key and a null value alike, the way the gateway's optional fields do.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/llm/llm_info.h"

namespace agw::llm::chat {

// The value at `path` of nested objects, or nullptr when any step is missing or null.
const Json* Find(const Json& json, std::initializer_list<std::string_view> path);
std::optional<int64_t> IntAt(const Json& json, std::initializer_list<std::string_view> path);
std::optional<std::string> StringAt(const Json& json,
                                    std::initializer_list<std::string_view> path);

// The gateway keeps sampling parameters as 32-bit floats; its summaries show them widened back.
double AsFloat32(double value);

// Tool-call arguments as the client sent them: parsed JSON, {} for an empty string, and the
// string itself when it is not valid JSON (e.g. a truncated stream).
Json ParseToolArguments(std::string_view arguments);

// ResponseInfo.output_messages entries: one assistant message holding its tool calls.
Json ToolCallPart(std::string_view id, std::string_view name, Json arguments);
Json ToolCallOutputMessage(Json parts, const std::optional<std::string>& finish_reason);

// Parses a JSON body; nullopt when it is not JSON.
std::optional<Json> ParseJson(std::string_view text);

int64_t UnixNow();

}  // namespace agw::llm::chat
