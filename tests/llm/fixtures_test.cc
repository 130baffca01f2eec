// Runs every agentgateway LLM golden snapshot through the registered translation runners and
// compares the result with the snapshot structurally (object key order is not significant on
// the wire; ids and timestamps the gateway generates are matched by shape).

#include "tests/llm/fixtures.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <vector>

#include "emulator/llm/sse.h"
#include "tests/support/paths.h"

namespace agw::emulator::llm::test {

namespace fs = std::filesystem;

namespace {

fs::path FixtureRoot() {
  return fs::path(agw::test::kSharedDir) / "upstream-testdata" / "agentgateway-llm-fixtures";
}

}  // namespace

void Registry::Add(std::string kind, std::string variant, Runner runner, std::string group) {
  auto key = std::make_tuple(std::move(kind), std::move(variant), std::move(group));
  if (runners_.count(key) != 0) {
    throw std::logic_error("two runners for " + std::get<0>(key) + "/" + std::get<1>(key));
  }
  runners_.emplace(std::move(key), std::move(runner));
}

void Registry::KnownGap(std::string snapshot, std::string reason) {
  gaps_.emplace(std::move(snapshot), std::move(reason));
}

const Runner* Registry::Find(const Fixture& fixture) const {
  for (const std::string& group : {fixture.group, std::string()}) {
    auto found = runners_.find({fixture.kind, fixture.variant, group});
    if (found != runners_.end()) {
      return &found->second;
    }
  }
  return nullptr;
}

const std::string* Registry::GapReason(const std::string& snapshot) const {
  auto found = gaps_.find(snapshot);
  return found == gaps_.end() ? nullptr : &found->second;
}

std::string RequestPayload(const Json& upstream_body, const Json& summary) {
  Json payload = Json::object();
  payload["request"] = upstream_body;
  payload["parsed"] = summary;
  return payload.dump(2);
}

std::string ResponsePayload(const Json& client_body, const Json& info) {
  Json payload = Json::object();
  payload["response"] = client_body;
  payload["parsed"] = info;
  return payload.dump(2);
}

std::string StreamPayload(const std::string& client_sse, const Json& info) {
  return client_sse + "\n\n" + info.dump(2);
}

std::string ReadUpstreamFixture(const std::string& relative) {
  std::ifstream in(FixtureRoot() / relative, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

std::string FeedInSlices(StreamTranslator& translator, std::string_view upstream, size_t slice) {
  std::string client;
  for (size_t at = 0; at < upstream.size(); at += slice) {
    translator.Feed(upstream.substr(at, slice), client);
  }
  translator.Finish(client);
  return client;
}

PromptEnrichment GoldenPromptEnrichment() {
  return {{{"system", "prepend system prompt"},
           {"user", "prepend user message"},
           {"assistant", "prepend assistant message"}},
          {{"user", "append user message"},
           {"system", "append system prompt"},
           {"assistant", "append assistant prompt"}}};
}

std::string BlankGeneratedIds(const std::string& sse) {
  static const std::regex kGenerated(R"re("(id|item_id)":"(resp|msg|call)_[0-9A-Za-z]+")re");
  return std::regex_replace(sse, kGenerated, R"("$1":"")");
}

namespace {

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// The payload after the YAML metadata block (`---` ... `---`), without the newline insta
// writes after every snapshot (it matters where a payload is compared as text).
std::string SnapshotPayload(const std::string& text) {
  size_t first = text.find("---\n");
  size_t second = text.find("\n---\n", first + 3);
  if (first != 0 || second == std::string::npos) {
    return text;
  }
  std::string payload = text.substr(second + 5);
  if (!payload.empty() && payload.back() == '\n') {
    payload.pop_back();
  }
  return payload;
}

bool IsGeneratedIdPattern(const std::string& expected) {
  return expected.size() > 4 && expected.compare(expected.size() - 4, 4, "_xxx") == 0;
}

// Structural comparison; appends one line per difference.
void Compare(const Json& expected, const Json& actual, const std::string& path,
             std::vector<std::string>& differences) {
  if (expected.is_string()) {
    const std::string& want = expected.get_ref<const std::string&>();
    if ((want == "[id]" || want == "[date]") && !actual.is_null() && !actual.is_structured()) {
      return;
    }
    if (IsGeneratedIdPattern(want) && actual.is_string()) {
      std::string prefix = want.substr(0, want.size() - 3);
      if (actual.get_ref<const std::string&>().rfind(prefix, 0) == 0) {
        return;
      }
    }
  }
  if ((path.ends_with("/created") || path.ends_with("/created_at")) && expected == 123 &&
      actual.is_number()) {
    return;
  }
  if (expected.is_object() && actual.is_object()) {
    for (const auto& [key, value] : expected.items()) {
      if (!actual.contains(key)) {
        differences.push_back(path + "/" + key + ": missing, want " + value.dump());
      } else {
        Compare(value, actual.at(key), path + "/" + key, differences);
      }
    }
    for (const auto& [key, value] : actual.items()) {
      if (!expected.contains(key)) {
        differences.push_back(path + "/" + key + ": unexpected " + value.dump());
      }
    }
    return;
  }
  if (expected.is_array() && actual.is_array()) {
    if (expected.size() != actual.size()) {
      differences.push_back(path + ": " + std::to_string(actual.size()) + " items, want " +
                            std::to_string(expected.size()));
    }
    for (size_t i = 0; i < std::min(expected.size(), actual.size()); ++i) {
      Compare(expected[i], actual[i], path + "/" + std::to_string(i), differences);
    }
    return;
  }
  if (expected != actual) {
    differences.push_back(path + ": got " + actual.dump() + ", want " + expected.dump());
  }
}

std::vector<SseEvent> ParseEvents(const std::string& text) {
  std::vector<SseEvent> events;
  SseParser parser;
  auto sink = [&](const SseEvent& event) { events.push_back(event); };
  parser.Feed(text, sink);
  parser.Finish(sink);
  return events;
}

// Splits a streaming payload into the SSE text and the trailing pretty-printed JSON summary.
std::pair<std::string, std::string> SplitStreamPayload(const std::string& payload) {
  size_t summary = payload.rfind("\n{\n");
  if (payload.rfind("{\n", 0) == 0 && summary == std::string::npos) {
    return {"", payload};
  }
  if (summary == std::string::npos) {
    // An empty summary: snapshot files end it with a newline, runners may not.
    std::string_view trimmed = payload;
    while (trimmed.ends_with('\n')) {
      trimmed.remove_suffix(1);
    }
    if (trimmed.ends_with("\n{}")) {
      return {std::string(trimmed.substr(0, trimmed.size() - 2)), "{}"};
    }
    return {payload, "{}"};
  }
  return {payload.substr(0, summary + 1), payload.substr(summary + 1)};
}

Json ParseOrString(const std::string& text) {
  Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return Json(text);
  }
  return parsed;
}

std::vector<std::string> CompareStream(const std::string& expected, const std::string& actual) {
  std::vector<std::string> differences;
  auto [want_sse, want_summary] = SplitStreamPayload(expected);
  auto [got_sse, got_summary] = SplitStreamPayload(actual);
  std::vector<SseEvent> want = ParseEvents(want_sse);
  std::vector<SseEvent> got = ParseEvents(got_sse);
  if (want.size() != got.size()) {
    differences.push_back("stream: " + std::to_string(got.size()) + " events, want " +
                          std::to_string(want.size()));
  }
  for (size_t i = 0; i < std::min(want.size(), got.size()); ++i) {
    std::string at = "event " + std::to_string(i);
    if (want[i].event != got[i].event) {
      differences.push_back(at + ": name " + got[i].event + ", want " + want[i].event);
    }
    Compare(ParseOrString(want[i].data), ParseOrString(got[i].data), at, differences);
  }
  Compare(ParseOrString(want_summary), ParseOrString(got_summary), "summary", differences);
  return differences;
}

std::vector<std::string> ComparePayload(const std::string& variant, const std::string& expected,
                                        const std::string& actual) {
  if (variant.ends_with("-streaming")) {
    return CompareStream(expected, actual);
  }
  std::vector<std::string> differences;
  Json want = ParseOrString(expected);
  Json got = ParseOrString(actual);
  Compare(want, got, "", differences);
  return differences;
}

// The input a snapshot names: `<stem>.json`, `<stem>.bin` (eventstream) or `<stem>`.
fs::path FindInput(const fs::path& dir, const std::string& stem, const std::string& variant) {
  bool streaming = variant.ends_with("-streaming");
  std::vector<std::string> candidates =
      streaming ? std::vector<std::string>{stem + ".bin", stem + ".json", stem}
                : std::vector<std::string>{stem + ".json", stem + ".bin", stem};
  for (const std::string& name : candidates) {
    if (fs::is_regular_file(dir / name)) {
      return dir / name;
    }
  }
  return {};
}

struct Outcome {
  std::string snapshot;
  std::string variant_key;
  enum { kPassed, kFailed, kNoRunner, kKnownGap } result;
  std::vector<std::string> notes;
};

}  // namespace

TEST_CASE("LLM translation goldens from agentgateway's fixtures") {
  const fs::path root = FixtureRoot();
  REQUIRE(fs::is_directory(root));

  Registry registry;
  RegisterAnthropicVariants(registry);
  RegisterGeminiVariants(registry);
  RegisterBedrockVariants(registry);
  RegisterResponsesVariants(registry);

  std::vector<fs::path> snapshots;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.path().extension() == ".snap") {
      snapshots.push_back(entry.path());
    }
  }
  std::sort(snapshots.begin(), snapshots.end());
  REQUIRE(snapshots.size() > 200);

