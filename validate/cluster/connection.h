#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "validate/cluster/kubeconfig.h"
#include "validate/manifest/error.h"
#include "validate/manifest/file_system.h"

namespace agw::validate::cluster {

// The kubectl flags that pick what to use from the kubeconfig. Empty means "not given".
struct ConnectionOverrides {
  std::string context;     // --context
  std::string cluster;     // --cluster: use this cluster instead of the context's
  std::string user;        // --user: use this user instead of the context's
  std::string namespace_;  // -n/--namespace
};

// Everything needed to talk to one API server as one user, as kubectl works it out from the
// kubeconfig and flags (client_config.go ClientConfig): the data-over-file precedence applied,
// referenced CA, certificate and key files read, nothing run yet. An exec plugin and a token
// file are left for ResolveCredentials, which runs and reads them per connection as client-go
// does. Holds secrets (token, password, client key): never print it whole.
struct ClusterConnection {
  std::string context;  // the context used ("" only when --cluster named the cluster directly)
  std::string cluster;  // the cluster entry used
  std::string user;     // the user entry used; "" for a context without a user (anonymous)
  // The server URL with its scheme ("https://127.0.0.1:6443", "https://host/k8s/clusters/c1"),
  // no trailing '/'. A kubeconfig server without a scheme gets "http://", as client-go gives it
  // (and then, as for any http:// server, no TLS settings and no credentials are used).
  std::string server;
  // --namespace, else the context's namespace, else "default".
  std::string namespace_;
  bool namespace_from_flag = false;

  // Server identification (only for https).
  std::string ca_pem;     // CA bundle: certificate-authority-data, else the certificate-authority
                          // file's contents; "" means the system trust store
  std::string ca_origin;  // where ca_pem came from, for messages ("" when from the system)
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;  // SNI and the name to verify, instead of the URL's host
  // The cluster's proxy-url ("" when none: then HTTPS_PROXY/NO_PROXY decide, see proxy.h).
  std::string proxy_url;
  bool disable_compression = false;

  // User identification (only for https), as client-go ranks them: token (a token file, when
  // set and readable, replaces it per request), client certificate, basic auth; the exec plugin
  // only when none of those is set.
  std::string client_certificate_pem;
  std::string client_key_pem;
  std::string token;
  std::string token_file;  // absolute path; read by ResolveCredentials
  std::string username;
  std::string password;
  std::optional<ExecConfig> exec;
  std::string exec_extension_json;  // the cluster's exec extension (see KubeconfigCluster)

  // Impersonation (`as`, `as-uid`, `as-groups`, `as-user-extra`): Impersonate-* headers.
  std::string impersonate;
  std::string impersonate_uid;
  std::vector<std::string> impersonate_groups;
  std::map<std::string, std::vector<std::string>> impersonate_user_extra;

  bool uses_tls() const { return server.rfind("https://", 0) == 0; }
};

// Picks the context (--context, else current-context), its cluster and user (or the --cluster and
// --user overrides) and the namespace, checks them as kubectl's ConfirmUsable does, and reads the
// CA, client certificate and key files through `file_system`. Errors, pinned in tests:
//   no context is selected: set current-context in /home/u/.kube/config or pass --context
//   no kubeconfig found: /home/u/.kube/config does not exist (set KUBECONFIG or pass --kubeconfig)
//   context "x" is not defined in /home/u/.kube/config
//   context "x" names cluster "c", which is not defined in /home/u/.kube/config
//   context "x" names user "u", which is not defined in /home/u/.kube/config
//   cluster "c" has no server
//   cannot read certificate-authority /path of cluster "c": No such file or directory
// `search_path` is what LoadKubeconfig looked at (KubeconfigSearchPath), named when nothing was
// found. A context without a user is anonymous, as in kubectl; one naming an undefined user is an
// error here (kubectl would silently go anonymous and fail later with 401 or 403).
Expected<ClusterConnection> SelectConnection(const Kubeconfig& kubeconfig,
                                             const ConnectionOverrides& overrides,
                                             const std::vector<std::string>& search_path,
                                             const manifest::FileSystem& file_system);

// How messages name the server: `the API server of context "kind-agw" (https://127.0.0.1:6443)`,
// or `the API server https://10.0.0.1:6443` when no context was used.
std::string DescribeServer(const ClusterConnection& connection);

}  // namespace agw::validate::cluster
