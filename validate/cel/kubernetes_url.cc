// The Kubernetes URL library (k8s.io/apiserver/pkg/cel/library urls.go). The API server checks
// a string with Go's url.ParseRequestURI and keeps the url.Parse of it, so both are reproduced
// here as Go 1.25 (with its security releases) has them: the same accepted strings, the same
// components and the same error texts. Hosts are split at their last colon, the rule before Go
// 1.26's urlstrictcolons.

#include <cstdint>
#include <memory>
#include <string>
#include <tl/expected.hpp>
#include <vector>

#include "validate/cel/go_text.h"
#include "validate/cel/library.h"

namespace agw::validate::cel::library {
namespace {

enum class Mode { kPath, kHost, kZone, kUserPassword, kQueryComponent, kFragment };

using Result = tl::expected<std::string, std::string>;

bool IsAlnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// RFC 3986's sub-delims, which net/url leaves as they are in hosts and valid paths.
bool IsSubDelim(unsigned char c) {
  return std::string_view("!$&'()*+,;=").find(c) != std::string_view::npos;
}

// net/url's shouldEscape.
bool ShouldEscape(unsigned char c, Mode mode) {
  if (IsAlnum(c)) {
    return false;
  }
  if ((mode == Mode::kHost || mode == Mode::kZone) &&
      (IsSubDelim(c) || c == ':' || c == '[' || c == ']' || c == '<' || c == '>' || c == '"')) {
    return false;
  }
  switch (c) {
    case '-':
    case '_':
    case '.':
    case '~':
      return false;
    case '$':
    case '&':
    case '+':
    case ',':
    case '/':
    case ':':
    case ';':
    case '=':
    case '?':
    case '@':
      switch (mode) {
        case Mode::kPath:
          return c == '?';
        case Mode::kUserPassword:
          return c == '@' || c == '/' || c == '?' || c == ':';
        case Mode::kQueryComponent:
          return true;
        case Mode::kFragment:
          return false;
        default:
          break;
      }
      break;
    default:
      break;
  }
  if (mode == Mode::kFragment && (c == '!' || c == '(' || c == ')' || c == '*')) {
    return false;
  }
  return true;
}

std::string EscapeError(std::string_view s) { return "invalid URL escape " + go::Quote(s); }

// net/url's unescape, with its EscapeError and InvalidHostError texts.
Result Unescape(std::string_view s, Mode mode) {
  bool changes = false;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '%') {
      changes = true;
      if (i + 2 >= s.size() || !IsHex(s[i + 1]) || !IsHex(s[i + 2])) {
        return tl::unexpected(EscapeError(s.substr(i, 3)));
      }
      std::string_view three = s.substr(i, 3);
      // Hosts may %-encode only non-ASCII bytes, and %25 (a zone's percent sign).
      if (mode == Mode::kHost && go::HexDigitValue(s[i + 1]) < 8 && three != "%25") {
        return tl::unexpected(EscapeError(three));
      }
      if (mode == Mode::kZone) {
        auto v = static_cast<unsigned char>(go::HexDigitValue(s[i + 1]) << 4 |
                                            go::HexDigitValue(s[i + 2]));
        if (three != "%25" && v != ' ' && ShouldEscape(v, Mode::kHost)) {
          return tl::unexpected(EscapeError(three));
        }
      }
      i += 3;
    } else if (c == '+') {
      changes = changes || mode == Mode::kQueryComponent;
      ++i;
    } else {
      if ((mode == Mode::kHost || mode == Mode::kZone) && c < 0x80 && ShouldEscape(c, mode)) {
        return tl::unexpected("invalid character " + go::Quote(s.substr(i, 1)) + " in host name");
      }
      ++i;
    }
  }
  if (!changes) {
    return std::string(s);
  }
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      out += static_cast<char>(go::HexDigitValue(s[i + 1]) << 4 | go::HexDigitValue(s[i + 2]));
      i += 2;
    } else if (s[i] == '+' && mode == Mode::kQueryComponent) {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string Escape(std::string_view s, Mode mode) {
  static constexpr char kUpperHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == ' ' && mode == Mode::kQueryComponent) {
      out += '+';
    } else if (ShouldEscape(c, mode)) {
      out += '%';
      out += kUpperHex[c >> 4];
      out += kUpperHex[c & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

// net/url's validEncoded: whether `s` may stand as given for a path or fragment.
bool ValidEncoded(std::string_view s, Mode mode) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    bool as_is = IsSubDelim(c) || c == ':' || c == '@' || c == '[' || c == ']' || c == '%';
    if (!as_is && ShouldEscape(c, mode)) {
      return false;
    }
  }
  return true;
}

bool ValidOptionalPort(std::string_view port) {
  if (port.empty()) {
    return true;
  }
  if (port[0] != ':') {
    return false;
  }
  for (char c : port.substr(1)) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

bool ValidUserinfo(std::string_view s) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (IsAlnum(c)) {
      continue;
    }
    switch (c) {
      case '-':
      case '.':
      case '_':
      case ':':
      case '~':
      case '!':
      case '$':
      case '&':
      case '\'':
      case '(':
      case ')':
      case '*':
      case '+':
      case ',':
      case ';':
      case '=':
      case '%':
      case '@':
        continue;
      default:
        // Any other byte, including every byte of a non-ASCII rune, is refused.
        return false;
    }
  }
  return true;
}

