#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "validate/cluster/environment.h"
#include "validate/manifest/error.h"
#include "validate/manifest/file_system.h"

namespace agw::validate::cluster {

// The kubeconfig file format (clientcmd/api/v1, `kind: Config`), read the way kubectl reads it.
// Field names below are the kubeconfig's own; values hold what the file says, except that
// *-data fields are base64-decoded and, after LoadKubeconfig, relative file paths are resolved.
// Several members hold secrets (token, password, key data): never print them.

struct ExecEnvVar {
  std::string name;
  std::string value;
};

// users[].user.exec: a client-go credential plugin.
struct ExecConfig {
  std::string api_version;  // client.authentication.k8s.io/v1 or /v1beta1
  // As written; made absolute against the kubeconfig's directory when it contains a '/'.
  std::string command;
  std::vector<std::string> args;
  std::vector<ExecEnvVar> env;
  std::string install_hint;
  bool provide_cluster_info = false;
  std::string interactive_mode;  // "Never", "IfAvailable", "Always", or "" when unset
};

struct KubeconfigCluster {
  std::string server;
  std::string tls_server_name;
  bool insecure_skip_tls_verify = false;
  std::string certificate_authority;       // a file path
  std::string certificate_authority_data;  // PEM (decoded from base64)
  std::string proxy_url;
  bool disable_compression = false;
  // The JSON of extensions[name == "client.authentication.k8s.io/exec"].extension: handed to an
  // exec plugin as spec.cluster.config when it asks for cluster information. "" when absent.
  std::string exec_extension_json;
  std::string origin;  // the kubeconfig file that defined this entry
};

struct KubeconfigUser {
  std::string client_certificate;       // a file path
  std::string client_certificate_data;  // PEM (decoded from base64)
  std::string client_key;               // a file path
  std::string client_key_data;          // PEM (decoded from base64); secret
  std::string token;                    // secret
  std::string token_file;               // a file path
  std::string username;
  std::string password;     // secret
  std::string impersonate;  // `as`
  std::string impersonate_uid;
  std::vector<std::string> impersonate_groups;
  std::map<std::string, std::vector<std::string>> impersonate_user_extra;
  std::string auth_provider;  // auth-provider.name; not supported, reported when selected
  std::optional<ExecConfig> exec;
  std::string origin;
};

struct KubeconfigContext {
  std::string cluster;
  std::string user;
  std::string namespace_;
  std::string origin;
};

// One kubeconfig file, or several merged.
struct Kubeconfig {
  // The files that were read, in precedence order (missing KUBECONFIG entries left out).
  std::vector<std::string> files;
  std::map<std::string, KubeconfigCluster> clusters;
  std::map<std::string, KubeconfigUser> users;
  std::map<std::string, KubeconfigContext> contexts;
  std::string current_context;
  std::string current_context_origin;  // the file that set current-context
};

// Parses one kubeconfig file (YAML or JSON). An empty file is an empty config, as in kubectl.
// Unknown fields are ignored; a field of the wrong type, bad base64, a duplicate name in one list
// or a YAML syntax error fails with the file, line and column:
//   `cannot load kubeconfig /home/u/.kube/config:4:13: clusters[0].cluster.server: expected a
//    string, found an integer`
// Paths are kept as written and every entry's origin is `path`. Values never appear in messages.
Expected<Kubeconfig> ParseKubeconfig(const std::string& path, std::string_view text);

// Merges files given in precedence order the way client-go's loader does: the first file that
// defines a cluster, user or context name wins that name whole (later definitions are dropped
// even for fields the first one leaves empty), and current-context comes from the first file that
// sets it. Then every relative certificate-authority, client-certificate, client-key, tokenFile,
// and exec command containing a '/', is joined to the directory of the file that defined its
// entry (made absolute against `working_directory` when that directory is relative and
// `working_directory` is not empty).
Kubeconfig MergeKubeconfigs(std::vector<Kubeconfig> files, const std::string& working_directory);

struct KubeconfigLoadOptions {
  // --kubeconfig: the one file to read; it must exist.
  std::string explicit_path;
  // The process's current directory: relative kubeconfig paths (from --kubeconfig or
  // KUBECONFIG) are read from it and their entries' relative paths resolved against it, as
  // filepath.Abs does in client-go. "" leaves relative paths relative (to whatever directory the
  // FileSystem reads from).
  std::string working_directory;
};

// Finds and reads the kubeconfig files as kubectl does: --kubeconfig, else the KUBECONFIG list
// (split on ':', empty and repeated entries ignored, missing files skipped), else
// $HOME/.kube/config (skipped when missing). A file that exists but cannot be read or parsed is
// an error, as it is for kubectl. All reading goes through `file_system`. No file at all gives an
// empty Kubeconfig (SelectConnection then explains what is missing).
Expected<Kubeconfig> LoadKubeconfig(const KubeconfigLoadOptions& options,
                                    const Environment& environment,
                                    const manifest::FileSystem& file_system);

// The files LoadKubeconfig would look at, in order (for messages).
std::vector<std::string> KubeconfigSearchPath(const KubeconfigLoadOptions& options,
                                              const Environment& environment);

}  // namespace agw::validate::cluster
