#include "validate/resolve/pipeline.h"

#include <set>
#include <string>

namespace agw::validate::resolve {

namespace {

template <typename Object>
void RemoveFrom(std::vector<Object>& objects, const std::set<std::string>& ids) {
  std::erase_if(objects, [&](const Object& object) { return ids.count(object.id.ToString()) > 0; });
}

// Takes the objects `ids` names ("Kind namespace/name") out of `model`, before anything points
// into it.
void RemoveObjects(model::Model& model, const std::set<std::string>& ids) {
  RemoveFrom(model.gateway_classes, ids);
  RemoveFrom(model.gateways, ids);
  RemoveFrom(model.listener_sets, ids);
  RemoveFrom(model.http_routes, ids);
  RemoveFrom(model.grpc_routes, ids);
  RemoveFrom(model.reference_grants, ids);
  RemoveFrom(model.secrets, ids);
  RemoveFrom(model.services, ids);
  RemoveFrom(model.namespaces, ids);
  RemoveFrom(model.backends, ids);
  RemoveFrom(model.policies, ids);
  RemoveFrom(model.models, ids);
}

}  // namespace

std::unique_ptr<Pipeline> RunPipeline(const manifest::LoadOptions& load,
                                      const manifest::FileSystem& file_system,
                                      const ResolveOptions& options,
                                      const schema::CrdCatalog& catalog, bool keep_stored_objects,
                                      bool leave_out_refused) {
  auto pipeline = std::make_unique<Pipeline>();
  pipeline->manifest = manifest::Load(load, file_system, pipeline->sink);
  pipeline->load_errors = pipeline->sink.Count(manifest::Severity::kError);
  pipeline->model = model::Decode(pipeline->manifest, catalog, pipeline->sink,
                                  keep_stored_objects ? &pipeline->stored_objects : nullptr);
  pipeline->input_errors = pipeline->sink.Count(manifest::Severity::kError);
  for (const manifest::Diagnostic& finding : pipeline->sink.diagnostics()) {
    if (finding.severity != manifest::Severity::kError) {
      continue;
    }
    if (!finding.resource.empty()) {
      pipeline->refused_inputs.insert(finding.resource);
    } else if (finding.position.file != nullptr) {
      pipeline->refused_inputs.insert("file " + finding.position.file->path());
    }
  }
  pipeline->resolution = Resolve(pipeline->model, options);
  std::set<std::string> rejected;
  for (const manifest::ResourceId& id : pipeline->model.rejected) {
    rejected.insert(id.ToString());
  }
  // Nor those that only follow from a document that could not be read (a reference to it "not
  // found", a backend it uses "unused"): its own finding names the cause.
  for (manifest::Diagnostic& finding : pipeline->resolution.findings) {
    if (rejected.count(finding.resource) == 0 &&
        !manifest::FollowsFromBrokenDocument(finding, pipeline->manifest.broken_documents)) {
      pipeline->sink.Add(std::move(finding));
    }
  }
  pipeline->resolution.findings.clear();
  if (leave_out_refused && !rejected.empty()) {
    // The findings above name the cause once; what is served has no trace of the refused
    // objects, so a reference to one is not found, as on the cluster.
    RemoveObjects(pipeline->model, rejected);
    ResolveOptions served = options;
    served.absent.insert(rejected.begin(), rejected.end());
    pipeline->resolution = Resolve(pipeline->model, served);
    pipeline->resolution.findings.clear();
  }
  manifest::SortDiagnostics(pipeline->sink.mutable_diagnostics(), pipeline->manifest.FileOrder());
  return pipeline;
}

}  // namespace agw::validate::resolve