// A url.URL.
struct Url {
  std::string scheme;
  std::string opaque;
  bool has_user = false;
  std::string username;
  bool password_set = false;
  std::string password;
  std::string host;
  std::string path;
  std::string raw_path;
  bool omit_host = false;
  bool force_query = false;
  std::string raw_query;
  std::string fragment;
  std::string raw_fragment;

  std::string EscapedPath() const {
    if (!raw_path.empty() && ValidEncoded(raw_path, Mode::kPath)) {
      Result p = Unescape(raw_path, Mode::kPath);
      if (p && *p == path) {
        return raw_path;
      }
    }
    if (path == "*") {
      return "*";
    }
    return Escape(path, Mode::kPath);
  }

  std::string EscapedFragment() const {
    if (!raw_fragment.empty() && ValidEncoded(raw_fragment, Mode::kFragment)) {
      Result f = Unescape(raw_fragment, Mode::kFragment);
      if (f && *f == fragment) {
        return raw_fragment;
      }
    }
    return Escape(fragment, Mode::kFragment);
  }

  // url.URL.String, which the URL type's equality compares.
  std::string String() const {
    std::string buf;
    if (!scheme.empty()) {
      buf += scheme + ":";
    }
    if (!opaque.empty()) {
      buf += opaque;
    } else {
      if ((!scheme.empty() || !host.empty() || has_user) &&
          !(omit_host && host.empty() && !has_user)) {
        if (!host.empty() || !path.empty() || has_user) {
          buf += "//";
        }
        if (has_user) {
          buf += Escape(username, Mode::kUserPassword);
          if (password_set) {
            buf += ":" + Escape(password, Mode::kUserPassword);
          }
          buf += "@";
        }
        if (!host.empty()) {
          buf += Escape(host, Mode::kHost);
        }
      }
      std::string escaped = EscapedPath();
      if (!escaped.empty() && escaped[0] != '/' && !host.empty()) {
        buf += '/';
      }
      if (buf.empty()) {
        std::string_view segment = std::string_view(escaped).substr(0, escaped.find('/'));
        if (segment.find(':') != std::string_view::npos) {
          buf += "./";
        }
      }
      buf += escaped;
    }
    if (force_query || !raw_query.empty()) {
      buf += "?" + raw_query;
    }
    if (!fragment.empty()) {
      buf += "#" + EscapedFragment();
    }
    return buf;
  }

  // splitHostPort: a port only when it is all digits; brackets come off the host.
  std::pair<std::string, std::string> SplitHostPort() const {
    std::string h = host, port;
    std::size_t colon = h.rfind(':');
    if (colon != std::string::npos && ValidOptionalPort(std::string_view(h).substr(colon))) {
      port = h.substr(colon + 1);
      h.resize(colon);
    }
    if (h.size() >= 2 && h.front() == '[' && h.back() == ']') {
      h = h.substr(1, h.size() - 2);
    }
    return {h, port};
  }
};

