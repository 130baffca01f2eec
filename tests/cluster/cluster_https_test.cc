// The cluster client end to end: kubeconfig files on disk, exec plugins as real processes, and
// libcurl against the in-process fake API server on 127.0.0.1 (TLS, credentials, the API).
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/cluster/cluster_test_support.h"

namespace agw::validate::cluster::testing {
namespace {

using test::FakeApiServer;

const GroupVersionKind kHttpRoute = kHttpRouteV1;

TEST_CASE("Client certificate data in the kubeconfig reads an object over verified TLS") {
  auto server = StartServer(test::FakeApiAuth::kClientCertificate);
  REQUIRE(server->AddObject(Route("web")));
  test::TempDir dir;
  std::string kubeconfig = dir.Write(
      "config", KubeconfigText(
                    server->url(), CaData(server->CaPem()),
                    "    client-certificate-data: " + EncodeBase64(server->ClientCertificatePem()) +
                        "\n    client-key-data: " + EncodeBase64(server->ClientKeyPem()) + "\n"));
  TransportOptions transport;
  transport.user_agent = "kubectl-agentgateway/v9.9.9";
  Expected<ClusterClient> client = ConnectTo(kubeconfig, BaseEnvironment(dir), transport);
  REQUIRE(client.has_value());
  Expected<std::optional<std::string>> got = client->api->Get(kHttpRoute, "default", "web");
  INFO((got ? "" : got.error().message));
  REQUIRE(got.has_value());
  REQUIRE(got->has_value());
  nlohmann::json object = nlohmann::json::parse(**got);
  CHECK(object["metadata"]["name"] == "web");
  CHECK(object["spec"]["parentRefs"][0]["name"] == "gw");
  std::vector<test::FakeApiRequest> requests = server->Requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].path == "/apis/gateway.networking.k8s.io/v1");
  CHECK(requests[1].path == "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/web");
  CHECK(requests[1].user == "kubernetes-admin");
  CHECK(requests[1].client_certificate);
  CHECK(requests[1].authorization.empty());
  CHECK(requests[1].accept == "application/json");
  CHECK(requests[1].user_agent == "kubectl-agentgateway/v9.9.9");
  CHECK(requests[1].host == "127.0.0.1:" + std::to_string(server->port()));
}

TEST_CASE("Certificate files named relative to the kubeconfig are read from its directory") {
  auto server = StartServer(test::FakeApiAuth::kClientCertificate);
  test::TempDir dir;
  dir.Write("kube/pki/ca.crt", server->CaPem());
  dir.Write("kube/pki/client.crt", server->ClientCertificatePem());
  dir.Write("kube/pki/client.key", server->ClientKeyPem());
  dir.Write(
      "kube/config",
      KubeconfigText(server->url(), "    certificate-authority: pki/ca.crt\n",
                     "    client-certificate: pki/client.crt\n    client-key: ./pki/client.key\n"));
  ConnectOptions options;
  options.kubeconfig.explicit_path = "kube/config";  // relative to the working directory
  options.kubeconfig.working_directory = dir.path();
  validate::manifest::DiskFileSystem disk;
  validate::manifest::SubprocessRunner runner;
  Expected<ClusterClient> client = Connect(options, BaseEnvironment(dir), disk, runner);
  REQUIRE(client.has_value());
  CHECK(client->connection.ca_origin == "certificate-authority " + dir.path() + "/kube/pki/ca.crt");
  Expected<std::optional<std::string>> got = client->api->Get(kHttpRoute, "default", "web");
  INFO((got ? "" : got.error().message));
  REQUIRE(got.has_value());
  CHECK_FALSE(got->has_value());  // 404: not found, not an error
}

TEST_CASE("A token file is read per connection and sent as a bearer token") {
  auto server = StartServer(test::FakeApiAuth::kBearerToken);
  server->AddToken("file-token-1", "file-user");
  REQUIRE(server->AddObject(Route("web")));
  test::TempDir dir;
  dir.Write("token", "file-token-1\n");
  std::string kubeconfig = dir.Write(
      "config", KubeconfigText(server->url(), CaData(server->CaPem()), "    tokenFile: token\n"));
  Expected<ClusterClient> client = ConnectTo(kubeconfig, BaseEnvironment(dir));
  REQUIRE(client.has_value());
  Expected<std::optional<std::string>> got = client->api->Get(kHttpRoute, "default", "web");
  INFO((got ? "" : got.error().message));
  REQUIRE(got.has_value());
  CHECK(got->has_value());
  CHECK(server->Requests().back().user == "file-user");
  CHECK(server->Requests().back().authorization == "Bearer");
}

