// An oracle test of policy attachment and local rate limits against the agentgateway controller's
// own golden cases: the xDS `policy` resources it sends the data plane for each AgentgatewayPolicy
// are compared with ResolvedConfig::policies (which targets, per policy) and with ReadLocalRules
// (the `traffic.localRateLimit.rules` it translated `rateLimit.local` into).
//
// The cases are read in place from the shared directory; each is its directory's _defaults.yaml
// plus the case's input documents, resolved with the options of the controller's test for that
// directory (controller.md 10.1).

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "emulator/policy/rate_limit.h"
#include "tests/support/paths.h"
#include "validate/manifest/loader.h"
#include "validate/manifest/yaml_reader.h"
#include "validate/model/model.h"
#include "validate/resolve/resolve.h"

namespace agw::emulator::policy {
namespace {

namespace fs = std::filesystem;
namespace resolve = validate::resolve;
namespace model = validate::model;
namespace manifest = validate::manifest;
// Keys sorted: a target dumped from the golden and one built here compare as text.
using Json = nlohmann::json;

// Cases whose target sets differ from the golden because of a gap in ResolvePolicy, with the exact
// difference: the test fails when a listed case starts to match (take it off the list) or differs
// in another way. "missing" are golden targets ResolvedConfig::policies lacks, "extra" the other
// way round, each line "<namespace>/<policy> <target json>" joined with '\n'.
struct KnownGap {
  const char* file;  // "<directory>/<case>.yaml"
  const char* missing;
  const char* extra;
};

const std::vector<KnownGap> kKnownGaps = {
    // A Gateway targetRef whose Gateway is not in the set: the controller still sends the
    // policy, keyed to that Gateway, while its status says "Gateway ... not found". No listener
    // of ours can match it, so leaving it out changes no request.
    {"frontendpolicy/tls-listener-no-gw.yaml",
     R"(default/tls-policy {"gateway":{"name":"fake-gw","namespace":"default"}})", ""},
    {"trafficpolicy/conditional.yaml",
     R"(default/ext-auth-conditional {"gateway":{"name":"dummy","namespace":"default"}})", ""},
    {"trafficpolicy/delay.yaml",
     R"(default/delay {"gateway":{"name":"dummy","namespace":"default"}})"
     "\n"
     R"(default/delay-conditional {"gateway":{"name":"dummy","namespace":"default"}})",
     ""},
    {"trafficpolicy/gateway-missing-not-attached.yaml",
     R"(default/agw {"gateway":{"name":"fake-gw","namespace":"default"}})", ""},
    {"trafficpolicy/multi-target-missing.yaml",
     R"(default/agw {"gateway":{"name":"not-test","namespace":"default"}})"
     "\n"
     R"(default/agw {"gateway":{"name":"not-test2","namespace":"default"}})",
     ""},

    // A sectionName or port that the existing target does not have: the controller still sends
    // the policy for that listener, port or rule, while its status says "not found". Nothing
    // can match it either.
    {"frontendpolicy/connect-port-missing-not-attached.yaml",
     R"(default/connect-port-policy {"gateway":{"name":"test","namespace":"default","port":9999}})",
     ""},
    {"trafficpolicy/gateway-section-missing-not-attached.yaml",
     R"(default/agw {"gateway":{"listener":"no-such-listener","name":"test",)"
     R"("namespace":"default"}})",
     ""},
    {"trafficpolicy/gateway-selector-section-missing-not-attached.yaml",
     R"(default/agw {"gateway":{"listener":"no-such-listener","name":"labeled-gw",)"
     R"("namespace":"default"}})",
     ""},
    {"trafficpolicy/grpcroute-rule-missing-not-attached.yaml",
     R"(default/agw {"route":{"kind":"GRPCRoute","name":"grpc-named-rules",)"
     R"("namespace":"default","routeRule":"no-such-rule"}})",
     ""},
    {"trafficpolicy/httproute-rule-missing-not-attached.yaml",
     R"(default/agw {"route":{"kind":"HTTPRoute","name":"named-rules","namespace":"default",)"
     R"("routeRule":"no-such-rule"}})",
     ""},
    {"trafficpolicy/listenerset-section-missing-not-attached.yaml",
     R"(default/ls-section-policy {"listenerSet":{"name":"my-listenerset",)"
     R"("namespace":"default","section":"no-such-listener"}})",
     ""},
};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

std::string Join(const std::set<std::string>& lines) {
  std::string joined;
  for (const std::string& line : lines) {
    joined += (joined.empty() ? "" : "\n") + line;
  }
  return joined;
}

// The target of one attached policy in the form the controller gives it in xDS.
Json GoldenTarget(const resolve::AttachedPolicy& attached, const std::string& cluster_domain) {
  Json target;
  const std::string& kind = attached.kind;
  if (kind == "Gateway") {
    target["name"] = attached.name;
    target["namespace"] = attached.namespace_;
    if (attached.section_name) {
      target["listener"] = *attached.section_name;
    }
    if (attached.port) {
      target["port"] = *attached.port;
    }
    return {{"gateway", target}};
  }
  if (kind == "ListenerSet" || kind == "AgentgatewayBackend") {
    target["name"] = attached.name;
    target["namespace"] = attached.namespace_;
    if (attached.section_name) {
      target["section"] = *attached.section_name;
    }
    return {{kind == "ListenerSet" ? "listenerSet" : "backend", target}};
  }
  if (kind == "HTTPRoute" || kind == "GRPCRoute") {
    target["kind"] = kind;
    target["name"] = attached.name;
    target["namespace"] = attached.namespace_;
    if (attached.section_name) {
      target["routeRule"] = *attached.section_name;
    }
    return {{"route", target}};
  }
  if (kind == "Service" || kind == "InferencePool") {
    // A Service by its cluster hostname and the port its sectionName names; an InferencePool
    // by the hostname the controller gives the pool.
    std::string zone = kind == "Service" ? "svc" : "inference";
    target["hostname"] =
        attached.name + "." + attached.namespace_ + "." + zone + "." + cluster_domain;
    target["namespace"] = attached.namespace_;
    if (attached.section_name) {
      target["port"] = std::stoi(*attached.section_name);
    } else if (attached.port) {
      target["port"] = *attached.port;
    }
    return {{"service", target}};
  }
  return {{"unmapped", {{"kind", kind}, {"name", attached.name}}}};
}

std::string TargetLine(const std::string& policy_namespace, const std::string& policy_name,
                       const Json& target) {
  return policy_namespace + "/" + policy_name + " " + target.dump();
}

// The golden's `rules[]` entry as a LocalRule.
LocalRule GoldenRule(const Json& rule) {
  LocalRule parsed;
  parsed.unit = rule.value("type", "REQUEST") == "TOKEN" ? LocalRule::Unit::kTokens
                                                         : LocalRule::Unit::kRequests;
  parsed.per_fill = std::stoll(rule.value("tokensPerFill", "0"));
  parsed.capacity = std::stoll(rule.value("maxTokens", "0"));
  std::string interval = rule.value("fillInterval", "");
  REQUIRE(interval.size() >= 2);
  REQUIRE(interval.back() == 's');
  parsed.interval = std::chrono::seconds(std::stoll(interval.substr(0, interval.size() - 1)));
  return parsed;
}

std::string Describe(const std::vector<LocalRule>& rules) {
  std::string text;
  for (const LocalRule& rule : rules) {
    text += std::string(text.empty() ? "" : ", ") +
            (rule.unit == LocalRule::Unit::kTokens ? "tokens " : "requests ") +
            std::to_string(rule.per_fill) + "/" + std::to_string(rule.capacity) + " per " +
            std::to_string(rule.interval.count()) + "s";
  }
  return "[" + text + "]";
}

struct RateLimitCounts {
  int checked = 0;  // golden localRateLimit blocks compared
  int matched = 0;
  int conditional = 0;  // of them, inside `conditional.policies`
};

struct DirectoryResult {
  std::string directory;
  int cases = 0;           // cases with an AgentgatewayPolicy in their input or output
  int golden_targets = 0;  // (policy, target) pairs in their outputs
  int targets_match = 0;   // of them, whose target sets are equal
  int known_gaps = 0;      // of them, listed in kKnownGaps and differing exactly as listed
  RateLimitCounts rate_limits;
  std::vector<std::string> target_failures;
  std::vector<std::string> rate_limit_failures;
};

struct GoldenDirectory {
  std::string root;
  std::string directory;
  // AGW_BACKEND_REF_GRANT_MODE of the controller's test for this directory.
  std::string backend_ref_grant_mode = "route";
  bool enable_models = false;
  // False where the controller's harness adds objects the case file does not hold (backends/
  // adds a route per backend), so attachment cannot be compared, only translation.
  bool compare_targets = true;
};

const model::AgentgatewayPolicy* FindPolicy(const model::Model& decoded, const std::string& ns,
                                            const std::string& name) {
  for (const model::AgentgatewayPolicy& policy : decoded.policies) {
    if (policy.metadata.namespace_ == ns && policy.metadata.name == name) {
      return &policy;
    }
  }
  return nullptr;
}

// Compares one golden `localRateLimit` block with ReadLocalRules of `local`.
void CompareRules(const std::string& where, const Json& golden, const manifest::Value* local,
                  RateLimitCounts& counts, std::vector<std::string>& failures) {
  ++counts.checked;
  if (local == nullptr) {
    failures.push_back(where + ": the golden has a local rate limit, the input none");
    return;
  }
  std::vector<LocalRule> want;
  for (const Json& rule : golden.value("rules", Json::array())) {
    want.push_back(GoldenRule(rule));
  }
  std::vector<std::string> problems;
  std::vector<LocalRule> got = ReadLocalRules(*local, &problems);
  if (got != want || !problems.empty()) {
    std::string problem_text;
    for (const std::string& problem : problems) {
      problem_text += " (" + problem + ")";
    }
    failures.push_back(where + ": expected " + Describe(want) + ", ReadLocalRules gave " +
                       Describe(got) + problem_text);
    return;
  }
  ++counts.matched;
}

// The golden's local rate limits of one xDS policy against the input AgentgatewayPolicy.
void CompareRateLimits(const std::string& where, const Json& xds,
                       const model::AgentgatewayPolicy* policy, RateLimitCounts& counts,
                       std::vector<std::string>& failures) {
  const manifest::Value* rate_limit = nullptr;
  if (policy != nullptr && policy->traffic && policy->traffic->rate_limit) {
    rate_limit = &*policy->traffic->rate_limit;
  }
  if (xds.contains("traffic") && xds["traffic"].contains("localRateLimit")) {
    CompareRules(where, xds["traffic"]["localRateLimit"],
                 rate_limit == nullptr ? nullptr : rate_limit->Find("local"), counts, failures);
  }
  if (!xds.contains("conditional")) {
    return;
  }
  // `rateLimit.conditional[]`: the entries with a `local` list become, in order, the
  // conditional policies of the rl-local xDS policy (those with only `global` go to rl-global).
  std::vector<const manifest::Value*> input_entries;
  const manifest::Value* conditional =
      rate_limit == nullptr ? nullptr : rate_limit->Find("conditional");
  if (conditional != nullptr) {
    for (const manifest::Value& entry : conditional->items()) {
      const manifest::Value* entry_policy = entry.Find("policy");
      if (entry_policy != nullptr && entry_policy->Find("local") != nullptr) {
        input_entries.push_back(&entry);
      }
    }
  }
  std::size_t next = 0;
  for (const Json& golden : xds["conditional"].value("policies", Json::array())) {
    if (!golden.contains("traffic") || !golden["traffic"].contains("localRateLimit")) {
      continue;
    }
    ++counts.conditional;
    if (next >= input_entries.size()) {
      ++counts.checked;
      failures.push_back(where + ": a conditional local rate limit the input does not have");
      continue;
    }
    const manifest::Value& entry = *input_entries[next++];
    const manifest::Value* condition = entry.Find("condition");
    std::string want_condition = golden.value("condition", "");
    std::string got_condition = condition == nullptr ? "" : condition->text();
    if (want_condition != got_condition) {
      ++counts.checked;
      failures.push_back(where + ": conditional local rate limit for condition \"" +
                         want_condition + "\" found \"" + got_condition + "\" in the input");
      continue;
    }
    CompareRules(where + " [" + want_condition + "]", golden["traffic"]["localRateLimit"],
                 entry.Find("policy")->Find("local"), counts, failures);
  }
}

void RunCase(const fs::path& path, const std::string& defaults, const GoldenDirectory& set,
             DirectoryResult& result) {
  std::string name = set.directory + "/" + path.filename().string();
  std::string text = ReadFile(path);
  std::size_t output = text.find("\n# Output");
  REQUIRE(output != std::string::npos);

  manifest::Manifest loaded;
  manifest::DiagnosticSink sink;
  manifest::LoadOptions load;
  manifest::LoadText(loaded, "_defaults.yaml", defaults, load, sink);
  manifest::LoadText(loaded, path.string(), text.substr(0, output), load, sink);
  model::Model decoded = model::Decode(loaded, sink);
  resolve::ResolveOptions options;
  options.strict_refs = true;  // the goldens hold every object the controller could see
  options.backend_ref_grant_mode = set.backend_ref_grant_mode;
  options.enable_models = set.enable_models;
  resolve::Resolution resolution = resolve::Resolve(decoded, options);

  manifest::SourceFile expected_file("expected", text.substr(output + 1));
  manifest::DiagnosticSink expected_sink;
  std::vector<manifest::Document> documents =
      manifest::ParseDocuments(expected_file, expected_sink);
  REQUIRE(documents.size() == 1);
  Json expected = Json::parse(documents[0].root.ToJson().dump());

  std::set<std::string> want;
  std::set<std::string> rate_limit_keys;  // one xDS policy may go to several Gateways
  for (const Json& entry : expected.value("output", Json::array())) {
    if (!entry.is_object() || !entry.contains("resource") ||
        !entry["resource"].contains("policy")) {
      continue;  // another resource, or an address object
    }
    const Json& xds = entry["resource"]["policy"];
    Json policy_name = xds.value("name", Json::object());
    if (policy_name.value("kind", "") != "AgentgatewayPolicy") {
      continue;  // an InferencePool's, a BackendTLSPolicy's or a backend's inline policies
    }
    std::string ns = policy_name.value("namespace", "");
    std::string policy = policy_name.value("name", "");
    want.insert(TargetLine(ns, policy, xds.value("target", Json())));
    if (rate_limit_keys.insert(xds.value("key", "")).second) {
      CompareRateLimits(name + " " + xds.value("key", ""), xds, FindPolicy(decoded, ns, policy),
                        result.rate_limits, result.rate_limit_failures);
    }
  }
  if (decoded.policies.empty() && want.empty()) {
    return;  // nothing of ours to compare
  }
  ++result.cases;
  result.golden_targets += static_cast<int>(want.size());
  if (!set.compare_targets) {
    return;
  }
  std::set<std::string> got;
  for (const resolve::AttachedPolicy& attached : resolution.config.policies) {
    got.insert(TargetLine(attached.policy->metadata.namespace_, attached.policy->metadata.name,
                          GoldenTarget(attached, options.cluster_domain)));
  }
  std::set<std::string> missing, extra;
  std::set_difference(want.begin(), want.end(), got.begin(), got.end(),
                      std::inserter(missing, missing.end()));
  std::set_difference(got.begin(), got.end(), want.begin(), want.end(),
                      std::inserter(extra, extra.end()));
  const KnownGap* gap = nullptr;
  for (const KnownGap& known : kKnownGaps) {
    if (name == known.file) {
      gap = &known;
    }
  }
  if (gap != nullptr) {
    if (missing.empty() && extra.empty()) {
      result.target_failures.push_back(name + ": matches now; take it off kKnownGaps");
    } else if (Join(missing) != gap->missing || Join(extra) != gap->extra) {
      result.target_failures.push_back(name + ": differs from its kKnownGaps entry:\n    missing " +
                                       Join(missing) + "\n    extra " + Join(extra));
    } else {
      ++result.known_gaps;
    }
    return;
  }
  if (!missing.empty() || !extra.empty()) {
    result.target_failures.push_back(name + ":\n    missing " + Join(missing) + "\n    extra " +
                                     Join(extra));
    return;
  }
  ++result.targets_match;
}

DirectoryResult RunDirectory(const GoldenDirectory& set) {
  fs::path dir = fs::path(test::kSharedDir) / "upstream-testdata" / set.root / set.directory;
  INFO("golden directory " << dir.string());
  REQUIRE(fs::is_directory(dir));
  std::string defaults;
  if (fs::exists(dir / "_defaults.yaml")) {
    defaults = ReadFile(dir / "_defaults.yaml");
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".yaml" && entry.path().filename() != "_defaults.yaml") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  DirectoryResult result;
  result.directory = set.directory;
  for (const fs::path& file : files) {
    RunCase(file, defaults, set, result);
  }
  return result;
}

// Every directory once, shared by the test cases below.
const std::vector<DirectoryResult>& Results() {
  static const std::vector<DirectoryResult> results = [] {
    const std::string translator = "agentgateway-translator-goldens";
    const std::string plugins = "agentgateway-plugins-goldens";
    std::vector<GoldenDirectory> sets = {
        {plugins, "trafficpolicy"},
        {plugins, "backendpolicy"},
        {plugins, "frontendpolicy"},
        {translator, "references"},
        {translator, "references-policy-refgrants", "route-and-policy"},
        {translator, "delegation"},
        {translator, "routes"},
        {translator, "models", "route", /*enable_models=*/true},
        {translator, "backends", "route", false, /*compare_targets=*/false},
    };
    std::vector<DirectoryResult> all;
    for (const GoldenDirectory& set : sets) {
      all.push_back(RunDirectory(set));
    }
    return all;
  }();
  return results;
}

const DirectoryResult& ResultFor(const std::string& directory) {
  for (const DirectoryResult& result : Results()) {
    if (result.directory == directory) {
      return result;
    }
  }
  FAIL("no results for " << directory);
  return Results().front();
}

TEST_CASE("AgentgatewayPolicy targets match the controller goldens", "[goldens]") {
  // Ratchet: cases whose target sets must match, per directory.
  const std::map<std::string, int> minimum = {
      {"trafficpolicy", 54},
      {"backendpolicy", 48},
      {"frontendpolicy", 16},
      {"references", 3},
      {"references-policy-refgrants", 3},
      {"delegation", 0},
      {"routes", 1},
      {"models", 1},
  };
  std::string summary;
  for (const auto& [directory, at_least] : minimum) {
    const DirectoryResult& result = ResultFor(directory);
    summary += "  " + directory + ": " + std::to_string(result.cases) + " cases (" +
               std::to_string(result.golden_targets) + " golden targets), " +
               std::to_string(result.targets_match) + " target sets match, " +
               std::to_string(result.known_gaps) + " known gaps\n";
    for (const std::string& failure : result.target_failures) {
      FAIL_CHECK(failure);
    }
    CHECK(result.targets_match >= at_least);
    CHECK(result.targets_match + result.known_gaps == result.cases);
  }
  WARN("AgentgatewayPolicy targets against the controller goldens:\n" << summary);
}

TEST_CASE("Local rate limits match the controller goldens", "[goldens]") {
  int checked = 0, matched = 0, conditional = 0;
  for (const DirectoryResult& result : Results()) {
    checked += result.rate_limits.checked;
    matched += result.rate_limits.matched;
    conditional += result.rate_limits.conditional;
    for (const std::string& failure : result.rate_limit_failures) {
      FAIL_CHECK(failure);
    }
  }
  WARN("local rate limits: " << matched << "/" << checked << " match (" << conditional
                             << " of them conditional, none skipped)");
  CHECK(matched == checked);
  // local-rl-combined (2 rules, one of tokens), inferencepool-policy-selector, backends/
  // inferencepool-policy, and conditional's two conditional lists.
  CHECK(checked >= 5);
}

}  // namespace
}  // namespace agw::emulator::policy
