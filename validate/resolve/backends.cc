// AgentgatewayBackend translation checks and status (controller.md 4 and 6).

#include <algorithm>

#include "validate/resolve/resolver.h"

namespace agw::resolve::internal {
namespace {

std::string Trim(std::string_view text) {
  std::size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) {
    return {};
  }
  std::size_t end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(begin, end - begin + 1));
}

}  // namespace

std::optional<Problem> Resolver::ResolveSecretKey(const model::ObjectBase& owner,
                                                  const model::LocalSecretRef& ref,
                                                  const std::string& default_key,
                                                  bool auth_value, const std::string& path) {
  if (ref.name.empty()) {
    return Problem{"TranslationError", "credential ref name is required", path + ".name"};
  }
  if (!(ref.group.empty() && (ref.kind.empty() || ref.kind == "Secret"))) {
    return Problem{"TranslationError",
                   "unsupported credential kind: \"" + ref.group + "\"/\"" + ref.kind + "\"",
                   path + ".kind"};
  }
  const std::string& ns = owner.metadata.namespace_;
  const model::Secret* secret = index_.FindSecret(ns, ref.name);
  if (secret == nullptr) {
    if (TreatAsMissing(owner, "Secret " + ns + "/" + ref.name, path + ".name")) {
      return Problem{"TranslationError", "secret " + ns + "/" + ref.name + " not found",
                     path + ".name"};
    }
    return std::nullopt;
  }
  std::string key = ref.key.value_or(default_key);
  auto it = secret->data.find(key);
  std::string value = it == secret->data.end() ? "" : Trim(it->second);
  // For the Authorization key a leading "Bearer " is the header scheme, not the credential.
  if (auth_value && key == "Authorization" && value.rfind("Bearer ", 0) == 0) {
    value = Trim(value.substr(7));
  }
  if (value.empty()) {
    return Problem{"TranslationError",
                   "secret " + ns + "/" + ref.name + " missing " + key + " value",
                   ref.key ? path + ".key" : path + ".name"};
  }
  return std::nullopt;
}

void Resolver::CheckBackendPolicies(const model::ObjectBase& owner,
                                    const model::BackendPolicies& policies,
                                    const std::string& path, std::vector<Problem>& problems) {
  const std::string& ns = owner.metadata.namespace_;
  if (policies.tls) {
    for (std::size_t i = 0; i < policies.tls->mtls_certificate_refs.size(); ++i) {
      const std::string& name = policies.tls->mtls_certificate_refs[i];
      std::string field = path + ".tls.mtlsCertificateRef[" + std::to_string(i) + "].name";
      if (index_.FindSecret(ns, name) == nullptr &&
          TreatAsMissing(owner, "Secret " + ns + "/" + name, field)) {
        problems.push_back({"TranslationError", "secret " + ns + "/" + name + " not found", field});
      }
    }
    for (std::size_t i = 0; i < policies.tls->ca_certificate_refs.size(); ++i) {
      const std::string& name = policies.tls->ca_certificate_refs[i];
      std::string field = path + ".tls.caCertificateRefs[" + std::to_string(i) + "].name";
      if (!index_.Contains("", "ConfigMap", ns, name) &&
          TreatAsMissing(owner, "ConfigMap " + ns + "/" + name, field)) {
        problems.push_back({"TranslationError", "ConfigMap " + ns + "/" + name + " not found",
                            field});
      }
    }
  }
  if (policies.auth && policies.auth->secret_ref) {
    if (std::optional<Problem> problem =
            ResolveSecretKey(owner, *policies.auth->secret_ref, "Authorization",
                             /*auth_value=*/true, path + ".auth.secretRef")) {
      problems.push_back(*problem);
    }
  }
}

void Resolver::ResolveBackend(const model::AgentgatewayBackend& backend) {
  std::vector<Problem> problems;
  if (backend.policies) {
    CheckBackendPolicies(backend, *backend.policies, "spec.policies", problems);
  }
  if (backend.ai) {
    auto check_provider = [&](const model::LLMProvider& provider, const std::string& path) {
      if (provider.kind.empty()) {
        problems.push_back({"TranslationError", "no supported LLM provider configured", path});
      }
      if (provider.custom_backend_ref) {
        const model::BackendObjectReference& ref = *provider.custom_backend_ref;
        bool service = ref.group.empty() && ref.kind == "Service";
        bool pool = ref.group == "inference.networking.k8s.io" && ref.kind == "InferencePool";
        if (!service && !pool) {
          problems.push_back({"TranslationError",
                              "custom provider backendRef may target only Service or InferencePool",
                              path + ".custom.backendRef"});
        }
      }
    };
    if (backend.ai->provider) {
      check_provider(*backend.ai->provider, "spec.ai.provider");
    }
    for (const model::PriorityGroup& group : backend.ai->groups) {
      for (const model::NamedLLMProvider& provider : group.providers) {
        check_provider(provider.provider, provider.path);
        // Provider-level policy errors are only logged by the controller: the backend stays
        // Accepted and the provider is sent without the credential (controller.md 4.3).
        if (provider.policies) {
          std::vector<Problem> provider_problems;
          CheckBackendPolicies(backend, *provider.policies, provider.path + ".policies",
                               provider_problems);
          for (const Problem& problem : provider_problems) {
            Report(backend, manifest::Severity::kWarning, "provider-policy-error",
                   "provider \"" + provider.name + "\": " + problem.message +
                       " (the controller only logs this; the provider is sent without it)",
                   problem.field_path);
          }
        }
      }
    }
  }
  bool has_type = backend.static_ || backend.ai || backend.mcp || backend.a2a ||
                  backend.dynamic_forward_proxy || backend.aws;
  if (!has_type) {
    problems.push_back({"TranslationError", "unknown backend", "spec"});
  }

  BackendStatus status;
  status.object = &backend;
  if (problems.empty()) {
    status.conditions.push_back({"Accepted", "True", "Accepted", "Backend successfully accepted"});
  } else {
    std::string joined;
    for (const Problem& problem : problems) {
      joined += (joined.empty() ? "" : "\n") + problem.message;
      Report(backend, manifest::Severity::kError, "TranslationError", problem.message,
             problem.field_path,
             "the controller does not program this backend: routes to it get HTTP 500");
    }
    status.conditions.push_back(
        {"Accepted", "False", "TranslationError", "failed to translate backend: " + joined});
  }
  out_.status.backends.push_back(std::move(status));
}

}  // namespace agw::resolve::internal
