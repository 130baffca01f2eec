// Issue 16: `run` says what is wrong with the manifests as `validate` says it, at start and on
// every reload; a port someone else listens on is an error; reloads open and close ports.

#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <thread>

#include "tests/cli/echo_service.h"
#include "tests/support/echo_server.h"
#include "tests/support/http_client.h"
#include "tests/support/paths.h"
#include "tests/support/run.h"
#include "tests/support/running_plugin.h"

namespace agw::test {
namespace {

using namespace std::chrono_literals;

constexpr char kManifests[] = R"(apiVersion: gateway.networking.k8s.io/v1
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
  parentRefs: [{name: gw, sectionName: http}]
  rules:
  - backendRefs: [{name: echo, port: 8080}]
---
apiVersion: v1
kind: Service
metadata:
  name: echo
spec:
  ports:
  - port: 8080
)";

std::string Replaced(std::string text, const std::string& from, const std::string& to) {
  std::size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// The local port `run` printed for Gateway default/gw port `gateway_port`.
std::uint16_t ServedPort(const std::string& out, int gateway_port) {
  std::smatch port;
  std::regex line("  Gateway default/gw port " + std::to_string(gateway_port) +
                  " \\(listener [a-z-]+\\) -> http://127\\.0\\.0\\.1:([0-9]+)\n");
  REQUIRE(std::regex_search(out, port, line));
  return static_cast<std::uint16_t>(std::stoi(port[1].str()));
}

// Replaces the file in one step, as editors save: --watch never sees it half written.
void WriteAtomically(const TempDir& dir, const std::string& name, const std::string& contents) {
  std::string staged = dir.Write(name + ".new", contents);
  std::filesystem::rename(staged, dir.path() + "/" + name);
}

int StatusOf(std::uint16_t port, const std::string& target) {
  ClientRequest request;
  request.target = target;
  auto response = Fetch(port, request, 5s);
  REQUIRE(response.has_value());
  return response->status;
}

TEST_CASE("A second run on a port the first one serves exits 3 naming the port and the flag") {
  TempDir dir;
  dir.Write("m.yaml", kManifests);
  RunningPlugin first(
      {"run", "-f", "m.yaml", "--port", "80=0", "--admin-port", "0", "--threads", "1"}, dir.path());
  bool ready = first.ReadUntil("Press Ctrl-C to stop.\n", 10s);
  INFO("stdout:\n" << first.out << "\nstderr:\n" << first.err);
  REQUIRE(ready);
  std::string port = std::to_string(ServedPort(first.out, 80));
  std::smatch admin;
  REQUIRE(
      std::regex_search(first.out, admin, std::regex("admin: http://127\\.0\\.0\\.1:([0-9]+)")));

  CommandResult second = RunCommand(
      {kPluginBinary, "run", "-f", "m.yaml", "--port", "80=" + port, "--admin-port", "-1"}, "",
      dir.path(), {}, 10);
  CHECK(second.exit_code == 3);
  CHECK(second.out.empty());
  CHECK(second.err ==
        "error: cannot serve Gateway default/gw port 80 on 127.0.0.1:" + port +
            ": another process listens there (a `kubectl agentgateway run` still running?); stop "
            "it, or serve it on another local port with --port 80=PORT (0 picks a free one)\n");

  CommandResult second_admin = RunCommand(
      {kPluginBinary, "run", "-f", "m.yaml", "--port", "80=0", "--admin-port", admin[1].str()}, "",
      dir.path(), {}, 10);
  CHECK(second_admin.exit_code == 3);
  CHECK(second_admin.err ==
        "error: cannot serve the admin listener on 127.0.0.1:" + admin[1].str() +
            ": another process listens there (a `kubectl agentgateway run` still running?); stop "
            "it, or choose another port with --admin-port PORT (0 picks a free one, -1 disables "
            "the admin listener)\n");
  // The first one is undisturbed: every request still reaches it.
  for (int i = 0; i < 4; ++i) {
    CHECK(StatusOf(static_cast<std::uint16_t>(std::stoi(port)), "/x") == 503);
  }
  CHECK(first.Stop(SIGTERM, 5s) == 0);
}

TEST_CASE("run prints the controller's findings at start and serves what the cluster would") {
  TempDir dir;
  dir.Write("m.yaml", Replaced(kManifests, "sectionName: http", "sectionName: htp"));
  RunningPlugin run(
      {"run", "-f", "m.yaml", "--port", "80=0", "--admin-port", "-1", "--threads", "1"},
      dir.path());
  bool ready = run.ReadUntil("Press Ctrl-C to stop.\n", 10s);
  INFO("stdout:\n" << run.out << "\nstderr:\n" << run.err);
  REQUIRE(ready);
  CHECK(run.err ==
        "m.yaml:8:11: warning: no route attaches to listener \"http\" (port 80): requests to it "
        "get 404 [unused-listener]\n"
        " 8 |   - name: http\n"
        "   |           ^\n"
        "m.yaml:17:40: error: not accepted by Gateway default/gw: sectionName \"htp\" not found "
        "[NoMatchingParent]\n"
        " 17 |   parentRefs: [{name: gw, sectionName: htp}]\n"
        "    |                                        ^\n"
        "  hint: did you mean \"http\"? listeners of Gateway default/gw: http\n"
        "3 resources in 1 file: 1 error, 1 warning\n");
  CHECK(StatusOf(ServedPort(run.out, 80), "/") == 404);
  CHECK(run.Stop(SIGTERM, 5s) == 0);
}

TEST_CASE("run --quiet prints the errors of the manifests and not their warnings") {
  TempDir dir;
  dir.Write("m.yaml", Replaced(kManifests, "sectionName: http", "sectionName: htp"));
  RunningPlugin run(
      {"run", "-f", "m.yaml", "--port", "80=0", "--admin-port", "-1", "--threads", "1", "--quiet"},
      dir.path());
  bool ready = run.ReadUntil("Press Ctrl-C to stop.\n", 10s);
  INFO("stdout:\n" << run.out << "\nstderr:\n" << run.err);
  REQUIRE(ready);
  CHECK(run.err.find(": warning:") == std::string::npos);
  CHECK(run.err.find("error: not accepted by Gateway default/gw") != std::string::npos);
  CHECK(run.err.find("3 resources in 1 file: 1 error, 1 warning\n") != std::string::npos);
}

TEST_CASE("run --fail-on warning refuses to start on a warning and binds nothing") {
  TempDir dir;
  std::string manifests = Replaced(kManifests, "  - name: http\n",
                                   "  - name: spare\n    protocol: HTTP\n    port: 81\n"
                                   "  - name: http\n");
  dir.Write("m.yaml", manifests);
  CommandResult result =
      RunCommand({kPluginBinary, "run", "-f", "m.yaml", "--port", "80=0", "--port", "81=0",
                  "--admin-port", "-1", "--fail-on", "warning"},
                 "", dir.path(), {}, 10);
  CHECK(result.exit_code == 1);
  CHECK(result.out.empty());
  CHECK(result.err ==
        "m.yaml:8:11: warning: no route attaches to listener \"spare\" (port 81): requests to it "
        "get 404 [unused-listener]\n"
        " 8 |   - name: spare\n"
        "   |           ^\n"
        "3 resources in 1 file: 0 errors, 1 warning\n"
        "error: not serving: --fail-on warning and the manifests have findings of that severity "
        "(above)\n");
}

TEST_CASE("run --watch reports what an edit breaks and opens and closes Gateway ports") {
  std::unique_ptr<EchoServer> echo = StartEchoService();
  TempDir dir;
  dir.Write("m.yaml", kManifests);
  RunningPlugin run(
      {"run", "-f", "m.yaml", "--watch", "--port", "80=0", "--port", "81=0", "--admin-port", "-1",
       "--threads", "1", "--service", "default/echo:8080=" + echo->address()},
      dir.path());
  bool ready = run.ReadUntil("Press Ctrl-C to stop.\n", 10s);
  INFO("stdout:\n" << run.out << "\nstderr:\n" << run.err);
  REQUIRE(ready);
  CHECK(run.err.empty());
  std::uint16_t port = ServedPort(run.out, 80);
  CHECK(StatusOf(port, "/") == 200);

  // An edit that detaches the route: said at once, and served as the cluster would (404).
  std::size_t reloads = 0;
  auto next_reload = [&] {
    ++reloads;
    std::size_t seen = 0;
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      seen = 0;
      for (std::size_t at = run.out.find("reloaded\n"); at != std::string::npos;
           at = run.out.find("reloaded\n", at + 1)) {
        ++seen;
      }
      if (seen >= reloads) {
        return true;
      }
      run.ReadUntil("\x01never", 100ms);
    }
    return false;
  };
  std::this_thread::sleep_for(1100ms);  // a new modification time
  WriteAtomically(dir, "m.yaml", Replaced(kManifests, "sectionName: http", "sectionName: htp"));
  REQUIRE(next_reload());
  CHECK(run.err.find("m.yaml:17:40: error: not accepted by Gateway default/gw: sectionName "
                     "\"htp\" not found [NoMatchingParent]\n") != std::string::npos);
  CHECK(StatusOf(port, "/") == 404);

  // A listener added (the route attached to every listener): its port is opened and served.
  std::this_thread::sleep_for(1100ms);
  WriteAtomically(dir, "m.yaml",
                  Replaced(Replaced(kManifests, ", sectionName: http", ""), "  - name: http\n",
                           "  - name: extra\n    protocol: HTTP\n    port: 81\n"
                           "  - name: http\n"));
  REQUIRE(next_reload());
  std::uint16_t extra = ServedPort(run.out, 81);
  CHECK(StatusOf(extra, "/") == 200);
  CHECK(StatusOf(port, "/") == 200);

  // And removed again: its port is closed.
  std::this_thread::sleep_for(1100ms);
  WriteAtomically(dir, "m.yaml", kManifests);
  REQUIRE(next_reload());
  CHECK(run.out.find(
            "  stopped serving Gateway default/gw port 81 (127.0.0.1:" + std::to_string(extra) +
            "): no listener of it is programmed any more\n") != std::string::npos);
  ClientRequest request;
  CHECK_FALSE(Fetch(extra, request, 2s).has_value());
  CHECK(StatusOf(port, "/") == 200);
  CHECK(run.Stop(SIGTERM, 5s) == 0);
}

// Issue 16 item 3: `model:` indented under `provider:` instead of under `openai:`. The API
// server refuses the backend (strict decoding), so on the cluster the route's backend is not
// found: validate says so, and run answers 500 for that route and serves the others.
TEST_CASE("A mis-indented provider model is refused by validate and answered 500 by run") {
  TempDir dir;
  std::filesystem::copy(std::string(kSourceDir) + "/testdata/examples/multi-llm-providers",
                        dir.path() + "/example", std::filesystem::copy_options::recursive);
  std::string backends_path = dir.path() + "/example/backends.yaml";
  std::string backends;
  {
    std::ifstream in(backends_path);
    backends.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::ofstream(backends_path, std::ios::trunc)
      << Replaced(backends, "      openai:\n        model: grok-4-1-fast-reasoning\n",
                  "      openai: {}\n      model: grok-4-1-fast-reasoning\n");

  CommandResult validated = RunCommand(
      {kPluginBinary, "validate", "-f", "example", "--gateway-class", "enterprise-agentgateway"},
      "", dir.path(), {}, 20);
  CHECK(validated.exit_code == 1);
  CHECK(validated.out.find("example/backends.yaml:13:7: error: AgentgatewayBackend in version "
                           "\"v1alpha1\" cannot be handled as a AgentgatewayBackend: strict "
                           "decoding error: unknown field \"spec.ai.provider.model\" "
                           "[strict-decoding]\n") != std::string::npos);

  RunningPlugin run(
      {"run", "-f", "example", "--gateway-class", "enterprise-agentgateway", "--mock-providers",
       "--port", "8080=0", "--admin-port", "-1", "--threads", "1"},
      dir.path());
  bool ready = run.ReadUntil("Press Ctrl-C to stop.\n", 10s);
  INFO("stdout:\n" << run.out << "\nstderr:\n" << run.err);
  REQUIRE(ready);
  CHECK(run.err.find("note: kubectl apply would refuse AgentgatewayBackend "
                     "agentgateway-system/xai (the errors above): left out; the rest is served "
                     "as a cluster would serve it\n") != std::string::npos);
  std::smatch port;
  REQUIRE(std::regex_search(run.out, port, std::regex("-> http://127\\.0\\.0\\.1:([0-9]+)\n")));
  auto local = static_cast<std::uint16_t>(std::stoi(port[1].str()));
  auto chat = [&](const std::string& path) {
    ClientRequest request;
    request.method = "POST";
    request.target = path;
    request.headers = {{"content-type", "application/json"}};
    request.body = R"({"model":"any","messages":[{"role":"user","content":"Hello!"}]})";
    auto response = Fetch(local, request, 5s);
    REQUIRE(response.has_value());
    return *response;
  };
  ClientResponse xai = chat("/xai");
  CHECK(xai.status == 500);
  CHECK(xai.body == "invalid backend: Backend not found: agentgateway-system/xai\n");
  CHECK(chat("/openai").status == 200);
  CHECK(
      run.ReadUntil("reason=\"the rule's backend is not usable: invalid backend: Backend not "
                    "found: agentgateway-system/xai\"",
                    5s));
  CHECK(run.Stop(SIGTERM, 5s) == 0);
}

// Issue 16 item 4: tutorial 000 without --gateway-class enterprise-agentgateway. run, routes
// and status each say which Gateway is ignored, why, and the flag that takes it.
TEST_CASE(
    "A Gateway of a class that is not agentgateway's is named with the flag by every command") {
  const std::string example = std::string(kSourceDir) + "/testdata/examples/multi-llm-providers";
  const std::string ignored =
      "Gateway agentgateway-system/agentgateway-proxy is ignored: GatewayClass "
      "\"enterprise-agentgateway\" is not in the manifest set and is not an agentgateway class: "
      "the agentgateway controller ignores this Gateway; pass --gateway-class "
      "enterprise-agentgateway if this class belongs to agentgateway\n";

  CommandResult run = RunCommand({kPluginBinary, "run", "-f", example, "--admin-port", "-1"});
  CHECK(run.exit_code == 1);
  CHECK(run.out.empty());
  CHECK(run.err ==
        "error: nothing to serve: no Gateway listener of the inputs is programmed\n  " + ignored);

  CommandResult routes = RunCommand({kPluginBinary, "routes", "-f", example});
  CHECK(routes.exit_code == 0);
  CHECK(routes.out == "no listener is programmed\n  " + ignored);

  CommandResult status = RunCommand({kPluginBinary, "status", "-f", example});
  CHECK(status.exit_code == 0);
  CHECK(status.out ==
        "KIND                  NAMESPACE             NAME                 ACCEPTED   PROGRAMMED   "
        "RESOLVED   ATTACHED    MESSAGE\n"
        "Gateway               agentgateway-system   agentgateway-proxy   -          -            "
        "-          -           Ignored: class enterprise-agentgateway is not agentgateway's "
        "(--gateway-class enterprise-agentgateway)\n"
        "HTTPRoute             agentgateway-system   xai                  -          -            "
        "-          0 parents   Ignored: its Gateway agentgateway-system/agentgateway-proxy is "
        "ignored\n"
        "HTTPRoute             agentgateway-system   anthropic            -          -            "
        "-          0 parents   Ignored: its Gateway agentgateway-system/agentgateway-proxy is "
        "ignored\n"
        "HTTPRoute             agentgateway-system   openai               -          -            "
        "-          0 parents   Ignored: its Gateway agentgateway-system/agentgateway-proxy is "
        "ignored\n"
        "AgentgatewayBackend   agentgateway-system   xai                  True       -            "
        "-          -\n"
        "AgentgatewayBackend   agentgateway-system   anthropic            True       -            "
        "-          -\n"
        "AgentgatewayBackend   agentgateway-system   openai               True       -            "
        "-          -\n");
}

}  // namespace
}  // namespace agw::test
