#include "validate/cluster/connection.h"

#include <string_view>

#include "validate/cluster/proxy.h"

namespace agw::validate::cluster {

namespace {

constexpr std::string_view kExecV1 = "client.authentication.k8s.io/v1";
constexpr std::string_view kExecV1Beta1 = "client.authentication.k8s.io/v1beta1";

std::string Quote(const std::string& text) { return "\"" + text + "\""; }

std::string JoinPaths(const std::vector<std::string>& paths) {
  std::string joined;
  for (const std::string& path : paths) {
    joined += (joined.empty() ? "" : ", ") + path;
  }
  return joined;
}

// "/a" or "any of /a, /b".
std::string DescribeFiles(const std::vector<std::string>& files) {
  return files.size() == 1 ? files.front() : "any of " + JoinPaths(files);
}

// Reads `path` (a certificate-authority, client-certificate or client-key) for `owner`.
Expected<std::string> ReadReferenced(const manifest::FileSystem& file_system,
                                     const std::string& path, const std::string& field,
                                     const std::string& owner) {
  switch (file_system.Stat(path)) {
    case manifest::FileSystem::Kind::kMissing:
      return MakeError("cannot read " + field + " " + path + " of " + owner +
                       ": No such file or directory");
    case manifest::FileSystem::Kind::kDirectory:
      return MakeError("cannot read " + field + " " + path + " of " + owner + ": Is a directory");
    case manifest::FileSystem::Kind::kFile:
      break;
  }
  Expected<std::string> text = file_system.ReadFile(path);
  if (!text) {
    // DiskFileSystem says `cannot read "path": why`; keep only the why.
    std::string reason = text.error().message;
    if (std::size_t colon = reason.rfind(": "); colon != std::string::npos) {
      reason = reason.substr(colon + 2);
    }
    return MakeError("cannot read " + field + " " + path + " of " + owner + ": " + reason);
  }
  return text;
}

bool HasPem(const std::string& text, std::string_view label_suffix) {
  std::size_t begin = text.find("-----BEGIN ");
  return begin != std::string::npos &&
         text.find(std::string(label_suffix) + "-----", begin) != std::string::npos;
}

// Data wins over the file, as client-go's dataFromSliceOrFile does; kubectl refuses both at once
// (validation.go), so this does too.
Expected<std::string> DataOrFile(const manifest::FileSystem& file_system, const std::string& data,
                                 const std::string& file, const std::string& data_field,
                                 const std::string& file_field, const std::string& owner,
                                 std::string* origin) {
  if (!data.empty() && !file.empty()) {
    return MakeError(owner + " sets both " + data_field + " and " + file_field +
                     " (kubectl refuses this too: keep one)");
  }
  if (!data.empty()) {
    if (origin != nullptr) {
      *origin = data_field + " of " + owner;
    }
    return data;
  }
  if (file.empty()) {
    return std::string();
  }
  if (origin != nullptr) {
    *origin = file_field + " " + file;
  }
  return ReadReferenced(file_system, file, file_field, owner);
}

Expected<void> CheckExec(const ExecConfig& exec, const std::string& owner) {
  if (exec.command.empty()) {
    return MakeError(owner + " has an exec credential plugin without a command");
  }
  if (exec.api_version.empty()) {
    return MakeError(owner + " has an exec credential plugin without an apiVersion");
  }
  if (exec.api_version != kExecV1 && exec.api_version != kExecV1Beta1) {
    return MakeError(owner + " has an exec credential plugin with apiVersion " +
                     Quote(exec.api_version) + ": use " + std::string(kExecV1) + " or " +
                     std::string(kExecV1Beta1));
  }
  for (const ExecEnvVar& var : exec.env) {
    if (var.name.empty()) {
      return MakeError(owner + " has an exec credential plugin env entry without a name");
    }
  }
  // v1beta1 defaults interactiveMode to IfAvailable (clientcmd/api/v1/defaults.go); v1 must say.
  if (exec.interactive_mode.empty() && exec.api_version == kExecV1) {
    return MakeError(owner + " has an exec credential plugin without interactiveMode (" +
                     std::string(kExecV1) + " requires Never, IfAvailable or Always)");
  }
  if (!exec.interactive_mode.empty() && exec.interactive_mode != "Never" &&
      exec.interactive_mode != "IfAvailable" && exec.interactive_mode != "Always") {
    return MakeError(owner + " has an exec credential plugin with invalid interactiveMode " +
                     Quote(exec.interactive_mode));
  }
  return {};
}

Expected<void> FillUser(const KubeconfigUser& user, const std::string& owner,
                        const manifest::FileSystem& file_system, ClusterConnection& out) {
  if (!user.auth_provider.empty()) {
    return MakeError(owner + " uses auth-provider " + Quote(user.auth_provider) +
                     ", which kubectl-agentgateway does not support: use an exec credential "
                     "plugin instead (for OIDC, kubelogin)");
  }
  bool has_token = !user.token.empty();
  bool has_basic = !user.username.empty() || !user.password.empty();
  if (has_token && has_basic) {
    return MakeError("more than one authentication method found for " + owner +
                     ": token and username/password; only one is allowed");
  }
  if (!user.client_certificate.empty() || !user.client_certificate_data.empty()) {
    if (user.client_key.empty() && user.client_key_data.empty()) {
      return MakeError(owner + " has a client certificate but no client-key or client-key-data");
    }
    Expected<std::string> cert =
        DataOrFile(file_system, user.client_certificate_data, user.client_certificate,
                   "client-certificate-data", "client-certificate", owner, nullptr);
    if (!cert) {
      return tl::unexpected(cert.error());
    }
    Expected<std::string> key = DataOrFile(file_system, user.client_key_data, user.client_key,
                                           "client-key-data", "client-key", owner, nullptr);
    if (!key) {
      return tl::unexpected(key.error());
    }
    if (!HasPem(*cert, "CERTIFICATE")) {
      return MakeError("the client certificate of " + owner + " holds no PEM certificate");
    }
    if (!HasPem(*key, "PRIVATE KEY")) {
      return MakeError("the client key of " + owner + " holds no PEM private key");
    }
    out.client_certificate_pem = std::move(*cert);
    out.client_key_pem = std::move(*key);
  }
  if (user.exec) {
    if (Expected<void> checked = CheckExec(*user.exec, owner); !checked) {
      return checked;
    }
    out.exec = user.exec;
  }
  out.token = user.token;
  out.token_file = user.token_file;
  out.username = user.username;
  out.password = user.password;
  out.impersonate = user.impersonate;
  out.impersonate_uid = user.impersonate_uid;
  out.impersonate_groups = user.impersonate_groups;
  out.impersonate_user_extra = user.impersonate_user_extra;
  return {};
}

Expected<void> FillCluster(const KubeconfigCluster& cluster, const std::string& owner,
                           const manifest::FileSystem& file_system, ClusterConnection& out) {
  if (cluster.server.empty()) {
    return MakeError(owner + " has no server");
  }
  std::string server = cluster.server;
  std::size_t scheme_end = server.find("://");
  if (scheme_end == std::string::npos || scheme_end + 3 == server.size()) {
    // rest.defaultServerUrlFor: no scheme or no host means plain http.
    server = "http://" + server;
  } else {
    std::string scheme = server.substr(0, scheme_end);
    if (scheme != "https" && scheme != "http") {
      return MakeError(owner + " has server " + Quote(cluster.server) +
                       ", which is not an http or https URL");
    }
  }
  while (server.back() == '/') {
    server.pop_back();
  }
  out.server = server;
  if (!cluster.proxy_url.empty()) {
    if (Expected<void> valid = CheckProxyUrl(cluster.proxy_url); !valid) {
      return MakeError("invalid proxy-url " + Quote(RedactUrl(cluster.proxy_url)) + " of " + owner +
                       ": " + valid.error().message);
    }
  }
  Expected<std::string> ca =
      DataOrFile(file_system, cluster.certificate_authority_data, cluster.certificate_authority,
                 "certificate-authority-data", "certificate-authority", owner, &out.ca_origin);
  if (!ca) {
    return tl::unexpected(ca.error());
  }
  if (!ca->empty() && !HasPem(*ca, "CERTIFICATE")) {
    return MakeError("the " + out.ca_origin + " holds no PEM certificate");
  }
  if (!ca->empty() && cluster.insecure_skip_tls_verify && out.uses_tls()) {
    // transport.TLSConfigFor refuses the combination.
    return MakeError(owner +
                     " sets insecure-skip-tls-verify together with a certificate "
                     "authority, which kubectl does not allow: keep one");
  }
  out.ca_pem = std::move(*ca);
  out.insecure_skip_tls_verify = cluster.insecure_skip_tls_verify;
  out.tls_server_name = cluster.tls_server_name;
  out.proxy_url = cluster.proxy_url;
  out.disable_compression = cluster.disable_compression;
  out.exec_extension_json = cluster.exec_extension_json;
  return {};
}

}  // namespace

Expected<ClusterConnection> SelectConnection(const Kubeconfig& kubeconfig,
                                             const ConnectionOverrides& overrides,
                                             const std::vector<std::string>& search_path,
                                             const manifest::FileSystem& file_system) {
  if (kubeconfig.files.empty()) {
    if (search_path.size() == 1) {
      return MakeError("no kubeconfig found: " + search_path.front() +
                       " does not exist (set KUBECONFIG or pass --kubeconfig)");
    }
    return MakeError("no kubeconfig found: none of the KUBECONFIG files exists (" +
                     JoinPaths(search_path) + ")");
  }
  const std::string files = DescribeFiles(kubeconfig.files);
  ClusterConnection out;
  out.context = overrides.context.empty() ? kubeconfig.current_context : overrides.context;
  const KubeconfigContext* context = nullptr;
  if (out.context.empty()) {
    if (overrides.cluster.empty()) {
      std::string where = kubeconfig.files.size() == 1 ? kubeconfig.files.front()
                                                       : "one of " + JoinPaths(kubeconfig.files);
      return MakeError("no context is selected: set current-context in " + where +
                       " or pass --context");
    }
  } else {
    auto found = kubeconfig.contexts.find(out.context);
    if (found == kubeconfig.contexts.end()) {
      return MakeError("context " + Quote(out.context) + " is not defined in " + files);
    }
    context = &found->second;
  }

  out.cluster = overrides.cluster.empty() ? context->cluster : overrides.cluster;
  if (out.cluster.empty()) {
    return MakeError("context " + Quote(out.context) + " names no cluster");
  }
  auto cluster = kubeconfig.clusters.find(out.cluster);
  if (cluster == kubeconfig.clusters.end()) {
    return MakeError(overrides.cluster.empty()
                         ? "context " + Quote(out.context) + " names cluster " +
                               Quote(out.cluster) + ", which is not defined in " + files
                         : "cluster " + Quote(out.cluster) +
                               " given with --cluster is not defined in " + files);
  }
  out.user = !overrides.user.empty() ? overrides.user : context != nullptr ? context->user : "";
  const KubeconfigUser* user = nullptr;
  if (!out.user.empty()) {
    auto found = kubeconfig.users.find(out.user);
    if (found == kubeconfig.users.end()) {
      return MakeError(overrides.user.empty()
                           ? "context " + Quote(out.context) + " names user " + Quote(out.user) +
                                 ", which is not defined in " + files
                           : "user " + Quote(out.user) + " given with --user is not defined in " +
                                 files);
    }
    user = &found->second;
  }

  if (!overrides.namespace_.empty()) {
    out.namespace_ = overrides.namespace_;
    out.namespace_from_flag = true;
  } else if (context != nullptr && !context->namespace_.empty()) {
    out.namespace_ = context->namespace_;
  } else {
    out.namespace_ = "default";
  }

  if (Expected<void> filled =
          FillCluster(cluster->second, "cluster " + Quote(out.cluster), file_system, out);
      !filled) {
    return tl::unexpected(filled.error());
  }
  if (user != nullptr) {
    if (Expected<void> filled = FillUser(*user, "user " + Quote(out.user), file_system, out);
        !filled) {
      return tl::unexpected(filled.error());
    }
  }
  if (!out.uses_tls()) {
    // client_config.go reads TLS settings and credentials only for an https server.
    ClusterConnection plain;
    plain.context = out.context;
    plain.cluster = out.cluster;
    plain.user = out.user;
    plain.server = out.server;
    plain.namespace_ = out.namespace_;
    plain.namespace_from_flag = out.namespace_from_flag;
    plain.proxy_url = out.proxy_url;
    plain.disable_compression = out.disable_compression;
    plain.impersonate = out.impersonate;
    plain.impersonate_uid = out.impersonate_uid;
    plain.impersonate_groups = out.impersonate_groups;
    plain.impersonate_user_extra = out.impersonate_user_extra;
    return plain;
  }
  return out;
}

std::string DescribeServer(const ClusterConnection& connection) {
  if (connection.context.empty()) {
    return "the API server " + connection.server;
  }
  return "the API server of context " + Quote(connection.context) + " (" + connection.server + ")";
}

}  // namespace agw::validate::cluster
