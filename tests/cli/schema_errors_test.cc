// One hand-written manifest per check of the API server's (schema, ObjectMeta, list types, the
// built-in kinds, kind and version mapping) and per mistake of issue 12, run through
// `validate`: the whole output (messages, positions, hints, heading) and the exit code are
// pinned in testdata/cli/schema/<case>.txt (AGW_UPDATE_GOLDEN=1 rewrites them; review the
// diff). A first line `# args: ...` in an input adds flags.

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/golden.h"
#include "tests/support/paths.h"
#include "tests/support/run.h"

namespace agw::test {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> ExtraArgs(const fs::path& input) {
  std::ifstream in(input);
  std::string first;
  std::getline(in, first);
  std::vector<std::string> args;
  if (!first.starts_with("# args: ")) {
    return args;
  }
  std::istringstream words(first.substr(8));
  for (std::string word; words >> word;) {
    args.push_back(word);
  }
  return args;
}

TEST_CASE("Each API server check and each mistake of issue 12 renders as pinned") {
  fs::path inputs = fs::path(kSourceDir) / "testdata/cli/schema/inputs";
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(inputs)) {
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 19);
  for (const fs::path& input : files) {
    std::string relative = "testdata/cli/schema/inputs/" + input.filename().string();
    std::vector<std::string> args = {kPluginBinary, "validate", "-f", relative};
    for (std::string& arg : ExtraArgs(input)) {
      args.push_back(std::move(arg));
    }
    CommandResult result = RunCommand(args, "", kSourceDir);
    std::string command = "$ kubectl agentgateway validate -f " + relative;
    for (std::size_t i = 4; i < args.size(); ++i) {
      command += " " + args[i];
    }
    std::string transcript = command + "\n" + result.out + result.err + "exit code " +
                             std::to_string(result.exit_code) + "\n";
    SECTION(input.stem().string()) {
      CheckGolden("schema/" + input.stem().string() + ".txt", transcript);
    }
  }
}

TEST_CASE("Every example stays clean under every built-in CRD set") {
  CommandResult versions = RunCommand({kPluginBinary, "version", "-o", "json"});
  REQUIRE(versions.exit_code == 0);
  std::vector<std::string> gateway_api, agentgateway;
  nlohmann::json report = nlohmann::json::parse(versions.out);
  for (const auto& set : report["crdSets"]) {
    (set["project"] == "gateway-api" ? gateway_api : agentgateway).push_back(set["version"]);
  }
  REQUIRE(gateway_api.size() >= 2);
  REQUIRE(agentgateway.size() >= 3);
  for (const std::string& gateway_version : gateway_api) {
    for (const std::string& agentgateway_version : agentgateway) {
      CommandResult result = RunCommand(
          {kPluginBinary, "validate", "-f", "testdata/examples/", "--gateway-api-version",
           gateway_version, "--agentgateway-version", agentgateway_version},
          "", kSourceDir);
      INFO("gateway-api " << gateway_version << ", agentgateway " << agentgateway_version << "\n"
                          << result.out << result.err);
      CHECK(result.exit_code == 0);
      CHECK(result.out.find(": 0 errors") != std::string::npos);
    }
  }
}

}  // namespace
}  // namespace agw::test
