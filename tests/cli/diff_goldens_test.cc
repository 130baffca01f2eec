// `kubectl agentgateway diff OLD NEW` on pairs built from the tutorial examples
// (testdata/cli/diff/README.md): the whole output of both diffs, pinned in goldens.

#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/support/golden.h"
#include "tests/support/paths.h"
#include "tests/support/run.h"

namespace agw::test {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Applies the edits of `node` (a case's `edits` or `old_edits`) to the files under `side`.
void ApplyEdits(const YAML::Node& edits, const fs::path& side) {
  if (!edits) {
    return;
  }
  for (const YAML::Node& edit : edits) {
    fs::path file = side / edit["file"].as<std::string>();
    INFO("edit of " << file);
    if (edit["delete"]) {
      REQUIRE(fs::remove(file));
      continue;
    }
    if (edit["content"]) {
      std::ofstream(file, std::ios::binary) << edit["content"].as<std::string>();
      continue;
    }
    std::string text = ReadAll(file);
    std::string from = edit["replace"].as<std::string>();
    std::string to = edit["with"].as<std::string>();
    std::vector<std::size_t> found;
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + 1)) {
      found.push_back(at);
    }
    std::size_t nth = edit["nth"] ? edit["nth"].as<std::size_t>() : 0;
    if (nth == 0) {
      REQUIRE(found.size() == 1);  // an edit must say exactly what it changes
      nth = 1;
    }
    REQUIRE(nth <= found.size());
    text.replace(found[nth - 1], from.size(), to);
    std::ofstream(file, std::ios::binary) << text;
  }
}

void CopyExample(const std::string& example, const fs::path& to) {
  fs::create_directories(to);
  for (const fs::directory_entry& entry :
       fs::directory_iterator(fs::path(kSourceDir) / "testdata/examples" / example)) {
    if (entry.path().extension() == ".yaml") {
      fs::copy_file(entry.path(), to / entry.path().filename());
    }
  }
}

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  for (const fs::directory_entry& entry :
       fs::directory_iterator(fs::path(kSourceDir) / "testdata/cli/diff")) {
    if (fs::exists(entry.path() / "case.yaml")) {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST_CASE("diff goldens built from the tutorial examples match") {
  std::vector<std::string> names = CaseNames();
  REQUIRE(names.size() >= 9);
  for (const std::string& name : names) {
    SECTION(name) {
      fs::path case_dir = fs::path(kSourceDir) / "testdata/cli/diff" / name;
      YAML::Node spec = YAML::LoadFile((case_dir / "case.yaml").string());
      TempDir dir;
      fs::path old_dir = fs::path(dir.path()) / "old";
      fs::path new_dir = fs::path(dir.path()) / "new";
      CopyExample(spec["example"].as<std::string>(), old_dir);
      ApplyEdits(spec["old_edits"], old_dir);
      fs::copy(old_dir, new_dir);
      ApplyEdits(spec["edits"], new_dir);

      std::vector<std::string> argv = {kPluginBinary, "diff", "old", "new", "--color", "never"};
      if (spec["flags"]) {
        for (const YAML::Node& flag : spec["flags"]) {
          argv.push_back(flag.as<std::string>());
        }
      }
      CommandResult text = RunCommand(argv, "", dir.path());
      INFO(text.err);
      CHECK(text.exit_code == spec["exit"].as<int>());
      CheckGolden("diff/" + name + "/expected.txt", text.out);
      if (spec["json"] && spec["json"].as<bool>()) {
        argv.insert(argv.end(), {"-o", "json"});
        CommandResult json = RunCommand(argv, "", dir.path());
        CHECK(json.exit_code == spec["exit"].as<int>());
        CheckGolden("diff/" + name + "/expected.json", json.out);
      }
    }
  }
}

TEST_CASE("diff never prints a rotated Secret value in any format") {
  TempDir dir;
  fs::path old_dir = fs::path(dir.path()) / "old";
  CopyExample("multiple-providers", old_dir);
  fs::copy(old_dir, fs::path(dir.path()) / "new");
  std::string secrets = ReadAll(old_dir / "secrets.yaml");
  std::string old_key = "sk-ant-demo-placeholder-key";
  std::string new_key = "sk-ant-new-value-3141";
  // The last occurrence: the first is in a comment quoting the tutorial.
  secrets.replace(secrets.rfind(old_key), old_key.size(), new_key);
  std::ofstream(fs::path(dir.path()) / "new/secrets.yaml", std::ios::binary) << secrets;
  REQUIRE(ReadAll(fs::path(dir.path()) / "new/secrets.yaml").find(new_key) != std::string::npos);
  REQUIRE(ReadAll(old_dir / "secrets.yaml").find(old_key) != std::string::npos);
  for (const char* format : {"text", "json", "markdown"}) {
    CommandResult result =
        RunCommand({kPluginBinary, "diff", "old", "new", "-o", format}, "", dir.path());
    INFO(format << "\n" << result.out << result.err);
    CHECK(result.exit_code == 1);
    CHECK(result.out.find("credential") != std::string::npos);
    for (const std::string& secret : {old_key, new_key}) {
      CHECK(result.out.find(secret) == std::string::npos);
      CHECK(result.err.find(secret) == std::string::npos);
    }
  }
}

}  // namespace
}  // namespace agw::test
