#pragma once

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/llm/llm_info.h"

// Reading and writing the JSON bodies that pass through the AI data plane. Every request and
// answer is parsed and re-serialised (agentgateway does the same with serde), so this is the
// hottest code of `run`: nlohmann's own lexer and serializer go byte by byte through a token
// buffer and spent two thirds of the proxy's CPU on 16 KB bodies. Here Boost.JSON's parser
// (which scans strings many bytes at a time) builds the same nlohmann values, and the writer
// copies unescaped runs whole.
namespace agw::emulator::llm {

// Nesting deeper than this is refused, as serde_json's recursion limit refuses it in
// agentgateway; it also keeps the recursive translators and the writer off the end of the stack.
inline constexpr size_t kMaxJsonDepth = 128;

// What Json::parse(text, nullptr, false) returns, faster: the same values (member order kept; a
// repeated key keeps its first place and takes the last value; a leading UTF-8 byte order mark
// skipped; non-negative integers unsigned), or a discarded value when `text` is not exactly one
// JSON document or nests deeper than kMaxJsonDepth.
Json ReadJson(std::string_view text);

// A JSON object read with the array of one top-level member left as the text it was written in
// (a chat request's `messages`): the document of a long conversation took seven times the memory
// of its text, and the translations that matter for it need one message at a time.
struct JsonKeepingArrayText {
  // ReadJson's value, but with an empty array as the member's value (in the member's place)
  // when `array_text` is set.
  Json document;
  // The member's array as written: a view into the text read, which must outlive it. nullopt
  // when the document is not an object, has no such member, or its (last) value is no array.
  std::optional<std::string_view> array_text;
};
JsonKeepingArrayText ReadJsonKeepingArrayText(std::string_view text, std::string_view member);

// Calls `visit` with the text of each element of `array_text` (an array_text of
// ReadJsonKeepingArrayText), in order: ReadJson(element) is the element's value.
void ForEachJsonElement(std::string_view array_text,
                        const std::function<void(std::string_view)>& visit);

// The value of `array_text` (an array_text of ReadJsonKeepingArrayText), read whole.
Json ReadJsonArray(std::string_view array_text);

// WriteJson of the object `object` with the elements of `array_text` (an array_text of
// ReadJsonKeepingArrayText, read and written one at a time) as the value of its member `member`.
std::string WriteJsonWithArrayText(const Json& object, std::string_view member,
                                   std::string_view array_text);

// The same text as value.dump(), faster: compact, UTF-8 kept as is, control characters, `"` and
// `\` escaped. Strings that are not valid UTF-8 throw as dump() does.
std::string WriteJson(const Json& value);

// WriteJson appended to `out`.
void AppendJson(const Json& value, std::string& out);

// AppendJson of a JSON string holding `text`, without making a Json of it.
void AppendJsonString(std::string_view text, std::string& out);

// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF): what a JSON string may hold.
bool IsUtf8(std::string_view text);

// `text` with each ill-formed UTF-8 sequence (its maximal subpart) replaced by U+FFFD, as Rust's
// String::from_utf8_lossy does: how agentgateway quotes a raw upstream body in an error message.
std::string Utf8Lossy(std::string_view text);

// Member names from the top-level object down to one value.
using JsonPath = std::initializer_list<std::string_view>;

// The strings at `paths` in a JSON object's text, read from Boost.JSON's parse events without
// building a document (for stream events, where the document cost more than the rest): for each
// path, the value there if it is a string, read as a document would be (the last of repeated
// members wins, a member that is not an object ends the path), else nullopt. nullopt for the
// whole when `text` is not a JSON object, or is one only nlohmann reads (the caller then parses
// the document).
std::optional<std::vector<std::optional<std::string>>> ReadJsonStrings(
    std::string_view text, std::initializer_list<JsonPath> paths);

}  // namespace agw::emulator::llm
