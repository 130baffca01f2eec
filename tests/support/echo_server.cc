#include "tests/support/echo_server.h"

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <exception>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

namespace agw::test {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr std::size_t kBodyLimit = 64u << 20;
constexpr auto kIdleTimeout = std::chrono::seconds(120);

// --- Pure helpers -------------------------------------------------------------------------------

// RFC 7230 tchar, the set Go's httpguts.IsTokenRune and textproto accept in header names.
bool IsTokenChar(unsigned char c) {
  if (std::isalnum(c) != 0 && c < 0x80) {
    return true;
  }
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool IsValidHeaderName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return IsTokenChar(static_cast<unsigned char>(c));
  });
}

std::string_view TrimSpace(std::string_view s) {
  // strings.TrimSpace trims Unicode space; the ASCII subset is all a header value carries.
  auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
  };
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Decodes one UTF-8 sequence at s[i]; returns the code point and its length, or length 0 for an
// invalid sequence (overlong forms, surrogates and values past U+10FFFF included).
std::pair<char32_t, std::size_t> DecodeUtf8(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if (b0 < 0x80) {
    return {b0, 1};
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return {0, 0};
  }
  if (i + len > s.size()) {
    return {0, 0};
  }
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      return {0, 0};
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return {0, 0};
  }
  return {cp, len};
}

// A JSON string the way Go's encoding/json writes it with HTML escaping on (the default).
void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '<':
        case '>':
        case '&':
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
          break;
        default:
          if (c < 0x20) {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    auto [cp, len] = DecodeUtf8(s, i);
    if (len == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (cp == 0x2028 || cp == 0x2029) {
      out += cp == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  out += '"';
}

// FNV-1a, for stable pod names.
std::uint64_t Fnv1a(std::string_view s, std::uint64_t h = 1469598103934665603ull) {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

// Kubernetes' SafeEncodeString alphabet (no vowels, no confusable digits).
std::string EncodeSafe(std::uint64_t h, std::size_t length) {
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  for (std::size_t i = 0; i < length; ++i) {
    out += kAlphabet[h % kAlphabet.size()];
    h /= kAlphabet.size();
    if (h == 0) {
      h = Fnv1a(out);
    }
  }
  return out;
}

std::optional<int> HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return std::nullopt;
}

// url.QueryUnescape: '+' is a space; a bad %-escape makes the whole component invalid.
std::optional<std::string> QueryUnescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) {
        return std::nullopt;
      }
      auto hi = HexValue(s[i + 1]);
      auto lo = HexValue(s[i + 2]);
      if (!hi || !lo) {
        return std::nullopt;
      }
      out += static_cast<char>(*hi * 16 + *lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The first value of `key` in an application/x-www-form-urlencoded string, as url.ParseQuery
// reads it: pairs split on '&', pairs with ';' or a bad escape skipped.
std::optional<std::string> FirstFormValue(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty() || pair.find(';') != std::string_view::npos) {
      continue;
    }
    auto eq = pair.find('=');
    auto name = QueryUnescape(pair.substr(0, eq));
    auto value = QueryUnescape(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!name || !value) {
      continue;
    }
    if (*name == key) {
      return *value;
    }
  }
  return std::nullopt;
}

std::optional<std::string> PercentDecodePath(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) {
        return std::nullopt;
      }
      auto hi = HexValue(s[i + 1]);
      auto lo = HexValue(s[i + 2]);
      if (!hi || !lo) {
        return std::nullopt;
      }
      out += static_cast<char>(*hi * 16 + *lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Go's path.Clean.
std::string CleanPath(std::string_view p) {
  if (p.empty()) {
    return ".";
  }
  const bool rooted = p.front() == '/';
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i < p.size()) {
    std::size_t j = p.find('/', i);
    if (j == std::string_view::npos) {
      j = p.size();
    }
    std::string_view seg = p.substr(i, j - i);
    i = j + 1;
    if (seg.empty() || seg == ".") {
      continue;
    }
    if (seg == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(seg);
      }
      continue;
    }
    parts.push_back(seg);
  }
  std::string out = rooted ? "/" : "";
  for (std::size_t k = 0; k < parts.size(); ++k) {
    if (k > 0) {
      out += '/';
    }
    out += parts[k];
  }
  return out.empty() ? "." : out;
}

