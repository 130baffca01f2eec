// `diff`: what would change on the API server if the NEW manifests replaced the OLD ones
// (validate/diff/resource_diff.h), with kubectl diff's exit codes: 0 no difference, 1 differences,
// 2 or more on error.

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cmd/commands.h"
#include "cmd/json_output.h"
#include "cmd/pipeline.h"
#include "validate/diff/resource_diff.h"
#include "validate/manifest/file_system.h"

namespace agw::cmd {
namespace {

struct DiffOptions {
  InputFlags inputs;  // -f: the new side
  std::vector<std::string> against;
  std::vector<std::string> positional;  // OLD NEW, as KUBECTL_EXTERNAL_DIFF passes them
  std::string output = "text";          // text, json or markdown
};

// One side loaded; the manifest owns the text that findings point into.
struct LoadedSide {
  manifest::Manifest manifest;
  diff::Side side;
};

// Loads and stores one side. Prints what went wrong and returns null when it cannot be compared.
std::unique_ptr<LoadedSide> LoadSide(manifest::LoadOptions load, const std::string& label,
                                     const schema::CrdCatalog& catalog) {
  auto loaded = std::make_unique<LoadedSide>();
  manifest::DiskFileSystem disk;
  manifest::DiagnosticSink load_sink;
  loaded->manifest = manifest::Load(load, disk, load_sink);
  for (const Error& error : loaded->manifest.unreadable) {
    std::cerr << "error: " << error.message << "\n";
  }
  if (load_sink.HasErrors()) {
    manifest::SortDiagnostics(load_sink.mutable_diagnostics(), loaded->manifest.FileOrder());
    std::cerr << manifest::RenderText(load_sink.diagnostics(), manifest::Severity::kError);
  }
  if (!loaded->manifest.unreadable.empty() || load_sink.HasErrors()) {
    return nullptr;
  }
  manifest::DiagnosticSink admission_sink;
  loaded->side = diff::StoreSide(loaded->manifest, catalog, admission_sink);
  if (int errors = admission_sink.Count(manifest::Severity::kError); errors > 0) {
    std::cerr << "warning: " << label << ": the API server would refuse these objects (" << errors
              << (errors == 1 ? " error" : " errors")
              << "); `kubectl agentgateway validate` says why\n";
  }
  return loaded;
}

const char* KindName(diff::ResourceChangeKind kind) {
  switch (kind) {
    case diff::ResourceChangeKind::kAdded:
      return "added";
    case diff::ResourceChangeKind::kRemoved:
      return "removed";
    case diff::ResourceChangeKind::kChanged:
      return "changed";
    case diff::ResourceChangeKind::kUnchanged:
      break;
  }
  return "unchanged";
}

const char* FieldKindName(diff::FieldChangeKind kind) {
  return kind == diff::FieldChangeKind::kAdded     ? "added"
         : kind == diff::FieldChangeKind::kRemoved ? "removed"
                                                   : "changed";
}

std::string Summary(const diff::ResourceDiff& diff) {
  return std::to_string(diff.added) + " added, " + std::to_string(diff.removed) + " removed, " +
         std::to_string(diff.changed) + " changed, " + std::to_string(diff.unchanged) +
         " unchanged";
}

// Every object that differs, with its fields; values as the text form shows them (JSON text of
// scalars, summaries of collections), absent for a missing side and for Secret values.
std::string RenderJson(const diff::ResourceDiff& diff) {
  nlohmann::ordered_json resources = nlohmann::ordered_json::array();
  for (const diff::ResourceChange& resource : diff.resources) {
    if (resource.kind == diff::ResourceChangeKind::kUnchanged) continue;
    nlohmann::ordered_json entry;
    entry["change"] = KindName(resource.kind);
    entry["group"] = resource.id.group;
    entry["kind"] = resource.id.kind;
    entry["namespace"] = resource.id.namespace_;
    entry["name"] = resource.id.name;
    nlohmann::ordered_json fields = nlohmann::ordered_json::array();
    for (const diff::FieldChange& field : resource.fields) {
      nlohmann::ordered_json item;
      item["path"] = field.path;
      item["change"] = FieldKindName(field.kind);
      if (field.sensitive) {
        item["sensitive"] = true;
      } else {
        if (!field.old_value.empty()) item["old"] = field.old_value;
        if (!field.new_value.empty()) item["new"] = field.new_value;
      }
      fields.push_back(std::move(item));
    }
    if (resource.kind == diff::ResourceChangeKind::kChanged) entry["fields"] = std::move(fields);
    resources.push_back(std::move(entry));
  }
  nlohmann::ordered_json out;
  out["differences"] = diff.HasDifferences();
  out["summary"] = {{"added", diff.added},
                    {"removed", diff.removed},
                    {"changed", diff.changed},
                    {"unchanged", diff.unchanged}};
  out["resources"] = std::move(resources);
  return DumpJson(out) + "\n";
}

// A value inside a Markdown table cell: as code (a double-backtick span when it holds a
// backtick), with pipes escaped and line breaks as spaces.
std::string Cell(const std::string& text) {
  std::string fence = text.find('`') == std::string::npos ? "`" : "`` ";
  std::string out = fence;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out + (fence == "`" ? "`" : " ``");
}

// For a pull-request comment: the summary, then each object that differs, its field changes
// in a collapsed table.
std::string RenderMarkdown(const diff::ResourceDiff& diff) {
  std::string out = "#### kubectl agentgateway diff: " + Summary(diff) + "\n";
  for (const diff::ResourceChange& resource : diff.resources) {
    if (resource.kind == diff::ResourceChangeKind::kUnchanged) continue;
    std::string title = std::string(KindName(resource.kind)) + ": " + Cell(resource.id.ToString());
    if (resource.kind != diff::ResourceChangeKind::kChanged) {
      out += "\n- " + title + "\n";
      continue;
    }
    out += "\n<details><summary>" + title + " (" + std::to_string(resource.fields.size()) +
           (resource.fields.size() == 1 ? " field" : " fields") +
           ")</summary>\n\n| field | old | new |\n| --- | --- | --- |\n";
    for (const diff::FieldChange& field : resource.fields) {
      std::string old_value = field.sensitive ? "(hidden)" : field.old_value;
      std::string new_value = field.sensitive ? "(hidden)" : field.new_value;
      out += "| " + Cell(field.path) + " | " +
             (old_value.empty() ? std::string("(none)") : Cell(old_value)) + " | " +
             (new_value.empty() ? std::string("(none)") : Cell(new_value)) + " |\n";
    }
    out += "\n</details>\n";
  }
  return out;
}

std::string FieldLine(const diff::FieldChange& field) {
  if (field.sensitive) {
    const char* what = field.kind == diff::FieldChangeKind::kAdded     ? "added"
                       : field.kind == diff::FieldChangeKind::kRemoved ? "removed"
                                                                       : "changed";
    return field.path + ": " + what;
  }
  auto or_none = [](const std::string& value) { return value.empty() ? "(none)" : value; };
  return field.path + ": " + or_none(field.old_value) + " → " + or_none(field.new_value);
}

std::string RenderText(const diff::ResourceDiff& diff) {
  std::string out;
  for (const diff::ResourceChange& resource : diff.resources) {
    switch (resource.kind) {
      case diff::ResourceChangeKind::kUnchanged:
        continue;
      case diff::ResourceChangeKind::kAdded:
        out += "+ " + resource.id.ToString() + "\n";
        break;
      case diff::ResourceChangeKind::kRemoved:
        out += "- " + resource.id.ToString() + "\n";
        break;
      case diff::ResourceChangeKind::kChanged:
        out += "~ " + resource.id.ToString() + "\n";
        break;
    }
    for (const diff::FieldChange& field : resource.fields) {
      out += "    " + FieldLine(field) + "\n";
    }
  }
  return out + Summary(diff) + "\n";
}

int RunDiff(const DiffOptions& options) {
  manifest::LoadOptions new_load = LoadOptionsFrom(options.inputs);
  manifest::LoadOptions old_load = new_load;
  if (options.positional.size() == 2 && options.inputs.filenames.empty() &&
      options.against.empty()) {
    old_load.paths = {options.positional[0]};
    new_load.paths = {options.positional[1]};
    old_load.any_extension = new_load.any_extension = true;
  } else if (options.positional.empty() && !options.inputs.filenames.empty() &&
             !options.against.empty()) {
    old_load.paths = options.against;
  } else if (options.positional.empty() && !options.inputs.filenames.empty()) {
    std::cerr << "error: comparing with the live cluster is not supported yet: give the old "
                 "manifests with --against\n";
    return kExitUsage;
  } else {
    std::cerr << "error: give either -f NEW... --against OLD... or two paths, OLD NEW\n";
    return kExitUsage;
  }
  Expected<schema::CrdCatalog> catalog = CatalogFrom(options.inputs);
  if (!catalog) {
    std::cerr << "error: " << catalog.error().message << "\n";
    return kExitOperational;
  }
  std::unique_ptr<LoadedSide> old_side = LoadSide(old_load, "old", *catalog);
  std::unique_ptr<LoadedSide> new_side = LoadSide(new_load, "new", *catalog);
  if (old_side == nullptr || new_side == nullptr) {
    return kExitOperational;
  }
  diff::ResourceDiff diff = diff::DiffResources(old_side->side, new_side->side);
  if (options.output == "json") {
    std::cout << RenderJson(diff);
  } else if (options.output == "markdown") {
    std::cout << RenderMarkdown(diff);
  } else {
    std::cout << RenderText(diff);
  }
  return diff.HasDifferences() ? kExitFindings : kExitClean;
}

}  // namespace

void AddDiffCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<DiffOptions>();
  CLI::App* command = app.add_subcommand(
      "diff",
      "Show what would change on the API server if the -f manifests replaced the --against "
      "ones: objects added, removed and changed, field by field, with schema defaults applied "
      "and server-owned fields ignored. `diff OLD NEW` does the same (usable as "
      "KUBECTL_EXTERNAL_DIFF). Exit 0: no difference, 1: differences, 2 or more: error");
  AddInputFlags(*command, options->inputs);
  command->get_option("--filename")->required(false);
  command->add_option("--against", options->against,
                      "File, directory or - (stdin) holding the old manifests; repeatable");
  command->add_option("paths", options->positional, "OLD NEW: two files or directories")
      ->expected(0, 2);
  command
      ->add_option("-o,--output", options->output,
                   "Output format: text, json, or markdown (a pull-request comment with the field "
                   "changes of each object collapsed)")
      ->check(CLI::IsMember({"text", "json", "markdown"}));
  command->callback([options, &exit_code] { exit_code = RunDiff(*options); });
}

}  // namespace agw::cmd
