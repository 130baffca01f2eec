#include <algorithm>
#include <charconv>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string_view>

#include "cmd/commands.h"
#include "cmd/pipeline.h"
#include "emulator/gateway/startup_notes.h"
#include "emulator/io/guard_caller.h"
#include "emulator/io/serve_loop.h"
#include "emulator/io/server.h"
#include "validate/manifest/diagnostic.h"

namespace agw::cmd {
namespace {

struct RunOptions {
  InputFlags inputs;
  std::string address = "127.0.0.1";
  std::vector<std::string> ports;     // "80=8080"
  std::vector<std::string> services;  // "ns/name:port=host:port"
  std::string services_file;
  std::vector<std::string> rate_limit_configs;  // envoy-ratelimit config files
  int admin_port = 15000;
  std::string admin_address = "127.0.0.1";
  std::string log_format = "text";
  bool watch = false;
  int threads = 0;
  bool mock_providers = false;
  std::vector<std::string> provider_urls;  // "openai=http://127.0.0.1:9000"
  std::vector<std::string> secrets;        // "ns/name=ENV_VAR"
  std::string fail_on = "none";            // none | error | warning
  bool quiet = false;                      // findings: errors only
};

// A ready-to-paste request for every AI route, so a user can try the emulator at once.
void PrintAiExamples(const emulator::gateway::Snapshot& snapshot,
                     const std::vector<emulator::io::BoundListener>& listeners, std::ostream& out) {
  bool header = false;
  for (const emulator::gateway::AiRouteExample& example :
       emulator::gateway::AiRouteExamples(snapshot)) {
    auto bound = std::find_if(listeners.begin(), listeners.end(), [&](const auto& listener) {
      return listener.gateway == example.gateway && listener.gateway_port == example.gateway_port;
    });
    if (bound == listeners.end()) {
      continue;
    }
    if (!header) {
      out << "Try (AI routes):\n";
      header = true;
    }
    out << "  curl -s" << (bound->tls ? "k https://" : " http://") << bound->address << ":"
        << bound->local_port << example.path
        << (example.host.empty() ? "" : " -H 'host: " + example.host + "'")
        << " -H 'content-type: application/json' -d '{\"model\":\"any\",\"messages\":"
           "[{\"role\":\"user\",\"content\":\"Hello!\"}]}'\n";
  }
}

std::optional<int> ParsePort(std::string_view text) {
  int port = -1;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (error != std::errc() || end != text.data() + text.size() || port < 0 || port > 65535) {
    return std::nullopt;
  }
  return port;
}

// "80=8080" maps the Gateway port 80 of every Gateway; "ns/gw:80=8081" that of one Gateway.
bool AddPortMapping(const std::string& spec, emulator::io::ServerOptions& server) {
  std::size_t equals = spec.find('=');
  if (equals == std::string::npos) {
    return false;
  }
  std::string_view key = std::string_view(spec).substr(0, equals);
  std::optional<int> local = ParsePort(std::string_view(spec).substr(equals + 1));
  std::size_t slash = key.find('/');
  std::size_t colon = key.rfind(':');
  if (slash == std::string_view::npos) {
    std::optional<int> gateway_port = ParsePort(key);
    if (!gateway_port || !local || *gateway_port == 0) {
      return false;
    }
    server.port_map[*gateway_port] = *local;
    return true;
  }
  if (colon == std::string_view::npos || colon < slash || slash == 0 || colon == slash + 1) {
    return false;
  }
  std::optional<int> gateway_port = ParsePort(key.substr(colon + 1));
  if (!gateway_port || !local || *gateway_port == 0) {
    return false;
  }
  server.bind_port_map[std::string(key.substr(0, colon + 1)) + std::to_string(*gateway_port)] =
      *local;
  return true;
}

// A Service that --service maps is where the user said it is: that it is not in the manifests
// is no news to `run`.
void ForgetMappedServices(Pipeline& pipeline, const emulator::gateway::ServiceMap& services) {
  std::erase_if(pipeline.sink.mutable_diagnostics(), [&](const auto& finding) {
    const std::string prefix = "Service ";
    if (finding.code != "not-in-manifest-set" || finding.message.rfind(prefix, 0) != 0) {
      return false;
    }
    std::size_t slash = finding.message.find('/', prefix.size());
    std::size_t space = finding.message.find(' ', prefix.size());
    if (slash == std::string::npos || space == std::string::npos || slash > space) {
      return false;
    }
    return services.Maps(finding.message.substr(prefix.size(), slash - prefix.size()),
                         finding.message.substr(slash + 1, space - slash - 1));
  });
}

// Findings as `run` shows them: errors and warnings, errors only with --quiet. True when
// --fail-on says this configuration must not be served.
bool ReportRunFindings(const Pipeline& pipeline, const RunOptions& options, std::ostream& out) {
  ReportFindings(
      pipeline,
      options.quiet ? validate::manifest::Severity::kError : validate::manifest::Severity::kWarning,
      out);
  std::optional<validate::report::FailOn> fail_on = validate::report::ParseFailOn(options.fail_on);
  return fail_on && validate::report::ShouldFail(pipeline.sink.diagnostics(), *fail_on);
}

// The inputs read again for --watch, their findings reported; null when they are rejected.
// `refused` holds what the configuration being served left out (see Pipeline::refused_inputs).
// An edit that makes `kubectl apply` refuse something more is rejected whole: the cluster would
// keep the old version of that object, and the last good configuration has it.
std::shared_ptr<const emulator::gateway::Snapshot> Reload(
    const RunOptions& options, const emulator::gateway::ServiceMap& services,
    const emulator::gateway::AiOptions& ai, std::set<std::string>& refused) {
  Expected<std::unique_ptr<Pipeline>> ran = RunPipeline(options.inputs);
  if (!ran) {
    std::cerr << "error: " << ran.error().message << "\n"
              << "reload rejected: still serving the last good configuration\n";
    return nullptr;
  }
  std::unique_ptr<Pipeline> next = std::move(*ran);
  ForgetMappedServices(*next, services);
  bool unreadable = ReportUnreadable(*next);
  bool fail = ReportRunFindings(*next, options, std::cerr);
  std::string newly_refused;
  for (const std::string& refusal : next->refused_inputs) {
    if (refused.count(refusal) == 0) {
      newly_refused += (newly_refused.empty() ? "" : ", ") + refusal;
    }
  }
  if (unreadable) {
    std::cerr << "reload rejected: an input cannot be read; still serving the last good "
                 "configuration\n";
    return nullptr;
  }
  if (!newly_refused.empty()) {
    std::cerr << "reload rejected: kubectl apply would refuse " << newly_refused
              << " (the errors above) and leave the cluster as it was; still serving the last "
                 "good configuration\n";
    return nullptr;
  }
  if (fail) {
    std::cerr << "reload rejected: --fail-on " << options.fail_on
              << "; still serving the last good configuration\n";
    return nullptr;
  }
  NoteRefused(*next, std::cerr);
  std::set<std::string> next_refused = next->refused_inputs;
  auto snapshot = emulator::gateway::MakeSnapshot(std::move(next),
                                                  emulator::io::MakeRunGuardCaller(services, ai));
  // The --provider-url keys must still name something: a backend renamed by the edit would
  // otherwise send its requests, and its key, to the cloud.
  auto provider_urls = emulator::gateway::CheckProviderUrls(ai, snapshot->pipeline->model);
  if (!provider_urls) {
    std::cerr << "error: " << provider_urls.error().message << "\n"
              << "reload rejected: still serving the last good configuration\n";
    return nullptr;
  }
  for (const std::string& note : emulator::gateway::ProviderUrlNotes(*provider_urls, false)) {
    if (note.rfind("warning: ", 0) == 0) {
      std::cerr << note << "\n";
    }
  }
  refused = std::move(next_refused);
  return snapshot;
}

int RunRun(const RunOptions& options) {
  emulator::io::ServerOptions server;
  server.address = options.address;
  server.admin_address = options.admin_address;
  server.admin_port = options.admin_port;
  server.threads = options.threads;
  server.json_log = options.log_format == "json";
  server.access_log = &std::cout;
  server.error_log = &std::cerr;
  for (const std::string& spec : options.ports) {
    if (!AddPortMapping(spec, server)) {
      std::cerr << "error: invalid --port \"" << spec
                << "\": expected GATEWAY_PORT=LOCAL_PORT or NAMESPACE/GATEWAY:PORT=LOCAL_PORT, "
                   "ports 0 to 65535\n";
      return kExitUsage;
    }
  }
  for (const std::string& spec : options.services) {
    if (auto added = server.services.Add(spec); !added) {
      std::cerr << "error: " << added.error().message << "\n";
      return kExitUsage;
    }
  }
  if (!options.services_file.empty()) {
    if (auto added = server.services.AddFile(options.services_file); !added) {
      std::cerr << "error: " << added.error().message << "\n";
      return kExitOperational;
    }
  }

  for (const std::string& path : options.rate_limit_configs) {
    if (auto added = server.rate_limit_config.AddFile(path); !added) {
      std::cerr << "error: --rate-limit-config: " << added.error().message << "\n";
      return kExitOperational;
    }
  }

  server.ai.mock_providers = options.mock_providers;
  for (const std::string& spec : options.provider_urls) {
    if (auto added = server.ai.AddProviderUrl(spec); !added) {
      std::cerr << "error: " << added.error().message << "\n";
      return kExitUsage;
    }
  }
  for (const std::string& spec : options.secrets) {
    if (auto added = server.ai.AddSecret(spec); !added) {
      std::cerr << "error: " << added.error().message << "\n";
      return kExitUsage;
    }
  }

  std::set<std::string> refused;  // what the configuration served leaves out
  emulator::io::ServeLoop loop;
  if (options.watch) {
    // Made before the inputs are read, so that an edit made while they load is still noticed.
    loop.watcher.emplace(options.inputs.filenames);
    loop.reload = [&options, services = server.services, ai = server.ai, &refused] {
      return Reload(options, services, ai, refused);
    };
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
  ForgetMappedServices(*pipeline, server.services);
  if (ReportRunFindings(*pipeline, options, std::cerr)) {
    std::cerr << "error: not serving: --fail-on " << options.fail_on
              << " and the manifests have findings of that severity (above)\n";
    return kExitFindings;
  }
  NoteRefused(*pipeline, std::cerr);
  refused = pipeline->refused_inputs;
  std::size_t resources = pipeline->manifest.resources.size();
  std::size_t files = pipeline->manifest.files.size();
  auto snapshot = emulator::gateway::MakeSnapshot(
      std::move(pipeline), emulator::io::MakeRunGuardCaller(server.services, server.ai));
  // Before any port is bound: a mistyped key must not let requests and keys reach the cloud.
  auto provider_urls = emulator::gateway::CheckProviderUrls(server.ai, snapshot->pipeline->model);
  if (!provider_urls) {
    std::cerr << "error: " << provider_urls.error().message << "\n";
    return kExitUsage;
  }
  for (const std::string& problem : snapshot->problems) {
    std::cerr << "warning: " << problem << "\n";
  }
  if (snapshot->table->Binds().empty()) {
    std::cerr << "error: nothing to serve: no Gateway listener of the inputs is programmed\n";
    for (const std::string& cause : WhyNothingIsServed(*snapshot->pipeline)) {
      std::cerr << "  " << cause << "\n";
    }
    return kExitFindings;
  }

  emulator::io::BlockStopSignals();

  emulator::gateway::AiOptions server_ai = server.ai;
  auto started = emulator::io::Server::Start(snapshot, std::move(server));
  if (!started) {
    std::cerr << "error: " << started.error().message << "\n";
    return kExitOperational;
  }
  std::unique_ptr<emulator::io::Server> running = std::move(*started);
  std::cout << "kubectl-agentgateway run: serving " << resources << " resources from " << files
            << " file(s)\n";
  for (const emulator::io::BoundListener& listener : running->listeners()) {
    emulator::io::WriteListener(listener, std::cout);
  }
  for (const IgnoredGateway& ignored : IgnoredGateways(*snapshot->pipeline)) {
    std::cout << "  not served: Gateway " << ignored.gateway->metadata.namespace_ << "/"
              << ignored.gateway->metadata.name << ": " << ignored.reason
              << (ignored.hint.empty() ? "" : "; " + ignored.hint) << "\n";
  }
  if (running->admin_port() >= 0) {
    std::cout << "  admin: http://" << options.admin_address << ":" << running->admin_port()
              << " (/healthz /config_dump /routes /metrics)\n";
  }
  for (const std::string& note :
       emulator::gateway::ProviderUrlNotes(*provider_urls, options.mock_providers)) {
    std::cout << "  " << note << "\n";
  }
  if (!options.mock_providers) {
    for (const std::string& warning :
         emulator::gateway::MissingCredentialWarnings(*snapshot, server_ai)) {
      std::cout << "  warning: " << warning << "\n";
    }
  } else {
    std::cout << "  AI providers are mocked in-process (--mock-providers): answers echo the last "
                 "user message\n";
  }
  for (const std::string& note : emulator::gateway::PolicyNotes(*snapshot)) {
    std::cout << "  " << note << "\n";
  }
  PrintAiExamples(*snapshot, running->listeners(), std::cout);
  std::cout << (options.watch ? "Watching the inputs for changes. " : "")
            << "Press Ctrl-C to stop.\n"
            << std::flush;

  emulator::io::ServeUntilStopped(*running, std::move(loop), std::cout, std::cerr);
  return kExitClean;
}

}  // namespace

void AddRunCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* command = app.add_subcommand(
      "run",
      "Serve the manifests locally as the agentgateway data plane would: every Gateway listener "
      "port becomes a local port (127.0.0.1 by default), HTTPRoutes are matched and filtered as "
      "on the cluster, and requests are forwarded to local stand-ins for Services. AI backends "
      "(AgentgatewayBackend spec.ai) are called as agentgateway calls them: route type, model, "
      "request/response translation, streaming and auth from Secrets; --mock-providers answers "
      "them in-process. HTTPS listeners terminate TLS with their certificateRefs Secrets (a "
      "self-signed certificate when the Secret is not in the manifests). Not yet: GRPCRoutes, "
      "HTTPRoute delegation, and the AI "
      "prompt guards, CEL transformations and token rate limits.");
  AddInputFlags(*command, options->inputs);
  options->inputs.leave_out_refused = true;
  command->add_option("--address", options->address, "Address to listen on (default 127.0.0.1)");
  command->add_option("--port", options->ports,
                      "GATEWAY_PORT=LOCAL_PORT: serve a Gateway listener port on another local "
                      "port (0 picks a free one); NAMESPACE/GATEWAY:PORT=LOCAL_PORT maps one "
                      "Gateway's port (two Gateways on one port number need two local ports); "
                      "repeatable, e.g. --port 80=8080");
  command->add_option("--service", options->services,
                      "NAMESPACE/NAME:PORT=HOST:PORT: where a Service port is reached from this "
                      "machine; repeatable (mapping a Service port again adds an endpoint, and "
                      "requests are spread over its endpoints)");
  command->add_option("--services-file", options->services_file,
                      "A YAML file of Service mappings (`ns/name:port: host:port`)");
  command->add_option("--rate-limit-config", options->rate_limit_configs,
                      "An envoyproxy/ratelimit config file (domain, descriptors, rate_limit): "
                      "the limits of the in-process rate-limit service that stands in for the "
                      "one a traffic.rateLimit.global policy names; repeatable, one domain each");
  command->add_option("--admin-port", options->admin_port,
                      "Admin listener port (/healthz /config_dump /routes /metrics); default "
                      "15000, 0 picks a free one, -1 disables");
  command->add_option("--admin-address", options->admin_address, "Admin listener address");
  command->add_option("--log-format", options->log_format, "Access log format: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  command->add_flag(
      "--watch", options->watch,
      "Re-read the manifests when they change and swap the configuration without "
      "dropping connections, opening and closing Gateway ports as needed (a file that "
      "does not parse keeps the last good configuration)");
  command->add_option("--threads", options->threads, "Worker threads (default: one per core)");
  command
      ->add_option("--fail-on", options->fail_on,
                   "Refuse to serve a configuration with findings of this severity: error or "
                   "warning (at start: exit code 1; on reload: keep the last one). Default none: "
                   "serve what a cluster would serve and print what is wrong")
      ->check(CLI::IsMember({"none", "error", "warning"}));
  command->add_flag("-q,--quiet", options->quiet,
                    "Print only the error findings of the manifests, not the warnings");
  command->add_flag("--mock-providers", options->mock_providers,
                    "Answer every AI backend in-process, in the provider's own format (the "
                    "translation still runs): the last user message is echoed back, usage is "
                    "estimated at one token per 4 bytes. No network, no API keys");
  command->add_option("--provider-url", options->provider_urls,
                      "KEY=URL: send the requests KEY captures to URL instead of their host "
                      "(paths, auth and translation unchanged). KEY is a provider (openai, "
                      "anthropic, gemini, vertexai, bedrock, azure, azureopenai): its backends "
                      "that use the provider's own host, not one that sets "
                      "spec.ai.provider.host (xAI, a local server); an AI backend NS/NAME, or "
                      "NAME when one namespace alone has it: all of its providers, every "
                      "priority-group member too; or a group member NS/NAME/MEMBER (or "
                      "NAME/MEMBER). The most specific key wins, and a provider name is the "
                      "provider even where a backend has that name; an unknown KEY is a usage "
                      "error; each flag prints what it captures at startup; repeatable");
  command->add_option("--secret", options->secrets,
                      "NAMESPACE/NAME=ENV_VAR: the auth Secret NAMESPACE/NAME's Authorization "
                      "value comes from environment variable ENV_VAR (for Secrets kept out of "
                      "the manifests); Secret values written $VAR or ${VAR} are read from the "
                      "environment too; repeatable");
  command->callback([options, &exit_code] { exit_code = RunRun(*options); });
}

}  // namespace agw::cmd
