#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "validate/cluster/connection.h"
#include "validate/cluster/environment.h"
#include "validate/cluster/kubeconfig.h"
#include "validate/manifest/error.h"
#include "validate/manifest/process.h"

namespace agw::validate::cluster {

// client-go credential plugins (client.authentication.k8s.io v1 and v1beta1), as kubectl runs
// them non-interactively (plugin/pkg/client/auth/exec/exec.go).

// What a plugin printed. Holds secrets.
struct ExecCredential {
  std::string token;
  std::string client_certificate_pem;
  std::string client_key_pem;
  std::string expiration_timestamp;  // status.expirationTimestamp as given; "" when none
};

// The value of KUBERNETES_EXEC_INFO: an ExecCredential with spec.interactive false and, when the
// plugin asks for it (provideClusterInfo), spec.cluster (server, tls-server-name,
// insecure-skip-tls-verify, certificate-authority-data in base64, proxy-url,
// disable-compression, and the cluster's exec extension as config). Keys in Go's order:
//   {"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1",
//    "spec":{"interactive":false}}
std::string ExecInfoJson(const ExecConfig& exec, const ClusterConnection& connection);

// How messages name a plugin: `exec credential plugin "aws" (user "eks-admin")`.
std::string DescribePlugin(const ExecConfig& exec, const std::string& user);

// Reads a plugin's stdout: an ExecCredential JSON object of exec.api_version with status.token,
// or status.clientCertificateData and status.clientKeyData (PEM), or all three. Errors start
// with DescribePlugin(exec, user) and never quote the output:
//   ... printed something that is not an ExecCredential: <why>
//   ... is configured to use API version client.authentication.k8s.io/v1, but it returned
//       version client.authentication.k8s.io/v1beta1
//   ... returned no status
//   ... returned neither a token nor a client certificate and key
//   ... returned a client certificate or a key without the other
Expected<ExecCredential> ParseExecCredential(std::string_view stdout_text, const ExecConfig& exec,
                                             const std::string& user);

// Bounds on one plugin run. A plugin that talks to a cloud (aws eks get-token, gke-gcloud-auth-
// plugin) answers within a few seconds; 30 s leaves room for a slow token endpoint while a hung
// plugin still fails in reasonable time. An ExecCredential is a few KiB (a certificate chain at
// most): 1 MiB of stdout is far beyond any real one.
struct ExecLimits {
  std::chrono::milliseconds timeout{30000};
  std::size_t max_stdout_bytes = 1 << 20;
  std::size_t max_stderr_bytes = 4096;  // the tail kept for the error message
  bool inherit_stderr = false;          // pass the plugin's stderr through instead
};

// Runs connection.exec (which must be set) with its args, `environment` plus its env entries
// plus KUBERNETES_EXEC_INFO (later entries win, as with Go's exec.Cmd), stdin from /dev/null,
// the command looked up on environment's PATH unless it contains a '/'. Errors name the plugin:
//   ... was not found on PATH\n\n<installHint>
//   ... failed with exit code 2: <the last lines of its stderr>
//   ... did not finish within 30 s
// interactiveMode Always is refused (there is no terminal to hand over).
Expected<ExecCredential> RunExecCredentialPlugin(const ClusterConnection& connection,
                                                 manifest::ProcessRunner& runner,
                                                 const Environment& environment,
                                                 const ExecLimits& limits);

// Go's base64.StdEncoding.EncodeToString.
std::string EncodeBase64(std::string_view bytes);

}  // namespace agw::validate::cluster
