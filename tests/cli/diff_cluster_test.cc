// `kubectl agentgateway diff -f` against a live cluster and `validate --from-cluster`: the binary
// run end to end against the fake API server of tests/support/fake_api_server.h (HTTPS on
// 127.0.0.1), with each kind of kubeconfig credential; whole output and exit codes.

#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/cluster/cluster_test_support.h"
#include "tests/support/fake_api_server.h"
#include "tests/support/paths.h"
#include "tests/support/run.h"
#include "validate/cluster/exec_credential.h"
#include "validate/manifest/loader.h"

namespace agw::test {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;
using validate::cluster::EncodeBase64;
using validate::cluster::testing::CaData;
using validate::cluster::testing::ClosedPort;
using validate::cluster::testing::KubeconfigText;
using validate::cluster::testing::Label;
using validate::cluster::testing::StartServer;

// A command against a cluster makes a handful of requests; a hung one fails the test quickly.
constexpr int kTimeoutSeconds = 60;

// The placeholder key of the example's anthropic-secret: it must never be printed.
constexpr char kAnthropicKey[] = "sk-ant-demo-placeholder-key";

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Replaces the one occurrence of `from` in the file `path` with `to`.
void Edit(const fs::path& path, const std::string& from, const std::string& to) {
  std::string text = ReadAll(path);
  std::size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  REQUIRE(text.find(from, at + 1) == std::string::npos);
  text.replace(at, from.size(), to);
  std::ofstream(path, std::ios::binary) << text;
}

// Copies the YAML files of testdata/examples/`example` into `to`.
void CopyExample(const std::string& example, const fs::path& to) {
  fs::create_directories(to);
  for (const fs::directory_entry& entry :
       fs::directory_iterator(fs::path(kSourceDir) / "testdata/examples" / example)) {
    if (entry.path().extension() == ".yaml") {
      fs::copy_file(entry.path(), to / entry.path().filename());
    }
  }
}

// `applied` (what `kubectl apply` sent, as JSON) as the API server returns it: the stored
// `spec` (or a Secret's `type` and `data`) with the server's defaults, the server's metadata
// (uid, resourceVersion, generation, creationTimestamp, managedFields, the last-applied
// annotation holding `applied` itself) and the controller's `status`.
Json Served(const std::string& applied, const std::string& stored, const std::string& status,
            int serial) {
  Json config = Json::parse(applied);
  Json object;
  object["apiVersion"] = config["apiVersion"];
  object["kind"] = config["kind"];
  Json metadata;
  Json config_metadata = config["metadata"];
  metadata["annotations"] = {
      {"kubectl.kubernetes.io/last-applied-configuration", config.dump() + "\n"}};
  metadata["creationTimestamp"] = "2026-11-30T09:12:" + std::to_string(10 + serial) + "Z";
  if (config["kind"] != "Secret") {
    metadata["generation"] = 1;
  }
  if (config_metadata.contains("labels")) {
    metadata["labels"] = config_metadata["labels"];
  }
  metadata["managedFields"] = Json::array(
      {{{"apiVersion", config["apiVersion"]},
        {"fieldsType", "FieldsV1"},
        {"fieldsV1",
         {{"f:metadata",
           {{"f:annotations",
             {{".", Json::object()},
              {"f:kubectl.kubernetes.io/last-applied-configuration", Json::object()}}}}}}},
        {"manager", "kubectl-client-side-apply"},
        {"operation", "Update"},
        {"time", "2026-11-30T09:12:10Z"}}});
  if (!status.empty()) {
    metadata["managedFields"].push_back({{"apiVersion", config["apiVersion"]},
                                         {"fieldsType", "FieldsV1"},
                                         {"fieldsV1", {{"f:status", Json::object()}}},
                                         {"manager", "agentgateway"},
                                         {"operation", "Update"},
                                         {"subresource", "status"},
                                         {"time", "2026-11-30T09:12:40Z"}});
  }
  metadata["name"] = config_metadata["name"];
  if (config_metadata.contains("namespace")) {
    metadata["namespace"] = config_metadata["namespace"];
  }
  metadata["resourceVersion"] = std::to_string(4100 + serial);
  metadata["uid"] = "6f0c1d2e-3a4b-4c5d-8e9f-00000000000" + std::to_string(serial % 10);
  object["metadata"] = metadata;
  Json stored_fields = Json::parse(stored);
  for (auto& [key, value] : stored_fields.items()) {
    object[key] = value;
  }
  if (!status.empty()) {
    object["status"] = Json::parse(status);
  }
  return object;
}

// Conditions as a controller writes them.
std::string Conditions(const std::vector<std::string>& types) {
  Json conditions = Json::array();
  for (const std::string& type : types) {
    conditions.push_back({{"lastTransitionTime", "2026-11-30T09:12:40Z"},
                          {"message", ""},
                          {"observedGeneration", 1},
                          {"reason", type},
                          {"status", "True"},
                          {"type", type}});
  }
  return conditions.dump();
}

std::string RouteStatus() {
  return R"({"parents":[{"conditions":)" + Conditions({"Accepted", "ResolvedRefs"}) +
         R"(,"controllerName":"agentgateway.dev/agentgateway","parentRef":)"
         R"({"group":"gateway.networking.k8s.io","kind":"Gateway","name":"ai-gateway",)"
         R"("namespace":"multiple-providers"}}]})";
}

// HTTPRoute multiple-providers/`name` sending /`prefix` to AgentgatewayBackend `backend`, as
// applied (no defaults) and as stored (parentRef group and kind, backendRef weight).
std::string RouteApplied(const std::string& name, const std::string& prefix,
                         const std::string& backend, const std::string& labels = "") {
  return R"({"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute","metadata":{)" +
         (labels.empty() ? "" : R"("labels":)" + labels + ",") + R"("name":")" + name +
         R"(","namespace":"multiple-providers"},"spec":{"parentRefs":[{"name":"ai-gateway",)"
         R"("namespace":"multiple-providers"}],"rules":[{"backendRefs":[{"group":)"
         R"("agentgateway.dev","kind":"AgentgatewayBackend","name":")" +
         backend + R"("}],"matches":[{"path":{"type":"PathPrefix","value":"/)" + prefix +
         R"("}}]}]}})";
}

