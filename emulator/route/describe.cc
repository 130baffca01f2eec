#include "emulator/route/describe.h"

#include <algorithm>

namespace agw::emulator::route {
namespace {

using Json = nlohmann::ordered_json;

// Entries of a listener in lookup order: exact hosts, wildcard hosts, then any host.
std::vector<const RouteEntry*> Ordered(const ListenerRoutes& listener) {
  std::vector<const RouteEntry*> entries;
  for (const auto& [host, list] : listener.exact) {
    for (const auto& e : list) {
      entries.push_back(&e);
    }
  }
  // The data plane walks a host's parent domains from the longest, so a longer wildcard
  // suffix is tried first.
  std::vector<const std::pair<const std::string, std::vector<RouteEntry>>*> wildcards;
  for (const auto& bucket : listener.wildcard) {
    wildcards.push_back(&bucket);
  }
  std::stable_sort(wildcards.begin(), wildcards.end(),
                   [](const auto* a, const auto* b) { return a->first.size() > b->first.size(); });
  for (const auto* bucket : wildcards) {
    for (const auto& e : bucket->second) {
      entries.push_back(&e);
    }
  }
  for (const auto& e : listener.any_host) {
    entries.push_back(&e);
  }
  return entries;
}

std::string RouteName(const RouteEntry& entry) {
  return entry.route->http->id.namespace_ + "/" + entry.route->http->id.name;
}

}  // namespace

std::string DescribeMatch(const validate::model::HTTPRouteMatch& match) {
  std::string text = match.path ? match.path->type + " " + match.path->value : "PathPrefix /";
  if (match.method) {
    text += " method=" + *match.method;
  }
  for (const validate::model::ValueMatch& header : match.headers) {
    text += " header:" + header.name + (header.type == "Exact" ? "=" : "~") + header.value;
  }
  for (const validate::model::ValueMatch& param : match.query_params) {
    text += " query:" + param.name + (param.type == "Exact" ? "=" : "~") + param.value;
  }
  return text;
}

std::string DescribeBackends(const validate::resolve::ResolvedRule& rule) {
  if (rule.backends.empty()) {
    return "(no backends: 500)";
  }
  int total = 0;
  for (const auto& backend : rule.backends) {
    total += std::max(0, backend.weight);
  }
  std::string text;
  for (const validate::resolve::ResolvedBackend& backend : rule.backends) {
    std::string what;
    switch (backend.kind) {
      case validate::resolve::ResolvedBackend::Kind::kService:
        what = "Service " + backend.namespace_ + "/" + backend.name +
               (backend.port ? ":" + std::to_string(*backend.port) : "");
        break;
      case validate::resolve::ResolvedBackend::Kind::kAgentgatewayBackend:
        what = "AgentgatewayBackend " + backend.namespace_ + "/" + backend.name;
        break;
      case validate::resolve::ResolvedBackend::Kind::kRouteGroup:
        what = "HTTPRoute delegation " + backend.namespace_ + "/" + backend.name;
        break;
      case validate::resolve::ResolvedBackend::Kind::kInferencePool:
        what = "InferencePool " + backend.namespace_ + "/" + backend.name;
        break;
      case validate::resolve::ResolvedBackend::Kind::kInvalid:
        what = "invalid (500): " + backend.problem;
        break;
    }
    if (rule.backends.size() > 1) {
      int percent = total == 0 ? 0 : (100 * std::max(0, backend.weight) + total / 2) / total;
      what += " " + std::to_string(percent) + "%";
    }
    text += (text.empty() ? "" : ", ") + what;
  }
  return text;
}

std::string DescribeTable(const RouteTable& table) {
  std::string out;
  for (const Bind& bind : table.Binds()) {
    for (const ListenerRoutes& listener : table.Listeners(bind)) {
      const validate::resolve::ResolvedListener& resolved = *listener.listener;
      out += "Gateway " + resolved.gateway->id.namespace_ + "/" + resolved.gateway->id.name +
             ", listener " + resolved.listener->name + " (" + resolved.listener->protocol +
             ", port " + std::to_string(bind.port) + ", " +
             (listener.hostname.empty() ? "any host" : "host " + listener.hostname) + ")\n";
      std::vector<const RouteEntry*> entries = Ordered(listener);
      if (entries.empty()) {
        out += "  (no routes: every request gets 404)\n";
      }
      int n = 0;
      for (const RouteEntry* e : entries) {
        out += "  " + std::to_string(++n) + ". " + (e->hostname.empty() ? "*" : e->hostname) + " " +
               DescribeMatch(*e->match) + "\n     -> HTTPRoute " + RouteName(*e) + " rule " +
               std::to_string(e->rule->index) + ": " + DescribeBackends(*e->rule) + "\n";
      }
    }
  }
  if (table.Binds().empty()) {
    out += "no listener is programmed\n";
  }
  return out;
}

Json TableJson(const RouteTable& table) {
  Json json = Json::array();
  for (const Bind& bind : table.Binds()) {
    for (const ListenerRoutes& listener : table.Listeners(bind)) {
      const validate::resolve::ResolvedListener& resolved = *listener.listener;
      Json item;
      item["gateway"] = resolved.gateway->id.namespace_ + "/" + resolved.gateway->id.name;
      item["listener"] = resolved.listener->name;
      item["port"] = bind.port;
      item["hostname"] = listener.hostname;
      item["routes"] = Json::array();
      for (const RouteEntry* e : Ordered(listener)) {
        item["routes"].push_back({{"host", e->hostname.empty() ? "*" : e->hostname},
                                  {"match", DescribeMatch(*e->match)},
                                  {"route", RouteName(*e)},
                                  {"rule", e->rule->index},
                                  {"key", e->rule->key},
                                  {"backends", DescribeBackends(*e->rule)}});
      }
      json.push_back(std::move(item));
    }
  }
  return json;
}

}  // namespace agw::emulator::route
