// Issue 16: run and validate agree. Each broken tutorial copy (tests/cli/broken_cases.h) goes
// through `validate -o json`, whose findings predict what each route of the tutorial answers
// (404 for a route the Gateway does not accept, 500 for one whose backend the controller cannot
// use, 200 otherwise); then through `run --mock-providers`, which must answer exactly that,
// from the backend the route names.

#include <signal.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "tests/cli/broken_cases.h"
#include "tests/support/http_client.h"
#include "tests/support/paths.h"
#include "tests/support/run.h"
#include "tests/support/running_plugin.h"

namespace agw::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Json = nlohmann::json;

// One route entry of the tutorial as `routes -o json` lists it for the unbroken example.
struct RouteEntry {
  int gateway_port = 0;
  std::string gateway;  // "ns/name"
  std::string path;     // a request path the entry takes
  std::string route;    // "ns/name"
  int rule = 0;
  std::string backend;  // "AgentgatewayBackend ns/name"
};

std::vector<RouteEntry> Entries(const std::string& example) {
  CommandResult listed = RunCommand({kPluginBinary, "routes", "-f", example, "--gateway-class",
                                     "enterprise-agentgateway", "-o", "json"},
                                    "", std::string(kSourceDir) + "/testdata/examples");
  REQUIRE(listed.exit_code == 0);
  std::vector<RouteEntry> entries;
  for (const Json& listener : Json::parse(listed.out)) {
    for (const Json& route : listener["routes"]) {
      std::string match = route["match"];
      REQUIRE(match.rfind("PathPrefix ", 0) == 0);  // the tutorials route by path prefix
      entries.push_back({listener["port"].get<int>(), listener["gateway"], match.substr(11),
                         route["route"], route["rule"].get<int>(), route["backends"]});
    }
  }
  return entries;
}

// Error findings by resource ("Kind ns/name"): their codes and the fields they are about.
using Errors = std::map<std::string, std::vector<std::pair<std::string, std::string>>>;

// What validate's findings predict for a request to `request`'s path: the first entry of its
// listener (in match order) that takes the path and whose route the Gateway accepts answers it,
// 500 when the controller cannot use the backend of its rule, else 200; none: 404.
struct Prediction {
  int status = 404;
  const RouteEntry* answered_by = nullptr;
};

bool TakesPath(const RouteEntry& entry, const std::string& path) {
  return entry.path == "/" || path == entry.path || path.rfind(entry.path + "/", 0) == 0;
}

Prediction Predict(const RouteEntry& request, const std::vector<RouteEntry>& entries,
                   const Errors& errors) {
  auto has = [&](const std::string& resource, const std::string& code,
                 const std::string& field_prefix) {
    auto found = errors.find(resource);
    if (found == errors.end()) {
      return false;
    }
    return std::any_of(found->second.begin(), found->second.end(), [&](const auto& error) {
      return error.first == code && error.second.rfind(field_prefix, 0) == 0;
    });
  };
  for (const RouteEntry& entry : entries) {
    std::string route = "HTTPRoute " + entry.route;
    if (entry.gateway != request.gateway || entry.gateway_port != request.gateway_port ||
        !TakesPath(entry, request.path) || has(route, "NoMatchingParent", "")) {
      continue;
    }
    std::string rule = "spec.rules[" + std::to_string(entry.rule) + "]";
    bool unusable = has(route, "RefNotPermitted", rule) || has(route, "BackendNotFound", rule) ||
                    has(entry.backend, "TranslationError", "");
    return {unusable ? 500 : 200, &entry};
  }
  return {};
}

TEST_CASE("run answers each route of a broken tutorial copy as validate predicts") {
  for (const BrokenCase& broken : Cases()) {
    CAPTURE(broken.example, broken.name);
    std::vector<RouteEntry> entries = Entries(broken.example);
    REQUIRE_FALSE(entries.empty());
    TempDir dir;
    fs::path folder = fs::path(dir.path()) / broken.example;
    fs::copy(fs::path(kSourceDir) / "testdata/examples" / broken.example, folder,
             fs::copy_options::recursive);
    for (const Mutation& mutation : broken.mutations) {
      Apply(folder, mutation);
    }

    std::vector<std::string> validate = {kPluginBinary,
                                         "validate",
                                         "-f",
                                         broken.example,
                                         "--gateway-class",
                                         "enterprise-agentgateway",
                                         "-o",
                                         "json"};
    validate.insert(validate.end(), broken.extra_flags.begin(), broken.extra_flags.end());
    CommandResult validated = RunCommand(validate, "", dir.path());
    Json report = Json::parse(validated.out, nullptr, false);
    REQUIRE_FALSE(report.is_discarded());
    Errors errors;
    for (const Json& finding : report["findings"]) {
      if (finding["severity"] == "error") {
        errors[finding.value("resource", "")].emplace_back(finding["code"].get<std::string>(),
                                                           finding.value("field", ""));
      }
    }

    std::vector<std::string> args = {"run",
                                     broken.example,
                                     "--gateway-class",
                                     "enterprise-agentgateway",
                                     "--mock-providers",
                                     "--admin-port",
                                     "-1",
                                     "--threads",
                                     "1"};
    args.insert(args.begin() + 1, "-f");
    std::set<int> ports;
    for (const RouteEntry& entry : entries) {
      ports.insert(entry.gateway_port);
    }
    for (int port : ports) {
      args.push_back("--port");
      args.push_back(std::to_string(port) + "=0");
    }
    args.insert(args.end(), broken.extra_flags.begin(), broken.extra_flags.end());
    RunningPlugin run(args, dir.path());
    bool ready = run.ReadUntil("Press Ctrl-C to stop.\n", 10s);
    INFO("stdout:\n" << run.out << "\nstderr:\n" << run.err);
    REQUIRE(ready);

    int checked = 0;
    for (const RouteEntry& entry : entries) {
      CAPTURE(entry.route, entry.path);
      std::smatch local;
      REQUIRE(std::regex_search(
          run.out, local,
          std::regex("  Gateway " + entry.gateway + " port " + std::to_string(entry.gateway_port) +
                     " \\(listener [^)]*\\) -> http://127\\.0\\.0\\.1:([0-9]+)\n")));
      ClientRequest request;
      request.method = "POST";
      request.target = entry.path;
      request.headers = {{"content-type", "application/json"}};
      request.body = R"({"model":"any","messages":[{"role":"user","content":"Hello!"}]})";
      auto response = Fetch(static_cast<std::uint16_t>(std::stoi(local[1].str())), request, 5s);
      REQUIRE(response.has_value());
      Prediction predicted = Predict(entry, entries, errors);
      CHECK(response->status == predicted.status);
      if (predicted.status == 200) {
        // The answer came from the backend validate expects (the access log says which).
        const RouteEntry& by = *predicted.answered_by;
        std::string backend = by.backend.substr(by.backend.find(' ') + 1);
        CHECK(run.ReadUntil(
            "\"POST " + entry.path + "\" 200 route=" + by.route + " backend=" + backend, 5s));
      }
      ++checked;
    }
    CHECK(checked == static_cast<int>(entries.size()));
    CHECK(run.Stop(SIGTERM, 5s) == 0);
  }
}

}  // namespace
}  // namespace agw::test
