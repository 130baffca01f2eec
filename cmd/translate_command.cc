// `kubectl agentgateway translate`: a dry run of one LLM request through `run`'s per-request core
// (gateway::RunDry): flags in, the decisions rendered as text or JSON.

#include <algorithm>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "cmd/commands.h"
#include "cmd/json_output.h"
#include "cmd/pipeline.h"
#include "cmd/translate_render.h"
#include "emulator/gateway/ai_backends.h"
#include "emulator/gateway/dry_run.h"
#include "emulator/gateway/startup_notes.h"
#include "emulator/route/table.h"
#include "validate/manifest/diagnostic.h"

namespace agw::cmd {
namespace {

namespace route = emulator::route;
namespace gateway = emulator::gateway;

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

// "-" reads standard input.
Expected<std::string> ReadWholeFile(const std::string& path) {
  if (path == "-") {
    std::ostringstream contents;
    contents << std::cin.rdbuf();
    return contents.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return MakeError("cannot read " + path);
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

std::string Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) {
    return "";
  }
  size_t end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(begin, end - begin + 1));
}

// "Name: value" or "Name:value", as curl's -H takes them.
Expected<emulator::http::HeaderList> ParseHeaders(const std::vector<std::string>& specs) {
  emulator::http::HeaderList headers;
  for (const std::string& spec : specs) {
    size_t colon = spec.find(':');
    if (colon == std::string::npos || Trim(spec.substr(0, colon)).empty()) {
      return MakeError("--header \"" + spec + "\": expected NAME:VALUE");
    }
    headers.emplace_back(Trim(spec.substr(0, colon)), Trim(spec.substr(colon + 1)));
  }
  return headers;
}

struct Inputs {
  emulator::http::HeaderList headers;
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
  if (!headers) {
    return tl::unexpected(headers.error());
  }
  inputs.headers = std::move(*headers);
  for (const std::string& spec : options.provider_urls) {
    if (auto added = inputs.ai.AddProviderUrl(spec); !added) {
      return added;
    }
  }
  for (const std::string& spec : options.secrets) {
    if (auto added = inputs.ai.AddSecret(spec); !added) {
      return added;
    }
  }
  return {};
}

// Reads the request and response files (an operational error when one cannot be read).
Expected<void> ReadBodies(const TranslateOptions& options, Inputs& inputs) {
  auto body = ReadWholeFile(options.request_file);
  if (!body) {
    return tl::unexpected(body.error());
  }
  inputs.body = std::move(*body);
  if (!options.response_file.empty()) {
    auto response = ReadWholeFile(options.response_file);
    if (!response) {
      return tl::unexpected(response.error());
    }
    inputs.response = std::move(*response);
  }
  return {};
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
  if (ReportUnreadable(*pipeline)) {
    return kExitOperational;
  }
  // The request goes where `run` would send it: past what the API server would refuse.
  ReportFindings(*pipeline, validate::manifest::Severity::kError, std::cerr);
  NoteRefused(*pipeline, std::cerr);
  std::shared_ptr<const gateway::Snapshot> snapshot = gateway::MakeSnapshot(std::move(pipeline));
  auto captures = gateway::CheckProviderUrls(inputs.ai, snapshot->pipeline->model);
  if (!captures) {
    std::cerr << "error: " << captures.error().message << "\n";
    return kExitUsage;
  }
  for (const std::string& note : gateway::ProviderUrlNotes(*captures, false)) {
    if (note.rfind("warning: ", 0) == 0) {
      std::cerr << note << "\n";
    }
  }
  const route::RouteTable& table = *snapshot->table;
  Expected<route::Bind> bind = gateway::ChooseBind(table, options.gateway, options.port);
  if (!bind) {
    std::cerr << "error: " << bind.error().message << "\n";
    return kExitUsage;
  }
  gateway::DryRunInput input;
  input.request = gateway::ArrivingRequest(table, *bind, options.method, options.path, options.host,
                                           inputs.headers, inputs.body.size());
  input.body = std::move(inputs.body);
  input.response = std::move(inputs.response);
  input.response_status = options.response_status;
  input.provider = options.provider;
  Expected<gateway::DryRun> ran_dry = gateway::RunDry(*snapshot, *bind, input, inputs.ai);
  if (!ran_dry) {
    std::cerr << "error: " << ran_dry.error().message << "\n";
    return kExitUsage;
  }
  const gateway::DryRun& run = *ran_dry;
  if (options.output == "json") {
    std::cout << DumpJson(RenderDryRunJson(run, input.request)) << "\n";
  } else {
    std::cout << RenderDryRunText(run, input.request);
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
      "stream). The route's policies apply as in `run`: prompt enrichment, prompt guards (a "
      "masked prompt, a rejection) and local rate limits (full buckets: x-ratelimit-* fields). "
      "Exit code 1 when the gateway would refuse the request itself (no route 404, a prompt "
      "guard's rejection, 400, 501)");
  AddInputFlags(*command, options->inputs);
  options->inputs.leave_out_refused = true;
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
                      "KEY=URL: as for `run`, the requests KEY captures are shown going to URL "
                      "(paths, auth and translation unchanged). KEY is a provider (openai, "
                      "anthropic, gemini, vertexai, bedrock, azure, azureopenai: its backends "
                      "that use the provider's own host, not one that sets spec.ai.provider.host), "
                      "an AI backend NS/NAME or NAME (all of its providers, every group member "
                      "too) or a group member NS/NAME/MEMBER (or NAME/MEMBER); the most specific "
                      "key wins. An unknown KEY is a usage error; repeatable");
  command->add_option("--secret", options->secrets,
                      "NAMESPACE/NAME=ENV_VAR: as for `run`, the auth Secret's value comes from "
                      "environment variable ENV_VAR (it is never printed); repeatable");
  command->add_option("-o,--output", options->output, "Output format: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  command->callback([options, &exit_code] { exit_code = RunTranslate(*options); });
}

}  // namespace agw::cmd
