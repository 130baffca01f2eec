#include "cmd/pipeline.h"

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
                                        *catalog);
}

bool ReportUnreadable(const Pipeline& pipeline) {
  for (const Error& error : pipeline.manifest.unreadable) {
    std::cerr << "error: " << error.message << "\n";
  }
  return !pipeline.manifest.unreadable.empty();
}

}  // namespace agw::cmd