std::string RouteStored(const std::string& prefix, const std::string& backend) {
  return R"({"spec":{"parentRefs":[{"group":"gateway.networking.k8s.io","kind":"Gateway",)"
         R"("name":"ai-gateway","namespace":"multiple-providers"}],"rules":[{"backendRefs":[)"
         R"({"group":"agentgateway.dev","kind":"AgentgatewayBackend","name":")" +
         backend + R"(","weight":1}],"matches":[{"path":{"type":"PathPrefix","value":"/)" + prefix +
         R"("}}]}]}})";
}

std::string BackendApplied(const std::string& name, const std::string& provider,
                           const std::string& model, const std::string& secret) {
  return R"({"apiVersion":"agentgateway.dev/v1alpha1","kind":"AgentgatewayBackend",)"
         R"("metadata":{"name":")" +
         name + R"(","namespace":"multiple-providers"},"spec":{"ai":{"provider":{")" + provider +
         R"(":{"model":")" + model + R"("}}},"policies":{"auth":{"secretRef":{"name":")" + secret +
         R"("}}}}})";
}

std::string SecretApplied(const std::string& name, const std::string& value) {
  return R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":")" + name +
         R"(","namespace":"multiple-providers"},"stringData":{"Authorization":")" + value +
         R"("},"type":"Opaque"})";
}

// The objects of testdata/examples/multiple-providers as the API server holds them once
// applied and reconciled.
std::vector<Json> MultipleProvidersLive() {
  std::vector<Json> objects;
  objects.push_back(Served(
      R"({"apiVersion":"gateway.networking.k8s.io/v1","kind":"Gateway","metadata":{"name":)"
      R"("ai-gateway","namespace":"multiple-providers"},"spec":{"gatewayClassName":)"
      R"("agentgateway","listeners":[{"name":"http","port":8080,"protocol":"HTTP"}]}})",
      R"({"spec":{"gatewayClassName":"agentgateway","listeners":[{"allowedRoutes":)"
      R"({"namespaces":{"from":"Same"}},"name":"http","port":8080,"protocol":"HTTP"}]}})",
      R"({"addresses":[{"type":"IPAddress","value":"10.96.14.7"}],"conditions":)" +
          Conditions({"Accepted", "Programmed"}) +
          R"(,"listeners":[{"attachedRoutes":2,"conditions":)" +
          Conditions({"Accepted", "Programmed", "ResolvedRefs"}) +
          R"(,"name":"http","supportedKinds":[{"group":"gateway.networking.k8s.io",)"
          R"("kind":"HTTPRoute"},{"group":"gateway.networking.k8s.io","kind":"GRPCRoute"}]}]})",
      1));
  objects.push_back(Served(RouteApplied("openai-route", "openai", "openai-backend"),
                           RouteStored("openai", "openai-backend"), RouteStatus(), 2));
  objects.push_back(Served(RouteApplied("anthropic-route", "anthropic", "anthropic-backend"),
                           RouteStored("anthropic", "anthropic-backend"), RouteStatus(), 3));
  std::string openai = BackendApplied("openai-backend", "openai", "gpt-4o-mini", "openai-secret");
  std::string anthropic = BackendApplied("anthropic-backend", "anthropic",
                                         "claude-sonnet-4-20250514", "anthropic-secret");
  std::string accepted = R"({"conditions":)" + Conditions({"Accepted"}) + "}";
  objects.push_back(
      Served(openai, R"({"spec":)" + Json::parse(openai)["spec"].dump() + "}", accepted, 4));
  objects.push_back(
      Served(anthropic, R"({"spec":)" + Json::parse(anthropic)["spec"].dump() + "}", accepted, 5));
  objects.push_back(Served(
      SecretApplied("openai-secret", "$OPENAI_API_KEY"),
      R"({"data":{"Authorization":")" + EncodeBase64("$OPENAI_API_KEY") + R"("},"type":"Opaque"})",
      "", 6));
  // Made with `kubectl create secret generic`: no last-applied annotation.
  Json anthropic_secret =
      Served(SecretApplied("anthropic-secret", "x"),
             R"({"data":{"Authorization":")" +
                 EncodeBase64(std::string("Bearer ") + kAnthropicKey) + R"("},"type":"Opaque"})",
             "", 7);
  anthropic_secret["metadata"].erase("annotations");
  objects.push_back(anthropic_secret);
  return objects;
}

void AddObjects(FakeApiServer& server, const std::vector<Json>& objects) {
  for (const Json& object : objects) {
    INFO(object["kind"] << " " << object["metadata"]["name"]);
    REQUIRE(server.AddObject(object.dump()));
  }
}

