// Each tutorial example, broken the three ways users break it most (a parentRef sectionName
// that names no listener, a Secret that is not there, a cross-namespace backendRef without a
// ReferenceGrant), must produce the controller's finding at the right place. The whole output
// is pinned in testdata/cli/broken/ (AGW_UPDATE_GOLDEN=1 rewrites it; review the diff).

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "tests/cli/broken_cases.h"
#include "tests/support/paths.h"
#include "tests/support/run.h"

namespace agw::test {
namespace {

namespace fs = std::filesystem;

TEST_CASE("A broken copy of each tutorial yields the controller's finding") {
  for (const BrokenCase& broken : Cases()) {
    CAPTURE(broken.example, broken.name);
    TempDir dir;
    fs::path folder = fs::path(dir.path()) / broken.example;
    fs::copy(fs::path(kSourceDir) / "testdata/examples" / broken.example, folder,
             fs::copy_options::recursive);
    for (const Mutation& mutation : broken.mutations) {
      Apply(folder, mutation);
    }
    std::vector<std::string> argv = {kPluginBinary,  "validate",        "-f",
                                     broken.example, "--gateway-class", "enterprise-agentgateway"};
    argv.insert(argv.end(), broken.extra_flags.begin(), broken.extra_flags.end());
    CommandResult result = RunCommand(argv, "", dir.path());
    CHECK(result.exit_code == 1);
    CHECK(result.out.find(": error: ") != std::string::npos);
    CHECK(result.out.find("[" + broken.expected_code + "]") != std::string::npos);

    fs::path golden = fs::path(kSourceDir) / "testdata/cli/broken" /
                      (broken.example + "-" + broken.name + ".txt");
    REQUIRE(!result.out.empty());  // never rewrite a golden with a broken build's output
    if (std::getenv("AGW_UPDATE_GOLDEN") != nullptr) {
      fs::create_directories(golden.parent_path());
      std::ofstream(golden, std::ios::binary | std::ios::trunc) << result.out;
    }
    CHECK(result.out == Read(golden));
  }
}

}  // namespace
}  // namespace agw::test
