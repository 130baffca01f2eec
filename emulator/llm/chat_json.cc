#include "emulator/llm/chat_json.h"

#include "emulator/llm/json_codec.h"

namespace agw::emulator::llm::chat {

const Json& EmptyArray() {
  static const Json empty = Json::array();
  return empty;
}

const Json& EmptyObject() {
  static const Json empty = Json::object();
  return empty;
}

const Json* Find(const Json& json, std::initializer_list<std::string_view> path) {
  const Json* at = &json;
  for (std::string_view key : path) {
    if (!at->is_object()) {
      return nullptr;
    }
    auto found = at->find(key);
    if (found == at->end() || found->is_null()) {
      return nullptr;
    }
    at = &*found;
  }
  return at;
}

const Json* Find(const Json& json, std::string_view key) { return Find(json, {key}); }

std::optional<int64_t> IntAt(const Json& json, std::initializer_list<std::string_view> path) {
  const Json* value = Find(json, path);
  if (value == nullptr || !value->is_number_integer()) {
    return std::nullopt;
  }
  return value->get<int64_t>();
}

std::optional<int64_t> AsCount(const Json& value) {
  if (value.is_number_integer()) {
    return value.get<int64_t>();
  }
  if (!value.is_number_float()) {
    return std::nullopt;
  }
  double number = value.get<double>();
  // 2^63 is exactly representable; every double below it (and at or above -2^63) fits.
  if (!(number >= -9223372036854775808.0 && number < 9223372036854775808.0)) {
    return std::nullopt;
  }
  return static_cast<int64_t>(number);
}

std::optional<int64_t> CountAt(const Json& object, std::string_view key) {
  const Json* value = Find(object, key);
  return value != nullptr ? AsCount(*value) : std::nullopt;
}

std::optional<std::string> StringAt(const Json& json,
                                    std::initializer_list<std::string_view> path) {
  const Json* value = Find(json, path);
  if (value == nullptr || !value->is_string()) {
    return std::nullopt;
  }
  return value->get<std::string>();
}

const Json& Member(const Json& object, std::string_view key) {
  static const Json kAbsent;
  if (!object.is_object()) {
    return kAbsent;
  }
  auto found = object.find(key);
  return found == object.end() ? kAbsent : *found;
}

std::string_view StringOr(const Json& object, std::string_view key, std::string_view fallback) {
  const Json& value = Member(object, key);
  return value.is_string() ? std::string_view(value.get_ref<const std::string&>()) : fallback;
}

std::string StringValueOr(const Json& object, std::string_view key, std::string_view fallback) {
  return std::string(StringOr(object, key, fallback));
}

double AsFloat32(double value) { return static_cast<double>(static_cast<float>(value)); }

Json ParseToolArguments(std::string_view arguments) {
  if (arguments.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Json::object();
  }
  Json parsed = ReadJson(arguments);
  if (parsed.is_discarded()) {
    return Json(std::string(arguments));
  }
  return parsed;
}

Json ToolCallPart(std::string_view id, std::string_view name, Json arguments) {
  return Object("type", "tool_call", "id", id, "name", name, "arguments", std::move(arguments));
}

Json ToolCallOutputMessage(Json parts, const std::optional<std::string>& finish_reason) {
  Json message = Object("role", "assistant", "content", std::move(parts));
  if (finish_reason) {
    message["finish_reason"] = *finish_reason;
  }
  return message;
}

std::optional<Json> StreamedToolCallMessages(const std::map<int64_t, StreamedToolCall>& calls,
                                             const std::optional<std::string>& finish_reason) {
  if (calls.empty()) {
    return std::nullopt;
  }
  Json parts = Json::array();
  for (const auto& [index, call] : calls) {
    parts.push_back(ToolCallPart(call.id, call.name, ParseToolArguments(call.arguments)));
  }
  return Json::array({ToolCallOutputMessage(std::move(parts), finish_reason)});
}

std::string AnthropicErrorType(int status) {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
    case 403:
      return "authentication_error";
    case 404:
      return "not_found_error";
    case 429:
      return "rate_limit_error";
    default:
      return "api_error";
  }
}

std::string GoogleErrorType(std::string_view google_status) {
  if (google_status == "INVALID_ARGUMENT" || google_status == "FAILED_PRECONDITION") {
    return "invalid_request_error";
  }
  if (google_status == "NOT_FOUND") {
    return "not_found_error";
  }
  if (google_status == "PERMISSION_DENIED" || google_status == "UNAUTHENTICATED") {
    return "authentication_error";
  }
  if (google_status == "RESOURCE_EXHAUSTED") {
    return "rate_limit_error";
  }
  return "api_error";
}

std::optional<int64_t> ThinkingBudget(std::string_view effort) {
  if (effort == "minimal" || effort == "low") {
    return 1024;
  }
  if (effort == "medium") {
    return 2048;
  }
  if (effort == "high") {
    return 4096;
  }
  if (effort == "xhigh") {
    return 8192;
  }
  if (effort == "max") {
    return 16384;
  }
  return std::nullopt;
}

std::optional<Json> ParseJson(std::string_view text) {
  Json parsed = ReadJson(text);
  if (parsed.is_discarded()) {
    return std::nullopt;
  }
  return parsed;
}

}  // namespace agw::emulator::llm::chat
