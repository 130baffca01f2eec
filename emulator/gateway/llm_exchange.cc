#include "emulator/gateway/llm_exchange.h"

#include "emulator/gateway/answer.h"
#include "emulator/http/target.h"
#include "emulator/llm/json_codec.h"
#include "emulator/llm/translate.h"

namespace agw::emulator::gateway {

const RoutePolicies::Provider* ProviderPolicies(const RoutePolicies* policies,
                                                const AiBackendPlan& backend, std::size_t tier,
                                                std::size_t index) {
  if (policies == nullptr) {
    return nullptr;
  }
  std::size_t flat = index;
  for (std::size_t i = 0; i < tier && i < backend.tiers.size(); ++i) {
    flat += backend.tiers[i].size();
  }
  return flat < policies->providers.size() ? &policies->providers[flat] : nullptr;
}

LlmDecision DecideLlm(const AiBackendPlan& backend, const AiProvider& provider,
                      const route::Plan& plan, std::string body, const AiOptions& options,
                      const RoutePolicies::Provider* policies) {
  llm::ClientRequest request;
  request.method = plan.upstream->method;
  http::SplitTarget(plan.upstream->path_and_query, request.path, request.query);
  request.headers = plan.upstream->headers;
  request.body = std::move(body);
  LlmDecision decision;
  if (policies == nullptr) {
    decision.call = llm::PlanCall(provider.setup, std::move(request));
  } else {
    llm::ProviderSetup setup = provider.setup;
    setup.ai = policies->ai ? &*policies->ai : nullptr;
    if (!policies->enrichment.prepend.empty() || !policies->enrichment.append.empty()) {
      setup.enrichment = &policies->enrichment;
    }
    setup.request_check = policies->request_check.get();
    decision.call = llm::PlanCall(setup, std::move(request));
  }
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
                     http::HeaderList upstream_headers, const policy::CompiledPromptGuard* guard)
    : call_(call), status_(upstream_status), guard_(guard) {
  content_type_ = http::GetHeader(upstream_headers, "content-type").value_or("");
  if (guard_ != nullptr && !guard_->response.empty()) {
    upstream_headers_ = upstream_headers;
  }
  client_headers_ = LlmResponseHeaders(upstream_headers, plan);
  if (TranslatesStream(call, upstream_status, content_type_)) {
    llm::ProviderOptions options = call.options;
    options.request_id = http::GetHeader(upstream_headers, "x-amzn-requestid").value_or("");
    translator_ = llm::MakeStreamTranslator(call.input, call.wire, options, call.client_body);
    if (guard_ != nullptr && call.streaming && policy::GuardsStream(*guard_, call.input)) {
      stream_guard_.emplace(*guard_);
    }
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
  if (!stream_guard_) {
    translator_->Feed(upstream_bytes, out);
    return;
  }
  if (stream_guard_->blocked()) {
    return;
  }
  translated_.clear();
  translator_->Feed(upstream_bytes, translated_);
  stream_guard_->Feed(translated_, out);
}

void LlmAnswer::Finish(std::string& out) {
  if (!stream_guard_) {
    translator_->Finish(out);
    return;
  }
  if (stream_guard_->blocked()) {
    return;
  }
  translated_.clear();
  translator_->Finish(translated_);
  if (stream_guard_->Feed(translated_, out) == policy::StreamStep::kContinue) {
    stream_guard_->Finish(out);
  }
}

std::optional<std::string_view> LlmAnswer::MissingEnd() const {
  if (!end_watcher_ || end_watcher_->ended()) {
    return std::nullopt;
  }
  return end_watcher_->awaited();
}

void LlmAnswer::CallRemoteGuards(const policy::GuardCaller* caller,
                                 const http::HeaderList& request_headers) {
  guard_caller_ = caller;
  request_headers_ = request_headers;
}

LlmAnswer::Whole LlmAnswer::Buffered(std::string_view upstream_body) {
  llm::ClientResponse answer = llm::AnswerBuffered(call_, status_, content_type_, upstream_body);
  info_ = answer.info;
  if (guard_ != nullptr && !guard_->response.empty() && answer.status >= 200 &&
      answer.status < 300 && policy::SupportsPromptGuard(call_.input)) {
    llm::Json body = llm::ReadJson(answer.body);
    if (body.is_object()) {
      http::HeaderList candidates =
          policy::ResponseForwardCandidates(upstream_headers_, request_headers_);
      policy::ResponseGuardResult checked = policy::ApplyResponseGuards(
          *guard_, call_.input, body, {guard_caller_, &candidates, nullptr});
      for (const policy::GuardVerdict& check : checked.checks) {
        if (std::optional<std::string_view> action = policy::GuardMetricAction(check.action)) {
          guard_actions_.emplace_back(*action);
        }
      }
      using Action = policy::GuardVerdict::Action;
      if (checked.action == Action::kReject) {
        // The rejection replaces the provider's whole answer, and its usage is not recorded.
        info_ = {};
        return Whole{checked.rejection.status, {}, checked.rejection.body};
      }
      if (checked.action == Action::kError) {
        info_ = {};
        return Whole{503,
                     {{"content-type", "text/plain"}},
                     "failed to process LLM response: prompt guard failed"};
      }
      if (checked.action == Action::kMask) {
        answer.body = llm::WriteJson(body);
      }
    }
  }
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