std::string ClientCertificateUser(const FakeApiServer& server) {
  return "    client-certificate-data: " + EncodeBase64(server.ClientCertificatePem()) +
         "\n    client-key-data: " + EncodeBase64(server.ClientKeyPem()) + "\n";
}

// A kubeconfig for `server` with a bearer token, in `dir`/config.
std::string TokenKubeconfig(const TempDir& dir, const FakeApiServer& server,
                            const std::string& token) {
  return dir.Write(
      "config", KubeconfigText(server.url(), CaData(server.CaPem()), "    token: " + token + "\n"));
}

// The binary with a HOME of its own (no ~/.kube/config to fall back on) and the given extras.
CommandResult Run(const TempDir& dir, std::vector<std::string> args,
                  std::vector<std::string> environment = {}) {
  args.insert(args.begin(), kPluginBinary);
  environment.push_back("HOME=" + dir.path());
  return RunCommand(args, "", dir.path(), environment, kTimeoutSeconds);
}

// The paths of the requests the server answered, in order, without discovery (/api, /apis and
// the resource lists of each group version).
std::vector<std::string> ObjectRequests(const FakeApiServer& server) {
  std::vector<std::string> paths;
  for (const FakeApiRequest& request : server.Requests()) {
    std::size_t slashes = std::count(request.path.begin(), request.path.end(), '/');
    bool discovery = request.path == "/api" || request.path == "/apis" ||
                     request.path == "/api/v1" ||
                     (request.path.rfind("/apis/", 0) == 0 && slashes == 3);
    if (!discovery) {
      paths.push_back(request.path + (request.query.empty() ? "" : "?" + request.query) + " " +
                      std::to_string(request.status));
    }
  }
  return paths;
}

const std::vector<std::string> kExampleGets = {
    "/apis/agentgateway.dev/v1alpha1/namespaces/multiple-providers/agentgatewaybackends/"
    "openai-backend 200",
    "/apis/agentgateway.dev/v1alpha1/namespaces/multiple-providers/agentgatewaybackends/"
    "anthropic-backend 200",
    "/apis/gateway.networking.k8s.io/v1/namespaces/multiple-providers/gateways/ai-gateway 200",
    "/apis/gateway.networking.k8s.io/v1/namespaces/multiple-providers/httproutes/openai-route 200",
    "/apis/gateway.networking.k8s.io/v1/namespaces/multiple-providers/httproutes/"
    "anthropic-route 200",
    "/api/v1/namespaces/multiple-providers/secrets/openai-secret 200",
    "/api/v1/namespaces/multiple-providers/secrets/anthropic-secret 200",
};

// Whether `secret` stays out of both outputs.
void CheckNotShown(const CommandResult& result, const std::string& secret) {
  CHECK(result.out.find(secret) == std::string::npos);
  CHECK(result.err.find(secret) == std::string::npos);
}

// Whether every request reached the server as `user` with the `scheme` credential.
void CheckCredentials(const FakeApiServer& server, const std::string& user,
                      const std::string& scheme, bool client_certificate) {
  std::vector<FakeApiRequest> requests = server.Requests();
  REQUIRE_FALSE(requests.empty());
  for (const FakeApiRequest& request : requests) {
    INFO(request.path);
    CHECK(request.user == user);
    CHECK(request.authorization == scheme);
    CHECK(request.client_certificate == client_certificate);
    CHECK(request.status == 200);
  }
}

// GatewayClass `agentgateway` handed to `controller`, as a manifest.
std::string GatewayClassYaml(const std::string& controller) {
  return "apiVersion: gateway.networking.k8s.io/v1\n"
         "kind: GatewayClass\n"
         "metadata:\n"
         "  name: agentgateway\n"
         "spec:\n"
         "  controllerName: " +
         controller + "\n";
}

TEST_CASE("diff against the live cluster with a client certificate shows only the real change") {
  auto server = StartServer(FakeApiAuth::kClientCertificate);
  AddObjects(*server, MultipleProvidersLive());
  TempDir dir;
  std::string kubeconfig = dir.Write(
      "config",
      KubeconfigText(server->url(), CaData(server->CaPem()), ClientCertificateUser(*server)));
  CopyExample("multiple-providers", fs::path(dir.path()) / "manifests");

  CommandResult same = Run(dir, {"diff", "-f", "manifests", "--kubeconfig", kubeconfig});
  CHECK(same.err == "");
  CHECK(same.out == "0 added, 0 removed, 0 changed, 7 unchanged\n");
  CHECK(same.exit_code == 0);
  CHECK(ObjectRequests(*server) == kExampleGets);
  CheckCredentials(*server, "kubernetes-admin", "", true);

  Edit(fs::path(dir.path()) / "manifests/backends.yaml", "model: claude-sonnet-4-20250514",
       "model: claude-sonnet-4-5");
  CommandResult changed =
      Run(dir, {"diff", "-f", "manifests", "--kubeconfig", kubeconfig, "--color", "never"});
  CHECK(changed.err == "");
  CHECK(changed.out ==
        "~ AgentgatewayBackend multiple-providers/anthropic-backend\n"
        "    spec.ai.provider.anthropic.model: \"claude-sonnet-4-20250514\" → "
        "\"claude-sonnet-4-5\"\n"
        "Routing:\n"
        "  Gateway multiple-providers/ai-gateway, listener http (port 8080)\n"
        "    ~ */anthropic/* → backend anthropic-backend: model: claude-sonnet-4-20250514 → "
        "claude-sonnet-4-5\n"
        "0 added, 0 removed, 1 changed, 6 unchanged\n");
  CHECK(changed.exit_code == 1);
  for (const CommandResult* result : {&same, &changed}) {
    CheckNotShown(*result, kAnthropicKey);
  }
}

