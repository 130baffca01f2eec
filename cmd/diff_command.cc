// `diff`: what would change on the API server if the NEW manifests replaced the OLD ones
// (validate/diff/resource_diff.h), with kubectl diff's exit codes: 0 no difference, 1 differences,
// 2 or more on error.

#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cmd/commands.h"
#include "cmd/json_output.h"
#include "cmd/pipeline.h"
#include "validate/cluster/live_objects.h"
#include "validate/diff/behavior_diff.h"
#include "validate/diff/render.h"
#include "validate/diff/resource_diff.h"
#include "validate/manifest/file_system.h"
#include "validate/manifest/git_file_system.h"

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

// One side through the whole control-plane chain: what the API server stores (resource diff)
// and what the controller makes of it (behaviour diff).
struct ComparedSide {
  std::unique_ptr<validate::resolve::Pipeline> pipeline;
  validate::diff::Side stored;
  validate::diff::Behavior behavior;
  std::string messages;  // what to tell the user on stderr
  bool usable = false;   // false: unreadable inputs or YAML that does not parse
};

// Loads, admits and resolves one side. Thread-safe (the two sides load in parallel), so it
// writes nothing itself: its messages are printed by the caller, in order.
void LoadSide(const validate::manifest::LoadOptions& load, const std::string& label,
              const InputFlags& flags, const validate::schema::CrdCatalog& catalog,
              const validate::manifest::FileSystem& files, ComparedSide& side) {
  side.pipeline = validate::resolve::RunPipeline(load, files, ResolveOptionsFrom(flags), catalog,
                                                 /*keep_stored_objects=*/true);
  validate::resolve::Pipeline& pipeline = *side.pipeline;
  for (const Error& error : pipeline.manifest.unreadable) {
    side.messages += "error: " + error.message + "\n";
  }
  if (!pipeline.manifest.unreadable.empty()) {
    return;
  }
  if (pipeline.load_errors > 0) {
    side.messages += validate::manifest::RenderText(pipeline.sink.diagnostics(),
                                                    validate::manifest::Severity::kError);
    return;
  }
  if (int errors = pipeline.input_errors; errors > 0) {
    side.messages += "warning: " + label + ": the API server would refuse these objects (" +
                     std::to_string(errors) + (errors == 1 ? " error" : " errors") +
                     "); `kubectl agentgateway validate` says why\n";
  }
  side.stored =
      validate::diff::StoreSide(pipeline.manifest, std::move(pipeline.stored_objects), catalog);
  side.behavior = validate::diff::DescribeBehavior(pipeline.model, pipeline.resolution);
  side.usable = true;
}

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

// Whether git can read every `git:REF:PATH` of `paths`; prints why not.
bool VerifyGitInputs(const std::vector<std::string>& paths,
                     const validate::manifest::GitAwareFileSystem& files) {
  for (const std::string& path : paths) {
    if (!validate::manifest::GitAwareFileSystem::IsGitPath(path)) {
      continue;
    }
    if (Expected<void> verified = files.Verify(path); !verified) {
      std::cerr << "error: " << verified.error().message << "\n";
      return false;
    }
  }
  return true;
}

// Loads both sides from files, one thread each: they are independent and YAML parsing
// dominates their cost.
bool LoadBothSides(const validate::manifest::LoadOptions& old_load,
                   const validate::manifest::LoadOptions& new_load, const InputFlags& flags,
                   const validate::schema::CrdCatalog& catalog, ComparedSide& old_side,
                   ComparedSide& new_side) {
  validate::manifest::DiskFileSystem disk;
  validate::manifest::GitAwareFileSystem files(disk);
  if (!VerifyGitInputs(old_load.paths, files) || !VerifyGitInputs(new_load.paths, files)) {
    return false;
  }
  std::exception_ptr failure;
  std::thread old_loader([&] {
    try {
      LoadSide(old_load, "old", flags, catalog, files, old_side);
    } catch (...) {
      failure = std::current_exception();  // rethrown on this thread, after the join
    }
  });
  try {
    LoadSide(new_load, "new", flags, catalog, files, new_side);
  } catch (...) {
    old_loader.join();
    throw;
  }
  old_loader.join();
  if (failure) {
    std::rethrow_exception(failure);
  }
  std::cerr << old_side.messages << new_side.messages;
  return old_side.usable && new_side.usable;
}

// The new side from files, the old side from the objects the cluster holds for them (and with
// --prune, the live objects of the same kinds that match -l).
bool LoadAgainstCluster(validate::manifest::LoadOptions new_load, const DiffOptions& options,
                        const validate::schema::CrdCatalog& catalog, ComparedSide& live_side,
                        ComparedSide& new_side) {
  Expected<validate::cluster::ClusterClient> client =
      ConnectCluster(options.cluster, options.inputs.namespace_);
  if (!client) {
    std::cerr << "error: " << client.error().message << "\n";
    return false;
  }
  // As kubectl apply: objects that name no namespace go to the context's.
  if (!new_load.namespace_explicit) {
    new_load.namespace_ = client->connection.namespace_;
  }
  validate::manifest::DiskFileSystem disk;
  validate::manifest::GitAwareFileSystem files(disk);
  if (!VerifyGitInputs(new_load.paths, files)) {
    return false;
  }
  LoadSide(new_load, "new", options.inputs, catalog, files, new_side);
  std::cerr << new_side.messages;
  if (!new_side.usable) {
    return false;
  }
  Expected<validate::cluster::LiveObjects> live = validate::cluster::FetchLiveObjects(
      *client->api, new_side.pipeline->manifest.resources, options.prune ? options.selector : "");
  if (!live) {
    std::cerr << "error: " << live.error().message << "\n";
    return false;
  }
  for (const std::string& note : live->notes) {
    std::cerr << "warning: " << note << "\n";
  }
  validate::manifest::InMemoryFileSystem live_files;
  validate::manifest::LoadOptions live_load = new_load;
  live_load.paths.clear();
  live_load.any_extension = true;
  live_load.namespace_explicit = false;
  for (validate::cluster::LiveObject& object : live->objects) {
    live_load.paths.push_back(object.label);
    live_files.AddFile(object.label, std::move(object.json));
  }
  LoadSide(live_load, "live", options.inputs, catalog, live_files, live_side);
  std::cerr << live_side.messages;
  if (!live_side.usable) {
    return false;
  }
  validate::diff::KeepUnappliedLiveFields(live_side.stored, new_side.stored);
  return true;
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
          ? LoadAgainstCluster(new_load, options, *catalog, old_side, new_side)
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