TEST_CASE("An exec plugin gets its args env and exec info and its token is used") {
  auto server = StartServer(test::FakeApiAuth::kBearerToken);
  server->AddToken("exec-token-7", "exec-user");
  REQUIRE(server->AddObject(Route("web")));
  test::TempDir dir;
  dir.Write("expected-info",
            R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":)"
            R"({"cluster":{"server":")" +
                server->url() + R"(","certificate-authority-data":")" +
                EncodeBase64(server->CaPem()) + R"("},"interactive":false}})");
  dir.Write("credential.json",
            R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",)"
            R"("status":{"token":"exec-token-7"}})");
  std::string plugin = dir.Write(
      "bin/plugin.sh",
      "#!/bin/sh\n"
      "here=$(dirname \"$0\")/..\n"
      "if [ \"$KUBERNETES_EXEC_INFO\" != \"$(cat \"$here/expected-info\")\" ]; then\n"
      "  echo \"unexpected KUBERNETES_EXEC_INFO: $KUBERNETES_EXEC_INFO\" >&2; exit 3\nfi\n"
      "if [ $# -ne 2 ] || [ \"$1\" != get-token ] || [ \"$2\" != '--cluster=fake' ]; then\n"
      "  echo \"unexpected args: $*\" >&2; exit 4\nfi\n"
      "if [ \"$PLUGIN_MODE\" != test ] || [ \"$HOME\" != /plugin-home ]; then\n"
      "  echo \"unexpected env\" >&2; exit 5\nfi\n"
      "cat \"$here/credential.json\"\n");
  ::chmod(plugin.c_str(), 0755);
  std::string exec =
      "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
      "      command: ./bin/plugin.sh\n      args: [get-token, --cluster=fake]\n"
      "      env: [{name: PLUGIN_MODE, value: test}, {name: HOME, value: /plugin-home}]\n"
      "      interactiveMode: Never\n      provideClusterInfo: true\n";
  std::string kubeconfig =
      dir.Write("config", KubeconfigText(server->url(), CaData(server->CaPem()), exec));
  Expected<ClusterClient> client = ConnectTo(kubeconfig, BaseEnvironment(dir));
  REQUIRE(client.has_value());
  Expected<std::optional<std::string>> got = client->api->Get(kHttpRoute, "default", "web");
  INFO((got ? "" : got.error().message));
  REQUIRE(got.has_value());
  CHECK(got->has_value());
  CHECK(server->Requests().back().user == "exec-user");

  // The same plugin with other args fails, and the error carries its stderr.
  std::string wrong = exec;
  wrong.replace(wrong.find("--cluster=fake"), 14, "--cluster=nope");
  dir.Write("config", KubeconfigText(server->url(), CaData(server->CaPem()), wrong));
  Expected<ClusterClient> failed = ConnectTo(kubeconfig, BaseEnvironment(dir));
  REQUIRE_FALSE(failed.has_value());
  CHECK(failed.error().message == "exec credential plugin \"" + dir.path() +
                                      "/bin/plugin.sh\" (user \"fake-user\") failed with exit "
                                      "code 4: unexpected args: get-token --cluster=nope");
}

TEST_CASE("An exec plugin may answer with a client certificate and key") {
  auto server = StartServer(test::FakeApiAuth::kClientCertificate);
  test::TempDir dir;
  nlohmann::json credential = {{"apiVersion", "client.authentication.k8s.io/v1beta1"},
                               {"kind", "ExecCredential"},
                               {"status",
                                {{"clientCertificateData", server->ClientCertificatePem()},
                                 {"clientKeyData", server->ClientKeyPem()}}}};
  dir.Write("credential.json", credential.dump());
  std::string plugin =
      dir.Write("plugin.sh", "#!/bin/sh\ncat \"$(dirname \"$0\")/credential.json\"\n");
  ::chmod(plugin.c_str(), 0755);
  std::string kubeconfig = dir.Write(
      "config",
      KubeconfigText(server->url(), CaData(server->CaPem()),
                     "    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: " +
                         plugin + "}\n"));
  Expected<ClusterClient> client = ConnectTo(kubeconfig, BaseEnvironment(dir));
  REQUIRE(client.has_value());
  Expected<std::vector<std::string>> items = client->api->List(kHttpRoute, "");
  INFO((items ? "" : items.error().message));
  REQUIRE(items.has_value());
  CHECK(server->Requests().back().client_certificate);
}

