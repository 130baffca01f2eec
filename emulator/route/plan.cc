#include "emulator/route/plan.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>

namespace agw::emulator::route {
namespace {

DirectResponse TextResponse(int status, std::string body) {
  DirectResponse response;
  response.status = status;
  response.headers.emplace_back("content-type", "text/plain");
  response.body = std::move(body);
  return response;
}

std::string TrimTrailingSlashes(std::string path) {
  while (!path.empty() && path.back() == '/') {
    path.pop_back();
  }
  return path;
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return text;
}

// The prefix a rule's match matched, for ReplacePrefixMatch; empty for other match kinds.
std::string MatchedPrefix(const RouteEntry& entry) {
  return entry.compiled.path_kind == CompiledMatch::PathKind::kPrefix ? entry.compiled.path : "";
}

std::string RewritePath(const validate::model::HTTPPathModifier& modifier, const RouteEntry& entry,
                        const std::string& path) {
  if (modifier.type == "ReplaceFullPath") {
    std::string full = modifier.replace_full_path.value_or("/");
    return full.empty() ? "/" : full;
  }
  if (modifier.type == "ReplacePrefixMatch") {
    return ReplacePrefix(path, MatchedPrefix(entry), modifier.replace_prefix_match.value_or("/"));
  }
  return path;
}

// Origin matching for CORS: "*" matches any origin; a "*." in the host part covers labels.
bool OriginAllowed(const std::vector<std::string>& allowed, const std::string& origin) {
  for (const std::string& pattern : allowed) {
    if (pattern == "*" || pattern == origin) {
      return true;
    }
    std::size_t star = pattern.find("://*.");
    if (star != std::string::npos) {
      std::string scheme = pattern.substr(0, star + 3);
      std::string suffix = pattern.substr(star + 4);  // ".example.com[:port]"
      if (origin.rfind(scheme, 0) == 0 && origin.size() > scheme.size() + suffix.size() &&
          origin.compare(origin.size() - suffix.size(), suffix.size(), suffix) == 0) {
        return true;
      }
    }
  }
  return false;
}

std::string Join(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& value : values) {
    out += (out.empty() ? "" : ",") + value;
  }
  return out;
}

void ApplyCors(const validate::model::HTTPCORSFilter& cors, const Request& request, Plan& plan) {
  std::optional<std::string> origin = http::GetHeader(request.headers, "origin");
  if (!origin) {
    return;
  }
  bool allowed = OriginAllowed(cors.allow_origins, *origin);
  bool credentials = cors.allow_credentials.value_or(false);
  bool preflight = request.method == "OPTIONS" &&
                   http::GetHeader(request.headers, "access-control-request-method").has_value();
  if (preflight) {
    // The gateway answers a preflight itself and never forwards it.
    DirectResponse response;
    response.status = 200;
    if (allowed) {
      bool wildcard_origin = std::find(cors.allow_origins.begin(), cors.allow_origins.end(), "*") !=
                             cors.allow_origins.end();
      response.headers.emplace_back("access-control-allow-origin",
                                    wildcard_origin && !credentials ? "*" : *origin);
      if (credentials) {
        response.headers.emplace_back("access-control-allow-credentials", "true");
      }
      if (!cors.allow_methods.empty()) {
        std::string methods = Join(cors.allow_methods);
        if (methods == "*" && credentials) {
          methods = http::GetHeader(request.headers, "access-control-request-method").value_or("*");
        }
        response.headers.emplace_back("access-control-allow-methods", methods);
      }
      if (!cors.allow_headers.empty()) {
        std::string headers = Join(cors.allow_headers);
        if (headers == "*" && credentials) {
          headers = http::GetHeader(request.headers, "access-control-request-headers").value_or("");
        }
        if (!headers.empty()) {
          response.headers.emplace_back("access-control-allow-headers", headers);
        }
      }
      if (!cors.expose_headers.empty()) {
        response.headers.emplace_back("access-control-expose-headers", Join(cors.expose_headers));
      }
      response.headers.emplace_back("access-control-max-age",
                                    std::to_string(cors.max_age.value_or(5)));
    }
    plan.direct = std::move(response);
    return;
  }
  if (!allowed) {
    return;
  }
  bool wildcard_origin = std::find(cors.allow_origins.begin(), cors.allow_origins.end(), "*") !=
                         cors.allow_origins.end();
  plan.queued_response_headers.emplace_back("access-control-allow-origin",
                                            wildcard_origin && !credentials ? "*" : *origin);
  if (credentials) {
    plan.queued_response_headers.emplace_back("access-control-allow-credentials", "true");
  }
  if (!cors.expose_headers.empty()) {
    plan.queued_response_headers.emplace_back("access-control-expose-headers",
                                              Join(cors.expose_headers));
  }
}

DirectResponse Redirect(const validate::model::HTTPRequestRedirectFilter& redirect,
                        const RouteEntry& entry, const Request& request, int listener_port) {
  std::string scheme = redirect.scheme.value_or(request.scheme);
  std::string host = redirect.hostname.value_or(request.Hostname());
  int port;
  if (redirect.port) {
    port = *redirect.port;
  } else if (redirect.scheme) {
    port = *redirect.scheme == "https" ? 443 : 80;
  } else {
    port = listener_port;
  }
  bool default_port = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  std::string path =
      redirect.path ? RewritePath(*redirect.path, entry, request.path) : request.path;
  std::string location = scheme + "://" + host + (default_port ? "" : ":" + std::to_string(port)) +
                         path + (request.query.empty() ? "" : "?" + request.query);
  DirectResponse response;
  response.status = redirect.status_code;
  response.headers.emplace_back("location", location);
  return response;
}

void AddMirrors(const std::vector<validate::model::RouteFilter>& filters,
                const std::string& route_namespace, Plan& plan) {
  for (const validate::model::RouteFilter& filter : filters) {
    if (filter.type != "RequestMirror" || !filter.request_mirror) {
      continue;
    }
    const validate::model::HTTPRequestMirrorFilter& mirror = *filter.request_mirror;
    MirrorTarget target;
    target.namespace_ = mirror.backend_ref.namespace_.value_or(route_namespace);
    target.name = mirror.backend_ref.name;
    target.port = mirror.backend_ref.port;
    if (mirror.percent) {
      target.fraction = *mirror.percent / 100.0;
    } else if (mirror.fraction && mirror.fraction->denominator > 0) {
      target.fraction =
          static_cast<double>(mirror.fraction->numerator) / mirror.fraction->denominator;
    }
    if (target.fraction > 0) {
      plan.mirrors.push_back(std::move(target));
    }
  }
}

}  // namespace

