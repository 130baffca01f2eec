#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace agw::cmd {

// `json` as text for stdout, indented by `indent` (-1: one line). A string that is not valid
// UTF-8 (a manifest value, an upstream body) is written with U+FFFD in place of the bad bytes;
// nlohmann's default would throw type_error.316 and abort the command.
inline std::string DumpJson(const nlohmann::ordered_json& json, int indent = 2) {
  return json.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace agw::cmd
