#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cmd/commands.h"
#include "validate/manifest/diagnostic.h"
#include "validate/manifest/file_system.h"
#include "validate/manifest/loader.h"
#include "validate/model/model.h"

namespace agw::cmd {
namespace {

struct ValidateOptions {
  std::vector<std::string> filenames;
  bool recursive = true;
  std::string namespace_;
  std::string output = "text";
};

std::string Plural(int count, const std::string& word) {
  return std::to_string(count) + " " + word + (count == 1 ? "" : "s");
}

int RunValidate(const ValidateOptions& options) {
  manifest::LoadOptions load;
  load.paths = options.filenames;
  load.recursive = options.recursive;
  if (!options.namespace_.empty()) {
    load.namespace_ = options.namespace_;
    load.namespace_explicit = true;
  }
  manifest::DiskFileSystem disk;
  manifest::DiagnosticSink sink;
  manifest::Manifest manifest = manifest::Load(load, disk, sink);
  model::Decode(manifest, sink);

  std::vector<manifest::Diagnostic> findings = sink.diagnostics();
  manifest::SortDiagnostics(findings, manifest.FileOrder());
  int errors = sink.Count(manifest::Severity::kError);
  int warnings = sink.Count(manifest::Severity::kWarning);
  int resources = static_cast<int>(manifest.resources.size());
  int files = static_cast<int>(manifest.files.size());

  if (options.output == "json") {
    nlohmann::ordered_json out;
    auto list = nlohmann::ordered_json::array();
    for (const manifest::Diagnostic& finding : findings) {
      list.push_back(manifest::ToJson(finding));
    }
    out["findings"] = std::move(list);
    out["summary"] = {{"files", files},
                      {"resources", resources},
                      {"errors", errors},
                      {"warnings", warnings}};
    auto unreadable = nlohmann::ordered_json::array();
    for (const Error& error : manifest.unreadable) {
      unreadable.push_back(error.message);
    }
    out["unreadable"] = std::move(unreadable);
    std::cout << out.dump(2) << "\n";
  } else {
    for (const manifest::Diagnostic& finding : findings) {
      std::cout << manifest::RenderText(finding);
    }
    std::cout << Plural(resources, "resource") << " in " << Plural(files, "file") << ": ";
    if (errors == 0 && warnings == 0) {
      std::cout << "no findings\n";
    } else {
      std::cout << Plural(errors, "error") << ", " << Plural(warnings, "warning") << "\n";
    }
  }
  for (const Error& error : manifest.unreadable) {
    std::cerr << "error: " << error.message << "\n";
  }
  if (!manifest.unreadable.empty()) {
    return kExitOperational;
  }
  return errors > 0 ? kExitFindings : kExitClean;
}

}  // namespace

void AddValidateCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ValidateOptions>();
  CLI::App* command = app.add_subcommand(
      "validate",
      "Check manifests offline: YAML/JSON syntax, object identity and the typed fields of\n"
      "Gateway API and agentgateway kinds. Exit code 0 clean, 1 findings, 2 usage, 3 unreadable.");
  command
      ->add_option("-f,--filename", options->filenames,
                   "File, directory or - (stdin) to read; repeatable")
      ->required();
  command->add_flag("-R,--recursive{true}", options->recursive,
                    "Read directories recursively (the default; kubectl's -R is accepted). "
                    "--recursive=false reads only the top level");
  command->add_option("-n,--namespace", options->namespace_,
                      "Namespace for objects that name none (default \"default\"); objects that "
                      "name another one are an error, as with kubectl apply");
  command->add_option("-o,--output", options->output, "Output format: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  command->callback([options, &exit_code] { exit_code = RunValidate(*options); });
}

}  // namespace agw::cmd