// net/http's cleanPath: rooted, cleaned, trailing slash kept.
std::string ServeMuxCleanPath(std::string_view p) {
  if (p.empty()) {
    return "/";
  }
  std::string rooted = p.front() == '/' ? std::string(p) : "/" + std::string(p);
  std::string np = CleanPath(rooted);
  if (rooted.back() == '/' && np != "/") {
    np += '/';
  }
  return np;
}

// url.URL.EscapedPath for a plain path: everything but unreserved and "$&+,/:;=@" escaped.
std::string EscapePath(std::string_view p) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : p) {
    const auto c = static_cast<unsigned char>(ch);
    if ((std::isalnum(c) != 0 && c < 0x80) ||
        std::string_view("-_.~$&+,/:;=@").find(ch) != std::string_view::npos) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string HttpDate() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string ReasonPhrase(int code) {
  // Go's http.StatusText for the codes Beast does not know; Go writes "status code N" otherwise.
  switch (code) {
    case 418:
      return "I'm a teapot";
    case 421:
      return "Misdirected Request";
    case 425:
      return "Too Early";
    default:
      break;
  }
  auto reason = http::obsolete_reason(static_cast<http::status>(code));
  if (reason == "<unknown-status>") {
    return "status code " + std::to_string(code);
  }
  return std::string(reason);
}

std::string FormatEndpoint(const tcp::endpoint& ep) {
  auto addr = ep.address();
  std::string host = addr.to_string();
  if (addr.is_v6()) {
    host = "[" + host + "]";
  }
  return host + ":" + std::to_string(ep.port());
}

// One reply, serialised by hand so header names keep the exact case Go would write (echo-set
// names as written) and the order is Go's (sorted by name).
struct Reply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // without Date/Content-Length
  std::string body;
  bool content_length = true;  // false for 1xx/204/304, where Go sends none
  bool close = false;          // close the connection after this reply
};

std::string Serialize(const Reply& reply, unsigned version, bool head, bool keep_alive) {
  std::vector<std::pair<std::string, std::string>> headers = reply.headers;
  headers.emplace_back("Date", HttpDate());
  if (reply.content_length) {
    headers.emplace_back("Content-Length", std::to_string(reply.body.size()));
  }
  if (!keep_alive && version == 11) {
    headers.emplace_back("Connection", "close");
  } else if (keep_alive && version == 10) {
    headers.emplace_back("Connection", "keep-alive");
  }
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out = version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(reply.status);
  out += ' ';
  out += ReasonPhrase(reply.status);
  out += "\r\n";
  for (const auto& [name, value] : headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += "\r\n";
  if (!head) {
    out += reply.body;
  }
  return out;
}

Reply JsonError(int status, std::string_view message) {
  Reply reply;
  reply.status = status;
  reply.headers = {{"Content-Type", "application/json"}, {"X-Content-Type-Options", "nosniff"}};
  reply.body = "{\"message\":";
  AppendJsonString(reply.body, message);
  reply.body += "}";
  return reply;
}

// What the server's coroutines share: its identity and the log.
struct State {
  EchoServerOptions options;
  EchoContext context;
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  std::vector<std::string> log;        // guarded by mu
  std::vector<std::string> log_paths;  // guarded by mu; RequestURI of each log line

  void Log(const std::string& request_uri, const std::string& remote) {
    std::string line =
        "Echoing back request made to " + request_uri + " to client (" + remote + ")";
    if (options.print_log) {
      std::cerr << "[" << context.pod << "] " << line << "\n";
    }
    {
      std::lock_guard lock(mu);
      log.push_back(std::move(line));
      log_paths.push_back(request_uri);
    }
    cv.notify_all();
  }
};

}  // namespace

