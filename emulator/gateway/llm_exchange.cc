#include "emulator/gateway/llm_exchange.h"

#include "emulator/gateway/answer.h"
#include "emulator/http/target.h"
#include "emulator/llm/translate.h"

namespace agw::emulator::gateway {

LlmDecision DecideLlm(const AiBackendPlan& backend, const AiProvider& provider,
                      const route::Plan& plan, std::string body, const AiOptions& options) {
  llm::ClientRequest request;
  request.method = plan.upstream->method;
  http::SplitTarget(plan.upstream->path_and_query, request.path, request.query);
  request.headers = plan.upstream->headers;
  request.body = std::move(body);
  LlmDecision decision;
  decision.call = llm::PlanCall(provider.setup, std::move(request));
  const llm::LlmCall& call = decision.call;
  if (call.local) {
    decision.answer = route::DirectResponse{call.local->status, {}, call.local->body};
    if (!call.local->content_type.empty()) {
      decision.answer->headers.emplace_back("content-type", call.local->content_type);
    }
  } else if (options.mock_providers) {
    decision.mock = llm::MockProviderResponse(call);
  } else {
    decision.upstream =
        MakeOutgoingRequest(call, backend, provider, options, plan.upstream->method);
  }
  return decision;
}

http::HeaderList WireHeaders(std::string_view method, std::string_view authority,
                             const http::HeaderList& headers, std::size_t body_size) {
  http::HeaderList wire;
  wire.reserve(headers.size() + 2);
  VisitWireHeaders(method, authority, headers, body_size,
                   [&](std::string_view name, std::string_view value) {
                     wire.emplace_back(std::string(name), std::string(value));
                   });
  return wire;
}

LlmAnswer::LlmAnswer(const llm::LlmCall& call, const route::Plan& plan, int upstream_status,
                     http::HeaderList upstream_headers)
    : call_(call), status_(upstream_status) {
  content_type_ = http::GetHeader(upstream_headers, "content-type").value_or("");
  client_headers_ = LlmResponseHeaders(upstream_headers, plan);
  if (TranslatesStream(call, upstream_status, content_type_)) {
    llm::ProviderOptions options = call.options;
    options.request_id = http::GetHeader(upstream_headers, "x-amzn-requestid").value_or("");
    translator_ = llm::MakeStreamTranslator(call.input, call.wire, options, call.client_body);
  }
}

http::HeaderList LlmAnswer::StreamHead() const {
  http::HeaderList headers = client_headers_;
  http::SetHeader(headers, "content-type", "text/event-stream");
  return headers;
}

void LlmAnswer::WatchForEnd() {
  if (translator_) {
    end_watcher_.emplace(call_.wire);
  }
}

void LlmAnswer::Feed(std::string_view upstream_bytes, std::string& out) {
  if (end_watcher_) {
    end_watcher_->Feed(upstream_bytes);
  }
  translator_->Feed(upstream_bytes, out);
}

void LlmAnswer::Finish(std::string& out) { translator_->Finish(out); }

std::optional<std::string_view> LlmAnswer::MissingEnd() const {
  if (!end_watcher_ || end_watcher_->ended()) {
    return std::nullopt;
  }
  return end_watcher_->awaited();
}

LlmAnswer::Whole LlmAnswer::Buffered(std::string_view upstream_body) {
  llm::ClientResponse answer = llm::AnswerBuffered(call_, status_, content_type_, upstream_body);
  info_ = answer.info;
  Whole whole{answer.status, client_headers_, std::move(answer.body)};
  if (!answer.content_type.empty()) {
    http::SetHeader(whole.headers, "content-type", answer.content_type);
  }
  return whole;
}

void RecordGenAi(const llm::LlmCall& call, const llm::ResponseInfo& info, AccessRecord& record) {
  record.gen_ai_provider = call.provider_id;
  record.gen_ai_request_model = call.info.request_model;
  if (info.provider_model) {
    record.gen_ai_response_model = *info.provider_model;
  }
  if (std::optional<std::int64_t> input = ReportedInputTokens(info, call.wire)) {
    record.gen_ai_input_tokens = *input;
  }
  record.gen_ai_output_tokens = info.output_tokens;
}

Metrics::GenAi GenAiMetrics(const llm::LlmCall& call, const llm::ResponseInfo& info,
                            const AccessRecord& record, double seconds,
                            std::optional<double> first_token_seconds) {
  Metrics::GenAi gen_ai;
  gen_ai.gateway = record.gateway;
  gen_ai.route = record.route.empty() ? "-" : record.route;
  gen_ai.operation = call.input == llm::InputFormat::kEmbeddings ? "embeddings" : "chat";
  gen_ai.provider = call.provider_id;
  gen_ai.request_model = record.gen_ai_request_model;
  gen_ai.response_model = record.gen_ai_response_model;
  gen_ai.input_tokens = record.gen_ai_input_tokens;
  gen_ai.output_tokens = record.gen_ai_output_tokens;
  gen_ai.cache_read_tokens = info.cached_input_tokens;
  gen_ai.cache_write_tokens = info.cache_creation_input_tokens;
  gen_ai.seconds = seconds;
  gen_ai.first_token_seconds = first_token_seconds;
  return gen_ai;
}

}  // namespace agw::emulator::gateway
