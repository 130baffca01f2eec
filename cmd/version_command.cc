#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cmd/commands.h"
#include "cmd/json_output.h"
#include "cmd/version.h"
#include "validate/model/model.h"

namespace agw::cmd {
namespace {

struct ApiSet {
  std::string name;
  std::string version;
  std::string group;
  std::vector<std::string> kinds;
};

// The API sets this build knows without a cluster: the kinds the model decodes, with the
// schema defaults of these releases built in (validate/model/defaults.cc).
std::vector<ApiSet> KnownApiSets() {
  std::vector<ApiSet> sets = {
      {"Gateway API (standard channel)",
       "v1.4.0",
       model::kGatewayApiGroup,
       {"GatewayClass", "Gateway", "HTTPRoute", "GRPCRoute", "ReferenceGrant"}},
      {"agentgateway",
       "v1.4.1",
       model::kAgentgatewayGroup,
       {"AgentgatewayBackend", "AgentgatewayPolicy"}},
      {"Kubernetes core", "v1", "", {"Secret", "Service", "Namespace"}},
  };
  return sets;
}

}  // namespace

void AddVersionCommand(CLI::App& app, int& exit_code) {
  CLI::App* command = app.add_subcommand("version", "Print the version and the API sets it knows");
  auto output = std::make_shared<std::string>("text");
  command->add_option("-o,--output", *output, "Output format: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  command->callback([output, &exit_code] {
    if (*output == "json") {
      nlohmann::ordered_json json;
      json["version"] = kVersion;
      auto sets = nlohmann::ordered_json::array();
      for (const ApiSet& set : KnownApiSets()) {
        nlohmann::ordered_json item;
        item["name"] = set.name;
        item["version"] = set.version;
        item["group"] = set.group;
        nlohmann::ordered_json kinds;
        for (const std::string& kind : set.kinds) {
          kinds[kind] = model::ServedVersions(set.group, kind);
        }
        item["kinds"] = std::move(kinds);
        sets.push_back(std::move(item));
      }
      json["apiSets"] = std::move(sets);
      std::cout << DumpJson(json) << "\n";
    } else {
      std::cout << "kubectl-agentgateway " << kVersion << "\n";
      std::cout << "API sets known offline (kinds decoded, schema defaults built in):\n";
      for (const ApiSet& set : KnownApiSets()) {
        std::cout << "  " << set.name << " " << set.version << ":";
        for (const std::string& kind : set.kinds) {
          std::cout << " " << kind;
        }
        std::cout << "\n";
      }
    }
    exit_code = kExitClean;
  });
}

}  // namespace agw::cmd
