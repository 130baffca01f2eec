// Replays the hand-ported Gateway API v1.4.0 conformance cases (tests/conformance/cases/*.yaml,
// format in tests/conformance/README.md) against the emulator, in process: for each test file the
// upstream base manifests plus the test's manifests are resolved and served by `run`'s Server,
// every Service port that reaches an echo-basic container is backed by in-process echo pods
// (tests/support/echo_server.h, one per Deployment replica), and each case's request is sent and
// checked the way the upstream harness (conformance/utils/http/http.go, gateway-api.md §5.1) does.
//
// The suite reports each test's result and a "conformance: N/M tests pass (K/L cases)" line, and
// fails only when fewer tests pass than kPassingTests (a ratchet: raise it when the emulator gets
// better). AGW_CONFORMANCE_REPORT=<path> writes every failing case with its reason;
// AGW_CONFORMANCE_ONLY=<Test>[,<Test>...] runs only those tests and AGW_CONFORMANCE_CASES=<dir>
// reads the case files from another directory (both skip the ratchet).

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "emulator/io/server.h"
#include "tests/support/echo_server.h"
#include "tests/support/http_client.h"
#include "tests/support/paths.h"
#include "validate/manifest/diagnostic.h"
#include "validate/manifest/file_system.h"
#include "validate/resolve/pipeline.h"

