// Pure tests of the data plane's route table and request planning (emulator/route): listener
// and route selection (controller.md §9.1-9.2), filters and backend choice (§9.3, gateway-api.md
// §1.7). Configurations go through the real load -> decode -> resolve chain from in-memory YAML.

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "emulator/http/target.h"
#include "emulator/route/describe.h"
#include "emulator/route/plan.h"
#include "emulator/route/request.h"
#include "emulator/route/table.h"
#include "validate/manifest/diagnostic.h"
#include "validate/manifest/file_system.h"
#include "validate/resolve/pipeline.h"

namespace agw::emulator::route {
namespace {

using std::chrono::milliseconds;

// One HTTP listener on port 80 that admits routes from every namespace.
constexpr char kGateway[] = R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  gatewayClassName: agentgateway
  listeners:
  - name: http
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces:
        from: All
)";

std::string Render(const std::vector<validate::manifest::Diagnostic>& diagnostics) {
  std::string text;
  for (const validate::manifest::Diagnostic& d : diagnostics) {
    text += validate::manifest::RenderText(d) + "\n";
  }
  return text;
}

// A manifest set run through the control-plane chain and compiled into a route table.
class Config {
 public:
  explicit Config(const std::string& yaml) {
    validate::manifest::InMemoryFileSystem files;
    files.AddFile("m.yaml", yaml);
    validate::manifest::LoadOptions load;
    load.paths = {"m.yaml"};
    pipeline_ = validate::resolve::RunPipeline(load, files, validate::resolve::ResolveOptions{});
    INFO(Render(pipeline_->sink.diagnostics()));
    REQUIRE(pipeline_->input_errors == 0);
    table_ = RouteTable::Compile(pipeline_->resolution.config, &problems_);
    REQUIRE(!table_->Binds().empty());
  }

  const RouteTable& table() const { return *table_; }
  const std::vector<std::string>& problems() const { return problems_; }

  Bind BindOn(int port) const {
    for (const Bind& bind : table_->Binds()) {
      if (bind.port == port) {
        return bind;
      }
    }
    FAIL("no bind on port " << port);
    throw;
  }

  Decision Match(const Request& request, int port = 80) const {
    return table_->Match(BindOn(port), request);
  }

  // "ns/route rule R match M", or "no listener" / "no route".
  std::string Winner(const Request& request, int port = 80) const {
    Decision decision = Match(request, port);
    switch (decision.outcome) {
      case Decision::Outcome::kNoListener:
        return "no listener";
      case Decision::Outcome::kNoRoute:
        return "no route";
      case Decision::Outcome::kRoute:
        break;
    }
    const RouteEntry& entry = *decision.entry;
    return entry.route->http->metadata.namespace_ + "/" + entry.route->http->metadata.name +
           " rule " + std::to_string(entry.rule->index) + " match " +
           std::to_string(entry.match_index);
  }

  // The listener the request lands on ("no listener" when none).
  std::string ListenerOf(const Request& request, int port = 80) const {
    Decision decision = Match(request, port);
    if (decision.listener == nullptr) {
      return "no listener";
    }
    return decision.listener->listener->listener->name;
  }

  Plan PlanFor(const Request& request, int port = 80, std::uint64_t seed = 1) const {
    std::mt19937_64 random(seed);
    return MakePlan(Match(request, port), request, port, random);
  }

