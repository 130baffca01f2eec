#include "validate/cluster/api_client.h"

#include <catch2/catch.hpp>
#include <map>

namespace agw::validate::cluster {
namespace {

// Answers from a table by exact target; anything else is 404 "404 page not found".
class FakeTransport : public Transport {
 public:
  void Answer(const std::string& target, int status, std::string body) {
    answers_[target] = HttpResponse{status, "application/json", std::move(body)};
  }
  void Fail(const std::string& target, std::string message) { failures_[target] = message; }

  Expected<HttpResponse> Get(const std::string& target) override {
    targets.push_back(target);
    if (auto failure = failures_.find(target); failure != failures_.end()) {
      return MakeError(failure->second);
    }
    if (auto answer = answers_.find(target); answer != answers_.end()) {
      return answer->second;
    }
    return HttpResponse{404, "text/plain", "404 page not found\n"};
  }
  std::vector<std::string> targets;

 private:
  std::map<std::string, HttpResponse> answers_;
  std::map<std::string, std::string> failures_;
};

const std::string kLabel = "the API server of context \"kind-agw\" (https://127.0.0.1:6443)";

const std::string kGatewayV1 =
    R"({"kind":"APIResourceList","apiVersion":"v1","groupVersion":"gateway.networking.k8s.io/v1",)"
    R"("resources":[{"name":"httproutes","singularName":"httproute","namespaced":true,)"
    R"("kind":"HTTPRoute","verbs":["get","list"]},{"name":"httproutes/status","singularName":"",)"
    R"("namespaced":true,"kind":"HTTPRoute","verbs":["get"]},{"name":"gatewayclasses",)"
    R"("singularName":"gatewayclass","namespaced":false,"kind":"GatewayClass","verbs":["get"]}]})";

const std::string kCoreV1 =
    R"({"kind":"APIResourceList","groupVersion":"v1","resources":[{"name":"secrets",)"
    R"("namespaced":true,"kind":"Secret"},{"name":"namespaces","namespaced":false,)"
    R"("kind":"Namespace"}]})";

const GroupVersionKind kHttpRoute{"gateway.networking.k8s.io", "v1", "HTTPRoute"};
const GroupVersionKind kGatewayClass{"gateway.networking.k8s.io", "v1", "GatewayClass"};

struct Fixture {
  FakeTransport transport;
  ApiClient client{transport, ApiClientOptions{.server_label = kLabel}};
  Fixture() {
    transport.Answer("/apis/gateway.networking.k8s.io/v1", 200, kGatewayV1);
    transport.Answer("/api/v1", 200, kCoreV1);
  }
};

TEST_CASE("Discovery maps a kind to its resource and scope once per group version") {
  Fixture f;
  Expected<ApiResource> route = f.client.Resource(kHttpRoute);
  REQUIRE(route.has_value());
  CHECK(route->name == "httproutes");  // not the status subresource
  CHECK(route->namespaced);
  Expected<ApiResource> klass = f.client.Resource(kGatewayClass);
  REQUIRE(klass.has_value());
  CHECK(klass->name == "gatewayclasses");
  CHECK_FALSE(klass->namespaced);
  CHECK(f.transport.targets == std::vector<std::string>{"/apis/gateway.networking.k8s.io/v1"});
  CHECK(GroupVersionKind::Of("gateway.networking.k8s.io/v1", "HTTPRoute").ApiVersion() ==
        "gateway.networking.k8s.io/v1");
  CHECK(GroupVersionKind::Of("v1", "Secret").group.empty());
}

TEST_CASE("A kind the server does not serve is an error that suggests the CRD") {
  Fixture f;
  Expected<ApiResource> tls =
      f.client.Resource({"gateway.networking.k8s.io", "v1alpha2", "TLSRoute"});
  REQUIRE_FALSE(tls.has_value());
  CHECK(tls.error().message ==
        "the server does not serve TLSRoute in gateway.networking.k8s.io/v1alpha2 (is the CRD "
        "installed?)");
  Expected<ApiResource> tcp = f.client.Resource({"gateway.networking.k8s.io", "v1", "TCPRoute"});
  CHECK(tcp.error().message ==
        "the server does not serve TCPRoute in gateway.networking.k8s.io/v1 (is the CRD "
        "installed?)");
  CHECK(f.client.Resource({"", "v1", "Pod"}).error().message ==
        "the server does not serve Pod in v1");
  Expected<std::optional<ApiResource>> found =
      f.client.FindResource({"gateway.networking.k8s.io", "v1alpha2", "TLSRoute"});
  REQUIRE(found.has_value());
  CHECK_FALSE(found->has_value());
  // The 404 of a group version is remembered too.
  CHECK(f.transport.targets.size() == 3);
}

TEST_CASE("Get reads one object by its path or says it does not exist") {
  Fixture f;
  const std::string route = R"({"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute"})";
  f.transport.Answer("/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/web", 200,
                     route);
  f.transport.Answer("/apis/gateway.networking.k8s.io/v1/gatewayclasses/agw", 200, "{}");
  f.transport.Answer("/api/v1/namespaces/prod/secrets/gone", 404,
                     R"({"kind":"Status","apiVersion":"v1","status":"Failure",)"
                     R"("message":"secrets \"gone\" not found","reason":"NotFound","code":404})");
  Expected<std::optional<std::string>> got = f.client.Get(kHttpRoute, "default", "web");
  REQUIRE(got.has_value());
  CHECK(**got == route);
  got = f.client.Get(kGatewayClass, "ignored-for-cluster-scope", "agw");
  REQUIRE(got.has_value());
  CHECK(**got == "{}");
  got = f.client.Get({"", "v1", "Secret"}, "prod", "gone");
  REQUIRE(got.has_value());
  CHECK_FALSE(got->has_value());
  CHECK(f.client.Get(kHttpRoute, "", "web").error().message ==
        "cannot get HTTPRoute \"web\" without a namespace: HTTPRoute is namespaced");
  CHECK(ObjectPath({"", "v1", "Secret"}, {"secrets", "Secret", true}, "a b", "x/y") ==
        "/api/v1/namespaces/a%20b/secrets/x%2Fy");
}

TEST_CASE("Refused requests quote the Status message of the API server") {
  Fixture f;
  const std::string target = "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/x";
  f.transport.Answer(target, 401,
                     R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
                     R"("message":"Unauthorized","reason":"Unauthorized","code":401})");
  CHECK(f.client.Get(kHttpRoute, "default", "x").error().message ==
        kLabel + " refused the credentials: 401 Unauthorized");
  f.transport.Answer(
      target, 403,
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":)"
      R"("httproutes.gateway.networking.k8s.io \"x\" is forbidden: User \"dev\" cannot get )"
      R"(resource \"httproutes\" in API group \"gateway.networking.k8s.io\" in the namespace )"
      R"(\"default\"","reason":"Forbidden","details":{"name":"x",)"
      R"("group":"gateway.networking.k8s.io","kind":"httproutes"},"code":403})");
  CHECK(f.client.Get(kHttpRoute, "default", "x").error().message ==
        kLabel +
            " denied the request: httproutes.gateway.networking.k8s.io \"x\" is forbidden: User "
            "\"dev\" cannot get resource \"httproutes\" in API group \"gateway.networking.k8s.io\" "
            "in the namespace \"default\"");
  f.transport.Answer(target, 500,
                     R"({"kind":"Status","message":"etcdserver: request timed out","code":500})");
  CHECK(f.client.Get(kHttpRoute, "default", "x").error().message ==
        kLabel + " answered GET " + target +
            " with 500 Internal Server Error: etcdserver: request timed out");
  f.transport.Answer(target, 502, "<html>\n<body>bad gateway</body></html>");
  CHECK(f.client.Get(kHttpRoute, "default", "x").error().message ==
        kLabel + " answered GET " + target + " with 502 Bad Gateway: <html> <body>bad " +
            "gateway</body></html>");
  f.transport.Answer(target, 200, "<html>login</html>");
  CHECK(f.client.Get(kHttpRoute, "default", "x").error().message ==
        kLabel + " answered GET " + target + " with something that is not a JSON object");
  f.transport.Fail(target, "cannot reach " + kLabel + ": Connection refused");
  CHECK(f.client.Get(kHttpRoute, "default", "x").error().message ==
        "cannot reach " + kLabel + ": Connection refused");
}

TEST_CASE("A discovery request that is refused is an error and not a missing kind") {
  FakeTransport transport;
  ApiClient client(transport, {.server_label = kLabel});
  transport.Answer("/apis/gateway.networking.k8s.io/v1", 401, R"({"kind":"Status","code":401})");
  CHECK(client.Resource(kHttpRoute).error().message ==
        kLabel + " refused the credentials: 401 Unauthorized");
}

TEST_CASE("List fills in apiVersion and kind and follows continue tokens") {
  Fixture f;
  ApiClient paged(f.transport, {.server_label = kLabel, .page_size = 2});
  const std::string base =
      "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes?labelSelector=app%3Dweb%"
      "2Ctier%21%3Ddb&limit=2";
  f.transport.Answer(base, 200,
                     R"({"kind":"HTTPRouteList","apiVersion":"gateway.networking.k8s.io/v1",)"
                     R"("metadata":{"continue":"tok en","remainingItemCount":1},"items":[)"
                     R"({"metadata":{"name":"a"},"spec":{}},{"metadata":{"name":"b"}}]})");
  f.transport.Answer(base + "&continue=tok+en", 200,
                     R"({"kind":"HTTPRouteList","apiVersion":"gateway.networking.k8s.io/v1",)"
                     R"("metadata":{},"items":[{"kind":"HTTPRoute","metadata":{"name":"c"}}]})");
  Expected<std::vector<std::string>> items = paged.List(kHttpRoute, "default", "app=web,tier!=db");
  REQUIRE(items.has_value());
  CHECK(*items == std::vector<std::string>{
                      R"({"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute",)"
                      R"("metadata":{"name":"a"},"spec":{}})",
                      R"({"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute",)"
                      R"("metadata":{"name":"b"}})",
                      R"({"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute",)"
                      R"("metadata":{"name":"c"}})"});
  ApiClient small(f.transport, {.server_label = kLabel, .page_size = 2, .max_items = 2});
  CHECK(small.List(kHttpRoute, "default", "app=web,tier!=db").error().message ==
        "the HTTPRoute list from " + kLabel + " has more than 2 items");
}

TEST_CASE("List across namespaces and of cluster-scoped kinds uses the collection path") {
  Fixture f;
  f.transport.Answer("/apis/gateway.networking.k8s.io/v1/httproutes?limit=500", 200,
                     R"({"kind":"HTTPRouteList","apiVersion":"gateway.networking.k8s.io/v1",)"
                     R"("items":null})");
  f.transport.Answer("/api/v1/namespaces?limit=500", 200,
                     R"({"kind":"NamespaceList","apiVersion":"v1","items":[{"metadata":)"
                     R"({"name":"default"}}]})");
  CHECK(f.client.List(kHttpRoute, "")->empty());
  Expected<std::vector<std::string>> namespaces = f.client.List({"", "v1", "Namespace"}, "ignored");
  REQUIRE(namespaces.has_value());
  CHECK(*namespaces ==
        std::vector<std::string>{
            R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"default"}})"});
  CHECK(f.client.List(kGatewayClass, "").error().message ==
        "the server does not serve GatewayClass in gateway.networking.k8s.io/v1 (is the CRD "
        "installed?)");
}

