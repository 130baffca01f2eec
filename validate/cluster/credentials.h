#pragma once

#include <string>

#include "validate/cluster/connection.h"
#include "validate/cluster/environment.h"
#include "validate/cluster/exec_credential.h"
#include "validate/manifest/error.h"
#include "validate/manifest/file_system.h"
#include "validate/manifest/process.h"

namespace agw::validate::cluster {

// What one connection presents to the API server. Holds secrets: never print it.
struct Credentials {
  std::string bearer_token;
  std::string client_certificate_pem;
  std::string client_key_pem;
  std::string username;
  std::string password;
};

// The credentials for `connection` right now, as client-go's transport assembles them:
// - a tokenFile is read (through `file_system`) and trimmed, and replaces the inline token when
//   it is readable; with no inline token it must be readable and not empty;
// - the client certificate and key, the token and basic auth are passed on as they are;
// - the exec plugin runs only when none of the above is set (exec.go UpdateTransportConfig), and
//   its token or certificate and key are used.
// An http:// connection carries no credentials (SelectConnection already dropped them).
// Errors: `cannot read tokenFile /path of user "u": ...`, `the tokenFile /path of user "u" is
// empty`, and those of RunExecCredentialPlugin. No secret appears in any message.
Expected<Credentials> ResolveCredentials(const ClusterConnection& connection,
                                         const manifest::FileSystem& file_system,
                                         manifest::ProcessRunner& runner,
                                         const Environment& environment,
                                         const ExecLimits& limits = {});

}  // namespace agw::validate::cluster