TEST_CASE("diff -o json against the live cluster lists the changed field for tools") {
  auto server = StartServer(FakeApiAuth::kClientCertificate);
  AddObjects(*server, MultipleProvidersLive());
  TempDir dir;
  std::string kubeconfig = dir.Write(
      "config",
      KubeconfigText(server->url(), CaData(server->CaPem()), ClientCertificateUser(*server)));
  CopyExample("multiple-providers", fs::path(dir.path()) / "manifests");
  Edit(fs::path(dir.path()) / "manifests/backends.yaml", "model: gpt-4o-mini", "model: gpt-4.1");
  CommandResult result =
      Run(dir, {"diff", "-f", "manifests", "--kubeconfig", kubeconfig, "-o", "json"});
  CHECK(result.err == "");
  CHECK(result.exit_code == 1);
  Json report = Json::parse(result.out, nullptr, false);
  REQUIRE(report.is_object());
  CHECK(report["summary"].dump() == R"({"added":0,"removed":0,"changed":1,"unchanged":6})");
  std::vector<Json> changed;
  for (const Json& resource : report["resources"]) {
    if (resource["change"] != "unchanged") {
      changed.push_back(resource);
    }
  }
  REQUIRE(changed.size() == 1);
  CHECK(changed[0]["name"] == "openai-backend");
  CHECK(changed[0]["fields"].dump() ==
        R"([{"path":"spec.ai.provider.openai.model","change":"changed","old":"\"gpt-4o-mini\"",)"
        R"("new":"\"gpt-4.1\""}])");
}

TEST_CASE("diff reads a tokenFile relative to the kubeconfig found through KUBECONFIG") {
  auto server = StartServer(FakeApiAuth::kBearerToken);
  server->AddToken("file-token-8c1f", "file-user");
  AddObjects(*server, MultipleProvidersLive());
  TempDir dir;
  // The token sits beside the kubeconfig, not in the working directory.
  dir.Write("kube/token", "file-token-8c1f\n");
  std::string kubeconfig =
      dir.Write("kube/config",
                KubeconfigText(server->url(), CaData(server->CaPem()), "    tokenFile: token\n"));
  CopyExample("multiple-providers", fs::path(dir.path()) / "manifests");
  CommandResult result = Run(dir, {"diff", "-f", "manifests"}, {"KUBECONFIG=" + kubeconfig});
  CHECK(result.err == "");
  CHECK(result.out == "0 added, 0 removed, 0 changed, 7 unchanged\n");
  CHECK(result.exit_code == 0);
  CHECK(ObjectRequests(*server) == kExampleGets);
  CheckCredentials(*server, "file-user", "Bearer", false);
  CheckNotShown(result, "file-token-8c1f");
}

TEST_CASE("diff runs the kubeconfig's exec plugin and sends the token it prints") {
  auto server = StartServer(FakeApiAuth::kBearerToken);
  server->AddToken("exec-token-52d0", "exec-user");
  AddObjects(*server, MultipleProvidersLive());
  TempDir dir;
  std::string plugin =
      dir.Write("kube/bin/credential.sh",
                "#!/bin/sh\n"
                "printf '%s' '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":"
                "\"ExecCredential\",\"status\":{\"token\":\"exec-token-52d0\"}}'\n");
  REQUIRE(::chmod(plugin.c_str(), 0755) == 0);
  std::string kubeconfig = dir.Write(
      "kube/config",
      KubeconfigText(server->url(), CaData(server->CaPem()),
                     "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
                     "      command: ./bin/credential.sh\n      interactiveMode: Never\n"));
  CopyExample("multiple-providers", fs::path(dir.path()) / "manifests");
  CommandResult result = Run(dir, {"diff", "-f", "manifests", "--kubeconfig", kubeconfig});
  CHECK(result.err == "");
  CHECK(result.out == "0 added, 0 removed, 0 changed, 7 unchanged\n");
  CHECK(result.exit_code == 0);
  CheckCredentials(*server, "exec-user", "Bearer", false);
  CheckNotShown(result, "exec-token-52d0");
}

