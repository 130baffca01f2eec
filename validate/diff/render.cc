#include "validate/diff/render.h"

#include <algorithm>
#include <map>

namespace agw::validate::diff {
namespace {

using Json = nlohmann::ordered_json;

struct Palette {
  std::string added, removed, changed, heading, reset;

  explicit Palette(bool color) {
    if (!color) {
      return;
    }
    added = "\033[32m";
    removed = "\033[31m";
    changed = "\033[33m";
    heading = "\033[1m";
    reset = "\033[0m";
  }
};

const char* ResourceKindName(ResourceChangeKind kind) {
  switch (kind) {
    case ResourceChangeKind::kAdded:
      return "added";
    case ResourceChangeKind::kRemoved:
      return "removed";
    case ResourceChangeKind::kChanged:
      return "changed";
    case ResourceChangeKind::kUnchanged:
      break;
  }
  return "unchanged";
}

const char* FieldKindName(FieldChangeKind kind) {
  return kind == FieldChangeKind::kAdded     ? "added"
         : kind == FieldChangeKind::kRemoved ? "removed"
                                             : "changed";
}

const char* BehaviorKindName(BehaviorChangeKind kind) {
  return kind == BehaviorChangeKind::kAdded     ? "added"
         : kind == BehaviorChangeKind::kRemoved ? "removed"
                                                : "changed";
}

const char* SectionName(BehaviorSection section) {
  switch (section) {
    case BehaviorSection::kListener:
      return "listener";
    case BehaviorSection::kRoute:
      return "route";
    case BehaviorSection::kCondition:
      return "condition";
    case BehaviorSection::kPolicy:
      break;
  }
  return "policy";
}

char Sign(BehaviorChangeKind kind) {
  return kind == BehaviorChangeKind::kAdded     ? '+'
         : kind == BehaviorChangeKind::kRemoved ? '-'
                                                : '~';
}

std::string OrNone(const std::string& value) { return value.empty() ? "(none)" : value; }

std::string FieldLine(const FieldChange& field) {
  if (field.sensitive) {
    return field.path + ": " + FieldKindName(field.kind);
  }
  return field.path + ": " + OrNone(field.old_value) + " → " + OrNone(field.new_value);
}

std::string DetailLine(const AttributeChange& detail) {
  if (detail.sensitive) {
    return detail.name + ": changed";
  }
  return detail.name + ": " + OrNone(detail.old_value) + " → " + OrNone(detail.new_value);
}

// The destination of an added or removed route on one line per backend (and per provider of a
// group): attributes named "backend X: provider" are gathered into "backend X: provider openai,
// model gpt-4o, ...", "backend X: member: model" into "backend X: member: model ...".
std::vector<std::string> DestinationLines(const std::vector<AttributeChange>& details) {
  std::vector<std::string> lines;
  std::map<std::string, std::size_t> line_of;
  for (const AttributeChange& detail : details) {
    const std::string& value = detail.new_value.empty() ? detail.old_value : detail.new_value;
    std::size_t colon = detail.name.rfind(": ");
    if (colon == std::string::npos) {
      if (detail.name != "route" && detail.name != "backends") {
        lines.push_back(detail.name + " " + value);
      }
      continue;
    }
    std::string owner = detail.name.substr(0, colon);
    std::string item = detail.name.substr(colon + 2) + " " + value;
    auto [at, inserted] = line_of.emplace(owner, lines.size());
    if (inserted) {
      lines.push_back(owner + ": " + item);
    } else {
      lines[at->second] += ", " + item;
    }
  }
  return lines;
}

std::string ValueOf(const std::vector<AttributeChange>& details, const std::string& name) {
  for (const AttributeChange& detail : details) {
    if (detail.name == name) {
      return detail.new_value.empty() ? detail.old_value : detail.new_value;
    }
  }
  return "";
}

void RenderRoute(const BehaviorChange& change, const Palette& palette, std::string& out) {
  const std::string& color = change.kind == BehaviorChangeKind::kAdded     ? palette.added
                             : change.kind == BehaviorChangeKind::kRemoved ? palette.removed
                                                                           : palette.changed;
  out += "    " + color + Sign(change.kind) + " " + change.subject;
  if (change.kind != BehaviorChangeKind::kChanged) {
    out += " → " + ValueOf(change.details, "route") + ": " + ValueOf(change.details, "backends") +
           palette.reset + "\n";
    for (const std::string& line : DestinationLines(change.details)) {
      out += "        " + line + "\n";
    }
    return;
  }
  if (change.details.size() == 1) {
    out += " → " + DetailLine(change.details[0]) + palette.reset + "\n";
    return;
  }
  out += palette.reset + "\n";
  for (const AttributeChange& detail : change.details) {
    out += "        " + DetailLine(detail) + "\n";
  }
}

std::string BehaviorLine(const BehaviorChange& change) {
  switch (change.section) {
    case BehaviorSection::kListener:
      return change.scope;
    case BehaviorSection::kPolicy:
      return change.scope +
             (change.kind == BehaviorChangeKind::kAdded ? " attached to " : " detached from ") +
             change.subject;
    case BehaviorSection::kCondition: {
      const AttributeChange& detail = change.details.at(0);
      // A condition that appears or goes away is stated, not shown as a transition from nothing.
      if (change.kind == BehaviorChangeKind::kAdded) {
        return change.scope + ": " + detail.name + " " + detail.new_value;
      }
      if (change.kind == BehaviorChangeKind::kRemoved) {
        return change.scope + ": " + detail.name + " " + detail.old_value + " no longer reported";
      }
      return change.scope + ": " + DetailLine(detail);
    }
    case BehaviorSection::kRoute:
      break;
  }
  return change.scope + " " + change.subject;
}

}  // namespace

std::string Summary(const ResourceDiff& diff) {
  return std::to_string(diff.added) + " added, " + std::to_string(diff.removed) + " removed, " +
         std::to_string(diff.changed) + " changed, " + std::to_string(diff.unchanged) +
         " unchanged";
}

std::string RenderText(const DiffReport& report, bool color) {
  Palette palette(color);
  std::string out;
  for (const ResourceChange& resource : report.resources.resources) {
    switch (resource.kind) {
      case ResourceChangeKind::kUnchanged:
        continue;
      case ResourceChangeKind::kAdded:
        out += palette.added + "+ " + resource.id.ToString() + palette.reset + "\n";
        break;
      case ResourceChangeKind::kRemoved:
        out += palette.removed + "- " + resource.id.ToString() + palette.reset + "\n";
        break;
      case ResourceChangeKind::kChanged:
        out += palette.changed + "~ " + resource.id.ToString() + palette.reset + "\n";
        break;
    }
    for (const FieldChange& field : resource.fields) {
      out += "    " + FieldLine(field) + "\n";
    }
    for (const std::string& refusal : resource.refused) {
      out += "    " + palette.removed + "! the API server would refuse this update: " + refusal +
             palette.reset + "\n";
    }
  }
  const std::vector<BehaviorChange>& changes = report.behavior.changes;
  auto section = [&](BehaviorSection wanted, const char* heading) {
    bool first = true;
    std::string listener;
    for (const BehaviorChange& change : changes) {
      if (change.section != wanted &&
          !(wanted == BehaviorSection::kRoute && change.section == BehaviorSection::kListener)) {
        continue;
      }
      if (first) {
        out += palette.heading + heading + palette.reset + "\n";
        first = false;
      }
      if (change.section == BehaviorSection::kRoute) {
        if (change.scope != listener) {
          listener = change.scope;
          out += "  " + listener + "\n";
        }
        RenderRoute(change, palette, out);
        continue;
      }
      const std::string& tint = change.kind == BehaviorChangeKind::kAdded     ? palette.added
                                : change.kind == BehaviorChangeKind::kRemoved ? palette.removed
                                                                              : palette.changed;
      out += "  " + tint + Sign(change.kind) + " " + BehaviorLine(change) + palette.reset + "\n";
    }
  };
  section(BehaviorSection::kRoute, "Routing:");
  section(BehaviorSection::kCondition, "Status:");
  section(BehaviorSection::kPolicy, "Policies:");
  return out + Summary(report.resources) + "\n";
}

Json RenderJson(const DiffReport& report) {
  Json resources = Json::array();
  for (const ResourceChange& resource : report.resources.resources) {
    if (resource.kind == ResourceChangeKind::kUnchanged) {
      continue;
    }
    Json entry;
    entry["change"] = ResourceKindName(resource.kind);
    entry["group"] = resource.id.group;
    entry["kind"] = resource.id.kind;
    entry["namespace"] = resource.id.namespace_;
    entry["name"] = resource.id.name;
    if (resource.kind == ResourceChangeKind::kChanged) {
      Json fields = Json::array();
      for (const FieldChange& field : resource.fields) {
        Json item;
        item["path"] = field.path;
        item["change"] = FieldKindName(field.kind);
        if (field.sensitive) {
          item["sensitive"] = true;
        } else {
          if (!field.old_value.empty()) {
            item["old"] = field.old_value;
          }
          if (!field.new_value.empty()) {
            item["new"] = field.new_value;
          }
        }
        fields.push_back(std::move(item));
      }
      entry["fields"] = std::move(fields);
      if (!resource.refused.empty()) {
        entry["refused"] = resource.refused;
      }
    }
    resources.push_back(std::move(entry));
  }
  Json behavior = Json::array();
  for (const BehaviorChange& change : report.behavior.changes) {
    Json entry;
    entry["section"] = SectionName(change.section);
    entry["change"] = BehaviorKindName(change.kind);
    entry["scope"] = change.scope;
    if (!change.subject.empty()) {
      entry["subject"] = change.subject;
    }
    Json details = Json::array();
    for (const AttributeChange& detail : change.details) {
      Json item;
      item["name"] = detail.name;
      if (detail.sensitive) {
        item["sensitive"] = true;
      } else {
        if (!detail.old_value.empty()) {
          item["old"] = detail.old_value;
        }
        if (!detail.new_value.empty()) {
          item["new"] = detail.new_value;
        }
      }
      details.push_back(std::move(item));
    }
    if (!details.empty()) {
      entry["details"] = std::move(details);
    }
    behavior.push_back(std::move(entry));
  }
  const ResourceDiff& diff = report.resources;
  Json out;
  out["differences"] = report.HasDifferences();
  out["summary"] = {{"added", diff.added},
                    {"removed", diff.removed},
                    {"changed", diff.changed},
                    {"unchanged", diff.unchanged}};
  out["resources"] = std::move(resources);
  out["behavior"] = std::move(behavior);
  return out;
}

namespace {

// A value inside Markdown: as code (a double-backtick span when it holds a backtick), with
// pipes escaped and line breaks as spaces.
std::string Code(const std::string& text) {
  std::string fence = text.find('`') == std::string::npos ? "`" : "`` ";
  std::string out = fence;
  for (char c : text) {
    if (c == '|') {
      out += '\\';
    }
    out += c == '\n' ? ' ' : c;
  }
  return out + (fence == "`" ? "`" : " ``");
}

std::string MarkdownDetail(const AttributeChange& detail) {
  if (detail.sensitive) {
    return detail.name + ": changed";
  }
  return detail.name + ": " + (detail.old_value.empty() ? "(none)" : Code(detail.old_value)) +
         " → " + (detail.new_value.empty() ? "(none)" : Code(detail.new_value));
}

}  // namespace

std::string RenderMarkdown(const DiffReport& report) {
  std::string out = "#### kubectl agentgateway diff: " + Summary(report.resources) + "\n";
  const std::vector<BehaviorChange>& changes = report.behavior.changes;
  auto section = [&](std::initializer_list<BehaviorSection> wanted, const char* heading) {
    bool first = true;
    for (const BehaviorChange& change : changes) {
      if (std::find(wanted.begin(), wanted.end(), change.section) == wanted.end()) {
        continue;
      }
      if (first) {
        out += std::string("\n**") + heading + "**\n\n";
        first = false;
      }
      std::string verb = BehaviorKindName(change.kind);
      switch (change.section) {
        case BehaviorSection::kListener:
          out += "- listener " + verb + ": " + Code(change.scope) + "\n";
          break;
        case BehaviorSection::kPolicy:
          out += "- " + Code(change.scope) +
                 (change.kind == BehaviorChangeKind::kAdded ? " attached to " : " detached from ") +
                 Code(change.subject) + "\n";
          break;
        case BehaviorSection::kCondition:
          out += "- " + Code(change.scope) + ": " + MarkdownDetail(change.details.at(0)) + "\n";
          break;
        case BehaviorSection::kRoute:
          out += "- " + verb + ": " + Code(change.subject) + " on " + Code(change.scope);
          if (change.kind != BehaviorChangeKind::kChanged) {
            out += " → " +
                   Code(ValueOf(change.details, "route") + ": " +
                        ValueOf(change.details, "backends")) +
                   "\n";
            for (const std::string& line : DestinationLines(change.details)) {
              out += "  - " + Code(line) + "\n";
            }
          } else {
            out += "\n";
            for (const AttributeChange& detail : change.details) {
              out += "  - " + MarkdownDetail(detail) + "\n";
            }
          }
          break;
      }
    }
  };
  section({BehaviorSection::kListener, BehaviorSection::kRoute}, "Routing");
  section({BehaviorSection::kCondition}, "Status");
  section({BehaviorSection::kPolicy}, "Policies");

  bool first_resource = true;
  for (const ResourceChange& resource : report.resources.resources) {
    if (resource.kind == ResourceChangeKind::kUnchanged) {
      continue;
    }
    if (first_resource) {
      out += "\n**Resources**\n";
      first_resource = false;
    }
    std::string title =
        std::string(ResourceKindName(resource.kind)) + ": " + Code(resource.id.ToString());
    if (resource.kind != ResourceChangeKind::kChanged) {
      out += "\n- " + title + "\n";
      continue;
    }
    out += "\n<details><summary>" + title + " (" + std::to_string(resource.fields.size()) +
           (resource.fields.size() == 1 ? " field" : " fields") +
           ")</summary>\n\n| field | old | new |\n| --- | --- | --- |\n";
    for (const FieldChange& field : resource.fields) {
      std::string old_value = field.sensitive ? "(hidden)" : field.old_value;
      std::string new_value = field.sensitive ? "(hidden)" : field.new_value;
      out += "| " + Code(field.path) + " | " +
             (old_value.empty() ? std::string("(none)") : Code(old_value)) + " | " +
             (new_value.empty() ? std::string("(none)") : Code(new_value)) + " |\n";
    }
    for (const std::string& refusal : resource.refused) {
      out += "\n**The API server would refuse this update:** " + Code(refusal) + "\n";
    }
    out += "\n</details>\n";
  }
  return out;
}

}  // namespace agw::validate::diff