 private:
  std::unique_ptr<validate::resolve::Pipeline> pipeline_;
  std::unique_ptr<RouteTable> table_;
  std::vector<std::string> problems_;
};

Request Get(const std::string& target, const std::string& host = "example.com",
            http::HeaderList headers = {}) {
  Request request;
  request.authority = host;
  http::SplitTarget(target, request.path, request.query);
  request.headers = std::move(headers);
  return request;
}

Request With(std::string method, Request request) {
  request.method = std::move(method);
  return request;
}

// An HTTPRoute in `ns` attached to gw, with the given `rules:` block (indented by two spaces
// under spec) and optional hostnames.
std::string Route(const std::string& name, const std::string& rules,
                  const std::string& hostnames = "", const std::string& ns = "default") {
  std::string text = "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n";
  text += "metadata:\n  name: " + name + "\n  namespace: " + ns + "\n";
  text += "spec:\n  parentRefs:\n  - name: gw\n    namespace: default\n";
  if (!hostnames.empty()) {
    text += "  hostnames: " + hostnames + "\n";
  }
  return text + "  rules:\n" + rules;
}

// A rule with one match and one Service backend.
std::string Rule(const std::string& match, const std::string& backend = "svc") {
  return "  - matches:\n    - " + match + "\n    backendRefs:\n    - name: " + backend +
         "\n      port: 8080\n";
}

std::string Header(const Plan& plan, const std::string& name) {
  REQUIRE(plan.upstream.has_value());
  return http::GetHeader(plan.upstream->headers, name).value_or("<absent>");
}

std::string Location(const Plan& plan) {
  REQUIRE(plan.direct.has_value());
  return http::GetHeader(plan.direct->headers, "location").value_or("<none>");
}

// ---------------------------------------------------------------------------------------------
// Request helpers

TEST_CASE("Header lookups ignore the name's case and join repeated values with commas") {
  http::HeaderList headers = {{"X-Env", "prod"}, {"accept", "a"}, {"x-env", "eu"}};
  CHECK(http::HeaderNameEquals("Content-Type", "content-TYPE"));
  CHECK_FALSE(http::HeaderNameEquals("x-env", "x-envs"));
  CHECK(http::GetHeader(headers, "X-ENV") == "prod,eu");
  CHECK(http::GetHeader(headers, "missing") == std::nullopt);

  http::SetHeader(headers, "X-env", "staging");  // replaces every value, keeps the first's place
  CHECK(headers == http::HeaderList{{"X-Env", "staging"}, {"accept", "a"}});
  http::AddHeader(headers, "x-env", "us");
  CHECK(http::GetHeader(headers, "x-env") == "staging,us");
  http::AddHeader(headers, "x-new", "1");
  CHECK(http::GetHeader(headers, "X-New") == "1");
  http::RemoveHeader(headers, "X-ENV");
  CHECK(headers == http::HeaderList{{"accept", "a"}, {"x-new", "1"}});
}

TEST_CASE("The routing host is the authority without its port, lowercased") {
  Request request;
  request.authority = "Foo.Example.COM:8080";
  CHECK(request.Hostname() == "foo.example.com");
  request.authority = "example.com";
  CHECK(request.Hostname() == "example.com");
  request.authority = "[::1]:8080";
  CHECK(request.Hostname() == "[::1]");
}

TEST_CASE("A request target splits at the first question mark") {
  std::string path, query;
  http::SplitTarget("/a/b?x=1&y=?", path, query);
  CHECK(path == "/a/b");
  CHECK(query == "x=1&y=?");
  http::SplitTarget("/plain", path, query);
  CHECK(path == "/plain");
  CHECK(query.empty());
  http::SplitTarget("?only=query", path, query);
  CHECK(path == "/");
  CHECK(query == "only=query");
  Request request = Get("/p?q=1");
  CHECK(request.PathAndQuery() == "/p?q=1");
  CHECK(Get("/p").PathAndQuery() == "/p");
}

TEST_CASE("Query parameters are percent-decoded and the last value of a repeated name wins") {
  using Params = std::vector<std::pair<std::string, std::string>>;
  CHECK(http::ParseQuery("a=1&b=2&a=3") == Params{{"a", "3"}, {"b", "2"}});
  CHECK(http::ParseQuery("name=hello%20world&plus=a+b&pct=100%25") ==
        Params{{"name", "hello world"}, {"plus", "a b"}, {"pct", "100%"}});
  CHECK(http::ParseQuery("k%3Dey=v%26al") == Params{{"k=ey", "v&al"}});
  CHECK(http::ParseQuery("flag&&empty=") == Params{{"flag", ""}, {"empty", ""}});
  CHECK(http::ParseQuery("bad=%zz&short=%4") == Params{{"bad", "%zz"}, {"short", "%4"}});
  CHECK(http::ParseQuery("").empty());
}

// ---------------------------------------------------------------------------------------------
// What a match matches (controller.md §9.2)

TEST_CASE("PathPrefix matches whole path elements only, ignoring trailing slashes") {
  Config config(std::string(kGateway) +
                Route("foo", Rule("path: {type: PathPrefix, value: /foo}")) +
                Route("slash", Rule("path: {type: PathPrefix, value: /bar/}")));
  CHECK(config.Winner(Get("/foo")) == "default/foo rule 0 match 0");
  CHECK(config.Winner(Get("/foo/")) == "default/foo rule 0 match 0");
  CHECK(config.Winner(Get("/foo/bar")) == "default/foo rule 0 match 0");
  CHECK(config.Winner(Get("/foo//")) == "default/foo rule 0 match 0");
  CHECK(config.Winner(Get("/foo?x=1")) == "default/foo rule 0 match 0");
  CHECK(config.Winner(Get("/foobar")) == "no route");
  CHECK(config.Winner(Get("/fo")) == "no route");
  // A prefix written with a trailing slash still matches the bare element.
  CHECK(config.Winner(Get("/bar")) == "default/slash rule 0 match 0");
  CHECK(config.Winner(Get("/bar/baz")) == "default/slash rule 0 match 0");
  CHECK(config.Winner(Get("/barn")) == "no route");
}

TEST_CASE("PathPrefix / matches every path") {
  Config config(std::string(kGateway) + Route("root", Rule("path: {type: PathPrefix, value: /}")));
  CHECK(config.Winner(Get("/")) == "default/root rule 0 match 0");
  CHECK(config.Winner(Get("/anything/at/all")) == "default/root rule 0 match 0");
}

TEST_CASE("Exact matches the path byte for byte") {
  Config config(std::string(kGateway) + Route("exact", Rule("path: {type: Exact, value: /foo}")));
  CHECK(config.Winner(Get("/foo")) == "default/exact rule 0 match 0");
  CHECK(config.Winner(Get("/foo?q=1")) == "default/exact rule 0 match 0");
  CHECK(config.Winner(Get("/foo/")) == "no route");
  CHECK(config.Winner(Get("/FOO")) == "no route");
  CHECK(config.Winner(Get("/foo/bar")) == "no route");
}

TEST_CASE("A path regular expression must match the whole path") {
  Config config(std::string(kGateway) +
                Route("regex", Rule("path: {type: RegularExpression, value: '/v[0-9]+'}")));
  CHECK(config.Winner(Get("/v1")) == "default/regex rule 0 match 0");
  CHECK(config.Winner(Get("/v42?x=y")) == "default/regex rule 0 match 0");
  CHECK(config.Winner(Get("/v1/x")) == "no route");
  CHECK(config.Winner(Get("/xv1")) == "no route");
  CHECK(config.Winner(Get("/v")) == "no route");
}

TEST_CASE("Header matches ignore the name's case but not the value's") {
  Config config(std::string(kGateway) +
                Route("hdr", Rule("headers: [{name: X-Env, value: prod}]") +
                                 Rule("headers: [{type: RegularExpression, name: x-build, "
                                      "value: '[0-9]+'}]")));
  CHECK(config.Winner(Get("/", "example.com", {{"x-env", "prod"}})) ==
        "default/hdr rule 0 match 0");
  CHECK(config.Winner(Get("/", "example.com", {{"X-ENV", "prod"}})) ==
        "default/hdr rule 0 match 0");
  CHECK(config.Winner(Get("/", "example.com", {{"x-env", "Prod"}})) == "no route");
  CHECK(config.Winner(Get("/", "example.com", {{"x-env", "prod2"}})) == "no route");
  CHECK(config.Winner(Get("/", "example.com")) == "no route");
  // A regular expression must match the whole value.
  CHECK(config.Winner(Get("/", "example.com", {{"X-Build", "123"}})) ==
        "default/hdr rule 1 match 0");
  CHECK(config.Winner(Get("/", "example.com", {{"X-Build", "123a"}})) == "no route");
}

TEST_CASE("Query matches use the decoded value, and the last of repeated parameters") {
  Config config(std::string(kGateway) +
                Route("q", Rule("queryParams: [{name: animal, value: whale}]") +
                               Rule("queryParams: [{name: greeting, value: hello world}]") +
                               Rule("queryParams: [{type: RegularExpression, name: id, "
                                    "value: '[a-f]+'}]")));
  CHECK(config.Winner(Get("/?animal=whale")) == "default/q rule 0 match 0");
  CHECK(config.Winner(Get("/?animal=dolphin&animal=whale")) == "default/q rule 0 match 0");
  CHECK(config.Winner(Get("/?animal=whale&animal=dolphin")) == "no route");
  CHECK(config.Winner(Get("/?Animal=whale")) == "no route");  // names are case-sensitive
  CHECK(config.Winner(Get("/?greeting=hello%20world")) == "default/q rule 1 match 0");
  CHECK(config.Winner(Get("/?greeting=hello+world")) == "default/q rule 1 match 0");
  CHECK(config.Winner(Get("/?id=beef")) == "default/q rule 2 match 0");
  CHECK(config.Winner(Get("/?id=beefy")) == "no route");
}

TEST_CASE("A method match compares the method exactly") {
  Config config(std::string(kGateway) + Route("m", Rule("method: POST")));
  CHECK(config.Winner(With("POST", Get("/"))) == "default/m rule 0 match 0");
  CHECK(config.Winner(Get("/")) == "no route");
  CHECK(config.Winner(With("post", Get("/"))) == "no route");
}

TEST_CASE("Every condition of one match must hold; any of a rule's matches will do") {
  Config config(std::string(kGateway) + Route("multi", R"(  - matches:
    - path: {type: PathPrefix, value: /a}
      method: GET
      headers: [{name: x-a, value: '1'}]
    - path: {type: Exact, value: /b}
    backendRefs:
    - name: svc
      port: 8080
)"));
  CHECK(config.Winner(Get("/a", "example.com", {{"x-a", "1"}})) == "default/multi rule 0 match 0");
  CHECK(config.Winner(Get("/a")) == "no route");
  CHECK(config.Winner(With("PUT", Get("/a", "example.com", {{"x-a", "1"}}))) == "no route");
  CHECK(config.Winner(With("PUT", Get("/b"))) == "default/multi rule 0 match 1");
}

// ---------------------------------------------------------------------------------------------
// Precedence inside a host bucket

TEST_CASE("Exact beats PathPrefix of the same path, whatever the order written") {
  Config config(std::string(kGateway) +
                Route("prefix", Rule("path: {type: PathPrefix, value: /foo}")) +
                Route("exact", Rule("path: {type: Exact, value: /foo}")));
  CHECK(config.Winner(Get("/foo")) == "default/exact rule 0 match 0");
  CHECK(config.Winner(Get("/foo/x")) == "default/prefix rule 0 match 0");
}

TEST_CASE("A longer prefix beats a shorter one") {
  Config config(std::string(kGateway) +
                Route("short", Rule("path: {type: PathPrefix, value: /foo}")) +
                Route("long", Rule("path: {type: PathPrefix, value: /foo/bar}")));
  CHECK(config.Winner(Get("/foo/bar/baz")) == "default/long rule 0 match 0");
  CHECK(config.Winner(Get("/foo/bar")) == "default/long rule 0 match 0");
  CHECK(config.Winner(Get("/foo/barn")) == "default/short rule 0 match 0");
  CHECK(config.Winner(Get("/foo")) == "default/short rule 0 match 0");
}

TEST_CASE("Any PathPrefix beats a regular expression, even a longer one") {
  Config config(std::string(kGateway) +
                Route("regex", Rule("path: {type: RegularExpression, value: '/foo/bar/.*'}")) +
                Route("prefix", Rule("path: {type: PathPrefix, value: /}")));
  CHECK(config.Winner(Get("/foo/bar/baz")) == "default/prefix rule 0 match 0");
}

TEST_CASE("Between regular expressions the longer pattern wins") {
  Config config(std::string(kGateway) +
                Route("short", Rule("path: {type: RegularExpression, value: '/a.*'}")) +
                Route("long", Rule("path: {type: RegularExpression, value: '/a/b.*'}")));
  CHECK(config.Winner(Get("/a/b/c")) == "default/long rule 0 match 0");
  CHECK(config.Winner(Get("/a/c")) == "default/short rule 0 match 0");
}

TEST_CASE("With equal paths a method match beats header matches, headers beat query params") {
  Config config(std::string(kGateway) +
                Route("query", Rule("{path: {value: /p}, queryParams: [{name: a, value: '1'}, "
                                    "{name: b, value: '2'}]}")) +
                Route("headers", Rule("{path: {value: /p}, headers: [{name: x-a, value: '1'}, "
                                      "{name: x-b, value: '2'}]}")) +
                Route("method", Rule("{path: {value: /p}, method: GET}")));
  http::HeaderList both = {{"x-a", "1"}, {"x-b", "2"}};
  CHECK(config.Winner(Get("/p?a=1&b=2", "example.com", both)) == "default/method rule 0 match 0");
  CHECK(config.Winner(With("PUT", Get("/p?a=1&b=2", "example.com", both))) ==
        "default/headers rule 0 match 0");
  CHECK(config.Winner(With("PUT", Get("/p?a=1&b=2"))) == "default/query rule 0 match 0");
}

TEST_CASE("More header matches win, then more query matches") {
  Config config(
      std::string(kGateway) +
      Route("one-header", Rule("{path: {value: /p}, headers: [{name: x-a, value: '1'}]}")) +
      Route("two-headers", Rule("{path: {value: /p}, headers: [{name: x-a, value: '1'}, "
                                "{name: x-b, value: '2'}]}")) +
      Route("one-query", Rule("{path: {value: /q}, queryParams: [{name: a, value: '1'}]}")) +
      Route("two-queries", Rule("{path: {value: /q}, queryParams: [{name: a, value: '1'}, "
                                "{name: b, value: '2'}]}")));
  CHECK(config.Winner(Get("/p", "example.com", {{"x-a", "1"}, {"x-b", "2"}})) ==
        "default/two-headers rule 0 match 0");
  CHECK(config.Winner(Get("/p", "example.com", {{"x-a", "1"}})) ==
        "default/one-header rule 0 match 0");
  CHECK(config.Winner(Get("/q?a=1&b=2")) == "default/two-queries rule 0 match 0");
  CHECK(config.Winner(Get("/q?a=1")) == "default/one-query rule 0 match 0");
}

TEST_CASE("Ties break by namespace/name, not by creation time") {
  // "b/alpha" was created first, but "a/zeta" sorts first as a plain string.
  std::string older = Route("alpha", Rule("path: {value: /same}"), "", "b");
  older.replace(older.find("  namespace: b\n"), 15,
                "  namespace: b\n  creationTimestamp: \"2020-01-01T00:00:00Z\"\n");
  std::string newer = Route("zeta", Rule("path: {value: /same}"), "", "a");
  newer.replace(newer.find("  namespace: a\n"), 15,
                "  namespace: a\n  creationTimestamp: \"2024-01-01T00:00:00Z\"\n");
  Config config(std::string(kGateway) + older + newer +
                Route("beta", Rule("path: {value: /other}")) +
                Route("alpha", Rule("path: {value: /other}")));
  CHECK(config.Winner(Get("/same")) == "a/zeta rule 0 match 0");
  CHECK(config.Winner(Get("/other")) == "default/alpha rule 0 match 0");
}

TEST_CASE("Within one route, identical matches go to the earlier rule") {
  Config config(std::string(kGateway) + Route("r", Rule("path: {value: /x}", "first") +
                                                       Rule("path: {value: /x}", "second")));
  CHECK(config.Winner(Get("/x")) == "default/r rule 0 match 0");
}

// ---------------------------------------------------------------------------------------------
// Listener selection (controller.md §9.1) and host buckets (§9.2)

constexpr char kHostListeners[] = R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  gatewayClassName: agentgateway
  listeners:
  - name: any
    port: 80
    protocol: HTTP
  - name: wild
    port: 80
    protocol: HTTP
    hostname: "*.example.com"
  - name: deep
    port: 80
    protocol: HTTP
    hostname: "*.b.example.com"
  - name: exact
    port: 80
    protocol: HTTP
    hostname: foo.example.com
)";

std::string OnListener(const std::string& section) {
  return "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: on-" +
         section + "\nspec:\n  parentRefs:\n  - name: gw\n    sectionName: " + section +
         "\n  rules:\n" + Rule("path: {value: /}");
}

TEST_CASE("The listener is the exact hostname, else the longest wildcard, else the empty one") {
  Config config(std::string(kHostListeners) + OnListener("any") + OnListener("wild") +
                OnListener("deep") + OnListener("exact"));
  CHECK(config.ListenerOf(Get("/", "foo.example.com")) == "exact");
  CHECK(config.ListenerOf(Get("/", "bar.example.com")) == "wild");
  CHECK(config.ListenerOf(Get("/", "x.b.example.com")) == "deep");
  CHECK(config.ListenerOf(Get("/", "y.x.b.example.com")) == "deep");
  CHECK(config.ListenerOf(Get("/", "b.example.com")) == "wild");
  CHECK(config.ListenerOf(Get("/", "example.com")) == "any");  // *.x never covers x itself
  CHECK(config.ListenerOf(Get("/", "other.org")) == "any");
  CHECK(config.ListenerOf(Get("/", "")) == "any");
  CHECK(config.Winner(Get("/", "foo.example.com")) == "default/on-exact rule 0 match 0");
  CHECK(config.Winner(Get("/", "x.b.example.com")) == "default/on-deep rule 0 match 0");
}

TEST_CASE("Listener selection ignores the Host port and letter case") {
  Config config(std::string(kHostListeners) + OnListener("any") + OnListener("wild") +
                OnListener("deep") + OnListener("exact"));
  CHECK(config.ListenerOf(Get("/", "FOO.Example.com:8080")) == "exact");
  CHECK(config.ListenerOf(Get("/", "foo.example.com:80")) == "exact");
  CHECK(config.ListenerOf(Get("/", "Bar.EXAMPLE.com:443")) == "wild");
  CHECK(config.Winner(Get("/", "FOO.EXAMPLE.COM:1234")) == "default/on-exact rule 0 match 0");
}

TEST_CASE("Without a hostname-less listener an unknown host finds no listener") {
  std::string gateway = kHostListeners;
  gateway.erase(gateway.find("  - name: any\n"), std::string("  - name: any\n    port: 80\n"
                                                             "    protocol: HTTP\n")
                                                     .size());
  Config config(gateway + OnListener("wild") + OnListener("exact"));
  CHECK(config.ListenerOf(Get("/", "other.org")) == "no listener");
  CHECK(config.Winner(Get("/", "other.org")) == "no listener");
  CHECK(config.Winner(Get("/", "foo.example.com")) == "default/on-exact rule 0 match 0");
  Plan plan = config.PlanFor(Get("/", "other.org"));
  REQUIRE(plan.direct.has_value());
  CHECK(plan.direct->status == 404);
}

TEST_CASE("A listener with matching host but no matching route gives no route, not a fallback") {
  Config config(std::string(kHostListeners) + OnListener("any") +
                "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n"
                "  name: exact-only-api\nspec:\n  parentRefs:\n  - name: gw\n"
                "    sectionName: exact\n  rules:\n" +
                Rule("path: {value: /api}"));
  // foo.example.com lands on listener "exact"; routes of listener "any" are not considered.
  CHECK(config.Winner(Get("/api", "foo.example.com")) == "default/exact-only-api rule 0 match 0");
  CHECK(config.Winner(Get("/other", "foo.example.com")) == "no route");
}

TEST_CASE("An exact-host route beats a hostname-less route with a longer path") {
  Config config(std::string(kGateway) +
                Route("exact-host", Rule("path: {value: /}"), "[foo.example.com]") +
                Route("wild-host", Rule("path: {value: /a/b/c}"), "['*.example.com']") +
                Route("deep-wild", Rule("path: {value: /}"), "['*.b.example.com']") +
                Route("any-host", Rule("path: {value: /longer/path}")));
  CHECK(config.Winner(Get("/longer/path", "foo.example.com")) ==
        "default/exact-host rule 0 match 0");
  CHECK(config.Winner(Get("/a/b/c", "Foo.Example.com:8080")) ==
        "default/exact-host rule 0 match 0");
  // The wildcard bucket wins where it has a match, and falls through where it has none.
  CHECK(config.Winner(Get("/a/b/c/d", "bar.example.com")) == "default/wild-host rule 0 match 0");
  CHECK(config.Winner(Get("/longer/path", "bar.example.com")) == "default/any-host rule 0 match 0");
  CHECK(config.Winner(Get("/x", "bar.example.com")) == "no route");
  // The longest wildcard suffix is tried first.
  CHECK(config.Winner(Get("/a/b/c", "x.b.example.com")) == "default/deep-wild rule 0 match 0");
  CHECK(config.Winner(Get("/longer/path", "other.org")) == "default/any-host rule 0 match 0");
}

// ---------------------------------------------------------------------------------------------
// URL rewrites and redirects (gateway-api.md §1.7, §1.7.1)

TEST_CASE("ReplacePrefix reproduces every row of the Gateway API table") {
  struct Row {
    const char* request;
    const char* prefix;
    const char* replacement;
    const char* result;
  };
  const Row rows[] = {
      {"/foo/bar", "/foo", "/xyz", "/xyz/bar"},
      {"/foo/bar", "/foo", "/xyz/", "/xyz/bar"},
      {"/foo/bar", "/foo/", "/xyz", "/xyz/bar"},
      {"/foo/bar", "/foo/", "/xyz/", "/xyz/bar"},
      {"/foo", "/foo", "/xyz", "/xyz"},
      {"/foo/", "/foo", "/xyz", "/xyz/"},
      {"/foo/bar", "/foo", "", "/bar"},
      {"/foo/", "/foo", "", "/"},
      {"/foo", "/foo", "", "/"},
      {"/foo/", "/foo", "/", "/"},
      {"/foo", "/foo", "/", "/"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.request, row.prefix, row.replacement);
    CHECK(ReplacePrefix(row.request, row.prefix, row.replacement) == row.result);
  }
  // Conformance cases (HTTPRouteRewritePath) and a root prefix.
  CHECK(ReplacePrefix("/prefix/one/two", "/prefix/one", "/one") == "/one/two");
  CHECK(ReplacePrefix("/strip-prefix/three", "/strip-prefix", "/") == "/three");
  CHECK(ReplacePrefix("/strip-prefix", "/strip-prefix", "/") == "/");
  CHECK(ReplacePrefix("/abc", "/", "/new") == "/new/abc");
}

TEST_CASE("URLRewrite replaces the matched prefix or the full path, keeps the query") {
  Config config(std::string(kGateway) + Route("rewrite", R"(  - matches:
    - path: {type: PathPrefix, value: /prefix/one}
    filters:
    - type: URLRewrite
      urlRewrite:
        hostname: one.example.org
        path: {type: ReplacePrefixMatch, replacePrefixMatch: /one}
    backendRefs:
    - name: svc
      port: 8080
  - matches:
    - path: {type: PathPrefix, value: /strip-prefix/}
    filters:
    - type: URLRewrite
      urlRewrite:
        path: {type: ReplacePrefixMatch, replacePrefixMatch: /}
    backendRefs:
    - name: svc
      port: 8080
  - matches:
    - path: {type: PathPrefix, value: /full}
    filters:
    - type: URLRewrite
      urlRewrite:
        path: {type: ReplaceFullPath, replaceFullPath: /one}
    backendRefs:
    - name: svc
      port: 8080
)"));
  Plan plan = config.PlanFor(Get("/prefix/one/two?a=1", "example.com:80"));
  REQUIRE(plan.upstream.has_value());
  CHECK(plan.upstream->path_and_query == "/one/two?a=1");
  CHECK(plan.upstream->authority == "one.example.org");
  CHECK(config.PlanFor(Get("/strip-prefix/three")).upstream->path_and_query == "/three");
  CHECK(config.PlanFor(Get("/strip-prefix")).upstream->path_and_query == "/");
  CHECK(config.PlanFor(Get("/strip-prefix/?x=y")).upstream->path_and_query == "/?x=y");
  Plan full = config.PlanFor(Get("/full/one/two?q"));
  CHECK(full.upstream->path_and_query == "/one?q");
  CHECK(full.upstream->authority == "example.com");  // no hostname rewrite: Host as received
}

// One rule per redirect variant; the path names the variant.
constexpr char kRedirects[] = R"(  - matches: [{path: {value: /unset}}]
    filters: [{type: RequestRedirect, requestRedirect: {}}]
  - matches: [{path: {value: /port-80}}]
    filters: [{type: RequestRedirect, requestRedirect: {port: 80}}]
  - matches: [{path: {value: /port-8080}}]
    filters: [{type: RequestRedirect, requestRedirect: {port: 8080}}]
  - matches: [{path: {value: /port-8443}}]
    filters: [{type: RequestRedirect, requestRedirect: {port: 8443}}]
  - matches: [{path: {value: /scheme-http}}]
    filters: [{type: RequestRedirect, requestRedirect: {scheme: http}}]
  - matches: [{path: {value: /scheme-http-port-8080}}]
    filters: [{type: RequestRedirect, requestRedirect: {scheme: http, port: 8080}}]
  - matches: [{path: {value: /scheme-https}}]
    filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}]
  - matches: [{path: {value: /scheme-https-port-8443}}]
    filters: [{type: RequestRedirect, requestRedirect: {scheme: https, port: 8443}}]
  - matches: [{path: {value: /hostname}}]
    filters: [{type: RequestRedirect, requestRedirect: {hostname: other.example.org}}]
  - matches: [{path: {value: /original-prefix}}]
    filters:
    - type: RequestRedirect
      requestRedirect:
        path: {type: ReplacePrefixMatch, replacePrefixMatch: /replacement-prefix}
  - matches: [{path: {value: /full-path}}]
    filters:
    - type: RequestRedirect
      requestRedirect:
        path: {type: ReplaceFullPath, replaceFullPath: /full-path-replacement}
  - matches: [{path: {value: /301}}]
    filters: [{type: RequestRedirect, requestRedirect: {statusCode: 301}}]
  - matches: [{path: {value: /303}}]
    filters: [{type: RequestRedirect, requestRedirect: {statusCode: 303}}]
  - matches: [{path: {value: /307}}]
    filters: [{type: RequestRedirect, requestRedirect: {statusCode: 307}}]
  - matches: [{path: {value: /308}}]
    filters: [{type: RequestRedirect, requestRedirect: {statusCode: 308}}]
)";

