#include "emulator/route/table.h"

#include <re2/re2.h>

#include <algorithm>

#include "emulator/http/target.h"

namespace agw::emulator::route {
namespace {

std::shared_ptr<const re2::RE2> CompileRegex(const std::string& pattern, std::string& error) {
  auto regex = std::make_shared<re2::RE2>(pattern, re2::RE2::Quiet);
  if (!regex->ok()) {
    error = regex->error();
    return nullptr;
  }
  return regex;
}

std::string TrimTrailingSlashes(std::string path) {
  while (!path.empty() && path.back() == '/') {
    path.pop_back();
  }
  return path;
}

bool ValueMatches(const CompiledMatch::ValueMatch& match, const std::string& value) {
  return match.regex ? re2::RE2::FullMatch(value, *match.regex) : value == match.value;
}

// Highest precedence first (controller.md 9.2): path kind, path length, method, header count,
// query count, then the route key as a plain string.
bool Precedes(const RouteEntry& a, const RouteEntry& b) {
  const CompiledMatch& x = a.compiled;
  const CompiledMatch& y = b.compiled;
  if (x.path_kind != y.path_kind) {
    return x.path_kind < y.path_kind;
  }
  if (x.path.size() != y.path.size()) {
    return x.path.size() > y.path.size();
  }
  if (x.method.has_value() != y.method.has_value()) {
    return x.method.has_value();
  }
  if (x.headers.size() != y.headers.size()) {
    return x.headers.size() > y.headers.size();
  }
  if (x.query.size() != y.query.size()) {
    return x.query.size() > y.query.size();
  }
  return a.rule->key < b.rule->key;
}

const RouteEntry* FirstMatch(const std::vector<RouteEntry>& entries, const Request& request) {
  for (const RouteEntry& entry : entries) {
    if (entry.compiled.Matches(request)) {
      return &entry;
    }
  }
  return nullptr;
}

}  // namespace

bool CompiledMatch::PathMatches(const Request& request) const {
  const std::string& request_path = request.path.empty() ? std::string("/") : request.path;
  switch (path_kind) {
    case PathKind::kExact:
      return request_path == path;
    case PathKind::kPrefix: {
      // Both sides compared without trailing '/': "/foo" matches "/foo", "/foo/" and "/foo/bar",
      // but not "/foobar".
      std::string trimmed = TrimTrailingSlashes(request_path);
      return trimmed == path ||
             (trimmed.size() > path.size() && trimmed.compare(0, path.size(), path) == 0 &&
              trimmed[path.size()] == '/');
    }
    case PathKind::kRegex:
      return path_regex && re2::RE2::FullMatch(request_path, *path_regex);
  }
  return false;
}

std::string CompiledMatch::Unmet(const Request& request) const {
  if (method && request.method != *method) {
    return "method " + *method;
  }
  for (const ValueMatch& header : headers) {
    std::optional<std::string> value = http::GetHeader(request.headers, header.name);
    if (!value || !ValueMatches(header, *value)) {
      return "header " + header.name + (header.regex ? " ~ " : ": ") + header.value;
    }
  }
  if (!query.empty()) {
    auto params = http::ParseQuery(request.query);
    for (const ValueMatch& param : query) {
      auto it = std::find_if(params.begin(), params.end(),
                             [&](const auto& p) { return p.first == param.name; });
      if (it == params.end() || !ValueMatches(param, it->second)) {
        return "query parameter " + param.name + (param.regex ? " ~ " : "=") + param.value;
      }
    }
  }
  return {};
}

bool CompiledMatch::Matches(const Request& request) const {
  return PathMatches(request) && Unmet(request).empty();
}

std::unique_ptr<RouteTable> RouteTable::Compile(const validate::resolve::ResolvedConfig& config,
                                                std::vector<std::string>* problems) {
  auto table = std::make_unique<RouteTable>();
  for (const validate::resolve::ResolvedListener& listener : config.listeners) {
    const std::string& protocol = listener.listener->protocol;
    if (protocol != "HTTP" && protocol != "HTTPS") {
      continue;  // TCP/TLS listeners carry no HTTP routes
    }
    ListenerRoutes routes;
    routes.listener = &listener;
    routes.hostname = listener.listener->hostname.value_or("");
    for (const validate::resolve::ResolvedRoute& route : listener.routes) {
      if (route.http == nullptr) {
        continue;  // GRPCRoute serving is not emulated yet
      }
      for (const validate::resolve::ResolvedRule& rule : route.rules) {
        for (std::size_t m = 0; m < rule.http->matches.size(); ++m) {
          const validate::model::HTTPRouteMatch& match = rule.http->matches[m];
          RouteEntry entry;
          entry.route = &route;
          entry.rule = &rule;
          entry.match = &match;
          entry.match_index = m;
          CompiledMatch& compiled = entry.compiled;
          std::string error;
          const validate::model::HTTPPathMatch path =
              match.path.value_or(validate::model::HTTPPathMatch{});
          if (path.type == "Exact") {
            compiled.path_kind = CompiledMatch::PathKind::kExact;
            compiled.path =
                path.value.empty() || path.value[0] != '/' ? "/" + path.value : path.value;
          } else if (path.type == "RegularExpression") {
            compiled.path_kind = CompiledMatch::PathKind::kRegex;
            compiled.path = path.value;
            compiled.path_regex = CompileRegex(path.value, error);
          } else {
            compiled.path_kind = CompiledMatch::PathKind::kPrefix;
            std::string value =
                path.value.empty() || path.value[0] != '/' ? "/" + path.value : path.value;
            compiled.path = TrimTrailingSlashes(value);
          }
          compiled.method = match.method;
          for (const validate::model::ValueMatch& header : match.headers) {
            CompiledMatch::ValueMatch value{header.name, header.value, nullptr};
            if (header.type == "RegularExpression") {
              value.regex = CompileRegex(header.value, error);
            }
            compiled.headers.push_back(std::move(value));
          }
          for (const validate::model::ValueMatch& param : match.query_params) {
            CompiledMatch::ValueMatch value{param.name, param.value, nullptr};
            if (param.type == "RegularExpression") {
              value.regex = CompileRegex(param.value, error);
            }
            compiled.query.push_back(std::move(value));
          }
          if (!error.empty()) {
            if (problems != nullptr) {
              problems->push_back(route.http->id.ToString() + " " + match.path_in_object +
                                  ": invalid regular expression: " + error);
            }
            continue;
          }
          const std::vector<std::string>& hostnames = route.http->hostnames;
          if (hostnames.empty()) {
            routes.any_host.push_back(entry);
          }
          for (const std::string& hostname : hostnames) {
            entry.hostname = hostname;
            if (hostname.rfind("*.", 0) == 0) {
              routes.wildcard[hostname.substr(2)].push_back(entry);
            } else if (hostname == "*") {
              routes.any_host.push_back(entry);
            } else {
              routes.exact[hostname].push_back(entry);
            }
          }
        }
      }
    }
    for (auto& [host, entries] : routes.exact) {
      std::stable_sort(entries.begin(), entries.end(), Precedes);
    }
    for (auto& [host, entries] : routes.wildcard) {
      std::stable_sort(entries.begin(), entries.end(), Precedes);
    }
    std::stable_sort(routes.any_host.begin(), routes.any_host.end(), Precedes);
    table->listeners_[Bind{listener.gateway, listener.listener->port}].push_back(std::move(routes));
  }
  return table;
}

std::string Bind::ToString() const {
  return gateway->id.namespace_ + "/" + gateway->id.name + ":" + std::to_string(port);
}

std::vector<Bind> RouteTable::Binds() const {
  std::vector<Bind> binds;
  for (const auto& [bind, listeners] : listeners_) {
    binds.push_back(bind);
  }
  std::sort(binds.begin(), binds.end(), [](const Bind& a, const Bind& b) {
    return std::tie(a.gateway->id.namespace_, a.gateway->id.name, a.port) <
           std::tie(b.gateway->id.namespace_, b.gateway->id.name, b.port);
  });
  return binds;
}

const std::vector<ListenerRoutes>& RouteTable::Listeners(const Bind& bind) const {
  static const std::vector<ListenerRoutes> kNone;
  auto it = listeners_.find(bind);
  return it == listeners_.end() ? kNone : it->second;
}

Decision RouteTable::Match(const Bind& bind, const Request& request) const {
  Decision decision;
  const std::vector<ListenerRoutes>& listeners = Listeners(bind);
  std::string host = request.Hostname();

  // Listener: exact hostname, then the longest matching wildcard, then no hostname.
  const ListenerRoutes* chosen = nullptr;
  std::size_t best_wildcard = 0;
  const ListenerRoutes* empty = nullptr;
  for (const ListenerRoutes& listener : listeners) {
    const std::string& name = listener.hostname;
    if (name.empty()) {
      if (empty == nullptr) {
        empty = &listener;
      }
    } else if (name == host) {
      chosen = &listener;
      break;
    } else if (name.rfind("*.", 0) == 0 && host.size() > name.size() - 1 &&
               host.compare(host.size() - (name.size() - 1), name.size() - 1, name.substr(1)) ==
                   0 &&
               name.size() > best_wildcard) {
      best_wildcard = name.size();
      chosen = &listener;
    }
  }
  if (chosen == nullptr) {
    chosen = empty;
  }
  if (chosen == nullptr) {
    decision.outcome = Decision::Outcome::kNoListener;
    return decision;
  }
  decision.listener = chosen;

  // Routes: Exact(host), then Wildcard of each parent domain from the longest, then none.
  const RouteEntry* entry = nullptr;
  if (auto it = chosen->exact.find(host); it != chosen->exact.end()) {
    entry = FirstMatch(it->second, request);
  }
  for (std::size_t dot = host.find('.'); entry == nullptr && dot != std::string::npos;
       dot = host.find('.', dot + 1)) {
    if (auto it = chosen->wildcard.find(host.substr(dot + 1)); it != chosen->wildcard.end()) {
      entry = FirstMatch(it->second, request);
    }
  }
  if (entry == nullptr) {
    entry = FirstMatch(chosen->any_host, request);
  }
  decision.outcome = entry == nullptr ? Decision::Outcome::kNoRoute : Decision::Outcome::kRoute;
  decision.entry = entry;
  return decision;
}

}  // namespace agw::emulator::route
