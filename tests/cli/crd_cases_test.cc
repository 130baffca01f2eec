// agentgateway's CRD cases (../shared/upstream-testdata/agentgateway-crd-cases) through the
// command line, as a user runs them: `validate` with the main CRDs built in
// (--agentgateway-version main) and read from their files (--crds). Every valid document must
// draw no finding of the API server's checks; every invalid document must be rejected with a
// message containing its `_err`, whether the schema or a CEL rule rejects it.
// tests/schema/validator_test.cc runs the schema half of the same cases against the library.

#include "tests/support/crd_cases.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/paths.h"
#include "tests/support/run.h"

namespace agw::test {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string source;  // "agentgateway_policy_invalid.yaml #3"
  bool invalid = false;
  std::string expected;  // the `_err`
  std::string prefix;    // `<Kind>/<name>/<namespace as written>: `, as the harness writes it
};

std::string TopLevel(const std::string& document, const std::string& key) {
  std::size_t at = document.find("\n" + key + ":");
  if (at == std::string::npos) {
    return {};
  }
  at += key.size() + 2;
  std::size_t end = document.find('\n', at);
  std::string value = document.substr(at, end - at);
  value.erase(0, value.find_first_not_of(' '));
  return value;
}

std::string MetadataField(const std::string& document, const std::string& key) {
  std::size_t metadata = document.find("\nmetadata:\n");
  if (metadata == std::string::npos) {
    return {};
  }
  std::size_t at = document.find("\n  " + key + ":", metadata);
  if (at == std::string::npos) {
    return {};
  }
  at += key.size() + 4;
  std::size_t end = document.find('\n', at);
  std::string value = document.substr(at, end - at);
  value.erase(0, value.find_first_not_of(' '));
  return value;
}

// The cases as files of one document each, written under `dir`. Each document without a
// namespace gets one of its own, so that documents reusing a name are not duplicates.
std::map<std::string, Case> WriteCases(const TempDir& dir) {
  std::map<std::string, Case> cases;
  int count = 0;
  for (const CrdCase& source : ReadCrdCases()) {
    Case c;
    c.source = source.file + " #" + std::to_string(source.index);
    c.invalid = source.invalid;
    c.expected = source.expected;
    std::string document = "\n" + source.document;
    std::string namespace_ = MetadataField(document, "namespace");
    c.prefix = TopLevel(document, "kind") + "/" + MetadataField(document, "name") + "/" +
               namespace_ + ": ";
    if (namespace_.empty()) {
      std::size_t metadata = document.find("\nmetadata:\n");
      REQUIRE(metadata != std::string::npos);
      document.insert(metadata + 11, "  namespace: case-" + std::to_string(count) + "\n");
    }
    std::string path = "case-" + std::to_string(count++) + ".yaml";
    cases[dir.Write(path, document.substr(1))] = c;
  }
  return cases;
}

bool IsServerFinding(const std::string& code) {
  return code.starts_with("FieldValue") || code == "strict-decoding" || code == "unknown-kind" ||
         code == "unknown-version" || code == "decoding";
}

TEST_CASE("agentgateway's CRD cases through validate: built in and with --crds") {
  std::string mode = GENERATE(as<std::string>{}, "--agentgateway-version main", "--crds");
  TempDir dir;
  std::map<std::string, Case> cases = WriteCases(dir);
  std::vector<std::string> args = {kPluginBinary, "validate", "-f", dir.path(), "-o", "json"};
  if (mode == "--crds") {
    args.push_back("--crds");
    args.push_back((fs::path(kSharedDir) / "crds/agentgateway-main").string());
  } else {
    args.push_back("--agentgateway-version");
    args.push_back("main");
  }
  CommandResult result = RunCommand(args, "", kSourceDir, {}, 120);
  INFO(result.err);
  REQUIRE((result.exit_code == 0 || result.exit_code == 1));
  nlohmann::json report = nlohmann::json::parse(result.out);
  std::map<std::string, std::vector<std::string>> messages;  // file -> the server's messages
  for (const auto& finding : report["findings"]) {
    if (!IsServerFinding(finding["code"])) {
      continue;
    }
    std::string message = finding["message"];
    if (finding["code"] != "strict-decoding") {
      message = cases[finding["file"]].prefix + message;
    }
    messages[finding["file"]].push_back(message);
  }
  int valid = 0, valid_passed = 0, invalid = 0, rejected = 0, unrejected = 0;
  for (const auto& [file, c] : cases) {
    const std::vector<std::string>& found = messages[file];
    std::string all;
    for (const std::string& message : found) {
      all += message + "\n";
    }
    INFO(c.source << ": expected " << c.expected << "\n" << all);
    if (!c.invalid) {
      ++valid;
      CHECK(found.empty());
      if (found.empty()) {
        ++valid_passed;
      }
      continue;
    }
    // The harness writes unknown fields as `unknown fields [a.b]`, the server
    // `unknown field "a.b"`.
    bool matched = all.find(c.expected) != std::string::npos;
    if (c.expected.starts_with("unknown fields")) {
      std::size_t open = c.expected.find('[');
      matched = open == std::string::npos
                    ? all.find("strict decoding error: unknown field") != std::string::npos
                    : all.find("unknown field \"" +
                               c.expected.substr(open + 1, c.expected.size() - open - 2) + "\"") !=
                          std::string::npos;
    }
    ++invalid;
    if (matched) {
      ++rejected;
    }
    if (found.empty()) {
      ++unrejected;
    }
    CHECK(matched);
  }
  WARN("agentgateway CRD cases through validate ("
       << mode << "): " << valid_passed << "/" << valid << " valid documents clean; " << rejected
       << "/" << invalid << " invalid documents rejected with their message; " << unrejected
       << " not rejected at all");
  CHECK(valid >= 90);
  CHECK(valid_passed == valid);
  CHECK(invalid >= 150);
  CHECK(rejected == invalid);
}

}  // namespace
}  // namespace agw::test
