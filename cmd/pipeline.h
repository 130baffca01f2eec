#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "validate/manifest/diagnostic.h"
#include "validate/manifest/loader.h"
#include "validate/model/model.h"
#include "validate/resolve/resolve.h"

namespace agw::cmd {

// The flags every command that reads manifests shares (-f, -R, -n, --gateway-class, ...).
struct InputFlags {
  std::vector<std::string> filenames;
  bool recursive = true;
  std::string namespace_;
  std::vector<std::string> gateway_classes;
  bool strict_refs = false;
  std::string backend_ref_grant_mode = "route";
};

void AddInputFlags(CLI::App& command, InputFlags& flags);

// The chain every command runs: load -> decode -> resolve. Holds everything the findings
// point into, so it must outlive them. Not copyable.
struct Pipeline {
  manifest::Manifest manifest;
  manifest::DiagnosticSink sink;  // loading, decoding and resolution findings, sorted
  model::Model model;
  resolve::Resolution resolution;
  int input_errors = 0;  // loading and decoding errors (before resolution)

  Pipeline() = default;
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;
};

// Runs the chain. `resolve_references` is false for commands that only need loading.
std::unique_ptr<Pipeline> RunPipeline(const InputFlags& flags, bool resolve_references = true);

// Prints "error: <message>" for each input that could not be read; true when there were any.
bool ReportUnreadable(const Pipeline& pipeline);

}  // namespace agw::cmd
