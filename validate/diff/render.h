#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "validate/diff/behavior_diff.h"
#include "validate/diff/resource_diff.h"

// How `kubectl agentgateway diff` shows its two diffs: text for a terminal, JSON for tools,
// Markdown for a pull-request comment. Secret values never reach any of them: the diffs hold
// none, and sensitive fields render as "changed".
namespace agw::validate::diff {

struct DiffReport {
  const ResourceDiff& resources;
  const BehaviorDiff& behavior;

  bool HasDifferences() const { return resources.HasDifferences() || behavior.HasDifferences(); }
};

// One line per object that differs (`+`, `-`, `~`) with its field changes indented below, then
// the routing, status and policy changes, then the summary line. `color` adds ANSI colours
// (added green, removed red, changed yellow, headings bold).
std::string RenderText(const DiffReport& report, bool color);

// {"differences", "summary", "resources": [...], "behavior": [...]}.
nlohmann::ordered_json RenderJson(const DiffReport& report);

// A heading with the summary, the behaviour changes as lists, and each object's field changes
// in a collapsed <details> table.
std::string RenderMarkdown(const DiffReport& report);

// "3 added, 1 removed, 2 changed, 10 unchanged".
std::string Summary(const ResourceDiff& diff);

}  // namespace agw::validate::diff
