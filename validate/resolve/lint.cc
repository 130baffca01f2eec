#include "validate/resolve/lint.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "validate/model/provider_defaults.h"
#include "validate/resolve/finding.h"

namespace agw::validate::resolve::internal {
namespace {

void Add(Resolution& resolution, const model::ObjectBase& object, manifest::Severity severity,
         std::string code, std::string message, const std::string& field_path,
         std::string hint = {}) {
  resolution.findings.push_back(MakeFinding(object, severity, std::move(code), std::move(message),
                                            field_path, std::move(hint)));
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return text;
}

// What makes two matches select the same requests: path (PathPrefix compared without a
// trailing slash, as the data plane compares it), method, headers (names case-insensitive)
// and query parameters, order ignored.
std::string MatchSignature(const model::HTTPRouteMatch& match) {
  std::string signature;
  if (match.path) {
    std::string value = match.path->value;
    if (match.path->type == "PathPrefix") {
      while (value.size() > 1 && value.back() == '/') {
        value.pop_back();
      }
    }
    signature += match.path->type + " " + value;
  }
  signature += "|" + match.method.value_or("");
  std::vector<std::string> headers, query;
  for (const model::ValueMatch& h : match.headers) {
    headers.push_back(Lower(h.name) + " " + h.type + " " + h.value);
  }
  for (const model::ValueMatch& q : match.query_params) {
    query.push_back(q.name + " " + q.type + " " + q.value);
  }
  std::sort(headers.begin(), headers.end());
  std::sort(query.begin(), query.end());
  for (const std::string& h : headers) {
    signature += "|h " + h;
  }
  for (const std::string& q : query) {
    signature += "|q " + q;
  }
  return signature;
}

std::string Describe(const model::HTTPRouteMatch& match) {
  std::string text = match.path ? match.path->type + " " + match.path->value : "any path";
  if (match.method) {
    text += ", method " + *match.method;
  }
  if (!match.headers.empty()) {
    text += ", " + std::to_string(match.headers.size()) + " header(s)";
  }
  if (!match.query_params.empty()) {
    text += ", " + std::to_string(match.query_params.size()) + " query parameter(s)";
  }
  return text;
}

// Rules no request can reach. A route the API server would refuse is left out: it never
// reaches the cluster, so it takes no requests from the others.
void LintShadowedMatches(const model::Model& model, Resolution& resolution) {
  std::set<std::string> refused;
  for (const manifest::ResourceId& id : model.rejected) {
    refused.insert(id.ToString());
  }
  for (const ResolvedListener& listener : resolution.config.listeners) {
    struct Claim {
      const model::HTTPRoute* route;
      const model::HTTPRouteMatch* match;
      std::string key;  // the data plane's tie-breaker
    };
    // (hostname, signature) -> claims; the smallest route key wins the tie.
    std::map<std::pair<std::string, std::string>, std::vector<Claim>> claims;
    for (const ResolvedRoute& route : listener.routes) {
      if (route.http == nullptr || refused.count(route.http->id.ToString()) > 0) {
        continue;
      }
      std::vector<std::string> hosts = route.http->hostnames;
      if (hosts.empty()) {
        hosts.push_back("");
      }
      for (const ResolvedRule& rule : route.rules) {
        std::set<std::string> in_rule;
        for (const model::HTTPRouteMatch& match : rule.http->matches) {
          std::string signature = MatchSignature(match);
          if (!in_rule.insert(signature).second) {
            continue;  // repeated within one rule
          }
          for (const std::string& host : hosts) {
            claims[{host, signature}].push_back({route.http, &match, rule.key});
          }
        }
      }
    }
    std::set<const model::HTTPRouteMatch*> reported;
    for (auto& [where, list] : claims) {
      if (list.size() < 2) {
        continue;
      }
      std::sort(list.begin(), list.end(),
                [](const Claim& a, const Claim& b) { return a.key < b.key; });
      const Claim& winner = list.front();
      for (std::size_t i = 1; i < list.size(); ++i) {
        const Claim& loser = list[i];
        if (!reported.insert(loser.match).second) {
          continue;
        }
        std::string host = where.first.empty() ? "" : " for host " + where.first;
        if (loser.route == winner.route) {
          Add(resolution, *loser.route, manifest::Severity::kWarning, "shadowed-rule",
              loser.match->path_in_object + " (" + Describe(*loser.match) +
                  ") never receives requests" + host + ": " + winner.match->path_in_object +
                  " matches the same requests and comes first",
              loser.match->path_in_object);
        } else {
          Add(resolution, *loser.route, manifest::Severity::kWarning, "duplicate-match",
              "HTTPRoute " + winner.route->id.namespace_ + "/" + winner.route->id.name +
                  " claims the same match (" + Describe(*loser.match) + ") on listener " +
                  listener.key + host + ", and agentgateway sends these requests there",
              loser.match->path_in_object,
              "equal matches are ordered by route namespace/name, then rule index (not by "
              "creation time)");
        }
      }
    }
  }
}

void LintUnusedListeners(Resolution& resolution) {
  for (const GatewayStatus& gateway : resolution.status.gateways) {
    for (std::size_t i = 0; i < gateway.listeners.size(); ++i) {
      if (gateway.listeners[i].attached_routes > 0) {
        continue;
      }
      const model::Listener& listener = gateway.object->listeners[i];
      Add(resolution, *gateway.object, manifest::Severity::kWarning, "unused-listener",
          "no route attaches to listener \"" + listener.name + "\" (port " +
              std::to_string(listener.port) + "): requests to it get 404",
          listener.path + ".name");
    }
  }
}

// Every `backendRef` to an AgentgatewayBackend inside a raw policy subtree (extAuth, extProc,
// tunnel, webhooks, JWKS, rate-limit servers, ...): the controller programs such a backend for
// the Gateways of the policy (controller.md 5.1), so it is in use.
void CollectBackendRefs(const manifest::Value& value, const std::string& ns,
                        std::set<std::pair<std::string, std::string>>& used) {
  if (value.is_map()) {
    if (const manifest::Value* ref = value.Find("backendRef"); ref != nullptr && ref->is_map()) {
      const manifest::Value* group = ref->Find("group");
      const manifest::Value* kind = ref->Find("kind");
      const manifest::Value* name = ref->Find("name");
      const manifest::Value* ref_ns = ref->Find("namespace");
      if (group && kind && name && group->text() == model::kAgentgatewayGroup &&
          kind->text() == "AgentgatewayBackend") {
        used.insert({ref_ns && ref_ns->is_string() ? ref_ns->text() : ns, name->text()});
      }
    }
    for (const manifest::MapEntry& entry : value.entries()) {
      CollectBackendRefs(entry.value, ns, used);
    }
  } else if (value.is_sequence()) {
    for (const manifest::Value& item : value.items()) {
      CollectBackendRefs(item, ns, used);
    }
  }
}

void CollectPolicyRefs(const model::BackendPolicies& policies, const std::string& ns,
                       std::set<std::pair<std::string, std::string>>& used) {
  for (const std::optional<manifest::Value>* raw :
       {&policies.tunnel, &policies.mcp, &policies.transformation, &policies.ext_auth}) {
    if (*raw) {
      CollectBackendRefs(**raw, ns, used);
    }
  }
  if (policies.ai && policies.ai->prompt_guard) {
    CollectBackendRefs(*policies.ai->prompt_guard, ns, used);
  }
}

void LintUnusedBackends(const model::Model& model, Resolution& resolution) {
  std::set<std::pair<std::string, std::string>> used;  // (namespace, name)
  auto collect = [&](const model::ObjectBase& route, const auto& rules) {
    for (const auto& rule : rules) {
      for (const model::HTTPBackendRef& ref : rule.backend_refs) {
        if (ref.ref.group == model::kAgentgatewayGroup && ref.ref.kind == "AgentgatewayBackend") {
          used.insert({ref.ref.namespace_.value_or(route.metadata.namespace_), ref.ref.name});
        }
      }
    }
  };
  for (const model::HTTPRoute& route : model.http_routes) {
    collect(route, route.rules);
  }
  for (const model::GRPCRoute& route : model.grpc_routes) {
    collect(route, route.rules);
  }
  for (const model::AgentgatewayPolicy& policy : model.policies) {
    const std::string& ns = policy.metadata.namespace_;
    if (policy.frontend) {
      CollectBackendRefs(*policy.frontend, ns, used);
    }
    if (policy.backend) {
      CollectPolicyRefs(*policy.backend, ns, used);
    }
    if (policy.traffic) {
      const model::Traffic& t = *policy.traffic;
      for (const std::optional<manifest::Value>* raw :
           {&t.ext_proc, &t.ext_auth, &t.rate_limit, &t.jwt_authentication, &t.transformation}) {
        if (*raw) {
          CollectBackendRefs(**raw, ns, used);
        }
      }
    }
  }
  for (const model::AgentgatewayBackend& backend : model.backends) {
    if (backend.policies) {
      CollectPolicyRefs(*backend.policies, backend.metadata.namespace_, used);
    }
    if (backend.mcp) {
      CollectBackendRefs(*backend.mcp, backend.metadata.namespace_, used);
    }
  }
  for (const model::AgentgatewayModel& served : model.models) {
    if (served.policies) {  // a model's tunnel and prompt guards name backends too
      CollectPolicyRefs(served.policies->backend, served.metadata.namespace_, used);
    }
  }
  for (const model::AgentgatewayBackend& backend : model.backends) {
    if (used.count({backend.metadata.namespace_, backend.metadata.name}) == 0) {
      Add(resolution, backend, manifest::Severity::kWarning, "unused-backend",
          "no route or policy uses AgentgatewayBackend " + backend.metadata.namespace_ + "/" +
              backend.metadata.name,
          "metadata.name",
          "the controller programs a backend only for Gateways whose routes or policies "
          "reference it");
    }
  }
}

// Whether a Secret value looks like a real credential rather than a placeholder.
bool LooksLikeCredential(std::string value) {
  if (value.rfind("Bearer ", 0) == 0) {
    value = value.substr(7);
  }
  if (value.empty() || value[0] == '$') {
    return false;  // $VAR / ${VAR}: filled in at deploy time
  }
  std::string lower = Lower(value);
  for (std::string_view word : {"placeholder", "changeme", "change-me", "your-", "your_", "example",
                                "dummy", "fake", "redacted", "xxxx", "<"}) {
    if (lower.find(word) != std::string::npos) {
      return false;
    }
  }
  static const RE2 kKnownPrefix(
      R"(^(sk-|sk_|xai-|AIza|gsk_|hf_|ghp_|github_pat_|glpat-|AKIA|ASIA|pplx-|nvapi-|r8_))");
  static const RE2 kOpaqueToken(R"(^[A-Za-z0-9_\-\.=+/]{32,}$)");
  if (RE2::PartialMatch(value, kKnownPrefix) && value.size() >= 20) {
    return true;
  }
  bool has_digit =
      std::any_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); });
  bool has_alpha =
      std::any_of(value.begin(), value.end(), [](unsigned char c) { return std::isalpha(c); });
  return has_digit && has_alpha && RE2::FullMatch(value, kOpaqueToken);
}

