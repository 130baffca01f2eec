// Certificates for the fake API server, made in process with OpenSSL's C API.
#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <utility>

#include "tests/support/fake_api_server.h"

namespace agw::test {

namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

Key NewKey() { return Key(EVP_EC_gen("P-256"), &EVP_PKEY_free); }

std::string ToPem(X509* cert) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_X509(bio.get(), cert);
  BUF_MEM* memory = nullptr;
  BIO_get_mem_ptr(bio.get(), &memory);
  return std::string(memory->data, memory->length);
}

std::string ToPem(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  BUF_MEM* memory = nullptr;
  BIO_get_mem_ptr(bio.get(), &memory);
  return std::string(memory->data, memory->length);
}

bool AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  if (extension == nullptr) {
    return false;
  }
  bool added = X509_add_ext(cert, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  return added;
}

// A certificate for `key` named `subject` ("CN" and optional "O"), signed by `issuer_key` as
// `issuer` (or self-signed when `issuer` is null), with the given extensions.
Cert MakeCertificate(EVP_PKEY* key, const std::string& common_name, const std::string& organization,
                     X509* issuer, EVP_PKEY* issuer_key,
                     const std::vector<std::pair<int, std::string>>& extensions) {
  static std::atomic<long> serial{
      static_cast<long>(std::chrono::system_clock::now().time_since_epoch().count() & 0xffffff)};
  Cert cert(X509_new(), &X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 2 * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (!organization.empty()) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(organization.c_str()), -1, -1,
                               0);
  }
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  for (const auto& [nid, value] : extensions) {
    if (!AddExtension(cert.get(), signer, nid, value)) {
      return Cert(nullptr, &X509_free);
    }
  }
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0) {
    return Cert(nullptr, &X509_free);
  }
  return cert;
}

}  // namespace

tl::expected<FakePki, std::string> GenerateFakePki(const std::vector<std::string>& dns_names,
                                                   const std::string& client_user) {
  Key ca_key = NewKey();
  Key server_key = NewKey();
  Key client_key = NewKey();
  if (!ca_key || !server_key || !client_key) {
    return tl::unexpected<std::string>("cannot generate EC keys");
  }
  Cert ca = MakeCertificate(ca_key.get(), "fake-kubernetes-ca", "", nullptr, ca_key.get(),
                            {{NID_basic_constraints, "critical,CA:TRUE"},
                             {NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature"},
                             {NID_subject_key_identifier, "hash"}});
  if (!ca) {
    return tl::unexpected<std::string>("cannot make the CA certificate");
  }
  std::string names = "IP:127.0.0.1,DNS:localhost";
  for (const std::string& dns : dns_names) {
    names += ",DNS:" + dns;
  }
  Cert server = MakeCertificate(server_key.get(), "kube-apiserver", "", ca.get(), ca_key.get(),
                                {{NID_basic_constraints, "critical,CA:FALSE"},
                                 {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
                                 {NID_ext_key_usage, "serverAuth"},
                                 {NID_subject_alt_name, names},
                                 {NID_authority_key_identifier, "keyid:always"}});
  Cert client =
      MakeCertificate(client_key.get(), client_user, "system:masters", ca.get(), ca_key.get(),
                      {{NID_basic_constraints, "critical,CA:FALSE"},
                       {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
                       {NID_ext_key_usage, "clientAuth"},
                       {NID_authority_key_identifier, "keyid:always"}});
  if (!server || !client) {
    return tl::unexpected<std::string>("cannot make the server or client certificate");
  }
  FakePki pki;
  pki.ca_pem = ToPem(ca.get());
  pki.ca_key_pem = ToPem(ca_key.get());
  pki.server_cert_pem = ToPem(server.get());
  pki.server_key_pem = ToPem(server_key.get());
  pki.client_cert_pem = ToPem(client.get());
  pki.client_key_pem = ToPem(client_key.get());
  return pki;
}

}  // namespace agw::test