TEST_CASE("Served versions of a group come preferred first") {
  FakeTransport transport;
  ApiClient client(transport, {.server_label = kLabel});
  transport.Answer("/apis", 200,
                   R"({"kind":"APIGroupList","groups":[{"name":"gateway.networking.k8s.io",)"
                   R"("versions":[{"groupVersion":"gateway.networking.k8s.io/v1beta1",)"
                   R"("version":"v1beta1"},{"groupVersion":"gateway.networking.k8s.io/v1",)"
                   R"("version":"v1"}],"preferredVersion":{"version":"v1"}}]})");
  transport.Answer("/api", 200, R"({"kind":"APIVersions","versions":["v1"]})");
  CHECK(*client.GroupVersions("gateway.networking.k8s.io") ==
        std::vector<std::string>{"v1", "v1beta1"});
  CHECK(client.GroupVersions("agentgateway.dev")->empty());
  CHECK(*client.GroupVersions("") == std::vector<std::string>{"v1"});
  CHECK(transport.targets == std::vector<std::string>{"/apis", "/api"});
  CHECK(QueryEscape("a=b,c in (x y)") == "a%3Db%2Cc+in+%28x+y%29");
}

TEST_CASE("Percent-encoding keeps alphanumerics and the given bytes and encodes the rest") {
  CHECK(PercentEncode("my ns/ü", "-._~") == "my%20ns%2F%C3%BC");
  CHECK(PercentEncode("scopes/a b", "!#$&'*+-.^_`|~", true) == "scopes%2Fa+b");
  CHECK(PercentEncode(std::string("a\0b", 3), "-") == "a%00b");
}

}  // namespace
}  // namespace agw::validate::cluster
