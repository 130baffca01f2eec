#pragma once

// An in-process stand-in for the Kubernetes API server, for tests of the cluster client and of
// the commands that read a cluster. HTTPS on 127.0.0.1 with its own CA, generated at start; Beast
// stays in fake_api_server.cc, so including this header is cheap.
//
// What it answers, with the real API server's bodies and messages:
//   GET /api                      APIVersions (v1)
//   GET /api/v1, /apis/G/V        APIResourceList of the registered resources (with their
//                                 status subresources, as a real server lists them)
//   GET /apis                     APIGroupList of the registered groups
//   GET .../[namespaces/NS/]RES/NAME          the stored object, apiVersion as asked
//   GET .../[namespaces/NS/]RES[?labelSelector=&limit=&continue=]
//                                 a <Kind>List (items without apiVersion/kind, as the server
//                                 sends typed lists), paged when limit is given
//   missing object                404 Status NotFound (`httproutes.gateway.networking.k8s.io
//                                 "x" not found`); an unknown path 404 "404 page not found"
//   no or wrong credentials       401 Status Unauthorized (discovery included)
//   a forbidden token             403 Status Forbidden (`... is forbidden: User "u" cannot get
//                                 resource "httproutes" in API group "..." in the namespace "d"`);
//                                 discovery stays allowed, as system:discovery allows it
//   a client certificate from another CA: the TLS handshake fails.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <tl/expected.hpp>
#include <vector>

namespace agw::test {

// A resource the server serves.
struct FakeApiResource {
  std::string group;  // "" for the core group
  std::string version;
  std::string kind;
  std::string plural;  // "httproutes"
  bool namespaced = true;
};

// The resources of a real cluster that has the Gateway API (v1 and v1beta1) and agentgateway
// CRDs installed: core v1 secrets, services, namespaces, configmaps; gateway.networking.k8s.io
// gateways, httproutes, grpcroutes, referencegrants, gatewayclasses (cluster-scoped);
// agentgateway.dev/v1alpha1 agentgatewaybackends, agentgatewaypolicies;
// apiextensions.k8s.io/v1 customresourcedefinitions (cluster-scoped).
std::vector<FakeApiResource> StandardFakeApiResources();

enum class FakeApiAuth {
  kClientCertificate,  // only a client certificate signed by the server's CA
  kBearerToken,        // only a registered bearer token
  kEither,             // either of them
};

struct FakeApiServerOptions {
  FakeApiAuth auth = FakeApiAuth::kEither;
  std::vector<FakeApiResource> resources = StandardFakeApiResources();
  // Extra DNS names in the server certificate (it always has IP 127.0.0.1 and "localhost").
  std::vector<std::string> dns_names = {"kubernetes.test"};
  // The common name (the user name) of the client certificate ClientCertificatePem() returns.
  std::string client_user = "kubernetes-admin";
};

// One request as the server saw it. The token itself is never recorded.
struct FakeApiRequest {
  std::string method;
  std::string path;   // percent-decoded path
  std::string query;  // the raw query, without '?'
  std::string host;   // the Host header
  std::string user_agent;
  std::string accept;
  std::string sni;            // the TLS server name the client sent ("" for none)
  std::string authorization;  // "Bearer", "Basic" or "" (the scheme only)
  std::string user;           // who the server took the client for; "" when unauthenticated
  bool client_certificate = false;
  std::vector<std::string> impersonate_groups;  // Impersonate-Group values
  std::string impersonate_user;
  int status = 0;  // what it answered
};

// The server: a thread running one io_context, C++20 coroutines, keep-alive. The destructor
// stops it. All methods are thread-safe.
class FakeApiServer {
 public:
  // Generates the CA and certificates, binds 127.0.0.1:0 and starts serving.
  static tl::expected<std::unique_ptr<FakeApiServer>, std::string> Start(
      FakeApiServerOptions options = {});

  ~FakeApiServer();
  FakeApiServer(const FakeApiServer&) = delete;
  FakeApiServer& operator=(const FakeApiServer&) = delete;

  std::uint16_t port() const;
  std::string url() const;  // "https://127.0.0.1:<port>"

  // PEM of the CA that signed both certificates, and of the client certificate and its key.
  const std::string& CaPem() const;
  const std::string& ClientCertificatePem() const;
  const std::string& ClientKeyPem() const;

  // Accepts `token` as user `user` (bearer-token modes only). A forbidden token authenticates
  // but may do nothing beyond discovery.
  void AddToken(const std::string& token, const std::string& user);
  void AddForbiddenToken(const std::string& token, const std::string& user);

  // Stores an object (JSON with apiVersion, kind and metadata.name, and metadata.namespace for
  // namespaced kinds) under its registered resource; replaces one with the same name. False
  // when its kind is not registered or it lacks a name.
  bool AddObject(const std::string& json);

  std::vector<FakeApiRequest> Requests() const;
  void ClearRequests();

 private:
  struct Impl;
  explicit FakeApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A CA, a certificate for 127.0.0.1 and a client certificate, as PEM (EC P-256 keys, valid
// from an hour ago for two days). Generated in process with OpenSSL.
struct FakePki {
  std::string ca_pem;
  std::string ca_key_pem;
  std::string server_cert_pem;
  std::string server_key_pem;
  std::string client_cert_pem;
  std::string client_key_pem;
};
tl::expected<FakePki, std::string> GenerateFakePki(const std::vector<std::string>& dns_names,
                                                   const std::string& client_user);

}  // namespace agw::test
