// The only file of the cluster library that includes libcurl.
#include "validate/cluster/curl_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <utility>
#include <vector>

#include "validate/cluster/proxy.h"

namespace agw::validate::cluster {

namespace {

// curl_global_init is not safe to race with other threads' curl use: run it once, first.
void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string Seconds(std::chrono::milliseconds duration) {
  auto count = duration.count();
  return count % 1000 == 0 ? std::to_string(count / 1000) + " s" : std::to_string(count) + " ms";
}

// "256 MiB", or "1000 bytes" for a limit that is not a whole number of MiB.
std::string Size(std::size_t bytes) {
  return bytes % (1 << 20) == 0 ? std::to_string(bytes >> 20) + " MiB"
                                : std::to_string(bytes) + " bytes";
}

// Percent-encodes an Impersonate-Extra-<key> header name's key, as client-go does for
// characters outside the token set.
std::string EscapeHeaderKey(const std::string& key) { return PercentEncode(key, "!#$&'*+-.^_`|~"); }

class CurlTransport : public Transport {
 public:
  CurlTransport(std::string label, std::string base_url, TransportOptions options)
      : label_(std::move(label)), base_url_(std::move(base_url)), options_(std::move(options)) {}

  ~CurlTransport() override {
    if (easy_ != nullptr) {
      curl_easy_cleanup(easy_);
    }
    curl_slist_free_all(headers_);
    curl_slist_free_all(connect_to_);
  }

