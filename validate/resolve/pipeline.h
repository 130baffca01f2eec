#pragma once

#include <memory>

#include "validate/manifest/diagnostic.h"
#include "validate/manifest/file_system.h"
#include "validate/manifest/loader.h"
#include "validate/model/model.h"
#include "validate/resolve/resolve.h"

namespace agw::resolve {

// The whole control-plane chain for one set of inputs: load -> decode -> resolve. Owns
// everything that positions, model objects and the resolution point into, so it is kept
// whole (validate, status and each configuration `run` serves hold one). Not copyable.
struct Pipeline {
  manifest::Manifest manifest;
  manifest::DiagnosticSink sink;  // every finding, sorted by file and position
  model::Model model;
  Resolution resolution;          // its findings are moved into `sink`
  int input_errors = 0;           // loading and decoding errors (before resolution)

  Pipeline() = default;
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;
};

std::unique_ptr<Pipeline> RunPipeline(const manifest::LoadOptions& load,
                                      const manifest::FileSystem& file_system,
                                      const ResolveOptions& options);

}  // namespace agw::resolve
