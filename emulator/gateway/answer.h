#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/llm/call.h"
#include "emulator/llm/llm_info.h"
#include "emulator/route/plan.h"
#include "validate/resolve/resolve.h"

// The per-request rules for an LLM answer that `run` (emulator/io) and `translate` (cmd) share:
// whether a provider's answer is translated as a stream, which headers reach the client, what a
// 429 asks the balancer to wait, how tokens are counted. Pure: values in, values out.
namespace agw::emulator::gateway {

// Whether requests to `backend` take the LLM path (provider planning, translation, provider
// groups): an AgentgatewayBackend in the inputs with `spec.ai`. Every other backend is proxied
// as it is. The one answer to that question for run, translate and the plain proxy.
bool ServesLlm(const validate::resolve::ResolvedBackend& backend);

// Whether `content_type` labels an event stream: SSE (`text/event-stream`) or Bedrock's binary
// `application/vnd.amazon.eventstream`.
bool IsEventStream(std::string_view content_type);

// The content type a provider's answer held only as bytes (a `translate --response` file) would
// have carried: SSE when it starts with `data:` or `event:`, Bedrock's binary event stream for a
// Bedrock Converse call whose bytes are not JSON, else JSON.
std::string RecordedContentType(llm::WireFormat wire, std::string_view bytes);

// Whether the answer to `call` is translated event by event: the client asked for a stream and
// the provider answered 2xx with an event stream. Otherwise it is read whole and translated
// (errors, and a provider that ignored `stream: true`).
bool TranslatesStream(const llm::LlmCall& call, int upstream_status, std::string_view content_type);

// Whether an upstream exchange is tried once more on a fresh connection: only when it ran on a
// kept-alive connection (which the peer may have closed meanwhile), nothing reached the client
// yet, and it failed with the gateway's 503 for a connection that broke (a timeout, 504, is
// never retried: the time is spent).
bool RetriesOnFreshConnection(bool reused_connection, bool client_got_bytes, int error_status);

// A hop-by-hop header (RFC 9110 section 7.6.1, plus proxy-connection): never forwarded.
bool IsHopByHop(std::string_view name);

// The client's headers for an LLM answer: the provider's, without hop-by-hop headers and the
// framing and encoding the translation replaces (content-length, content-type,
// content-encoding), then the route's response header edits and CORS headers.
http::HeaderList LlmResponseHeaders(const http::HeaderList& upstream, const route::Plan& plan);

// How long a provider that answered `status` asks to be left alone: a 429's Retry-After in
// delta-seconds (an HTTP-date or anything else is ignored, as agentgateway ignores it).
std::optional<std::chrono::milliseconds> RetryAfter(int status, std::string_view header);

// The input tokens logs and metrics report: agentgateway counts cache reads and writes as input,
// so for the wire formats whose usage leaves them out (Anthropic Messages, Bedrock Converse)
// they are added back; OpenAI-style usage already includes cached tokens.
std::optional<std::int64_t> ReportedInputTokens(const llm::ResponseInfo& info,
                                                llm::WireFormat wire);

}  // namespace agw::emulator::gateway