  Expected<void> Configure(const ClusterConnection& connection, const Credentials& credentials,
                           const Environment& environment) {
    easy_ = curl_easy_init();
    if (easy_ == nullptr) {
      return MakeError("cannot initialise libcurl");
    }
    std::vector<std::string> headers = {"Accept: application/json"};
    if (!credentials.bearer_token.empty()) {
      headers.push_back("Authorization: Bearer " + credentials.bearer_token);
    }
    if (!connection.impersonate.empty()) {
      headers.push_back("Impersonate-User: " + connection.impersonate);
    }
    if (!connection.impersonate_uid.empty()) {
      headers.push_back("Impersonate-Uid: " + connection.impersonate_uid);
    }
    for (const std::string& group : connection.impersonate_groups) {
      headers.push_back("Impersonate-Group: " + group);
    }
    for (const auto& [key, values] : connection.impersonate_user_extra) {
      for (const std::string& value : values) {
        headers.push_back("Impersonate-Extra-" + EscapeHeaderKey(key) + ": " + value);
      }
    }
    Expected<UrlParts> server = SplitUrl(connection.server);
    if (!server) {
      return MakeError("the server URL " + connection.server + " is not valid");
    }
    if (connection.uses_tls() && !connection.tls_server_name.empty()) {
      // curl 7.88 has no option for SNI alone: ask for the URL with the TLS name as its host
      // (SNI and verification follow the URL), connect to the real address instead, and keep
      // the Host header of the real URL as Go's transport sends it.
      std::string port = server->port.empty() ? "443" : server->port;
      std::string host =
          server->host.find(':') != std::string::npos ? "[" + server->host + "]" : server->host;
      connect_to_ = curl_slist_append(
          nullptr, (connection.tls_server_name + ":" + port + ":" + host + ":" + port).c_str());
      headers.push_back("Host: " + host + (server->port.empty() ? "" : ":" + server->port));
      base_url_ = "https://" + connection.tls_server_name + ":" + port + server->path;
      curl_easy_setopt(easy_, CURLOPT_CONNECT_TO, connect_to_);
    }
    for (const std::string& header : headers) {
      headers_ = curl_slist_append(headers_, header.c_str());
    }
    curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy_, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy_, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy_, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connect_timeout.count()));
    curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(options_.request_timeout.count()));
    curl_easy_setopt(easy_, CURLOPT_USERAGENT, options_.user_agent.c_str());
    if (!connection.disable_compression &&
        (curl_version_info(CURLVERSION_NOW)->features & CURL_VERSION_LIBZ) != 0) {
      curl_easy_setopt(easy_, CURLOPT_ACCEPT_ENCODING, "gzip");
    }
    proxy_ = ProxyFor(connection.server, connection.proxy_url, environment);
    curl_easy_setopt(easy_, CURLOPT_PROXY, proxy_.c_str());  // "" turns curl's env reading off
    curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, error_);
    curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &CurlTransport::Write);
    curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
    if (connection.uses_tls()) {
      curl_easy_setopt(easy_, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
      if (connection.insecure_skip_tls_verify) {
        curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYHOST, 0L);
      } else if (!connection.ca_pem.empty()) {
        curl_blob ca{const_cast<char*>(connection.ca_pem.data()), connection.ca_pem.size(),
                     CURL_BLOB_COPY};
        curl_easy_setopt(easy_, CURLOPT_CAINFO_BLOB, &ca);
        // Only the cluster's CA, as Go's RootCAs: no default bundle or directory besides.
        curl_easy_setopt(easy_, CURLOPT_CAINFO, nullptr);
        curl_easy_setopt(easy_, CURLOPT_CAPATH, nullptr);
      }
      if (!credentials.client_certificate_pem.empty()) {
        curl_blob cert{const_cast<char*>(credentials.client_certificate_pem.data()),
                       credentials.client_certificate_pem.size(), CURL_BLOB_COPY};
        curl_blob key{const_cast<char*>(credentials.client_key_pem.data()),
                      credentials.client_key_pem.size(), CURL_BLOB_COPY};
        curl_easy_setopt(easy_, CURLOPT_SSLCERT_BLOB, &cert);
        curl_easy_setopt(easy_, CURLOPT_SSLCERTTYPE, "PEM");
        curl_easy_setopt(easy_, CURLOPT_SSLKEY_BLOB, &key);
        curl_easy_setopt(easy_, CURLOPT_SSLKEYTYPE, "PEM");
      }
      if (!credentials.username.empty() || !credentials.password.empty()) {
        curl_easy_setopt(easy_, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
        curl_easy_setopt(easy_, CURLOPT_USERNAME, credentials.username.c_str());
        curl_easy_setopt(easy_, CURLOPT_PASSWORD, credentials.password.c_str());
      }
    }
    uses_ca_ = !connection.ca_pem.empty();
    has_client_certificate_ = !credentials.client_certificate_pem.empty();
    return {};
  }

  Expected<HttpResponse> Get(const std::string& target) override {
    std::lock_guard lock(mu_);
    body_.clear();
    too_large_ = false;
    error_[0] = '\0';
    const std::string url = base_url_ + target;
    curl_easy_setopt(easy_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy_, CURLOPT_HTTPGET, 1L);
    CURLcode code = curl_easy_perform(easy_);
    if (code != CURLE_OK) {
      return MakeError(Describe(code, target));
    }
    HttpResponse response;
    long status = 0;
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    char* content_type = nullptr;
    curl_easy_getinfo(easy_, CURLINFO_CONTENT_TYPE, &content_type);
    if (content_type != nullptr) {
      response.content_type = content_type;
    }
    response.body = std::move(body_);
    body_ = std::string();
    return response;
  }

 private:
  static size_t Write(char* data, size_t size, size_t count, void* self_pointer) {
    auto* self = static_cast<CurlTransport*>(self_pointer);
    std::size_t bytes = size * count;
    if (self->body_.size() + bytes > self->options_.max_response_bytes) {
      self->too_large_ = true;
      return 0;  // makes curl stop with CURLE_WRITE_ERROR
    }
    self->body_.append(data, bytes);
    return bytes;
  }

  std::string Reason(CURLcode code) const {
    return error_[0] != '\0' ? std::string(error_) : std::string(curl_easy_strerror(code));
  }

  // OpenSSL's "OpenSSL SSL_read: OpenSSL/3.0.x: error:0A000418:SSL routines::tlsv1 alert
  // unknown ca, errno 0" reduced to "tlsv1 alert unknown ca".
  static std::string TlsReason(std::string reason) {
    if (std::size_t routines = reason.find("routines::"); routines != std::string::npos) {
      reason = reason.substr(routines + 10);
      reason = reason.substr(0, reason.find(", errno"));
    }
    return reason;
  }

  std::string Describe(CURLcode code, const std::string& target) const {
    std::string via = proxy_.empty() ? "" : " through the proxy " + RedactUrl(proxy_);
    switch (code) {
      case CURLE_WRITE_ERROR:
        if (too_large_) {
          return "the answer of " + label_ + " to GET " + target + " exceeds " +
                 Size(options_.max_response_bytes);
        }
        break;
      case CURLE_COULDNT_CONNECT: {
        long os_errno = 0;
        curl_easy_getinfo(easy_, CURLINFO_OS_ERRNO, &os_errno);
        return "cannot reach " + label_ + via + ": " +
               (os_errno != 0 ? std::string(std::strerror(static_cast<int>(os_errno)))
                              : Reason(code));
      }
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
        return "cannot reach " + label_ + via + ": " + Reason(code);
      case CURLE_OPERATION_TIMEDOUT: {
        // Before the request went out, the connection (TCP, proxy tunnel or TLS handshake) is
        // what hung, under whichever of the two limits is shorter.
        curl_off_t pretransfer = 0;
        curl_easy_getinfo(easy_, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
        if (pretransfer == 0) {
          return "cannot reach " + label_ + via + ": no connection within " +
                 Seconds(std::min(options_.connect_timeout, options_.request_timeout));
        }
        return label_ + " did not answer GET " + target + " within " +
               Seconds(options_.request_timeout);
      }
      case CURLE_PEER_FAILED_VERIFICATION:
        return "cannot verify the certificate of " + label_ + ": " + Reason(code) +
               (uses_ca_ ? ""
                         : " (the cluster names no certificate-authority, so the system's "
                           "trusted CAs were used)");
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_CIPHER:
      case CURLE_SSL_CACERT_BADFILE:
        return "the TLS handshake with " + label_ + " failed: " + TlsReason(Reason(code));
      case CURLE_RECV_ERROR:
      case CURLE_SEND_ERROR:
        // With TLS 1.3 the server judges the client certificate after the client has finished
        // its side of the handshake: the refusal arrives as an alert on the first read.
        if (std::string reason = Reason(code); reason.find(" alert ") != std::string::npos) {
          return "the TLS handshake with " + label_ + " failed: " + TlsReason(reason) +
                 (has_client_certificate_ ? " (the server did not accept the client certificate)"
                                          : "");
        }
        break;
      default:
        break;
    }
    return "GET " + target + " to " + label_ + via + " failed: " + Reason(code);
  }

  std::string label_;
  std::string base_url_;
  TransportOptions options_;
  std::string proxy_;
  bool uses_ca_ = false;
  bool has_client_certificate_ = false;
  CURL* easy_ = nullptr;
  curl_slist* headers_ = nullptr;
  curl_slist* connect_to_ = nullptr;
  std::mutex mu_;
  std::string body_;
  bool too_large_ = false;
  char error_[CURL_ERROR_SIZE] = {};
};

}  // namespace

Expected<std::unique_ptr<Transport>> MakeCurlTransport(const ClusterConnection& connection,
                                                       const Credentials& credentials,
                                                       const Environment& environment,
                                                       const TransportOptions& options) {
  InitCurlOnce();
  auto transport =
      std::make_unique<CurlTransport>(DescribeServer(connection), connection.server, options);
  if (Expected<void> configured = transport->Configure(connection, credentials, environment);
      !configured) {
    return tl::unexpected(configured.error());
  }
  return std::unique_ptr<Transport>(std::move(transport));
}

}  // namespace agw::validate::cluster
