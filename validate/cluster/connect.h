#pragma once

#include <memory>

#include "validate/cluster/api_client.h"
#include "validate/cluster/connection.h"
#include "validate/cluster/credentials.h"
#include "validate/cluster/curl_transport.h"
#include "validate/cluster/environment.h"
#include "validate/cluster/exec_credential.h"
#include "validate/cluster/kubeconfig.h"
#include "validate/manifest/error.h"
#include "validate/manifest/file_system.h"
#include "validate/manifest/process.h"

namespace agw::validate::cluster {

// The one entry point for commands that read the cluster (`diff` against live objects,
// `validate --from-cluster`): kubeconfig -> connection -> credentials -> transport -> API client.

struct ConnectOptions {
  KubeconfigLoadOptions kubeconfig;  // --kubeconfig, and the directory relative paths start from
  ConnectionOverrides overrides;     // --context, --cluster, --user, -n/--namespace
  ExecLimits exec;
  TransportOptions transport;  // set user_agent to "kubectl-agentgateway/<version>"
  ApiClientOptions api;        // server_label is filled in by Connect
};

// What Connect made. `api` borrows `*transport`; both live on the heap, so moving the struct
// keeps them valid.
struct ClusterClient {
  ClusterConnection connection;
  std::unique_ptr<Transport> transport;
  std::unique_ptr<ApiClient> api;
};

// Loads the kubeconfig and selects the connection (LoadKubeconfig + SelectConnection), without
// running or contacting anything.
Expected<ClusterConnection> LoadConnection(const ConnectOptions& options,
                                           const Environment& environment,
                                           const manifest::FileSystem& file_system);

// LoadConnection, then ResolveCredentials (which may run an exec plugin), then a curl transport
// and an ApiClient. Nothing is sent to the server yet: the first API call connects.
Expected<ClusterClient> Connect(const ConnectOptions& options, const Environment& environment,
                                const manifest::FileSystem& file_system,
                                manifest::ProcessRunner& runner);

// Connect with this process's environment, the disk, real subprocesses, and the current
// directory as the working directory unless options.kubeconfig names one.
Expected<ClusterClient> ConnectFromEnvironment(ConnectOptions options);

}  // namespace agw::validate::cluster