namespace agw::test {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;
using namespace std::chrono_literals;

// How many of the ported tests (and of their cases) pass today. CI fails when fewer do.
constexpr int kPassingTests = 39;
constexpr int kPassingCases = 240;

// The harness needs 3 consecutive passing round trips (RequiredConsecutiveSuccesses) and retries a
// failed one; the configuration is applied before the first request here, so instead of its 30 s
// window a case gets a bounded number of round trips.
constexpr int kConsecutiveSuccesses = 3;
constexpr int kMaxRoundTrips = 8;
// The harness waits up to 60 s for a mirrored request to show in the mirror pod's log.
constexpr auto kMirrorWait = 5s;

fs::path TestdataDir() {
  return fs::path(kSharedDir) / "upstream-testdata/gateway-api-conformance-v1.4.0";
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool EqualsIgnoreCase(const std::string& a, const std::string& b) { return Lower(a) == Lower(b); }

std::string Scalar(const YAML::Node& node, const std::string& fallback = "") {
  return node && node.IsScalar() ? node.as<std::string>() : fallback;
}

Headers StringMap(const YAML::Node& node) {
  Headers out;
  if (node && node.IsMap()) {
    for (const auto& item : node) {
      out.emplace_back(item.first.as<std::string>(), item.second.as<std::string>());
    }
  }
  return out;
}

std::vector<std::string> StringList(const YAML::Node& node) {
  std::vector<std::string> out;
  if (node && node.IsSequence()) {
    for (const auto& item : node) {
      out.push_back(item.as<std::string>());
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The cluster the manifests describe, as far as the backends go.

// A Deployment running echo-basic in HTTP mode (GRPC_ECHO_SERVER unset).
struct EchoDeployment {
  std::string namespace_;
  std::string name;
  int replicas = 1;
  int http_port = 3000;                       // HTTP_PORT
  std::map<std::string, std::string> labels;  // of the pod template
};

struct ServiceDef {
  std::string namespace_;
  std::string name;
  bool has_selector = false;
  std::map<std::string, std::string> selector;
  struct Port {
    int port = 0;
    std::string target_port;  // number or name; defaults to `port`
  };
  std::vector<Port> ports;
};

struct Cluster {
  std::vector<EchoDeployment> deployments;
  std::vector<ServiceDef> services;
  std::map<std::string, std::vector<int>> gateway_ports;  // "ns/name" -> listener ports in order
};

std::string NamespaceOf(const YAML::Node& doc) {
  return Scalar(doc["metadata"]["namespace"], "default");
}

std::map<std::string, std::string> Labels(const YAML::Node& node) {
  std::map<std::string, std::string> out;
  if (node && node.IsMap()) {
    for (const auto& item : node) {
      out[item.first.as<std::string>()] = item.second.as<std::string>();
    }
  }
  return out;
}

void ReadCluster(const std::string& text, Cluster& cluster) {
  for (const YAML::Node& doc : YAML::LoadAll(text)) {
    if (!doc.IsMap()) {
      continue;
    }
    const std::string kind = Scalar(doc["kind"]);
    if (kind == "Deployment") {
      const YAML::Node pod = doc["spec"]["template"];
      bool echo = false;
      bool grpc = false;
      int http_port = 3000;
      for (const auto& container : pod["spec"]["containers"]) {
        if (Scalar(container["image"]).find("echo-basic") == std::string::npos) {
          continue;
        }
        echo = true;
        for (const auto& env : container["env"]) {
          if (Scalar(env["name"]) == "GRPC_ECHO_SERVER") {
            grpc = true;
          }
          if (Scalar(env["name"]) == "HTTP_PORT") {
            http_port = std::stoi(Scalar(env["value"]));
          }
        }
      }
      if (!echo || grpc) {
        continue;
      }
      EchoDeployment deployment;
      deployment.namespace_ = NamespaceOf(doc);
      deployment.name = Scalar(doc["metadata"]["name"]);
      deployment.replicas = doc["spec"]["replicas"] ? doc["spec"]["replicas"].as<int>() : 1;
      deployment.http_port = http_port;
      deployment.labels = Labels(pod["metadata"]["labels"]);
      cluster.deployments.push_back(std::move(deployment));
    } else if (kind == "Service") {
      ServiceDef service;
      service.namespace_ = NamespaceOf(doc);
      service.name = Scalar(doc["metadata"]["name"]);
      service.has_selector = doc["spec"]["selector"].IsDefined();
      service.selector = Labels(doc["spec"]["selector"]);
      for (const auto& port : doc["spec"]["ports"]) {
        ServiceDef::Port item;
        item.port = port["port"].as<int>();
        item.target_port = Scalar(port["targetPort"], std::to_string(item.port));
        service.ports.push_back(item);
      }
      cluster.services.push_back(std::move(service));
    } else if (kind == "Gateway") {
      std::vector<int>& ports =
          cluster.gateway_ports[NamespaceOf(doc) + "/" + Scalar(doc["metadata"]["name"])];
      for (const auto& listener : doc["spec"]["listeners"]) {
        ports.push_back(listener["port"].as<int>());
      }
    }
  }
}

// The documents of a multi-document YAML text, verbatim, split at its `---` lines.
std::vector<std::string> SplitDocuments(const std::string& text) {
  std::vector<std::string> documents(1);
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("---", 0) == 0 && line.find_first_not_of("- \t\r") == std::string::npos) {
      documents.emplace_back();
      continue;
    }
    documents.back() += line + "\n";
  }
  return documents;
}

// ---------------------------------------------------------------------------------------------
// A case as the harness sees it (README "A case"), with the harness's defaults applied.

struct Case {
  std::string kind;
  std::string gateway;
  int port = 0;  // 0: the Gateway's first listener port
  std::string skip;
  YAML::Node node;

  std::string method = "GET";
  std::string path;
  std::string host;  // empty: the gateway address
  Headers headers;
  Headers backend_set_response_headers;

  std::vector<int> statuses = {200};
  std::string backend;
  std::string namespace_;
  struct ExpectedRequest {
    std::string path;
    std::string host;
    std::string method;
    Headers headers;
    std::vector<std::string> absent_headers;
  } expected_request;
  Headers response_headers;
  std::vector<std::string> response_absent_headers;
  std::optional<std::map<std::string, std::string>> redirect;

  std::string Describe() const {
    std::string out = method + " " + path;
    if (!host.empty()) {
      out += " Host: " + host;
    }
    if (!kind.empty()) {
      out = kind + " " + out;
    }
    return out;
  }
};

Case ParseCase(const YAML::Node& node, const std::string& default_gateway) {
  Case c;
  c.node = node;
  c.kind = Scalar(node["kind"]);
  c.gateway = Scalar(node["gateway"], default_gateway);
  c.port = node["port"] ? node["port"].as<int>() : 0;
  c.skip = Scalar(node["skip"]);
  if (c.kind == "delete") {
    return c;
  }
  const YAML::Node request = node["request"];
  c.method = Scalar(request["method"], "GET");
  c.path = Scalar(request["path"]);
  c.host = Scalar(request["host"]);
  c.headers = StringMap(request["headers"]);
  c.backend_set_response_headers = StringMap(request["backendSetResponseHeaders"]);
  const YAML::Node expect = node["expect"];
  if (!expect || !expect.IsMap()) {
    c.expected_request = {c.path, c.host, c.method, c.headers, {}};
    return c;
  }
  if (expect["status"]) {
    c.statuses.clear();
    for (const auto& status : expect["status"]) {
      c.statuses.push_back(status.as<int>());
    }
  }
  c.backend = Scalar(expect["backend"]);
  c.namespace_ = Scalar(expect["namespace"]);
  if (const YAML::Node expected = expect["request"]; expected && expected.IsMap()) {
    // Given explicitly: what is left out is not compared, except the method (GET).
    c.expected_request.path = Scalar(expected["path"]);
    c.expected_request.host = Scalar(expected["host"]);
    c.expected_request.method = Scalar(expected["method"], "GET");
    c.expected_request.headers = StringMap(expected["headers"]);
    c.expected_request.absent_headers = StringList(expected["absentHeaders"]);
  } else {
    // The backend must see the request as sent.
    c.expected_request.path = c.path;
    c.expected_request.host = c.host;
    c.expected_request.method = c.method;
    c.expected_request.headers = c.headers;
  }
  if (const YAML::Node response = expect["response"]; response && response.IsMap()) {
    c.response_headers = StringMap(response["headers"]);
    c.response_absent_headers = StringList(response["absentHeaders"]);
  }
  if (expect["redirect"]) {
    std::map<std::string, std::string> redirect;
    for (const auto& field : expect["redirect"]) {
      redirect[field.first.as<std::string>()] = field.second.as<std::string>();
    }
    c.redirect = std::move(redirect);
  }
  return c;
}

// The parts of a Location header the harness compares (Go's url.Parse: Scheme, Hostname(),
// Port(), Path).
struct Location {
  std::string scheme;
  std::string host;
  std::string port;
  std::string path;
};

Location ParseLocation(const std::string& text) {
  Location location;
  std::string rest = text;
  if (std::size_t colon = rest.find("://"); colon != std::string::npos) {
    location.scheme = Lower(rest.substr(0, colon));
    rest = rest.substr(colon + 3);
    std::size_t end = rest.find_first_of("/?#");
    std::string authority = rest.substr(0, end);
    rest = end == std::string::npos ? "" : rest.substr(end);
    if (!authority.empty() && authority.front() == '[') {
      std::size_t close = authority.find(']');
      location.host = authority.substr(1, close - 1);
      if (close + 1 < authority.size() && authority[close + 1] == ':') {
        location.port = authority.substr(close + 2);
      }
    } else if (std::size_t port = authority.rfind(':'); port != std::string::npos) {
      location.host = authority.substr(0, port);
      location.port = authority.substr(port + 1);
    } else {
      location.host = authority;
    }
  }
  location.path = rest.substr(0, rest.find_first_of("?#"));
  return location;
}

std::string DefaultPort(const std::string& scheme) {
  return scheme == "https" ? "443" : scheme == "http" ? "80" : "";
}

// What came back from one round trip: the response and, when its Content-Type is exactly
// application/json, the request the echo backend saw.
struct RoundTrip {
  ClientResponse response;
  bool echoed = false;
  std::string path;
  std::string host;
  std::string method;
  std::string namespace_;
  std::string pod;
  std::map<std::string, std::vector<std::string>> headers;  // canonical name -> values

  // The values of request header `name` at the backend (name compared case-insensitively).
  std::optional<std::vector<std::string>> Header(const std::string& name) const {
    for (const auto& [key, values] : headers) {
      if (EqualsIgnoreCase(key, name)) {
        return values;
      }
    }
    return std::nullopt;
  }
};

std::string Join(const std::vector<std::string>& values, const std::string& separator = ",") {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    out += (i == 0 ? "" : separator) + values[i];
  }
  return out;
}

std::optional<std::string> ResponseHeader(const ClientResponse& response, const std::string& name) {
  std::vector<std::string> values = response.HeaderValues(name);
  if (values.empty()) {
    return std::nullopt;
  }
  return Join(values);
}

// CompareRoundTrip of the upstream harness: "" when the round trip meets the case's expectations,
// otherwise why not.
std::string Compare(const Case& c, const RoundTrip& trip) {
  const int status = trip.response.status;
  auto expects = [&](int code) {
    return std::find(c.statuses.begin(), c.statuses.end(), code) != c.statuses.end();
  };
  if ((status == 408 || status == 504) && (expects(408) || expects(504))) {
    return "";
  }
  if (!expects(status)) {
    std::string body = trip.response.body.substr(0, 200);
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) {
      body.pop_back();
    }
    std::string wanted;
    for (int code : c.statuses) {
      wanted += (wanted.empty() ? "" : "|") + std::to_string(code);
    }
    return "expected status " + wanted + ", got " + std::to_string(status) +
           (body.empty() ? "" : " (" + body + ")");
  }
  if (status == 200) {
    const Case::ExpectedRequest& expected = c.expected_request;
    if (!trip.echoed) {
      return "status 200 without an echo body (Content-Type " +
             trip.response.Header("content-type").value_or("none") + ")";
    }
    if (!expected.host.empty() && expected.host != trip.host) {
      return "expected host " + expected.host + ", backend saw " + trip.host;
    }
    if (expected.path != trip.path) {
      return "expected path " + expected.path + ", backend saw " + trip.path;
    }
    if (expected.method != trip.method) {
      return "expected method " + expected.method + ", backend saw " + trip.method;
    }
    if (c.namespace_ != trip.namespace_) {
      return "expected namespace \"" + c.namespace_ + "\", backend is in \"" + trip.namespace_ +
             "\"";
    }
    for (const auto& [name, value] : expected.headers) {
      auto actual = trip.Header(name);
      if (!actual) {
        return "expected request header " + name + " at the backend, it is missing";
      }
      if (Join(*actual) != value) {
        return "expected request header " + name + ": " + value + ", backend saw " + Join(*actual);
      }
    }
    for (const std::string& name : expected.absent_headers) {
      if (auto actual = trip.Header(name)) {
        return "expected request header " + name + " to be absent, backend saw " + Join(*actual);
      }
    }
    for (const auto& [name, value] : c.response_headers) {
      auto actual = ResponseHeader(trip.response, name);
      if (!actual) {
        return "expected response header " + name + ", it is missing";
      }
      if (*actual != value) {
        return "expected response header " + name + ": " + value + ", got " + *actual;
      }
    }
    for (const std::string& name : c.response_absent_headers) {
      if (auto actual = ResponseHeader(trip.response, name)) {
        return "expected response header " + name + " to be absent, got " + *actual;
      }
    }
    if (trip.pod.rfind(c.backend, 0) != 0) {
      return "expected a pod of " + c.backend + ", answered by " + trip.pod;
    }
    return "";
  }
  if (status >= 300 && status <= 308 && status != 306 && c.redirect) {
    std::string location_text = trip.response.Header("location").value_or("");
    Location actual = ParseLocation(location_text);
    const auto& fields = *c.redirect;
    auto field = [&](const std::string& key, const std::string& fallback) {
      auto it = fields.find(key);
      return it == fields.end() ? fallback : it->second;
    };
    const std::string scheme = field("scheme", "http");
    const std::string host = field("host", actual.host);
    const std::string path = field("path", c.path.substr(0, c.path.find('?')));
    // A port left out means the scheme's default port, written or not.
    const std::string port = field("port", DefaultPort(scheme));
    const std::string actual_port = actual.port.empty() ? DefaultPort(actual.scheme) : actual.port;
    if (scheme != actual.scheme || host != actual.host || port != actual_port ||
        path != actual.path) {
      return "expected redirect to " + scheme + "://" + host + ":" + port + path + ", got " +
             "Location: " + location_text;
    }
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// One test file's world: echo pods, the emulator serving the manifests, the cases.

class Harness {
 public:
  // Reads the test's manifests (after base/manifests.yaml), starts the echo pods and the server.
  static tl::expected<std::unique_ptr<Harness>, std::string> Start(const YAML::Node& file) {
    auto harness = std::unique_ptr<Harness>(new Harness());
    if (auto started = harness->Open(file); !started) {
      return tl::unexpected(started.error());
    }
    return harness;
  }

  ~Harness() {
    if (server_) {
      server_->Shutdown(0ms);
    }
  }

  // The local port serving `port` of Gateway `gateway` ("ns/name"); 0 for the first listener's.
  tl::expected<std::pair<int, int>, std::string> Address(const std::string& gateway,
                                                         int port) const {
    if (port == 0) {
      auto it = cluster_.gateway_ports.find(gateway);
      if (it == cluster_.gateway_ports.end() || it->second.empty()) {
        return tl::unexpected("Gateway " + gateway + " is not in the manifests");
      }
      port = it->second.front();
    }
    for (const emulator::io::BoundListener& bound : server_->listeners()) {
      if (bound.gateway == gateway && bound.gateway_port == port) {
        return std::pair(port, bound.local_port);
      }
    }
    return tl::unexpected("Gateway " + gateway + " port " + std::to_string(port) +
                          " is not served (no programmed listener)");
  }

  // The echo pods of Deployments whose pods carry label app=`app` in `ns` (how the harness
  // finds a Service's pods for the mirror checks).
  std::vector<const EchoServer*> PodsLabelled(const std::string& ns, const std::string& app) const {
    std::vector<const EchoServer*> out;
    for (const auto& [key, pods] : pods_) {
      const EchoDeployment& deployment = *key;
      auto label = deployment.labels.find("app");
      if (deployment.namespace_ == ns && label != deployment.labels.end() && label->second == app) {
        for (const auto& pod : pods) {
          out.push_back(pod.get());
        }
      }
    }
    return out;
  }

  // Removes the object from the served configuration, as deleting it from the cluster would.
  tl::expected<void, std::string> Delete(const YAML::Node& resource) {
    const std::string kind = Scalar(resource["kind"]);
    const std::string name = Scalar(resource["name"]);
    const std::string ns = Scalar(resource["namespace"], "default");
    bool found = false;
    for (auto& [path, text] : files_) {
      std::string kept;
      for (const std::string& document : SplitDocuments(text)) {
        YAML::Node doc = YAML::Load(document);
        if (doc.IsMap() && Scalar(doc["kind"]) == kind && Scalar(doc["metadata"]["name"]) == name &&
            NamespaceOf(doc) == ns) {
          found = true;
          continue;
        }
        kept += "---\n" + document;
      }
      text = kept;
    }
    if (!found) {
      return tl::unexpected(kind + " " + ns + "/" + name + " is not in the manifests");
    }
    auto snapshot = Build();
    if (!snapshot) {
      return tl::unexpected(snapshot.error());
    }
    server_->Reload(*snapshot);
    return {};
  }

  // Sends the case's request once (keep-alive off, 10 s timeout) and captures the echo.
  tl::expected<RoundTrip, std::string> Send(const Case& c) const {
    auto address = Address(c.gateway, c.port);
    if (!address) {
      return tl::unexpected(address.error());
    }
    auto [gateway_port, local_port] = *address;
    ClientRequest request;
    request.method = c.method;
    request.target = c.path;
    // The gateway address the harness uses: the IP, with the port unless it is 80.
    request.host =
        !c.host.empty()
            ? c.host
            : "127.0.0.1" + (gateway_port == 80 ? "" : ":" + std::to_string(gateway_port));
    request.headers = c.headers;
    std::vector<std::string> set;
    for (const auto& [name, value] : c.backend_set_response_headers) {
      set.push_back(name + ":" + value);
    }
    request.headers.emplace_back("X-Echo-Set-Header", Join(set));
    request.close = true;
    auto response = Fetch(static_cast<std::uint16_t>(local_port), request, 10s);
    if (!response) {
      return tl::unexpected("request failed: " + response.error());
    }
    RoundTrip trip;
    trip.response = std::move(*response);
    trip.method = c.method;
    if (trip.response.Header("content-type").value_or("") == "application/json") {
      Json body = Json::parse(trip.response.body, nullptr, false);
      if (body.is_object()) {
        trip.echoed = true;
        trip.path = body.value("path", "");
        trip.host = body.value("host", "");
        trip.method = body.value("method", "");
        trip.namespace_ = body.value("namespace", "");
        trip.pod = body.value("pod", "");
        if (body.contains("headers") && body["headers"].is_object()) {
          for (const auto& [name, values] : body["headers"].items()) {
            for (const auto& value : values) {
              trip.headers[name].push_back(value.get<std::string>());
            }
          }
        }
      }
    }
    return trip;
  }

  // Send + Compare: "" on success.
  std::string Check(const Case& c, RoundTrip* trip_out = nullptr) const {
    auto trip = Send(c);
    if (!trip) {
      return trip.error();
    }
    std::string error = Compare(c, *trip);
    if (trip_out != nullptr) {
      *trip_out = std::move(*trip);
    }
    return error;
  }

  // The harness's eventual consistency: passes after kConsecutiveSuccesses passing round trips
  // in a row; gives up after kMaxRoundTrips. A failed round trip before the pass is described
  // in `note` (the emulator serves a fixed configuration, so that means nondeterminism).
  std::string CheckConsistently(const Case& c, std::string* note = nullptr) const {
    int streak = 0;
    std::string last_error;
    for (int attempt = 0; attempt < kMaxRoundTrips; ++attempt) {
      std::string error = Check(c);
      if (error.empty()) {
        if (++streak == kConsecutiveSuccesses) {
          if (note != nullptr && !last_error.empty()) {
            *note = "passed after a failed round trip: " + last_error;
          }
          return "";
        }
      } else {
        streak = 0;
        last_error = error;
        std::this_thread::sleep_for(10ms);
      }
    }
    return last_error;
  }

 private:
  Harness() = default;

  tl::expected<void, std::string> Open(const YAML::Node& file) {
    std::vector<std::string> names = {"base/manifests.yaml"};
    for (const auto& manifest : file["manifests"]) {
      names.push_back(manifest.as<std::string>());
    }
    for (const std::string& name : names) {
      std::ifstream in(TestdataDir() / name, std::ios::binary);
      if (!in) {
        return tl::unexpected("cannot read " + (TestdataDir() / name).string());
      }
      std::ostringstream text;
      text << in.rdbuf();
      files_.emplace_back((TestdataDir() / name).string(), text.str());
      ReadCluster(text.str(), cluster_);
    }

    // Which Deployments back which Services: the selector, or for selector-less Services whose
    // EndpointSlices the test fills, the pods the `setup` step names.
    std::map<std::string, std::string> manual_endpoints;  // "ns/service" -> "ns/deployment"
    for (const auto& step : file["setup"]) {
      if (Scalar(step["kind"]) != "endpoints-from-pods") {
        return tl::unexpected("unknown setup step " + Scalar(step["kind"]));
      }
      for (const auto& service : step["services"]) {
        manual_endpoints[service.as<std::string>()] = Scalar(step["pods"]);
      }
    }
    emulator::io::ServerOptions options;
    for (const ServiceDef& service : cluster_.services) {
      for (const EchoDeployment& deployment : cluster_.deployments) {
        bool selected = false;
        if (service.has_selector) {
          selected =
              deployment.namespace_ == service.namespace_ && !service.selector.empty() &&
              std::all_of(service.selector.begin(), service.selector.end(), [&](const auto& label) {
                auto it = deployment.labels.find(label.first);
                return it != deployment.labels.end() && it->second == label.second;
              });
        } else {
          auto it = manual_endpoints.find(service.namespace_ + "/" + service.name);
          selected = it != manual_endpoints.end() &&
                     it->second == deployment.namespace_ + "/" + deployment.name;
        }
        if (!selected) {
          continue;
        }
        for (const ServiceDef::Port& port : service.ports) {
          // Only the echo's plain HTTP port is served in process (not h2c 3001 or TLS 8443).
          if (port.target_port != std::to_string(deployment.http_port)) {
            continue;
          }
          auto pods = StartPods(deployment);
          if (!pods) {
            return tl::unexpected(pods.error());
          }
          for (const EchoServer* pod : *pods) {
            std::string spec = service.namespace_ + "/" + service.name + ":" +
                               std::to_string(port.port) + "=" + pod->address();
            if (auto added = options.services.Add(spec); !added) {
              return tl::unexpected(added.error().message);
            }
          }
        }
      }
    }

    auto snapshot = Build();
    if (!snapshot) {
      return tl::unexpected(snapshot.error());
    }
    for (const auto& [gateway, ports] : cluster_.gateway_ports) {
      for (int port : ports) {
        options.port_map[port] = 0;  // every Gateway:port on a free port
      }
    }
    options.admin_port = -1;
    options.access_log = nullptr;
    options.threads = 2;
    auto server = emulator::io::Server::Start(*snapshot, std::move(options));
    if (!server) {
      return tl::unexpected("server: " + server.error().message);
    }
    server_ = std::move(*server);
    return {};
  }

  tl::expected<std::vector<const EchoServer*>, std::string> StartPods(
      const EchoDeployment& deployment) {
    auto& pods = pods_[&deployment];
    if (pods.empty()) {
      for (int replica = 0; replica < deployment.replicas; ++replica) {
        EchoServerOptions options;
        options.service = deployment.name;
        options.namespace_name = deployment.namespace_;
        options.replica = replica;
        auto pod = EchoServer::Start(options);
        if (!pod) {
          return tl::unexpected("echo " + deployment.name + ": " + pod.error());
        }
        pods.push_back(std::move(*pod));
      }
    }
    std::vector<const EchoServer*> out;
    for (const auto& pod : pods) {
      out.push_back(pod.get());
    }
    return out;
  }

  tl::expected<std::shared_ptr<const emulator::io::Snapshot>, std::string> Build() const {
    validate::manifest::InMemoryFileSystem file_system;
    validate::manifest::LoadOptions load;
    for (const auto& [path, text] : files_) {
      file_system.AddFile(path, text);
      load.paths.push_back(path);
    }
    validate::resolve::ResolveOptions options;
    options.implied_gateway_classes = {"{GATEWAY_CLASS_NAME}"};
    // The manifests are the whole cluster: a Service that is not in them does not exist.
    options.strict_refs = true;
    std::unique_ptr<validate::resolve::Pipeline> pipeline =
        validate::resolve::RunPipeline(load, file_system, options);
    if (pipeline->input_errors > 0 || !pipeline->manifest.unreadable.empty()) {
      std::string errors;
      for (const auto& diagnostic : pipeline->sink.diagnostics()) {
        if (diagnostic.severity == validate::manifest::Severity::kError) {
          errors += validate::manifest::RenderText(diagnostic);
        }
      }
      for (const auto& error : pipeline->manifest.unreadable) {
        errors += error.message + "\n";
      }
      return tl::unexpected("the manifests do not load:\n" + errors);
    }
    return emulator::io::MakeSnapshot(std::move(pipeline));
  }

  std::vector<std::pair<std::string, std::string>> files_;  // path, text (base first)
  Cluster cluster_;
  std::map<const EchoDeployment*, std::vector<std::unique_ptr<EchoServer>>> pods_;
  std::unique_ptr<emulator::io::Server> server_;
};

// Runs `count` calls of `task` with at most `concurrency` in flight; returns the first error.
std::string RunConcurrently(int count, int concurrency, const std::function<std::string()>& task) {
  std::atomic<int> next{0};
  std::mutex mutex;
  std::string first_error;
  std::vector<std::thread> threads;
  for (int t = 0; t < std::max(1, concurrency); ++t) {
    threads.emplace_back([&] {
      while (next.fetch_add(1) < count) {
        std::string error = task();
        if (!error.empty()) {
          std::lock_guard<std::mutex> lock(mutex);
          if (first_error.empty()) {
            first_error = error;
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  return first_error;
}

// The Deployment name of a pod "<deployment>-<rs hash>-<suffix>" (weight.go drops the last two
// segments).
std::string BackendOfPod(const std::string& pod) {
  std::size_t last = pod.rfind('-');
  if (last == std::string::npos || last == 0) {
    return "";
  }
  std::size_t second = pod.rfind('-', last - 1);
  return second == std::string::npos ? "" : pod.substr(0, second);
}

// weight.TestWeightedDistribution.
std::string CheckWeights(const Harness& harness, const Case& c, std::string* note) {
  const int requests = c.node["requests"].as<int>(500);
  const int concurrency = c.node["concurrency"].as<int>(10);
  const double tolerance = c.node["tolerance"].as<double>(0.05);
  const int attempts = c.node["attempts"].as<int>(10);
  std::map<std::string, double> weights;
  for (const auto& item : c.node["weights"]) {
    weights[item.first.as<std::string>()] = item.second.as<double>();
  }
  Case single = c;
  single.backend.clear();
  std::string error;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    std::mutex mutex;
    std::map<std::string, int> seen;
    error = RunConcurrently(requests, concurrency, [&]() -> std::string {
      RoundTrip trip;
      if (std::string e = harness.Check(single, &trip); !e.empty()) {
        return e;
      }
      std::string backend = BackendOfPod(trip.pod);
      if (weights.count(backend) == 0) {
        return "request was handled by an unexpected pod " + trip.pod;
      }
      std::lock_guard<std::mutex> lock(mutex);
      ++seen[backend];
      return "";
    });
    if (error.empty()) {
      int non_zero = 0;
      for (const auto& [backend, weight] : weights) {
        if (weight > 0) {
          ++non_zero;
        }
        double share = static_cast<double>(seen[backend]) / requests;
        if (std::abs(share - weight) > tolerance) {
          std::ostringstream out;
          out << "backend " << backend << " got " << share << " of the requests, expected "
              << weight << " +- " << tolerance;
          error = out.str();
        }
      }
      int seen_backends = 0;
      for (const auto& [backend, n] : seen) {
        seen_backends += n > 0 ? 1 : 0;
      }
      if (error.empty() && seen_backends != non_zero) {
        error = "saw " + std::to_string(seen_backends) + " backends, expected " +
                std::to_string(non_zero);
      }
    }
    if (error.empty()) {
      if (attempt > 0) {
        *note = "passed on attempt " + std::to_string(attempt + 1);
      }
      return "";
    }
  }
  return error;
}

// HTTPRouteRequestHeaderModifierBackendWeights: the backend saw exactly one `header`, naming
// the pod's Deployment.
std::string CheckBackendHeaderMatchesPod(const Harness& harness, const Case& c) {
  const int requests = c.node["requests"].as<int>(100);
  const std::string header = Scalar(c.node["header"]);
  Case single = c;
  single.backend.clear();
  single.namespace_.clear();
  for (int i = 0; i < requests; ++i) {
    auto trip = harness.Send(single);
    if (!trip) {
      return trip.error();
    }
    if (trip->response.status != 200 || !trip->echoed) {
      return "request " + std::to_string(i) + ": status " + std::to_string(trip->response.status);
    }
    auto values = trip->Header(header);
    if (!values || values->size() != 1) {
      return "request " + std::to_string(i) + ": expected exactly one " + header +
             " header at the backend, saw " + (values ? Join(*values) : "none");
    }
    if (trip->pod.rfind(values->front(), 0) != 0) {
      return "request " + std::to_string(i) + ": " + header + ": " + values->front() +
             " but answered by " + trip->pod;
    }
  }
  return "";
}

std::size_t CountRequests(const std::vector<const EchoServer*>& pods, const std::string& uri) {
  std::size_t total = 0;
  for (const EchoServer* pod : pods) {
    total += pod->CountRequestsTo(uri);
  }
  return total;
}

// Waits until the count stops changing (mirrors are fire-and-forget) or `limit` passes.
std::size_t SettledCount(const std::vector<const EchoServer*>& pods, const std::string& uri,
                         std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  std::size_t count = CountRequests(pods, uri);
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
    std::size_t now = CountRequests(pods, uri);
    if (now == count) {
      break;
    }
    count = now;
  }
  return count;
}

// http.ExpectMirroredRequest: some pod of each mirror Service logs the request.
std::string CheckMirror(const Harness& harness, const Case& c, std::string* note) {
  const std::string uri = c.path;
  std::vector<std::pair<std::string, std::size_t>> before;
  for (const auto& mirror : c.node["mirroredTo"]) {
    auto pods = harness.PodsLabelled(Scalar(mirror["namespace"]), Scalar(mirror["name"]));
    before.emplace_back(Scalar(mirror["name"]), CountRequests(pods, uri));
  }
  if (std::string error = harness.CheckConsistently(c, note); !error.empty()) {
    return error;
  }
  std::size_t i = 0;
  for (const auto& mirror : c.node["mirroredTo"]) {
    auto pods = harness.PodsLabelled(Scalar(mirror["namespace"]), Scalar(mirror["name"]));
    if (pods.empty()) {
      return "no pods labelled app=" + Scalar(mirror["name"]);
    }
    auto deadline = std::chrono::steady_clock::now() + kMirrorWait;
    while (CountRequests(pods, uri) <= before[i].second &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    if (CountRequests(pods, uri) <= before[i].second) {
      return "the mirror " + before[i].first + " never logged a request to " + uri;
    }
    ++i;
  }
  return "";
}

// The percentage-mirror check: the share of requests the mirror Service logs. v1.4.0 accepts a
// count within +-`tolerance` (5%) of the expectation in any of `attempts` batches. A mirror that
// flips a coin per request, as agentgateway's does, misses that band in all five batches about
// one run in twenty at 20% (the band is only ~0.6 standard deviations wide), so upstream later
// replaced it with +-3 binomial standard deviations (gateway-api conformance/tests/
// httproute-request-percentage-mirror.go, toleranceStdDevs). When every batch misses the v1.4.0
// band this check falls back to that one and says so in `note`.
std::string CheckPercentageMirror(const Harness& harness, const Case& c, std::string* note) {
  if (std::string error = harness.Check(c); !error.empty()) {
    return error;
  }
  const int requests = c.node["requests"].as<int>(500);
  const int concurrency = c.node["concurrency"].as<int>(10);
  const double tolerance = c.node["tolerance"].as<double>(0.05);
  const int attempts = c.node["attempts"].as<int>(5);
  const YAML::Node mirror = c.node["mirroredTo"][0];
  const double percent = mirror["percent"].as<double>();
  auto pods = harness.PodsLabelled(Scalar(mirror["namespace"]), Scalar(mirror["name"]));
  if (pods.empty()) {
    return "no pods labelled app=" + Scalar(mirror["name"]);
  }
  const double p = percent / 100.0;
  const double expected = requests * p;
  const double sigma_margin = 3.0 * std::sqrt(requests * p * (1 - p));
  std::string misses;
  bool within_sigma_band = false;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    std::size_t start = SettledCount(pods, c.path, 2s);
    std::string error =
        RunConcurrently(requests, concurrency, [&]() -> std::string { return harness.Check(c); });
    if (!error.empty()) {
      misses += (misses.empty() ? "" : "; ") + error;
      continue;
    }
    const double mirrored = static_cast<double>(SettledCount(pods, c.path, 5s) - start);
    if (mirrored >= expected * (1 - tolerance) && mirrored <= expected * (1 + tolerance)) {
      if (attempt > 0) {
        *note = "passed on attempt " + std::to_string(attempt + 1) + " (" + misses + ")";
      }
      return "";
    }
    within_sigma_band = within_sigma_band || std::abs(mirrored - expected) <= sigma_margin;
    std::ostringstream out;
    out << "mirrored " << mirrored << " of " << requests << ", expected " << expected << " +- "
        << tolerance * 100 << "%";
    misses += (misses.empty() ? "" : "; ") + out.str();
  }
  if (within_sigma_band) {
    *note = "missed v1.4.0's band in every batch, passed upstream's later +-3 sigma band (" +
            misses + ")";
    return "";
  }
  return misses;
}

struct TestResult {
  std::string name;
  int passed = 0;
  int failed = 0;
  int skipped = 0;
  std::vector<std::string> failures;  // "case N (description): why"
  std::vector<std::string> notes;     // passing cases that needed a retry

  bool ok() const { return failed == 0 && passed > 0; }
};

TestResult RunTestFile(const fs::path& path) {
  TestResult result;
  const YAML::Node file = YAML::LoadFile(path.string());
  result.name = file["test"].as<std::string>();
  const std::string gateway = Scalar(file["gateway"]);
  std::vector<Case> cases;
  for (const auto& node : file["cases"]) {
    cases.push_back(ParseCase(node, gateway));
  }

  auto harness = Harness::Start(file);
  if (!harness) {
    for (const Case& c : cases) {
      if (c.kind == "delete") {
        continue;
      }
      if (!c.skip.empty()) {
        ++result.skipped;
      } else {
        ++result.failed;
      }
    }
    result.failures.push_back("setup: " + harness.error());
    return result;
  }
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    if (!c.skip.empty()) {
      ++result.skipped;
      continue;
    }
    std::string error;
    if (c.kind == "delete") {
      if (auto deleted = (*harness)->Delete(c.node["resource"]); !deleted) {
        result.failures.push_back("case " + std::to_string(i) + " (delete): " + deleted.error());
      }
      continue;
    }
    std::string note;
    if (c.kind.empty()) {
      error = (*harness)->CheckConsistently(c, &note);
    } else if (c.kind == "weights") {
      error = CheckWeights(**harness, c, &note);
    } else if (c.kind == "backend-header-matches-pod") {
      error = CheckBackendHeaderMatchesPod(**harness, c);
    } else if (c.kind == "mirror") {
      error = CheckMirror(**harness, c, &note);
    } else if (c.kind == "percentage-mirror") {
      error = CheckPercentageMirror(**harness, c, &note);
    } else {
      error = "unknown case kind " + c.kind;
    }
    if (error.empty()) {
      ++result.passed;
      if (!note.empty()) {
        result.notes.push_back("case " + std::to_string(i) + " (" + c.Describe() + "): " + note);
      }
    } else {
      ++result.failed;
      result.failures.push_back("case " + std::to_string(i) + " (" + c.Describe() + "): " + error);
    }
  }
  return result;
}

std::set<std::string> OnlyTests() {
  std::set<std::string> only;
  if (const char* value = std::getenv("AGW_CONFORMANCE_ONLY"); value != nullptr) {
    std::stringstream list(value);
    std::string name;
    while (std::getline(list, name, ',')) {
      if (!name.empty()) {
        only.insert(name);
      }
    }
  }
  return only;
}

RoundTrip Echoed(int status, std::string path, std::string pod,
                 std::map<std::string, std::vector<std::string>> headers = {}) {
  RoundTrip trip;
  trip.response.status = status;
  trip.response.headers = {{"Content-Type", "application/json"}};
  trip.echoed = true;
  trip.path = std::move(path);
  trip.method = "GET";
  trip.namespace_ = "gateway-conformance-infra";
  trip.pod = std::move(pod);
  trip.headers = std::move(headers);
  return trip;
}

Case CaseFrom(const std::string& yaml) {
  return ParseCase(YAML::Load(yaml), "gateway-conformance-infra/same-namespace");
}

TEST_CASE("The harness checks the echoed request as upstream CompareRoundTrip does") {
  const Case c = CaseFrom(
      "request: {path: '/a?x=1', headers: {Version: one}}\n"
      "expect: {status: [200], backend: infra-backend-v1, namespace: gateway-conformance-infra}");
  const std::string pod = PodName("infra-backend-v1", 1);
  CHECK(Compare(c, Echoed(200, "/a?x=1", pod, {{"Version", {"one"}}})) == "");
  CHECK(Compare(c, Echoed(200, "/a?x=1", pod, {{"version", {"one"}}})) == "");
  CHECK(Compare(c, Echoed(200, "/a", pod, {{"Version", {"one"}}})) ==
        "expected path /a?x=1, backend saw /a");
  CHECK(Compare(c, Echoed(200, "/a?x=1", PodName("infra-backend-v2", 0), {{"Version", {"one"}}})) !=
        "");
  CHECK(Compare(c, Echoed(200, "/a?x=1", pod, {{"Version", {"one", "two"}}})) ==
        "expected request header Version: one, backend saw one,two");
  CHECK(Compare(c, Echoed(200, "/a?x=1", pod)) ==
        "expected request header Version at the backend, it is missing");
  CHECK(Compare(c, Echoed(404, "", "")).starts_with("expected status 200, got 404"));
  RoundTrip plain = Echoed(200, "/a?x=1", pod, {{"Version", {"one"}}});
  plain.echoed = false;
  plain.response.headers = {{"Content-Type", "application/json; charset=utf-8"}};
  CHECK(Compare(c, plain) != "");
  RoundTrip other_namespace = Echoed(200, "/a?x=1", pod, {{"Version", {"one"}}});
  other_namespace.namespace_ = "gateway-conformance-app-backend";
  CHECK(Compare(c, other_namespace) != "");

  const Case absent = CaseFrom(
      "request: {path: /r}\n"
      "expect: {namespace: gateway-conformance-infra, request: {path: /r, absentHeaders: [X-A]},"
      " response: {headers: {X-B: '1,2'}, absentHeaders: [X-C]}}");
  RoundTrip trip = Echoed(200, "/r", pod);
  trip.response.headers = {{"Content-Type", "application/json"}, {"x-b", "1"}, {"X-B", "2"}};
  CHECK(Compare(absent, trip) == "");
  trip.headers["X-A"] = {"v"};
  CHECK(Compare(absent, trip) == "expected request header X-A to be absent, backend saw v");
  trip.headers.clear();
  trip.response.headers.emplace_back("x-c", "3");
  CHECK(Compare(absent, trip) == "expected response header X-C to be absent, got 3");
}

TEST_CASE("The harness treats 408 and 504 alike and compares redirects with upstream defaults") {
  const Case timeout = CaseFrom("request: {path: '/t?delay=1s'}\nexpect: {status: [504]}");
  CHECK(Compare(timeout, Echoed(408, "", "")) == "");
  CHECK(Compare(timeout, Echoed(504, "", "")) == "");
  CHECK(Compare(timeout, Echoed(503, "", "")) != "");

  auto redirect = [](const std::string& location) {
    RoundTrip trip;
    trip.response.status = 302;
    trip.response.headers = {{"Location", location}};
    return trip;
  };
  const Case host =
      CaseFrom("request: {path: '/p?q=1'}\nexpect: {status: [302], redirect: {host: example.org}}");
  CHECK(Compare(host, redirect("http://example.org/p?q=1")) == "");
  CHECK(Compare(host, redirect("http://example.org:80/p")) == "");
  CHECK(Compare(host, redirect("http://example.org:8080/p")) != "");
  CHECK(Compare(host, redirect("https://example.org/p")) != "");
  CHECK(Compare(host, redirect("http://example.com/p")) != "");
  CHECK(Compare(host, redirect("http://example.org/other")) != "");
  const Case https = CaseFrom(
      "request: {path: /s}\nexpect: {status: [302], redirect: {scheme: https, port: '8443'}}");
  CHECK(Compare(https, redirect("https://127.0.0.1:8443/s")) == "");
  CHECK(Compare(https, redirect("https://127.0.0.1/s")) != "");
  const Case any_port =
      CaseFrom("request: {path: /s}\nexpect: {status: [302], redirect: {scheme: https}}");
  CHECK(Compare(any_port, redirect("https://127.0.0.1:443/s")) == "");
  CHECK(Compare(any_port, redirect("https://127.0.0.1/s")) == "");
  CHECK(Compare(any_port, redirect("https://127.0.0.1:8443/s")) != "");
  // Without an expected redirect only the status counts.
  const Case status_only = CaseFrom("request: {path: /s}\nexpect: {status: [301]}");
  CHECK(Compare(status_only, redirect("ftp://anything")) != "");  // 302, not 301
}

TEST_CASE("The ported Gateway API v1.4.0 conformance tests pass against the emulator") {
  // AGW_CONFORMANCE_CASES points at another directory of case files (to try out edits).
  const char* cases_override = std::getenv("AGW_CONFORMANCE_CASES");
  const fs::path cases_dir = cases_override != nullptr
                                 ? fs::path(cases_override)
                                 : fs::path(kSourceDir) / "tests/conformance/cases";
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(cases_dir)) {
    if (entry.path().extension() == ".yaml") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  const std::set<std::string> only = OnlyTests();

  std::vector<TestResult> results;
  for (const fs::path& file : files) {
    if (!only.empty() && only.count(file.stem().string()) == 0) {
      continue;
    }
    TestResult result = RunTestFile(file);
    std::ostringstream line;
    line << (result.ok() ? "PASS " : "FAIL ") << result.name << " (" << result.passed << "/"
         << result.passed + result.failed << " cases"
         << (result.skipped > 0 ? ", " + std::to_string(result.skipped) + " skipped" : "") << ")";
    for (const std::string& failure : result.failures) {
      line << "\n  " << failure;
    }
    for (const std::string& note : result.notes) {
      line << "\n  note: " << note;
    }
    WARN(line.str());
    results.push_back(std::move(result));
  }

  int tests_passed = 0;
  int cases_passed = 0;
  int cases_total = 0;
  for (const TestResult& result : results) {
    tests_passed += result.ok() ? 1 : 0;
    cases_passed += result.passed;
    cases_total += result.passed + result.failed;
  }
  std::ostringstream summary;
  summary << "conformance: " << tests_passed << "/" << results.size() << " tests pass ("
          << cases_passed << "/" << cases_total << " cases)";
  WARN(summary.str());

  if (const char* report = std::getenv("AGW_CONFORMANCE_REPORT"); report != nullptr) {
    std::ofstream out(report);
    out << summary.str() << "\n";
    for (const TestResult& result : results) {
      for (const std::string& failure : result.failures) {
        out << result.name << ": " << failure << "\n";
      }
      for (const std::string& note : result.notes) {
        out << result.name << ": note: " << note << "\n";
      }
    }
  }

  if (only.empty() && cases_override == nullptr) {
    CHECK(results.size() == 39);
    // The ratchet: raise these when more pass; never lower them to make CI green.
    CHECK(tests_passed >= kPassingTests);
    CHECK(cases_passed >= kPassingCases);
  }
}

}  // namespace
}  // namespace agw::test
