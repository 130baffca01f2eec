#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "validate/manifest/diagnostic.h"
#include "validate/manifest/error.h"
#include "validate/manifest/loader.h"
#include "validate/model/model.h"
#include "validate/resolve/pipeline.h"
#include "validate/resolve/resolve.h"
#include "validate/schema/catalog.h"

namespace agw::cmd {

// The flags every command that reads manifests shares (-f, -R, -n, --gateway-class, ...).
struct InputFlags {
  std::vector<std::string> filenames;
  bool recursive = true;
  std::string namespace_;
  std::vector<std::string> gateway_classes;
  bool strict_refs = false;
  std::string backend_ref_grant_mode = "route";
  std::vector<std::string> crds;    // --crds: CRD files or folders, replacing built-in kinds
  std::string gateway_api_version;  // "" picks the newest built-in release
  std::string agentgateway_version;
};

void AddInputFlags(CLI::App& command, InputFlags& flags);

using Pipeline = resolve::Pipeline;

// Runs load -> admit -> decode -> resolve with the options the flags describe. Fails when a
// --crds path cannot be read or holds a CRD that does not compile.
Expected<std::unique_ptr<Pipeline>> RunPipeline(const InputFlags& flags);

// The CRDs the flags select: the built-in sets at the chosen versions, then --crds.
Expected<schema::CrdCatalog> CatalogFrom(const InputFlags& flags);

// The options the flags describe, for commands that run the pipeline more than once (run).
manifest::LoadOptions LoadOptionsFrom(const InputFlags& flags);
resolve::ResolveOptions ResolveOptionsFrom(const InputFlags& flags);

// Prints "error: <message>" for each input that could not be read; true when there were any.
bool ReportUnreadable(const Pipeline& pipeline);

}  // namespace agw::cmd
