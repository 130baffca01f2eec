#pragma once

#include <memory>
#include <set>
#include <string>

#include "validate/manifest/diagnostic.h"
#include "validate/manifest/file_system.h"
#include "validate/manifest/loader.h"
#include "validate/model/model.h"
#include "validate/resolve/resolve.h"
#include "validate/schema/catalog.h"

namespace agw::validate::resolve {

// The whole control-plane chain for one set of inputs: load -> admit (the API server's checks)
// -> decode -> resolve. Owns
// everything that positions, model objects and the resolution point into, so it is kept
// whole (validate, status and each configuration `run` serves hold one). Not copyable.
struct Pipeline {
  manifest::Manifest manifest;
  manifest::DiagnosticSink sink;  // every finding, sorted by file and position
  model::Model model;
  Resolution resolution;  // its findings are moved into `sink`
  int load_errors = 0;    // reading and parsing errors (syntax, identity, duplicates)
  int input_errors = 0;   // loading, API server and decoding errors (before resolution)
  // What those errors are about: "Kind namespace/name", or "file <path>" for an error no
  // object is known for (a document that does not parse). `run --watch` compares these.
  std::set<std::string> refused_inputs;
  // Each resource as the API server stores it, index for index with manifest.resources; only
  // when RunPipeline was asked to keep them (diff compares them).
  std::vector<manifest::Value> stored_objects;

  Pipeline() = default;
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;
};

// Runs the chain with the CRDs of `catalog`. The controller's findings about objects the API
// server would refuse are left out: on a cluster those objects never reach the controller.
// Those objects stay in the model and resolution (a reference to one is not reported as not
// found: their own errors say what is wrong), unless `leave_out_refused`: then the model and
// the resolution are those of the cluster, without them (what `run` serves), and the findings
// are still the ones above.
std::unique_ptr<Pipeline> RunPipeline(
    const manifest::LoadOptions& load, const manifest::FileSystem& file_system,
    const ResolveOptions& options,
    const schema::CrdCatalog& catalog = schema::CrdCatalog::Default(),
    bool keep_stored_objects = false, bool leave_out_refused = false);

}  // namespace agw::validate::resolve
