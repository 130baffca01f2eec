#include "cmd/pipeline.h"

#include <iostream>

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
  command.add_option("--backend-ref-grant-mode", flags.backend_ref_grant_mode,
                     "The controller's AGW_BACKEND_REF_GRANT_MODE: which backend references need "
                     "a ReferenceGrant")
      ->check(CLI::IsMember({"route", "route-and-policy", "none"}));
}

manifest::LoadOptions LoadOptionsFrom(const InputFlags& flags) {
  manifest::LoadOptions load;
  load.paths = flags.filenames;
  load.recursive = flags.recursive;
  if (!flags.namespace_.empty()) {
    load.namespace_ = flags.namespace_;
    load.namespace_explicit = true;
  }
  return load;
}

resolve::ResolveOptions ResolveOptionsFrom(const InputFlags& flags) {
  resolve::ResolveOptions options;
  for (const std::string& name : flags.gateway_classes) {
    options.implied_gateway_classes.push_back(name);
  }
  options.strict_refs = flags.strict_refs;
  options.backend_ref_grant_mode = flags.backend_ref_grant_mode;
  return options;
}

std::unique_ptr<Pipeline> RunPipeline(const InputFlags& flags) {
  manifest::DiskFileSystem disk;
  return resolve::RunPipeline(LoadOptionsFrom(flags), disk, ResolveOptionsFrom(flags));
}

bool ReportUnreadable(const Pipeline& pipeline) {
  for (const Error& error : pipeline.manifest.unreadable) {
    std::cerr << "error: " << error.message << "\n";
  }
  return !pipeline.manifest.unreadable.empty();
}

}  // namespace agw::cmd
