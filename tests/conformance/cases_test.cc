// Checks the hand-ported conformance case files (tests/conformance/cases/*.yaml) for shape, so a
// typo shows up here rather than as a puzzling failure of the suite that replays them.

#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <set>
#include <string>

#include "tests/support/paths.h"

namespace agw::test {
namespace {

namespace fs = std::filesystem;

const std::set<std::string> kKinds = {"weights", "backend-header-matches-pod", "mirror",
                                      "percentage-mirror", "delete"};

TEST_CASE("Every conformance case file names its test, existing manifests and well-formed cases") {
  const fs::path cases_dir = fs::path(kSourceDir) / "tests/conformance/cases";
  const fs::path testdata =
      fs::path(kSharedDir) / "upstream-testdata/gateway-api-conformance-v1.4.0";
  int files = 0;
  for (const auto& entry : fs::directory_iterator(cases_dir)) {
    if (entry.path().extension() != ".yaml") {
      continue;
    }
    ++files;
    INFO(entry.path().filename().string());
    const YAML::Node doc = YAML::LoadFile(entry.path().string());
    CHECK(doc["test"].as<std::string>() + ".yaml" == entry.path().filename().string());
    CHECK(doc["source"].as<std::string>().starts_with("conformance/tests/"));
    REQUIRE(doc["manifests"].IsSequence());
    for (const auto& manifest : doc["manifests"]) {
      CHECK(fs::exists(testdata / manifest.as<std::string>()));
    }
    CHECK(doc["gateway"].as<std::string>().find('/') != std::string::npos);
    REQUIRE(doc["cases"].IsSequence());
    REQUIRE(doc["cases"].size() > 0);
    for (const auto& c : doc["cases"]) {
      const std::string kind = c["kind"] ? c["kind"].as<std::string>() : "";
      CHECK((kind.empty() || kKinds.count(kind) == 1));
      if (kind == "delete") {
        CHECK(c["resource"]["kind"].IsScalar());
        CHECK(c["resource"]["name"].IsScalar());
        continue;
      }
      CHECK(c["request"]["path"].as<std::string>().starts_with("/"));
      if (kind == "backend-header-matches-pod") {
        CHECK(c["header"].IsScalar());
        continue;
      }
      REQUIRE(c["expect"]["status"].IsSequence());
      for (const auto& status : c["expect"]["status"]) {
        const int code = status.as<int>();
        CHECK((code >= 200 && code <= 599));
      }
      if (c["expect"]["redirect"]) {
        for (const auto& field : c["expect"]["redirect"]) {
          const auto key = field.first.as<std::string>();
          CHECK((key == "scheme" || key == "host" || key == "port" || key == "path"));
        }
      }
    }
  }
  CHECK(files == 39);
}

}  // namespace
}  // namespace agw::test