TEST_CASE("diff shows an object the cluster lacks as added and prunes by the selector") {
  auto server = StartServer(FakeApiAuth::kBearerToken);
  server->AddToken("prune-token-1", "deployer");
  AddObjects(*server, MultipleProvidersLive());
  // Two routes on the cluster that the manifests no longer hold: one labelled app=x (what
  // `kubectl apply --prune -l app=x` deletes), one not.
  AddObjects(*server,
             {Served(RouteApplied("legacy-route", "legacy", "openai-backend", R"({"app":"x"})"),
                     RouteStored("legacy", "openai-backend"), RouteStatus(), 8),
              Served(RouteApplied("other-route", "other", "openai-backend", R"({"app":"y"})"),
                     RouteStored("other", "openai-backend"), RouteStatus(), 9)});
  TempDir dir;
  std::string kubeconfig = TokenKubeconfig(dir, *server, "prune-token-1");
  CopyExample("multiple-providers", fs::path(dir.path()) / "manifests");
  dir.Write("manifests/v2.yaml",
            "apiVersion: gateway.networking.k8s.io/v1\n"
            "kind: HTTPRoute\n"
            "metadata:\n"
            "  name: v2-route\n"
            "  namespace: multiple-providers\n"
            "  labels:\n"
            "    app: x\n"
            "spec:\n"
            "  parentRefs:\n"
            "  - name: ai-gateway\n"
            "  rules:\n"
            "  - matches:\n"
            "    - path:\n"
            "        type: PathPrefix\n"
            "        value: /v2\n"
            "    backendRefs:\n"
            "    - group: agentgateway.dev\n"
            "      kind: AgentgatewayBackend\n"
            "      name: openai-backend\n");

  CommandResult added = Run(dir, {"diff", "-f", "manifests", "--kubeconfig", kubeconfig});
  CHECK(added.err == "");
  CHECK(added.out ==
        "+ HTTPRoute multiple-providers/v2-route\n"
        "Routing:\n"
        "  Gateway multiple-providers/ai-gateway, listener http (port 8080)\n"
        "    + */v2/* → HTTPRoute multiple-providers/v2-route rule 0: openai-backend\n"
        "        backend openai-backend: provider openai, model gpt-4o-mini, upstream "
        "https://api.openai.com/v1/chat/completions, auth Secret multiple-providers/openai-secret "
        "key Authorization\n"
        "1 added, 0 removed, 0 changed, 7 unchanged\n");
  CHECK(added.exit_code == 1);
  std::vector<std::string> requests = ObjectRequests(*server);
  CHECK(std::count(requests.begin(), requests.end(),
                   "/apis/gateway.networking.k8s.io/v1/namespaces/multiple-providers/httproutes/"
                   "v2-route 404") == 1);

  server->ClearRequests();
  CommandResult pruned =
      Run(dir, {"diff", "-f", "manifests", "--kubeconfig", kubeconfig, "--prune", "-l", "app=x"});
  CHECK(pruned.err == "");
  CHECK(pruned.out ==
        "- HTTPRoute multiple-providers/legacy-route\n"
        "+ HTTPRoute multiple-providers/v2-route\n"
        "Routing:\n"
        "  Gateway multiple-providers/ai-gateway, listener http (port 8080)\n"
        "    - */legacy/* → HTTPRoute multiple-providers/legacy-route rule 0: openai-backend\n"
        "        backend openai-backend: provider openai, model gpt-4o-mini, upstream "
        "https://api.openai.com/v1/chat/completions, auth Secret multiple-providers/openai-secret "
        "key Authorization\n"
        "    + */v2/* → HTTPRoute multiple-providers/v2-route rule 0: openai-backend\n"
        "        backend openai-backend: provider openai, model gpt-4o-mini, upstream "
        "https://api.openai.com/v1/chat/completions, auth Secret multiple-providers/openai-secret "
        "key Authorization\n"
        "1 added, 1 removed, 0 changed, 7 unchanged\n");
  CHECK(pruned.exit_code == 1);
  // kubectl apply --prune's lists: each kind of the manifests in each of their namespaces.
  std::vector<std::string> lists;
  for (const std::string& request : ObjectRequests(*server)) {
    if (request.find('?') != std::string::npos) {
      lists.push_back(request);
    }
  }
  CHECK(lists ==
        std::vector<std::string>{
            "/apis/agentgateway.dev/v1alpha1/namespaces/multiple-providers/agentgatewaybackends"
            "?labelSelector=app%3Dx&limit=500 200",
            "/apis/gateway.networking.k8s.io/v1/namespaces/multiple-providers/gateways"
            "?labelSelector=app%3Dx&limit=500 200",
            "/apis/gateway.networking.k8s.io/v1/namespaces/multiple-providers/httproutes"
            "?labelSelector=app%3Dx&limit=500 200",
            "/api/v1/namespaces/multiple-providers/secrets?labelSelector=app%3Dx&limit=500 200"});
}

TEST_CASE("diff puts objects that name no namespace in the namespace of the context") {
  auto server = StartServer(FakeApiAuth::kBearerToken);
  server->AddToken("ns-token-3", "deployer");
  AddObjects(*server, MultipleProvidersLive());
  TempDir dir;
  std::string text =
      KubeconfigText(server->url(), CaData(server->CaPem()), "    token: ns-token-3\n");
  std::string context = "context: {cluster: fake, user: fake-user}";
  text.replace(text.find(context), context.size(),
               "context: {cluster: fake, user: fake-user, namespace: multiple-providers}");
  std::string kubeconfig = dir.Write("config", text);
  CopyExample("multiple-providers", fs::path(dir.path()) / "manifests");
  for (const char* file : {"backends.yaml", "gateway.yaml", "routes.yaml", "secrets.yaml"}) {
    fs::path path = fs::path(dir.path()) / "manifests" / file;
    std::string yaml = ReadAll(path);
    for (std::size_t at = yaml.find("  namespace: multiple-providers\n"); at != std::string::npos;
         at = yaml.find("  namespace: multiple-providers\n")) {
      // Only metadata.namespace (two spaces in); parentRefs keep theirs.
      if (at > 0 && yaml[at - 1] == '\n') {
        yaml.erase(at, std::string("  namespace: multiple-providers\n").size());
      } else {
        break;
      }
    }
    std::ofstream(path, std::ios::binary) << yaml;
  }
  REQUIRE(ReadAll(fs::path(dir.path()) / "manifests/gateway.yaml").find("namespace") ==
          std::string::npos);
  CommandResult result = Run(dir, {"diff", "-f", "manifests", "--kubeconfig", kubeconfig});
  CHECK(result.err == "");
  CHECK(result.out == "0 added, 0 removed, 0 changed, 7 unchanged\n");
  CHECK(result.exit_code == 0);
  CHECK(ObjectRequests(*server) == kExampleGets);
}

