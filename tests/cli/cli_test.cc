// Runs the built kubectl-agentgateway binary and checks its whole output and exit code.

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/cli/echo_service.h"
#include "tests/support/echo_server.h"
#include "tests/support/golden.h"
#include "tests/support/http_client.h"
#include "tests/support/paths.h"
#include "tests/support/run.h"
#include "tests/support/running_plugin.h"

namespace agw::test {
namespace {

CommandResult Plugin(std::vector<std::string> args, const std::string& input = "",
                     const std::string& cwd = kSourceDir) {
  args.insert(args.begin(), kPluginBinary);
  return RunCommand(args, input, cwd);
}

std::string ExampleDir(const std::string& name) {
  return std::string(kSourceDir) + "/testdata/examples/" + name;
}

TEST_CASE("Every bundled example validates with no errors") {
  std::vector<std::string> examples;
  for (const auto& entry : std::filesystem::directory_iterator(ExampleDir(""))) {
    if (entry.is_directory()) {
      examples.push_back(entry.path().filename().string());
    }
  }
  REQUIRE(examples.size() >= 4);
  for (const std::string& example : examples) {
    CAPTURE(example);
    // The first tutorial runs on the enterprise distribution's GatewayClass.
    CommandResult result = Plugin({"validate", "-f", "testdata/examples/" + example,
                                   "--gateway-class", "enterprise-agentgateway"});
    CHECK(result.exit_code == 0);
    CHECK(result.err.empty());
    CHECK(result.out.find(": error:") == std::string::npos);
    bool no_errors = result.out.find(": 0 errors") != std::string::npos ||
                     result.out.find(": no findings") != std::string::npos ||
                     result.out.find(": no errors or warnings") != std::string::npos;
    CHECK(no_errors);
  }
}

TEST_CASE("The examples directory validates as a whole, with the controller's view and lints") {
  CommandResult result = Plugin({"validate", "-f", "testdata/examples/"});
  CHECK(result.exit_code == 0);
  CheckGolden("examples-validate.txt", result.out);
  CommandResult accepted = Plugin(
      {"validate", "-f", "testdata/examples/", "--gateway-class", "enterprise-agentgateway"});
  CHECK(accepted.exit_code == 0);
  CheckGolden("examples-validate-enterprise.txt", accepted.out);
}

TEST_CASE("status prints what the controller would write for each tutorial") {
  CommandResult table =
      Plugin({"status", "-f", "testdata/examples/", "--gateway-class", "enterprise-agentgateway"});
  CHECK(table.exit_code == 0);
  CheckGolden("examples-status.txt", table.out);
  CommandResult yaml = Plugin({"status", "-f", "testdata/examples/multi-llm-providers",
                               "--gateway-class", "enterprise-agentgateway", "-o", "yaml"});
  CHECK(yaml.exit_code == 0);
  CheckGolden("multi-llm-providers-status.yaml", yaml.out);
  CommandResult json = Plugin({"status", "-f", "testdata/examples/local-llm", "-o", "json"});
  auto list = nlohmann::json::parse(json.out);
  CHECK(list["kind"] == "List");
  REQUIRE(list["items"].size() == 5);
  CHECK(list["items"][0]["kind"] == "Gateway");
  CHECK(list["items"][0]["status"]["listeners"][0]["attachedRoutes"] == 2);
}

TEST_CASE("Broken YAML is reported with position and caret, and other files are still read") {
  TempDir dir;
  dir.Write("manifests/a-broken.yaml",
            "apiVersion: gateway.networking.k8s.io/v1\n"
            "kind: HTTPRoute\n"
            "metadata:\n"
            "  name: route\n"
            "\tnamespace: default\n");
  dir.Write("manifests/b-good.yaml",
            "apiVersion: v1\n"
            "kind: Secret\n"
            "metadata:\n"
            "  name: key\n"
            "stringData:\n"
            "  Authorization: placeholder\n");
  CommandResult result = Plugin({"validate", "-f", "manifests"}, "", dir.path());
  CHECK(result.exit_code == 1);
  CHECK(result.out ==
        "manifests/a-broken.yaml:5:1: error: found a tab character in indentation (YAML allows "
        "only spaces there) [yaml-syntax]\n"
        " 5 |  namespace: default\n"
        "   | ^\n"
        "1 resource in 2 files: 1 error, 0 warnings\n");
}

TEST_CASE("Duplicate identities name both places") {
  TempDir dir;
  std::string gateway =
      "apiVersion: gateway.networking.k8s.io/v1\n"
      "kind: Gateway\n"
      "metadata:\n"
      "  name: gw\n"
      "spec:\n"
      "  gatewayClassName: agentgateway\n"
      "  listeners:\n"
      "  - name: http\n"
      "    protocol: HTTP\n"
      "    port: 80\n";
  dir.Write("one.yaml", gateway);
  dir.Write("two.yaml", "---\n" + gateway);
  CommandResult result = Plugin({"validate", "-f", "one.yaml", "-f", "two.yaml"}, "", dir.path());
  CHECK(result.exit_code == 1);
  CHECK(result.out ==
        "one.yaml:8:11: warning: no route attaches to listener \"http\" (port 80): requests to "
        "it get 404 [unused-listener]\n"
        " 8 |   - name: http\n"
        "   |           ^\n"
        "two.yaml:5:9: error: duplicate resource Gateway default/gw [duplicate-resource]\n"
        " 5 |   name: gw\n"
        "   |         ^\n"
        "one.yaml:4:9: note: first defined here\n"
        " 4 |   name: gw\n"
        "   |         ^\n"
        "  hint: each object may appear once; the later definition is ignored\n"
        "1 resource in 2 files: 1 error, 1 warning\n");
}

TEST_CASE("JSON input is checked with positions") {
  TempDir dir;
  dir.Write("route.json",
            "{\n"
            "  \"apiVersion\": \"gateway.networking.k8s.io/v1\",\n"
            "  \"kind\": \"HTTPRoute\",\n"
            "  \"metadata\": {\"name\": \"route\"},\n"
            "  \"spec\": {\n"
            "    \"parentRefs\": [{\"name\": \"gw\", \"port\": \"80\"}]\n"
            "  }\n"
            "}\n");
  CommandResult result = Plugin({"validate", "-f", "route.json"}, "", dir.path());
  CHECK(result.exit_code == 1);
  // The API server refuses the route, so the controller's findings about it (its Gateway is
  // not in the inputs) are not reported.
  CHECK(result.out ==
        "The HTTPRoute \"route\" is invalid:\n"
        "route.json:6:43: error: spec.parentRefs[0].port: Invalid value: \"string\": "
        "spec.parentRefs[0].port in body must be of type integer: \"string\" "
        "[FieldValueTypeInvalid]\n"
        " 6 |     \"parentRefs\": [{\"name\": \"gw\", \"port\": \"80\"}]\n"
        "   |                                           ^\n"
        "route.json:6:43: error: <nil>: Invalid value: \"null\": some validation rules were not "
        "checked because the object was invalid; correct the existing errors to complete "
        "validation [FieldValueInvalid]\n"
        " 6 |     \"parentRefs\": [{\"name\": \"gw\", \"port\": \"80\"}]\n"
        "   |                                           ^\n"
        "1 resource in 1 file: 2 errors, 0 warnings\n");

  SECTION("and -o json carries the same finding as data") {
    CommandResult json_result =
        Plugin({"validate", "-f", "route.json", "-o", "json"}, "", dir.path());
    CHECK(json_result.exit_code == 1);
    auto json = nlohmann::json::parse(json_result.out);
    REQUIRE(json["findings"].size() == 2);
    CHECK(json["findings"][1]["field"] == "");  // the <nil> path
    const auto& finding = json["findings"][0];
    CHECK(finding["severity"] == "error");
    CHECK(finding["code"] == "FieldValueTypeInvalid");
    CHECK(finding["file"] == "route.json");
    CHECK(finding["line"] == 6);
    CHECK(finding["column"] == 43);
    CHECK(finding["field"] == "spec.parentRefs[0].port");
    CHECK(finding["resource"] == "HTTPRoute default/route");
    CHECK(json["summary"]["errors"] == 2);
    CHECK(json["summary"]["resources"] == 1);
  }
}

TEST_CASE("Manifests can come from standard input") {
  CommandResult result = Plugin({"validate", "-f", "-"},
                                "apiVersion: v1\n"
                                "kind: Secret\n"
                                "metadata:\n"
                                "  name: a\n"
                                "data:\n"
                                "  Authorization: not*base64\n");
  CHECK(result.exit_code == 1);
  CHECK(result.out ==
        "<stdin>:6:18: error: Secret in version \"v1\" cannot be handled as a Secret: illegal "
        "base64 data at input byte 3 [decoding]\n"
        " 6 |   Authorization: ****\n"
        "   |                  ^\n"
        "1 resource in 1 file: 1 error, 0 warnings\n");
}

TEST_CASE("A path that does not exist is an operational failure with exit code 3") {
  CommandResult result =
      Plugin({"validate", "-f", "does/not/exist.yaml", "-f", "testdata/examples/local-llm"});
  CHECK(result.exit_code == 3);
  CHECK(result.err == "error: the path \"does/not/exist.yaml\" does not exist\n");
  // The readable input is still checked and reported.
  CHECK(result.out.ends_with("5 resources in 3 files: 0 errors, 1 warning\n"));
}

TEST_CASE("Usage errors exit with code 2") {
  CHECK(Plugin({"validate"}).exit_code == 2);
  CHECK(Plugin({"validate", "-f", "x", "--no-such-flag"}).exit_code == 2);
  CHECK(Plugin({"validate", "-f", "x", "-o", "yaml-ish"}).exit_code == 2);
  CHECK(Plugin({}).exit_code == 2);
  CommandResult help = Plugin({"--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("validate") != std::string::npos);
}

TEST_CASE(
    "CRD flags: an unknown built-in version is a usage error, a --crds path without CRDs "
    "an operational one") {
  CommandResult version =
      Plugin({"validate", "-f", "testdata/examples/", "--gateway-api-version", "v9.9.9"});
  CHECK(version.exit_code == 2);
  CHECK(version.err.find("no built-in gateway-api CRDs v9.9.9 (built in: v1.6.1, v1.4.0)") !=
        std::string::npos);
  CommandResult no_crds =
      Plugin({"validate", "-f", "testdata/examples/", "--crds", "testdata/examples/local-llm"});
  CHECK(no_crds.exit_code == 3);
  CHECK(no_crds.err ==
        "error: --crds: testdata/examples/local-llm holds no CustomResourceDefinition\n");
  CommandResult missing = Plugin({"validate", "-f", "testdata/examples/", "--crds", "nowhere"});
  CHECK(missing.exit_code == 3);
  CHECK(missing.err.rfind("error: --crds: ", 0) == 0);
}

TEST_CASE("version names the version and the CRD sets built in") {
  CommandResult result = Plugin({"version"});
  CHECK(result.exit_code == 0);
  CHECK(result.out.rfind("kubectl-agentgateway v", 0) == 0);
  // The newest release of each project is the default; main is built in but never the default.
  CHECK(result.out.find("* gateway-api v1.6.1: ") != std::string::npos);
  CHECK(result.out.find("  gateway-api v1.4.0: ") != std::string::npos);
  CHECK(result.out.find("* agentgateway v1.4.1: ") != std::string::npos);
  CHECK(result.out.find("  agentgateway main: ") != std::string::npos);
  CHECK(result.out.find("Kubernetes kinds checked: Secret ConfigMap Service Namespace") !=
        std::string::npos);
  auto json = nlohmann::json::parse(Plugin({"version", "-o", "json"}).out);
  bool found = false;
  for (const auto& set : json["crdSets"]) {
    if (set["name"] != "gateway-api-v1.6.1") {
      continue;
    }
    found = true;
    CHECK(set["default"] == true);
    CHECK(set["kinds"]["HTTPRoute"]["group"] == "gateway.networking.k8s.io");
    CHECK(set["kinds"]["HTTPRoute"]["served"] == nlohmann::json({"v1", "v1beta1"}));
  }
  CHECK(found);
}

TEST_CASE("kubectl finds the plugin on PATH and passes the flags through") {
  if (RunCommand({"kubectl", "version", "--client"}).exit_code != 0) {
    WARN("kubectl is not installed: plugin discovery through kubectl not tested");
    return;
  }
  std::string path = std::string("PATH=") + kBinaryDir + ":" + std::getenv("PATH");
  CommandResult result =
      RunCommand({"kubectl", "agentgateway", "validate", "-f", "testdata/examples/",
                  "--gateway-class", "enterprise-agentgateway"},
                 "", kSourceDir, {path});
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("28 resources in 15 files: 0 errors, 1 warning\n") != std::string::npos);
  CommandResult plugins = RunCommand({"kubectl", "plugin", "list"}, "", kSourceDir, {path});
  CHECK(plugins.out.find("kubectl-agentgateway") != std::string::npos);
}

TEST_CASE("The Krew release script packages the binary and fills in the archive's sha256") {
  TempDir out;
  CommandResult result = RunCommand({"bash", "scripts/release-krew.sh", "--binary", kPluginBinary,
                                     "--out", out.path(), "--version", "v9.8.7"},
                                    "", kSourceDir);
  REQUIRE(result.exit_code == 0);
  std::string archive = out.path() + "/kubectl-agentgateway_linux_amd64.tar.gz";
  CommandResult listing = RunCommand({"tar", "-tzf", archive});
  CHECK(listing.out.find("kubectl-agentgateway\n") != std::string::npos);
  CommandResult sum = RunCommand({"sha256sum", archive});
  std::string sha256 = sum.out.substr(0, 64);

  // The filled-in manifest is itself a valid document for our loader, with the new checksum.
  CommandResult manifest = RunCommand({"cat", out.path() + "/agentgateway.yaml"});
  CHECK(manifest.out.find("sha256: \"" + sha256 + "\"") != std::string::npos);
  CHECK(manifest.out.find("version: v9.8.7") != std::string::npos);
  CHECK(manifest.out.find("/download/v9.8.7/kubectl-agentgateway_linux_amd64.tar.gz") !=
        std::string::npos);
  CommandResult validated =
      Plugin({"validate", "-f", out.path() + "/agentgateway.yaml", "-f", "krew/agentgateway.yaml"});
  CHECK(validated.exit_code == 1);  // the same Plugin object twice: a duplicate, and only that
  CHECK(validated.out.find("duplicate resource Plugin default/agentgateway") != std::string::npos);
  // krew.googleapis.com is no group this tool has CRDs for: said once, as a warning.
  CHECK(validated.out.find("[unknown-group]") != std::string::npos);
  CHECK(validated.out.find("1 resource in 2 files: 1 error, 1 warning") != std::string::npos);
}

// The inputs of the CI-format cases below: a YAML syntax error and a good Secret.
void WriteBrokenManifests(const TempDir& dir) {
  dir.Write("manifests/a-broken.yaml",
            "apiVersion: gateway.networking.k8s.io/v1\n"
            "kind: HTTPRoute\n"
            "metadata:\n"
            "  name: route\n"
            "\tnamespace: default\n");
  dir.Write("manifests/b-good.yaml",
            "apiVersion: v1\n"
            "kind: Secret\n"
            "metadata:\n"
            "  name: key\n"
            "stringData:\n"
            "  Authorization: placeholder\n");
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

TEST_CASE("GitHub output (-o github) annotates a broken file at its line and column") {
  TempDir dir;
  WriteBrokenManifests(dir);
  CommandResult result = Plugin({"validate", "-f", "manifests", "-o", "github"}, "", dir.path());
  CHECK(result.exit_code == 1);
  CHECK(result.err.empty());
  CHECK(result.out ==
        "::error file=manifests/a-broken.yaml,line=5,col=1,title=yaml-syntax::found a tab "
        "character in indentation (YAML allows only spaces there)\n"
        "1 resource in 2 files: 1 error, 0 warnings\n");
}

TEST_CASE("Each --report FORMAT=FILE is written in the same run as the text output") {
  TempDir dir;
  WriteBrokenManifests(dir);
  CommandResult result = Plugin({"validate", "-f", "manifests", "--report", "sarif=results.sarif",
                                 "--report", "junit=junit.xml"},
                                "", dir.path());
  CHECK(result.exit_code == 1);
  CHECK(result.err.empty());
  CHECK(result.out ==
        "manifests/a-broken.yaml:5:1: error: found a tab character in indentation (YAML allows "
        "only spaces there) [yaml-syntax]\n"
        " 5 |  namespace: default\n"
        "   | ^\n"
        "1 resource in 2 files: 1 error, 0 warnings\n");

  auto sarif = nlohmann::json::parse(ReadFile(dir.path() + "/results.sarif"));
  CHECK(sarif["version"] == "2.1.0");
  const auto& result_0 = sarif["runs"][0]["results"][0];
  CHECK(result_0["ruleId"] == "yaml-syntax");
  CHECK(result_0["level"] == "error");
  CHECK(result_0["locations"][0]["physicalLocation"] ==
        nlohmann::json::parse(R"({"artifactLocation": {"uri": "manifests/a-broken.yaml"},
                                  "region": {"startLine": 5, "startColumn": 1}})"));
  CHECK(sarif["runs"][0]["tool"]["driver"]["name"] == "kubectl-agentgateway");
  auto version = nlohmann::json::parse(Plugin({"version", "-o", "json"}).out)["version"];
  CHECK(sarif["runs"][0]["tool"]["driver"]["version"] == version);

  CHECK(ReadFile(dir.path() + "/junit.xml") ==
        R"xml(<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="kubectl-agentgateway validate" tests="2" failures="1" errors="0">
  <testsuite name="kubectl-agentgateway validate" tests="2" failures="1" errors="0" skipped="0">
    <testcase classname="manifests/a-broken.yaml" name="manifests/a-broken.yaml">
      <failure message="found a tab character in indentation (YAML allows only spaces there)" type="yaml-syntax">manifests/a-broken.yaml:5:1: error: found a tab character in indentation (YAML allows only spaces there) [yaml-syntax]
 5 |  namespace: default
   | ^
</failure>
    </testcase>
    <testcase classname="manifests/b-good.yaml" name="Secret default/key"/>
  </testsuite>
</testsuites>
)xml");
}

TEST_CASE("The --fail-on threshold decides which findings make exit code 1") {
  // Info findings never fail; warnings fail only with --fail-on warning; errors always fail.
  for (const char* fail_on : {"warning", "error"}) {
    CAPTURE(fail_on);
    CHECK(Plugin({"validate", "-f", "testdata/examples/gemini-anthropic", "--fail-on", fail_on})
              .exit_code == 0);
  }
  // local-llm has one warning: two catch-all routes on one listener.
  CHECK(Plugin({"validate", "-f", "testdata/examples/local-llm", "--fail-on", "error"}).exit_code ==
        0);
  CHECK(
      Plugin({"validate", "-f", "testdata/examples/local-llm", "--fail-on", "warning"}).exit_code ==
      1);
  TempDir dir;
  WriteBrokenManifests(dir);
  CHECK(Plugin({"validate", "-f", "manifests", "--fail-on", "warning"}, "", dir.path()).exit_code ==
        1);
  CHECK(Plugin({"validate", "-f", "manifests", "--fail-on", "info"}, "", dir.path()).exit_code ==
        2);
}

TEST_CASE("Malformed --report values are usage errors") {
  for (const char* spec : {"sarif", "pdf=out.pdf", "sarif=", "=out.sarif"}) {
    CAPTURE(spec);
    CHECK(Plugin({"validate", "-f", "testdata/examples/local-llm", "--report", spec}).exit_code ==
          2);
  }
}

TEST_CASE("A report file that cannot be written is an operational failure with exit code 3") {
  TempDir dir;
  CommandResult result = Plugin({"validate", "-f", "testdata/examples/local-llm", "--report",
                                 "sarif=" + dir.path() + "/no/such/dir/results.sarif", "--report",
                                 "junit=" + dir.path() + "/junit.xml"});
  CHECK(result.exit_code == 3);
  CHECK(result.err == "error: cannot write report \"" + dir.path() +
                          "/no/such/dir/results.sarif\": No such file or directory\n");
  CHECK(result.out.ends_with("5 resources in 3 files: 0 errors, 1 warning\n"));
  // The other report is still written.
  CHECK(ReadFile(dir.path() + "/junit.xml").find("tests=\"5\" failures=\"0\"") !=
        std::string::npos);
}

// Validates SARIF files with tests/sarif/validate.js (Ajv and the SARIF 2.1.0 schema from npm).
CommandResult ValidateSarif(const std::vector<std::string>& files) {
  std::vector<std::string> argv = {"node", "tests/sarif/validate.js"};
  argv.insert(argv.end(), files.begin(), files.end());
  return RunCommand(argv, "", kSourceDir);
}

TEST_CASE("SARIF output validates against the SARIF 2.1.0 JSON schema") {
  CommandResult node = RunCommand({"node", "--version"});
  if (node.exit_code != 0) {
    FAIL("node is not installed: scripts/install-deps.sh installs it (Debian's nodejs and npm)");
  }
  if (!std::filesystem::exists(std::string(kSourceDir) + "/tests/sarif/node_modules")) {
    FAIL(
        "tests/sarif/node_modules is missing: run `npm ci --prefix tests/sarif` "
        "(scripts/test.sh does)");
  }

  TempDir dir;
  WriteBrokenManifests(dir);
  std::string gateway =
      "apiVersion: gateway.networking.k8s.io/v1\n"
      "kind: Gateway\n"
      "metadata:\n"
      "  name: gw\n"
      "spec:\n"
      "  gatewayClassName: agentgateway\n"
      "  listeners:\n"
      "  - name: http\n"
      "    protocol: HTTP\n"
      "    port: 80\n";
  dir.Write("manifests/c-gateway.yaml", gateway + "---\n" + gateway);
  dir.Write("manifests/d route.json",
            "{\"apiVersion\": \"gateway.networking.k8s.io/v1\", \"kind\": \"HTTPRoute\",\n"
            " \"metadata\": {\"name\": \"route\"},\n"
            " \"spec\": {\"parentRefs\": [{\"name\": \"gw\", \"port\": \"80\"}]}}\n");
  CommandResult broken = Plugin({"validate", "-f", "manifests", "-f", "missing.yaml", "-o", "sarif",
                                 "--report", "sarif=broken-report.sarif"},
                                "", dir.path());
  CHECK(broken.exit_code == 3);
  std::string broken_path = dir.Write("broken.sarif", broken.out);
  CHECK(ReadFile(dir.path() + "/broken-report.sarif") == broken.out);
  auto log = nlohmann::json::parse(broken.out);
  CHECK(log["runs"][0]["results"].size() == 4);
  CHECK(log["runs"][0]["invocations"][0]["executionSuccessful"] == false);

  CommandResult examples = Plugin({"validate", "-f", "testdata/examples/", "-o", "sarif"});
  CHECK(examples.exit_code == 0);
  std::string examples_path = dir.Write("examples.sarif", examples.out);

  CommandResult valid =
      ValidateSarif({broken_path, examples_path,
                     std::string(kSourceDir) + "/testdata/report/four-findings.sarif"});
  INFO(valid.out << valid.err);
  CHECK(valid.exit_code == 0);

  // The check is not vacuous: a level SARIF does not define is rejected.
  std::string invalid = broken.out;
  invalid.replace(invalid.find("\"level\": \"error\""), 16, "\"level\": \"fatal\"");
  CommandResult rejected = ValidateSarif({dir.Write("invalid.sarif", invalid)});
  INFO(rejected.out << rejected.err);
  CHECK(rejected.exit_code == 1);
  CHECK(rejected.err.find("must be equal to one of the allowed values") != std::string::npos);
}

// `run` as a long-lived child process: its stdout is read while it serves, then it gets a signal.

constexpr char kRunManifests[] = R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
spec:
  gatewayClassName: agentgateway
  listeners:
  - name: http
    protocol: HTTP
    port: 80
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: echo
spec:
  parentRefs: [{name: gw}]
  rules:
  - backendRefs: [{name: echo, port: 8080}]
)";

TEST_CASE("run serves a request through the chosen port and exits 0 on SIGTERM") {
  std::unique_ptr<EchoServer> echo = StartEchoService();
  TempDir dir;
  dir.Write("m.yaml", kRunManifests);
  RunningPlugin run({"run", "-f", "m.yaml", "--port", "80=0", "--admin-port", "0", "--threads", "1",
                     "--service", "default/echo:8080=" + echo->address()},
                    dir.path());
  bool ready = run.ReadUntil("Press Ctrl-C to stop.\n", std::chrono::seconds(10));
  INFO("stdout:\n" << run.out << "\nstderr:\n" << run.err);
  REQUIRE(ready);
  std::smatch port;
  REQUIRE(std::regex_search(run.out, port,
                            std::regex("  Gateway default/gw port 80 \\(listener http\\) -> "
                                       "http://127\\.0\\.0\\.1:([0-9]+)\n")));
  std::smatch admin;
  REQUIRE(std::regex_search(run.out, admin,
                            std::regex("  admin: http://127\\.0\\.0\\.1:([0-9]+) \\(/healthz "
                                       "/config_dump /routes /metrics\\)\n")));
  CHECK(run.out.rfind("kubectl-agentgateway run: serving 2 resources from 1 file(s)\n", 0) == 0);

  ClientRequest request;
  request.target = "/through/the/cli?x=1";
  request.host = "example.com";
  auto response = Fetch(static_cast<std::uint16_t>(std::stoi(port[1].str())), request);
  REQUIRE(response.has_value());
  CHECK(response->status == 200);
  CHECK(nlohmann::json::parse(response->body)["path"] == "/through/the/cli?x=1");
  ClientRequest health;
  health.target = "/healthz";
  auto healthz = Fetch(static_cast<std::uint16_t>(std::stoi(admin[1].str())), health);
  REQUIRE(healthz.has_value());
  CHECK(healthz->body == "ok\n");
  // The access log line goes to stdout.
  CHECK(run.ReadUntil("\"GET /through/the/cli?x=1\" 200 route=default/echo",
                      std::chrono::seconds(5)));

  auto start = std::chrono::steady_clock::now();
  CHECK(run.Stop(SIGTERM, std::chrono::seconds(5)) == 0);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  CHECK(run.out.find("shutting down\n") != std::string::npos);
}

// Starts `run --watch` on kRunManifests, rewrites them as `refused`, and checks that the reload
// is rejected with `expected` among the findings while the old configuration keeps serving.
void CheckWatchKeepsLastGoodConfiguration(const std::string& refused, const std::string& expected) {
  std::unique_ptr<EchoServer> echo = StartEchoService();
  TempDir dir;
  dir.Write("m.yaml", kRunManifests);
  RunningPlugin run({"run", "-f", "m.yaml", "--watch", "--port", "80=0", "--admin-port", "-1",
                     "--threads", "1", "--service", "default/echo:8080=" + echo->address()},
                    dir.path());
  bool ready = run.ReadUntil("Press Ctrl-C to stop.\n", std::chrono::seconds(10));
  INFO("stdout:\n" << run.out << "\nstderr:\n" << run.err);
  REQUIRE(ready);
  std::smatch port;
  REQUIRE(std::regex_search(run.out, port, std::regex("-> http://127\\.0\\.0\\.1:([0-9]+)\n")));
  auto local_port = static_cast<std::uint16_t>(std::stoi(port[1].str()));

  dir.Write("m.yaml", refused);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (run.err.find("reload rejected") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    run.ReadUntil("\n\x01", std::chrono::milliseconds(200));  // collect output for a while
  }
  CHECK(run.err.find(expected) != std::string::npos);
  CHECK(run.err.find("reload rejected: kubectl apply would refuse HTTPRoute default/echo (the "
                     "errors above) and leave the cluster as it was; still serving the last good "
                     "configuration\n") != std::string::npos);
  ClientRequest request;
  request.target = "/still/served";
  auto response = Fetch(local_port, request);
  REQUIRE(response.has_value());
  CHECK(response->status == 200);
}

TEST_CASE("run --watch keeps serving the last good configuration when an edit is refused") {
  std::string refused = kRunManifests;
  refused.replace(refused.find("  parentRefs:"), 0, "  timeoutz: 1s\n");
  CheckWatchKeepsLastGoodConfiguration(refused, "unknown field \"spec.timeoutz\"");
}

// Issue 13: the same for an edit only a CEL rule of the CRD refuses (a Service backendRef
// without a port).
TEST_CASE("run --watch keeps serving the last good configuration when an edit breaks a CEL rule") {
  std::string refused = kRunManifests;
  refused.replace(refused.find("{name: echo, port: 8080}"), 24, "{name: echo}");
  CheckWatchKeepsLastGoodConfiguration(refused,
                                       "spec.rules[0].backendRefs[0]: Invalid value: \"object\": "
                                       "Must have port for Service reference [FieldValueInvalid]");
}

TEST_CASE("run on manifests with a YAML error and nothing else to serve exits 1 saying why") {
  TempDir dir;
  dir.Write("bad.yaml",
            "apiVersion: gateway.networking.k8s.io/v1\n"
            "kind: HTTPRoute\n"
            "metadata:\n"
            "  name: route\n"
            "\tnamespace: default\n");
  auto start = std::chrono::steady_clock::now();
  CommandResult result =
      RunCommand({kPluginBinary, "run", "-f", "bad.yaml", "--port", "80=0", "--admin-port", "-1"},
                 "", dir.path(), {}, 10);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(result.exit_code == 1);
  CHECK(result.out.empty());
  CHECK(result.err ==
        "bad.yaml:5:1: error: found a tab character in indentation (YAML allows only spaces "
        "there) [yaml-syntax]\n"
        " 5 |  namespace: default\n"
        "   | ^\n"
        "0 resources in 1 file: 1 error, 0 warnings\n"
        "note: kubectl apply would refuse file bad.yaml (the errors above): left out; the rest is "
        "served as a cluster would serve it\n"
        "error: nothing to serve: no Gateway listener of the inputs is programmed\n"
        "  bad.yaml does not parse (the errors above)\n");
}

// Issue 12: a listener port of 70000 used to be served on 4464 (70000 mod 65536). The API
// server refuses the Gateway, so `run` has nothing to serve and binds nothing.
TEST_CASE("run on a manifest the API server refuses exits 1 with the findings") {
  TempDir dir;
  std::string manifests = kRunManifests;
  manifests.replace(manifests.find("port: 80"), 8, "port: 70000");
  dir.Write("m.yaml", manifests);
  auto start = std::chrono::steady_clock::now();
  CommandResult result = RunCommand({kPluginBinary, "run", "-f", "m.yaml", "--admin-port", "-1"},
                                    "", dir.path(), {}, 10);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(result.exit_code == 1);
  CHECK(result.out.empty());  // never got as far as listening
  CHECK(result.err ==
        "The Gateway \"gw\" is invalid:\n"
        "m.yaml:10:11: error: spec.listeners[0].port: Invalid value: 70000: spec.listeners[0].port "
        "in body should be less than or equal to 65535 [FieldValueInvalid]\n"
        " 10 |     port: 70000\n"
        "    |           ^\n"
        "m.yaml:19:26: warning: Service default/echo is not in the manifest set; assuming it "
        "exists on the cluster [not-in-manifest-set]\n"
        " 19 |   - backendRefs: [{name: echo, port: 8080}]\n"
        "    |                          ^\n"
        "  hint: add it to the inputs, or pass --strict-refs to treat it as missing\n"
        "2 resources in 1 file: 1 error, 1 warning\n"
        "note: kubectl apply would refuse Gateway default/gw (the errors above): left out; the "
        "rest is served as a cluster would serve it\n"
        "error: nothing to serve: no Gateway listener of the inputs is programmed\n"
        "  Gateway default/gw would be refused by the API server (the errors above)\n");
}

// Issue 13: a rule of the HTTPRoute CRD (x-kubernetes-validations), not its schema, refuses a
// Service backendRef without a port; `run --fail-on error` refuses it as the API server would.
TEST_CASE("run --fail-on error on a manifest a CEL rule refuses exits 1 with the rule's message") {
  TempDir dir;
  std::string manifests = kRunManifests;
  manifests.replace(manifests.find("{name: echo, port: 8080}"), 24, "{name: echo}");
  dir.Write("m.yaml", manifests);
  CommandResult result =
      RunCommand({kPluginBinary, "run", "-f", "m.yaml", "--admin-port", "-1", "--fail-on", "error"},
                 "", dir.path(), {}, 10);
  CHECK(result.exit_code == 1);
  CHECK(result.out.empty());  // never got as far as listening
  CHECK(result.err ==
        "The HTTPRoute \"echo\" is invalid:\n"
        "m.yaml:19:19: error: spec.rules[0].backendRefs[0]: Invalid value: \"object\": Must have "
        "port for Service reference [FieldValueInvalid]\n"
        " 19 |   - backendRefs: [{name: echo}]\n"
        "    |                   ^\n"
        "2 resources in 1 file: 1 error, 0 warnings\n"
        "error: not serving: --fail-on error and the manifests have findings of that severity "
        "(above)\n");
}

TEST_CASE("routes prints the effective route table of an example") {
  CommandResult result = Plugin({"routes", "-f", "testdata/examples/gemini-anthropic"});
  CHECK(result.exit_code == 0);
  CHECK(result.err.empty());
  CHECK(result.out ==
        "Gateway default/agentgateway, listener http (HTTP, port 80, any host)\n"
        "  1. * PathPrefix /ai/claude\n"
        "     -> HTTPRoute default/llm-route rule 0: AgentgatewayBackend default/anthropic\n"
        "  2. * PathPrefix /ai/gemini\n"
        "     -> HTTPRoute default/llm-route rule 1: AgentgatewayBackend default/gemini\n");
}

// Issue 11 (5): a path with bytes that are not UTF-8 made `routes -o json` abort in nlohmann's
// dump. kubectl reads such bytes as U+FFFD, and so do we, with a warning where they are.
TEST_CASE("Invalid UTF-8 in a route path is a warning and routes -o json still prints JSON") {
  TempDir dir;
  dir.Write("route.yaml",
            "apiVersion: gateway.networking.k8s.io/v1\n"
            "kind: Gateway\n"
            "metadata:\n"
            "  name: gw\n"
            "spec:\n"
            "  gatewayClassName: agentgateway\n"
            "  listeners:\n"
            "  - name: http\n"
            "    port: 80\n"
            "    protocol: HTTP\n"
            "---\n"
            "apiVersion: gateway.networking.k8s.io/v1\n"
            "kind: HTTPRoute\n"
            "metadata:\n"
            "  name: route\n"
            "spec:\n"
            "  parentRefs:\n"
            "  - name: gw\n"
            "  rules:\n"
            "  - matches:\n"
            "    - path:\n"
            "        type: RegularExpression\n"  // Exact and PathPrefix refuse such bytes
            "        value: /v1\xff\xfe\n");
  CommandResult validated = Plugin({"validate", "-f", "route.yaml"}, "", dir.path());
  CHECK(validated.out.find("route.yaml:23:19: warning: invalid UTF-8: kubectl reads this and 1 "
                           "more byte sequences in the file as U+FFFD, the replacement "
                           "character [invalid-utf8]\n") != std::string::npos);
  CommandResult routes = Plugin({"routes", "-f", "route.yaml", "-o", "json"}, "", dir.path());
  CHECK(routes.exit_code == 0);
  nlohmann::json table = nlohmann::json::parse(routes.out, nullptr, false);
  REQUIRE_FALSE(table.is_discarded());
  CHECK(routes.out.find("/v1\xEF\xBF\xBD\xEF\xBF\xBD") != std::string::npos);
}

// Issue 11 (7): findings quote the source line under them, and CI logs are often public. No
// output format may show a Secret's value, however broken the Secret is.
TEST_CASE("No output format shows a Secret's value, broken or not") {
  const std::string secret = "sk-SECRET-abc123def456ghi789jkl012mno345pqr678";
  const std::string head = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"tab-in-indentation", head + "stringData:\n\tAuthorization: " + secret + "\n"},
      {"unclosed-quote",
       head + "stringData:\n  Authorization: \"" + secret + "\nimmutable: true\n"},
      {"invalid-base64", head + "data:\n  Authorization: " + secret + "\n"},
      {"value-as-a-list", head + "stringData:\n  Authorization:\n  - " + secret + "\n"},
      {"value-as-a-map", head + "stringData:\n  Authorization:\n    " + secret + ": x\n"},
      {"duplicate-key",
       head + "stringData:\n  Authorization: " + secret + "\n  Authorization: " + secret + "\n"},
      {"data-as-a-scalar", head + "data: " + secret + "\n"},
      {"committed-key", head + "stringData:\n  Authorization: " + secret + "\n"},
      {"tag-that-does-not-fit", head + "stringData:\n  Authorization: !!int " + secret + "\n"},
      {"key-without-colon", head + "stringData:\n  Authorization " + secret + "\n  b: c\n"},
      {"unclosed-flow-value",
       head + "stringData:\n  Authorization: {" + secret + ": x\nimmutable: true\n"},
      {"multi-line-value", head + "stringData:\n  Authorization: " + secret.substr(0, 20) +
                               "\n    " + secret.substr(20) + "\n\tb: c\n"},
      {"json-bad-escape",
       "{\"apiVersion\": \"v1\", \"kind\": \"Secret\", \"metadata\": {\"name\": "
       "\"s\"}, \"stringData\": {\"Authorization\": \"" +
           secret + "\\q\"}}\n"},
      {"kind-after-a-broken-value",
       "apiVersion: v1\nstringData:\n  Authorization: \"" + secret + "\n  b: c\nkind: Secret\n"},
  };
  TempDir dir;
  for (const auto& [name, text] : cases) {
    std::string file = name + ".yaml";
    dir.Write(file, text);
    for (const char* format : {"text", "json", "sarif", "github", "junit"}) {
      CommandResult result = Plugin({"validate", "-f", file, "-o", format}, "", dir.path());
      CAPTURE(name, format, result.out, result.err);
      if (std::string_view(format) == "text" || std::string_view(format) == "junit") {
        CHECK(result.out.find(" | ") != std::string::npos);  // a source line was quoted
      }
      for (const std::string& shown : {result.out, result.err}) {
        CHECK(shown.find("abc123") == std::string::npos);
        CHECK(shown.find("mno345") == std::string::npos);
      }
    }
    // run prints the errors that stop it with the same renderer.
    CommandResult validated = Plugin({"validate", "-f", file}, "", dir.path());
    if (validated.out.find(": error:") != std::string::npos) {
      CommandResult run = Plugin({"run", "-f", file}, "", dir.path());
      CAPTURE(name, run.out, run.err);
      CHECK(run.exit_code != 0);
      CHECK((run.out + run.err).find("abc123") == std::string::npos);
      CHECK((run.out + run.err).find("mno345") == std::string::npos);
    }
  }
}

TEST_CASE("A Secret's finding keeps its key and indentation and masks the value") {
  TempDir dir;
  dir.Write("secret.yaml",
            "apiVersion: v1\n"
            "kind: Secret\n"
            "metadata:\n"
            "  name: s\n"
            "stringData:\n"
            "\tAuthorization: sk-SECRET-abc123\n");
  CommandResult result = Plugin({"validate", "-f", "secret.yaml"}, "", dir.path());
  CHECK(result.out ==
        "secret.yaml:6:1: error: found a tab character in indentation (YAML allows only spaces "
        "there) [yaml-syntax]\n"
        " 6 |  Authorization: ****\n"
        "   | ^\n"
        "0 resources in 1 file: 1 error, 0 warnings\n");
  dir.Write("key.yaml",
            "apiVersion: v1\n"
            "kind: Secret\n"
            "metadata:\n"
            "  name: s\n"
            "stringData:\n"
            "  Authorization: sk-proj-A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0\n");
  CommandResult lint = Plugin({"validate", "-f", "key.yaml"}, "", dir.path());
  CHECK(lint.out.find(" 6 |   Authorization: ****\n"
                      "   |                  ^\n") != std::string::npos);
}

}  // namespace
}  // namespace agw::test
