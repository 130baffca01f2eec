#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "cmd/commands.h"
#include "cmd/json_output.h"
#include "cmd/version.h"
#include "validate/schema/builtin.h"

namespace agw::cmd {
namespace {

constexpr std::string_view kCoreKinds[] = {"Secret", "ConfigMap", "Service", "Namespace"};

// Whether `set` is the one commands use without --gateway-api-version/--agentgateway-version.
bool IsDefault(const validate::schema::BuiltinCrdSet& set) {
  return validate::schema::FindBuiltinCrdSet(set.project) == &set;
}

nlohmann::ordered_json VersionJson() {
  nlohmann::ordered_json json;
  json["version"] = kVersion;
  auto sets = nlohmann::ordered_json::array();
  for (const validate::schema::BuiltinCrdSet& set : validate::schema::BuiltinCrdSets()) {
    nlohmann::ordered_json item;
    item["name"] = set.name;
    item["project"] = set.project;
    item["version"] = set.version;
    item["default"] = IsDefault(set);
    nlohmann::ordered_json kinds = nlohmann::ordered_json::object();
    for (const validate::schema::BuiltinCrd& crd : set.crds) {
      auto loaded = validate::schema::LoadBuiltinCrd(set, crd);
      auto& entry = kinds[std::string(crd.kind)];
      entry["group"] = crd.group;
      entry["served"] = nlohmann::ordered_json::array();
      if (!loaded) {
        continue;
      }
      for (const validate::schema::CrdVersion& version : (*loaded)->versions) {
        if (version.served) {
          entry["served"].push_back(version.name);
        }
      }
    }
    item["kinds"] = std::move(kinds);
    sets.push_back(std::move(item));
  }
  json["crdSets"] = std::move(sets);
  json["coreKinds"] = nlohmann::ordered_json::array();
  for (std::string_view kind : kCoreKinds) {
    json["coreKinds"].push_back(kind);
  }
  return json;
}

void PrintVersion() {
  std::cout << "kubectl-agentgateway " << kVersion << "\n";
  if (validate::schema::BuiltinCrdSets().empty()) {
    std::cout << "CRD sets built in: none, so custom resources are not schema-checked (pass "
                 "--crds DIR, or build with -DAGW_CRDS_DIR)\n";
  } else {
    std::cout << "CRD sets built in (* = used unless --gateway-api-version or "
                 "--agentgateway-version picks another):\n";
    for (const validate::schema::BuiltinCrdSet& set : validate::schema::BuiltinCrdSets()) {
      std::cout << (IsDefault(set) ? "* " : "  ") << set.project << " " << set.version << ":";
      for (const validate::schema::BuiltinCrd& crd : set.crds) {
        std::cout << " " << crd.kind;
      }
      std::cout << "\n";
    }
  }
  std::cout << "Kubernetes kinds checked:";
  for (std::string_view kind : kCoreKinds) {
    std::cout << " " << kind;
  }
  std::cout << "\n";
}

}  // namespace

void AddVersionCommand(CLI::App& app, int& exit_code) {
  CLI::App* command = app.add_subcommand("version", "Print the version and the CRD sets built in");
  auto output = std::make_shared<std::string>("text");
  command->add_option("-o,--output", *output, "Output format: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  command->callback([output, &exit_code] {
    if (*output == "json") {
      std::cout << DumpJson(VersionJson()) << "\n";
    } else {
      PrintVersion();
    }
    exit_code = kExitClean;
  });
}

}  // namespace agw::cmd