TEST_CASE("diff uses the context that --context names and the namespace that -n gives") {
  auto server = StartServer(FakeApiAuth::kBearerToken);
  server->AddToken("context-token-1d", "deployer");
  AddObjects(*server, MultipleProvidersLive());
  TempDir dir;
  // The current context points at a closed port: only --context reaches the server.
  std::string kubeconfig = dir.Write(
      "config",
      "apiVersion: v1\nkind: Config\nclusters:\n"
      "- name: down\n  cluster:\n    server: https://127.0.0.1:" +
          std::to_string(ClosedPort()) +
          "\n    insecure-skip-tls-verify: true\n"
          "- name: staging\n  cluster:\n    server: " +
          server->url() + "\n" + CaData(server->CaPem()) +
          "users:\n- name: deployer\n  user:\n    token: context-token-1d\n"
          "contexts:\n- name: down\n  context: {cluster: down, user: deployer}\n"
          "- name: staging\n  context: {cluster: staging, user: deployer, namespace: other}\n"
          "current-context: down\n");
  dir.Write("manifests/gateway.yaml",
            "apiVersion: gateway.networking.k8s.io/v1\n"
            "kind: Gateway\n"
            "metadata:\n"
            "  name: ai-gateway\n"
            "spec:\n"
            "  gatewayClassName: agentgateway\n"
            "  listeners:\n"
            "  - name: http\n"
            "    protocol: HTTP\n"
            "    port: 8080\n");
  CommandResult result = Run(dir, {"diff", "-f", "manifests", "--kubeconfig", kubeconfig,
                                   "--context", "staging", "-n", "multiple-providers"});
  CHECK(result.err == "");
  CHECK(result.out == "0 added, 0 removed, 0 changed, 1 unchanged\n");
  CHECK(result.exit_code == 0);
  CHECK(ObjectRequests(*server) ==
        std::vector<std::string>{"/apis/gateway.networking.k8s.io/v1/namespaces/"
                                 "multiple-providers/gateways/ai-gateway 200"});
  CheckNotShown(result, "context-token-1d");
}

TEST_CASE("diff reports an unreachable API server with its context and URL and exits 3") {
  TempDir dir;
  std::string url = "https://127.0.0.1:" + std::to_string(ClosedPort());
  std::string kubeconfig =
      dir.Write("config", KubeconfigText(url, "    insecure-skip-tls-verify: true\n",
                                         "    token: closed-port-token-4e\n"));
  CopyExample("multiple-providers", fs::path(dir.path()) / "manifests");
  CommandResult result = Run(dir, {"diff", "-f", "manifests", "--kubeconfig", kubeconfig});
  CHECK(result.out == "");
  CHECK(result.err == "error: cannot reach the API server of context \"fake\" (" + url +
                          "): Connection refused\n");
  CHECK(result.exit_code == 3);
  CheckNotShown(result, "closed-port-token-4e");
}

TEST_CASE("diff says the API server refused the credentials of a wrong token and exits 3") {
  auto server = StartServer(FakeApiAuth::kBearerToken);
  server->AddToken("right-token-7a", "deployer");
  AddObjects(*server, MultipleProvidersLive());
  TempDir dir;
  std::string kubeconfig = TokenKubeconfig(dir, *server, "wrong-token-9b");
  CopyExample("multiple-providers", fs::path(dir.path()) / "manifests");
  CommandResult result = Run(dir, {"diff", "-f", "manifests", "--kubeconfig", kubeconfig});
  CHECK(result.out == "");
  CHECK(result.err == "error: " + Label(*server) + " refused the credentials: 401 Unauthorized\n");
  CHECK(result.exit_code == 3);
  CheckNotShown(result, "wrong-token-9b");
  CHECK(server->Requests().back().status == 401);
}

TEST_CASE("diff passes on the API server's Forbidden message and exits 3") {
  auto server = StartServer(FakeApiAuth::kBearerToken);
  server->AddForbiddenToken("viewer-token-2c", "viewer");
  AddObjects(*server, MultipleProvidersLive());
  TempDir dir;
  std::string kubeconfig = TokenKubeconfig(dir, *server, "viewer-token-2c");
  CopyExample("multiple-providers", fs::path(dir.path()) / "manifests");
  CommandResult result = Run(dir, {"diff", "-f", "manifests", "--kubeconfig", kubeconfig});
  CHECK(result.out == "");
  CHECK(result.err ==
        "error: " + Label(*server) +
            " denied the request: agentgatewaybackends.agentgateway.dev \"openai-backend\" is "
            "forbidden: User \"viewer\" cannot get resource \"agentgatewaybackends\" in API group "
            "\"agentgateway.dev\" in the namespace \"multiple-providers\"\n");
  CHECK(result.exit_code == 3);
  CheckNotShown(result, "viewer-token-2c");
}