// net/url's parseHost (host[:port]).
Result ParseHost(std::string_view host) {
  if (std::size_t open = host.rfind('['); open != std::string_view::npos) {
    if (open > 0) {
      return tl::unexpected(std::string("invalid IP-literal"));
    }
    std::size_t close = host.rfind(']');
    if (close == std::string_view::npos) {
      return tl::unexpected(std::string("missing ']' in host"));
    }
    std::string_view colon_port = host.substr(close + 1);
    if (!ValidOptionalPort(colon_port)) {
      return tl::unexpected("invalid port " + go::Quote(colon_port) + " after host");
    }
    Result port = Unescape(colon_port, Mode::kHost);
    if (!port) {
      return port;
    }
    std::string_view hostname = host.substr(1, close - 1);
    std::string unescaped;
    // %25 starts an RFC 6874 zone, which may %-encode more than a host may.
    if (std::size_t zone = hostname.find("%25"); zone != std::string_view::npos) {
      Result head = Unescape(hostname.substr(0, zone), Mode::kHost);
      if (!head) {
        return head;
      }
      Result tail = Unescape(hostname.substr(zone), Mode::kZone);
      if (!tail) {
        return tail;
      }
      unescaped = *head + *tail;
    } else {
      Result all = Unescape(hostname, Mode::kHost);
      if (!all) {
        return all;
      }
      unescaped = *all;
    }
    // Only an IPv6 address may stand in brackets.
    bool is_ipv4 = false;
    std::string error = go::NetipParseAddrError(unescaped, &is_ipv4);
    if (!error.empty()) {
      return tl::unexpected("invalid host: " + error);
    }
    if (is_ipv4) {
      return tl::unexpected(std::string("invalid IP-literal"));
    }
    return "[" + unescaped + "]" + *port;
  }
  if (std::size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    std::string_view colon_port = host.substr(colon);
    if (!ValidOptionalPort(colon_port)) {
      return tl::unexpected("invalid port " + go::Quote(colon_port) + " after host");
    }
  }
  return Unescape(host, Mode::kHost);
}

std::optional<std::string> ParseAuthority(std::string_view authority, Url& url) {
  std::size_t at = authority.rfind('@');
  Result host = ParseHost(at == std::string_view::npos ? authority : authority.substr(at + 1));
  if (!host) {
    return host.error();
  }
  url.host = *host;
  if (at == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view userinfo = authority.substr(0, at);
  if (!ValidUserinfo(userinfo)) {
    return "net/url: invalid userinfo";
  }
  url.has_user = true;
  std::size_t colon = userinfo.find(':');
  Result username = Unescape(userinfo.substr(0, colon), Mode::kUserPassword);
  if (!username) {
    return username.error();
  }
  url.username = *username;
  if (colon != std::string_view::npos) {
    Result password = Unescape(userinfo.substr(colon + 1), Mode::kUserPassword);
    if (!password) {
      return password.error();
    }
    url.password = *password;
    url.password_set = true;
  }
  return std::nullopt;
}

// net/url's parse; via_request as ParseRequestURI: only absolute URIs and absolute paths.
tl::expected<Url, std::string> ParseInner(std::string_view raw, bool via_request) {
  using tl::unexpected;
  for (char c : raw) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      return unexpected(std::string("net/url: invalid control character in URL"));
    }
  }
  if (raw.empty() && via_request) {
    return unexpected(std::string("empty url"));
  }
  Url url;
  if (raw == "*") {
    url.path = "*";
    return url;
  }
  // A scheme is [a-zA-Z][a-zA-Z0-9+-.]* before the first colon; otherwise there is none.
  std::string_view rest = raw;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    bool other = (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
    if (letter) {
      continue;
    }
    if (other) {
      if (i == 0) {
        break;
      }
      continue;
    }
    if (c == ':') {
      if (i == 0) {
        return unexpected(std::string("missing protocol scheme"));
      }
      url.scheme = std::string(raw.substr(0, i));
      for (char& s : url.scheme) {
        if (s >= 'A' && s <= 'Z') {
          s = static_cast<char>(s - 'A' + 'a');
        }
      }
      rest = raw.substr(i + 1);
    }
    break;
  }
  std::size_t question = rest.find('?');
  if (!rest.empty() && rest.back() == '?' && question == rest.size() - 1) {
    url.force_query = true;
    rest.remove_suffix(1);
  } else if (question != std::string_view::npos) {
    url.raw_query = std::string(rest.substr(question + 1));
    rest = rest.substr(0, question);
  }
  if (!rest.starts_with("/")) {
    if (!url.scheme.empty()) {
      url.opaque = std::string(rest);
      return url;
    }
    if (via_request) {
      return unexpected(std::string("invalid URI for request"));
    }
    std::string_view segment = rest.substr(0, rest.find('/'));
    if (segment.find(':') != std::string_view::npos) {
      return unexpected(std::string("first path segment in URL cannot contain colon"));
    }
  }
  if ((!url.scheme.empty() || (!via_request && !rest.starts_with("///"))) &&
      rest.starts_with("//")) {
    std::string_view authority = rest.substr(2);
    rest = {};
    if (std::size_t slash = authority.find('/'); slash != std::string_view::npos) {
      rest = authority.substr(slash);
      authority = authority.substr(0, slash);
    }
    if (auto error = ParseAuthority(authority, url)) {
      return unexpected(*error);
    }
  } else if (!url.scheme.empty() && rest.starts_with("/")) {
    url.omit_host = true;
  }
  Result path = Unescape(rest, Mode::kPath);
  if (!path) {
    return unexpected(path.error());
  }
  url.path = *path;
  url.raw_path = Escape(url.path, Mode::kPath) == rest ? "" : std::string(rest);
  return url;
}

