#include "emulator/io/tls_listeners.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace agw::emulator::io {
namespace ssl = boost::asio::ssl;

namespace {

const validate::model::Secret* FindSecret(const validate::model::Model& model,
                                          const std::string& ns, const std::string& name) {
  for (const validate::model::Secret& secret : model.secrets) {
    if (secret.metadata.namespace_ == ns && secret.metadata.name == name) {
      return &secret;
    }
  }
  return nullptr;
}

bool HostMatches(std::string_view pattern, std::string_view name) {
  if (pattern.empty()) {
    return true;
  }
  if (pattern.rfind("*.", 0) == 0) {
    std::string_view suffix = pattern.substr(1);  // ".example.com"
    return name.size() > suffix.size() && name.ends_with(suffix);
  }
  return pattern == name;
}

// A throwaway certificate for `hostname` (P-256, valid for a day), for listeners whose Secret
// the manifests leave out: clients then connect with -k / verify=False, as against a test cluster.
Expected<void> UseSelfSigned(ssl::context& context, const std::string& hostname) {
  std::string name = hostname.empty() ? "localhost" : hostname;
  if (name.rfind("*.", 0) == 0) {
    name = "wildcard" + name.substr(1);
  }
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* certificate = X509_new();
  bool ok = key != nullptr && certificate != nullptr;
  if (ok) {
    ASN1_INTEGER_set(X509_get_serialNumber(certificate), 1);
    X509_gmtime_adj(X509_getm_notBefore(certificate), -60);
    X509_gmtime_adj(X509_getm_notAfter(certificate), 24 * 3600);
    X509_set_pubkey(certificate, key);
    X509_NAME* subject = X509_get_subject_name(certificate);
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
    X509_set_issuer_name(certificate, subject);
    std::string san = "DNS:" + (hostname.empty() ? std::string("localhost") : hostname);
    X509_EXTENSION* extension =
        X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str());
    ok = extension != nullptr && X509_add_ext(certificate, extension, -1) == 1;
    X509_EXTENSION_free(extension);
    ok = ok && X509_sign(certificate, key, EVP_sha256()) > 0 &&
         SSL_CTX_use_certificate(context.native_handle(), certificate) == 1 &&
         SSL_CTX_use_PrivateKey(context.native_handle(), key) == 1;
  }
  X509_free(certificate);
  EVP_PKEY_free(key);
  if (!ok) {
    return MakeError("cannot make a self-signed certificate for " + name);
  }
  return {};
}

}  // namespace

ServerTls::~ServerTls() = default;

Expected<std::unique_ptr<ServerTls>> ServerTls::Make(const std::vector<Listener>& listeners,
                                                     const validate::model::Model& model,
                                                     std::vector<std::string>& notes) {
  auto tls = std::unique_ptr<ServerTls>(new ServerTls());
  for (const Listener& entry : listeners) {
    const validate::model::Listener& listener = *entry.listener;
    if (listener.protocol != "HTTPS" || !listener.tls || listener.tls->certificate_refs.empty()) {
      continue;
    }
    const validate::model::SecretObjectReference& ref = listener.tls->certificate_refs.front();
    std::string ns = ref.namespace_.value_or(entry.gateway->metadata.namespace_);
    std::string where = "Gateway " + entry.gateway->metadata.namespace_ + "/" +
                        entry.gateway->metadata.name + " listener " + listener.name +
                        ": certificate Secret " + ns + "/" + ref.name;
    const validate::model::Secret* secret = FindSecret(model, ns, ref.name);
    auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1);
    if (secret == nullptr) {
      if (auto made = UseSelfSigned(*context, listener.hostname.value_or("")); !made) {
        return tl::unexpected(made.error());
      }
      notes.push_back(where + " is not in the manifests: serving a self-signed certificate");
      tls->contexts_.push_back({listener.hostname.value_or(""), std::move(context)});
      continue;
    }
    auto crt = secret->data.find("tls.crt");
    auto key = secret->data.find("tls.key");
    if (crt == secret->data.end() || key == secret->data.end()) {
      return MakeError(where + " needs keys tls.crt and tls.key");
    }
    boost::system::error_code ec;
    context->use_certificate_chain(boost::asio::buffer(crt->second), ec);
    if (ec) {
      return MakeError(where + ": tls.crt is not a PEM certificate (" + ec.message() + ")");
    }
    context->use_private_key(boost::asio::buffer(key->second), ssl::context::pem, ec);
    if (ec) {
      return MakeError(where + ": tls.key is not a PEM private key (" + ec.message() + ")");
    }
    if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
      return MakeError(where + ": tls.key does not belong to tls.crt");
    }
    tls->contexts_.push_back({listener.hostname.value_or(""), std::move(context)});
  }
  if (tls->contexts_.empty()) {
    return std::unique_ptr<ServerTls>();
  }
  // Every context may start a handshake that SNI then moves: each gets the callback.
  for (HostContext& host : tls->contexts_) {
    SSL_CTX_set_tlsext_servername_callback(
        host.context->native_handle(),
        reinterpret_cast<int (*)(SSL*, int*, void*)>(&ServerTls::OnServerName));
    SSL_CTX_set_tlsext_servername_arg(host.context->native_handle(), tls.get());
  }
  return tls;
}

ssl::context* ServerTls::Select(std::string_view server_name) {
  HostContext* best = nullptr;
  for (HostContext& host : contexts_) {
    if (!HostMatches(host.hostname, server_name)) {
      continue;
    }
    auto rank = [](const HostContext& h) {
      bool wildcard = h.hostname.rfind("*.", 0) == 0;
      // exact beats wildcard beats empty; longer wildcards first
      return h.hostname.empty() ? 0 : wildcard ? 1 + static_cast<int>(h.hostname.size()) : 1 << 20;
    };
    if (best == nullptr || rank(host) > rank(*best)) {
      best = &host;
    }
  }
  return best == nullptr ? nullptr : best->context.get();
}

int ServerTls::OnServerName(void* ssl_handle, int* alert, void* self) {
  SSL* ssl = static_cast<SSL*>(ssl_handle);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  ssl::context* chosen = static_cast<ServerTls*>(self)->Select(name == nullptr ? "" : name);
  if (chosen == nullptr) {
    // Without SNI the first listener's certificate answers; a name no listener serves fails.
    return name == nullptr ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  SSL_set_SSL_CTX(ssl, chosen->native_handle());
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace agw::emulator::io