std::string RedirectLocation(const Config& config, const std::string& target, int listener_port,
                             const std::string& scheme = "http",
                             const std::string& host = "example.org") {
  Request request = Get(target, host);
  request.scheme = scheme;
  std::mt19937_64 random(1);
  Plan plan = MakePlan(config.Match(request), request, listener_port, random);
  REQUIRE(plan.direct.has_value());
  CHECK(!plan.upstream.has_value());
  return Location(plan);
}

TEST_CASE("Redirects on listener port 80 leave out the default port") {
  Config config(std::string(kGateway) + Route("redirect", kRedirects));
  CHECK(RedirectLocation(config, "/unset", 80) == "http://example.org/unset");
  CHECK(RedirectLocation(config, "/port-8080", 80) == "http://example.org:8080/port-8080");
  CHECK(RedirectLocation(config, "/scheme-https", 80) == "https://example.org/scheme-https");
  CHECK(RedirectLocation(config, "/scheme-https-port-8443", 80) ==
        "https://example.org:8443/scheme-https-port-8443");
  // The Host header's port does not decide the redirect port; the listener port does.
  CHECK(RedirectLocation(config, "/unset", 80, "http", "example.org:31000") ==
        "http://example.org/unset");
}

TEST_CASE("Redirects on listener port 8080 keep the listener port unless told otherwise") {
  Config config(std::string(kGateway) + Route("redirect", kRedirects));
  CHECK(RedirectLocation(config, "/unset", 8080) == "http://example.org:8080/unset");
  CHECK(RedirectLocation(config, "/port-80", 8080) == "http://example.org/port-80");
  CHECK(RedirectLocation(config, "/scheme-https", 8080) == "https://example.org/scheme-https");
  CHECK(RedirectLocation(config, "/unset", 8080, "http", "example.org:8080") ==
        "http://example.org:8080/unset");
}

