#include "validate/resolve/resolve.h"

#include <cctype>
#include <map>

#include "validate/resolve/cel_types.h"
#include "validate/resolve/finding.h"
#include "validate/resolve/lint.h"
#include "validate/resolve/resolver.h"
#include "validate/resolve/suggest.h"

namespace agw::validate::resolve {
namespace internal {

void Resolver::Run() {
  ResolveGatewayClasses();
  for (const model::Gateway& gateway : model_.gateways) {
    ResolveGateway(gateway);
  }
  // Models before routes: a root model-serving HTTPRoute conflicts with models attached to its
  // listeners directly, and models count in the listeners' attachedRoutes.
  CollectModelListeners();
  for (const model::AgentgatewayModel& model : model_.models) {
    ResolveModel(model);
  }
  for (const model::HTTPRoute& route : model_.http_routes) {
    ResolveRoute(route, "HTTPRoute");
  }
  for (const model::GRPCRoute& route : model_.grpc_routes) {
    ResolveRoute(route, "GRPCRoute");
  }
  CountAttachedRoutes();
  AttachDelegatedRoutes();
  for (const model::AgentgatewayBackend& backend : model_.backends) {
    ResolveBackend(backend);
  }
  for (const model::AgentgatewayPolicy& policy : model_.policies) {
    ResolvePolicy(policy);
  }
  LeaveOutUnprogrammedBackends();
}

void Resolver::LeaveOutUnprogrammedBackends() {
  std::map<const model::AgentgatewayBackend*, std::string> unprogrammed;
  for (const BackendStatus& status : out_.status.backends) {
    const Condition* accepted = FindCondition(status.conditions, "Accepted");
    if (accepted != nullptr && !accepted->is_true()) {
      std::string why = accepted->message.substr(0, accepted->message.find('\n'));
      unprogrammed[status.object] = status.object->metadata.namespace_ + "/" +
                                    status.object->metadata.name + " is not programmed (" +
                                    accepted->reason + ": " + why + ")";
    }
  }
  if (unprogrammed.empty()) {
    return;
  }
  for (ResolvedListener& listener : out_.config.listeners) {
    for (ResolvedRoute& route : listener.routes) {
      for (ResolvedRule& rule : route.rules) {
        for (ResolvedBackend& backend : rule.backends) {
          auto found = unprogrammed.find(backend.backend);
          if (backend.kind == ResolvedBackend::Kind::kAgentgatewayBackend &&
              found != unprogrammed.end()) {
            backend.kind = ResolvedBackend::Kind::kInvalid;
            backend.problem = "AgentgatewayBackend " + found->second;
          }
        }
      }
    }
  }
}

void Resolver::Report(const model::ObjectBase& object, manifest::Severity severity,
                      std::string code, std::string message, const std::string& field_path,
                      std::string hint, manifest::Position position) {
  manifest::Diagnostic d = MakeFinding(object, severity, std::move(code), std::move(message),
                                       field_path, std::move(hint), position);
  std::string key = d.resource + '\x1f' + d.code + '\x1f' + d.message + '\x1f' + d.field_path;
  if (!reported_.insert(std::move(key)).second) {
    return;  // the same finding reached twice (e.g. once per listener)
  }
  out_.findings.push_back(std::move(d));
}

namespace {

constexpr char kMissingAdvice[] =
    "add it to the inputs, or pass --strict-refs to treat it as missing";

}  // namespace

bool Resolver::TreatAsMissing(const model::ObjectBase& referrer, const std::string& what,
                              const std::string& field_path, const std::string& suggestion) {
  if (options_.strict_refs || options_.absent.count(what) > 0) {
    return true;
  }
  Report(referrer, manifest::Severity::kWarning, "not-in-manifest-set",
         what + " is not in the manifest set; assuming it exists on the cluster", field_path,
         JoinHints(suggestion,
                   (suggestion.empty() ? "" : "otherwise ") + std::string(kMissingAdvice)));
  return false;
}

std::string Resolver::SuggestName(const std::string& group, const std::string& kind,
                                  const std::string& ns, const std::string& name,
                                  bool local_only) const {
  std::vector<NamedObject> candidates = index_.Names(group, kind);
  if (local_only) {
    std::erase_if(candidates, [&](const NamedObject& c) { return c.namespace_ != ns; });
  }
  return DidYouMean(ns, name, candidates);
}

std::optional<std::string> CheckGoDuration(const std::string& text) {
  std::string invalid = "time: invalid duration \"" + text + "\"";
  std::string_view s = text;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    s.remove_prefix(1);
  }
  if (s == "0") {
    return std::nullopt;
  }
  if (s.empty()) {
    return invalid;
  }
  while (!s.empty()) {
    std::size_t digits = 0;
    while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) {
      ++digits;
    }
    std::size_t fraction = 0;
    if (digits < s.size() && s[digits] == '.') {
      ++fraction;
      while (digits + fraction < s.size() &&
             std::isdigit(static_cast<unsigned char>(s[digits + fraction]))) {
        ++fraction;
      }
    }
    if (digits == 0 && fraction <= 1) {
      return invalid;
    }
    s.remove_prefix(digits + fraction);
    std::size_t unit = 0;
    while (unit < s.size() && s[unit] != '.' &&
           !std::isdigit(static_cast<unsigned char>(s[unit]))) {
      ++unit;
    }
    if (unit == 0) {
      return "time: missing unit in duration \"" + text + "\"";
    }
    std::string_view name = s.substr(0, unit);
    if (name != "ns" && name != "us" && name != "µs" && name != "μs" && name != "ms" &&
        name != "s" && name != "m" && name != "h") {
      return "time: unknown unit \"" + std::string(name) + "\" in duration \"" + text + "\"";
    }
    s.remove_prefix(unit);
  }
  return std::nullopt;
}

}  // namespace internal

Resolution Resolve(const model::Model& model, const ResolveOptions& options) {
  Resolution resolution;
  internal::Resolver resolver(model, options, resolution);
  resolver.Run();
  internal::Lint(model, ObjectIndex(model), resolution);
  internal::CheckCelTypes(model, resolution);
  return resolution;
}

}  // namespace agw::validate::resolve
