#include "validate/cluster/credentials.h"

namespace agw::validate::cluster {

namespace {

// strings.TrimSpace, as CachedFileTokenSource applies it.
std::string TrimSpace(const std::string& text) {
  std::size_t begin = text.find_first_not_of(" \t\r\n\v\f");
  if (begin == std::string::npos) {
    return "";
  }
  std::size_t end = text.find_last_not_of(" \t\r\n\v\f");
  return text.substr(begin, end - begin + 1);
}

}  // namespace

Expected<Credentials> ResolveCredentials(const ClusterConnection& connection,
                                         const manifest::FileSystem& file_system,
                                         manifest::ProcessRunner& runner,
                                         const Environment& environment, const ExecLimits& limits) {
  Credentials credentials;
  credentials.bearer_token = connection.token;
  credentials.client_certificate_pem = connection.client_certificate_pem;
  credentials.client_key_pem = connection.client_key_pem;
  credentials.username = connection.username;
  credentials.password = connection.password;
  const std::string owner = "user \"" + connection.user + "\"";
  if (!connection.token_file.empty()) {
    // transport.NewBearerAuthWithRefreshRoundTripper: the file is the source of truth when it
    // can be read; an inline token is only the fallback.
    Expected<std::string> text =
        file_system.Stat(connection.token_file) == manifest::FileSystem::Kind::kFile
            ? file_system.ReadFile(connection.token_file)
            : Expected<std::string>(MakeError("No such file or directory"));
    if (text) {
      std::string token = TrimSpace(*text);
      if (token.empty()) {
        if (connection.token.empty()) {
          return MakeError("the tokenFile " + connection.token_file + " of " + owner + " is empty");
        }
      } else {
        credentials.bearer_token = std::move(token);
      }
    } else if (connection.token.empty()) {
      std::string reason = text.error().message;
      // DiskFileSystem says `cannot read "path": why`; keep only the why.
      if (std::size_t colon = reason.rfind(": "); colon != std::string::npos) {
        reason = reason.substr(colon + 2);
      }
      return MakeError("cannot read tokenFile " + connection.token_file + " of " + owner + ": " +
                       reason);
    }
  }
  bool has_other = !credentials.bearer_token.empty() || !connection.token_file.empty() ||
                   !credentials.username.empty() || !credentials.password.empty() ||
                   !credentials.client_certificate_pem.empty();
  if (connection.exec && !has_other) {
    Expected<ExecCredential> plugin =
        RunExecCredentialPlugin(connection, runner, environment, limits);
    if (!plugin) {
      return tl::unexpected(plugin.error());
    }
    credentials.bearer_token = std::move(plugin->token);
    credentials.client_certificate_pem = std::move(plugin->client_certificate_pem);
    credentials.client_key_pem = std::move(plugin->client_key_pem);
  }
  if (credentials.bearer_token.find_first_of("\r\n") != std::string::npos) {
    // Go's net/http refuses such a header value; saying so beats a confusing 400 or 401.
    return MakeError("the bearer token of " + owner + " contains a line break");
  }
  return credentials;
}

}  // namespace agw::validate::cluster
