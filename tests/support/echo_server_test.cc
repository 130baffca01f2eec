#include "tests/support/echo_server.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "tests/support/http_client.h"

namespace agw::test {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<EchoServer> StartEcho(const std::string& service = "infra-backend-v1",
                                      const std::string& ns = "gateway-conformance-infra",
                                      int replica = 0) {
  EchoServerOptions options;
  options.service = service;
  options.namespace_name = ns;
  options.replica = replica;
  auto server = EchoServer::Start(options);
  REQUIRE(server.has_value());
  return std::move(*server);
}

ClientResponse Get(const EchoServer& server, ClientRequest request) {
  auto response = Fetch(server.port(), request);
  INFO((response ? "" : response.error()));
  REQUIRE(response.has_value());
  return *response;
}

ClientResponse Get(const EchoServer& server, const std::string& target) {
  ClientRequest request;
  request.target = target;
  return Get(server, request);
}

std::vector<std::string> Keys(const nlohmann::ordered_json& object) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : object.items()) {
    keys.push_back(key);
  }
  return keys;
}

TEST_CASE("The echo body is echo-basic's JSON: key order, one-space indent, sorted header map") {
  EchoedRequest request;
  request.path = "/v2/example?animal=whale";
  request.host = "example.com:8080";
  request.method = "GET";
  request.proto = "HTTP/1.1";
  request.headers = {{"Host", "example.com:8080"}, {"user-agent", "Go-http-client/1.1"},
                     {"X-Echo-Set-Header", ""},    {"version", "one"},
                     {"Version", "two"},           {"Accept-Encoding", "gzip"}};
  EchoContext context{"gateway-conformance-infra", "", "", "infra-backend-v1-abc-xyz"};

  CHECK(RenderEchoBody(request, context) ==
        "{\n"
        " \"path\": \"/v2/example?animal=whale\",\n"
        " \"host\": \"example.com:8080\",\n"
        " \"method\": \"GET\",\n"
        " \"proto\": \"HTTP/1.1\",\n"
        " \"headers\": {\n"
        "  \"Accept-Encoding\": [\n"
        "   \"gzip\"\n"
        "  ],\n"
        "  \"User-Agent\": [\n"
        "   \"Go-http-client/1.1\"\n"
        "  ],\n"
        "  \"Version\": [\n"
        "   \"one\",\n"
        "   \"two\"\n"
        "  ],\n"
        "  \"X-Echo-Set-Header\": [\n"
        "   \"\"\n"
        "  ]\n"
        " },\n"
        " \"namespace\": \"gateway-conformance-infra\",\n"
        " \"ingress\": \"\",\n"
        " \"service\": \"\",\n"
        " \"pod\": \"infra-backend-v1-abc-xyz\",\n"
        " \"sni\": \"\"\n"
        "}");
}