  std::vector<Outcome> outcomes;
  for (const fs::path& snap : snapshots) {
    Fixture fixture;
    std::string name = snap.stem().string();  // "<stem>.<variant>"
    size_t dot = name.find('.');
    fixture.stem = name.substr(0, dot);
    fixture.variant = name.substr(dot + 1);
    fixture.group = snap.parent_path().filename().string();
    fixture.kind = snap.parent_path().parent_path().filename().string();
    Outcome outcome{fs::relative(snap, root).string(),
                    fixture.kind + "/" + fixture.variant,
                    Outcome::kNoRunner,
                    {}};
    fixture.input = FindInput(snap.parent_path(), fixture.stem, fixture.variant);
    const Runner* runner = registry.Find(fixture);
    if (runner == nullptr || fixture.input.empty()) {
      outcomes.push_back(std::move(outcome));
      continue;
    }
    fixture.bytes = ReadFile(fixture.input);
    std::string expected = SnapshotPayload(ReadFile(snap));
    tl::expected<std::string, std::string> actual;
    try {
      actual = (*runner)(fixture);
    } catch (const std::exception& error) {
      actual = tl::unexpected(std::string("exception: ") + error.what());
    }
    if (!actual) {
      outcome.notes.push_back("runner failed: " + actual.error());
    } else {
      outcome.notes = ComparePayload(fixture.variant, expected, *actual);
    }
    const std::string* gap = registry.GapReason(outcome.snapshot);
    if (outcome.notes.empty()) {
      outcome.result = Outcome::kPassed;
      if (gap != nullptr) {
        outcome.notes.push_back("listed as a known gap but passes: " + *gap);
      }
    } else {
      outcome.result = gap != nullptr ? Outcome::kKnownGap : Outcome::kFailed;
      if (gap != nullptr) {
        outcome.notes.insert(outcome.notes.begin(), "known gap: " + *gap);
      }
    }
    outcomes.push_back(std::move(outcome));
  }

