#include "validate/cluster/connect.h"

#include <unistd.h>

#include <climits>

namespace agw::validate::cluster {

Expected<ClusterConnection> LoadConnection(const ConnectOptions& options,
                                           const Environment& environment,
                                           const manifest::FileSystem& file_system) {
  Expected<Kubeconfig> kubeconfig = LoadKubeconfig(options.kubeconfig, environment, file_system);
  if (!kubeconfig) {
    return tl::unexpected(kubeconfig.error());
  }
  return SelectConnection(*kubeconfig, options.overrides,
                          KubeconfigSearchPath(options.kubeconfig, environment), file_system);
}

Expected<ClusterClient> Connect(const ConnectOptions& options, const Environment& environment,
                                const manifest::FileSystem& file_system,
                                manifest::ProcessRunner& runner) {
  Expected<ClusterConnection> connection = LoadConnection(options, environment, file_system);
  if (!connection) {
    return tl::unexpected(connection.error());
  }
  Expected<Credentials> credentials =
      ResolveCredentials(*connection, file_system, runner, environment, options.exec);
  if (!credentials) {
    return tl::unexpected(credentials.error());
  }
  Expected<std::unique_ptr<Transport>> transport =
      MakeCurlTransport(*connection, *credentials, environment, options.transport);
  if (!transport) {
    return tl::unexpected(transport.error());
  }
  ClusterClient client;
  client.connection = std::move(*connection);
  client.transport = std::move(*transport);
  ApiClientOptions api = options.api;
  api.server_label = DescribeServer(client.connection);
  client.api = std::make_unique<ApiClient>(*client.transport, std::move(api));
  return client;
}

Expected<ClusterClient> ConnectFromEnvironment(ConnectOptions options) {
  if (options.kubeconfig.working_directory.empty()) {
    char buffer[PATH_MAX];
    if (::getcwd(buffer, sizeof(buffer)) != nullptr) {
      options.kubeconfig.working_directory = buffer;
    }
  }
  manifest::DiskFileSystem disk;
  manifest::SubprocessRunner runner;
  return Connect(options, CurrentEnvironment(), disk, runner);
}

}  // namespace agw::validate::cluster