TEST_CASE("KUBECONFIG files are merged before the context is chosen") {
  auto server = StartServer(test::FakeApiAuth::kBearerToken);
  server->AddToken("merged-token", "merged-user");
  test::TempDir dir;
  std::string first = dir.Write("a/config",
                                "contexts:\n- name: fake\n  context: {cluster: fake, user: u}\n"
                                "current-context: fake\n");
  std::string second =
      dir.Write("b/config", "clusters:\n- name: fake\n  cluster:\n    server: " + server->url() +
                                "\n" + CaData(server->CaPem()) +
                                "users:\n- name: u\n  user: {token: merged-token}\n");
  Environment env = BaseEnvironment(dir);
  env["KUBECONFIG"] = dir.path() + "/missing:" + first + ":" + second;
  ConnectOptions options;
  validate::manifest::DiskFileSystem disk;
  validate::manifest::SubprocessRunner runner;
  Expected<ClusterClient> client = Connect(options, env, disk, runner);
  REQUIRE(client.has_value());
  Expected<std::vector<std::string>> groups = client->api->GroupVersions("agentgateway.dev");
  INFO((groups ? "" : groups.error().message));
  REQUIRE(groups.has_value());
  CHECK(*groups == std::vector<std::string>{"v1alpha1"});
  CHECK(server->Requests().back().user == "merged-user");
}

TEST_CASE("insecure-skip-tls-verify reaches a server whose CA is not given") {
  auto server = StartServer(test::FakeApiAuth::kBearerToken);
  server->AddToken("t", "u");
  test::TempDir dir;
  std::string kubeconfig = dir.Write(
      "config",
      KubeconfigText(server->url(), "    insecure-skip-tls-verify: true\n", "    token: t\n"));
  Expected<ClusterClient> client = ConnectTo(kubeconfig, BaseEnvironment(dir));
  REQUIRE(client.has_value());
  Expected<std::optional<std::string>> got = client->api->Get(kHttpRoute, "default", "web");
  INFO((got ? "" : got.error().message));
  REQUIRE(got.has_value());
}

TEST_CASE("A certificate the CA did not sign fails verification with curl's reason") {
  auto server = StartServer(test::FakeApiAuth::kBearerToken);
  auto other = test::GenerateFakePki({}, "x");
  REQUIRE(other.has_value());
  test::TempDir dir;
  std::string kubeconfig =
      dir.Write("config", KubeconfigText(server->url(), CaData(other->ca_pem), "    token: t\n"));
  CHECK(GetError(kubeconfig, BaseEnvironment(dir)) ==
        "cannot verify the certificate of " + Label(*server) +
            ": SSL certificate problem: unable to get local issuer certificate");
  CHECK(server->Requests().empty());
}

TEST_CASE("tls-server-name is sent as SNI and is the name verified") {
  auto server = StartServer(test::FakeApiAuth::kBearerToken);
  server->AddToken("t", "u");
  test::TempDir dir;
  std::string kubeconfig = dir.Write(
      "config", KubeconfigText(server->url(),
                               CaData(server->CaPem()) + "    tls-server-name: kubernetes.test\n",
                               "    token: t\n"));
  Expected<ClusterClient> client = ConnectTo(kubeconfig, BaseEnvironment(dir));
  REQUIRE(client.has_value());
  Expected<std::optional<std::string>> got = client->api->Get(kHttpRoute, "default", "web");
  INFO((got ? "" : got.error().message));
  REQUIRE(got.has_value());
  CHECK(server->Requests().back().sni == "kubernetes.test");
  CHECK(server->Requests().back().host == "127.0.0.1:" + std::to_string(server->port()));

  dir.Write("config", KubeconfigText(server->url(),
                                     CaData(server->CaPem()) + "    tls-server-name: other.test\n",
                                     "    token: t\n"));
  CHECK(GetError(kubeconfig, BaseEnvironment(dir)) ==
        "cannot verify the certificate of " + Label(*server) +
            ": SSL: no alternative certificate subject name matches target host name "
            "'other.test'");
}

TEST_CASE("Unknown and forbidden credentials get the API server's 401 and 403") {
  auto server = StartServer(test::FakeApiAuth::kEither);
  server->AddForbiddenToken("weak-token", "dev");
  test::TempDir dir;
  std::string kubeconfig = dir.Write(
      "config", KubeconfigText(server->url(), CaData(server->CaPem()), "    token: bad\n"));
  CHECK(GetError(kubeconfig, BaseEnvironment(dir)) ==
        Label(*server) + " refused the credentials: 401 Unauthorized");
  dir.Write("config",
            KubeconfigText(server->url(), CaData(server->CaPem()), "    token: weak-token\n"));
  CHECK(GetError(kubeconfig, BaseEnvironment(dir)) ==
        Label(*server) +
            " denied the request: httproutes.gateway.networking.k8s.io \"web\" is forbidden: User "
            "\"dev\" cannot get resource \"httproutes\" in API group \"gateway.networking.k8s.io\" "
            "in the namespace \"default\"");
  dir.Write("config", KubeconfigText(server->url(), CaData(server->CaPem()),
                                     "    username: admin\n    password: hunter2\n"));
  CHECK(GetError(kubeconfig, BaseEnvironment(dir)) ==
        Label(*server) + " refused the credentials: 401 Unauthorized");
  CHECK(server->Requests().back().authorization == "Basic");
}

