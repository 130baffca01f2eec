#include <algorithm>
#include <iostream>
#include <memory>

#include "cmd/commands.h"
#include "cmd/pipeline.h"
#include "emulator/gateway/startup_notes.h"
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
  int admin_port = 15000;
  std::string admin_address = "127.0.0.1";
  std::string log_format = "text";
  bool watch = false;
  int threads = 0;
  bool mock_providers = false;
  std::vector<std::string> provider_urls;  // "openai=http://127.0.0.1:9000"
  std::vector<std::string> secrets;        // "ns/name=ENV_VAR"
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

void PrintFindings(const Pipeline& pipeline, std::ostream& out) {
  validate::manifest::WriteText(pipeline.sink.diagnostics(), out,
                                validate::manifest::Severity::kError);
}

// The inputs read again for --watch, their findings reported; null when they are rejected.
std::shared_ptr<const emulator::gateway::Snapshot> Reload(const InputFlags& inputs) {
  Expected<std::unique_ptr<Pipeline>> ran = RunPipeline(inputs);
  if (!ran) {
    std::cerr << "error: " << ran.error().message << "\n"
              << "reload rejected: still serving the last good configuration\n";
    return nullptr;
  }
  std::unique_ptr<Pipeline> next = std::move(*ran);
  if (!next->manifest.unreadable.empty() || next->input_errors > 0) {
    ReportUnreadable(*next);
    PrintFindings(*next, std::cerr);
    std::cerr << "reload rejected: still serving the last good configuration\n";
    return nullptr;
  }
  return emulator::gateway::MakeSnapshot(std::move(next));
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
    std::size_t equals = spec.find('=');
    try {
      server.port_map[std::stoi(spec.substr(0, equals))] = std::stoi(spec.substr(equals + 1));
    } catch (...) {
      std::cerr << "error: invalid --port \"" << spec << "\": expected GATEWAY_PORT=LOCAL_PORT\n";
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

  emulator::io::ServeLoop loop;
  if (options.watch) {
    // Made before the inputs are read, so that an edit made while they load is still noticed.
    loop.watcher.emplace(options.inputs.filenames);
    loop.reload = [&options] { return Reload(options.inputs); };
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
  if (pipeline->input_errors > 0) {
    // Fail fast: a cluster would reject these manifests, so there is nothing faithful to serve.
    PrintFindings(*pipeline, std::cerr);
    std::cerr << "error: the manifests have " << pipeline->input_errors
              << " error(s); fix them (see `kubectl agentgateway validate`) and run again\n";
    return kExitFindings;
  }
  std::size_t resources = pipeline->manifest.resources.size();
  std::size_t files = pipeline->manifest.files.size();
  auto snapshot = emulator::gateway::MakeSnapshot(std::move(pipeline));
  for (const std::string& problem : snapshot->problems) {
    std::cerr << "warning: " << problem << "\n";
  }
  if (snapshot->table->Binds().empty()) {
    std::cerr << "error: no Gateway listener is programmed from these manifests; "
                 "`kubectl agentgateway status` shows why\n";
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
    std::string names;
    for (const std::string& name : listener.listener_names) {
      names += (names.empty() ? "" : ", ") + name;
    }
    std::cout << "  Gateway " << listener.gateway << " port " << listener.gateway_port
              << " (listener " << names << ") -> " << (listener.tls ? "https" : "http") << "://"
              << listener.address << ":" << listener.local_port << "\n";
    for (const std::string& note : listener.notes) {
      std::cout << "    note: " << note << "\n";
    }
  }
  if (running->admin_port() >= 0) {
    std::cout << "  admin: http://" << options.admin_address << ":" << running->admin_port()
              << " (/healthz /config_dump /routes /metrics)\n";
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
  command->add_option("--address", options->address, "Address to listen on (default 127.0.0.1)");
  command->add_option("--port", options->ports,
                      "GATEWAY_PORT=LOCAL_PORT: serve a Gateway listener port on another local "
                      "port (0 picks a free one); repeatable, e.g. --port 80=8080");
  command->add_option("--service", options->services,
                      "NAMESPACE/NAME:PORT=HOST:PORT: where a Service port is reached from this "
                      "machine; repeatable (mapping a Service port again adds an endpoint, and "
                      "requests are spread over its endpoints)");
  command->add_option("--services-file", options->services_file,
                      "A YAML file of Service mappings (`ns/name:port: host:port`)");
  command->add_option("--admin-port", options->admin_port,
                      "Admin listener port (/healthz /config_dump /routes /metrics); -1 disables");
  command->add_option("--admin-address", options->admin_address, "Admin listener address");
  command->add_option("--log-format", options->log_format, "Access log format: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  command->add_flag("--watch", options->watch,
                    "Re-read the manifests when they change and swap the configuration without "
                    "dropping connections (an invalid edit keeps the last good one)");
  command->add_option("--threads", options->threads, "Worker threads (default: one per core)");
  command->add_flag("--mock-providers", options->mock_providers,
                    "Answer every AI backend in-process, in the provider's own format (the "
                    "translation still runs): the last user message is echoed back, usage is "
                    "estimated at one token per 4 bytes. No network, no API keys");
  command->add_option("--provider-url", options->provider_urls,
                      "PROVIDER_OR_BACKEND=URL: send a provider's requests to URL instead of its "
                      "cloud host (paths, auth and translation unchanged); the key is a provider "
                      "(openai, anthropic, gemini, vertexai, bedrock, azure), a backend NS/NAME "
                      "or NAME; repeatable");
  command->add_option("--secret", options->secrets,
                      "NAMESPACE/NAME=ENV_VAR: the auth Secret NAMESPACE/NAME's Authorization "
                      "value comes from environment variable ENV_VAR (for Secrets kept out of "
                      "the manifests); Secret values written $VAR or ${VAR} are read from the "
                      "environment too; repeatable");
  command->callback([options, &exit_code] { exit_code = RunRun(*options); });
}

}  // namespace agw::cmd
