#include "emulator/gateway/dry_run.h"

#include <random>

#include "emulator/gateway/answer.h"
#include "emulator/gateway/cel_attributes.h"
#include "emulator/gateway/decision.h"
#include "emulator/gateway/llm_exchange.h"
#include "emulator/http/target.h"
#include "emulator/llm/llm_info.h"
#include "emulator/route/describe.h"

namespace agw::emulator::gateway {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::size_t kShortestScrubbedKey = 8;

bool IsCredentialHeader(std::string_view name) {
  for (std::string_view credential : {"authorization", "x-api-key", "x-goog-api-key", "api-key",
                                      "x-amz-security-token", "proxy-authorization"}) {
    if (http::HeaderNameEquals(name, credential)) {
      return true;
    }
  }
  return false;
}

// Where `run` connects for `outgoing`: the provider, its --provider-url stand-in, or the
// backend's host/port override. Not the Host header: a host override is sent with the bare host
// name (agentgateway's auto-hostname) while the connection goes to host:port.
std::string ConnectionUrl(const OutgoingRequest& outgoing) {
  const Endpoint& endpoint = outgoing.connection.endpoint;
  std::string url = endpoint.tls ? "https://" : "http://";
  url += endpoint.host.find(':') == std::string::npos ? endpoint.host : "[" + endpoint.host + "]";
  if (endpoint.port != (endpoint.tls ? 443 : 80)) {
    url += ":" + std::to_string(endpoint.port);
  }
  return url + outgoing.path_and_query;
}

// The request `run` writes for `outgoing`: its head fields as WireHeaders orders them.
UpstreamCall MakeUpstreamCall(const llm::LlmCall& call, const OutgoingRequest& outgoing,
                              const AiProvider& provider, const std::string& method,
                              std::vector<std::string>& notes) {
  UpstreamCall upstream;
  upstream.method = method;
  upstream.url = ConnectionUrl(outgoing);
  upstream.headers = WireHeaders(method, outgoing.authority, outgoing.headers, call.body.size());
  bool sigv4 = outgoing.signed_with_sigv4;
  if (outgoing.needs_signature && !sigv4) {
    notes.push_back(
        "no API key and no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the "
        "environment: the request would go unsigned");
  }
  upstream.body = call.body;
  Redactor redactor(provider);
  redactor.RedactHeaders(upstream.headers, sigv4);
  upstream.url = redactor.Scrub(upstream.url);
  upstream.body = redactor.Scrub(upstream.body);
  return upstream;
}

// Translates a recorded provider answer as `run` does: a streamed 2xx event stream through the
// stream translator, fed in small pieces as a network delivers them; anything else whole.
HttpAnswer AnswerFromProvider(const llm::LlmCall& call, const route::Plan& plan, int status,
                              const std::string& bytes, const policy::CompiledPromptGuard* guard,
                              llm::ResponseInfo& info, std::vector<std::string>& notes) {
  std::string content_type = RecordedContentType(call.wire, bytes);
  bool event_stream = content_type != "application/json";
  if (event_stream && !call.streaming) {
    notes.push_back(
        "the response file is a stream but the request did not ask for one "
        "(\"stream\": true)");
  } else if (!event_stream && call.streaming) {
    notes.push_back(
        "the request streams but the response file is JSON: translated as a "
        "buffered answer");
  }
  LlmAnswer answer(call, plan, status, {{"content-type", content_type}}, guard);
  HttpAnswer client;
  if (answer.streams()) {
    constexpr std::size_t kPiece = 16;
    for (std::size_t at = 0; at < bytes.size(); at += kPiece) {
      answer.Feed(std::string_view(bytes).substr(at, kPiece), client.body);
    }
    answer.Finish(client.body);
    client.status = status;
    client.headers = answer.StreamHead();
    client.headers.emplace_back("transfer-encoding", "chunked");
  } else {
    LlmAnswer::Whole whole = answer.Buffered(bytes);
    client.status = whole.status;
    client.headers = std::move(whole.headers);
    client.body = std::move(whole.body);
    client.headers.emplace_back("content-length", std::to_string(client.body.size()));
  }
  info = answer.info();
  return client;
}

HttpAnswer WithLength(const route::DirectResponse& direct) {
  HttpAnswer answer{direct.status, direct.headers, direct.body};
  answer.headers.emplace_back("content-length", std::to_string(direct.body.size()));
  return answer;
}

HttpAnswer TextAnswer(int status, const std::string& body) {
  return WithLength(route::DirectResponse{status, {{"content-type", "text/plain"}}, body});
}

Json ProviderJson(const AiProvider& provider, const AiBackendPlan& ai, const llm::LlmCall& call) {
  Json json;
  json["name"] = provider.name;
  json["kind"] = provider.setup.provider->kind;
  json["id"] = call.provider_id;
  json["route_type"] = llm::RouteTypeName(call.route);
  json["input_format"] = llm::InputFormatName(call.input);
  // A request the gateway answers itself is never translated: it has no wire format.
  if (!call.local) {
    json["wire_format"] = llm::WireFormatName(call.wire);
  }
  if (!call.info.request_model.empty()) {
    json["model"] = call.info.request_model;
  }
  json["streaming"] = call.streaming;
  if (!provider.credential_source.empty()) {
    json["credential"] = provider.credential_source;
  }
  if (!provider.problem.empty()) {
    json["credential_problem"] = provider.problem;
  }
  std::size_t providers = 0;
  for (const auto& tier : ai.tiers) {
    providers += tier.size();
  }
  json["providers_in_backend"] = providers;
  return json;
}

// The provider named `wanted`, else the first of the first priority tier (`run` picks one of
// that tier at random, which a note says).
const AiProvider* PickProvider(const AiBackendPlan& ai, const std::string& wanted,
                               std::vector<std::string>& notes) {
  if (!wanted.empty()) {
    for (const auto& tier : ai.tiers) {
      for (const AiProvider& provider : tier) {
        if (provider.name == wanted) {
          return &provider;
        }
      }
    }
    return nullptr;
  }
  const std::vector<AiProvider>& tier = ai.tiers.front();
  if (tier.size() > 1) {
    std::string names;
    for (const AiProvider& provider : tier) {
      names += (names.empty() ? "" : ", ") + provider.name;
    }
    notes.push_back("the gateway picks one of " + names + " at random; showing " +
                    tier.front().name + " (choose with --provider)");
  }
  return &tier.front();
}

// Follows an AI backend from the planned route to the provider and back.
Expected<void> RunDryLlm(const Snapshot& snapshot, RequestDecision& request,
                         const DryRunInput& input, const AiOptions& options, DryRun& run) {
  const route::Plan& plan = request.plan;
  ProviderHealth health;
  std::shared_ptr<const Snapshot::AiBackend> state =
      snapshot.AiBackendFor(*plan.upstream->backend->backend, options, health);
  const AiBackendPlan& ai = state->plan;
  if (ai.tiers.empty() || ai.tiers.front().empty()) {
    run.gateway_answer = TextAnswer(500, "AI backend " + ai.backend + " has no provider\n");
    run.gateway_answer_reason = "the AI backend has no provider";
    return {};
  }
  const AiProvider* provider = PickProvider(ai, input.provider, run.notes);
  if (provider == nullptr) {
    return MakeError("--provider " + input.provider + ": AI backend " + ai.backend +
                     " has no provider of that name");
  }
  const RoutePolicies::Provider* policies = nullptr;
  for (std::size_t tier = 0; tier < ai.tiers.size(); ++tier) {
    for (std::size_t index = 0; index < ai.tiers[tier].size(); ++index) {
      if (&ai.tiers[tier][index] == provider) {
        policies = ProviderPolicies(request.policies.get(), ai, tier, index);
      }
    }
  }
  if (policies != nullptr) {
    // A dry run calls nothing: its remote guards are named instead.
    for (const auto* guards : {&policies->guard.request, &policies->guard.response}) {
      const char* phase = guards == &policies->guard.request ? "request" : "response";
      for (std::size_t i = 0; i < guards->size(); ++i) {
        policy::GuardKind kind = (*guards)[i].kind;
        if (kind != policy::GuardKind::kRegex) {
          run.notes.push_back(
              "the " + std::string(phase) + " prompt guard " + phase + "[" + std::to_string(i) +
              "] (" + std::string(policy::GuardKindName(kind)) +
              ") calls out: a dry run does not call it" +
              (kind == policy::GuardKind::kWebhook || kind == policy::GuardKind::kOpenAIModeration
                   ? " (run does)"
                   : " (nor does run: not enforced yet)"));
        }
      }
    }
  }
  LlmDecision decision = DecideLlm(ai, *provider, plan, input.body, options, policies);
  const llm::LlmCall& call = decision.call;
  if (!decision.answer) {
    decision.answer = CheckTokenLimit(request, call, policy::RateClock::now());
  }
  run.provider = ProviderJson(*provider, ai, call);
  if (!provider->problem.empty()) {
    run.notes.push_back("no credential: " + provider->problem);
  }
  if (decision.answer) {
    run.gateway_answer = WithLength(*decision.answer);
    run.gateway_answer_reason =
        call.local_reason.empty() ? "the gateway answers this request itself" : call.local_reason;
    return {};
  }
  if (decision.upstream) {
    run.upstream =
        MakeUpstreamCall(call, *decision.upstream, *provider, plan.upstream->method, run.notes);
  }
  std::optional<std::string> response = input.response;
  int response_status = input.response_status;
  if (decision.mock) {
    response = decision.mock->body;
    response_status = decision.mock->status;
  }
  if (response) {
    llm::ResponseInfo info;
    run.client_response =
        AnswerFromProvider(call, plan, response_status, *response,
                           policies == nullptr ? nullptr : &policies->guard, info, run.notes);
    run.client_response->body = Redactor(*provider).Scrub(run.client_response->body);
    run.usage = llm::ResponseInfoJson(info);
  }
  return {};
}

// A request to a backend that is not an AI backend: forwarded as the filters left it.
void RunDryForward(const route::Plan& plan, const std::string& body, DryRun& run) {
  const route::UpstreamRequest& request = *plan.upstream;
  UpstreamCall upstream;
  upstream.method = request.method;
  upstream.url = request.path_and_query;
  upstream.headers = WireHeaders(request.method, request.authority, request.headers, body.size());
  upstream.body = body;
  Redactor("", "").RedactHeaders(upstream.headers, /*sigv4=*/false);
  run.upstream = std::move(upstream);
  run.notes.push_back("not an AI backend: the body is forwarded unchanged");
}

std::string BackendName(const validate::resolve::ResolvedBackend& backend) {
  std::string kind =
      backend.kind == validate::resolve::ResolvedBackend::Kind::kService ? "Service"
      : backend.kind == validate::resolve::ResolvedBackend::Kind::kAgentgatewayBackend
          ? "AgentgatewayBackend"
          : "backend";
  std::string port = backend.port ? ":" + std::to_string(*backend.port) : "";
  return kind + " " + backend.namespace_ + "/" + backend.name + port;
}

bool NamesGateway(const std::string& wanted, const validate::model::Gateway& gateway) {
  if (wanted.empty()) {
    return true;
  }
  if (wanted.find('/') == std::string::npos) {
    return wanted == gateway.metadata.name;
  }
  return wanted == gateway.metadata.namespace_ + "/" + gateway.metadata.name;
}

std::string DefaultHost(const route::RouteTable& table, const route::Bind& bind) {
  for (const route::ListenerRoutes& listener : table.Listeners(bind)) {
    if (listener.hostname.empty()) {
      continue;
    }
    if (listener.hostname.rfind("*.", 0) == 0) {
      return "www" + listener.hostname.substr(1);
    }
    return listener.hostname;
  }
  return "localhost";
}

bool ListensWithTls(const route::RouteTable& table, const route::Bind& bind) {
  const std::vector<route::ListenerRoutes>& listeners = table.Listeners(bind);
  return !listeners.empty() && listeners.front().listener->listener->protocol == "HTTPS";
}

}  // namespace