void HeaderEdits::Append(const validate::model::HTTPHeaderFilter& filter) {
  set.insert(set.end(), filter.set.begin(), filter.set.end());
  add.insert(add.end(), filter.add.begin(), filter.add.end());
  remove.insert(remove.end(), filter.remove.begin(), filter.remove.end());
}

void HeaderEdits::Apply(http::HeaderList& headers) const {
  for (const validate::model::HTTPHeader& header : set) {
    http::SetHeader(headers, Lower(header.name), header.value);
  }
  for (const validate::model::HTTPHeader& header : add) {
    http::AddHeader(headers, Lower(header.name), header.value);
  }
  for (const std::string& name : remove) {
    http::RemoveHeader(headers, name);
  }
}

std::string ReplacePrefix(const std::string& path, const std::string& prefix,
                          const std::string& replacement) {
  std::string trimmed_prefix = TrimTrailingSlashes(prefix);
  std::string rest = path.size() >= trimmed_prefix.size() ? path.substr(trimmed_prefix.size()) : "";
  if (!rest.empty() && rest[0] != '/') {
    rest = "/" + rest;  // a prefix matched at a segment boundary; keep the separator
  }
  std::string result = TrimTrailingSlashes(replacement) + rest;
  return result.empty() ? "/" : (result[0] == '/' ? result : "/" + result);
}

std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text) {
  static const re2::RE2 kComponent(R"(([0-9]+)(h|ms|m|s))");
  if (text == "0") {
    return std::chrono::milliseconds(0);
  }
  re2::StringPiece input(text);
  std::int64_t total = 0;
  std::string number, unit;
  if (text.empty()) {
    return std::nullopt;
  }
  while (!input.empty()) {
    if (!re2::RE2::Consume(&input, kComponent, &number, &unit)) {
      return std::nullopt;
    }
    std::int64_t n = std::stoll(number);
    if (unit == "h") {
      total += n * 3600000;
    } else if (unit == "m") {
      total += n * 60000;
    } else if (unit == "s") {
      total += n * 1000;
    } else {
      total += n;
    }
  }
  return std::chrono::milliseconds(total);
}