TEST_CASE("A client certificate from another CA is refused in the TLS handshake") {
  auto server = StartServer(test::FakeApiAuth::kClientCertificate);
  auto other = test::GenerateFakePki({}, "intruder");
  REQUIRE(other.has_value());
  test::TempDir dir;
  std::string kubeconfig = dir.Write(
      "config",
      KubeconfigText(server->url(), CaData(server->CaPem()),
                     "    client-certificate-data: " + EncodeBase64(other->client_cert_pem) +
                         "\n    client-key-data: " + EncodeBase64(other->client_key_pem) + "\n"));
  CHECK(GetError(kubeconfig, BaseEnvironment(dir)) ==
        "the TLS handshake with " + Label(*server) +
            " failed: tlsv1 alert unknown ca (the server did not accept the client certificate)");
  CHECK(server->Requests().empty());
}

TEST_CASE("A missing object and a kind that is not served are told apart") {
  auto server = StartServer(test::FakeApiAuth::kClientCertificate);
  test::TempDir dir;
  std::string kubeconfig = dir.Write(
      "config", KubeconfigText(
                    server->url(), CaData(server->CaPem()),
                    "    client-certificate-data: " + EncodeBase64(server->ClientCertificatePem()) +
                        "\n    client-key-data: " + EncodeBase64(server->ClientKeyPem()) + "\n"));
  Expected<ClusterClient> client = ConnectTo(kubeconfig, BaseEnvironment(dir));
  REQUIRE(client.has_value());
  Expected<std::optional<std::string>> missing = client->api->Get(kHttpRoute, "default", "x");
  REQUIRE(missing.has_value());
  CHECK_FALSE(missing->has_value());
  CHECK(server->Requests().back().status == 404);
  Expected<std::optional<std::string>> unserved =
      client->api->Get({"gateway.networking.k8s.io", "v1alpha2", "TLSRoute"}, "default", "x");
  REQUIRE_FALSE(unserved.has_value());
  CHECK(unserved.error().message ==
        "the server does not serve TLSRoute in gateway.networking.k8s.io/v1alpha2 (is the CRD "
        "installed?)");
  Expected<std::optional<std::string>> gateway_class = client->api->Get(
      {"gateway.networking.k8s.io", "v1", "GatewayClass"}, "default", "agentgateway");
  REQUIRE(gateway_class.has_value());
  CHECK(server->Requests().back().path ==
        "/apis/gateway.networking.k8s.io/v1/gatewayclasses/agentgateway");
}

TEST_CASE("List sends the label selector and reads every page") {
  auto server = StartServer(test::FakeApiAuth::kBearerToken);
  server->AddToken("t", "u");
  for (const char* name : {"a", "b", "c", "d", "e"}) {
    std::string labels = std::string(R"({"app":"web","tier":")") +
                         (std::string(name) == "c" ? "db" : "front") + R"("})";
    REQUIRE(server->AddObject(Route(name, labels)));
  }
  REQUIRE(server->AddObject(Route("other", R"({"app":"api"})")));
  test::TempDir dir;
  std::string kubeconfig =
      dir.Write("config", KubeconfigText(server->url(), CaData(server->CaPem()), "    token: t\n"));
  ConnectOptions options;
  options.kubeconfig.explicit_path = kubeconfig;
  options.api.page_size = 2;
  validate::manifest::DiskFileSystem disk;
  validate::manifest::SubprocessRunner runner;
  Expected<ClusterClient> client = Connect(options, BaseEnvironment(dir), disk, runner);
  REQUIRE(client.has_value());
  Expected<std::vector<std::string>> items =
      client->api->List(kHttpRoute, "default", "app=web,tier!=db");
  INFO((items ? "" : items.error().message));
  REQUIRE(items.has_value());
  std::vector<std::string> names;
  for (const std::string& item : *items) {
    nlohmann::json object = nlohmann::json::parse(item);
    CHECK(object["apiVersion"] == "gateway.networking.k8s.io/v1");
    CHECK(object["kind"] == "HTTPRoute");
    names.push_back(object["metadata"]["name"]);
  }
  CHECK(names == std::vector<std::string>{"a", "b", "d", "e"});
  std::vector<test::FakeApiRequest> requests = server->Requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[1].path == "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes");
  CHECK(requests[1].query == "labelSelector=app%3Dweb%2Ctier%21%3Ddb&limit=2");
  CHECK(requests[2].query == "labelSelector=app%3Dweb%2Ctier%21%3Ddb&limit=2&continue=2");
}

}  // namespace
}  // namespace agw::validate::cluster::testing