TEST_CASE("The echo body escapes strings as Go's encoding/json does") {
  EchoedRequest request;
  request.path = "/<a>&\"b\"\\";
  request.method = "GET";
  request.proto = "HTTP/1.1";
  request.headers = {{"X-Bin", std::string("a\x01\xff", 3)}};
  const std::string body = RenderEchoBody(request, {});
  CHECK_THAT(body, Catch::Contains(R"("path": "/\u003ca\u003e\u0026\"b\"\\")"));
  CHECK_THAT(body, Catch::Contains(R"("a\u0001\ufffd")"));
  CHECK(RenderEchoBody(EchoedRequest{}, {}).find("\"headers\": {},") != std::string::npos);
}

TEST_CASE("Header names are canonicalised like Go's CanonicalMIMEHeaderKey") {
  CHECK(CanonicalHeaderKey("x-header-add") == "X-Header-Add");
  CHECK(CanonicalHeaderKey("X-UPPERCASE-ADD") == "X-Uppercase-Add");
  CHECK(CanonicalHeaderKey("x-Mixedcase-ADD-1") == "X-Mixedcase-Add-1");
  CHECK(CanonicalHeaderKey("content-type") == "Content-Type");
  CHECK(CanonicalHeaderKey("bad name") == "bad name");
}

TEST_CASE("Go durations parse with Go's units and error messages") {
  CHECK(ParseGoDuration("1s").value() == 1s);
  CHECK(ParseGoDuration("500ms").value() == 500ms);
  CHECK(ParseGoDuration("1h2m3s").value() == 1h + 2min + 3s);
  CHECK(ParseGoDuration("1.5s").value() == 1500ms);
  CHECK(ParseGoDuration("0").value() == 0s);
  CHECK(ParseGoDuration("-2us").value() == -2us);
  CHECK(ParseGoDuration("abc").error() == R"(time: invalid duration "abc")");
  CHECK(ParseGoDuration("").error() == R"(time: invalid duration "")");
  CHECK(ParseGoDuration("1").error() == R"(time: missing unit in duration "1")");
  CHECK(ParseGoDuration("1d").error() == R"(time: unknown unit "d" in duration "1d")");
}

TEST_CASE("X-Echo-Set-Header items are split on commas and cut at the first colon") {
  CHECK(EchoSetHeaders({"X-Foo: value1", "x-bar: value2,x-bar: value3"}) ==
        std::vector<std::pair<std::string, std::string>>{{"X-Foo", "value1"},
                                                         {"x-bar", "value2,value3"}});
  CHECK(EchoSetHeaders({"A:1,B:x:y , C"}) ==
        std::vector<std::pair<std::string, std::string>>{{"A", "1"}, {"B", "x:y"}, {"C", ""}});
  CHECK(EchoSetHeaders({""}).empty());
  CHECK(EchoSetHeaders({"bad name:1,Good:2"}) ==
        std::vector<std::pair<std::string, std::string>>{{"Good", "2"}});
}

TEST_CASE("Pod names have the Deployment shape <service>-<hash>-<suffix>") {
  const std::string a = PodName("infra-backend-v1", 0);
  const std::string b = PodName("infra-backend-v1", 1);
  CHECK(std::regex_match(a, std::regex("infra-backend-v1-[bcdfghjklmnpqrstvwxz2456789]{10}-"
                                       "[bcdfghjklmnpqrstvwxz2456789]{5}")));
  CHECK(a == PodName("infra-backend-v1", 0));
  CHECK(a != b);
  // Same ReplicaSet hash, different suffix; the weight test strips the last two segments.
  CHECK(a.substr(0, a.rfind('-')) == b.substr(0, b.rfind('-')));
  const std::string stripped = a.substr(0, a.rfind('-', a.rfind('-') - 1));
  CHECK(stripped == "infra-backend-v1");
}

TEST_CASE("A GET is echoed back as JSON with the request, namespace and pod") {
  auto server = StartEcho();
  ClientRequest request;
  request.target = "/v2/example?animal=whale";
  request.headers = {
      {"version", "one"}, {"X-Echo-Set-Header", ""}, {"Some-Header", "a"}, {"some-header", "b"}};
  const ClientResponse response = Get(*server, request);

  CHECK(response.status == 200);
  CHECK(response.Header("Content-Type") == "application/json");
  CHECK(response.Header("X-Content-Type-Options") == "nosniff");
  CHECK(response.Header("Content-Length") == std::to_string(response.body.size()));

  const auto body = nlohmann::ordered_json::parse(response.body);
  CHECK(Keys(body) == std::vector<std::string>{"path", "host", "method", "proto", "headers",
                                               "namespace", "ingress", "service", "pod", "sni"});
  CHECK(body["path"] == "/v2/example?animal=whale");
  CHECK(body["host"] == server->address());
  CHECK(body["method"] == "GET");
  CHECK(body["proto"] == "HTTP/1.1");
  CHECK(body["headers"]["Version"] == nlohmann::json::array({"one"}));
  CHECK(body["headers"]["Some-Header"] == nlohmann::json::array({"a", "b"}));
  CHECK(body["headers"]["X-Echo-Set-Header"] == nlohmann::json::array({""}));
  CHECK_FALSE(body["headers"].contains("Host"));
  CHECK(body["namespace"] == "gateway-conformance-infra");
  CHECK(body["ingress"] == "");
  CHECK(body["service"] == "");
  CHECK(body["pod"] == server->context().pod);
  CHECK(server->context().pod.starts_with("infra-backend-v1-"));
  CHECK(body.dump(1) == response.body);  // one-space indentation throughout
}

TEST_CASE("The echo reports method, Host and protocol exactly as received") {
  auto server = StartEcho("web-backend", "gateway-conformance-web-backend");
  ClientRequest request;
  request.method = "PATCH";
  request.target = "/path5";
  request.host = "very.specific.com:1234";
  request.body = "hello";
  request.version = 10;
  const ClientResponse response = Get(*server, request);
  const auto body = nlohmann::json::parse(response.body);
  CHECK(body["method"] == "PATCH");
  CHECK(body["host"] == "very.specific.com:1234");
  CHECK(body["proto"] == "HTTP/1.0");
  CHECK(body["headers"]["Content-Length"] == nlohmann::json::array({"5"}));
  CHECK(body["namespace"] == "gateway-conformance-web-backend");
}

TEST_CASE("X-Echo-Set-Header values become response headers with their case kept") {
  auto server = StartEcho();
  ClientRequest request;
  request.target = "/set";
  request.headers = {{"X-Echo-Set-Header",
                      "X-Header-Set-2:set-val-2,x-header-add:original-val-add,"
                      "X-Foo: value1,X-Foo:value2"}};
  const ClientResponse response = Get(*server, request);
  CHECK(response.status == 200);
  CHECK(response.HeaderValues("X-Header-Set-2") == std::vector<std::string>{"set-val-2"});
  CHECK(response.HeaderValues("X-Foo") == std::vector<std::string>{"value1,value2"});
  const auto names = response.HeaderNames();
  CHECK(std::find(names.begin(), names.end(), "x-header-add") != names.end());
  CHECK(response.Header("x-header-add") == "original-val-add");

  // The harness always sends the header, empty when there is nothing to set: no extra fields.
  request.headers = {{"X-Echo-Set-Header", ""}};
  const ClientResponse plain = Get(*server, request);
  for (const auto& name : plain.HeaderNames()) {
    CHECK((name == "Content-Type" || name == "X-Content-Type-Options" || name == "Date" ||
           name == "Content-Length"));
  }
}

TEST_CASE("?delay= holds the reply for a Go duration; a bad one is a 500 with a JSON message") {
  auto server = StartEcho();
  const auto start = std::chrono::steady_clock::now();
  const ClientResponse delayed = Get(*server, "/request-timeout?delay=300ms");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(delayed.status == 200);
  CHECK(elapsed >= 300ms);
  CHECK(elapsed < 5s);
  CHECK(nlohmann::json::parse(delayed.body)["path"] == "/request-timeout?delay=300ms");

  const ClientResponse bad = Get(*server, "/x?delay=abc");
  CHECK(bad.status == 500);
  CHECK(bad.Header("Content-Type") == "application/json");
  CHECK(bad.body == R"({"message":"time: invalid duration \"abc\""})");

  // Other requests are answered while one waits. (Catch2 is not thread-safe: no assertions in
  // the helper thread.)
  tl::expected<ClientResponse, std::string> slow_result;
  auto slow = std::thread([&] {
    ClientRequest request;
    request.target = "/slow?delay=1s";
    slow_result = Fetch(server->port(), request);
  });
  REQUIRE(server->WaitForRequestsTo("/slow?delay=1s", 1, 5s));
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(Get(*server, "/fast").status == 200);
  CHECK(std::chrono::steady_clock::now() - t0 < 900ms);
  slow.join();
  REQUIRE(slow_result.has_value());
  CHECK(slow_result->status == 200);
}