Plan MakePlan(const Decision& decision, const Request& request, int listener_port,
              std::mt19937_64& random) {
  Plan plan;
  if (decision.outcome != Decision::Outcome::kRoute) {
    plan.direct = TextResponse(404, "route not found\n");
    return plan;
  }
  const RouteEntry& entry = *decision.entry;
  const validate::model::HTTPRoute& route = *entry.route->http;
  const validate::model::HTTPRouteRule& rule = *entry.rule->http;
  plan.route = route.metadata.namespace_ + "/" + route.metadata.name;
  plan.rule_index = static_cast<int>(entry.rule->index);

  UpstreamRequest upstream;
  upstream.method = request.method;
  upstream.authority = request.authority;
  upstream.headers = request.headers;
  std::string path = request.path;

  HeaderEdits request_edits;
  for (const validate::model::RouteFilter& filter : rule.filters) {
    if (filter.type == "RequestHeaderModifier" && filter.request_header_modifier) {
      request_edits.Append(*filter.request_header_modifier);
    } else if (filter.type == "ResponseHeaderModifier" && filter.response_header_modifier) {
      plan.response_headers.Append(*filter.response_header_modifier);
    } else if (filter.type == "RequestRedirect" && filter.request_redirect) {
      plan.direct = Redirect(*filter.request_redirect, entry, request, listener_port);
      return plan;
    } else if (filter.type == "URLRewrite" && filter.url_rewrite) {
      if (filter.url_rewrite->hostname) {
        upstream.authority = *filter.url_rewrite->hostname;
      }
      if (filter.url_rewrite->path) {
        path = RewritePath(*filter.url_rewrite->path, entry, path);
      }
    } else if (filter.type == "CORS" && filter.cors) {
      ApplyCors(*filter.cors, request, plan);
      if (plan.direct) {
        return plan;
      }
    }
  }
  request_edits.Apply(upstream.headers);
  AddMirrors(rule.filters, route.metadata.namespace_, plan);

  if (rule.timeouts) {
    if (rule.timeouts->request) {
      plan.request_timeout = ParseDuration(*rule.timeouts->request);
    }
    if (rule.timeouts->backend_request) {
      plan.backend_timeout = ParseDuration(*rule.timeouts->backend_request);
    }
  }

  // Weighted choice; weight 0 never chosen (controller.md 9.3).
  std::int64_t total = 0;
  for (const validate::resolve::ResolvedBackend& backend : entry.rule->backends) {
    total += std::max(0, backend.weight);
  }
  if (total == 0) {
    plan.direct = TextResponse(500, "no valid backends\n");
    return plan;
  }
  std::int64_t pick = std::uniform_int_distribution<std::int64_t>(0, total - 1)(random);
  const validate::resolve::ResolvedBackend* chosen = nullptr;
  for (const validate::resolve::ResolvedBackend& backend : entry.rule->backends) {
    pick -= std::max(0, backend.weight);
    if (pick < 0) {
      chosen = &backend;
      break;
    }
  }
  if (chosen->kind == validate::resolve::ResolvedBackend::Kind::kInvalid) {
    plan.direct = TextResponse(500, "invalid backend: " + chosen->problem + "\n");
    return plan;
  }
  if (chosen->ref != nullptr) {
    for (const validate::model::RouteFilter& filter : chosen->ref->filters) {
      if (filter.type == "RequestHeaderModifier" && filter.request_header_modifier) {
        HeaderEdits edits;
        edits.Append(*filter.request_header_modifier);
        edits.Apply(upstream.headers);
      } else if (filter.type == "ResponseHeaderModifier" && filter.response_header_modifier) {
        plan.response_headers.Append(*filter.response_header_modifier);
      } else if (filter.type == "RequestRedirect" && filter.request_redirect) {
        plan.direct = Redirect(*filter.request_redirect, entry, request, listener_port);
        return plan;
      }
    }
    AddMirrors(chosen->ref->filters, route.metadata.namespace_, plan);
  }
  upstream.backend = chosen;
  upstream.path_and_query = path + (request.query.empty() ? "" : "?" + request.query);
  plan.upstream = std::move(upstream);
  return plan;
}

}  // namespace agw::emulator::route
