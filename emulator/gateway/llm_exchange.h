#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/gateway/access_log.h"
#include "emulator/gateway/ai_backends.h"
#include "emulator/gateway/answer.h"
#include "emulator/gateway/decision.h"
#include "emulator/gateway/metrics.h"
#include "emulator/gateway/route_policies.h"
#include "emulator/llm/call.h"
#include "emulator/llm/mock.h"
#include "emulator/llm/stream.h"
#include "emulator/llm/stream_end.h"
#include "emulator/route/plan.h"

// One LLM exchange, decided without sockets: the call planned for the chosen provider, the request
// that goes upstream, and, piece by piece, what the client gets for the provider's answer and
// what is accounted for it. `run` carries these out over the network; `translate` feeds them a
// recorded answer. Pure but for the SigV4 signature's clock and AWS_* environment.
namespace agw::emulator::gateway {

// What the gateway does with an LLM request once the provider is chosen. Exactly one of
// `answer`, `mock` and `upstream` is set.
struct LlmDecision {
  llm::LlmCall call;
  // The gateway answers by itself (a route type it does not call a provider for): no provider
  // is called.
  std::optional<route::DirectResponse> answer;
  // --mock-providers: the provider's answer, made in-process.
  std::optional<llm::MockResponse> mock;
  // The request sent to the provider (or its --provider-url stand-in).
  std::optional<OutgoingRequest> upstream;
};

// Plans the call of `plan`'s request (its body `body`) to `provider` of `backend`, with the
// merged policies of the route for that provider (null: the backend's own policies only).
LlmDecision DecideLlm(const AiBackendPlan& backend, const AiProvider& provider,
                      const route::Plan& plan, std::string body, const AiOptions& options,
                      const RoutePolicies::Provider* policies = nullptr);

// The merged policies of `decision`'s route for provider `tier`/`index` of its AI backend; null
// when there are none.
const RoutePolicies::Provider* ProviderPolicies(const RoutePolicies* policies,
                                                const AiBackendPlan& backend, std::size_t tier,
                                                std::size_t index);

// The header fields of a request as it goes on the wire, in order: host first, then the
// request's own fields without hop-by-hop ones, host and content-length, then content-length
// (when there is a body or the method carries one). Framing beyond that (`connection: close`)
// is the sender's. `visit(name, value)` is called for each, so a sender writes them without a
// copy; WireHeaders collects them.
template <typename Visit>
void VisitWireHeaders(std::string_view method, std::string_view authority,
                      const http::HeaderList& headers, std::size_t body_size, Visit&& visit) {
  visit(std::string_view("host"), authority);
  for (const auto& [name, value] : headers) {
    if (IsHopByHop(name) || http::HeaderNameEquals(name, "host") ||
        http::HeaderNameEquals(name, "content-length")) {
      continue;
    }
    visit(std::string_view(name), std::string_view(value));
  }
  if (body_size > 0 || method == "POST" || method == "PUT" || method == "PATCH") {
    std::string length = std::to_string(body_size);
    visit(std::string_view("content-length"), std::string_view(length));
  }
}
http::HeaderList WireHeaders(std::string_view method, std::string_view authority,
                             const http::HeaderList& headers, std::size_t body_size);

// The client's answer to one provider answer. A streamed 2xx event stream (TranslatesStream) is
// translated as its bytes arrive: StreamHead, then Feed for each piece and Finish at the end.
// Anything else is read whole and answered with Buffered. Not thread-safe; one per exchange.
class LlmAnswer {
 public:
  // `upstream_headers` are the provider's (content-type among them); `request_id` is the
  // provider's request id when it sends one (Bedrock's x-amzn-requestid).
  // `guard` (borrowed, may be null) holds the route's response prompt guards: a buffered 2xx
  // answer is checked whole, a streamed one in windows when the guard enables streaming.
  LlmAnswer(const llm::LlmCall& call, const route::Plan& plan, int upstream_status,
            http::HeaderList upstream_headers, const policy::CompiledPromptGuard* guard = nullptr);

  bool streams() const { return translator_ != nullptr; }
  int upstream_status() const { return status_; }

  // Streamed: the head's fields, without framing (the sender adds transfer-encoding or closes).
  http::HeaderList StreamHead() const;
  // A stream whose end only the connection's close marks: watch its bytes for the event that
  // says it is complete (llm::StreamEndWatcher), so a cut one is not passed off as whole.
  void WatchForEnd();
  // Translates the next piece of the provider's stream; appends what the client gets to `out`.
  void Feed(std::string_view upstream_bytes, std::string& out);
  // The end of the provider's stream: the closing events the client still gets.
  void Finish(std::string& out);
  // A streaming guard refused the stream: its last frame is out, nothing more may be sent and
  // the provider's stream is abandoned.
  bool blocked() const { return stream_guard_ && stream_guard_->blocked(); }
  // When WatchForEnd was called and the stream's final event has not come: the event awaited.
  std::optional<std::string_view> MissingEnd() const;

  // Buffered: the client's status, head fields (content-type included, no content-length) and
  // body for the provider's whole body.
  struct Whole {
    int status = 0;
    http::HeaderList headers;
    std::string body;
  };
  Whole Buffered(std::string_view upstream_body);
  // Lets Buffered call the webhook and moderation response guards through `caller` (borrowed,
  // may be null), forwarding from the upstream answer's headers and the client's traceparent.
  void CallRemoteGuards(const policy::GuardCaller* caller, const http::HeaderList& request_headers);

  // The usage and models read from the answer so far (complete after Finish or Buffered).
  const llm::ResponseInfo& info() const { return translator_ ? translator_->info() : info_; }
  // One action per response guard Buffered evaluated ("Allow", "Mask", "Reject"): the guardrail
  // metric's samples. Streamed windows record none, as agentgateway records none.
  const std::vector<std::string>& guard_actions() const { return guard_actions_; }

 private:
  const llm::LlmCall& call_;
  int status_;
  http::HeaderList client_headers_;
  std::string content_type_;
  std::unique_ptr<llm::StreamTranslator> translator_;
  std::optional<llm::StreamEndWatcher> end_watcher_;
  const policy::CompiledPromptGuard* guard_;
  std::optional<policy::StreamingGuard> stream_guard_;
  std::string translated_;  // a streamed piece between the translator and the streaming guard
  llm::ResponseInfo info_;  // buffered answers
  std::vector<std::string> guard_actions_;
  const policy::GuardCaller* guard_caller_ = nullptr;
  http::HeaderList upstream_headers_;  // kept only when there are response guards
  http::HeaderList request_headers_;
};

// What one LLM exchange adds to its access log record: provider, models and tokens (cache reads
// and writes counted as input, as agentgateway counts them).
void RecordGenAi(const llm::LlmCall& call, const llm::ResponseInfo& info, AccessRecord& record);

// The gen_ai metrics of one exchange from its access record, with agentgateway's labels.
// `seconds` is the exchange's duration; `first_token_seconds` when the first streamed bytes left.
Metrics::GenAi GenAiMetrics(const llm::LlmCall& call, const llm::ResponseInfo& info,
                            const AccessRecord& record, double seconds,
                            std::optional<double> first_token_seconds);

}  // namespace agw::emulator::gateway
