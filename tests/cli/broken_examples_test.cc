// Each tutorial example, broken the three ways users break it most (a parentRef sectionName
// that names no listener, a Secret that is not there, a cross-namespace backendRef without a
// ReferenceGrant), must produce the controller's finding at the right place. The whole output
// is pinned in testdata/cli/broken/ (AGW_UPDATE_GOLDEN=1 rewrites it; review the diff).

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "tests/support/paths.h"
#include "tests/support/run.h"

namespace agw::test {
namespace {

namespace fs = std::filesystem;

struct Mutation {
  std::string file;  // relative to the example folder
  std::string from;
  std::string to;
};

struct BrokenCase {
  std::string example;
  std::string name;  // wrong-section | missing-secret | cross-namespace
  std::vector<Mutation> mutations;
  std::vector<std::string> extra_flags;
  std::string expected_code;  // the finding this case is about
};

std::string Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void Apply(const fs::path& folder, const Mutation& mutation) {
  fs::path path = folder / mutation.file;
  std::string text = Read(path);
  std::size_t at = text.find(mutation.from);
  INFO("mutation of " << mutation.file << ": " << mutation.from);
  REQUIRE(at != std::string::npos);
  text.replace(at, mutation.from.size(), mutation.to);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

std::vector<BrokenCase> Cases() {
  const std::string strict = "--strict-refs";
  return {
      {"multi-llm-providers",
       "wrong-section",
       {{"routes.yaml", "sectionName: llm-providers", "sectionName: llm-provider"}},
       {},
       "NoMatchingParent"},
      {"multi-llm-providers",
       "missing-secret",
       {{"secrets.yaml", "name: xai-secret", "name: xai-secret-old"}},
       {strict},
       "TranslationError"},
      {"multi-llm-providers",
       "cross-namespace",
       {{"routes.yaml", "- name: openai\n          namespace: agentgateway-system",
         "- name: openai\n          namespace: llm-backends"}},
       {},
       "RefNotPermitted"},
      {"multiple-providers",
       "wrong-section",
       {{"routes.yaml", "    - name: ai-gateway\n      namespace: multiple-providers\n",
         "    - name: ai-gateway\n      namespace: multiple-providers\n      sectionName: "
         "https\n"}},
       {},
       "NoMatchingParent"},
      {"multiple-providers",
       "missing-secret",
       {{"secrets.yaml", "name: anthropic-secret", "name: anthropic-key"}},
       {strict},
       "TranslationError"},
      {"multiple-providers",
       "cross-namespace",
       {{"routes.yaml", "name: anthropic-backend",
         "name: anthropic-backend\n          namespace: shared"}},
       {},
       "RefNotPermitted"},
      {"local-llm",
       "wrong-section",
       {{"local-llm.yaml", "    - name: agentgateway-proxy\n      namespace: local-llm\n",
         "    - name: agentgateway-proxy\n      namespace: local-llm\n      sectionName: https\n"}},
       {},
       "NoMatchingParent"},
      {"local-llm",
       "missing-secret",
       {{"local-llm.yaml", "        model: gemma-4-12b-it-Q5_K_M.gguf\n---",
         "        model: gemma-4-12b-it-Q5_K_M.gguf\n  policies:\n    auth:\n      secretRef:\n"
         "        name: llama-key\n---"}},
       {strict},
       "TranslationError"},
      {"local-llm",
       "cross-namespace",
       {{"local-llm.yaml", "        - name: local-llm\n          namespace: local-llm",
         "        - name: local-llm\n          namespace: models"}},
       {},
       "RefNotPermitted"},
      {"gemini-anthropic",
       "wrong-section",
       {{"routes.yaml", "    - name: agentgateway\n      namespace: default\n",
         "    - name: agentgateway\n      namespace: default\n      sectionName: https\n"}},
       {},
       "NoMatchingParent"},
      {"gemini-anthropic",
       "missing-secret",
       {{"secrets.yaml", "name: gemini-secret", "name: gemini-key"}},
       {strict},
       "TranslationError"},
      {"gemini-anthropic",
       "cross-namespace",
       {{"routes.yaml", "        - name: anthropic\n          namespace: default",
         "        - name: anthropic\n          namespace: ai"}},
       {},
       "RefNotPermitted"},
  };
}

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