TEST_CASE("Redirects from an HTTPS listener on 443 keep https and its default port") {
  Config config(std::string(kGateway) + Route("redirect", kRedirects));
  CHECK(RedirectLocation(config, "/unset", 443, "https") == "https://example.org/unset");
  CHECK(RedirectLocation(config, "/port-8443", 443, "https") ==
        "https://example.org:8443/port-8443");
  CHECK(RedirectLocation(config, "/scheme-http", 443, "https") == "http://example.org/scheme-http");
  CHECK(RedirectLocation(config, "/scheme-http-port-8080", 443, "https") ==
        "http://example.org:8080/scheme-http-port-8080");
}

TEST_CASE("A redirect keeps the query, rewrites host and path, and uses the status code") {
  Config config(std::string(kGateway) + Route("redirect", kRedirects));
  CHECK(RedirectLocation(config, "/unset?a=1&b=two", 80) == "http://example.org/unset?a=1&b=two");
  CHECK(RedirectLocation(config, "/hostname", 80) == "http://other.example.org/hostname");
  CHECK(RedirectLocation(config, "/original-prefix/lemon?x", 80) ==
        "http://example.org/replacement-prefix/lemon?x");
  CHECK(RedirectLocation(config, "/original-prefix", 80) ==
        "http://example.org/replacement-prefix");
  CHECK(RedirectLocation(config, "/full-path/lemon", 80) ==
        "http://example.org/full-path-replacement");
  std::map<std::string, int> expected = {
      {"/unset", 302}, {"/301", 301}, {"/303", 303}, {"/307", 307}, {"/308", 308}};
  for (const auto& [target, status] : expected) {
    CAPTURE(target);
    Plan plan = config.PlanFor(Get(target, "example.org"));
    REQUIRE(plan.direct.has_value());
    CHECK(plan.direct->status == status);
    CHECK(plan.route == "default/redirect");
  }
}