Expected<route::Bind> ChooseBind(const route::RouteTable& table, const std::string& gateway,
                                 int port) {
  std::vector<route::Bind> candidates;
  std::string all;
  for (const route::Bind& bind : table.Binds()) {
    all += " " + bind.ToString();
    if (NamesGateway(gateway, *bind.gateway) && (port == 0 || bind.port == port)) {
      candidates.push_back(bind);
    }
  }
  if (all.empty()) {
    return MakeError(
        "no Gateway listener is programmed from these manifests; "
        "`kubectl agentgateway status` shows why");
  }
  if (candidates.empty()) {
    return MakeError("no Gateway listener matches --gateway/--port; there are:" + all);
  }
  if (candidates.size() > 1) {
    return MakeError(
        "several Gateway listeners could receive the request; choose one with "
        "--gateway NS/NAME and --port:" +
        all);
  }
  return candidates.front();
}

route::Request ArrivingRequest(const route::RouteTable& table, const route::Bind& bind,
                               std::string method, std::string_view target, const std::string& host,
                               const http::HeaderList& headers, std::size_t body_size) {
  route::Request request;
  request.method = std::move(method);
  request.scheme = ListensWithTls(table, bind) ? "https" : "http";
  request.authority =
      http::GetHeader(headers, "host").value_or(host.empty() ? DefaultHost(table, bind) : host);
  http::SplitTarget(target, request.path, request.query);
  request.headers.emplace_back("host", request.authority);
  for (const auto& header : headers) {
    if (!http::HeaderNameEquals(header.first, "host")) {
      request.headers.push_back(header);
    }
  }
  if (!http::GetHeader(request.headers, "content-type")) {
    request.headers.emplace_back("content-type", "application/json");
  }
  request.headers.emplace_back("content-length", std::to_string(body_size));
  return request;
}

