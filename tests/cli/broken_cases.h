#pragma once

// The tutorial examples broken the three ways users break them most, shared by the tests that
// check what validate says about them and that run answers what validate predicts.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace agw::test {

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

inline std::string Read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void Apply(const std::filesystem::path& folder, const Mutation& mutation) {
  std::filesystem::path path = folder / mutation.file;
  std::string text = Read(path);
  std::size_t at = text.find(mutation.from);
  INFO("mutation of " << mutation.file << ": " << mutation.from);
  REQUIRE(at != std::string::npos);
  text.replace(at, mutation.from.size(), mutation.to);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

inline std::vector<BrokenCase> Cases() {
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

}  // namespace agw::test