std::string CanonicalHeaderKey(std::string_view name) {
  if (!IsValidHeaderName(name)) {
    return std::string(name);
  }
  std::string out(name);
  bool upper = true;
  for (char& c : out) {
    if (upper && c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    } else if (!upper && c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    upper = c == '-';
  }
  return out;
}

tl::expected<std::chrono::nanoseconds, std::string> ParseGoDuration(std::string_view text) {
  // A port of Go's time.ParseDuration, overflow checks included.
  const std::string quoted = "\"" + std::string(text) + "\"";
  const auto invalid = [&] {
    return tl::unexpected<std::string>("time: invalid duration " + quoted);
  };
  std::string_view s = text;
  bool neg = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    neg = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "0") {
    return std::chrono::nanoseconds(0);
  }
  if (s.empty()) {
    return invalid();
  }
  constexpr std::uint64_t kMax = 1ull << 63;
  std::uint64_t d = 0;
  while (!s.empty()) {
    if (!(s.front() == '.' || (s.front() >= '0' && s.front() <= '9'))) {
      return invalid();
    }
    // Integer part.
    std::uint64_t v = 0;
    std::size_t i = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (v > (kMax - 1) / 10) {
        return invalid();
      }
      v = v * 10 + static_cast<std::uint64_t>(s[i] - '0');
      if (v > kMax) {
        return invalid();
      }
    }
    const bool pre = i != 0;
    s.remove_prefix(i);
    // Fraction part.
    std::uint64_t f = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s.front() == '.') {
      s.remove_prefix(1);
      std::size_t k = 0;
      bool overflow = false;
      for (; k < s.size() && s[k] >= '0' && s[k] <= '9'; ++k) {
        if (overflow) {
          continue;
        }
        if (f > (kMax - 1) / 10) {
          overflow = true;
          continue;
        }
        std::uint64_t y = f * 10 + static_cast<std::uint64_t>(s[k] - '0');
        if (y > kMax) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = k != 0;
      s.remove_prefix(k);
    }
    if (!pre && !post) {
      return invalid();
    }
    // Unit.
    std::size_t u = 0;
    while (u < s.size() && s[u] != '.' && !(s[u] >= '0' && s[u] <= '9')) {
      ++u;
    }
    if (u == 0) {
      return tl::unexpected<std::string>("time: missing unit in duration " + quoted);
    }
    std::string_view unit_name = s.substr(0, u);
    s.remove_prefix(u);
    std::uint64_t unit = 0;
    if (unit_name == "ns") {
      unit = 1;
    } else if (unit_name == "us" || unit_name == "\xC2\xB5s" || unit_name == "\xCE\xBCs") {
      unit = 1000;
    } else if (unit_name == "ms") {
      unit = 1000000;
    } else if (unit_name == "s") {
      unit = 1000000000ull;
    } else if (unit_name == "m") {
      unit = 60ull * 1000000000ull;
    } else if (unit_name == "h") {
      unit = 3600ull * 1000000000ull;
    } else {
      return tl::unexpected<std::string>("time: unknown unit \"" + std::string(unit_name) +
                                         "\" in duration " + quoted);
    }
    if (v > kMax / unit) {
      return invalid();
    }
    v *= unit;
    if (f > 0) {
      v += static_cast<std::uint64_t>(static_cast<double>(f) * (static_cast<double>(unit) / scale));
      if (v > kMax) {
        return invalid();
      }
    }
    d += v;
    if (d > kMax) {
      return invalid();
    }
  }
  if (neg) {
    return std::chrono::nanoseconds(-static_cast<std::int64_t>(d - 1) - 1);
  }
  if (d > kMax - 1) {
    return invalid();
  }
  return std::chrono::nanoseconds(static_cast<std::int64_t>(d));
}

std::vector<std::pair<std::string, std::string>> EchoSetHeaders(
    const std::vector<std::string>& x_echo_set_header_values) {
  // echo-basic's writeEchoResponseHeaders writes into the response map directly ("to preserve
  // casing"); the first value is kept untrimmed there but Go trims every value when it writes the
  // header block, and it drops names that are not valid tokens (the empty item included).
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& list : x_echo_set_header_values) {
    std::string_view rest = list;
    while (true) {
      auto comma = rest.find(',');
      std::string_view item = TrimSpace(rest.substr(0, comma));
      auto colon = item.find(':');
      std::string name(item.substr(0, colon));
      std::string_view value =
          colon == std::string_view::npos ? std::string_view() : item.substr(colon + 1);
      auto it =
          std::find_if(out.begin(), out.end(), [&](const auto& h) { return h.first == name; });
      if (it == out.end()) {
        out.emplace_back(name, std::string(TrimSpace(value)));
      } else {
        it->second += ",";
        it->second += TrimSpace(value);
      }
      if (comma == std::string_view::npos) {
        break;
      }
      rest.remove_prefix(comma + 1);
    }
  }
  std::erase_if(out, [](const auto& h) { return !IsValidHeaderName(h.first); });
  return out;
}

