#pragma once

// AWS Signature Version 4 (header-based), as the gateway signs Bedrock requests when no other
// backend auth is configured. Pure: the caller supplies the clock and the credentials.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace agw::emulator::llm {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty: long-term credentials
};

// The request as it goes on the wire. `path` and `query` are the encoded request target parts
// (no leading '?'); every header in `headers` is signed, plus host and x-amz-date.
struct SigV4Request {
  std::string method;
  std::string host;
  std::string path = "/";
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct SigV4Signature {
  // Headers to set on the request: x-amz-date, x-amz-security-token (with a session token) and
  // authorization, in that order.
  std::vector<std::pair<std::string, std::string>> headers;
  // The intermediate strings, for debugging a rejected signature.
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // lowercase hex
};

SigV4Signature SignV4(const SigV4Request& request, const AwsCredentials& credentials,
                      std::string_view region, std::string_view service,
                      std::chrono::system_clock::time_point now);

// Lowercase hex SHA-256, as used for payload hashes.
std::string Sha256Hex(std::string_view data);

}  // namespace agw::emulator::llm