TEST_CASE("/status/NNN answers NNN, /health answers OK, and neither is logged") {
  auto server = StartEcho();
  CHECK(Get(*server, "/status/418").status == 418);
  CHECK(Get(*server, "/status/503").status == 503);
  CHECK(Get(*server, "/status/418?x=1").status == 400);  // the regex runs on the RequestURI
  CHECK(Get(*server, "/status/42").status == 400);
  const ClientResponse root = Get(*server, "/status");
  CHECK(root.status == 301);
  CHECK(root.Header("Location") == "/status/");
  const ClientResponse health = Get(*server, "/health");
  CHECK(health.status == 200);
  CHECK(health.body == "OK");
  CHECK(server->LogLines().empty());
}

TEST_CASE("Each echoed request is logged with its RequestURI and the client address") {
  auto server = StartEcho("infra-backend-v2");
  const std::size_t mark = server->LogSize();
  Get(*server, "/mirror");
  Get(*server, "/mirror-and-modify-headers?x=1");
  Get(*server, "/mirror");

  const auto lines = server->LogLinesSince(mark);
  REQUIRE(lines.size() == 3);
  CHECK(std::regex_match(lines[0], std::regex(R"(Echoing back request made to /mirror to client )"
                                              R"(\(127\.0\.0\.1:\d+\))")));
  CHECK(lines[1].starts_with("Echoing back request made to /mirror-and-modify-headers?x=1 to "));
  CHECK(server->CountRequestsTo("/mirror") == 2);
  CHECK(server->CountRequestsTo("/mirror-and-modify-headers") == 0);
  CHECK(server->WaitForRequestsTo("/mirror", 2, 10ms));
  CHECK_FALSE(server->WaitForRequestsTo("/mirror", 3, 50ms));

  auto later = std::thread([&] {
    std::this_thread::sleep_for(50ms);
    ClientRequest request;
    request.target = "/mirror";
    (void)Fetch(server->port(), request);
  });
  CHECK(server->WaitForRequestsTo("/mirror", 3, 5s));
  later.join();
}