std::string RenderEchoBody(const EchoedRequest& request, const EchoContext& context) {
  // Go sorts map keys when it marshals Request.Header (a map[string][]string).
  std::map<std::string, std::vector<std::string>> headers;
  for (const auto& [name, value] : request.headers) {
    if (EqualsIgnoreCase(name, "Host") || EqualsIgnoreCase(name, "Transfer-Encoding")) {
      continue;
    }
    headers[CanonicalHeaderKey(name)].push_back(value);
  }
  std::string out = "{\n \"path\": ";
  AppendJsonString(out, request.path);
  out += ",\n \"host\": ";
  AppendJsonString(out, request.host);
  out += ",\n \"method\": ";
  AppendJsonString(out, request.method);
  out += ",\n \"proto\": ";
  AppendJsonString(out, request.proto);
  out += ",\n \"headers\": {";
  bool first = true;
  for (const auto& [name, values] : headers) {
    out += first ? "\n  " : ",\n  ";
    first = false;
    AppendJsonString(out, name);
    out += ": [";
    for (std::size_t i = 0; i < values.size(); ++i) {
      out += i == 0 ? "\n   " : ",\n   ";
      AppendJsonString(out, values[i]);
    }
    out += "\n  ]";
  }
  out += headers.empty() ? "}" : "\n }";
  out += ",\n \"namespace\": ";
  AppendJsonString(out, context.namespace_name);
  out += ",\n \"ingress\": ";
  AppendJsonString(out, context.ingress);
  out += ",\n \"service\": ";
  AppendJsonString(out, context.service);
  out += ",\n \"pod\": ";
  AppendJsonString(out, context.pod);
  // RequestAssertions.SNI has no omitempty: the plain-HTTP echo always reports "sni": "". (TLS is
  // `tls,omitempty` and only set on the HTTPS port, which this server does not have.)
  out += ",\n \"sni\": \"\"\n}";
  return out;
}

std::string PodName(std::string_view service, int replica) {
  const std::uint64_t template_hash = Fnv1a(service);
  const std::uint64_t suffix_hash = Fnv1a(std::to_string(replica), Fnv1a("/", template_hash));
  return std::string(service) + "-" + EncodeSafe(template_hash, 10) + "-" +
         EncodeSafe(suffix_hash, 5);
}

// --- The server ---------------------------------------------------------------------------------

struct EchoServer::Impl {
  // Declared first so it outlives `io`: the coroutines hold it by reference until `io`'s
  // destructor destroys them.
  std::unique_ptr<State> state = std::make_unique<State>();
  net::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;
  std::uint16_t port = 0;
};