TEST_CASE("diff says the API server would refuse a change of the live GatewayClass controller") {
  auto server = StartServer(FakeApiAuth::kBearerToken);
  server->AddToken("class-token-6", "deployer");
  const std::string applied =
      R"({"apiVersion":"gateway.networking.k8s.io/v1","kind":"GatewayClass","metadata":)"
      R"({"name":"agentgateway"},"spec":{"controllerName":"agentgateway.dev/agentgateway"}})";
  AddObjects(*server,
             {Served(applied, R"({"spec":{"controllerName":"agentgateway.dev/agentgateway"}})",
                     R"({"conditions":)" + Conditions({"Accepted"}) + "}", 1)});
  TempDir dir;
  std::string kubeconfig = TokenKubeconfig(dir, *server, "class-token-6");
  dir.Write("manifests/gatewayclass.yaml", GatewayClassYaml("example.com/other-controller"));
  CommandResult result =
      Run(dir, {"diff", "-f", "manifests", "--kubeconfig", kubeconfig, "--color", "never"});
  CHECK(result.err == "");
  CHECK(result.out ==
        "~ GatewayClass agentgateway\n"
        "    spec.controllerName: \"agentgateway.dev/agentgateway\" → "
        "\"example.com/other-controller\"\n"
        "    ! the API server would refuse this update: spec.controllerName: Invalid value: "
        "\"string\": Value is immutable\n"
        "0 added, 0 removed, 1 changed, 0 unchanged\n");
  CHECK(result.exit_code == 1);
  CHECK(ObjectRequests(*server) ==
        std::vector<std::string>{
            "/apis/gateway.networking.k8s.io/v1/gatewayclasses/agentgateway 200"});
}

// What others set on a live object and the manifests never held (a controller's finalizer,
// another manager's annotation) is kept by `kubectl apply` (its three-way merge removes only what
// the last-applied configuration held), so `kubectl diff` shows no change and exits 0.
TEST_CASE("diff keeps live fields that the manifests never set as kubectl apply does") {
  auto server = StartServer(FakeApiAuth::kBearerToken);
  server->AddToken("merge-token-4", "deployer");
  std::vector<Json> live = MultipleProvidersLive();
  // Gateway API controllers put this finalizer on a GatewayClass that Gateways use.
  const std::string class_applied =
      R"({"apiVersion":"gateway.networking.k8s.io/v1","kind":"GatewayClass","metadata":)"
      R"({"name":"agentgateway"},"spec":{"controllerName":"agentgateway.dev/agentgateway"}})";
  Json gateway_class =
      Served(class_applied, R"({"spec":{"controllerName":"agentgateway.dev/agentgateway"}})",
             R"({"conditions":)" + Conditions({"Accepted"}) + "}", 8);
  gateway_class["metadata"]["finalizers"] =
      Json::array({"gateway-exists-finalizer.gateway.networking.k8s.io"});
  live.push_back(gateway_class);
  // `kubectl annotate gateway ai-gateway team.example/owner=team-b`.
  live[0]["metadata"]["annotations"]["team.example/owner"] = "team-b";
  AddObjects(*server, live);
  TempDir dir;
  std::string kubeconfig = TokenKubeconfig(dir, *server, "merge-token-4");
  CopyExample("multiple-providers", fs::path(dir.path()) / "manifests");
  dir.Write("manifests/gatewayclass.yaml", GatewayClassYaml("agentgateway.dev/agentgateway"));
  CommandResult result = Run(dir, {"diff", "-f", "manifests", "--kubeconfig", kubeconfig});
  CHECK(result.err == "");
  CHECK(result.out == "0 added, 0 removed, 0 changed, 8 unchanged\n");
  CHECK(result.exit_code == 0);
}

// The CustomResourceDefinitions of shared/crds/`set` as the API server lists them (JSON, with
// the server's metadata and status).
std::vector<Json> ServedCrds(const std::string& set) {
  std::vector<Json> crds;
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry :
       fs::directory_iterator(fs::path(kSharedDir) / "crds" / set)) {
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    validate::manifest::Manifest manifest;
    validate::manifest::DiagnosticSink sink;
    validate::manifest::LoadText(manifest, file.string(), ReadAll(file), {}, sink);
    REQUIRE(manifest.resources.size() == 1);
    Json crd = manifest.resources[0].object.ToJson();
    crd["metadata"]["uid"] =
        "0d5c3a10-7e1b-4c2a-9f3e-" + std::to_string(100000000000 + crds.size());
    crd["metadata"]["resourceVersion"] = std::to_string(900 + crds.size());
    crd["metadata"]["generation"] = 1;
    crd["metadata"]["creationTimestamp"] = "2026-11-30T09:00:00Z";
    Json stored_versions = Json::array();
    for (const Json& version : crd["spec"]["versions"]) {
      if (version.value("storage", false)) {
        stored_versions.push_back(version["name"]);
      }
    }
    crd["status"] = {{"acceptedNames", crd["spec"]["names"]},
                     {"conditions", Json::parse(Conditions({"NamesAccepted", "Established"}))},
                     {"storedVersions", stored_versions}};
    crds.push_back(std::move(crd));
  }
  return crds;
}

// An unrelated CRD a cluster may have.
Json OtherCrd() {
  return Json::parse(
      R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",)"
      R"("metadata":{"name":"certificates.cert-manager.io"},"spec":{"group":"cert-manager.io",)"
      R"("names":{"kind":"Certificate","listKind":"CertificateList","plural":"certificates",)"
      R"("singular":"certificate"},"scope":"Namespaced","versions":[{"name":"v1","served":true,)"
      R"("storage":true,"schema":{"openAPIV3Schema":{"type":"object",)"
      R"("x-kubernetes-preserve-unknown-fields":true}}}]}})");
}

