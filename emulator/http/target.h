#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Request targets: path and query, and percent-encoding.
namespace agw::emulator::http {

// Splits a request target ("/a/b?x=1") into path and query.
void SplitTarget(std::string_view target, std::string& path, std::string& query);

// The query's parameters, percent-decoded; for a repeated name the last value counts, as in
// the agentgateway data plane.
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query);

// `text` with each %XX escape decoded (an escape that is not two hex digits is kept as it is);
// with `plus_is_space`, '+' is a space too, as in a query (application/x-www-form-urlencoded).
std::string PercentDecode(std::string_view text, bool plus_is_space = false);

}  // namespace agw::emulator::http