std::string ParseError(std::string_view raw, const std::string& why) {
  return "parse " + go::Quote(raw) + ": " + why;
}

// url.ParseRequestURI's error, or nullopt when it accepts `raw`.
std::optional<std::string> RequestUriError(std::string_view raw) {
  auto url = ParseInner(raw, true);
  if (!url) {
    return ParseError(raw, url.error());
  }
  return std::nullopt;
}

// url.Parse: the fragment is cut off first and parsed on its own.
tl::expected<Url, std::string> Parse(std::string_view raw) {
  std::size_t hash = raw.find('#');
  std::string_view before = raw.substr(0, hash);
  auto url = ParseInner(before, false);
  if (!url) {
    return tl::unexpected(ParseError(before, url.error()));
  }
  if (hash == std::string_view::npos || hash + 1 == raw.size()) {
    return url;
  }
  std::string_view frag = raw.substr(hash + 1);
  Result fragment = Unescape(frag, Mode::kFragment);
  if (!fragment) {
    return tl::unexpected(ParseError(raw, fragment.error()));
  }
  url->fragment = *fragment;
  url->raw_fragment = Escape(url->fragment, Mode::kFragment) == frag ? "" : std::string(frag);
  return url;
}

// url.ParseQuery's values (its errors dropped, as URL.Query drops them), keys in first-seen order.
Value Query(std::string_view query) {
  ValueMap entries;
  std::vector<ValueList> values;
  // Go refuses to split a query of more than 10,000 parameters at all.
  std::size_t parameters = 1;
  for (char c : query) {
    parameters += c == '&' ? 1 : 0;
  }
  if (parameters > 10000) {
    return Value::Map({});
  }
  std::vector<std::string> keys;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.find(';') != std::string_view::npos || part.empty()) {
      continue;
    }
    std::size_t eq = part.find('=');
    Result key = Unescape(part.substr(0, eq), Mode::kQueryComponent);
    if (!key) {
      continue;
    }
    Result value = Unescape(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1),
                            Mode::kQueryComponent);
    if (!value) {
      continue;
    }
    std::size_t index = 0;
    while (index < keys.size() && keys[index] != *key) {
      ++index;
    }
    if (index == keys.size()) {
      keys.push_back(*key);
      values.emplace_back();
    }
    values[index].push_back(Value::String(*value));
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    entries.emplace_back(Value::String(keys[i]), Value::List(std::move(values[i])));
  }
  return Value::Map(std::move(entries));
}

class UrlValue : public OpaqueValue {
 public:
  explicit UrlValue(Url url) : url_(std::move(url)), text_(url_.String()) {}
  std::string_view TypeName() const override { return "kubernetes.URL"; }
  bool Equals(const OpaqueValue& other) const override {
    const auto* url = dynamic_cast<const UrlValue*>(&other);
    return url != nullptr && url->text_ == text_;
  }
  const Url& url() const { return url_; }

 private:
  Url url_;
  std::string text_;
};

}  // namespace

std::optional<Value> CallUrl(std::string_view function, std::span<const Value> args) {
  if (args.size() != 1) {
    return std::nullopt;
  }
  const Value& arg = args[0];
  if (arg.kind() == Value::Kind::kString) {
    if (function == "isURL") {
      return Value::Bool(!RequestUriError(arg.text()).has_value());
    }
    if (function != "url") {
      return std::nullopt;
    }
    std::optional<std::string> error = RequestUriError(arg.text());
    if (!error) {
      auto url = Parse(arg.text());
      if (url) {
        return Value::Opaque(std::make_shared<const UrlValue>(std::move(*url)));
      }
      error = url.error();
    }
    return Value::Error("URL parse error during conversion from string: " + *error);
  }
  if (arg.kind() != Value::Kind::kOpaque) {
    return std::nullopt;
  }
  const auto* value = dynamic_cast<const UrlValue*>(&arg.opaque());
  if (value == nullptr) {
    return std::nullopt;
  }
  const Url& url = value->url();
  if (function == "getScheme") {
    return Value::String(url.scheme);
  }
  if (function == "getHost") {
    return Value::String(url.host);
  }
  if (function == "getHostname") {
    return Value::String(url.SplitHostPort().first);
  }
  if (function == "getPort") {
    return Value::String(url.SplitHostPort().second);
  }
  if (function == "getEscapedPath") {
    return Value::String(url.EscapedPath());
  }
  if (function == "getQuery") {
    return Query(url.raw_query);
  }
  return std::nullopt;
}

}  // namespace agw::validate::cel::library
