#include "validate/resolve/pipeline.h"

#include <set>
#include <string>

namespace agw::validate::resolve {

std::unique_ptr<Pipeline> RunPipeline(const manifest::LoadOptions& load,
                                      const manifest::FileSystem& file_system,
                                      const ResolveOptions& options,
                                      const schema::CrdCatalog& catalog, bool keep_stored_objects) {
  auto pipeline = std::make_unique<Pipeline>();
  pipeline->manifest = manifest::Load(load, file_system, pipeline->sink);
  pipeline->load_errors = pipeline->sink.Count(manifest::Severity::kError);
  pipeline->model = model::Decode(pipeline->manifest, catalog, pipeline->sink,
                                  keep_stored_objects ? &pipeline->stored_objects : nullptr);
  pipeline->input_errors = pipeline->sink.Count(manifest::Severity::kError);
  pipeline->resolution = Resolve(pipeline->model, options);
  std::set<std::string> rejected;
  for (const manifest::ResourceId& id : pipeline->model.rejected) {
    rejected.insert(id.ToString());
  }
  for (manifest::Diagnostic& finding : pipeline->resolution.findings) {
    if (rejected.count(finding.resource) == 0) {
      pipeline->sink.Add(std::move(finding));
    }
  }
  pipeline->resolution.findings.clear();
  manifest::SortDiagnostics(pipeline->sink.mutable_diagnostics(), pipeline->manifest.FileOrder());
  return pipeline;
}

}  // namespace agw::validate::resolve
