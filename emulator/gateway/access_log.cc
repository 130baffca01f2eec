#include "emulator/gateway/access_log.h"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

namespace agw::emulator::gateway {

std::string AccessLogLine(const AccessRecord& record, std::string_view timestamp, bool json) {
  using Json = nlohmann::ordered_json;
  std::string line;
  if (json) {
    Json object;
    object["time"] = std::string(timestamp);
    object["gateway"] = record.gateway;
    object["method"] = record.method;
    object["path"] = record.target;
    object["route"] = record.route;
    object["backend"] = record.backend;
    object["status"] = record.status;
    object["upstream_status"] = record.upstream_status;
    object["duration_ms"] = std::round(record.seconds * 1e6) / 1e3;
    object["request_bytes"] = record.request_bytes;
    object["response_bytes"] = record.response_bytes;
    if (!record.gen_ai_provider.empty()) {
      object["gen_ai.provider.name"] = record.gen_ai_provider;
      object["gen_ai.request.model"] = record.gen_ai_request_model;
      if (!record.gen_ai_response_model.empty()) {
        object["gen_ai.response.model"] = record.gen_ai_response_model;
      }
      if (record.gen_ai_input_tokens) {
        object["gen_ai.usage.input_tokens"] = *record.gen_ai_input_tokens;
      }
      if (record.gen_ai_output_tokens) {
        object["gen_ai.usage.output_tokens"] = *record.gen_ai_output_tokens;
      }
    }
    if (!record.reason.empty()) {
      object["reason"] = record.reason;
    }
    for (const std::string& removed : record.removed_fields) {
      object.erase(removed);
    }
    for (const auto& [name, value] : record.added_fields) {
      object[name] = value;
    }
    line = object.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  } else {
    // Appended, not streamed: an ostringstream per line showed in perf (locale facets, printf).
    // to_chars with a precision formats exactly as printf's %.2f.
    char duration[32];
    auto formatted = std::to_chars(duration, duration + sizeof(duration), record.seconds * 1e3,
                                   std::chars_format::fixed, 2);
    line.reserve(160 + record.target.size());
    line += timestamp;
    line += ' ';
    line += record.gateway;
    line += " \"";
    line += record.method;
    line += ' ';
    line += record.target;
    line += "\" ";
    line += std::to_string(record.status);
    line += " route=";
    line += record.route.empty() ? std::string_view("-") : std::string_view(record.route);
    line += " backend=";
    line += record.backend.empty() ? std::string_view("-") : std::string_view(record.backend);
    line += " upstream_status=";
    line += record.upstream_status ? std::to_string(record.upstream_status) : "-";
    line += " duration_ms=";
    line.append(duration, formatted.ptr);
    line += " bytes=";
    line += std::to_string(record.response_bytes);
    if (!record.gen_ai_provider.empty()) {
      line += " gen_ai.provider=" + record.gen_ai_provider;
      line += " gen_ai.request.model=" + record.gen_ai_request_model;
      if (!record.gen_ai_response_model.empty()) {
        line += " gen_ai.response.model=" + record.gen_ai_response_model;
      }
      if (record.gen_ai_input_tokens) {
        line += " gen_ai.usage.input_tokens=" + std::to_string(*record.gen_ai_input_tokens);
      }
      if (record.gen_ai_output_tokens) {
        line += " gen_ai.usage.output_tokens=" + std::to_string(*record.gen_ai_output_tokens);
      }
    }
    if (!record.reason.empty()) {
      line += " reason=\"";
      for (char c : record.reason) {
        line += c == '"' ? '\'' : c;
      }
      line += '"';
    }
    for (const auto& [name, value] : record.added_fields) {
      line += ' ';
      line += name;
      line += '=';
      line += value.is_string() ? value.get<std::string>()
                                : value.dump(-1, ' ', false, Json::error_handler_t::replace);
    }
    line += '\n';
  }
  return line;
}

}  // namespace agw::emulator::gateway