Redactor::Redactor(std::string key, const std::string& source)
    : key_(std::move(key)), source_(source.empty() ? "" : "<redacted: from " + source + ">") {}

Redactor::Redactor(const AiProvider& provider)
    : Redactor(provider.setup.api_key.value_or(""), provider.credential_source) {}

void Redactor::RedactHeaders(http::HeaderList& headers, bool sigv4) const {
  for (auto& [name, value] : headers) {
    if (!IsCredentialHeader(name) && !ContainsKey(value)) {
      continue;
    }
    if (ContainsKey(value) && !source_.empty()) {
      value = source_;
    } else if (sigv4 && (http::HeaderNameEquals(name, "authorization") ||
                         http::HeaderNameEquals(name, "x-amz-security-token"))) {
      value = "<redacted: SigV4 from the AWS_* environment credentials>";
    } else {
      value = "<redacted>";
    }
  }
}

std::string Redactor::Scrub(std::string text) const {
  if (key_.size() < kShortestScrubbedKey) {
    return text;
  }
  for (std::size_t at = text.find(key_); at != std::string::npos; at = text.find(key_, at)) {
    text.replace(at, key_.size(), "<redacted>");
  }
  return text;
}

bool Redactor::ContainsKey(std::string_view value) const {
  return !key_.empty() && value.find(key_) != std::string_view::npos;
}

