// The LLM answer rules `run` and `translate` share (emulator/gateway/answer.h), without sockets.

#include "emulator/gateway/answer.h"

#include <catch2/catch.hpp>

namespace agw::emulator::gateway {
namespace {

emulator::llm::LlmCall StreamingCall(bool streaming) {
  emulator::llm::LlmCall call;
  call.streaming = streaming;
  return call;
}

TEST_CASE("Only an AgentgatewayBackend with spec.ai takes the LLM path") {
  validate::model::AgentgatewayBackend ai_backend;
  ai_backend.ai.emplace();
  validate::model::AgentgatewayBackend static_backend;
  static_backend.static_.emplace();
  validate::resolve::ResolvedBackend backend;
  backend.kind = validate::resolve::ResolvedBackend::Kind::kAgentgatewayBackend;
  backend.backend = &ai_backend;
  CHECK(ServesLlm(backend));
  backend.backend = &static_backend;
  CHECK_FALSE(ServesLlm(backend));
  backend.backend = nullptr;  // not in the inputs: answered 500 by the plain path
  CHECK_FALSE(ServesLlm(backend));
  backend.kind = validate::resolve::ResolvedBackend::Kind::kService;
  backend.backend = &ai_backend;
  CHECK_FALSE(ServesLlm(backend));
}

TEST_CASE("SSE and Bedrock event streams are event streams and JSON is not") {
  CHECK(IsEventStream("text/event-stream"));
  CHECK(IsEventStream("text/event-stream; charset=utf-8"));
  CHECK(IsEventStream("application/vnd.amazon.eventstream"));
  CHECK_FALSE(IsEventStream("application/json"));
  CHECK_FALSE(IsEventStream(""));
}

TEST_CASE("A recorded answer is labelled SSE Bedrock event stream or JSON from its bytes") {
  using emulator::llm::WireFormat;
  CHECK(RecordedContentType(WireFormat::kOpenAICompletions, "data: {}\n\n") == "text/event-stream");
  CHECK(RecordedContentType(WireFormat::kAnthropicMessages, "\n event: message_start\n") ==
        "text/event-stream");
  CHECK(RecordedContentType(WireFormat::kOpenAICompletions, " {\"id\":1}") == "application/json");
  CHECK(RecordedContentType(WireFormat::kBedrockConverse, std::string("\0\0\0\x42", 4)) ==
        "application/vnd.amazon.eventstream");
  CHECK(RecordedContentType(WireFormat::kBedrockConverse, "{\"output\":{}}") == "application/json");
  // Binary bytes are only a Bedrock event stream for a Bedrock call.
  CHECK(RecordedContentType(WireFormat::kOpenAICompletions, std::string("\0\x01", 2)) ==
        "application/json");
  CHECK(RecordedContentType(WireFormat::kBedrockConverse, "") == "application/json");
}

TEST_CASE("Only a 2xx event stream answering a streaming call is translated as a stream") {
  CHECK(TranslatesStream(StreamingCall(true), 200, "text/event-stream"));
  CHECK(TranslatesStream(StreamingCall(true), 299, "application/vnd.amazon.eventstream"));
  // A provider that ignored `stream: true`, an error, and a client that did not ask for one.
  CHECK_FALSE(TranslatesStream(StreamingCall(true), 200, "application/json"));
  CHECK_FALSE(TranslatesStream(StreamingCall(true), 429, "text/event-stream"));
  CHECK_FALSE(TranslatesStream(StreamingCall(true), 199, "text/event-stream"));
  CHECK_FALSE(TranslatesStream(StreamingCall(false), 200, "text/event-stream"));
}

TEST_CASE("Only a broken kept-alive connection before any answer bytes is retried") {
  CHECK(RetriesOnFreshConnection(true, false, 503));
  CHECK_FALSE(RetriesOnFreshConnection(false, false, 503));  // already a fresh connection
  CHECK_FALSE(RetriesOnFreshConnection(true, true, 503));    // the client has bytes
  CHECK_FALSE(RetriesOnFreshConnection(true, false, 504));   // a timeout spent the time
  CHECK_FALSE(RetriesOnFreshConnection(true, false, 0));     // it worked
}

TEST_CASE("Retry-After counts only for a 429 and only in whole seconds") {
  CHECK(RetryAfter(429, "7") == std::chrono::milliseconds(7000));
  CHECK(RetryAfter(429, "0") == std::chrono::milliseconds(0));
  CHECK_FALSE(RetryAfter(503, "7"));
  CHECK_FALSE(RetryAfter(429, ""));
  CHECK_FALSE(RetryAfter(429, "Wed, 21 Oct 2026 07:28:00 GMT"));
  CHECK_FALSE(RetryAfter(429, "1.5"));
  CHECK_FALSE(RetryAfter(429, "-3"));
  CHECK_FALSE(RetryAfter(429, "99999999999999999999"));
}

TEST_CASE("The client gets the provider's headers without framing plus the route's edits") {
  emulator::http::HeaderList upstream = {{"Content-Type", "application/json"},
                                         {"content-length", "42"},
                                         {"Content-Encoding", "gzip"},
                                         {"Transfer-Encoding", "chunked"},
                                         {"Connection", "keep-alive"},
                                         {"x-request-id", "abc"},
                                         {"anthropic-ratelimit-requests-remaining", "9"}};
  route::Plan plan;
  plan.response_headers.set.push_back({"x-gateway", "agw"});
  plan.response_headers.remove.push_back("x-request-id");
  plan.queued_response_headers = {{"access-control-allow-origin", "https://app.example.com"}};
  CHECK(LlmResponseHeaders(upstream, plan) ==
        emulator::http::HeaderList{{"anthropic-ratelimit-requests-remaining", "9"},
                                   {"x-gateway", "agw"},
                                   {"access-control-allow-origin", "https://app.example.com"}});
  // `translate` has no provider headers: only the route's.
  CHECK(LlmResponseHeaders({}, plan) ==
        emulator::http::HeaderList{{"x-gateway", "agw"},
                                   {"access-control-allow-origin", "https://app.example.com"}});
}

TEST_CASE("Reported input tokens add cache reads and writes where the usage leaves them out") {
  emulator::llm::ResponseInfo info;
  CHECK_FALSE(ReportedInputTokens(info, emulator::llm::WireFormat::kAnthropicMessages));
  info.input_tokens = 10;
  info.cached_input_tokens = 100;
  info.cache_creation_input_tokens = 5;
  CHECK(ReportedInputTokens(info, emulator::llm::WireFormat::kAnthropicMessages) == 115);
  CHECK(ReportedInputTokens(info, emulator::llm::WireFormat::kBedrockConverse) == 115);
  // OpenAI's prompt_tokens already include the cached ones.
  CHECK(ReportedInputTokens(info, emulator::llm::WireFormat::kOpenAICompletions) == 10);
}

}  // namespace
}  // namespace agw::emulator::gateway
