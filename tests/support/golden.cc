#include "tests/support/golden.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "tests/support/paths.h"

namespace agw::test {

void CheckGolden(const std::string& relative_path, const std::string& actual) {
  std::string path = std::string(kSourceDir) + "/testdata/cli/" + relative_path;
  REQUIRE(!actual.empty());
  if (std::getenv("AGW_UPDATE_GOLDEN") != nullptr) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << actual;
  }
  std::ifstream in(path, std::ios::binary);
  INFO(path);
  REQUIRE(in.good());
  std::string expected{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  CHECK(actual == expected);
}

}  // namespace agw::test
