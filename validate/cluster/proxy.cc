#include "validate/cluster/proxy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <optional>
#include <vector>

namespace agw::validate::cluster {

namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string Trim(std::string_view text) {
  std::size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) {
    return "";
  }
  std::size_t end = text.find_last_not_of(" \t");
  return std::string(text.substr(begin, end - begin + 1));
}

// An IPv4 or IPv6 address as 16 bytes (IPv4 mapped into ::ffff:0:0/96, as Go's net.IP is).
struct Ip {
  std::array<std::uint8_t, 16> bytes{};
  bool v4 = false;
};

std::optional<Ip> ParseIp(const std::string& text) {
  Ip ip;
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    ip.v4 = true;
    ip.bytes[10] = 0xff;
    ip.bytes[11] = 0xff;
    std::copy_n(reinterpret_cast<const std::uint8_t*>(&v4), 4, ip.bytes.begin() + 12);
    return ip;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    std::copy_n(reinterpret_cast<const std::uint8_t*>(&v6), 16, ip.bytes.begin());
    return ip;
  }
  return std::nullopt;
}

bool IsLoopback(const Ip& ip) {
  if (ip.v4) {
    return ip.bytes[12] == 127;
  }
  std::array<std::uint8_t, 16> one{};
  one[15] = 1;
  return ip.bytes == one;
}

bool InPrefix(const Ip& ip, const Ip& network, int bits) {
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    std::uint8_t mask = bits >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - bits));
    if ((ip.bytes[i] & mask) != (network.bytes[i] & mask)) {
      return false;
    }
  }
  return true;
}

// Splits "host:port" / "[v6]:port" / "host"; port is "" when absent.
void SplitHostPort(std::string_view authority, std::string& host, std::string& port) {
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    host = std::string(
        authority.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
    if (close != std::string_view::npos && close + 1 < authority.size() &&
        authority[close + 1] == ':') {
      port = std::string(authority.substr(close + 2));
    }
    return;
  }
  std::size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(':') == colon) {
    host = std::string(authority.substr(0, colon));
    port = std::string(authority.substr(colon + 1));
  } else {
    host = std::string(authority);
  }
}

// Whether NO_PROXY exempts host:port (httpproxy.Config.useProxy, inverted).
bool Exempt(const std::string& no_proxy, const std::string& host, const std::string& port) {
  std::optional<Ip> ip = ParseIp(host);
  std::size_t start = 0;
  while (start <= no_proxy.size()) {
    std::size_t end = no_proxy.find(',', start);
    if (end == std::string::npos) {
      end = no_proxy.size();
    }
    std::string entry = Lower(Trim(std::string_view(no_proxy).substr(start, end - start)));
    start = end + 1;
    if (entry.empty()) {
      continue;
    }
    if (entry == "*") {
      return true;
    }
    if (std::size_t slash = entry.find('/'); slash != std::string::npos) {
      std::optional<Ip> network = ParseIp(entry.substr(0, slash));
      std::string bits_text = entry.substr(slash + 1);
      if (network && ip && !bits_text.empty() &&
          std::all_of(bits_text.begin(), bits_text.end(), ::isdigit) && bits_text.size() < 4) {
        int bits = std::stoi(bits_text) + (network->v4 ? 96 : 0);
        if (bits <= 128 && InPrefix(*ip, *network, bits)) {
          return true;
        }
      }
      continue;
    }
    std::string entry_host;
    std::string entry_port;
    SplitHostPort(entry, entry_host, entry_port);
    if (std::optional<Ip> entry_ip = ParseIp(entry_host)) {
      if (ip && ip->bytes == entry_ip->bytes && (entry_port.empty() || entry_port == port)) {
        return true;
      }
      continue;
    }
    if (entry_host.empty()) {
      continue;
    }
    if (entry_host.rfind("*.", 0) == 0) {
      entry_host = entry_host.substr(1);
    }
    bool match_host = false;
    if (entry_host.front() != '.') {
      match_host = true;
      entry_host = "." + entry_host;
    }
    bool suffix = host.size() >= entry_host.size() &&
                  host.compare(host.size() - entry_host.size(), entry_host.size(), entry_host) == 0;
    if ((suffix || (match_host && host == entry_host.substr(1))) &&
        (entry_port.empty() || entry_port == port)) {
      return true;
    }
  }
  return false;
}

