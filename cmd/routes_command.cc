#include <iostream>
#include <memory>

#include "cmd/commands.h"
#include "cmd/json_output.h"
#include "cmd/pipeline.h"
#include "emulator/route/describe.h"
#include "emulator/route/table.h"

namespace agw::cmd {
namespace {

struct RoutesOptions {
  InputFlags inputs;
  std::string output = "text";
};

int RunRoutes(const RoutesOptions& options) {
  Expected<std::unique_ptr<Pipeline>> ran = RunPipeline(options.inputs);
  if (!ran) {
    std::cerr << "error: " << ran.error().message << "\n";
    return kExitOperational;
  }
  std::unique_ptr<Pipeline> pipeline = std::move(*ran);
  std::vector<std::string> problems;
  std::unique_ptr<emulator::route::RouteTable> table =
      emulator::route::RouteTable::Compile(pipeline->resolution.config, &problems);
  if (options.output == "json") {
    std::cout << DumpJson(emulator::route::TableJson(*table)) << "\n";
  } else {
    std::cout << emulator::route::DescribeTable(*table);
    // What is not in the table, and why: the causes when nothing is, the ignored Gateways.
    if (table->Binds().empty()) {
      for (const std::string& cause : WhyNothingIsServed(*pipeline)) {
        std::cout << "  " << cause << "\n";
      }
    } else {
      for (const IgnoredGateway& ignored : IgnoredGateways(*pipeline)) {
        std::cout << "not served: Gateway " << ignored.gateway->metadata.namespace_ << "/"
                  << ignored.gateway->metadata.name << ": " << ignored.reason
                  << (ignored.hint.empty() ? "" : "; " + ignored.hint) << "\n";
      }
    }
  }
  for (const std::string& problem : problems) {
    std::cerr << "warning: " << problem << "\n";
  }
  if (ReportUnreadable(*pipeline)) {
    return kExitOperational;
  }
  return kExitClean;
}

}  // namespace

void AddRoutesCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<RoutesOptions>();
  CLI::App* command = app.add_subcommand(
      "routes",
      "Print the effective route table of each listener, in the order the agentgateway data "
      "plane tries the matches (exact hosts, then wildcards, then any host; then path kind, "
      "path length, method, headers, query parameters, route name)");
  AddInputFlags(*command, options->inputs);
  options->inputs.leave_out_refused = true;  // the table `run` serves
  command->add_option("-o,--output", options->output, "Output format: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  command->callback([options, &exit_code] { exit_code = RunRoutes(*options); });
}

}  // namespace agw::cmd