namespace {

// http.Redirect(w, r, path?query, 301) as ServeMux issues it.
Reply MovedPermanently(const std::string& path, std::string_view raw_query, http::verb method) {
  Reply redirect;
  redirect.status = 301;
  std::string location = path;
  if (!raw_query.empty()) {
    location += "?" + std::string(raw_query);
  }
  redirect.headers = {{"Location", location}};
  if (method == http::verb::get || method == http::verb::head) {
    redirect.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
    redirect.body = "<a href=\"" + location + "\">Moved Permanently</a>.\n\n";
  }
  return redirect;
}

// The echo handler (echo-basic's echoHandler), including the ?delay= wait.
net::awaitable<Reply> Echo(State& state, const http::request<http::string_body>& req,
                           const std::string& remote) {
  const std::string request_uri(req.target());
  state.Log(request_uri, remote);

  // request.FormValue("delay"): a urlencoded POST/PUT/PATCH body wins over the query.
  std::optional<std::string> delay;
  const auto method = req.method();
  if ((method == http::verb::post || method == http::verb::put || method == http::verb::patch) &&
      req[http::field::content_type].starts_with("application/x-www-form-urlencoded")) {
    delay = FirstFormValue(req.body(), "delay");
  }
  if (!delay) {
    auto q = request_uri.find('?');
    if (q != std::string::npos) {
      delay = FirstFormValue(std::string_view(request_uri).substr(q + 1), "delay");
    }
  }
  if (delay && !delay->empty()) {
    auto duration = ParseGoDuration(*delay);
    if (!duration) {
      co_return JsonError(500, duration.error());
    }
    if (duration->count() > 0) {
      net::steady_timer timer(co_await net::this_coro::executor);
      timer.expires_after(*duration);
      co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    }
  }

  EchoedRequest echoed;
  echoed.path = request_uri;
  echoed.host = std::string(req[http::field::host]);
  echoed.method = std::string(req.method_string());
  echoed.proto = req.version() == 10 ? "HTTP/1.0" : "HTTP/1.1";
  std::vector<std::string> set_header_values;
  for (const auto& field : req) {
    echoed.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    if (EqualsIgnoreCase(field.name_string(), "X-Echo-Set-Header")) {
      set_header_values.emplace_back(field.value());
    }
  }

  Reply reply;
  reply.headers = EchoSetHeaders(set_header_values);
  // w.Header().Set() after the echo-set headers: the canonical entries are replaced.
  std::erase_if(reply.headers, [](const auto& h) {
    return h.first == "Content-Type" || h.first == "X-Content-Type-Options";
  });
  reply.headers.emplace_back("Content-Type", "application/json");
  reply.headers.emplace_back("X-Content-Type-Options", "nosniff");
  reply.body = RenderEchoBody(echoed, state.context);
  co_return reply;
}

// echo-basic's ServeMux: "/health", "/status/", "/ws", "/backendTLS" and "/" (the echo), behind
// preserveSlashes (one pass of "//" -> "/"). ServeMux routes on the decoded path and redirects an
// unclean one (with "." or ".." segments) to its clean form with 301.
net::awaitable<Reply> Handle(State& state, const http::request<http::string_body>& req,
                             const std::string& remote) {
  std::string_view target = req.target();
  std::string_view raw_path = target.substr(0, target.find('?'));
  std::string_view raw_query =
      target.find('?') == std::string_view::npos ? "" : target.substr(target.find('?') + 1);
  if (raw_path.starts_with("http://") || raw_path.starts_with("https://")) {
    // Absolute-form request target: the path starts after the authority.
    auto slash = raw_path.find('/', raw_path.find("//") + 2);
    raw_path = slash == std::string_view::npos ? std::string_view("/") : raw_path.substr(slash);
  }
  auto decoded = PercentDecodePath(raw_path);
  if (!decoded) {
    Reply bad;
    bad.status = 400;
    bad.headers = {{"Content-Type", "text/plain; charset=utf-8"}};
    bad.body = "400 Bad Request";
    bad.close = true;
    co_return bad;
  }
  std::string path = *decoded;
  for (std::size_t pos = 0; (pos = path.find("//", pos)) != std::string::npos;) {
    path.replace(pos, 2, "/");
    pos += 1;
  }

  if (req.method() != http::verb::connect) {
    std::string clean = ServeMuxCleanPath(path);
    if (clean != path) {
      co_return MovedPermanently(EscapePath(clean), raw_query, req.method());
    }
  }

  if (path == "/status") {
    // ServeMux sends a subtree root named without its trailing slash to the subtree ("/status/").
    co_return MovedPermanently("/status/", raw_query, req.method());
  }
  if (path == "/health") {
    Reply ok;
    ok.headers = {{"Content-Type", "text/plain; charset=utf-8"}};
    ok.body = "OK";
    co_return ok;
  }
  if (path.starts_with("/status/")) {
    // The regex runs on the RequestURI: a query string means 400.
    Reply reply;
    reply.status = 400;
    if (target.size() == 11 && target.starts_with("/status/") &&
        std::all_of(target.begin() + 8, target.end(),
                    [](char c) { return c >= '0' && c <= '9'; })) {
      reply.status = std::stoi(std::string(target.substr(8)));
    }
    if (reply.status < 100) {
      // Go panics on WriteHeader(<100); the server recovers by dropping the connection.
      reply.status = 500;
      reply.close = true;
    } else if (reply.status < 200) {
      // An informational WriteHeader is followed by Go's implicit 200 when the handler returns.
      reply.status = 200;
    }
    if (reply.status == 204 || reply.status == 304) {
      reply.content_length = false;
    }
    co_return reply;
  }
  if (path == "/ws") {
    // golang.org/x/net/websocket answers a non-handshake with a bare 400 and closes.
    Reply reply;
    reply.status = 400;
    reply.close = true;
    co_return reply;
  }
  co_return co_await Echo(state, req, remote);
}

net::awaitable<void> Session(State& state, tcp::socket socket) {
  beast::error_code ec;
  const std::string remote = FormatEndpoint(socket.remote_endpoint(ec));
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  buffer.reserve(16 * 1024);
  for (;;) {
    http::request_parser<http::string_body> parser;  // not reusable: one per message
    parser.body_limit(kBodyLimit);
    stream.expires_after(kIdleTimeout);
    auto [read_ec, read_n] =
        co_await http::async_read(stream, buffer, parser, net::as_tuple(net::use_awaitable));
    if (read_ec) {
      if (read_ec != http::error::end_of_stream && read_ec != net::error::eof &&
          read_ec != beast::error::timeout && read_ec != net::error::connection_reset &&
          read_ec != net::error::operation_aborted && buffer.size() > 0) {
        static constexpr std::string_view kBadRequest =
            "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Connection: close\r\n\r\n400 Bad Request";
        stream.expires_after(std::chrono::seconds(5));
        co_await net::async_write(stream, net::buffer(kBadRequest),
                                  net::as_tuple(net::use_awaitable));
      }
      break;
    }
    http::request<http::string_body> req = parser.release();
    Reply reply = co_await Handle(state, req, remote);
    const bool keep_alive = req.keep_alive() && !reply.close;
    const std::string wire =
        Serialize(reply, req.version(), req.method() == http::verb::head, keep_alive);
    stream.expires_after(kIdleTimeout);
    auto [write_ec, write_n] =
        co_await net::async_write(stream, net::buffer(wire), net::as_tuple(net::use_awaitable));
    if (write_ec || !keep_alive) {
      break;
    }
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

net::awaitable<void> AcceptLoop(State& state, tcp::acceptor& acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(net::as_tuple(net::use_awaitable));
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) {
        co_return;
      }
      continue;
    }
    // co_spawn(..., detached) would swallow exceptions: report them instead.
    net::co_spawn(acceptor.get_executor(), Session(state, std::move(socket)),
                  [](std::exception_ptr e) {
                    if (e) {
                      try {
                        std::rethrow_exception(e);
                      } catch (const std::exception& ex) {
                        std::cerr << "echo server session: " << ex.what() << "\n";
                      }
                    }
                  });
  }
}

}  // namespace