Expected<DryRun> RunDry(const Snapshot& snapshot, const route::Bind& bind, const DryRunInput& input,
                        const AiOptions& options) {
  DryRun run;
  run.bind = bind.ToString();
  // A fixed seed: the same inputs give the same weighted backend choice on every dry run.
  std::mt19937_64 random(0);
  RequestDecision decision =
      Decide(snapshot, &bind, input.request, bind.port, /*services=*/nullptr, random);
  // A dry run is the first request the route's rate limit sees: its buckets are full.
  policy::RateLimitRegistry limits;
  // Its global limits meet an empty rate-limit service: only limitOverride limits them.
  policy::RateLimitService global_limits;
  ApplyRouteRateLimit(decision, limits, &global_limits, policy::RateClock::now(), [&] {
    ConnectionFacts connection;
    connection.gateway = bind.gateway->metadata.namespace_ + "/" + bind.gateway->metadata.name;
    connection.source_address = "127.0.0.1";
    connection.local_address = "127.0.0.1";
    connection.local_port = bind.port;
    return RequestAttributes(input.request, connection, &decision,
                             std::chrono::system_clock::now());
  });
  const route::Plan& plan = decision.plan;
  if (decision.match.outcome == route::Decision::Outcome::kRoute) {
    run.route = plan.route;
    run.rule = plan.rule_index;
    run.listener = decision.match.listener->listener->listener->name;
    run.match =
        decision.match.entry->match ? route::DescribeMatch(*decision.match.entry->match) : "any";
  }
  switch (decision.action) {
    case RequestDecision::Action::kAnswer:
      run.gateway_answer = WithLength(decision.answer);
      run.gateway_answer_reason = decision.answer_reason;
      break;
    case RequestDecision::Action::kForward:
      run.backend = BackendName(*plan.upstream->backend);
      RunDryForward(plan, input.body, run);
      break;
    case RequestDecision::Action::kLlm:
      run.backend = BackendName(*plan.upstream->backend);
      if (auto done = RunDryLlm(snapshot, decision, input, options, run); !done) {
        return tl::unexpected(done.error());
      }
      break;
  }
  return run;
}

}  // namespace agw::emulator::gateway
