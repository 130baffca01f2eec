#include "validate/cluster/exec_credential.h"

#include <catch2/catch.hpp>

#include "validate/cluster/credentials.h"

namespace agw::validate::cluster {
namespace {

// Records the spec and answers with a fixed result.
class FakeRunner : public validate::manifest::ProcessRunner {
 public:
  explicit FakeRunner(validate::manifest::ProcessResult result) : result_(std::move(result)) {}
  Expected<validate::manifest::ProcessResult> Run(
      const validate::manifest::ProcessSpec& spec) override {
    specs.push_back(spec);
    return result_;
  }
  std::vector<validate::manifest::ProcessSpec> specs;

 private:
  validate::manifest::ProcessResult result_;
};

validate::manifest::ProcessResult Exited(int code, std::string out, std::string err = "") {
  validate::manifest::ProcessResult result;
  result.exit_code = code;
  result.stdout_text = std::move(out);
  result.stderr_tail = std::move(err);
  return result;
}

ClusterConnection ExecConnection(
    const std::string& api_version = "client.authentication.k8s.io/v1") {
  ClusterConnection connection;
  connection.context = "eks";
  connection.user = "eks-admin";
  connection.server = "https://api.example.com";
  connection.exec.emplace();
  connection.exec->api_version = api_version;
  connection.exec->command = "aws";
  connection.exec->args = {"eks", "get-token"};
  connection.exec->env = {{"AWS_PROFILE", "prod"}, {"HOME", "/plugin-home"}};
  connection.exec->interactive_mode = "Never";
  return connection;
}

const std::string kToken =
    R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",)"
    R"("status":{"token":"tok-123","expirationTimestamp":"2030-01-01T00:00:00Z"}})";

std::string ParseError(std::string_view out) {
  Expected<ExecCredential> parsed = ParseExecCredential(out, *ExecConnection().exec, "eks-admin");
  REQUIRE_FALSE(parsed.has_value());
  return parsed.error().message;
}

TEST_CASE("KUBERNETES_EXEC_INFO is the ExecCredential kubectl writes") {
  ClusterConnection connection = ExecConnection();
  CHECK(ExecInfoJson(*connection.exec, connection) ==
        R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1",)"
        R"("spec":{"interactive":false}})");
  connection.exec->provide_cluster_info = true;
  connection.ca_pem = "PEM";
  connection.tls_server_name = "kubernetes";
  connection.exec_extension_json = R"({"audience":"k8s"})";
  CHECK(
      ExecInfoJson(*connection.exec, connection) ==
      R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":)"
      R"({"cluster":{"server":"https://api.example.com","tls-server-name":"kubernetes",)"
      R"("certificate-authority-data":"UEVN","config":{"audience":"k8s"}},"interactive":false}})");
}

TEST_CASE("Base64 encoding matches Go's StdEncoding") {
  CHECK(EncodeBase64("") == "");
  CHECK(EncodeBase64("f") == "Zg==");
  CHECK(EncodeBase64("fo") == "Zm8=");
  CHECK(EncodeBase64("foo") == "Zm9v");
  CHECK(EncodeBase64("\xff\xfe\xfd\xfc") == "//79/A==");
}

TEST_CASE("A plugin's token or certificate pair is read from its output") {
  Expected<ExecCredential> token = ParseExecCredential(kToken, *ExecConnection().exec, "u");
  REQUIRE(token.has_value());
  CHECK(token->token == "tok-123");
  CHECK(token->expiration_timestamp == "2030-01-01T00:00:00Z");
  Expected<ExecCredential> pair = ParseExecCredential(
      R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":)"
      R"({"clientCertificateData":"CERT","clientKeyData":"KEY"}})",
      *ExecConnection().exec, "u");
  REQUIRE(pair.has_value());
  CHECK(pair->token.empty());
  CHECK(pair->client_certificate_pem == "CERT");
  CHECK(pair->client_key_pem == "KEY");
}

TEST_CASE("A plugin's bad output is explained without quoting it") {
  const std::string plugin = "exec credential plugin \"aws\" (user \"eks-admin\")";
  CHECK(ParseError("") == plugin +
                              " printed something that is not an ExecCredential: the output "
                              "is empty");
  CHECK(ParseError("token=hunter2") ==
        plugin + " printed something that is not an ExecCredential: invalid JSON at byte 2");
  CHECK(ParseError(R"({"kind":"ExecCredential"})") ==
        plugin + " printed something that is not an ExecCredential: it has no apiVersion");
  CHECK(ParseError(R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"Pod"})") ==
        plugin + " printed something that is not an ExecCredential: its kind is \"Pod\"");
  CHECK(ParseError(R"({"apiVersion":"client.authentication.k8s.io/v1beta1",)"
                   R"("kind":"ExecCredential","status":{"token":"x"}})") ==
        plugin +
            " is configured to use API version client.authentication.k8s.io/v1, but it returned "
            "version client.authentication.k8s.io/v1beta1");
  CHECK(ParseError(R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential"})") ==
        plugin + " returned no status");
  CHECK(ParseError(R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",)"
                   R"("status":{}})") ==
        plugin + " returned neither a token nor a client certificate and key");
  CHECK(ParseError(R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",)"
                   R"("status":{"clientKeyData":"KEY"}})") ==
        plugin + " returned a client certificate or a key without the other");
  CHECK(ParseError(R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",)"
                   R"("status":{"token":42}})") ==
        plugin + " printed something that is not an ExecCredential: status.token is not a string");
}

TEST_CASE("The plugin runs with its args and the environment plus its env and the exec info") {
  FakeRunner runner(Exited(0, kToken));
  ClusterConnection connection = ExecConnection();
  Environment environment = {{"PATH", "/usr/local/bin:/usr/bin"}, {"HOME", "/home/u"}};
  Expected<ExecCredential> credential =
      RunExecCredentialPlugin(connection, runner, environment, ExecLimits{});
  REQUIRE(credential.has_value());
  CHECK(credential->token == "tok-123");
  REQUIRE(runner.specs.size() == 1);
  const validate::manifest::ProcessSpec& spec = runner.specs[0];
  CHECK(spec.program == "aws");
  CHECK(spec.args == std::vector<std::string>{"eks", "get-token"});
  CHECK(spec.search_path == "/usr/local/bin:/usr/bin");
  CHECK(
      spec.environment ==
      std::vector<std::string>{"AWS_PROFILE=prod", "HOME=/plugin-home",
                               R"(KUBERNETES_EXEC_INFO={"kind":"ExecCredential","apiVersion":)"
                               R"("client.authentication.k8s.io/v1","spec":{"interactive":false}})",
                               "PATH=/usr/local/bin:/usr/bin"});
  CHECK(spec.timeout == std::chrono::seconds(30));
  CHECK(spec.max_stdout_bytes == 1 << 20);
}

TEST_CASE("A plugin that cannot run or fails is reported by name") {
  const std::string plugin = "exec credential plugin \"aws\" (user \"eks-admin\")";
  auto run = [](validate::manifest::ProcessResult result,
                ClusterConnection connection = ExecConnection()) {
    FakeRunner runner(std::move(result));
    Expected<ExecCredential> credential =
        RunExecCredentialPlugin(connection, runner, {}, ExecLimits{});
    REQUIRE_FALSE(credential.has_value());
    return credential.error().message;
  };
  validate::manifest::ProcessResult missing;
  missing.outcome = validate::manifest::ProcessResult::Outcome::kNotFound;
  ClusterConnection hinted = ExecConnection();
  hinted.exec->install_hint = "\x1b[1mbrew install awscli\x1b[0m\nor see the docs";
  CHECK(run(missing, hinted) == plugin +
                                    " was not found on PATH\n\nU+001B[1mbrew install "
                                    "awscliU+001B[0m\nor see the docs");
  ClusterConnection pathed = ExecConnection();
  pathed.exec->command = "/opt/bin/aws";
  CHECK(run(missing, pathed) ==
        "exec credential plugin \"/opt/bin/aws\" (user \"eks-admin\") was not found");
  validate::manifest::ProcessResult denied;
  denied.outcome = validate::manifest::ProcessResult::Outcome::kNotExecutable;
  denied.error = "Permission denied";
  CHECK(run(denied) == plugin + " cannot be run: Permission denied");
  std::string stderr_text;
  for (int i = 1; i <= 12; ++i) {
    stderr_text += "line " + std::to_string(i) + "\n";
  }
  CHECK(run(Exited(2, "", stderr_text + "\n\n")) ==
        plugin +
            " failed with exit code 2: line 3\nline 4\nline 5\nline 6\nline 7\nline 8\n"
            "line 9\nline 10\nline 11\nline 12");
  CHECK(run(Exited(1, "")) == plugin + " failed with exit code 1");
  validate::manifest::ProcessResult slow;
  slow.outcome = validate::manifest::ProcessResult::Outcome::kTimedOut;
  CHECK(run(slow) == plugin + " did not finish within 30 s");
  validate::manifest::ProcessResult chatty;
  chatty.outcome = validate::manifest::ProcessResult::Outcome::kStdoutTooLarge;
  CHECK(run(chatty) == plugin + " printed more than 1048576 bytes");
  validate::manifest::ProcessResult killed;
  killed.outcome = validate::manifest::ProcessResult::Outcome::kSignaled;
  killed.signal = 9;
  CHECK(run(killed) == plugin + " was killed by signal 9");
  ClusterConnection always = ExecConnection();
  always.exec->interactive_mode = "Always";
  CHECK(run(Exited(0, kToken), always) ==
        plugin +
            " needs an interactive terminal (interactiveMode: Always), which "
            "kubectl-agentgateway does not hand to credential plugins");
}

TEST_CASE("A token file replaces the inline token and the plugin runs only without other auth") {
  validate::manifest::InMemoryFileSystem fs;
  fs.AddFile("/t/token", "  from-file\n");
  fs.AddFile("/t/empty", "\n");
  FakeRunner runner(Exited(0, kToken));
  ClusterConnection connection = ExecConnection();
  connection.token_file = "/t/token";
  Expected<Credentials> credentials = ResolveCredentials(connection, fs, runner, {});
  REQUIRE(credentials.has_value());
  CHECK(credentials->bearer_token == "from-file");
  CHECK(runner.specs.empty());  // a token file means the plugin is not needed

  connection.token = "inline";
  connection.token_file = "/t/missing";
  credentials = ResolveCredentials(connection, fs, runner, {});
  REQUIRE(credentials.has_value());
  CHECK(credentials->bearer_token == "inline");

  connection.token.clear();
  credentials = ResolveCredentials(connection, fs, runner, {});
  REQUIRE_FALSE(credentials.has_value());
  CHECK(credentials.error().message ==
        "cannot read tokenFile /t/missing of user \"eks-admin\": No such file or directory");
  connection.token_file = "/t/empty";
  credentials = ResolveCredentials(connection, fs, runner, {});
  REQUIRE_FALSE(credentials.has_value());
  CHECK(credentials.error().message == "the tokenFile /t/empty of user \"eks-admin\" is empty");

  connection.token_file.clear();
  credentials = ResolveCredentials(connection, fs, runner, {});
  REQUIRE(credentials.has_value());
  CHECK(credentials->bearer_token == "tok-123");
  CHECK(runner.specs.size() == 1);

  connection.exec.reset();
  connection.token = "two\nlines";
  credentials = ResolveCredentials(connection, fs, runner, {});
  REQUIRE_FALSE(credentials.has_value());
  CHECK(credentials.error().message ==
        "the bearer token of user \"eks-admin\" contains a line "
        "break");
}

// --- The real process runner ----------------------------------------------------------------

}  // namespace
}  // namespace agw::validate::cluster
