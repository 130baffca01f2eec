#include "validate/resolve/pipeline.h"

namespace agw::resolve {

std::unique_ptr<Pipeline> RunPipeline(const manifest::LoadOptions& load,
                                      const manifest::FileSystem& file_system,
                                      const ResolveOptions& options) {
  auto pipeline = std::make_unique<Pipeline>();
  pipeline->manifest = manifest::Load(load, file_system, pipeline->sink);
  pipeline->model = model::Decode(pipeline->manifest, pipeline->sink);
  pipeline->input_errors = pipeline->sink.Count(manifest::Severity::kError);
  pipeline->resolution = Resolve(pipeline->model, options);
  for (manifest::Diagnostic& finding : pipeline->resolution.findings) {
    pipeline->sink.Add(std::move(finding));
  }
  pipeline->resolution.findings.clear();
  manifest::SortDiagnostics(pipeline->sink.mutable_diagnostics(), pipeline->manifest.FileOrder());
  return pipeline;
}

}  // namespace agw::resolve
