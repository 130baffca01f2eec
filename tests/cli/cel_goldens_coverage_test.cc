// Ties the hand-written CEL goldens (testdata/cli/schema/cel-*.txt, run by
// schema_errors_test.cc) to the list of Gateway API v1.4.0 CEL rules in
// ../shared/reference/cel-v1.4.0-grouped.txt: every rule that can fail on create must be broken
// by at least one input, and be reported as the API server reports it, by a resource of one of
// the kinds the rule belongs to and at the path of the node it sits on.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/paths.h"

namespace agw::test {
namespace {

namespace fs = std::filesystem;

struct Rule {
  int number = 0;
  std::string message;
  std::string text;
  // "HTTPRoute .spec.rules[*]": kind and schema path, one per place the rule is attached.
  std::set<std::string> places;
};

// One `<path>: Invalid value: "<type>": <detail> [FieldValueInvalid]` line of a golden.
struct Reported {
  std::string golden;
  std::string kind;  // from the preceding `The <Kind> "<name>" is invalid:` heading
  std::string path;  // normalised: leading dot, every index written [*]
  std::string detail;
};

// The transition rules (`oldSelf`) of v1.4.0. They run only on an update, so no input, which
// `validate` checks as a create, can break them.
const std::set<int> kTransitionRules = {9};

// Rules without oldSelf that still cannot fail on a create, so that the server never reports
// them for a manifest. The goldens must not show them either.
struct Unreachable {
  std::string_view message;
  std::string_view why;
};
const Unreachable kUnreachableOnCreate[] = {
    {"Hostname value must only contain valid characters (matching "
     "^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)",
     "it sits on status.addresses[*], and the server drops the status of a created Gateway "
     "(status subresource) before validating"},
    {"type must be one of ['Exact', 'PathPrefix', 'RegularExpression']",
     "path.type has the same enum; a value outside it is an Unsupported value error, which "
     "blocks every CEL rule of the object"},
};

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string_view Trim(std::string_view text) {
  std::size_t begin = text.find_first_not_of(' ');
  if (begin == std::string_view::npos) {
    return {};
  }
  std::size_t end = text.find_last_not_of(' ');
  return text.substr(begin, end - begin + 1);
}

// "BackendTLSPolicy/v1:.spec.targetRefs; GRPCRoute/v1:.spec.parentRefs" -> kind and path pairs.
// The version is dropped: the goldens' headings name only the kind.
std::set<std::string> ParsePlaces(std::string_view at) {
  std::set<std::string> places;
  while (!at.empty()) {
    std::size_t end = at.find(';');
    std::string_view item = Trim(at.substr(0, end));
    std::size_t slash = item.find('/');
    std::size_t colon = item.find(':');
    if (slash != std::string_view::npos && colon != std::string_view::npos && slash < colon) {
      places.insert(std::string(item.substr(0, slash)) + " " + std::string(item.substr(colon + 1)));
    }
    if (end == std::string_view::npos) {
      break;
    }
    at.remove_prefix(end + 1);
  }
  return places;
}

std::vector<Rule> ReadGroupedRules() {
  std::istringstream in(ReadText(fs::path(kSharedDir) / "reference" / "cel-v1.4.0-grouped.txt"));
  std::vector<Rule> rules;
  for (std::string line; std::getline(in, line);) {
    std::string_view view = Trim(line);
    if (view.starts_with("[")) {
      std::size_t close = view.find("] MSG: ");
      if (close == std::string_view::npos) {
        continue;
      }
      Rule rule;
      for (char c : view.substr(1, close - 1)) {
        rule.number = rule.number * 10 + (c - '0');
      }
      rule.message = std::string(view.substr(close + 7));
      rules.push_back(std::move(rule));
    } else if (!rules.empty() && view.starts_with("RULE: ")) {
      rules.back().text = std::string(view.substr(6));
    } else if (!rules.empty() && view.starts_with("AT: ")) {
      rules.back().places = ParsePlaces(view.substr(4));
    }
  }
  return rules;
}

// spec.rules[0].filters[12] -> .spec.rules[*].filters[*]
std::string NormalisePath(std::string_view path) {
  std::string out = ".";
  while (!path.empty()) {
    std::size_t open = path.find('[');
    out += path.substr(0, open);
    if (open == std::string_view::npos) {
      break;
    }
    std::size_t close = path.find(']', open);
    if (close == std::string_view::npos) {
      out += path.substr(open);
      break;
    }
    out += "[*]";
    path.remove_prefix(close + 1);
  }
  return out;
}

std::vector<Reported> ReadGoldens() {
  std::vector<Reported> reported;
  fs::path folder = fs::path(kSourceDir) / "testdata" / "cli" / "schema";
  std::vector<fs::path> goldens;
  for (const auto& entry : fs::directory_iterator(folder)) {
    std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name.starts_with("cel-") && name.ends_with(".txt")) {
      goldens.push_back(entry.path());
    }
  }
  std::sort(goldens.begin(), goldens.end());
  constexpr std::string_view kError = ": error: ";
  constexpr std::string_view kInvalid = ": Invalid value: \"";
  constexpr std::string_view kReason = " [FieldValueInvalid]";
  for (const fs::path& golden : goldens) {
    std::istringstream in(ReadText(golden));
    std::string kind;
    for (std::string line; std::getline(in, line);) {
      std::string_view view = line;
      if (view.starts_with("The ") && view.ends_with(" is invalid:")) {
        view.remove_prefix(4);
        kind = std::string(view.substr(0, view.find(' ')));
        continue;
      }
      std::size_t error = view.find(kError);
      if (error == std::string_view::npos || !view.ends_with(kReason)) {
        continue;
      }
      view.remove_prefix(error + kError.size());
      view.remove_suffix(kReason.size());
      std::size_t invalid = view.find(kInvalid);
      if (invalid == std::string_view::npos) {
        continue;
      }
      std::string_view path = view.substr(0, invalid);
      view.remove_prefix(invalid + kInvalid.size());
      std::size_t type_end = view.find("\": ");
      if (type_end == std::string_view::npos) {
        continue;
      }
      reported.push_back({golden.filename().string(), kind, NormalisePath(path),
                          std::string(view.substr(type_end + 3))});
    }
  }
  return reported;
}

bool IsUnreachable(const Rule& rule) {
  return std::any_of(std::begin(kUnreachableOnCreate), std::end(kUnreachableOnCreate),
                     [&](const Unreachable& u) { return u.message == rule.message; });
}

TEST_CASE("The grouped list holds the 71 CEL rules of Gateway API v1.4.0") {
  std::vector<Rule> rules = ReadGroupedRules();
  REQUIRE(rules.size() == 71);
  for (std::size_t i = 0; i < rules.size(); ++i) {
    INFO("rule " << rules[i].number);
    CHECK(rules[i].number == static_cast<int>(i) + 1);
    CHECK(!rules[i].message.empty());
    CHECK(!rules[i].text.empty());
    CHECK(!rules[i].places.empty());
  }
}

TEST_CASE("The transition rules of v1.4.0 are the pinned ones") {
  std::set<int> with_old_self;
  for (const Rule& rule : ReadGroupedRules()) {
    if (rule.text.find("oldSelf") != std::string::npos) {
      with_old_self.insert(rule.number);
    }
  }
  CHECK(with_old_self == kTransitionRules);
}

TEST_CASE("Every CEL rule that can fail on create is broken by a hand-written golden") {
  std::vector<Rule> rules = ReadGroupedRules();
  REQUIRE(rules.size() == 71);
  std::vector<Reported> reported = ReadGoldens();
  REQUIRE(!reported.empty());
  int covered = 0;
  for (const Rule& rule : rules) {
    if (kTransitionRules.count(rule.number) != 0 || IsUnreachable(rule)) {
      continue;
    }
    // The message alone could come from a twin rule of another kind (the match-count rule of
    // HTTPRoute and of GRPCRoute share theirs): the kind and the node must be the rule's own.
    bool found = std::any_of(reported.begin(), reported.end(), [&](const Reported& r) {
      return r.detail == rule.message && rule.places.count(r.kind + " " + r.path) != 0;
    });
    INFO("rule " << rule.number << ": " << rule.message);
    CHECK(found);
    if (found) {
      ++covered;
    }
  }
  CHECK(covered == 71 - static_cast<int>(kTransitionRules.size()) -
                       static_cast<int>(std::size(kUnreachableOnCreate)));
}

TEST_CASE("Every CEL failure in the goldens is one of the rule's own places") {
  std::vector<Rule> rules = ReadGroupedRules();
  for (const Reported& r : ReadGoldens()) {
    bool known = std::any_of(rules.begin(), rules.end(), [&](const Rule& rule) {
      bool same_detail =
          r.detail == rule.message || r.detail.ends_with(" evaluating rule: " + rule.message);
      return same_detail && rule.places.count(r.kind + " " + r.path) != 0;
    });
    INFO(r.golden << ": " << r.kind << " " << r.path << ": " << r.detail);
    // Schema and list-type errors share the Invalid value form; only the CEL messages matter.
    bool is_cel = std::any_of(rules.begin(), rules.end(), [&](const Rule& rule) {
      return r.detail.find(rule.message) != std::string::npos;
    });
    if (is_cel) {
      CHECK(known);
    }
  }
}

TEST_CASE("Rules that cannot fail on create draw nothing in the goldens") {
  std::vector<Reported> reported = ReadGoldens();
  REQUIRE(!reported.empty());
  for (const Unreachable& unreachable : kUnreachableOnCreate) {
    INFO(unreachable.message << " (" << unreachable.why << ")");
    CHECK(std::none_of(reported.begin(), reported.end(), [&](const Reported& r) {
      return r.detail.find(unreachable.message) != std::string::npos;
    }));
  }
}

}  // namespace
}  // namespace agw::test
