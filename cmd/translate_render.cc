#include "cmd/translate_render.h"

#include <sstream>

#include "cmd/json_output.h"
#include "emulator/llm/json_codec.h"

namespace agw::cmd {
namespace {

namespace gateway = emulator::gateway;
namespace route = emulator::route;
using Json = nlohmann::ordered_json;

std::string PrettyBody(const std::string& body) {
  Json parsed = emulator::llm::ReadJson(body);
  if (parsed.is_discarded() || body.empty()) {
    return body;
  }
  return DumpJson(parsed);
}

Json BodyJson(const std::string& body) {
  Json parsed = emulator::llm::ReadJson(body);
  if (parsed.is_discarded() || body.empty()) {
    return body;
  }
  return parsed;
}

Json HeadersJson(const emulator::http::HeaderList& headers) {
  Json json = Json::array();
  for (const auto& [name, value] : headers) {
    json.push_back(Json::array({name, value}));
  }
  return json;
}

std::string RequestUrl(const route::Request& request) {
  return request.scheme + "://" + request.authority + request.PathAndQuery();
}

Json AnswerJson(const gateway::HttpAnswer& answer) {
  return Json{{"status", answer.status},
              {"headers", HeadersJson(answer.headers)},
              {"body", BodyJson(answer.body)}};
}

}  // namespace

Json RenderDryRunJson(const gateway::DryRun& run, const route::Request& request) {
  Json json;
  json["gateway"] = run.bind;
  json["request"] = Json{{"method", request.method}, {"url", RequestUrl(request)}};
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
  if (run.client_response) {
    json["client_response"] = AnswerJson(*run.client_response);
  }
  if (run.usage) {
    json["usage"] = *run.usage;
  }
  json["notes"] = run.notes;
  return json;
}

namespace {

void PrintIndented(std::ostream& out, const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    out << (line.empty() ? "" : "  ") << line << "\n";
  }
}

void PrintMessage(std::ostream& out, const std::string& first_line,
                  const emulator::http::HeaderList& headers, const std::string& body) {
  out << "  " << first_line << "\n";
  for (const auto& [name, value] : headers) {
    out << "  " << name << ": " << value << "\n";
  }
  if (!body.empty()) {
    out << "\n";
    PrintIndented(out, PrettyBody(body));
  }
}

}  // namespace

std::string RenderDryRunText(const gateway::DryRun& run, const route::Request& request) {
  std::ostringstream out;
  out << "Request:   " << request.method << " " << RequestUrl(request) << " (Gateway " << run.bind
      << ")\n";
  if (run.route.empty()) {
    out << "Route:     none matches\n";
  } else {
    out << "Route:     HTTPRoute " << run.route << " rule " << run.rule << " (listener "
        << run.listener << ", match " << run.match << ")\n";
  }
  if (!run.backend.empty()) {
    out << "Backend:   " << run.backend << "\n";
  }
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
  for (const std::string& note : run.notes) {
    out << "Note:      " << note << "\n";
  }
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

}  // namespace agw::cmd
