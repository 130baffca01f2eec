#include "validate/cluster/kubeconfig.h"

#include <catch2/catch.hpp>

#include "validate/cluster/connection.h"
#include "validate/cluster/exec_credential.h"
#include "validate/cluster/proxy.h"

namespace agw::validate::cluster {
namespace {

using validate::manifest::InMemoryFileSystem;

const std::string kCa = "-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n";
const std::string kCert = "-----BEGIN CERTIFICATE-----\nQ0VSVA==\n-----END CERTIFICATE-----\n";
const std::string kKey = "-----BEGIN PRIVATE KEY-----\nS0VZ\n-----END PRIVATE KEY-----\n";

// A kind-style kubeconfig: one cluster, one user with certificate data, one context.
std::string KindConfig(const std::string& extra_cluster = "", const std::string& extra_user = "") {
  return "apiVersion: v1\n"
         "kind: Config\n"
         "clusters:\n"
         "- name: kind-agw\n"
         "  cluster:\n"
         "    server: https://127.0.0.1:6443\n"
         "    certificate-authority-data: " +
         EncodeBase64(kCa) + "\n" + extra_cluster +
         "users:\n"
         "- name: kind-agw\n"
         "  user:\n"
         "    client-certificate-data: " +
         EncodeBase64(kCert) + "\n    client-key-data: " + EncodeBase64(kKey) + "\n" + extra_user +
         "contexts:\n"
         "- name: kind-agw\n"
         "  context: {cluster: kind-agw, user: kind-agw}\n"
         "current-context: kind-agw\n";
}

// Loads with the environment and selects with `overrides`.
Expected<ClusterConnection> Select(const InMemoryFileSystem& fs, const Environment& environment,
                                   const ConnectionOverrides& overrides = {},
                                   const std::string& explicit_path = "") {
  KubeconfigLoadOptions options;
  options.explicit_path = explicit_path;
  options.working_directory = "/work";
  Expected<Kubeconfig> kubeconfig = LoadKubeconfig(options, environment, fs);
  if (!kubeconfig) {
    return tl::unexpected(kubeconfig.error());
  }
  return SelectConnection(*kubeconfig, overrides, KubeconfigSearchPath(options, environment), fs);
}

ConnectionOverrides Flags(std::string context, std::string cluster, std::string user,
                          std::string namespace_) {
  ConnectionOverrides overrides;
  overrides.context = std::move(context);
  overrides.cluster = std::move(cluster);
  overrides.user = std::move(user);
  overrides.namespace_ = std::move(namespace_);
  return overrides;
}

std::string ErrorOf(const Expected<ClusterConnection>& connection) {
  REQUIRE_FALSE(connection.has_value());
  return connection.error().message;
}

const Environment kHome = {{"HOME", "/home/u"}};

TEST_CASE("The current context of $HOME/.kube/config gives the server and certificate data") {
  InMemoryFileSystem fs;
  fs.AddFile("/home/u/.kube/config", KindConfig());
  Expected<ClusterConnection> connection = Select(fs, kHome);
  REQUIRE(connection.has_value());
  CHECK(connection->context == "kind-agw");
  CHECK(connection->cluster == "kind-agw");
  CHECK(connection->user == "kind-agw");
  CHECK(connection->server == "https://127.0.0.1:6443");
  CHECK(connection->namespace_ == "default");
  CHECK(connection->ca_pem == kCa);
  CHECK(connection->ca_origin == "certificate-authority-data of cluster \"kind-agw\"");
  CHECK(connection->client_certificate_pem == kCert);
  CHECK(connection->client_key_pem == kKey);
  CHECK(DescribeServer(*connection) ==
        "the API server of context \"kind-agw\" (https://127.0.0.1:6443)");
}

TEST_CASE("A kubeconfig in JSON is read too") {
  InMemoryFileSystem fs;
  fs.AddFile("/home/u/.kube/config",
             R"({"clusters":[{"name":"c","cluster":{"server":"https://10.0.0.1/"}}],)"
             R"("contexts":[{"name":"x","context":{"cluster":"c","namespace":"apps"}}],)"
             R"("current-context":"x"})");
  Expected<ClusterConnection> connection = Select(fs, kHome);
  REQUIRE(connection.has_value());
  CHECK(connection->server == "https://10.0.0.1");
  CHECK(connection->user.empty());
  CHECK(connection->namespace_ == "apps");
}

TEST_CASE("A field of the wrong type is reported with its file line column and path") {
  InMemoryFileSystem fs;
  fs.AddFile("/k", "clusters:\n- name: c\n  cluster:\n    server: 6443\n");
  CHECK(ErrorOf(Select(fs, {}, {}, "/k")) ==
        "cannot load kubeconfig /k:4:13: clusters[0].cluster.server: expected a string, found an "
        "integer");
  fs.AddFile("/k", "users:\n- name: u\n  user:\n    token: {a: b}\n");
  CHECK(ErrorOf(Select(fs, {}, {}, "/k")) ==
        "cannot load kubeconfig /k:4:12: users[0].user.token: expected a string, found a map");
  fs.AddFile("/k", "clusters: {c: 1}\n");
  CHECK(ErrorOf(Select(fs, {}, {}, "/k")) ==
        "cannot load kubeconfig /k:1:11: clusters: expected a list, found a map");
}

TEST_CASE("Base64 data that does not decode is reported with Go's byte offset") {
  InMemoryFileSystem fs;
  fs.AddFile("/k",
             "clusters:\n- name: c\n  cluster:\n    server: https://x\n"
             "    certificate-authority-data: not*base64\n");
  CHECK(ErrorOf(Select(fs, {}, {}, "/k")) ==
        "cannot load kubeconfig /k:5:33: clusters[0].cluster.certificate-authority-data: illegal "
        "base64 data at input byte 3");
}

TEST_CASE("A YAML syntax error names the file and line") {
  InMemoryFileSystem fs;
  fs.AddFile("/k", "clusters:\n- name: c\n  cluster: [\n");
  std::string message = ErrorOf(Select(fs, {}, {}, "/k"));
  CHECK(message.rfind("cannot load kubeconfig /k:", 0) == 0);
}

TEST_CASE("A name used twice in one file is an error as in client-go") {
  InMemoryFileSystem fs;
  fs.AddFile("/k",
             "contexts:\n- name: a\n  context: {cluster: c}\n- name: a\n  context: {cluster: d}\n");
  CHECK(ErrorOf(Select(fs, {}, {}, "/k")) ==
        "cannot load kubeconfig /k:4:3: contexts[1].name: duplicate name \"a\" in contexts");
}

TEST_CASE("An empty kubeconfig file is an empty config with no context") {
  InMemoryFileSystem fs;
  fs.AddFile("/home/u/.kube/config", "");
  CHECK(ErrorOf(Select(fs, kHome)) ==
        "no context is selected: set current-context in /home/u/.kube/config or pass --context");
}

TEST_CASE("No kubeconfig at all is explained by where it was looked for") {
  InMemoryFileSystem fs;
  CHECK(ErrorOf(Select(fs, kHome)) ==
        "no kubeconfig found: /home/u/.kube/config does not exist (set KUBECONFIG or pass "
        "--kubeconfig)");
  CHECK(ErrorOf(Select(fs, {{"KUBECONFIG", "/a:/b"}})) ==
        "no kubeconfig found: none of the KUBECONFIG files exists (/a, /b)");
  CHECK(ErrorOf(Select(fs, kHome, {}, "/missing")) ==
        "the kubeconfig file /missing given with --kubeconfig does not exist");
}

TEST_CASE("KUBECONFIG files merge with the first definition of each name winning it whole") {
  InMemoryFileSystem fs;
  fs.AddFile("/a/config",
             "clusters:\n- name: shared\n  cluster: {server: 'https://first'}\n"
             "contexts:\n- name: dev\n  context: {cluster: shared, user: dev}\n");
  fs.AddFile("/b/config",
             "clusters:\n- name: shared\n  cluster: {server: 'https://second', proxy-url: "
             "'http://p:3128'}\n- name: other\n  cluster: {server: 'https://other'}\n"
             "users:\n- name: dev\n  user: {token: t}\n"
             "current-context: dev\n");
  fs.AddFile("/c/config", "current-context: ignored\n");
  Environment environment = {{"KUBECONFIG", ":/a/config:/missing:/b/config:/a/config:/c/config"}};
  Expected<Kubeconfig> kubeconfig = LoadKubeconfig({}, environment, fs);
  REQUIRE(kubeconfig.has_value());
  CHECK(kubeconfig->files == std::vector<std::string>{"/a/config", "/b/config", "/c/config"});
  CHECK(kubeconfig->clusters.at("shared").server == "https://first");
  CHECK(kubeconfig->clusters.at("shared").proxy_url.empty());  // not merged field by field
  CHECK(kubeconfig->clusters.at("other").origin == "/b/config");
  CHECK(kubeconfig->current_context == "dev");
  CHECK(kubeconfig->current_context_origin == "/b/config");
  Expected<ClusterConnection> connection = Select(fs, environment);
  REQUIRE(connection.has_value());
  CHECK(connection->server == "https://first");
  CHECK(connection->token == "t");
}

TEST_CASE("A file of the KUBECONFIG list that does not parse fails the load") {
  InMemoryFileSystem fs;
  fs.AddFile("/a", KindConfig());
  fs.AddFile("/b", "current-context: [\n");
  Expected<ClusterConnection> connection = Select(fs, {{"KUBECONFIG", "/a:/b"}});
  CHECK(ErrorOf(connection).rfind("cannot load kubeconfig /b:", 0) == 0);
}

TEST_CASE("Relative paths resolve against the directory of the file that defined the entry") {
  InMemoryFileSystem fs;
  fs.AddFile("/work/kube/config",
             "clusters:\n- name: c\n  cluster: {server: 'https://x', certificate-authority: "
             "../pki/ca.crt}\n"
             "users:\n- name: u\n  user:\n    client-certificate: ./client.crt\n"
             "    client-key: /abs/client.key\n    tokenFile: token\n"
             "- name: e\n  user:\n    exec: {command: bin/plugin, apiVersion: "
             "client.authentication.k8s.io/v1beta1}\n"
             "- name: p\n  user:\n    exec: {command: aws, apiVersion: "
             "client.authentication.k8s.io/v1beta1}\n");
  Expected<Kubeconfig> kubeconfig = LoadKubeconfig({"kube/config", "/work"}, {}, fs);
  REQUIRE(kubeconfig.has_value());
  CHECK(kubeconfig->clusters.at("c").certificate_authority == "/work/pki/ca.crt");
  CHECK(kubeconfig->users.at("u").client_certificate == "/work/kube/client.crt");
  CHECK(kubeconfig->users.at("u").client_key == "/abs/client.key");
  CHECK(kubeconfig->users.at("u").token_file == "/work/kube/token");
  CHECK(kubeconfig->users.at("e").exec->command == "/work/kube/bin/plugin");
  CHECK(kubeconfig->users.at("p").exec->command == "aws");
}

TEST_CASE("Referenced files are read and a missing one is an error naming it") {
  InMemoryFileSystem fs;
  std::string config =
      "clusters:\n- name: c\n  cluster: {server: 'https://x', certificate-authority: ca.crt}\n"
      "users:\n- name: u\n  user: {client-certificate: c.crt, client-key: c.key}\n"
      "contexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n";
  fs.AddFile("/k/config", config);
  CHECK(ErrorOf(Select(fs, {}, {}, "/k/config")) ==
        "cannot read certificate-authority /k/ca.crt of cluster \"c\": No such file or "
        "directory");
  fs.AddFile("/k/ca.crt", kCa);
  fs.AddFile("/k/c.crt", kCert);
  CHECK(ErrorOf(Select(fs, {}, {}, "/k/config")) ==
        "cannot read client-key /k/c.key of user \"u\": No such file or directory");
  fs.AddFile("/k/c.key", kKey);
  Expected<ClusterConnection> connection = Select(fs, {}, {}, "/k/config");
  REQUIRE(connection.has_value());
  CHECK(connection->ca_pem == kCa);
  CHECK(connection->ca_origin == "certificate-authority /k/ca.crt");
  CHECK(connection->client_key_pem == kKey);
  fs.AddFile("/k/ca.crt", "not a certificate");
  CHECK(ErrorOf(Select(fs, {}, {}, "/k/config")) ==
        "the certificate-authority /k/ca.crt holds no PEM certificate");
}

TEST_CASE("The context comes from --context else current-context") {
  InMemoryFileSystem fs;
  fs.AddFile("/home/u/.kube/config",
             "clusters:\n- name: c\n  cluster: {server: 'https://c'}\n"
             "contexts:\n- name: a\n  context: {cluster: c}\n"
             "- name: b\n  context: {cluster: c, namespace: team}\n"
             "current-context: a\n");
  CHECK(Select(fs, kHome)->context == "a");
  Expected<ClusterConnection> b = Select(fs, kHome, Flags("b", "", "", ""));
  REQUIRE(b.has_value());
  CHECK(b->context == "b");
  CHECK(b->namespace_ == "team");
  CHECK_FALSE(b->namespace_from_flag);
  Expected<ClusterConnection> flagged = Select(fs, kHome, Flags("b", "", "", "ops"));
  CHECK(flagged->namespace_ == "ops");
  CHECK(flagged->namespace_from_flag);
  CHECK(ErrorOf(Select(fs, kHome, Flags("nope", "", "", ""))) ==
        "context \"nope\" is not defined in /home/u/.kube/config");
}

TEST_CASE("A context naming an undefined cluster or user is an error") {
  InMemoryFileSystem fs;
  fs.AddFile("/a",
             "contexts:\n- name: x\n  context: {cluster: gone, user: u}\ncurrent-context: x\n");
  fs.AddFile("/b", "clusters:\n- name: c\n  cluster: {server: 'https://c'}\n");
  Environment environment = {{"KUBECONFIG", "/a:/b"}};
  CHECK(ErrorOf(Select(fs, environment)) ==
        "context \"x\" names cluster \"gone\", which is not defined in any of /a, /b");
  CHECK(ErrorOf(Select(fs, environment, Flags("", "c", "", ""))) ==
        "context \"x\" names user \"u\", which is not defined in any of /a, /b");
  CHECK(ErrorOf(Select(fs, environment, Flags("", "nope", "", ""))) ==
        "cluster \"nope\" given with --cluster is not defined in any of /a, /b");
  CHECK(ErrorOf(Select(fs, environment, Flags("", "c", "who", ""))) ==
        "user \"who\" given with --user is not defined in any of /a, /b");
  fs.AddFile("/a", "current-context: ''\n");
  CHECK(ErrorOf(Select(fs, environment)) ==
        "no context is selected: set current-context in one of /a, /b or pass --context");
  Expected<ClusterConnection> direct = Select(fs, environment, Flags("", "c", "", ""));
  REQUIRE(direct.has_value());
  CHECK(direct->context.empty());
  CHECK(DescribeServer(*direct) == "the API server https://c");
}

TEST_CASE("A cluster without a server and servers without a scheme") {
  InMemoryFileSystem fs;
  fs.AddFile("/k",
             "clusters:\n- name: c\n  cluster: {insecure-skip-tls-verify: true}\n"
             "users:\n- name: u\n  user: {token: secret-token}\n"
             "contexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n");
  CHECK(ErrorOf(Select(fs, {}, {}, "/k")) == "cluster \"c\" has no server");
  // rest.defaultServerUrlFor: no scheme means http, and then no credentials are sent.
  fs.AddFile("/k",
             "clusters:\n- name: c\n  cluster: {server: 'localhost:8080'}\n"
             "users:\n- name: u\n  user: {token: secret-token, as: admin}\n"
             "contexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n");
  Expected<ClusterConnection> plain = Select(fs, {}, {}, "/k");
  REQUIRE(plain.has_value());
  CHECK(plain->server == "http://localhost:8080");
  CHECK_FALSE(plain->uses_tls());
  CHECK(plain->token.empty());
  CHECK(plain->impersonate == "admin");
  fs.AddFile("/k",
             "clusters:\n- name: c\n  cluster: {server: 'ftp://x'}\n"
             "contexts:\n- name: x\n  context: {cluster: c}\ncurrent-context: x\n");
  CHECK(ErrorOf(Select(fs, {}, {}, "/k")) ==
        "cluster \"c\" has server \"ftp://x\", which is not an http or https URL");
}

TEST_CASE("Combinations kubectl refuses are refused without showing any secret") {
  InMemoryFileSystem fs;
  auto check = [&](const std::string& cluster, const std::string& user) {
    fs.AddFile("/k", "clusters:\n- name: c\n  cluster:\n    server: https://x\n" + cluster +
                         "users:\n- name: u\n  user:\n" + user +
                         "contexts:\n- name: x\n  context: {cluster: c, user: u}\n"
                         "current-context: x\n");
    return ErrorOf(Select(fs, {}, {}, "/k"));
  };
  CHECK(check("    certificate-authority: /ca\n    certificate-authority-data: " +
                  EncodeBase64(kCa) + "\n",
              "    token: t\n") ==
        "cluster \"c\" sets both certificate-authority-data and certificate-authority (kubectl "
        "refuses this too: keep one)");
  CHECK(check("    insecure-skip-tls-verify: true\n    certificate-authority-data: " +
                  EncodeBase64(kCa) + "\n",
              "    token: t\n") ==
        "cluster \"c\" sets insecure-skip-tls-verify together with a certificate authority, "
        "which kubectl does not allow: keep one");
  CHECK(check("    proxy-url: ftp://user:hunter2@proxy:21\n", "    token: t\n") ==
        "invalid proxy-url \"ftp://***@proxy:21\" of cluster \"c\": unsupported scheme \"ftp\", "
        "must be http, https, or socks5");
  CHECK(check("", "    token: t0ken\n    username: me\n    password: hunter2\n") ==
        "more than one authentication method found for user \"u\": token and username/password; "
        "only one is allowed");
  CHECK(check("", "    client-certificate-data: " + EncodeBase64(kCert) + "\n") ==
        "user \"u\" has a client certificate but no client-key or client-key-data");
  CHECK(check("", "    client-certificate-data: " + EncodeBase64(kCert) +
                      "\n    client-key-data: " + EncodeBase64("nope") + "\n") ==
        "the client key of user \"u\" holds no PEM private key");
  CHECK(check("", "    auth-provider: {name: oidc, config: {id-token: x}}\n") ==
        "user \"u\" uses auth-provider \"oidc\", which kubectl-agentgateway does not support: use "
        "an exec credential plugin instead (for OIDC, kubelogin)");
  CHECK(check("", "    exec: {command: aws, apiVersion: client.authentication.k8s.io/v1}\n") ==
        "user \"u\" has an exec credential plugin without interactiveMode "
        "(client.authentication.k8s.io/v1 requires Never, IfAvailable or Always)");
  CHECK(
      check("", "    exec: {command: aws, apiVersion: client.authentication.k8s.io/v1alpha1}\n") ==
      "user \"u\" has an exec credential plugin with apiVersion "
      "\"client.authentication.k8s.io/v1alpha1\": use client.authentication.k8s.io/v1 or "
      "client.authentication.k8s.io/v1beta1");
  CHECK(check("",
              "    exec:\n      command: aws\n      apiVersion: "
              "client.authentication.k8s.io/v1beta1\n      env: [{value: x}]\n") ==
        "user \"u\" has an exec credential plugin env entry without a name");
}

TEST_CASE("An exec user keeps its whole plugin configuration") {
  InMemoryFileSystem fs;
  fs.AddFile("/k",
             "clusters:\n- name: c\n  cluster:\n    server: https://x\n    extensions:\n"
             "    - name: client.authentication.k8s.io/exec\n      extension: {audience: k8s}\n"
             "users:\n- name: u\n  user:\n    exec:\n"
             "      apiVersion: client.authentication.k8s.io/v1beta1\n"
             "      command: aws\n      args: [eks, get-token]\n"
             "      env: [{name: AWS_PROFILE, value: prod}]\n"
             "      installHint: install the aws CLI\n      provideClusterInfo: true\n"
             "contexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n");
  Expected<ClusterConnection> connection = Select(fs, {}, {}, "/k");
  REQUIRE(connection.has_value());
  REQUIRE(connection->exec.has_value());
  CHECK(connection->exec->command == "aws");
  CHECK(connection->exec->args == std::vector<std::string>{"eks", "get-token"});
  CHECK(connection->exec->env.size() == 1);
  CHECK(connection->exec->env[0].name == "AWS_PROFILE");
  CHECK(connection->exec->install_hint == "install the aws CLI");
  CHECK(connection->exec->provide_cluster_info);
  CHECK(connection->exec->interactive_mode.empty());
  CHECK(connection->exec_extension_json == R"({"audience":"k8s"})");
}

TEST_CASE("Proxies come from proxy-url else from the environment as Go reads it") {
  const Environment env = {{"HTTPS_PROXY", "proxy.corp:3128"},
                           {"http_proxy", "http://plain:80"},
                           {"NO_PROXY", "internal.corp, .svc,10.0.0.0/8,192.168.1.1,k8s:8443"}};
  CHECK(ProxyFor("https://api.example.com", "", env) == "http://proxy.corp:3128");
  CHECK(ProxyFor("http://api.example.com", "", env) == "http://plain:80");
  CHECK(ProxyFor("https://api.example.com", "socks5://s:1080", env) == "socks5h://s:1080");
  CHECK(ProxyFor("https://api.example.com", "https://p:443", {}) == "https://p:443");
  CHECK(ProxyFor("https://api.example.com", "", {}).empty());
  // Loopback and localhost never go through an environment proxy.
  CHECK(ProxyFor("https://127.0.0.1:6443", "", env).empty());
  CHECK(ProxyFor("https://[::1]:6443", "", env).empty());
  CHECK(ProxyFor("https://localhost:6443", "", env).empty());
  // NO_PROXY: a host and its subdomains, a .domain, a CIDR, an IP, a host with a port.
  CHECK(ProxyFor("https://internal.corp", "", env).empty());
  CHECK(ProxyFor("https://api.internal.corp", "", env).empty());
  CHECK(ProxyFor("https://a.svc:443", "", env).empty());
  CHECK(ProxyFor("https://svc", "", env) == "http://proxy.corp:3128");
  CHECK(ProxyFor("https://10.1.2.3:6443", "", env).empty());
  CHECK(ProxyFor("https://192.168.1.1", "", env).empty());
  CHECK(ProxyFor("https://192.168.1.2", "", env) == "http://proxy.corp:3128");
  CHECK(ProxyFor("https://k8s:8443", "", env).empty());
  CHECK(ProxyFor("https://k8s:6443", "", env) == "http://proxy.corp:3128");
  CHECK(ProxyFor("https://any", "", {{"https_proxy", "http://p:1"}, {"no_proxy", "*"}}).empty());
  // The upper-case name wins; an empty one falls through to the lower-case one.
  CHECK(ProxyFor("https://any", "", {{"HTTPS_PROXY", ""}, {"https_proxy", "http://low:1"}}) ==
        "http://low:1");
}

TEST_CASE("URLs split into their parts and lose their credentials in messages") {
  Expected<UrlParts> parts = SplitUrl("HTTPS://user:pw@[::1]:6443/k8s/clusters/c1?x=1");
  REQUIRE(parts.has_value());
  CHECK(parts->scheme == "https");
  CHECK(parts->userinfo == "user:pw");
  CHECK(parts->host == "::1");
  CHECK(parts->port == "6443");
  CHECK(parts->path == "/k8s/clusters/c1?x=1");
  CHECK(RedactUrl("http://user:pw@proxy:3128/") == "http://***@proxy:3128/");
  CHECK(RedactUrl("http://proxy:3128") == "http://proxy:3128");
  CHECK_FALSE(SplitUrl("proxy:3128").has_value());
}

}  // namespace
}  // namespace agw::validate::cluster
