#pragma once

#include <string>
#include <string_view>

#include "validate/cluster/environment.h"
#include "validate/manifest/error.h"

namespace agw::validate::cluster {

// The parts of an absolute URL this library needs. `host` has no brackets ("::1"), `port` is ""
// when the URL names none.
struct UrlParts {
  std::string scheme;  // lower case
  std::string userinfo;
  std::string host;  // lower case
  std::string port;
  std::string path;  // from the first '/' after the authority, query included; may be ""
};

// Splits "scheme://[userinfo@]host[:port][/path]"; fails on a missing scheme or host.
Expected<UrlParts> SplitUrl(std::string_view url);

// The URL with any "user:password@" replaced by "***@", for messages.
std::string RedactUrl(std::string_view url);

// A kubeconfig proxy-url as client-go accepts it (client_config.go parseProxyURL): a URL whose
// scheme is http, https or socks5. The error says why not:
//   unsupported scheme "ftp", must be http, https, or socks5
Expected<void> CheckProxyUrl(std::string_view proxy_url);

// The proxy for a request to `server_url`, as kubectl picks it, in the form libcurl takes
// ("http://host:port", "socks5h://host:port"), or "" for a direct connection:
// - the cluster's proxy-url when set (kubectl then ignores the environment);
// - else Go's http.ProxyFromEnvironment (golang.org/x/net/http/httpproxy): HTTPS_PROXY (then
//   https_proxy) for https servers, HTTP_PROXY (then http_proxy) for http ones, a value without
//   a scheme read as http://; no proxy for "localhost" or a loopback IP; NO_PROXY (then no_proxy)
//   is a comma list of "*", IPs, CIDRs, "host", ".domain" and "*.domain" entries, each with an
//   optional ":port", where "host" matches the host and its subdomains.
// Go's socks5 dialer sends host names to the proxy, so socks5:// becomes curl's socks5h://.
std::string ProxyFor(std::string_view server_url, std::string_view cluster_proxy_url,
                     const Environment& environment);

}  // namespace agw::validate::cluster
