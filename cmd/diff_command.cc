// `diff`: what would change on the API server if the NEW manifests replaced the OLD ones
// (validate/diff/resource_diff.h), with kubectl diff's exit codes: 0 no difference, 1 differences,
// 2 or more on error.

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cmd/commands.h"
#include "cmd/diff_sides.h"
#include "cmd/json_output.h"
#include "cmd/pipeline.h"
#include "validate/diff/render.h"

namespace agw::cmd {
namespace {

struct DiffOptions {
  InputFlags inputs;  // -f: the new side
  std::vector<std::string> against;
  std::vector<std::string> positional;  // OLD NEW, as KUBECTL_EXTERNAL_DIFF passes them
  std::string output = "text";          // text, json or markdown
  std::string color = "auto";           // auto, always or never
  ClusterFlags cluster;                 // without --against: the live objects of this cluster
  bool prune = false;                   // with -l: live objects the manifests no longer hold
  std::string selector;
};

bool UseColor(const std::string& setting) {
  if (setting == "always") {
    return true;
  }
  if (setting == "never") {
    return false;
  }
  const char* term = std::getenv("TERM");
  return isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr &&
         (term == nullptr || std::string_view(term) != "dumb");
}

int RunDiff(const DiffOptions& options) {
  validate::manifest::LoadOptions new_load = LoadOptionsFrom(options.inputs);
  validate::manifest::LoadOptions old_load = new_load;
  bool against_cluster = false;
  if (options.positional.size() == 2 && options.inputs.filenames.empty() &&
      options.against.empty()) {
    old_load.paths = {options.positional[0]};
    new_load.paths = {options.positional[1]};
    old_load.any_extension = new_load.any_extension = true;
  } else if (options.positional.empty() && !options.inputs.filenames.empty() &&
             !options.against.empty()) {
    old_load.paths = options.against;
  } else if (options.positional.empty() && !options.inputs.filenames.empty()) {
    against_cluster = true;
  } else {
    std::cerr << "error: give -f NEW... (compared with the cluster), -f NEW... --against "
                 "OLD..., or two paths, OLD NEW\n";
    return kExitUsage;
  }
  if (options.prune && (!against_cluster || options.selector.empty())) {
    std::cerr << "error: --prune compares with the live cluster and needs -l SELECTOR, as "
                 "kubectl apply --prune does\n";
    return kExitUsage;
  }
  Expected<validate::schema::CrdCatalog> catalog = CatalogFrom(options.inputs);
  if (!catalog) {
    std::cerr << "error: " << catalog.error().message << "\n";
    return kExitOperational;
  }
  ComparedSide old_side;
  ComparedSide new_side;
  bool loaded =
      against_cluster
          ? LoadAgainstCluster(new_load, options.inputs, options.cluster,
                               options.prune ? options.selector : "", *catalog, old_side, new_side)
          : LoadBothSides(old_load, new_load, options.inputs, *catalog, old_side, new_side);
  if (!loaded) {
    return kExitOperational;
  }
  validate::diff::ResourceDiff resources =
      validate::diff::DiffResources(old_side.stored, new_side.stored);
  validate::diff::BehaviorDiff behavior =
      validate::diff::DiffBehavior(old_side.behavior, new_side.behavior);
  validate::diff::DiffReport report{resources, behavior};
  if (options.output == "json") {
    std::cout << DumpJson(validate::diff::RenderJson(report)) << "\n";
  } else if (options.output == "markdown") {
    std::cout << validate::diff::RenderMarkdown(report);
  } else {
    std::cout << validate::diff::RenderText(report, UseColor(options.color));
  }
  return report.HasDifferences() ? kExitFindings : kExitClean;
}

}  // namespace

void AddDiffCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<DiffOptions>();
  CLI::App* command = app.add_subcommand(
      "diff",
      "Show what would change if the -f manifests were applied: to the live objects of the "
      "cluster in the kubeconfig context, or with --against to other manifests. Objects added, "
      "removed and changed, field by field (schema defaults applied, server-owned fields "
      "ignored, Secret values hidden, updates the CRDs' transition rules refuse), then which "
      "requests go elsewhere, which status conditions flip and which policies attach or "
      "detach. `diff OLD NEW` compares two folders (usable as KUBECTL_EXTERNAL_DIFF). -f and "
      "--against also take git:REF:PATH; against the cluster, objects that name no namespace go "
      "to the context's namespace unless -n says otherwise. Exit 0: no difference, 1: "
      "differences, 2 or more: error");
  AddInputFlags(*command, options->inputs);
  command->get_option("--filename")->required(false);
  command->add_option("--against", options->against,
                      "File, directory, - (stdin) or git:REF:PATH (read from a commit with git, "
                      "e.g. git:origin/main:manifests/) holding the old manifests; repeatable");
  command
      ->add_option("paths", options->positional,
                   "OLD NEW: two files or directories (git:REF:PATH works here too)")
      ->expected(0, 2);
  command
      ->add_option("-o,--output", options->output,
                   "Output format: text, json, or markdown (a pull-request comment with the field "
                   "changes of each object collapsed)")
      ->check(CLI::IsMember({"text", "json", "markdown"}));
  command
      ->add_option("--color", options->color,
                   "Colour the text output: auto (when stdout is a terminal and NO_COLOR is "
                   "unset), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  AddClusterFlags(*command, options->cluster);
  command->add_flag("--prune", options->prune,
                    "With -l, also show the live objects of the manifests' kinds and namespaces "
                    "that match the selector but are no longer in the manifests (what kubectl "
                    "apply --prune would delete)");
  command->add_option("-l,--selector", options->selector,
                      "Label selector for --prune, e.g. app=llm-gateway");
  command->callback([options, &exit_code] { exit_code = RunDiff(*options); });
}

}  // namespace agw::cmd
