// The access log lines of `run` (emulator/gateway/access_log.h), whole lines pinned.

#include "emulator/gateway/access_log.h"

#include <catch2/catch.hpp>

namespace agw::emulator::gateway {
namespace {

AccessRecord LlmRecord() {
  AccessRecord record;
  record.gateway = "default/gw";
  record.method = "POST";
  record.target = "/openai/v1/chat/completions";
  record.route = "default/openai";
  record.backend = "default/openai";
  record.status = 200;
  record.upstream_status = 200;
  record.request_bytes = 120;
  record.response_bytes = 512;
  record.seconds = 0.012345;
  record.gen_ai_provider = "openai";
  record.gen_ai_request_model = "gpt-4o-mini";
  record.gen_ai_response_model = "gpt-4o-mini-2024-07-18";
  record.gen_ai_input_tokens = 11;
  record.gen_ai_output_tokens = 7;
  return record;
}

TEST_CASE("A text access line names the request route backend and tokens") {
  CHECK(AccessLogLine(LlmRecord(), "2026-12-07T10:00:00Z", false) ==
        "2026-12-07T10:00:00Z default/gw \"POST /openai/v1/chat/completions\" 200 "
        "route=default/openai backend=default/openai upstream_status=200 duration_ms=12.35 "
        "bytes=512 gen_ai.provider=openai gen_ai.request.model=gpt-4o-mini "
        "gen_ai.response.model=gpt-4o-mini-2024-07-18 gen_ai.usage.input_tokens=11 "
        "gen_ai.usage.output_tokens=7\n");
}

TEST_CASE("A request the gateway answered itself shows dashes for what it did not have") {
  AccessRecord record;
  record.gateway = "default/gw";
  record.method = "GET";
  record.target = "/nothing";
  record.status = 404;
  CHECK(AccessLogLine(record, "2026-12-07T10:00:00Z", false) ==
        "2026-12-07T10:00:00Z default/gw \"GET /nothing\" 404 route=- backend=- "
        "upstream_status=- duration_ms=0.00 bytes=0\n");
}

TEST_CASE("The gateway's own answer says why at the end of the line in text and JSON") {
  AccessRecord record;
  record.gateway = "default/gw";
  record.method = "GET";
  record.target = "/v1";
  record.status = 404;
  record.reason = "no route matches; HTTPRoute default/chat is not attached: sectionName \"htp\"";
  CHECK(AccessLogLine(record, "2026-12-07T10:00:00Z", false) ==
        "2026-12-07T10:00:00Z default/gw \"GET /v1\" 404 route=- backend=- upstream_status=- "
        "duration_ms=0.00 bytes=0 reason=\"no route matches; HTTPRoute default/chat is not "
        "attached: sectionName 'htp'\"\n");
  CHECK(AccessLogLine(record, "2026-12-07T10:00:00Z", true) ==
        "{\"time\":\"2026-12-07T10:00:00Z\",\"gateway\":\"default/gw\",\"method\":\"GET\","
        "\"path\":\"/v1\",\"route\":\"\",\"backend\":\"\",\"status\":404,\"upstream_status\":0,"
        "\"duration_ms\":0.0,\"request_bytes\":0,\"response_bytes\":0,\"reason\":\"no route "
        "matches; HTTPRoute default/chat is not attached: sectionName \\\"htp\\\"\"}\n");
}

TEST_CASE("A JSON access line uses the gen_ai attribute names and survives bad UTF-8") {
  AccessRecord record = LlmRecord();
  record.target = "/openai/\xff";
  CHECK(AccessLogLine(record, "2026-12-07T10:00:00Z", true) ==
        "{\"time\":\"2026-12-07T10:00:00Z\",\"gateway\":\"default/gw\",\"method\":\"POST\","
        "\"path\":\"/openai/\xEF\xBF\xBD\",\"route\":\"default/openai\",\"backend\":"
        "\"default/openai\",\"status\":200,\"upstream_status\":200,\"duration_ms\":12.345,"
        "\"request_bytes\":120,\"response_bytes\":512,\"gen_ai.provider.name\":\"openai\","
        "\"gen_ai.request.model\":\"gpt-4o-mini\",\"gen_ai.response.model\":"
        "\"gpt-4o-mini-2024-07-18\",\"gen_ai.usage.input_tokens\":11,"
        "\"gen_ai.usage.output_tokens\":7}\n");
}

}  // namespace
}  // namespace agw::emulator::gateway