TEST_CASE("Keep-alive: several requests share one connection") {
  auto server = StartEcho();
  std::vector<ClientRequest> requests(3);
  requests[0].target = "/one";
  requests[1].target = "/two";
  requests[1].method = "HEAD";
  requests[2].target = "/three";
  requests[2].close = true;
  auto responses = FetchAll(server->port(), requests);
  REQUIRE(responses.has_value());
  REQUIRE(responses->size() == 3);
  CHECK((*responses)[0].status == 200);
  CHECK((*responses)[1].status == 200);
  CHECK((*responses)[1].body.empty());
  CHECK((*responses)[1].Header("Content-Length") != "0");
  CHECK((*responses)[2].Header("Connection") == "close");

  const auto lines = server->LogLines();
  REQUIRE(lines.size() == 3);
  const auto client = [](const std::string& line) { return line.substr(line.rfind('(')); };
  CHECK(client(lines[0]) == client(lines[1]));
  CHECK(client(lines[1]) == client(lines[2]));
}

TEST_CASE("Unclean paths are redirected like Go's ServeMux; // is folded first") {
  auto server = StartEcho();
  const ClientResponse redirect = Get(*server, "/a/../b?q=1");
  CHECK(redirect.status == 301);
  CHECK(redirect.Header("Location") == "/b?q=1");
  const ClientResponse folded = Get(*server, "//double//slash");
  CHECK(folded.status == 200);
  CHECK(nlohmann::json::parse(folded.body)["path"] == "//double//slash");
}

TEST_CASE("Destroying the server ends connections that are still waiting on a delay") {
  auto server = StartEcho();
  const std::uint16_t port = server->port();
  tl::expected<ClientResponse, std::string> result;
  auto client = std::thread([&] {
    ClientRequest request;
    request.target = "/wait?delay=30s";
    result = Fetch(port, request, 20s);
  });
  REQUIRE(server->WaitForRequestsTo("/wait?delay=30s", 1, 5s));
  const auto start = std::chrono::steady_clock::now();
  server.reset();
  CHECK(std::chrono::steady_clock::now() - start < 2s);
  client.join();
  CHECK_FALSE(result.has_value());

  // The port is free again and a second server can be started on it.
  EchoServerOptions options;
  options.service = "infra-backend-v3";
  options.port = port;
  auto again = EchoServer::Start(options);
  REQUIRE(again.has_value());
  CHECK(Get(**again, "/").status == 200);
}

TEST_CASE("Starting on a port that is taken fails with a message") {
  auto server = StartEcho();
  EchoServerOptions options;
  options.service = "infra-backend-v1";
  options.port = server->port();
  auto second = EchoServer::Start(options);
  // SO_REUSEADDR does not allow two listeners on one port on Linux.
  REQUIRE_FALSE(second.has_value());
  CHECK_THAT(second.error(), Catch::Contains("cannot listen on 127.0.0.1:"));
}

}  // namespace
}  // namespace agw::test
