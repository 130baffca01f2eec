#include "cmd/diff_sides.h"

#include <exception>
#include <iostream>
#include <thread>
#include <vector>

#include "validate/cluster/live_objects.h"
#include "validate/manifest/file_system.h"
#include "validate/manifest/git_file_system.h"

namespace agw::cmd {
namespace {

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

}  // namespace

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

bool LoadAgainstCluster(validate::manifest::LoadOptions new_load, const InputFlags& inputs,
                        const ClusterFlags& cluster, const std::string& prune_selector,
                        const validate::schema::CrdCatalog& catalog, ComparedSide& live_side,
                        ComparedSide& new_side) {
  Expected<validate::cluster::ClusterClient> client = ConnectCluster(cluster, inputs.namespace_);
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
  LoadSide(new_load, "new", inputs, catalog, files, new_side);
  std::cerr << new_side.messages;
  if (!new_side.usable) {
    return false;
  }
  Expected<validate::cluster::LiveObjects> live = validate::cluster::FetchLiveObjects(
      *client->api, new_side.pipeline->manifest.resources, prune_selector);
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
  LoadSide(live_load, "live", inputs, catalog, live_files, live_side);
  std::cerr << live_side.messages;
  if (!live_side.usable) {
    return false;
  }
  validate::diff::KeepUnappliedLiveFields(live_side.stored, new_side.stored);
  return true;
}

}  // namespace agw::cmd
