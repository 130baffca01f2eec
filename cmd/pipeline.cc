#include "cmd/pipeline.h"

#include <algorithm>
#include <iostream>

#include "cmd/version.h"
#include "validate/cluster/live_objects.h"
#include "validate/manifest/file_system.h"

namespace agw::cmd {

void AddInputFlags(CLI::App& command, InputFlags& flags) {
  command
      .add_option("-f,--filename", flags.filenames,
                  "File, directory or - (stdin) to read; repeatable")
      ->required();
  command.add_flag("-R,--recursive{true}", flags.recursive,
                   "Read directories recursively (the default; kubectl's -R is accepted). "
                   "--recursive=false reads only the top level");
  command.add_option("-n,--namespace", flags.namespace_,
                     "Namespace for objects that name none (default \"default\"); objects that "
                     "name another one are an error, as with kubectl apply");
  command.add_option("--gateway-class", flags.gateway_classes,
                     "A GatewayClass name that belongs to agentgateway even though no "
                     "GatewayClass object says so (agentgateway is always one); repeatable, e.g. "
                     "--gateway-class enterprise-agentgateway");
  command.add_flag("--strict-refs", flags.strict_refs,
                   "Treat referenced Secrets, Services, Gateways and backends that are not in "
                   "the inputs as missing (by default they are assumed to exist on the cluster "
                   "and reported as warnings)");
  command.add_flag("--enable-models", flags.enable_models,
                   "Translate AgentgatewayModel objects, as a controller started with "
                   "AGW_ENABLE_AGENTGATEWAY_MODELS=true does (off by default, as in the "
                   "controller: models then get no status and a warning)");
  command
      .add_option("--backend-ref-grant-mode", flags.backend_ref_grant_mode,
                  "The controller's AGW_BACKEND_REF_GRANT_MODE: which backend references need "
                  "a ReferenceGrant")
      ->check(CLI::IsMember({"route", "route-and-policy", "none"}));
  command.add_option("--crds", flags.crds,
                     "A CustomResourceDefinition file or folder (as Helm installs them; other "
                     "files are skipped); repeatable. Its kinds are checked against these CRDs, "
                     "which replace the built-in ones of the same group and kind");
  auto built_in = [](std::string project) {
    return CLI::Validator(
        [project](std::string& version) -> std::string {
          if (validate::schema::FindBuiltinCrdSet(project, version) != nullptr) {
            return "";
          }
          std::string known;
          for (std::string_view name : validate::schema::BuiltinVersions(project)) {
            known += (known.empty() ? "" : ", ") + std::string(name);
          }
          return "no built-in " + project + " CRDs " + version +
                 " (built in: " + (known.empty() ? "none" : known) + ")";
        },
        "VERSION");
  };
  command
      .add_option("--gateway-api-version", flags.gateway_api_version,
                  "The built-in Gateway API CRDs to check against (default: the newest release "
                  "built in; `kubectl agentgateway version` lists them)")
      ->check(built_in("gateway-api"));
  command
      .add_option("--agentgateway-version", flags.agentgateway_version,
                  "The built-in agentgateway CRDs to check against (default: the newest release "
                  "built in; main only when named)")
      ->check(built_in("agentgateway"));
}

validate::manifest::LoadOptions LoadOptionsFrom(const InputFlags& flags) {
  validate::manifest::LoadOptions load;
  load.paths = flags.filenames;
  load.recursive = flags.recursive;
  if (!flags.namespace_.empty()) {
    load.namespace_ = flags.namespace_;
    load.namespace_explicit = true;
  }
  return load;
}

validate::resolve::ResolveOptions ResolveOptionsFrom(const InputFlags& flags) {
  validate::resolve::ResolveOptions options;
  for (const std::string& name : flags.gateway_classes) {
    options.implied_gateway_classes.push_back(name);
  }
  options.strict_refs = flags.strict_refs;
  options.enable_models = flags.enable_models;
  options.backend_ref_grant_mode = flags.backend_ref_grant_mode;
  return options;
}

void AddClusterFlags(CLI::App& command, ClusterFlags& flags) {
  command.add_option("--kubeconfig", flags.kubeconfig,
                     "Path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)");
  command.add_option("--context", flags.context, "The kubeconfig context to use");
  command.add_option("--cluster", flags.cluster, "The kubeconfig cluster to use");
  command.add_option("--user", flags.user, "The kubeconfig user to use");
}

Expected<validate::cluster::ClusterClient> ConnectCluster(const ClusterFlags& flags,
                                                          const std::string& namespace_) {
  validate::cluster::ConnectOptions options;
  options.kubeconfig.explicit_path = flags.kubeconfig;
  options.overrides.context = flags.context;
  options.overrides.cluster = flags.cluster;
  options.overrides.user = flags.user;
  options.overrides.namespace_ = namespace_;
  options.transport.user_agent = std::string("kubectl-agentgateway/") + kVersion;
  return validate::cluster::ConnectFromEnvironment(std::move(options));
}

namespace {

// Adds the cluster's CRDs of the groups the built-in catalog knows (the kinds this tool
// models); other groups stay unchecked, as without the flag.
Expected<void> AddClusterCrds(const ClusterFlags& flags, validate::schema::CrdCatalog& catalog) {
  Expected<validate::cluster::ClusterClient> client = ConnectCluster(flags, "");
  if (!client) {
    return tl::unexpected(client.error());
  }
  std::vector<std::string> groups;
  for (const char* group : {"gateway.networking.k8s.io", "gateway.networking.x-k8s.io",
                            "agentgateway.dev", "inference.networking.k8s.io"}) {
    groups.emplace_back(group);
  }
  Expected<std::vector<std::string>> crds = validate::cluster::FetchCrds(*client->api, groups);
  if (!crds) {
    return tl::unexpected(crds.error());
  }
  if (crds->empty()) {
    return MakeError("the cluster of context \"" + client->connection.context +
                     "\" has no Gateway API or agentgateway CRDs installed");
  }
  validate::manifest::Manifest manifest;
  validate::manifest::DiagnosticSink sink;
  for (std::string& crd : *crds) {
    validate::manifest::LoadText(manifest, "cluster:" + client->connection.context, std::move(crd),
                                 {}, sink);
  }
  std::vector<std::string> problems = catalog.AddFromManifest(manifest);
  if (!problems.empty()) {
    std::string message;
    for (const std::string& problem : problems) {
      message += (message.empty() ? "" : "\nerror: ") + problem;
    }
    return MakeError(std::move(message));
  }
  return {};
}

}  // namespace

Expected<validate::schema::CrdCatalog> CatalogFrom(const InputFlags& flags,
                                                   const ClusterFlags* cluster) {
  bool from_cluster = flags.from_cluster && cluster != nullptr;
  if (flags.crds.empty() && flags.gateway_api_version.empty() &&
      flags.agentgateway_version.empty() && !from_cluster) {
    return validate::schema::CrdCatalog::Default();
  }
  auto catalog = validate::schema::CrdCatalog::WithBuiltinSets(flags.gateway_api_version,
                                                               flags.agentgateway_version);
  if (!catalog) {
    return MakeError(catalog.error());
  }
  if (from_cluster) {
    if (Expected<void> added = AddClusterCrds(*cluster, *catalog); !added) {
      return tl::unexpected(added.error());
    }
  }
  validate::manifest::DiskFileSystem disk;
  std::vector<std::string> problems = catalog->AddFromFiles(flags.crds, disk);
  if (!problems.empty()) {
    std::string message;
    for (const std::string& problem : problems) {
      message += (message.empty() ? "" : "\nerror: ") + problem;
    }
    return MakeError(std::move(message));
  }
  return std::move(*catalog);
}

Expected<std::unique_ptr<Pipeline>> RunPipeline(const InputFlags& flags,
                                                const ClusterFlags* cluster) {
  Expected<validate::schema::CrdCatalog> catalog = CatalogFrom(flags, cluster);
  if (!catalog) {
    return tl::unexpected(catalog.error());
  }
  validate::manifest::DiskFileSystem disk;
  return validate::resolve::RunPipeline(LoadOptionsFrom(flags), disk, ResolveOptionsFrom(flags),
                                        *catalog, /*keep_stored_objects=*/false,
                                        flags.leave_out_refused);
}

validate::report::ReportInput ReportInputFrom(
    const validate::manifest::Manifest& manifest,
    std::vector<validate::manifest::Diagnostic> findings) {
  validate::report::ReportInput input;
  input.tool_version = kVersion;
  input.findings = std::move(findings);
  for (const auto& file : manifest.files) {
    input.files.push_back(file->path());
  }
  for (const validate::manifest::Resource& resource : manifest.resources) {
    const validate::manifest::Position& position = resource.position;
    input.resources.push_back(validate::report::CheckedResource{
        resource.id.ToString(), position.file != nullptr ? position.file->path() : "",
        position.line});
  }
  for (const Error& error : manifest.unreadable) {
    input.unreadable.push_back(error.message);
  }
  return input;
}

void ReportFindings(const Pipeline& pipeline, validate::manifest::Severity shown,
                    std::ostream& out) {
  const std::vector<validate::manifest::Diagnostic>& findings = pipeline.sink.diagnostics();
  bool any = std::any_of(findings.begin(), findings.end(),
                         [&](const auto& finding) { return finding.severity <= shown; });
  if (any) {
    validate::manifest::WriteText(findings, out, shown);
    out << validate::report::SummaryLine(ReportInputFrom(pipeline.manifest, findings)) << "\n";
  }
}

void NoteRefused(const Pipeline& pipeline, std::ostream& out) {
  if (pipeline.refused_inputs.empty()) {
    return;
  }
  std::string refused;
  for (const std::string& refusal : pipeline.refused_inputs) {
    refused += (refused.empty() ? "" : ", ") + refusal;
  }
  out << "note: kubectl apply would refuse " << refused
      << " (the errors above): left out; the rest is served as a cluster would serve it\n";
}

std::vector<IgnoredGateway> IgnoredGateways(const Pipeline& pipeline) {
  std::vector<IgnoredGateway> ignored;
  const validate::resolve::StatusSet& status = pipeline.resolution.status;
  for (const validate::model::Gateway& gateway : pipeline.model.gateways) {
    bool ours = std::any_of(status.gateways.begin(), status.gateways.end(),
                            [&](const auto& entry) { return entry.object == &gateway; });
    if (ours) {
      continue;
    }
    IgnoredGateway entry{
        &gateway,
        "gatewayClassName \"" + gateway.gateway_class_name + "\" is not an agentgateway class", ""};
    std::string id = gateway.id.ToString();
    for (const validate::manifest::Diagnostic& finding : pipeline.sink.diagnostics()) {
      if (finding.code == "foreign-gateway-class" && finding.resource == id) {
        entry.reason = finding.message;
        entry.hint = finding.hint;
        break;
      }
    }
    ignored.push_back(std::move(entry));
  }
  return ignored;
}

std::vector<std::string> WhyNothingIsServed(const Pipeline& pipeline) {
  std::vector<std::string> causes;
  for (const std::string& refused : pipeline.refused_inputs) {
    if (refused.rfind("Gateway ", 0) == 0) {
      causes.push_back(refused + " would be refused by the API server (the errors above)");
    } else if (refused.rfind("file ", 0) == 0) {
      causes.push_back(refused.substr(5) + " does not parse (the errors above)");
    }
  }
  if (pipeline.model.gateways.empty() && causes.empty()) {
    causes.push_back(
        "the inputs have no Gateway: `run` serves the listeners of Gateways (give the file "
        "with the Gateway to -f as well)");
  }
  for (const IgnoredGateway& ignored : IgnoredGateways(pipeline)) {
    causes.push_back("Gateway " + ignored.gateway->metadata.namespace_ + "/" +
                     ignored.gateway->metadata.name + " is ignored: " + ignored.reason +
                     (ignored.hint.empty() ? "" : "; " + ignored.hint));
  }
  for (const validate::resolve::GatewayStatus& gateway : pipeline.resolution.status.gateways) {
    causes.push_back("Gateway " + gateway.object->metadata.namespace_ + "/" +
                     gateway.object->metadata.name +
                     " has no programmed listener (`validate` says why)");
  }
  return causes;
}

bool ReportUnreadable(const Pipeline& pipeline) {
  for (const Error& error : pipeline.manifest.unreadable) {
    std::cerr << "error: " << error.message << "\n";
  }
  return !pipeline.manifest.unreadable.empty();
}

}  // namespace agw::cmd
