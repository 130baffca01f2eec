// Runs the built kubectl-agentgateway binary and checks its whole output and exit code.

#include <cstdlib>
#include <filesystem>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/paths.h"
#include "tests/support/run.h"

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

TEST_CASE("Every bundled example validates with no findings") {
  std::vector<std::string> examples;
  for (const auto& entry : std::filesystem::directory_iterator(ExampleDir(""))) {
    if (entry.is_directory()) {
      examples.push_back(entry.path().filename().string());
    }
  }
  REQUIRE(examples.size() >= 4);
  for (const std::string& example : examples) {
    CAPTURE(example);
    CommandResult result = Plugin({"validate", "-f", "testdata/examples/" + example});
    CHECK(result.exit_code == 0);
    CHECK(result.err.empty());
    CHECK(result.out.find(": no findings\n") != std::string::npos);
    CHECK(result.out.find("error") == std::string::npos);
  }
}

TEST_CASE("The examples directory validates as a whole") {
  CommandResult result = Plugin({"validate", "-f", "testdata/examples/"});
  CHECK(result.exit_code == 0);
  CHECK(result.out == "28 resources in 15 files: no findings\n");
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
        "two.yaml:5:9: error: duplicate resource Gateway default/gw [duplicate-resource]\n"
        " 5 |   name: gw\n"
        "   |         ^\n"
        "one.yaml:4:9: note: first defined here\n"
        " 4 |   name: gw\n"
        "   |         ^\n"
        "  hint: each object may appear once; the later definition is ignored\n"
        "1 resource in 2 files: 1 error, 0 warnings\n");
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
  CHECK(result.out ==
        "route.json:6:43: error: spec.parentRefs[0].port: Invalid value: \"string\": "
        "spec.parentRefs[0].port in body must be of type integer: \"string\" [invalid-type]\n"
        " 6 |     \"parentRefs\": [{\"name\": \"gw\", \"port\": \"80\"}]\n"
        "   |                                           ^\n"
        "1 resource in 1 file: 1 error, 0 warnings\n");

  SECTION("and -o json carries the same finding as data") {
    CommandResult json_result =
        Plugin({"validate", "-f", "route.json", "-o", "json"}, "", dir.path());
    CHECK(json_result.exit_code == 1);
    auto json = nlohmann::json::parse(json_result.out);
    REQUIRE(json["findings"].size() == 1);
    const auto& finding = json["findings"][0];
    CHECK(finding["severity"] == "error");
    CHECK(finding["code"] == "invalid-type");
    CHECK(finding["file"] == "route.json");
    CHECK(finding["line"] == 6);
    CHECK(finding["column"] == 43);
    CHECK(finding["field"] == "spec.parentRefs[0].port");
    CHECK(finding["resource"] == "HTTPRoute default/route");
    CHECK(json["summary"]["errors"] == 1);
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
        "base64 data at input byte 3 [invalid-base64]\n"
        " 6 |   Authorization: not*base64\n"
        "   |                  ^\n"
        "1 resource in 1 file: 1 error, 0 warnings\n");
}

TEST_CASE("A path that does not exist is an operational failure with exit code 3") {
  CommandResult result = Plugin({"validate", "-f", "does/not/exist.yaml",
                                 "-f", "testdata/examples/local-llm"});
  CHECK(result.exit_code == 3);
  CHECK(result.err == "error: the path \"does/not/exist.yaml\" does not exist\n");
  CHECK(result.out == "5 resources in 3 files: no findings\n");
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

TEST_CASE("version names the version and the API sets it knows") {
  CommandResult result = Plugin({"version"});
  CHECK(result.exit_code == 0);
  CHECK(result.out.rfind("kubectl-agentgateway v", 0) == 0);
  CHECK(result.out.find("Gateway API (standard channel) v1.4.0: GatewayClass Gateway HTTPRoute "
                        "GRPCRoute ReferenceGrant") != std::string::npos);
  CHECK(result.out.find("agentgateway v1.4.1: AgentgatewayBackend AgentgatewayPolicy") !=
        std::string::npos);
  auto json = nlohmann::json::parse(Plugin({"version", "-o", "json"}).out);
  CHECK(json["apiSets"][0]["kinds"]["HTTPRoute"] == nlohmann::json({"v1", "v1beta1"}));
}

TEST_CASE("kubectl finds the plugin on PATH and passes the flags through") {
  if (RunCommand({"kubectl", "version", "--client"}).exit_code != 0) {
    WARN("kubectl is not installed: plugin discovery through kubectl not tested");
    return;
  }
  std::string path = std::string("PATH=") + kBinaryDir + ":" + std::getenv("PATH");
  CommandResult result = RunCommand({"kubectl", "agentgateway", "validate", "-f",
                                     "testdata/examples/"},
                                    "", kSourceDir, {path});
  CHECK(result.exit_code == 0);
  CHECK(result.out == "28 resources in 15 files: no findings\n");
  CommandResult plugins = RunCommand({"kubectl", "plugin", "list"}, "", kSourceDir, {path});
  CHECK(plugins.out.find("kubectl-agentgateway") != std::string::npos);
}

TEST_CASE("The Krew release script packages the binary and fills in the archive's sha256") {
  TempDir out;
  CommandResult result =
      RunCommand({"bash", "scripts/release-krew.sh", "--binary", kPluginBinary, "--out",
                  out.path(), "--version", "v9.8.7"},
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
  CHECK(validated.out.find("1 resource in 2 files: 1 error, 0 warnings") != std::string::npos);
}

}  // namespace
}  // namespace agw::test