void LintCommittedCredentials(const model::Model& model, Resolution& resolution) {
  for (const model::Secret& secret : model.secrets) {
    if (secret.type == "kubernetes.io/tls") {
      continue;  // certificates are reported elsewhere
    }
    for (const auto& [key, value] : secret.data) {
      if (key == "tls.crt" || key == "ca.crt" || !LooksLikeCredential(value)) {
        continue;
      }
      // stringData wins over data for the same key, as the API server merges them.
      std::string field = secret.fields.Contains("stringData[" + key + "]")
                              ? "stringData[" + key + "]"
                              : "data[" + key + "]";
      // Never quote the value: findings end up in CI logs.
      Add(resolution, secret, manifest::Severity::kWarning, "literal-api-key",
          "Secret " + secret.metadata.namespace_ + "/" + secret.metadata.name + " key \"" + key +
              "\" holds what looks like a real credential, committed with the manifest",
          field,
          "write a placeholder such as $OPENAI_API_KEY and fill it in at deploy time "
          "(kubectl agentgateway run reads $VAR values from the environment)");
    }
  }
}

void LintAiPaths(const ObjectIndex& index, Resolution& resolution) {
  std::set<std::pair<const model::HTTPRouteMatch*, const model::AgentgatewayBackend*>> seen;
  for (const ResolvedListener& listener : resolution.config.listeners) {
    for (const ResolvedRoute& route : listener.routes) {
      if (route.http == nullptr) {
        continue;
      }
      for (const ResolvedRule& rule : route.rules) {
        bool rewrites = std::any_of(
            rule.http->filters.begin(), rule.http->filters.end(), [](const model::RouteFilter& f) {
              return f.type == "URLRewrite" && f.url_rewrite && f.url_rewrite->path;
            });
        for (const ResolvedBackend& backend : rule.backends) {
          const model::AgentgatewayBackend* target = backend.backend;
          if (target == nullptr || !target->ai) {
            continue;
          }
          const model::LLMProvider* provider = nullptr;
          if (target->ai->provider) {
            provider = &*target->ai->provider;
          } else if (!target->ai->groups.empty() && !target->ai->groups[0].providers.empty()) {
            provider = &target->ai->groups[0].providers[0].provider;
          }
          if (provider == nullptr || provider->kind.empty()) {
            continue;
          }
          bool has_routes =
              target->policies && target->policies->ai && !target->policies->ai->routes.empty();
          for (const model::HTTPRouteMatch& match : rule.http->matches) {
            if (!match.path || match.path->type != "PathPrefix" || match.path->value == "/") {
              continue;
            }
            if (!seen.insert({&match, target}).second) {
              continue;
            }
            const std::string& prefix = match.path->value;
            bool tls = target->policies && target->policies->tls;
            model::UpstreamTarget upstream = model::ChatTarget(
                *provider, prefix + "/v1/chat/completions", provider->model.value_or(""), tls);
            std::string backend_name = target->metadata.namespace_ + "/" + target->metadata.name;
            if (upstream.path_forwarded) {
              if (rewrites) {
                continue;  // the rule's URLRewrite decides what is forwarded
              }
              Add(resolution, *route.http, manifest::Severity::kWarning, "ai-path-forwarded",
                  "the " + prefix + " prefix is forwarded to " + upstream.scheme + "://" +
                      upstream.host + ":" + std::to_string(upstream.port) +
                      ": AgentgatewayBackend " + backend_name +
                      " overrides host without pathPrefix, so the request path is sent "
                      "unchanged (" +
                      prefix + "/v1/chat/completions stays " + upstream.path + ")",
                  match.path_in_object + ".path",
                  "add a URLRewrite ReplacePrefixMatch \"/\" filter, or set pathPrefix or path on "
                  "the provider");
            } else if (!has_routes) {
              std::string how = provider->path
                                    ? " sets path " + *provider->path + ", which replaces"
                                    : " replaces";
              Add(resolution, *route.http, manifest::Severity::kInfo, "ai-path-replaced",
                  "requests under " + prefix + " are sent to " + upstream.Url() +
                      " as chat completions: AgentgatewayBackend " + backend_name + how +
                      " the request path, so the " + prefix + " prefix is not forwarded",
                  match.path_in_object + ".path",
                  "a policies.ai.routes map on the backend selects other APIs by path suffix");
            }
          }
        }
      }
    }
  }
}

}  // namespace

void Lint(const model::Model& model, const ObjectIndex& index, Resolution& resolution) {
  LintShadowedMatches(model, resolution);
  LintUnusedListeners(resolution);
  LintUnusedBackends(model, resolution);
  LintCommittedCredentials(model, resolution);
  LintAiPaths(index, resolution);
}

}  // namespace agw::validate::resolve::internal
