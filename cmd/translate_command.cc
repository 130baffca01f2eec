// `kubectl agentgateway translate`: a dry run of one LLM request. It makes the pure calls the
// `run` data plane makes for a request (route match, route filters, AI backend planning,
// llm::PlanCall, response translation) and prints their results instead of sending anything.

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>

#include "cmd/commands.h"
#include "cmd/json_output.h"
#include "cmd/pipeline.h"
#include "emulator/gateway/ai_backends.h"
#include "emulator/gateway/answer.h"
#include "emulator/llm/call.h"
#include "emulator/llm/json_codec.h"
#include "emulator/llm/translate.h"
#include "emulator/route/describe.h"
#include "emulator/route/plan.h"
#include "emulator/route/table.h"
#include "validate/manifest/diagnostic.h"

namespace agw::cmd {
namespace {

namespace route = emulator::route;
namespace gateway = emulator::gateway;
using Json = nlohmann::ordered_json;

struct TranslateOptions {
  InputFlags inputs;
  std::string request_file;
  std::string response_file;
  int response_status = 200;
  std::string path = "/";
  std::string host;
  std::string method = "POST";
  std::vector<std::string> headers;  // "Name: value"
  std::string gateway;               // "NS/NAME" or "NAME"
  int port = 0;                      // 0: any
  std::string provider;              // a provider of a priority group, by name
  std::vector<std::string> provider_urls;
  std::vector<std::string> secrets;
  std::string output = "text";
};

// An HTTP response as a client would see it.
struct Answer {
  int status = 0;
  route::HeaderList headers;
  std::string body;
};

struct UpstreamCall {
  std::string method;
  std::string url;
  route::HeaderList headers;  // in the order they are sent, credentials already redacted
  std::string body;
};

// Everything one dry run found out, rendered afterwards as text or JSON.
struct DryRun {
  std::string bind;  // "ns/gateway:port"
  std::string method;
  std::string request_url;
  std::string route;  // "ns/name"; empty when no route matched
  int rule = -1;
  std::string listener;
  std::string match;
  std::string backend;  // "AgentgatewayBackend ns/name"
  std::optional<Json> provider;
  std::optional<UpstreamCall> upstream;
  // Set when the gateway answers by itself and nothing goes upstream (no route, 400, 501).
  std::optional<Answer> gateway_answer;
  std::string gateway_answer_reason;
  std::optional<Answer> client_response;
  std::optional<Json> usage;
  std::vector<std::string> notes;
};

// "-" reads standard input.
Expected<std::string> ReadWholeFile(const std::string& path) {
  if (path == "-") {
    std::ostringstream contents;
    contents << std::cin.rdbuf();
    return contents.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError("cannot read " + path);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

std::string Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return "";
  size_t end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(begin, end - begin + 1));
}

// "Name: value" or "Name:value", as curl's -H takes them.
Expected<route::HeaderList> ParseHeaders(const std::vector<std::string>& specs) {
  route::HeaderList headers;
  for (const std::string& spec : specs) {
    size_t colon = spec.find(':');
    if (colon == std::string::npos || Trim(spec.substr(0, colon)).empty()) {
      return MakeError("--header \"" + spec + "\": expected NAME:VALUE");
    }
    headers.emplace_back(Trim(spec.substr(0, colon)), Trim(spec.substr(colon + 1)));
  }
  return headers;
}

bool NamesGateway(const std::string& wanted, const model::Gateway& gateway) {
  if (wanted.empty()) return true;
  if (wanted.find('/') == std::string::npos) return wanted == gateway.metadata.name;
  return wanted == gateway.metadata.namespace_ + "/" + gateway.metadata.name;
}

// The bind the request arrives on: the only one left after --gateway and --port.
Expected<route::Bind> PickBind(const route::RouteTable& table, const TranslateOptions& options) {
  std::vector<route::Bind> candidates;
  std::string all;
  for (const route::Bind& bind : table.Binds()) {
    all += " " + bind.ToString();
    if (NamesGateway(options.gateway, *bind.gateway) &&
        (options.port == 0 || bind.port == options.port)) {
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

// A Host the listener accepts: its first hostname (a wildcard's "*" taken as "www"), or
// "localhost" when its listeners take any host.
std::string DefaultHost(const route::RouteTable& table, const route::Bind& bind) {
  for (const route::ListenerRoutes& listener : table.Listeners(bind)) {
    if (listener.hostname.empty()) continue;
    if (listener.hostname.rfind("*.", 0) == 0) return "www" + listener.hostname.substr(1);
    return listener.hostname;
  }
  return "localhost";
}

bool ListensWithTls(const route::RouteTable& table, const route::Bind& bind) {
  const std::vector<route::ListenerRoutes>& listeners = table.Listeners(bind);
  return !listeners.empty() && listeners.front().listener->listener->protocol == "HTTPS";
}

// Replaces credential values in what is printed. A header that carries credentials is always
// replaced; any other text that happens to contain the backend's key is too.
class Redactor {
 public:
  // `key` is the backend's credential ("" for none); `source` says where it comes from.
  Redactor(std::string key, const std::string& source)
      : key_(std::move(key)), source_(source.empty() ? "" : "<redacted: from " + source + ">") {}
  explicit Redactor(const gateway::AiProvider& provider)
      : Redactor(provider.setup.api_key.value_or(""), provider.credential_source) {}

  void RedactHeaders(route::HeaderList& headers, bool sigv4) const {
    for (auto& [name, value] : headers) {
      if (!IsCredentialHeader(name) && !ContainsKey(value)) continue;
      if (ContainsKey(value) && !source_.empty()) {
        value = source_;
      } else if (sigv4 && (route::HeaderNameEquals(name, "authorization") ||
                           route::HeaderNameEquals(name, "x-amz-security-token"))) {
        value = "<redacted: SigV4 from the AWS_* environment credentials>";
      } else {
        value = "<redacted>";
      }
    }
  }

  // Replaces the backend's key wherever it appears in `text`. Keys too short to be real are
  // left alone: replacing a 3-letter test key would mangle every body that contains it.
  std::string Scrub(std::string text) const {
    if (key_.size() < kShortestScrubbedKey) return text;
    for (size_t at = text.find(key_); at != std::string::npos; at = text.find(key_, at)) {
      text.replace(at, key_.size(), "<redacted>");
    }
    return text;
  }

 private:
  static constexpr size_t kShortestScrubbedKey = 8;

  static bool IsCredentialHeader(std::string_view name) {
    for (std::string_view credential : {"authorization", "x-api-key", "x-goog-api-key", "api-key",
                                        "x-amz-security-token", "proxy-authorization"}) {
      if (route::HeaderNameEquals(name, credential)) return true;
    }
    return false;
  }
  bool ContainsKey(std::string_view value) const {
    return !key_.empty() && value.find(key_) != std::string_view::npos;
  }

  std::string key_;
  std::string source_;
};

// The request as `run` writes it: host first, the call's headers, content-length last.
UpstreamCall MakeUpstreamCall(const llm::LlmCall& call, const gateway::AiBackendPlan& ai,
                              const gateway::AiProvider& provider,
                              const gateway::AiOptions& ai_options, const std::string& method,
                              std::vector<std::string>& notes) {
  gateway::OutgoingRequest outgoing =
      gateway::MakeOutgoingRequest(call, ai, provider, ai_options, method);
  UpstreamCall upstream;
  upstream.method = method;
  upstream.url = (outgoing.connection.endpoint.tls ? "https://" : "http://") + outgoing.authority +
                 outgoing.path_and_query;
  upstream.headers.emplace_back("host", outgoing.authority);
  for (const auto& [name, value] : outgoing.headers) {
    if (route::HeaderNameEquals(name, "host") || route::HeaderNameEquals(name, "content-length")) {
      continue;
    }
    upstream.headers.emplace_back(name, value);
  }
  bool sigv4 = outgoing.signed_with_sigv4;
  if (outgoing.needs_signature && !sigv4) {
    notes.push_back(
        "no API key and no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the "
        "environment: the request would go unsigned");
  }
  if (!call.body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    upstream.headers.emplace_back("content-length", std::to_string(call.body.size()));
  }
  upstream.body = call.body;
  Redactor redactor(provider);
  redactor.RedactHeaders(upstream.headers, sigv4);
  upstream.url = redactor.Scrub(upstream.url);
  upstream.body = redactor.Scrub(upstream.body);
  return upstream;
}

// Translates a provider answer as `run` does: a streamed 2xx event stream through the stream
// translator, anything else buffered.
Answer AnswerFromProvider(const llm::LlmCall& call, const route::Plan& plan, int status,
                          const std::string& bytes, llm::ResponseInfo& info,
                          std::vector<std::string>& notes) {
  std::string content_type = gateway::RecordedContentType(call.wire, bytes);
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
  Answer answer;
  answer.headers = gateway::LlmResponseHeaders({}, plan);
  std::unique_ptr<llm::StreamTranslator> translator;
  if (gateway::TranslatesStream(call, status, content_type)) {
    translator = llm::MakeStreamTranslator(call.input, call.wire, call.options, call.client_body);
  }
  if (translator) {
    // Fed in small pieces, as a network delivers them, so events split across reads are
    // handled the way they are when serving.
    constexpr size_t kPiece = 16;
    for (size_t at = 0; at < bytes.size(); at += kPiece) {
      translator->Feed(std::string_view(bytes).substr(at, kPiece), answer.body);
    }
    translator->Finish(answer.body);
    info = translator->info();
    answer.status = status;
    route::SetHeader(answer.headers, "content-type", "text/event-stream");
    answer.headers.emplace_back("transfer-encoding", "chunked");
    return answer;
  }
  llm::ClientResponse buffered = llm::AnswerBuffered(call, status, content_type, bytes);
  info = buffered.info;
  answer.status = buffered.status;
  answer.body = buffered.body;
  if (!buffered.content_type.empty()) {
    route::SetHeader(answer.headers, "content-type", buffered.content_type);
  }
  answer.headers.emplace_back("content-length", std::to_string(answer.body.size()));
  return answer;
}

Answer TextAnswer(int status, const std::string& content_type, const std::string& body) {
  return Answer{status,
                {{"content-type", content_type}, {"content-length", std::to_string(body.size())}},
                body};
}

Answer FromDirect(const route::DirectResponse& direct) {
  Answer answer{direct.status, direct.headers, direct.body};
  answer.headers.emplace_back("content-length", std::to_string(direct.body.size()));
  return answer;
}

Json ProviderJson(const gateway::AiProvider& provider, const gateway::AiBackendPlan& ai,
                  const llm::LlmCall& call) {
  Json json;
  json["name"] = provider.name;
  json["kind"] = provider.setup.provider->kind;
  json["id"] = call.provider_id;
  json["route_type"] = llm::RouteTypeName(call.route);
  json["input_format"] = llm::InputFormatName(call.input);
  // A request the gateway answers itself is never translated: it has no wire format.
  if (!call.local) json["wire_format"] = llm::WireFormatName(call.wire);
  if (!call.info.request_model.empty()) json["model"] = call.info.request_model;
  json["streaming"] = call.streaming;
  if (!provider.credential_source.empty()) json["credential"] = provider.credential_source;
  if (!provider.problem.empty()) json["credential_problem"] = provider.problem;
  std::size_t providers = 0;
  for (const auto& tier : ai.tiers) providers += tier.size();
  json["providers_in_backend"] = providers;
  return json;
}

// Chooses the provider: --provider by name, else the first of the first priority tier (`run`
// picks one of that tier at random).
const gateway::AiProvider* PickProvider(const gateway::AiBackendPlan& ai, const std::string& wanted,
                                        std::vector<std::string>& notes) {
  if (!wanted.empty()) {
    for (const auto& tier : ai.tiers) {
      for (const gateway::AiProvider& provider : tier) {
        if (provider.name == wanted) return &provider;
      }
    }
    return nullptr;
  }
  const std::vector<gateway::AiProvider>& tier = ai.tiers.front();
  if (tier.size() > 1) {
    std::string names;
    for (const gateway::AiProvider& provider : tier) {
      names += (names.empty() ? "" : ", ") + provider.name;
    }
    notes.push_back("the gateway picks one of " + names + " at random; showing " +
                    tier.front().name + " (choose with --provider)");
  }
  return &tier.front();
}

// Follows an AI backend from the planned route to the provider and back.
Expected<void> DryRunAi(const route::Plan& plan, const std::string& body,
                        const std::optional<std::string>& response, int response_status,
                        const model::Model& model, const gateway::AiOptions& ai_options,
                        const std::string& wanted_provider, DryRun& run) {
  gateway::AiBackendPlan ai =
      gateway::PlanAiBackend(*plan.upstream->backend->backend, model, ai_options);
  if (ai.tiers.empty() || ai.tiers.front().empty()) {
    run.gateway_answer =
        TextAnswer(500, "text/plain", "AI backend " + ai.backend + " has no provider\n");
    run.gateway_answer_reason = "the AI backend has no provider";
    return {};
  }
  const gateway::AiProvider* provider = PickProvider(ai, wanted_provider, run.notes);
  if (provider == nullptr) {
    return MakeError("--provider " + wanted_provider + ": AI backend " + ai.backend +
                     " has no provider of that name");
  }
  llm::ClientRequest request;
  request.method = plan.upstream->method;
  route::SplitTarget(plan.upstream->path_and_query, request.path, request.query);
  request.headers = plan.upstream->headers;
  request.body = body;
  llm::LlmCall call = llm::PlanCall(provider->setup, std::move(request));
  run.provider = ProviderJson(*provider, ai, call);
  if (!provider->problem.empty()) {
    run.notes.push_back("no credential: " + provider->problem);
  }
  if (call.local) {
    run.gateway_answer = TextAnswer(call.local->status, call.local->content_type, call.local->body);
    run.gateway_answer_reason = "the gateway answers this request itself";
    return {};
  }
  run.upstream =
      MakeUpstreamCall(call, ai, *provider, ai_options, plan.upstream->method, run.notes);
  if (response) {
    llm::ResponseInfo info;
    run.client_response =
        AnswerFromProvider(call, plan, response_status, *response, info, run.notes);
    run.client_response->body = Redactor(*provider).Scrub(run.client_response->body);
    run.usage = llm::ResponseInfoJson(info);
  }
  return {};
}

// Shows a request to a backend that is not an AI backend: forwarded as the filters left it.
void DryRunPlain(const route::Plan& plan, const std::string& body, DryRun& run) {
  UpstreamCall upstream;
  upstream.method = plan.upstream->method;
  upstream.url = plan.upstream->path_and_query;
  upstream.headers.emplace_back("host", plan.upstream->authority);
  for (const auto& [name, value] : plan.upstream->headers) {
    if (route::HeaderNameEquals(name, "host") || route::HeaderNameEquals(name, "content-length")) {
      continue;
    }
    upstream.headers.emplace_back(name, value);
  }
  upstream.headers.emplace_back("content-length", std::to_string(body.size()));
  upstream.body = body;
  Redactor("", "").RedactHeaders(upstream.headers, /*sigv4=*/false);
  run.upstream = std::move(upstream);
  run.notes.push_back("not an AI backend: the body is forwarded unchanged");
}

std::string BackendName(const resolve::ResolvedBackend& backend) {
  std::string kind = backend.kind == resolve::ResolvedBackend::Kind::kService ? "Service"
                     : backend.kind == resolve::ResolvedBackend::Kind::kAgentgatewayBackend
                         ? "AgentgatewayBackend"
                         : "backend";
  std::string port = backend.port ? ":" + std::to_string(*backend.port) : "";
  return kind + " " + backend.namespace_ + "/" + backend.name + port;
}

struct Inputs {
  route::HeaderList headers;
  gateway::AiOptions ai;
  std::string body;
  std::optional<std::string> response;
};

// Checks the flags that carry values of their own (a usage error when one is malformed).
Expected<void> ParseFlagValues(const TranslateOptions& options, Inputs& inputs) {
  bool manifests_from_stdin =
      std::find(options.inputs.filenames.begin(), options.inputs.filenames.end(), "-") !=
      options.inputs.filenames.end();
  if (manifests_from_stdin && (options.request_file == "-" || options.response_file == "-")) {
    return MakeError("stdin (-) can hold the manifests or one body, not both");
  }
  auto headers = ParseHeaders(options.headers);
  if (!headers) return tl::unexpected(headers.error());
  inputs.headers = std::move(*headers);
  for (const std::string& spec : options.provider_urls) {
    if (auto added = inputs.ai.AddProviderUrl(spec); !added) return added;
  }
  for (const std::string& spec : options.secrets) {
    if (auto added = inputs.ai.AddSecret(spec); !added) return added;
  }
  return {};
}

// Reads the request and response files (an operational error when one cannot be read).
Expected<void> ReadBodies(const TranslateOptions& options, Inputs& inputs) {
  auto body = ReadWholeFile(options.request_file);
  if (!body) return tl::unexpected(body.error());
  inputs.body = std::move(*body);
  if (!options.response_file.empty()) {
    auto response = ReadWholeFile(options.response_file);
    if (!response) return tl::unexpected(response.error());
    inputs.response = std::move(*response);
  }
  return {};
}

// The client request as it arrives at the listener: Host, a JSON content type unless one was
// given, the --header values, and the body's length.
route::Request MakeClientRequest(const TranslateOptions& options, const std::string& host, bool tls,
                                 const Inputs& inputs) {
  route::Request request;
  request.method = options.method;
  request.scheme = tls ? "https" : "http";
  request.authority = route::GetHeader(inputs.headers, "host").value_or(host);
  route::SplitTarget(options.path, request.path, request.query);
  request.headers.emplace_back("host", request.authority);
  for (const auto& header : inputs.headers) {
    if (!route::HeaderNameEquals(header.first, "host")) request.headers.push_back(header);
  }
  if (!route::GetHeader(request.headers, "content-type")) {
    request.headers.emplace_back("content-type", "application/json");
  }
  request.headers.emplace_back("content-length", std::to_string(inputs.body.size()));
  return request;
}

std::string PrettyBody(const std::string& body) {
  Json parsed = llm::ReadJson(body);
  if (parsed.is_discarded() || body.empty()) return body;
  return DumpJson(parsed);
}

Json BodyJson(const std::string& body) {
  Json parsed = llm::ReadJson(body);
  if (parsed.is_discarded() || body.empty()) return body;
  return parsed;
}

Json HeadersJson(const route::HeaderList& headers) {
  Json json = Json::array();
  for (const auto& [name, value] : headers) json.push_back(Json::array({name, value}));
  return json;
}

Json AnswerJson(const Answer& answer) {
  return Json{{"status", answer.status},
              {"headers", HeadersJson(answer.headers)},
              {"body", BodyJson(answer.body)}};
}

Json RenderJson(const DryRun& run) {
  Json json;
  json["gateway"] = run.bind;
  json["request"] = Json{{"method", run.method}, {"url", run.request_url}};
  if (run.route.empty()) {
    json["route"] = nullptr;
  } else {
    json["route"] = Json{
        {"name", run.route}, {"rule", run.rule}, {"listener", run.listener}, {"match", run.match}};
  }
  json["backend"] = run.backend.empty() ? Json() : Json(run.backend);
  json["provider"] = run.provider.value_or(Json());
  if (run.upstream) {
    json["upstream_request"] = Json{{"method", run.upstream->method},
                                    {"url", run.upstream->url},
                                    {"headers", HeadersJson(run.upstream->headers)},
                                    {"body", BodyJson(run.upstream->body)}};
  }
  if (run.gateway_answer) {
    json["gateway_response"] = AnswerJson(*run.gateway_answer);
    json["gateway_response"]["reason"] = run.gateway_answer_reason;
  }
  if (run.client_response) json["client_response"] = AnswerJson(*run.client_response);
  if (run.usage) json["usage"] = *run.usage;
  json["notes"] = run.notes;
  return json;
}

void PrintIndented(std::ostream& out, const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) out << (line.empty() ? "" : "  ") << line << "\n";
}

void PrintMessage(std::ostream& out, const std::string& first_line,
                  const route::HeaderList& headers, const std::string& body) {
  out << "  " << first_line << "\n";
  for (const auto& [name, value] : headers) out << "  " << name << ": " << value << "\n";
  if (!body.empty()) {
    out << "\n";
    PrintIndented(out, PrettyBody(body));
  }
}

std::string RenderText(const DryRun& run) {
  std::ostringstream out;
  out << "Request:   " << run.method << " " << run.request_url << " (Gateway " << run.bind << ")\n";
  if (run.route.empty()) {
    out << "Route:     none matches\n";
  } else {
    out << "Route:     HTTPRoute " << run.route << " rule " << run.rule << " (listener "
        << run.listener << ", match " << run.match << ")\n";
  }
  if (!run.backend.empty()) out << "Backend:   " << run.backend << "\n";
  if (run.provider) {
    const Json& provider = *run.provider;
    out << "Provider:  " << provider["name"].get<std::string>() << " ("
        << provider["id"].get<std::string>() << "), model "
        << provider.value("model", std::string("(none)")) << "\n";
    out << "Format:    " << provider["route_type"].get<std::string>() << " route; client "
        << provider["input_format"].get<std::string>();
    if (provider.contains("wire_format")) {
      out << " -> upstream " << provider["wire_format"].get<std::string>()
          << (provider["streaming"].get<bool>() ? ", streamed" : ", not streamed");
    }
    out << "\n";
    if (provider.contains("credential")) {
      out << "Auth:      " << provider["credential"].get<std::string>()
          << (provider.contains("credential_problem") ? " (not resolved)" : "") << "\n";
    }
  }
  for (const std::string& note : run.notes) out << "Note:      " << note << "\n";
  if (run.gateway_answer) {
    out << "\nGateway response (" << run.gateway_answer_reason << "; nothing is sent upstream):\n";
    PrintMessage(out, std::to_string(run.gateway_answer->status), run.gateway_answer->headers,
                 run.gateway_answer->body);
  }
  if (run.upstream) {
    out << "\nUpstream request:\n";
    PrintMessage(out, run.upstream->method + " " + run.upstream->url, run.upstream->headers,
                 run.upstream->body);
  }
  if (run.client_response) {
    out << "\nClient response:\n";
    PrintMessage(out, std::to_string(run.client_response->status), run.client_response->headers,
                 run.client_response->body);
  }
  if (run.usage && !run.usage->empty()) {
    out << "\nUsage (logs and metrics): " << DumpJson(*run.usage, -1) << "\n";
  }
  return out.str();
}

int RunTranslate(const TranslateOptions& options) {
  Inputs inputs;
  if (auto parsed = ParseFlagValues(options, inputs); !parsed) {
    std::cerr << "error: " << parsed.error().message << "\n";
    return kExitUsage;
  }
  if (auto read = ReadBodies(options, inputs); !read) {
    std::cerr << "error: " << read.error().message << "\n";
    return kExitOperational;
  }
  Expected<std::unique_ptr<Pipeline>> ran = RunPipeline(options.inputs);
  if (!ran) {
    std::cerr << "error: " << ran.error().message << "\n";
    return kExitOperational;
  }
  std::unique_ptr<Pipeline> pipeline = std::move(*ran);
  if (ReportUnreadable(*pipeline)) return kExitOperational;
  if (pipeline->input_errors > 0) {
    manifest::WriteText(pipeline->sink.diagnostics(), std::cerr, manifest::Severity::kError);
    std::cerr << "error: the manifests have " << pipeline->input_errors
              << " error(s); fix them (see `kubectl agentgateway validate`) and run again\n";
    return kExitFindings;
  }
  std::unique_ptr<route::RouteTable> table =
      route::RouteTable::Compile(pipeline->resolution.config);
  Expected<route::Bind> bind = PickBind(*table, options);
  if (!bind) {
    std::cerr << "error: " << bind.error().message << "\n";
    return kExitUsage;
  }
  std::string host = options.host.empty() ? DefaultHost(*table, *bind) : options.host;
  route::Request request = MakeClientRequest(options, host, ListensWithTls(*table, *bind), inputs);

  DryRun run;
  run.bind = bind->ToString();
  run.method = request.method;
  run.request_url = request.scheme + "://" + request.authority + request.PathAndQuery();
  route::Decision decision = table->Match(*bind, request);
  // A fixed seed: the same inputs give the same weighted backend choice on every dry run.
  std::mt19937_64 random(0);
  route::Plan plan = route::MakePlan(decision, request, bind->port, random);
  if (decision.outcome == route::Decision::Outcome::kRoute) {
    run.route = plan.route;
    run.rule = plan.rule_index;
    run.listener = decision.listener->listener->listener->name;
    run.match = decision.entry->match ? route::DescribeMatch(*decision.entry->match) : "any";
  }
  if (plan.direct) {
    run.gateway_answer = FromDirect(*plan.direct);
    run.gateway_answer_reason =
        decision.outcome == route::Decision::Outcome::kNoListener
            ? "no listener of the Gateway accepts host " + request.Hostname()
        : run.route.empty() ? "no route matches"
                            : "the route's filters or backends answer";
  } else if (plan.upstream) {
    const resolve::ResolvedBackend& backend = *plan.upstream->backend;
    run.backend = BackendName(backend);
    if (gateway::ServesLlm(backend)) {
      if (auto done = DryRunAi(plan, inputs.body, inputs.response, options.response_status,
                               pipeline->model, inputs.ai, options.provider, run);
          !done) {
        std::cerr << "error: " << done.error().message << "\n";
        return kExitUsage;
      }
    } else {
      DryRunPlain(plan, inputs.body, run);
    }
  }
  if (options.output == "json") {
    std::cout << DumpJson(RenderJson(run)) << "\n";
  } else {
    std::cout << RenderText(run);
  }
  bool refused = run.gateway_answer && run.gateway_answer->status >= 400;
  return refused ? kExitFindings : kExitClean;
}

}  // namespace

void AddTranslateCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<TranslateOptions>();
  CLI::App* command = app.add_subcommand(
      "translate",
      "Dry run of one LLM request: print the route and backend the request would take, the "
      "provider, and the upstream request the data plane would send (URL, headers with "
      "credentials redacted, body); with --response, also what the client would receive for "
      "that provider answer (JSON: buffered; a file starting with data: or event: is an SSE "
      "stream). Exit code 1 when the gateway would refuse the request itself (no route 404, "
      "400, 501)");
  AddInputFlags(*command, options->inputs);
  command
      ->add_option("--request", options->request_file,
                   "The client's request body (a file; - reads stdin)")
      ->required();
  command->add_option(
      "--response", options->response_file,
      "A provider answer (JSON, or an SSE stream) to translate back for the client");
  command->add_option("--response-status", options->response_status,
                      "The HTTP status the provider answered --response with (default 200)");
  command->add_option("--path", options->path, "Request path and query (default /)");
  command->add_option("--host", options->host,
                      "Host header (default: the listener's first hostname, else localhost)");
  command->add_option("--method", options->method, "HTTP method (default POST)");
  command->add_option("--header", options->headers, "NAME:VALUE request header; repeatable");
  command->add_option("--gateway", options->gateway,
                      "NAMESPACE/NAME (or NAME) of the Gateway that receives the request, when "
                      "there are several");
  command->add_option(
      "--port", options->port,
      "The Gateway listener port that receives the request, when there are several");
  command->add_option("--provider", options->provider,
                      "The provider of a priority-group AI backend to show (default: the first "
                      "of the first group)");
  command->add_option("--provider-url", options->provider_urls,
                      "PROVIDER_OR_BACKEND=URL: as for `run`, the provider is reached at URL "
                      "(paths, auth and translation unchanged); repeatable");
  command->add_option("--secret", options->secrets,
                      "NAMESPACE/NAME=ENV_VAR: as for `run`, the auth Secret's value comes from "
                      "environment variable ENV_VAR (it is never printed); repeatable");
  command->add_option("-o,--output", options->output, "Output format: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  command->callback([options, &exit_code] { exit_code = RunTranslate(*options); });
}

}  // namespace agw::cmd
