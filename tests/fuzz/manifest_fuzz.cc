// One manifest file through the chain `validate -f` runs (load -> decode -> resolve, via the
// file-system seam of validate/manifest/file_system.h), then what the commands do with the
// result: every finding rendered as text and JSON (as validate prints them), and the route
// table compiled and listed (as `run` and `routes -o json` do).
//
// Input: the file's text (YAML or JSON, one or more documents).

#include <string>

#include "emulator/route/describe.h"
#include "emulator/route/table.h"
#include "validate/manifest/diagnostic.h"
#include "validate/manifest/file_system.h"
#include "validate/resolve/pipeline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace agw;
  validate::manifest::InMemoryFileSystem files;
  files.AddFile("/fuzz/manifest.yaml", std::string(reinterpret_cast<const char*>(data), size));
  validate::manifest::LoadOptions load;
  load.paths = {"/fuzz/manifest.yaml"};
  std::unique_ptr<validate::resolve::Pipeline> pipeline =
      validate::resolve::RunPipeline(load, files, validate::resolve::ResolveOptions());

  for (const validate::manifest::Diagnostic& diagnostic : pipeline->sink.diagnostics()) {
    std::string text = validate::manifest::RenderText(diagnostic);
    std::string json = validate::manifest::ToJson(diagnostic)
                           .dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  }
  std::vector<std::string> problems;
  std::unique_ptr<emulator::route::RouteTable> table =
      emulator::route::RouteTable::Compile(pipeline->resolution.config, &problems);
  // As `routes -o json` writes it: malformed UTF-8 from a manifest as U+FFFD, not an exception.
  std::string listed = emulator::route::TableJson(*table).dump(
      2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  return 0;
}
