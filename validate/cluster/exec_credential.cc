#include "validate/cluster/exec_credential.h"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace agw::validate::cluster {

namespace {

constexpr char kExecInfoVariable[] = "KUBERNETES_EXEC_INFO";
constexpr std::size_t kStderrLines = 10;

std::string Quote(const std::string& text) { return "\"" + text + "\""; }

// client_config.go cleanANSIEscapeCodes: an install hint is printed on the user's terminal, so
// control characters other than tab and line breaks are shown as U+XXXX instead of obeyed.
std::string CleanControlCharacters(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if ((c < 0x20 && (c < 0x09 || c > 0x0d)) || c == 0x7f) {
      char code[8];
      std::snprintf(code, sizeof(code), "U+%04X", c);
      out += code;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// The last lines of a plugin's stderr, for an error message.
std::string StderrTail(const std::string& stderr_text) {
  std::size_t end = stderr_text.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) {
    return "";
  }
  std::size_t start = end + 1;
  for (std::size_t lines = 0; lines < kStderrLines && start > 0; ++lines) {
    std::size_t newline = stderr_text.rfind('\n', start - 1);
    start = newline == std::string::npos ? 0 : newline;
  }
  std::size_t first = stderr_text.find_first_not_of("\r\n", start);
  return CleanControlCharacters(stderr_text.substr(first, end + 1 - first));
}

std::string Seconds(std::chrono::milliseconds duration) {
  auto count = duration.count();
  if (count % 1000 == 0) {
    return std::to_string(count / 1000) + " s";
  }
  return std::to_string(count) + " ms";
}

}  // namespace

std::string EncodeBase64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) |
                 (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == bytes.size()) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) |
                 (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string ExecInfoJson(const ExecConfig& exec, const ClusterConnection& connection) {
  nlohmann::ordered_json info;
  info["kind"] = "ExecCredential";
  info["apiVersion"] = exec.api_version;
  nlohmann::ordered_json spec = nlohmann::ordered_json::object();
  if (exec.provide_cluster_info) {
    // clientauthentication/v1 Cluster, fields in declaration order, omitempty as declared.
    nlohmann::ordered_json cluster;
    cluster["server"] = connection.server;
    if (!connection.tls_server_name.empty()) {
      cluster["tls-server-name"] = connection.tls_server_name;
    }
    if (connection.insecure_skip_tls_verify) {
      cluster["insecure-skip-tls-verify"] = true;
    }
    if (!connection.ca_pem.empty()) {
      cluster["certificate-authority-data"] = EncodeBase64(connection.ca_pem);
    }
    if (!connection.proxy_url.empty()) {
      cluster["proxy-url"] = connection.proxy_url;
    }
    if (connection.disable_compression) {
      cluster["disable-compression"] = true;
    }
    if (!connection.exec_extension_json.empty()) {
      nlohmann::ordered_json config =
          nlohmann::ordered_json::parse(connection.exec_extension_json, nullptr, false);
      if (!config.is_discarded()) {
        cluster["config"] = std::move(config);
      }
    }
    spec["cluster"] = std::move(cluster);
  }
  spec["interactive"] = false;
  info["spec"] = std::move(spec);
  return info.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string DescribePlugin(const ExecConfig& exec, const std::string& user) {
  return "exec credential plugin " + Quote(exec.command) + " (user " + Quote(user) + ")";
}

Expected<ExecCredential> ParseExecCredential(std::string_view stdout_text, const ExecConfig& exec,
                                             const std::string& user) {
  const std::string plugin = DescribePlugin(exec, user);
  auto not_credential = [&](const std::string& why) {
    return MakeError(plugin + " printed something that is not an ExecCredential: " + why);
  };
  nlohmann::json output;
  try {
    output = nlohmann::json::parse(stdout_text);
  } catch (const nlohmann::json::parse_error& e) {
    if (stdout_text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      return not_credential("the output is empty");
    }
    return not_credential("invalid JSON at byte " + std::to_string(e.byte));
  }
  if (!output.is_object()) {
    return not_credential("the output is not a JSON object");
  }
  auto string_field = [](const nlohmann::json& object, const char* key) -> const std::string* {
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
  };
  const std::string* api_version = string_field(output, "apiVersion");
  const std::string* kind = string_field(output, "kind");
  if (api_version == nullptr || api_version->empty()) {
    return not_credential("it has no apiVersion");
  }
  if (kind == nullptr || kind->empty()) {
    return not_credential("it has no kind");
  }
  if (*kind != "ExecCredential") {
    return not_credential("its kind is " + Quote(*kind));
  }
  if (*api_version != exec.api_version) {
    return MakeError(plugin + " is configured to use API version " + exec.api_version +
                     ", but it returned version " + *api_version);
  }
  auto status = output.find("status");
  if (status == output.end() || status->is_null()) {
    return MakeError(plugin + " returned no status");
  }
  if (!status->is_object()) {
    return not_credential("status is not an object");
  }
  ExecCredential credential;
  for (auto [key, out] : {std::pair{"token", &credential.token},
                          std::pair{"clientCertificateData", &credential.client_certificate_pem},
                          std::pair{"clientKeyData", &credential.client_key_pem},
                          std::pair{"expirationTimestamp", &credential.expiration_timestamp}}) {
    auto it = status->find(key);
    if (it == status->end() || it->is_null()) {
      continue;
    }
    if (!it->is_string()) {
      return not_credential("status." + std::string(key) + " is not a string");
    }
    *out = it->get<std::string>();
  }
  if (credential.token.empty() && credential.client_certificate_pem.empty() &&
      credential.client_key_pem.empty()) {
    return MakeError(plugin + " returned neither a token nor a client certificate and key");
  }
  if (credential.client_certificate_pem.empty() != credential.client_key_pem.empty()) {
    return MakeError(plugin + " returned a client certificate or a key without the other");
  }
  return credential;
}

Expected<ExecCredential> RunExecCredentialPlugin(const ClusterConnection& connection,
                                                 manifest::ProcessRunner& runner,
                                                 const Environment& environment,
                                                 const ExecLimits& limits) {
  const ExecConfig& exec = *connection.exec;
  const std::string plugin = DescribePlugin(exec, connection.user);
  if (exec.interactive_mode == "Always") {
    return MakeError(plugin +
                     " needs an interactive terminal (interactiveMode: Always), which "
                     "kubectl-agentgateway does not hand to credential plugins");
  }
  Environment child = environment;
  for (const ExecEnvVar& var : exec.env) {
    child[var.name] = var.value;
  }
  child[kExecInfoVariable] = ExecInfoJson(exec, connection);

  manifest::ProcessSpec spec;
  spec.program = exec.command;
  spec.args = exec.args;
  for (const auto& [name, value] : child) {
    spec.environment.push_back(name + "=" + value);
  }
  spec.search_path = Lookup(environment, "PATH").value_or("");
  spec.timeout = limits.timeout;
  spec.max_stdout_bytes = limits.max_stdout_bytes;
  spec.max_stderr_bytes = limits.max_stderr_bytes;
  spec.inherit_stderr = limits.inherit_stderr;
  Expected<manifest::ProcessResult> ran = runner.Run(spec);
  if (!ran) {
    return MakeError("cannot run " + plugin + ": " + ran.error().message);
  }
  const manifest::ProcessResult& result = *ran;
  using Outcome = manifest::ProcessResult::Outcome;
  switch (result.outcome) {
    case Outcome::kNotFound: {
      std::string message = plugin + " was not found";
      if (exec.command.find('/') == std::string::npos) {
        message += " on PATH";
      }
      if (!exec.install_hint.empty()) {
        message += "\n\n" + CleanControlCharacters(exec.install_hint);
      }
      return MakeError(message);
    }
    case Outcome::kNotExecutable:
      return MakeError(plugin + " cannot be run: " + result.error);
    case Outcome::kTimedOut:
      return MakeError(plugin + " did not finish within " + Seconds(limits.timeout));
    case Outcome::kStdoutTooLarge:
      return MakeError(plugin + " printed more than " + std::to_string(limits.max_stdout_bytes) +
                       " bytes");
    case Outcome::kSignaled:
      return MakeError(plugin + " was killed by signal " + std::to_string(result.signal));
    case Outcome::kExited:
      break;
  }
  if (result.exit_code != 0) {
    std::string tail = StderrTail(result.stderr_tail);
    return MakeError(plugin + " failed with exit code " + std::to_string(result.exit_code) +
                     (tail.empty() ? "" : ": " + tail));
  }
  return ParseExecCredential(result.stdout_text, exec, connection.user);
}

}  // namespace agw::validate::cluster
