#include "validate/diff/behavior_diff.h"

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "tests/resolve/fixture.h"
#include "validate/manifest/file_system.h"
#include "validate/resolve/pipeline.h"

namespace agw::validate::diff {
namespace {

using validate::resolve::test::kGateway;  // one HTTP listener, port 80

std::string Backend(const std::string& name, const std::string& provider,
                    const std::string& model) {
  return "---\napiVersion: agentgateway.dev/v1alpha1\nkind: AgentgatewayBackend\nmetadata:\n"
         "  name: " +
         name + "\nspec:\n  ai:\n    provider:\n      " + provider + ":\n        model: " + model +
         "\n  policies:\n    auth:\n      secretRef:\n        name: " + name + "-key\n";
}

std::string Secret(const std::string& name, const std::string& value) {
  return "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: " + name +
         "\nstringData:\n  Authorization: " + value + "\n";
}

// A route for `prefix` to `backends` ("name" or "name:weight" items).
std::string Route(const std::string& name, const std::string& prefix,
                  const std::vector<std::string>& backends, const std::string& section = "") {
  std::string text =
      "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
      "metadata:\n  name: " +
      name + "\nspec:\n  parentRefs:\n  - name: gw\n";
  if (!section.empty()) {
    text += "    sectionName: " + section + "\n";
  }
  text +=
      "  rules:\n  - matches:\n    - path:\n        type: PathPrefix\n        value: " + prefix +
      "\n    backendRefs:\n";
  for (const std::string& backend : backends) {
    std::size_t colon = backend.find(':');
    text += "    - group: agentgateway.dev\n      kind: AgentgatewayBackend\n      name: " +
            backend.substr(0, colon) + "\n";
    if (colon != std::string::npos) {
      text += "      weight: " + backend.substr(colon + 1) + "\n";
    }
  }
  return text;
}

// What one manifest text does; the pipeline is dropped, the Behavior owns its text.
Behavior BehaviorOf(const std::string& manifest) {
  validate::manifest::InMemoryFileSystem files;
  files.AddFile("in.yaml", manifest);
  validate::manifest::LoadOptions load;
  load.paths = {"in.yaml"};
  std::unique_ptr<validate::resolve::Pipeline> pipeline =
      validate::resolve::RunPipeline(load, files, validate::resolve::ResolveOptions{});
  return DescribeBehavior(pipeline->model, pipeline->resolution);
}

std::string Base() {
  return std::string(kGateway) + Backend("claude", "anthropic", "claude-haiku-4-5") +
         Secret("claude-key", "one") + Route("anthropic", "/anthropic", {"claude"});
}

constexpr char kListener[] = "Gateway default/gw, listener http (port 80)";

TEST_CASE("The same manifests behave the same") {
  CHECK_FALSE(DiffBehavior(BehaviorOf(Base()), BehaviorOf(Base())).HasDifferences());
}

TEST_CASE("A model change is one changed attribute of the request shape it serves") {
  std::string changed = Base();
  changed.replace(changed.find("claude-haiku-4-5"), 16, "claude-sonnet-4-5");
  BehaviorDiff diff = DiffBehavior(BehaviorOf(Base()), BehaviorOf(changed));
  REQUIRE(diff.changes.size() == 1);
  const BehaviorChange& change = diff.changes[0];
  CHECK(change.section == BehaviorSection::kRoute);
  CHECK(change.kind == BehaviorChangeKind::kChanged);
  CHECK(change.scope == kListener);
  CHECK(change.subject == "*/anthropic/*");
  REQUIRE(change.details.size() == 1);
  CHECK(change.details[0].name == "backend claude: model");
  CHECK(change.details[0].old_value == "claude-haiku-4-5");
  CHECK(change.details[0].new_value == "claude-sonnet-4-5");
}

TEST_CASE("A provider swap changes provider model and upstream") {
  std::string swapped = std::string(kGateway) + Backend("claude", "openai", "gpt-4o") +
                        Secret("claude-key", "one") + Route("anthropic", "/anthropic", {"claude"});
  BehaviorDiff diff = DiffBehavior(BehaviorOf(Base()), BehaviorOf(swapped));
  REQUIRE(diff.changes.size() == 1);
  std::vector<std::string> lines;
  for (const AttributeChange& detail : diff.changes[0].details) {
    lines.push_back(detail.name + ": " + detail.old_value + " -> " + detail.new_value);
  }
  CHECK(lines == std::vector<std::string>{
                     "backend claude: provider: anthropic -> openai",
                     "backend claude: model: claude-haiku-4-5 -> gpt-4o",
                     "backend claude: upstream: https://api.anthropic.com/v1/messages -> "
                     "https://api.openai.com/v1/chat/completions"});
}

TEST_CASE("A weight change shows the new traffic shares") {
  std::string two = std::string(kGateway) + Backend("a", "openai", "gpt-4o") +
                    Backend("b", "openai", "gpt-4o-mini");
  BehaviorDiff diff = DiffBehavior(BehaviorOf(two + Route("r", "/v1", {"a:1", "b:1"})),
                                   BehaviorOf(two + Route("r", "/v1", {"a:1", "b:3"})));
  REQUIRE(diff.changes.size() == 1);
  REQUIRE(diff.changes[0].details.size() == 1);
  CHECK(diff.changes[0].details[0].name == "backends");
  CHECK(diff.changes[0].details[0].old_value == "a 50%, b 50%");
  CHECK(diff.changes[0].details[0].new_value == "a 25%, b 75%");
}

TEST_CASE("A rotated key is a sensitive change without values") {
  std::string rotated = Base();
  rotated.replace(rotated.find("Authorization: one"), 18, "Authorization: two");
  BehaviorDiff diff = DiffBehavior(BehaviorOf(Base()), BehaviorOf(rotated));
  REQUIRE(diff.changes.size() == 1);
  REQUIRE(diff.changes[0].details.size() == 1);
  const AttributeChange& detail = diff.changes[0].details[0];
  CHECK(detail.name == "backend claude: credential");
  CHECK(detail.sensitive);
  CHECK(detail.old_value.empty());
  CHECK(detail.new_value.empty());
}

TEST_CASE("A sectionName typo removes the route entry and flips Accepted") {
  std::string base = std::string(kGateway) + Backend("claude", "anthropic", "claude-haiku-4-5") +
                     Route("anthropic", "/anthropic", {"claude"}, "http");
  std::string typo = std::string(kGateway) + Backend("claude", "anthropic", "claude-haiku-4-5") +
                     Route("anthropic", "/anthropic", {"claude"}, "htp");
  BehaviorDiff diff = DiffBehavior(BehaviorOf(base), BehaviorOf(typo));
  std::vector<std::string> lines;
  for (const BehaviorChange& change : diff.changes) {
    std::string line = std::to_string(static_cast<int>(change.section)) +
                       std::to_string(static_cast<int>(change.kind)) + " " + change.scope + " | " +
                       change.subject;
    for (const AttributeChange& detail : change.details) {
      if (detail.name == "Accepted" || detail.name == "ResolvedRefs" || detail.name == "route") {
        line += " | " + detail.name + ": " + detail.old_value + " -> " + detail.new_value;
      }
    }
    lines.push_back(line);
  }
  // kRoute=1 kRemoved=1; kCondition=2: the old parent entry (Accepted True) is gone and a new
  // one, keyed by the misspelt section, is not Accepted.
  CHECK(lines ==
        std::vector<std::string>{
            "11 Gateway default/gw, listener http (port 80) | */anthropic/* | route: HTTPRoute "
            "default/anthropic rule 0 -> ",
            "20 HTTPRoute default/anthropic, parent Gateway default/gw (section htp) | Accepted | "
            "Accepted:  -> False (NoMatchingParent): sectionName \"htp\" not found"});
}

TEST_CASE("A policy attached to a route is a policy change") {
  std::string policy =
      "---\napiVersion: agentgateway.dev/v1alpha1\nkind: AgentgatewayPolicy\nmetadata:\n"
      "  name: slow\nspec:\n  targetRefs:\n  - group: gateway.networking.k8s.io\n"
      "    kind: HTTPRoute\n    name: anthropic\n  traffic:\n    timeouts:\n"
      "      request: 120s\n";
  BehaviorDiff diff = DiffBehavior(BehaviorOf(Base()), BehaviorOf(Base() + policy));
  REQUIRE(diff.changes.size() == 1);
  CHECK(diff.changes[0].section == BehaviorSection::kPolicy);
  CHECK(diff.changes[0].kind == BehaviorChangeKind::kAdded);
  CHECK(diff.changes[0].scope == "AgentgatewayPolicy default/slow");
  CHECK(diff.changes[0].subject == "HTTPRoute default/anthropic on Gateway default/gw");
}

TEST_CASE("Conditions that appear True are not news but ones that appear False are") {
  Behavior old_side;
  Behavior new_side;
  new_side.conditions[{"HTTPRoute default/a, parent Gateway default/gw", "Accepted"}] = {
      "HTTPRoute default/a, parent Gateway default/gw", "Accepted", "True", "Accepted", ""};
  new_side.conditions[{"HTTPRoute default/b, parent Gateway default/gw", "ResolvedRefs"}] = {
      "HTTPRoute default/b, parent Gateway default/gw", "ResolvedRefs", "False", "BackendNotFound",
      "backend missing"};
  BehaviorDiff diff = DiffBehavior(old_side, new_side);
  REQUIRE(diff.changes.size() == 1);
  CHECK(diff.changes[0].scope == "HTTPRoute default/b, parent Gateway default/gw");
  CHECK(diff.changes[0].details[0].new_value == "False (BackendNotFound): backend missing");
  // And the other way round: a problem that goes away is reported once.
  BehaviorDiff back = DiffBehavior(new_side, old_side);
  REQUIRE(back.changes.size() == 1);
  CHECK(back.changes[0].kind == BehaviorChangeKind::kRemoved);
}

}  // namespace
}  // namespace agw::validate::diff
