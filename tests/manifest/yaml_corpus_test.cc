// The reader against kubectl's: every file in testdata/yaml-corpus is accepted or rejected as
// testdata/yaml-corpus/VERDICTS records, and, when kubectl is installed, as kubectl itself says.

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "tests/support/paths.h"
#include "tests/support/run.h"
#include "validate/manifest/yaml_reader.h"

namespace agw::validate::manifest {
namespace {

const std::filesystem::path kCorpus =
    std::filesystem::path(test::kSourceDir) / "testdata/yaml-corpus";

struct Expected {
  std::string file;
  bool accept = true;
  // kubectl 1.33 and later read invalid JSON as YAML; where that changes the verdict, theirs.
  std::optional<bool> accept_since_1_33;
};

std::vector<Expected> ReadVerdicts() {
  std::ifstream in(kCorpus / "VERDICTS");
  std::vector<Expected> verdicts;
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    Expected expected;
    std::string verdict, later;
    if (!(words >> expected.file >> verdict)) {
      continue;
    }
    expected.accept = verdict == "accept";
    if (words >> later) {
      expected.accept_since_1_33 = later == "kubectl>=1.33=accept";
    }
    verdicts.push_back(expected);
  }
  return verdicts;
}

std::string ReadBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Our verdict: the reader accepts a file when it reports no error (warnings, such as invalid
// UTF-8 that kubectl replaces, do not count).
bool WeAccept(const std::filesystem::path& path, std::string& findings) {
  SourceFile file(path.filename().string(), ReadBytes(path));
  DiagnosticSink sink;
  ParseDocuments(file, sink);
  for (const Diagnostic& d : sink.diagnostics()) {
    findings += RenderText(d);
  }
  return !sink.HasErrors();
}

std::optional<std::string> FindOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream directories(path == nullptr ? "" : path);
  std::string directory;
  while (std::getline(directories, directory, ':')) {
    std::filesystem::path candidate = std::filesystem::path(directory) / program;
    if (access(candidate.c_str(), X_OK) == 0) {
      return candidate.string();
    }
  }
  return std::nullopt;
}

// kubectl's client minor version ("1.32.4" -> 32), 0 when it cannot tell.
int KubectlMinorVersion(const std::string& kubectl) {
  test::CommandResult result = test::RunCommand({kubectl, "version", "--client", "-o", "json"});
  nlohmann::json version = nlohmann::json::parse(result.out, nullptr, false);
  if (version.is_discarded()) {
    return 0;
  }
  std::string minor = version["clientVersion"].value("minor", "0");
  return std::atoi(minor.c_str());  // "33+" on some builds
}

TEST_CASE("The YAML corpus covers the cases and every file has a verdict") {
  std::vector<Expected> verdicts = ReadVerdicts();
  CHECK(verdicts.size() >= 30);
  std::set<std::string> listed;
  for (const Expected& expected : verdicts) {
    listed.insert(expected.file);
    CHECK(std::filesystem::exists(kCorpus / expected.file));
  }
  for (const auto& entry : std::filesystem::directory_iterator(kCorpus)) {
    std::string name = entry.path().filename().string();
    if (name != "VERDICTS" && name != "make_corpus.py") {
      CAPTURE(name);
      CHECK(listed.count(name) == 1);
    }
  }
}

TEST_CASE("Every file in the YAML corpus is accepted or rejected as kubectl's reader does") {
  for (const Expected& expected : ReadVerdicts()) {
    std::string findings;
    bool accepted = WeAccept(kCorpus / expected.file, findings);
    CAPTURE(expected.file, findings);
    CHECK(accepted == expected.accept);
  }
}

TEST_CASE("The YAML corpus verdicts are the installed kubectl's") {
  std::optional<std::string> kubectl = FindOnPath("kubectl");
  if (!kubectl) {
    WARN("kubectl is not on PATH: the corpus was not compared with kubectl (only with VERDICTS)");
    return;
  }
  int minor = KubectlMinorVersion(*kubectl);
  test::TempDir scratch;
  std::string kubeconfig = scratch.Write("kubeconfig", "");
  for (const Expected& expected : ReadVerdicts()) {
    // Offline: parsing comes first, then kubectl asks a server that is not there. Port 1 on
    // loopback refuses at once.
    test::CommandResult result = test::RunCommand(
        {*kubectl, "create", "--dry-run=client", "--validate=false", "-o", "yaml",
         "--kubeconfig=" + kubeconfig, "--server=http://127.0.0.1:1",
         "--cache-dir=" + scratch.path() + "/cache", "-f", (kCorpus / expected.file).string()},
        "", "", {}, 30);
    std::string output = result.out + result.err;
    CAPTURE(expected.file, output);
    // A file whose first object is read before a later one fails shows both.
    bool rejected = output.find("error parsing") != std::string::npos;
    bool reached_server = output.find("unable to recognize") != std::string::npos;
    REQUIRE((rejected || reached_server));  // anything else means the corpus file is wrong
    bool kubectl_accepts = !rejected;
    if (minor >= 33 && expected.accept_since_1_33) {
      CHECK(kubectl_accepts == *expected.accept_since_1_33);
      continue;
    }
    std::string ours;
    CHECK(WeAccept(kCorpus / expected.file, ours) == kubectl_accepts);
  }
  if (minor >= 33) {
    WARN("kubectl 1." << minor
                      << " reads invalid JSON as YAML; the files VERDICTS marks kubectl>=1.33 "
                         "were compared with its own verdict, not ours");
  }
}

}  // namespace
}  // namespace agw::validate::manifest