std::optional<std::string> FirstSet(const Environment& environment, std::string_view upper,
                                    std::string_view lower) {
  for (std::string_view name : {upper, lower}) {
    if (std::optional<std::string> value = Lookup(environment, name); value && !value->empty()) {
      return value;
    }
  }
  return std::nullopt;
}

std::string ForCurl(std::string proxy) {
  if (proxy.rfind("socks5://", 0) == 0) {
    return "socks5h://" + proxy.substr(9);
  }
  return proxy;
}

}  // namespace

Expected<UrlParts> SplitUrl(std::string_view url) {
  std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) {
    return MakeError("not an absolute URL");
  }
  UrlParts parts;
  parts.scheme = Lower(url.substr(0, scheme_end));
  std::string_view rest = url.substr(scheme_end + 3);
  std::size_t path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  if (path_start != std::string_view::npos) {
    parts.path = std::string(rest.substr(path_start));
  }
  if (std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    parts.userinfo = std::string(authority.substr(0, at));
    authority = authority.substr(at + 1);
  }
  SplitHostPort(authority, parts.host, parts.port);
  parts.host = Lower(parts.host);
  if (parts.host.empty()) {
    return MakeError("no host");
  }
  return parts;
}

std::string RedactUrl(std::string_view url) {
  std::size_t scheme_end = url.find("://");
  std::size_t authority_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  std::size_t authority_end = url.find_first_of("/?#", authority_start);
  std::string_view authority = url.substr(authority_start, authority_end == std::string_view::npos
                                                               ? std::string_view::npos
                                                               : authority_end - authority_start);
  std::size_t at = authority.rfind('@');
  if (at == std::string_view::npos) {
    return std::string(url);
  }
  return std::string(url.substr(0, authority_start)) + "***@" +
         std::string(url.substr(authority_start + at + 1));
}

Expected<void> CheckProxyUrl(std::string_view proxy_url) {
  std::size_t scheme_end = proxy_url.find("://");
  std::string scheme =
      scheme_end == std::string_view::npos ? "" : Lower(proxy_url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https" && scheme != "socks5") {
    return MakeError("unsupported scheme \"" + scheme + "\", must be http, https, or socks5");
  }
  if (!SplitUrl(proxy_url)) {
    return MakeError("no host");
  }
  return {};
}

std::string ProxyFor(std::string_view server_url, std::string_view cluster_proxy_url,
                     const Environment& environment) {
  if (!cluster_proxy_url.empty()) {
    return ForCurl(std::string(cluster_proxy_url));
  }
  Expected<UrlParts> server = SplitUrl(server_url);
  if (!server) {
    return "";
  }
  std::optional<std::string> proxy = server->scheme == "https"
                                         ? FirstSet(environment, "HTTPS_PROXY", "https_proxy")
                                         : FirstSet(environment, "HTTP_PROXY", "http_proxy");
  if (!proxy) {
    return "";
  }
  std::string port =
      server->port.empty() ? (server->scheme == "https" ? "443" : "80") : server->port;
  if (server->host == "localhost") {
    return "";
  }
  if (std::optional<Ip> ip = ParseIp(server->host); ip && IsLoopback(*ip)) {
    return "";
  }
  if (std::optional<std::string> no_proxy = FirstSet(environment, "NO_PROXY", "no_proxy");
      no_proxy && Exempt(*no_proxy, server->host, port)) {
    return "";
  }
  Expected<UrlParts> parsed = SplitUrl(*proxy);
  if (!parsed) {
    return "http://" + *proxy;
  }
  return ForCurl(*proxy);
}

}  // namespace agw::validate::cluster
