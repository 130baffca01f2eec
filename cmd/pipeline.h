#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "validate/cluster/connect.h"
#include "validate/manifest/diagnostic.h"
#include "validate/manifest/error.h"
#include "validate/manifest/loader.h"
#include "validate/model/model.h"
#include "validate/report/report.h"
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
  bool enable_models = false;  // AGW_ENABLE_AGENTGATEWAY_MODELS
  std::string backend_ref_grant_mode = "route";
  std::vector<std::string> crds;    // --crds: CRD files or folders, replacing built-in kinds
  std::string gateway_api_version;  // "" picks the newest built-in release
  std::string agentgateway_version;
  bool from_cluster = false;  // --from-cluster: the CRDs installed in the cluster (validate)
  // Not a flag: the model is the cluster's, without what the API server would refuse (run).
  bool leave_out_refused = false;
};

// How commands that read a cluster find it, as kubectl's flags say.
struct ClusterFlags {
  std::string kubeconfig;
  std::string context;
  std::string cluster;
  std::string user;
};

void AddClusterFlags(CLI::App& command, ClusterFlags& flags);

// Connects to the cluster of the kubeconfig context (nothing is sent until the first call).
// `namespace_` is -n when given. Errors name the kubeconfig, context and server.
Expected<validate::cluster::ClusterClient> ConnectCluster(const ClusterFlags& flags,
                                                          const std::string& namespace_);

void AddInputFlags(CLI::App& command, InputFlags& flags);

using Pipeline = validate::resolve::Pipeline;

// Runs load -> admit -> decode -> resolve with the options the flags describe. Fails when a
// --crds path cannot be read or holds a CRD that does not compile.
Expected<std::unique_ptr<Pipeline>> RunPipeline(const InputFlags& flags,
                                                const ClusterFlags* cluster = nullptr);

// The CRDs the flags select: the built-in sets at the chosen versions, then --crds, then with
// --from-cluster the cluster's CRDs of the Gateway API and agentgateway groups (through
// `cluster`, which is then required).
Expected<validate::schema::CrdCatalog> CatalogFrom(const InputFlags& flags,
                                                   const ClusterFlags* cluster = nullptr);

// The options the flags describe, for commands that run the pipeline more than once (run).
validate::manifest::LoadOptions LoadOptionsFrom(const InputFlags& flags);
validate::resolve::ResolveOptions ResolveOptionsFrom(const InputFlags& flags);

// What `validate` reports about `manifest`: `findings` (sorted), the files and resources read,
// the inputs that could not be read.
validate::report::ReportInput ReportInputFrom(const validate::manifest::Manifest& manifest,
                                              std::vector<validate::manifest::Diagnostic> findings);

// What `validate` says about the inputs, rendered as it renders it, the findings at least as
// severe as `shown` and then its summary line; nothing when no finding is shown.
void ReportFindings(const Pipeline& pipeline, validate::manifest::Severity shown,
                    std::ostream& out);

// When the API server would refuse some of the inputs: a note naming them, and that the rest
// is served as a cluster would serve it (run, translate).
void NoteRefused(const Pipeline& pipeline, std::ostream& out);

// A Gateway of the inputs that the agentgateway controller leaves alone, and why: the
// foreign-gateway-class finding `validate` gives, with its hint (the flag that changes it).
struct IgnoredGateway {
  const validate::model::Gateway* gateway = nullptr;
  std::string reason;
  std::string hint;
};
std::vector<IgnoredGateway> IgnoredGateways(const Pipeline& pipeline);

// Why no Gateway listener of the inputs is programmed, one sentence per cause (no Gateway at
// all, ignored Gateways with the flag that takes them, Gateways whose listeners all failed).
std::vector<std::string> WhyNothingIsServed(const Pipeline& pipeline);

// Prints "error: <message>" for each input that could not be read; true when there were any.
bool ReportUnreadable(const Pipeline& pipeline);

}  // namespace agw::cmd
