#include "tests/support/crd_cases.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/paths.h"

namespace agw::test {
namespace {

std::vector<std::string> Documents(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  std::vector<std::string> documents;
  std::string current, line;
  std::istringstream lines(text.str());
  while (std::getline(lines, line)) {
    if (line == "---") {
      documents.push_back(current);
      current.clear();
    } else {
      current += line + "\n";
    }
  }
  documents.push_back(current);
  return documents;
}

}  // namespace

std::vector<CrdCase> ReadCrdCases() {
  std::filesystem::path folder =
      std::filesystem::path(kSharedDir) / "upstream-testdata/agentgateway-crd-cases";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<CrdCase> cases;
  for (const std::filesystem::path& file : files) {
    int index = 0;
    for (std::string document : Documents(file)) {
      ++index;
      CrdCase c;
      c.file = file.filename().string();
      c.index = index;
      c.invalid = c.file.ends_with("_invalid.yaml");
      // `_err:` may follow comment lines.
      std::size_t err = document.starts_with("_err:") ? 0 : document.find("\n_err:");
      if (err != std::string::npos) {
        if (err != 0) {
          ++err;
        }
        std::size_t end = document.find('\n', err);
        c.expected = document.substr(err + 5, end - err - 5);
        document.erase(err, end + 1 - err);
        // The YAML scalar: trimmed, and unquoted when quoted.
        c.expected.erase(0, c.expected.find_first_not_of(' '));
        if (c.expected.size() >= 2 && (c.expected.front() == '\'' || c.expected.front() == '"')) {
          c.expected = c.expected.substr(1, c.expected.size() - 2);
        }
      }
      if (document.find("kind:") == std::string::npos) {
        continue;
      }
      c.document = std::move(document);
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

}  // namespace agw::test