constexpr char kCorsRoute[] =
    "apiVersion: gateway.networking.k8s.io/v1\n"
    "kind: HTTPRoute\n"
    "metadata:\n"
    "  name: cors-route\n"
    "  namespace: multiple-providers\n"
    "spec:\n"
    "  parentRefs:\n"
    "  - name: ai-gateway\n"
    "  rules:\n"
    "  - filters:\n"
    "    - type: CORS\n"
    "      cors:\n"
    "        allowOrigins: [\"https://app.example.com\"]\n"
    "    backendRefs:\n"
    "    - group: agentgateway.dev\n"
    "      kind: AgentgatewayBackend\n"
    "      name: openai-backend\n";

TEST_CASE("validate --from-cluster checks against the Gateway API CRDs the cluster has") {
  auto server = StartServer(FakeApiAuth::kClientCertificate);
  AddObjects(*server, ServedCrds("gateway-api-v1.4.0"));
  AddObjects(*server, ServedCrds("agentgateway-v1.4.1"));
  AddObjects(*server, {OtherCrd()});
  TempDir dir;
  std::string kubeconfig = dir.Write(
      "config",
      KubeconfigText(server->url(), CaData(server->CaPem()), ClientCertificateUser(*server)));
  CopyExample("multiple-providers", fs::path(dir.path()) / "manifests");

  CommandResult valid =
      Run(dir, {"validate", "--from-cluster", "-f", "manifests", "--kubeconfig", kubeconfig});
  CHECK(valid.err == "");
  CHECK(valid.out.substr(valid.out.rfind("7 resources")) ==
        "7 resources in 4 files: no errors or warnings, 2 info\n");
  CHECK(valid.exit_code == 0);
  CHECK(ObjectRequests(*server) ==
        std::vector<std::string>{
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions?limit=500 200"});

  SECTION("a schema error is reported in the API server's words") {
    Edit(fs::path(dir.path()) / "manifests/gateway.yaml", "port: 8080", "port: 80800");
    CommandResult invalid =
        Run(dir, {"validate", "--from-cluster", "-f", "manifests", "--kubeconfig", kubeconfig});
    CHECK(invalid.err == "");
    INFO(invalid.out);
    CHECK(invalid.out.rfind(
              "The Gateway \"ai-gateway\" is invalid:\n"
              "manifests/gateway.yaml:13:13: error: spec.listeners[0].port: Invalid value: 80800: "
              "spec.listeners[0].port in body should be less than or equal to 65535 "
              "[FieldValueInvalid]\n"
              " 13 |       port: 80800\n"
              "    |             ^\n",
              0) == 0);
    CHECK(invalid.out.substr(invalid.out.rfind("7 resources")) ==
          "7 resources in 4 files: 1 error, 0 warnings\n");
    CHECK(invalid.exit_code == 1);
  }

  SECTION("a field of a newer Gateway API than the cluster's is refused") {
    // HTTPRoute CORS filters are in the newest Gateway API built in, not in the cluster's v1.4.0.
    CopyExample("multiple-providers", fs::path(dir.path()) / "cors");
    dir.Write("cors/route.yaml", kCorsRoute);
    CommandResult built_in = Run(dir, {"validate", "-f", "cors"});
    CHECK(built_in.err == "");
    CHECK(built_in.out.substr(built_in.out.rfind("8 resources")) ==
          "8 resources in 5 files: no errors or warnings, 2 info\n");
    CHECK(built_in.exit_code == 0);
    CommandResult cluster =
        Run(dir, {"validate", "--from-cluster", "-f", "cors", "--kubeconfig", kubeconfig});
    CHECK(cluster.err == "");
    INFO(cluster.out);
    CHECK(cluster.out.rfind("cors/route.yaml:12:7: error: HTTPRoute in version \"v1\" cannot be "
                            "handled as a HTTPRoute: strict decoding error: unknown field "
                            "\"spec.rules[0].filters[0].cors\" [strict-decoding]\n",
                            0) == 0);
    CHECK(cluster.out.substr(cluster.out.rfind("8 resources")) ==
          "8 resources in 5 files: 1 error, 0 warnings\n");
    CHECK(cluster.exit_code == 1);
  }
}

TEST_CASE("validate --from-cluster fails when the cluster has no Gateway API CRDs") {
  auto server = StartServer(FakeApiAuth::kBearerToken);
  server->AddToken("crd-token-5", "deployer");
  AddObjects(*server, {OtherCrd()});
  TempDir dir;
  std::string kubeconfig = TokenKubeconfig(dir, *server, "crd-token-5");
  CopyExample("multiple-providers", fs::path(dir.path()) / "manifests");
  CommandResult result =
      Run(dir, {"validate", "--from-cluster", "-f", "manifests", "--kubeconfig", kubeconfig});
  CHECK(result.out == "");
  CHECK(result.err ==
        "error: the cluster of context \"fake\" has no Gateway API or agentgateway CRDs "
        "installed\n");
  CHECK(result.exit_code == 3);
}

TEST_CASE("validate --from-cluster reports an unreachable API server and exits 3") {
  TempDir dir;
  std::string url = "https://127.0.0.1:" + std::to_string(ClosedPort());
  std::string kubeconfig =
      dir.Write("config", KubeconfigText(url, "    insecure-skip-tls-verify: true\n", ""));
  CopyExample("multiple-providers", fs::path(dir.path()) / "manifests");
  CommandResult result =
      Run(dir, {"validate", "--from-cluster", "-f", "manifests", "--kubeconfig", kubeconfig});
  CHECK(result.out == "");
  CHECK(result.err == "error: cannot reach the API server of context \"fake\" (" + url +
                          "): Connection refused\n");
  CHECK(result.exit_code == 3);
}

}  // namespace
}  // namespace agw::test