EchoServer::EchoServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

tl::expected<std::unique_ptr<EchoServer>, std::string> EchoServer::Start(
    EchoServerOptions options) {
  auto impl = std::make_unique<Impl>();
  auto& state = *impl->state;
  state.context.namespace_name = options.namespace_name;
  state.context.ingress = options.ingress_name;
  state.context.service = options.service_name;
  state.context.pod = options.pod.empty() ? PodName(options.service, options.replica) : options.pod;
  state.options = std::move(options);

  beast::error_code ec;
  const tcp::endpoint endpoint(net::ip::make_address_v4("127.0.0.1"), state.options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    impl->acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return tl::unexpected<std::string>("echo server " + state.context.pod + ": cannot listen on " +
                                       FormatEndpoint(endpoint) + ": " + ec.message());
  }
  impl->port = impl->acceptor.local_endpoint().port();

  net::co_spawn(impl->io, AcceptLoop(state, impl->acceptor), net::detached);
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] {
    try {
      raw->io.run();
    } catch (const std::exception& ex) {
      std::cerr << "echo server: " << ex.what() << "\n";
    }
  });
  return std::unique_ptr<EchoServer>(new EchoServer(std::move(impl)));
}

EchoServer::~EchoServer() {
  if (!impl_) {
    return;
  }
  // Stop the loop, then destroy it: destroying the io_context destroys every suspended coroutine
  // (sessions waiting on a read, a write or a ?delay= timer), which closes their sockets.
  impl_->io.stop();
  if (impl_->thread.joinable()) {
    impl_->thread.join();
  }
  beast::error_code ec;
  impl_->acceptor.close(ec);
}

std::uint16_t EchoServer::port() const { return impl_->port; }

std::string EchoServer::address() const { return "127.0.0.1:" + std::to_string(impl_->port); }

const EchoContext& EchoServer::context() const { return impl_->state->context; }

std::vector<std::string> EchoServer::LogLines() const {
  std::lock_guard lock(impl_->state->mu);
  return impl_->state->log;
}

std::size_t EchoServer::LogSize() const {
  std::lock_guard lock(impl_->state->mu);
  return impl_->state->log.size();
}

std::vector<std::string> EchoServer::LogLinesSince(std::size_t mark) const {
  std::lock_guard lock(impl_->state->mu);
  const auto& log = impl_->state->log;
  if (mark >= log.size()) {
    return {};
  }
  return std::vector<std::string>(log.begin() + static_cast<std::ptrdiff_t>(mark), log.end());
}

std::size_t EchoServer::CountRequestsTo(std::string_view request_uri) const {
  std::lock_guard lock(impl_->state->mu);
  const auto& paths = impl_->state->log_paths;
  return static_cast<std::size_t>(std::count(paths.begin(), paths.end(), request_uri));
}

bool EchoServer::WaitForRequestsTo(std::string_view request_uri, std::size_t count,
                                   std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->state->mu);
  const auto& paths = impl_->state->log_paths;
  return impl_->state->cv.wait_for(lock, timeout, [&] {
    return static_cast<std::size_t>(std::count(paths.begin(), paths.end(), request_uri)) >= count;
  });
}

}  // namespace agw::test