  std::map<std::string, std::pair<int, int>> by_variant;  // passed, total
  int passed = 0;
  for (const Outcome& outcome : outcomes) {
    auto& counts = by_variant[outcome.variant_key];
    ++counts.second;
    if (outcome.result == Outcome::kPassed) {
      ++counts.first;
      ++passed;
    }
  }
  std::ostringstream report;
  report << "LLM fixture goldens: " << passed << "/" << outcomes.size() << " snapshots pass\n";
  for (const auto& [variant, counts] : by_variant) {
    report << "  " << variant << ": " << counts.first << "/" << counts.second << "\n";
  }
  for (const Outcome& outcome : outcomes) {
    if (outcome.result == Outcome::kNoRunner) {
      report << "  not translated yet: " << outcome.snapshot << "\n";
    }
    if (outcome.result == Outcome::kKnownGap) {
      report << "  known gap: " << outcome.snapshot << " (" << outcome.notes.front() << ")\n";
    }
  }
  std::cout << report.str();
  // scripts/test.sh prints the pass count at the end of the run.
  if (const char* path = std::getenv("AGW_LLM_FIXTURES_REPORT")) {
    std::ofstream(path) << "LLM fixture goldens: " << passed << "/" << outcomes.size()
                        << " snapshots pass\n";
  }

  for (const Outcome& outcome : outcomes) {
    bool must_pass = outcome.result == Outcome::kFailed ||
                     (outcome.result == Outcome::kPassed && !outcome.notes.empty());
    if (!must_pass) {
      continue;
    }
    std::string detail;
    for (size_t i = 0; i < outcome.notes.size() && i < 12; ++i) {
      detail += "\n  " + outcome.notes[i];
    }
    FAIL_CHECK(outcome.snapshot << detail);
  }
}

}  // namespace agw::emulator::llm::test
