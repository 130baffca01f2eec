#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// What `run` writes to its access log for each request, and how: one line of text (the
// default) or one JSON object per line (--log-format json). Pure: the time comes in as text.
namespace agw::emulator::gateway {

struct AccessRecord {
  std::string gateway;
  std::string method;
  std::string target;
  std::string route;
  std::string backend;
  int status = 0;
  int upstream_status = 0;
  std::uint64_t request_bytes = 0;
  std::uint64_t response_bytes = 0;
  double seconds = 0;
  // Why the gateway answered by itself (404 no route, 500 invalid backend, 503, ...); empty
  // when the answer came from upstream.
  std::string reason;
  // LLM exchanges only.
  std::string gen_ai_provider;
  std::string gen_ai_request_model;
  std::string gen_ai_response_model;
  std::optional<std::int64_t> gen_ai_input_tokens;
  std::optional<std::int64_t> gen_ai_output_tokens;
  // frontend.accessLog: fields its `attributes.add` computed (appended last, in order) and the
  // built-in fields its `attributes.remove` names (left out).
  std::vector<std::pair<std::string, nlohmann::ordered_json>> added_fields;
  std::vector<std::string> removed_fields;
  bool filtered_out = false;  // frontend.accessLog's filter dropped the line
};

// The line for `record` logged at `timestamp` (RFC 3339, UTC), ending in '\n'. Text:
// `<time> <gateway> "<method> <target>" <status> route=… backend=… upstream_status=…
// duration_ms=… bytes=…` then the gen_ai fields of an LLM exchange, then `reason="…"` when the
// gateway answered by itself; `-` for what is empty. JSON:
// the same facts under the names agentgateway's logs use (`gen_ai.usage.input_tokens`, ...), with
// invalid UTF-8 replaced.
std::string AccessLogLine(const AccessRecord& record, std::string_view timestamp, bool json);

}  // namespace agw::emulator::gateway