// ---------------------------------------------------------------------------------------------
// Header modifiers

TEST_CASE("RequestHeaderModifier sets, adds and removes whatever the name's case") {
  Config config(std::string(kGateway) + Route("headers", R"(  - filters:
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set: [{name: X-Header-Set, value: set-overwrites-values}, {name: X-New, value: fresh}]
        add: [{name: X-Header-Add, value: add-appends-values}, {name: X-Added, value: only}]
        remove: [X-Header-Remove]
    backendRefs:
    - name: svc
      port: 8080
)"));
  Plan plan = config.PlanFor(Get("/", "example.com",
                                 {{"x-header-set", "some-other-value"},
                                  {"x-header-add", "add-value"},
                                  {"X-HEADER-REMOVE", "gone"},
                                  {"x-header-remove", "gone-too"},
                                  {"x-header-set", "second-value"},
                                  {"Keep", "me"}}));
  CHECK(Header(plan, "X-Header-Set") == "set-overwrites-values");
  CHECK(Header(plan, "x-new") == "fresh");
  CHECK(Header(plan, "x-header-add") == "add-value,add-appends-values");
  CHECK(Header(plan, "x-added") == "only");
  CHECK(Header(plan, "x-header-remove") == "<absent>");
  CHECK(Header(plan, "keep") == "me");
  int set_entries = 0;
  for (const auto& [name, value] : plan.upstream->headers) {
    if (http::HeaderNameEquals(name, "x-header-set")) {
      ++set_entries;
    }
  }
  CHECK(set_entries == 1);
}

TEST_CASE("ResponseHeaderModifier edits are planned for the upstream response") {
  Config config(std::string(kGateway) + Route("headers", R"(  - filters:
    - type: ResponseHeaderModifier
      responseHeaderModifier:
        set: [{name: X-Header-Set, value: set-overwrites-values}]
        add: [{name: X-Header-Add-2, value: header-add-2}, {name: x-Mixedcase-ADD-1, value: m}]
        remove: [X-Header-Remove]
    backendRefs:
    - name: svc
      port: 8080
)"));
  Plan plan = config.PlanFor(Get("/"));
  http::HeaderList response = {{"X-Header-Set", "from-backend"},
                               {"X-Header-Add-2", "add-val-2"},
                               {"x-header-remove", "x"},
                               {"content-type", "text/plain"}};
  plan.response_headers.Apply(response);
  CHECK(http::GetHeader(response, "x-header-set") == "set-overwrites-values");
  CHECK(http::GetHeader(response, "x-header-add-2") == "add-val-2,header-add-2");
  CHECK(http::GetHeader(response, "X-MIXEDCASE-add-1") == "m");
  CHECK(http::GetHeader(response, "x-header-remove") == std::nullopt);
  CHECK(http::GetHeader(response, "content-type") == "text/plain");
}

TEST_CASE("A backendRef's own header filter applies only when that backend is chosen") {
  Config config(std::string(kGateway) + Route("per-backend", R"(  - backendRefs:
    - name: svc-a
      port: 8080
      filters:
      - type: RequestHeaderModifier
        requestHeaderModifier: {set: [{name: x-backend, value: a}]}
    - name: svc-b
      port: 8080
      filters:
      - type: RequestHeaderModifier
        requestHeaderModifier: {set: [{name: x-backend, value: b}]}
)"));
  std::mt19937_64 random(7);
  std::map<std::string, int> seen;
  for (int i = 0; i < 200; ++i) {
    Request request = Get("/");
    Plan plan = MakePlan(config.Match(request), request, 80, random);
    REQUIRE(plan.upstream.has_value());
    std::string name = plan.upstream->backend->name;
    CHECK(Header(plan, "x-backend") == name.substr(4));
    ++seen[name];
  }
  CHECK(seen.size() == 2);
}

// ---------------------------------------------------------------------------------------------
// Backend choice (controller.md §9.3)

std::map<std::string, int> Picks(const Config& config, const std::string& target, int count,
                                 std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::map<std::string, int> picks;
  for (int i = 0; i < count; ++i) {
    Request request = Get(target);
    Plan plan = MakePlan(config.Match(request), request, 80, random);
    if (plan.upstream) {
      ++picks[plan.upstream->backend->name];
    } else {
      REQUIRE(plan.direct.has_value());
      ++picks[std::to_string(plan.direct->status)];
    }
  }
  return picks;
}

TEST_CASE("Backends are chosen in proportion to weight and weight 0 is never chosen") {
  Config config(std::string(kGateway) + Route("weighted", R"(  - backendRefs:
    - {name: svc-a, port: 8080, weight: 70}
    - {name: svc-b, port: 8080, weight: 30}
    - {name: svc-c, port: 8080, weight: 0}
)"));
  for (std::uint64_t seed : {1u, 42u, 2024u}) {
    CAPTURE(seed);
    std::map<std::string, int> picks = Picks(config, "/", 10000, seed);
    CHECK(picks["svc-a"] >= 6800);
    CHECK(picks["svc-a"] <= 7200);
    CHECK(picks["svc-b"] >= 2800);
    CHECK(picks["svc-b"] <= 3200);
    CHECK(picks.count("svc-c") == 0);
    CHECK(picks["svc-a"] + picks["svc-b"] == 10000);
  }
}

TEST_CASE("All weights zero, or no backends at all, answers 500") {
  Config config(std::string(kGateway) + Route("zero", R"(  - matches: [{path: {value: /zero}}]
    backendRefs:
    - {name: svc-a, port: 8080, weight: 0}
    - {name: svc-b, port: 8080, weight: 0}
  - matches: [{path: {value: /none}}]
)"));
  for (const char* target : {"/zero", "/none"}) {
    CAPTURE(target);
    Plan plan = config.PlanFor(Get(target));
    REQUIRE(plan.direct.has_value());
    CHECK(plan.direct->status == 500);
    CHECK(plan.direct->body == "no valid backends\n");
    CHECK(plan.route == "default/zero");
    CHECK(!plan.upstream.has_value());
  }
}

TEST_CASE("An invalid backend keeps its share of the traffic, answered with 500") {
  // svc-x in namespace other is not granted to routes in default: it stays, with its weight.
  Config config(std::string(kGateway) + Route("half", R"(  - backendRefs:
    - {name: svc-a, port: 8080, weight: 1}
    - {name: svc-x, namespace: other, port: 8080, weight: 1}
)"));
  std::map<std::string, int> picks = Picks(config, "/", 4000, 3);
  CHECK(picks["svc-a"] >= 1800);
  CHECK(picks["500"] >= 1800);
  CHECK(picks["svc-a"] + picks["500"] == 4000);
  Request request = Get("/");
  std::mt19937_64 random(3);
  for (int i = 0; i < 50; ++i) {
    Plan plan = MakePlan(config.Match(request), request, 80, random);
    if (plan.direct) {
      CHECK(plan.direct->body.rfind("invalid backend: backendRef other/svc-x not accessible", 0) ==
            0);
    }
  }
}

TEST_CASE("No matching route plans a 404") {
  Config config(std::string(kGateway) + Route("only", Rule("path: {type: Exact, value: /only}")));
  Plan plan = config.PlanFor(Get("/other"));
  REQUIRE(plan.direct.has_value());
  CHECK(plan.direct->status == 404);
  CHECK(plan.route.empty());
}

TEST_CASE("Rule timeouts are parsed into the plan") {
  Config config(std::string(kGateway) +
                Route("timeouts", R"(  - timeouts: {request: 1m30s, backendRequest: 500ms}
    backendRefs:
    - {name: svc, port: 8080}
)"));
  Plan plan = config.PlanFor(Get("/"));
  CHECK(plan.request_timeout == milliseconds(90'000));
  CHECK(plan.backend_timeout == milliseconds(500));
}

TEST_CASE("Durations follow the Gateway API subset of Go's syntax") {
  CHECK(ParseDuration("0") == milliseconds(0));
  CHECK(ParseDuration("500ms") == milliseconds(500));
  CHECK(ParseDuration("2s") == milliseconds(2000));
  CHECK(ParseDuration("1h2m3s4ms") == milliseconds(3'723'004));
  CHECK(ParseDuration("10m") == milliseconds(600'000));
  CHECK(ParseDuration("") == std::nullopt);
  CHECK(ParseDuration("10") == std::nullopt);
  CHECK(ParseDuration("1.5s") == std::nullopt);
  CHECK(ParseDuration("1d") == std::nullopt);
  CHECK(ParseDuration("-1s") == std::nullopt);
  CHECK(ParseDuration("s") == std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// CORS

constexpr char kCors[] = R"(  - filters:
    - type: CORS
      cors:
        allowOrigins: ["https://www.foo.com", "https://*.bar.com"]
        allowCredentials: true
        allowMethods: [GET, POST]
        allowHeaders: [x-header-1, x-header-2]
        exposeHeaders: [x-exposed]
        maxAge: 3600
    backendRefs:
    - {name: svc, port: 8080}
)";

Request Preflight(const std::string& origin) {
  return With("OPTIONS", Get("/", "example.com",
                             {{"Origin", origin},
                              {"Access-Control-Request-Method", "GET"},
                              {"Access-Control-Request-Headers", "x-header-1"}}));
}

TEST_CASE("A CORS preflight from an allowed origin is answered by the gateway") {
  Config config(std::string(kGateway) + Route("cors", kCors));
  for (const char* origin : {"https://www.foo.com", "https://api.bar.com"}) {
    CAPTURE(origin);
    Plan plan = config.PlanFor(Preflight(origin));
    REQUIRE(plan.direct.has_value());
    CHECK(!plan.upstream.has_value());
    CHECK(plan.direct->status == 200);
    CHECK(plan.direct->headers ==
          http::HeaderList{{"access-control-allow-origin", origin},
                           {"access-control-allow-credentials", "true"},
                           {"access-control-allow-methods", "GET,POST"},
                           {"access-control-allow-headers", "x-header-1,x-header-2"},
                           {"access-control-expose-headers", "x-exposed"},
                           {"access-control-max-age", "3600"}});
  }
}

TEST_CASE("A CORS preflight from another origin is answered without CORS headers") {
  Config config(std::string(kGateway) + Route("cors", kCors));
  for (const char* origin : {"https://evil.com", "http://www.foo.com", "https://bar.com",
                             "https://www.foo.com.evil.com"}) {
    CAPTURE(origin);
    Plan plan = config.PlanFor(Preflight(origin));
    REQUIRE(plan.direct.has_value());
    CHECK(plan.direct->status == 200);
    CHECK(http::GetHeader(plan.direct->headers, "access-control-allow-origin") == std::nullopt);
  }
}

TEST_CASE("A simple CORS request is forwarded, with CORS headers only for an allowed origin") {
  Config config(std::string(kGateway) + Route("cors", kCors));
  Plan allowed = config.PlanFor(Get("/", "example.com", {{"Origin", "https://www.foo.com"}}));
  REQUIRE(allowed.upstream.has_value());
  CHECK(allowed.queued_response_headers ==
        http::HeaderList{{"access-control-allow-origin", "https://www.foo.com"},
                         {"access-control-allow-credentials", "true"},
                         {"access-control-expose-headers", "x-exposed"}});
  Plan other = config.PlanFor(Get("/", "example.com", {{"Origin", "https://evil.com"}}));
  REQUIRE(other.upstream.has_value());
  CHECK(other.queued_response_headers.empty());
  // OPTIONS without Access-Control-Request-Method is not a preflight: it is forwarded.
  Plan options =
      config.PlanFor(With("OPTIONS", Get("/", "example.com", {{"Origin", "https://www.foo.com"}})));
  CHECK(options.upstream.has_value());
  Plan no_origin = config.PlanFor(Get("/"));
  REQUIRE(no_origin.upstream.has_value());
  CHECK(no_origin.queued_response_headers.empty());
}

TEST_CASE("A wildcard CORS origin without credentials answers with *") {
  Config config(std::string(kGateway) + Route("cors", R"(  - filters:
    - type: CORS
      cors:
        allowOrigins: ["*"]
        allowMethods: ["*"]
    backendRefs:
    - {name: svc, port: 8080}
)"));
  Plan plan = config.PlanFor(Preflight("https://anywhere.example"));
  REQUIRE(plan.direct.has_value());
  CHECK(http::GetHeader(plan.direct->headers, "access-control-allow-origin") == "*");
  CHECK(http::GetHeader(plan.direct->headers, "access-control-allow-methods") == "*");
  CHECK(http::GetHeader(plan.direct->headers, "access-control-allow-credentials") == std::nullopt);
  CHECK(http::GetHeader(plan.direct->headers, "access-control-max-age") == "5");
}

// ---------------------------------------------------------------------------------------------
// Describe

TEST_CASE("A match is described on one line, ~ marking regular expressions") {
  validate::model::HTTPRouteMatch match;
  match.path = validate::model::HTTPPathMatch{"PathPrefix", "/v1"};
  match.method = "POST";
  match.headers = {validate::model::ValueMatch{"Exact", "x-env", "prod"}};
  match.query_params = {validate::model::ValueMatch{"RegularExpression", "debug", "^1$"}};
  CHECK(DescribeMatch(match) == "PathPrefix /v1 method=POST header:x-env=prod query:debug~^1$");
  CHECK(DescribeMatch(validate::model::HTTPRouteMatch{}) == "PathPrefix /");
}

TEST_CASE("The table lists entries in the order the data plane tries them") {
  Config config(std::string(kGateway) + Route("prefix", Rule("path: {value: /foo}")) +
                Route("exact", Rule("path: {type: Exact, value: /foo}")) +
                Route("hosted", Rule("path: {value: /}"), "[foo.example.com]"));
  std::string text = DescribeTable(config.table());
  std::size_t hosted = text.find("default/hosted");
  std::size_t exact = text.find("default/exact");
  std::size_t prefix = text.find("default/prefix");
  INFO(text);
  REQUIRE(hosted != std::string::npos);
  REQUIRE(exact != std::string::npos);
  REQUIRE(prefix != std::string::npos);
  CHECK(hosted < exact);
  CHECK(exact < prefix);
}

TEST_CASE("The table lists the longer wildcard host first, as the data plane tries it") {
  Config config(std::string(kGateway) +
                Route("short-wild", Rule("path: {value: /}"), "['*.example.com']") +
                Route("long-wild", Rule("path: {value: /}"), "['*.b.example.com']"));
  REQUIRE(config.Winner(Get("/", "x.b.example.com")) == "default/long-wild rule 0 match 0");
  std::string text = DescribeTable(config.table());
  INFO(text);
  CHECK(text.find("default/long-wild") < text.find("default/short-wild"));
}

TEST_CASE("A regular expression RE2 rejects leaves its match out and is reported") {
  Config config(std::string(kGateway) +
                Route("bad", Rule("path: {type: RegularExpression, value: '/(unclosed'}")) +
                Route("good", Rule("path: {value: /}")));
  REQUIRE(config.problems().size() == 1);
  CHECK(config.problems()[0].find("HTTPRoute default/bad spec.rules[0].matches[0]: invalid "
                                  "regular expression") == 0);
  CHECK(config.Winner(Get("/(unclosed")) == "default/good rule 0 match 0");
}

}  // namespace
}  // namespace agw::emulator::route
