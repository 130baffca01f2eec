// AgentgatewayBackend translation checks and status (controller.md 4 and 6).

#include <algorithm>

#include "validate/resolve/resolver.h"
#include "validate/resolve/suggest.h"

namespace agw::validate::resolve::internal {
namespace {

using manifest::Value;

// Go's strings.TrimSpace for ASCII: also \v and \f.
std::string Trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  std::size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) {
    return {};
  }
  std::size_t end = text.find_last_not_of(kSpace);
  return std::string(text.substr(begin, end - begin + 1));
}

// SHA-256 (FIPS 180-4) of `data`, lower-case hex: the controller names persisted fetches by it.
std::string Sha256Hex(std::string_view data) {
  static constexpr std::uint32_t kK[64] = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
      0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
      0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
      0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
      0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
      0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
      0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
      0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
      0xc67178f2};
  std::uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::string message(data);
  std::uint64_t bits = static_cast<std::uint64_t>(data.size()) * 8;
  message.push_back(static_cast<char>(0x80));
  while (message.size() % 64 != 56) {
    message.push_back('\0');
  }
  for (int shift = 56; shift >= 0; shift -= 8) {
    message.push_back(static_cast<char>((bits >> shift) & 0xff));
  }
  auto rotr = [](std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); };
  for (std::size_t block = 0; block < message.size(); block += 64) {
    std::uint32_t w[64];
    for (int i = 0; i < 16; ++i) {
      w[i] = 0;
      for (int j = 0; j < 4; ++j) {
        w[i] = (w[i] << 8) | static_cast<unsigned char>(message[block + 4 * i + j]);
      }
    }
    for (int i = 16; i < 64; ++i) {
      std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (int i = 0; i < 64; ++i) {
      std::uint32_t t1 =
          k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + kK[i] + w[i];
      std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      k = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += k;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (std::uint32_t word : h) {
    for (int shift = 28; shift >= 0; shift -= 4) {
      hex.push_back(kHex[(word >> shift) & 0xf]);
    }
  }
  return hex;
}

// The namespace the controller runs in, where its JWKS fetcher persists keysets (the Helm
// chart's default; controller.md 10.1).
constexpr char kSystemNamespace[] = "agentgateway-system";

}  // namespace

std::string ValueText(const Value* map, std::string_view key, std::string fallback) {
  const Value* value = map == nullptr ? nullptr : map->Find(key);
  return value != nullptr && value->is_scalar() && !value->is_null() ? value->text()
                                                                     : std::move(fallback);
}

const Value* ValueItems(const Value* map, std::string_view key) {
  const Value* value = map == nullptr ? nullptr : map->Find(key);
  return value != nullptr && value->is_sequence() ? value : nullptr;
}

std::optional<model::LocalSecretRef> SecretRefAt(const Value* map, std::string_view key) {
  const Value* ref = map == nullptr ? nullptr : map->Find(key);
  if (ref == nullptr || !ref->is_map()) {
    return std::nullopt;
  }
  model::LocalSecretRef out{ValueText(ref, "name"), ValueText(ref, "group"), ValueText(ref, "kind"),
                            std::nullopt};
  if (const Value* k = ref->Find("key"); k != nullptr && k->is_scalar() && !k->is_null()) {
    out.key = k->text();
  }
  return out;
}

void BackendPolicyRefs(const model::BackendPolicies& policies,
                       const std::function<void(const Value*)>& add) {
  auto ref_of = [](const Value* holder) {
    return holder == nullptr ? nullptr : holder->Find("backendRef");
  };
  auto tunnel_of = [&](const Value* connection_policies) {
    return ref_of(connection_policies == nullptr ? nullptr : connection_policies->Find("tunnel"));
  };
  if (policies.tunnel) {
    add(ref_of(&*policies.tunnel));
  }
  if (policies.ext_auth) {
    add(ref_of(&*policies.ext_auth));
  }
  if (policies.mcp) {
    const Value* authentication = policies.mcp->Find("authentication");
    add(ref_of(authentication == nullptr ? nullptr : authentication->Find("jwks")));
    const Value* guardrails = policies.mcp->Find("guardrails");
    if (const Value* processors = ValueItems(guardrails, "processors")) {
      for (const Value& processor : processors->items()) {
        add(ref_of(processor.Find("remote")));
      }
    }
  }
  if (policies.ai && policies.ai->prompt_guard) {
    for (const char* direction : {"request", "response"}) {
      const Value* guards = ValueItems(&*policies.ai->prompt_guard, direction);
      for (std::size_t i = 0; guards != nullptr && i < guards->items().size(); ++i) {
        const Value& guard = guards->items()[i];
        add(ref_of(guard.Find("webhook")));
        for (const char* kind : {"openAIModeration", "googleModelArmor", "bedrockGuardrails"}) {
          const Value* guardrail = guard.Find(kind);
          add(tunnel_of(guardrail == nullptr ? nullptr : guardrail->Find("policies")));
        }
      }
    }
  }
}

Resolver::CredentialLookup Resolver::ResolveCredentialRef(const model::ObjectBase& owner,
                                                          const model::LocalSecretRef& ref,
                                                          const std::string& path) {
  // secretCredentialResolver: only core Secrets, in the referrer's namespace (controller.md 6).
  if (!(ref.group.empty() && (ref.kind.empty() || ref.kind == "Secret"))) {
    return {nullptr,
            Problem{"TranslationError",
                    "unsupported credential kind: \"" + ref.group + "\"/\"" + ref.kind + "\"",
                    path + ".kind"}};
  }
  if (ref.name.empty()) {
    return {nullptr,
            Problem{"TranslationError", "credential ref name is required", path + ".name"}};
  }
  const std::string& ns = owner.metadata.namespace_;
  const model::Secret* secret = index_.FindSecret(ns, ref.name);
  if (secret != nullptr) {
    return {secret, std::nullopt};
  }
  std::string suggestion = SuggestName("", "Secret", ns, ref.name, /*local_only=*/true);
  if (TreatAsMissing(owner, "Secret " + ns + "/" + ref.name, path + ".name", suggestion)) {
    return {nullptr, Problem{"TranslationError", "secret " + ns + "/" + ref.name + " not found",
                             path + ".name", manifest::Position(), suggestion}};
  }
  return {nullptr, std::nullopt};
}

std::optional<Problem> Resolver::ResolveSecretKey(const model::ObjectBase& owner,
                                                  const model::LocalSecretRef& ref,
                                                  const std::string& default_key, bool auth_value,
                                                  const std::string& path) {
  CredentialLookup lookup = ResolveCredentialRef(owner, ref, path);
  if (lookup.problem || lookup.secret == nullptr) {
    return lookup.problem;
  }
  const model::Secret* secret = lookup.secret;
  const std::string& ns = owner.metadata.namespace_;
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

std::optional<std::string> Resolver::CheckPolicyBackendRef(const model::ObjectBase& owner,
                                                           const Value& ref,
                                                           const std::string& field,
                                                           std::string* hint) {
  // The PolicyBackend resolver shared by extAuth, extProc, tunnel, webhooks, ... (controller.md
  // 5.2): only Services (with a port) and AgentgatewayBackends.
  std::string group = ValueText(&ref, "group");
  std::string kind = ValueText(&ref, "kind", "Service");
  std::string name = ValueText(&ref, "name");
  std::string ns = ValueText(&ref, "namespace", owner.metadata.namespace_);
  // With AGW_BACKEND_REF_GRANT_MODE=route-and-policy a cross-namespace ref needs a
  // ReferenceGrant from the owner's kind, checked before the target is looked up
  // (checkBackendRefGrant, controller.md 3.7).
  const std::string& owner_ns = owner.metadata.namespace_;
  if (options_.backend_ref_grant_mode == "route-and-policy" && ns != owner_ns &&
      !index_.ReferenceGranted(owner.id.group, owner.id.kind, owner_ns, group, kind, ns, name)) {
    const std::string& owner_kind = owner.id.kind;
    bool vowel = !owner_kind.empty() &&
                 std::string_view("aeiouAEIOU").find(owner_kind[0]) != std::string_view::npos;
    // A grant would not help when the namespace or name is mistyped.
    if (hint != nullptr && !index_.Contains(group, kind, ns, name)) {
      *hint = SuggestName(group, kind, ns, name);
    }
    return "backendRef " + ns + "/" + name + " not accessible to " + (vowel ? "an " : "a ") +
           owner_kind + " in namespace \"" + owner_ns + "\" (missing a ReferenceGrant?)";
  }
  if (group.empty() && kind == "Service") {
    if (name.find('.') != std::string::npos) {
      return "service name invalid; the name of the Service, not the hostname";
    }
    if (index_.FindService(ns, name) == nullptr) {
      std::string suggestion = SuggestName(group, kind, ns, name);
      if (TreatAsMissing(owner, "Service " + ns + "/" + name, field + ".name", suggestion)) {
        if (hint != nullptr) {
          *hint = suggestion;
        }
        return "unable to find the Service " + ns + "/" + name;
      }
    }
    if (ref.Find("port") == nullptr) {
      return "port is required for Service targets";
    }
    return std::nullopt;
  }
  if (group == model::kAgentgatewayGroup && kind == "AgentgatewayBackend") {
    if (index_.FindBackend(ns, name) == nullptr) {
      std::string suggestion = SuggestName(group, kind, ns, name);
      if (TreatAsMissing(owner, "AgentgatewayBackend " + ns + "/" + name, field + ".name",
                         suggestion)) {
        if (hint != nullptr) {
          *hint = suggestion;
        }
        return "unable to find the Backend " + ns + "/" + name;
      }
    }
    return std::nullopt;
  }
  // Go's schema.GroupKind String(): "Kind" or "Kind.group".
  return "unsupported backend " + kind + (group.empty() ? "" : "." + group);
}

bool Resolver::PersistedJwksAvailable(const std::vector<std::string>& key_parts) const {
  // The controller's JWKS fetcher persists each keyset in a ConfigMap of the system namespace,
  // labelled as a jwks-store, under its request key: remotehttp FetchTarget.Key(), the SHA-256
  // of the URL and its TLS transport, each part NUL-terminated (controller.md 5.2).
  std::string joined;
  for (const std::string& part : key_parts) {
    joined += part;
    joined.push_back('\0');
  }
  std::string request_key = Sha256Hex(joined);
  for (const manifest::Resource* resource : model_.other) {
    if (!resource->id.group.empty() || resource->id.kind != "ConfigMap" ||
        resource->id.namespace_ != kSystemNamespace) {
      continue;
    }
    const Value* labels = resource->object.Find("metadata");
    labels = labels == nullptr ? nullptr : labels->Find("labels");
    if (ValueText(labels, "app.kubernetes.io/component") != "jwks-store") {
      continue;
    }
    std::string stored = ValueText(resource->object.Find("data"), "jwks-store");
    nlohmann::json keyset = nlohmann::json::parse(stored, nullptr, /*allow_exceptions=*/false);
    auto stored_key = keyset.is_object() ? keyset.find("requestKey") : keyset.end();
    if (stored_key != keyset.end() && stored_key->is_string() &&
        stored_key->get<std::string>() == request_key) {
      return true;
    }
  }
  return false;
}

std::optional<std::string> Resolver::CheckRemoteJwks(const model::ObjectBase& owner,
                                                     const Value& jwks,
                                                     const std::string& policy_name,
                                                     const std::string& field, std::string* hint) {
  // A remote JWKS is inlined from the keyset the controller fetched earlier (controller.md 5.2).
  std::string url = ValueText(&jwks, "url");
  std::vector<std::string> transport;  // after the URL in the request key; empty: plain HTTP
  if (!url.empty()) {
    if (url.rfind("http://", 0) != 0) {
      transport = {"strict", "", ""};
    }
  } else {
    const Value* ref = jwks.Find("backendRef");
    if (ref == nullptr || !ref->is_map()) {
      return std::nullopt;
    }
    std::string group = ValueText(ref, "group");
    std::string kind = ValueText(ref, "kind", "Service");
    std::string name = ValueText(ref, "name");
    std::string ns = ValueText(ref, "namespace", owner.metadata.namespace_);
    std::string path = ValueText(&jwks, "jwksPath");
    path.erase(0, path.find_first_not_of('/'));
    if (group == model::kAgentgatewayGroup && kind == "AgentgatewayBackend") {
      const model::AgentgatewayBackend* backend = index_.FindBackend(ns, name);
      if (backend == nullptr) {
        std::string suggestion = SuggestName(group, kind, ns, name);
        if (TreatAsMissing(owner, "AgentgatewayBackend " + ns + "/" + name,
                           field + ".backendRef.name", suggestion)) {
          if (hint != nullptr) {
            *hint = suggestion;
          }
          return "backend " + ns + "/" + name + " not found, policy " + owner.metadata.namespace_ +
                 "/" + policy_name;
        }
        return std::nullopt;
      }
      if (!backend->static_ || !backend->static_->host) {
        return std::nullopt;  // not a host:port backend: the URL is not known here
      }
      const model::BackendPolicies* policies = backend->policies ? &*backend->policies : nullptr;
      if (policies != nullptr &&
          (policies->tunnel || (policies->tls && !policies->tls->ca_certificate_refs.empty()))) {
        return std::nullopt;  // the key hashes a proxy or CA bundle this tool does not rebuild
      }
      if (policies != nullptr && policies->tls) {
        // transportVerificationFingerprint, ServerName, CABundleHash (none), NextProtos.
        const model::BackendTLS& tls = *policies->tls;
        std::string verification = "strict";
        if (tls.insecure_skip_verify == "All") {
          verification = "insecure";
        } else if (tls.insecure_skip_verify == "Hostname") {
          verification = "hostname";
        }
        transport = {verification, tls.sni.value_or(""), ""};
        if (tls.alpn_protocols) {
          transport.insert(transport.end(), tls.alpn_protocols->begin(), tls.alpn_protocols->end());
        }
      }
      url = std::string(transport.empty() ? "http://" : "https://") + *backend->static_->host +
            ":" + std::to_string(backend->static_->port.value_or(transport.empty() ? 80 : 443)) +
            "/" + path;
    } else if (group.empty() && kind == "Service") {
      const Value* port = ref->Find("port");
      url = "http://" + name + "." + ns + ".svc." + options_.cluster_domain + ":" +
            (port != nullptr ? port->text() : "80") + "/" + path;
    } else {
      return std::nullopt;
    }
  }
  if (transport.empty()) {
    transport = {"", "", ""};
  }
  transport.insert(transport.begin(), url);
  if (PersistedJwksAvailable(transport)) {
    return std::nullopt;
  }
  return "jwks keyset for \"" + url + "\" isn't available (not yet fetched or fetch failed)";
}

void Resolver::CheckBackendAuth(const model::ObjectBase& owner, const model::BackendAuth& auth,
                                const std::string& path, std::vector<Problem>& problems) {
  // translateBackendAuth: the one primary credential kind, then the extra credentials
  // (controller.md 6).
  const std::string& ns = owner.metadata.namespace_;
  auto add = [&](std::optional<Problem> problem) {
    if (problem) {
      problems.push_back(std::move(*problem));
    }
  };
  // Keys read verbatim (GetSecretDataValue): present is enough, even when empty.
  auto require_keys = [&](const Value* config, const std::string& field,
                          std::initializer_list<const char*> keys) {
    std::optional<model::LocalSecretRef> ref = SecretRefAt(config, "secretRef");
    if (!ref) {
      return;
    }
    CredentialLookup lookup = ResolveCredentialRef(owner, *ref, field + ".secretRef");
    add(lookup.problem);
    if (lookup.secret == nullptr) {
      return;
    }
    for (const char* key : keys) {
      if (lookup.secret->data.count(key) == 0) {
        problems.push_back({"TranslationError",
                            std::string(key) + " is missing or not a valid string",
                            field + ".secretRef"});
      }
    }
  };
  if (auth.key && !auth.key->empty()) {
    // an inline key needs nothing resolved
  } else if (auth.secret_ref) {
    add(ResolveSecretKey(owner, *auth.secret_ref, "Authorization", /*auth_value=*/true,
                         path + ".secretRef"));
  } else if (auth.aws) {
    require_keys(&*auth.aws, path + ".aws", {"accessKey", "secretKey"});
  } else if (auth.azure) {
    require_keys(&*auth.azure, path + ".azure", {"clientID", "tenantID", "clientSecret"});
  } else if (auth.gcp) {
    if (std::optional<model::LocalSecretRef> ref = SecretRefAt(&*auth.gcp, "secretRef")) {
      std::string field = path + ".gcp.secretRef";
      CredentialLookup lookup = ResolveCredentialRef(owner, *ref, field);
      add(lookup.problem);
      std::string key = ref->key.value_or("credentials.json");
      if (lookup.secret != nullptr && lookup.secret->data.count(key) == 0) {
        problems.push_back({"TranslationError",
                            "secret " + ns + "/" + ref->name + " missing " + key + " value",
                            field});
      }
    }
  } else if (auth.oauth_token_exchange) {
    std::string field = path + ".oauthTokenExchange.clientAuth";
    const Value* client_auth = auth.oauth_token_exchange->Find("clientAuth");
    if (std::optional<model::LocalSecretRef> ref = SecretRefAt(client_auth, "secretRef")) {
      add(ResolveSecretKey(owner, *ref, "clientSecret", false, field + ".secretRef"));
    }
    const Value* jwt = client_auth == nullptr ? nullptr : client_auth->Find("privateKeyJwt");
    if (std::optional<model::LocalSecretRef> ref = SecretRefAt(jwt, "signingKeyRef")) {
      add(ResolveSecretKey(owner, *ref, "signingKey", false,
                           field + ".privateKeyJwt.signingKeyRef"));
    }
    if (std::optional<model::LocalSecretRef> ref = SecretRefAt(jwt, "certificateRef")) {
      add(ResolveSecretKey(owner, *ref, "certificate", false,
                           field + ".privateKeyJwt.certificateRef"));
    }
  } else if (auth.jwt_sign) {
    if (std::optional<model::LocalSecretRef> ref = SecretRefAt(&*auth.jwt_sign, "signingKeyRef")) {
      std::string field = path + ".jwtSign.signingKeyRef";
      CredentialLookup lookup = ResolveCredentialRef(owner, *ref, field);
      if (lookup.problem) {
        problems.push_back({"TranslationError",
                            "failed to resolve jwtSign signing secret " + ns + "/" + ref->name,
                            field + ".name", manifest::Position(), lookup.problem->hint});
      } else if (lookup.secret != nullptr) {
        add(ResolveSecretKey(owner, *ref, "signingKey", false, field));
      }
    }
  }
  if (auth.credentials && auth.credentials->is_sequence()) {
    const Value* credentials = &*auth.credentials;
    for (std::size_t i = 0; i < credentials->items().size(); ++i) {
      const Value& credential = credentials->items()[i];
      std::string field = path + ".credentials[" + std::to_string(i) + "].secretRef";
      std::optional<model::LocalSecretRef> ref = SecretRefAt(&credential, "secretRef");
      if (!ref) {
        continue;
      }
      const Value* location = credential.Find("location");
      std::string location_name;
      for (const char* kind : {"header", "queryParameter", "cookie"}) {
        if (const Value* entry = location == nullptr ? nullptr : location->Find(kind)) {
          location_name = ValueText(entry, "name");
        }
      }
      std::string prefix = "backendAuth credential \"" + location_name + "\": ";
      CredentialLookup lookup = ResolveCredentialRef(owner, *ref, field);
      std::string key = ref->key.value_or("Authorization");
      if (lookup.problem) {
        problems.push_back({"TranslationError", prefix + lookup.problem->message, field,
                            manifest::Position(), lookup.problem->hint});
      } else if (lookup.secret != nullptr && lookup.secret->data.count(key) == 0) {
        problems.push_back(
            {"TranslationError",
             prefix + "secret " + ns + "/" + ref->name + " missing key \"" + key + "\"", field});
      }
    }
  }
}

void Resolver::CheckBackendPolicies(const model::ObjectBase& owner,
                                    const model::BackendPolicies& policies, const std::string& path,
                                    const std::string& policy_name,
                                    std::vector<Problem>& problems) {
  // translateBackendPolicyToAgw: the sections in this order, every error kept and joined
  // (controller.md 5.2, 7.3), CEL syntax included.
  const std::string& ns = owner.metadata.namespace_;
  auto add_ref_error = [&](const Value* holder, const std::string& field,
                           const std::string& prefix) {
    const Value* ref = holder == nullptr ? nullptr : holder->Find("backendRef");
    if (ref == nullptr || !ref->is_map()) {
      return;
    }
    std::string hint;
    if (std::optional<std::string> error =
            CheckPolicyBackendRef(owner, *ref, field + ".backendRef", &hint)) {
      problems.push_back(
          {"TranslationError", prefix + *error, field + ".backendRef", manifest::Position(), hint});
    }
  };
  if (policies.tunnel) {
    add_ref_error(&*policies.tunnel, path + ".tunnel", "");
  }
  if (policies.tls) {
    for (std::size_t i = 0; i < policies.tls->mtls_certificate_refs.size(); ++i) {
      const std::string& name = policies.tls->mtls_certificate_refs[i];
      std::string field = path + ".tls.mtlsCertificateRef[" + std::to_string(i) + "].name";
      if (index_.FindSecret(ns, name) != nullptr) {
        continue;
      }
      std::string suggestion = SuggestName("", "Secret", ns, name, /*local_only=*/true);
      if (TreatAsMissing(owner, "Secret " + ns + "/" + name, field, suggestion)) {
        problems.push_back({"TranslationError", "secret " + ns + "/" + name + " not found", field,
                            manifest::Position(), suggestion});
      }
    }
    for (std::size_t i = 0; i < policies.tls->ca_certificate_refs.size(); ++i) {
      const model::CACertificateRef& ref = policies.tls->ca_certificate_refs[i];
      std::string field = path + ".tls.caCertificateRefs[" + std::to_string(i) + "]";
      // cacert.Resolve: a ConfigMap (default) or Secret holding ca.crt.
      std::optional<std::map<std::string, std::string>> data;
      if (ref.kind == "Secret") {
        if (const model::Secret* secret = index_.FindSecret(ns, ref.name)) {
          data = secret->data;
        }
      } else {
        data = index_.ConfigMapData(ns, ref.name);
      }
      std::string id = ref.kind + " " + ns + "/" + ref.name;
      if (!data) {
        std::string suggestion = SuggestName("", ref.kind, ns, ref.name, /*local_only=*/true);
        if (TreatAsMissing(owner, id, field + ".name", suggestion)) {
          problems.push_back({"TranslationError", id + " not found", field + ".name",
                              manifest::Position(), suggestion});
        }
      } else if (auto it = data->find("ca.crt"); it == data->end() || Trim(it->second).empty()) {
        problems.push_back({"TranslationError",
                            "error extracting CA cert from " + id + ": missing ca.crt", field});
      }
    }
  }
  if (policies.health && policies.health->unhealthy_condition &&
      !IsCel(*policies.health->unhealthy_condition)) {
    problems.push_back({"TranslationError",
                        "backend health unhealthyCondition is not a valid CEL expression: " +
                            *policies.health->unhealthy_condition,
                        path + ".health.unhealthyCondition"});
  }
  if (policies.transformation) {
    CheckTransformationCel(*policies.transformation, path + ".transformation", problems);
  }
  if (policies.mcp) {
    // authorization, authentication, then guardrails.
    const Value* authorization = policies.mcp->Find("authorization");
    const Value* rule = authorization == nullptr ? nullptr : authorization->Find("policy");
    CheckCelList(rule == nullptr ? nullptr : rule->Find("matchExpressions"),
                 path + ".mcp.authorization.policy.matchExpressions",
                 "backend MCP authorization matchExpression", problems);
    const Value* authentication = policies.mcp->Find("authentication");
    if (const Value* jwks = authentication == nullptr ? nullptr : authentication->Find("jwks")) {
      std::string hint;
      if (std::optional<std::string> error = CheckRemoteJwks(
              owner, *jwks, policy_name, path + ".mcp.authentication.jwks", &hint)) {
        problems.push_back({"TranslationError", *error, path + ".mcp.authentication.jwks",
                            manifest::Position(), hint});
      }
    }
    const Value* guardrails = policies.mcp->Find("guardrails");
    const Value* processors = ValueItems(guardrails, "processors");
    for (std::size_t i = 0; processors != nullptr && i < processors->items().size(); ++i) {
      const Value* remote = processors->items()[i].Find("remote");
      std::string field = path + ".mcp.guardrails.processors[" + std::to_string(i) + "].remote";
      CheckCelMap(remote == nullptr ? nullptr : remote->Find("metadata"), field + ".metadata",
                  "mcpGuardrails metadata", problems);
    }
  }
  if (policies.ai) {
    // translateBackendAI: the field transformations, then the prompt guards.
    for (std::size_t i = 0; i < policies.ai->transformations.size(); ++i) {
      const model::FieldTransformation& transformation = policies.ai->transformations[i];
      if (!IsCel(transformation.expression)) {
        problems.push_back({"TranslationError",
                            "transformation " + GoQuote(transformation.field) +
                                " is not a valid CEL expression: " + transformation.expression,
                            path + ".ai.transformations[" + std::to_string(i) + "].expression"});
      }
    }
  }
  if (policies.ai && policies.ai->prompt_guard) {
    // processRequestGuard, then processResponseGuard: the first failing webhook of each
    // (processWebhook: its backendRef, else its CEL headers).
    for (const char* direction : {"request", "response"}) {
      const Value* guards = ValueItems(&*policies.ai->prompt_guard, direction);
      if (guards == nullptr) {
        continue;
      }
      std::size_t before = problems.size();
      for (std::size_t i = 0; i < guards->items().size() && problems.size() == before; ++i) {
        const Value* webhook = guards->items()[i].Find("webhook");
        std::string field =
            path + ".ai.promptGuard." + direction + "[" + std::to_string(i) + "].webhook";
        add_ref_error(webhook, field, "failed to build webhook: ");
        if (webhook != nullptr && problems.size() == before) {
          CheckCelMap(webhook->Find("headers"), field + ".headers", "webhook header", problems);
        }
      }
    }
  }
  if (policies.auth) {
    CheckBackendAuth(owner, *policies.auth, path + ".auth", problems);
  }
  if (policies.ext_auth) {
    add_ref_error(&*policies.ext_auth, path + ".extAuth", "failed to build extAuth: ");
    CheckExtAuthCel(*policies.ext_auth, path + ".extAuth", problems);
  }
}

void Resolver::ResolveBackend(const model::AgentgatewayBackend& backend) {
  std::vector<Problem> problems;
  if (backend.policies) {
    CheckBackendPolicies(backend, *backend.policies, "spec.policies", "inline_policy", problems);
  }
  // TranslateMCPBackends: each static target's own policies (BackendSimple), after spec.policies
  // (controller.md 4.1, 4.3).
  for (const model::MCPTargetPolicies& target : backend.mcp_target_policies) {
    CheckBackendPolicies(backend, target.policies, target.path, "inline_policy", problems);
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
                               "inline_policy", provider_problems);
          for (const Problem& problem : provider_problems) {
            Report(backend, manifest::Severity::kWarning, "provider-policy-error",
                   "provider \"" + provider.name + "\": " + problem.message +
                       " (the controller only logs this; the provider is sent without it)",
                   problem.field_path, problem.hint, problem.position);
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
             JoinHints(problem.hint,
                       "the controller does not program this backend: routes to it get HTTP 500"),
             problem.position);
    }
    status.conditions.push_back(
        {"Accepted", "False", "TranslationError", "failed to translate backend: " + joined});
  }
  out_.status.backends.push_back(std::move(status));
}

}  // namespace agw::validate::resolve::internal
