#include "emulator/gateway/answer.h"

#include <charconv>

namespace agw::emulator::gateway {

bool ServesLlm(const validate::resolve::ResolvedBackend& backend) {
  return backend.kind == validate::resolve::ResolvedBackend::Kind::kAgentgatewayBackend &&
         backend.backend != nullptr && backend.backend->ai.has_value();
}

bool IsEventStream(std::string_view content_type) {
  return content_type.find("text/event-stream") != std::string_view::npos ||
         content_type.find("application/vnd.amazon.eventstream") != std::string_view::npos;
}

std::string RecordedContentType(llm::WireFormat wire, std::string_view bytes) {
  std::size_t start = bytes.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) {
    return "application/json";
  }
  std::string_view text = bytes.substr(start);
  if (text.rfind("data:", 0) == 0 || text.rfind("event:", 0) == 0) {
    return "text/event-stream";
  }
  bool json_like = text.front() == '{' || text.front() == '[';
  if (wire == llm::WireFormat::kBedrockConverse && !json_like) {
    return "application/vnd.amazon.eventstream";
  }
  return "application/json";
}

bool TranslatesStream(const llm::LlmCall& call, int upstream_status,
                      std::string_view content_type) {
  return call.streaming && upstream_status >= 200 && upstream_status < 300 &&
         IsEventStream(content_type);
}

bool RetriesOnFreshConnection(bool reused_connection, bool client_got_bytes, int error_status) {
  return reused_connection && !client_got_bytes && error_status == 503;
}

bool IsHopByHop(std::string_view name) {
  // string_views, not C strings: no strlen per comparison on every header of every request.
  static constexpr std::string_view kHopByHop[] = {"connection",
                                                   "keep-alive",
                                                   "proxy-connection",
                                                   "te",
                                                   "trailer",
                                                   "transfer-encoding",
                                                   "upgrade",
                                                   "proxy-authenticate",
                                                   "proxy-authorization"};
  for (std::string_view hop : kHopByHop) {
    if (http::HeaderNameEquals(name, hop)) {
      return true;
    }
  }
  return false;
}

http::HeaderList LlmResponseHeaders(const http::HeaderList& upstream, const route::Plan& plan) {
  http::HeaderList headers;
  for (const auto& [name, value] : upstream) {
    if (IsHopByHop(name) || http::HeaderNameEquals(name, "content-length") ||
        http::HeaderNameEquals(name, "content-type") ||
        http::HeaderNameEquals(name, "content-encoding")) {
      continue;
    }
    headers.emplace_back(name, value);
  }
  plan.response_headers.Apply(headers);
  for (const auto& header : plan.queued_response_headers) {
    http::SetHeader(headers, header.first, header.second);
  }
  return headers;
}

std::optional<std::chrono::milliseconds> RetryAfter(int status, std::string_view header) {
  if (status != 429 || header.empty()) {
    return std::nullopt;
  }
  int seconds = 0;
  auto parsed = std::from_chars(header.data(), header.data() + header.size(), seconds);
  if (parsed.ec != std::errc() || parsed.ptr != header.data() + header.size() || seconds < 0) {
    return std::nullopt;
  }
  return std::chrono::seconds(seconds);
}

std::optional<std::int64_t> ReportedInputTokens(const llm::ResponseInfo& info,
                                                llm::WireFormat wire) {
  if (!info.input_tokens) {
    return std::nullopt;
  }
  std::int64_t input = *info.input_tokens;
  if (wire == llm::WireFormat::kAnthropicMessages || wire == llm::WireFormat::kBedrockConverse) {
    input += info.cached_input_tokens.value_or(0) + info.cache_creation_input_tokens.value_or(0);
  }
  return input;
}

}  // namespace agw::emulator::gateway
