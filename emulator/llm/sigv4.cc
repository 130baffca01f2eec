#include "emulator/llm/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "emulator/http/target.h"

namespace agw::emulator::llm {
namespace {

using Bytes = std::string;  // raw digest bytes

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xF]);
  }
  return out;
}

Bytes HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &size);
  return Bytes(reinterpret_cast<const char*>(out), size);
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

// RFC 3986 percent-encoding of everything but unreserved characters (and '/' when asked).
std::string UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 0xF]);
    }
  }
  return out;
}

// Services other than S3 sign the path as sent, encoded once more.
std::string CanonicalUri(std::string_view path) {
  if (path.empty()) {
    return "/";
  }
  return UriEncode(path, /*keep_slash=*/true);
}

std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view param = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (param.empty()) {
      continue;
    }
    size_t eq = param.find('=');
    std::string_view key = param.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : param.substr(eq + 1);
    params.emplace_back(UriEncode(http::PercentDecode(key), false),
                        UriEncode(http::PercentDecode(value), false));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [key, value] : params) {
    if (!out.empty()) {
      out.push_back('&');
    }
    out.append(key).append("=").append(value);
  }
  return out;
}

std::string Lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Trims the value and collapses inner runs of spaces, as the canonical form requires.
std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
    }
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::string FormatUtc(std::chrono::system_clock::time_point now, const char* format) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), format, &utc);
  return buffer;
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return Hex(std::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

SigV4Signature SignV4(const SigV4Request& request, const AwsCredentials& credentials,
                      std::string_view region, std::string_view service,
                      std::chrono::system_clock::time_point now) {
  const std::string amz_date = FormatUtc(now, "%Y%m%dT%H%M%SZ");
  const std::string date = amz_date.substr(0, 8);

  SigV4Signature result;
  result.headers.emplace_back("x-amz-date", amz_date);
  if (!credentials.session_token.empty()) {
    result.headers.emplace_back("x-amz-security-token", credentials.session_token);
  }

  // Header names are case-insensitive and repeated headers sign as one comma-joined value.
  std::vector<std::pair<std::string, std::string>> signed_headers;
  auto add = [&](std::string_view name, std::string_view value) {
    std::string key = Lowercase(name);
    std::string canonical_value = CanonicalHeaderValue(value);
    for (auto& [existing, joined] : signed_headers) {
      if (existing == key) {
        joined.append(",").append(canonical_value);
        return;
      }
    }
    signed_headers.emplace_back(std::move(key), std::move(canonical_value));
  };
  add("host", request.host);
  for (const auto& [name, value] : request.headers) {
    std::string key = Lowercase(name);
    if (key == "host" || key == "authorization" || key == "x-amz-date" ||
        key == "x-amz-security-token") {
      continue;
    }
    add(key, value);
  }
  for (const auto& [name, value] : result.headers) {
    add(name, value);
  }
  std::sort(signed_headers.begin(), signed_headers.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });

  std::string canonical_headers;
  std::string signed_names;
  for (const auto& [name, value] : signed_headers) {
    canonical_headers.append(name).append(":").append(value).append("\n");
    if (!signed_names.empty()) {
      signed_names.push_back(';');
    }
    signed_names.append(name);
  }

  result.canonical_request = request.method + "\n" + CanonicalUri(request.path) + "\n" +
                             CanonicalQuery(request.query) + "\n" + canonical_headers + "\n" +
                             signed_names + "\n" + Sha256Hex(request.body);
  const std::string scope =
      date + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
  result.string_to_sign =
      "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + Sha256Hex(result.canonical_request);

  Bytes key = HmacSha256("AWS4" + credentials.secret_access_key, date);
  key = HmacSha256(key, region);
  key = HmacSha256(key, service);
  key = HmacSha256(key, "aws4_request");
  result.signature = Hex(HmacSha256(key, result.string_to_sign));

  result.headers.emplace_back(
      "authorization", "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope +
                           ", SignedHeaders=" + signed_names + ", Signature=" + result.signature);
  return result;
}

}  // namespace agw::emulator::llm
