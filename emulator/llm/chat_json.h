#pragma once

// Helpers shared by the chat translations (every client format and provider): typed JSON
// lookups that treat a missing key and a null value alike, the way the gateway's optional fields
// do, and the mappings more than one translation needs (error types, thinking budgets).

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "emulator/llm/llm_info.h"

namespace agw::emulator::llm::chat {

namespace detail {
inline void AddMembers(Json::object_t&) {}
template <typename Value, typename... Rest>
void AddMembers(Json::object_t& object, std::string_view key, Value&& value, Rest&&... rest) {
  object.emplace_back(std::string(key), Json(std::forward<Value>(value)));
  AddMembers(object, std::forward<Rest>(rest)...);
}
}  // namespace detail

// An object of the given members, in order: Object("type", "text", "text", text). The same
// value as the braced form Json{{"type", "text"}, {"text", text}}, built three times faster
// (the braced form makes an array of each member first, then takes it apart): it is for the
// objects every request or stream event builds. Keys must differ.
template <typename... KeysAndValues>
Json Object(KeysAndValues&&... keys_and_values) {
  static_assert(sizeof...(KeysAndValues) % 2 == 0, "Object takes keys and values in pairs");
  Json json = Json::object();
  auto& object = json.get_ref<Json::object_t&>();
  object.reserve(sizeof...(KeysAndValues) / 2);
  detail::AddMembers(object, std::forward<KeysAndValues>(keys_and_values)...);
  return json;
}

// An empty array and object to fall back to by reference: `found ? *found : Json::array()` is a
// copy of what was found (the two sides' common type is a value), `found ? *found :
// EmptyArray()` is not.
const Json& EmptyArray();
const Json& EmptyObject();

// The value at `path` of nested objects, or nullptr when any step is missing or null.
const Json* Find(const Json& json, std::initializer_list<std::string_view> path);
// The member `key` of `json`, or nullptr when it is missing or null (or `json` is not an
// object).
const Json* Find(const Json& json, std::string_view key);
std::optional<int64_t> IntAt(const Json& json, std::initializer_list<std::string_view> path);
// A JSON number as a whole count: an integer as it is, a float truncated when it fits in int64
// (converting one that does not is undefined behaviour), nullopt for anything else.
std::optional<int64_t> AsCount(const Json& value);
// The count at `object[key]`: an integer, or a float cut to one (AsCount); nullopt otherwise.
std::optional<int64_t> CountAt(const Json& object, std::string_view key);
std::optional<std::string> StringAt(const Json& json, std::initializer_list<std::string_view> path);

// The member `key` of `object`, or a null value when it is absent (or `object` is not an
// object); the reference stays valid as long as `object` does.
const Json& Member(const Json& object, std::string_view key);
// The string member `key`, or `fallback` when it is absent or not a string; borrows from
// `object`.
std::string_view StringOr(const Json& object, std::string_view key, std::string_view fallback = {});
// The same as an owned string, for values kept after `object` is gone.
std::string StringValueOr(const Json& object, std::string_view key, std::string_view fallback = {});

// The gateway keeps sampling parameters as 32-bit floats; its summaries show them widened back.
double AsFloat32(double value);

// Tool-call arguments as the client sent them: parsed JSON, {} for an empty string, and the
// string itself when it is not valid JSON (e.g. a truncated stream).
Json ParseToolArguments(std::string_view arguments);

// ResponseInfo.output_messages entries: one assistant message holding its tool calls.
Json ToolCallPart(std::string_view id, std::string_view name, Json arguments);
Json ToolCallOutputMessage(Json parts, const std::optional<std::string>& finish_reason);

// A tool call assembled from stream fragments.
struct StreamedToolCall {
  std::string id;
  std::string name;
  std::string arguments;
};
// output_messages for the tool calls of a stream, keyed (and so ordered) by their stream
// index; nullopt when there were none.
std::optional<Json> StreamedToolCallMessages(const std::map<int64_t, StreamedToolCall>& calls,
                                             const std::optional<std::string>& finish_reason);

// Anthropic's error type for an HTTP status, when the upstream named none.
std::string AnthropicErrorType(int status);
// The OpenAI (and Anthropic) error type for a Google error `status` name.
std::string GoogleErrorType(std::string_view google_status);

// The thinking budget agentgateway maps an OpenAI reasoning effort to (Anthropic, Bedrock and
// Gemini 2.5 alike); nullopt for `none` and unknown efforts.
std::optional<int64_t> ThinkingBudget(std::string_view effort);

// Parses a JSON body; nullopt when it is not JSON.
std::optional<Json> ParseJson(std::string_view text);

}  // namespace agw::emulator::llm::chat
