#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace agw::emulator::route {

// HTTP headers as received: names keep their case and order, repeats are separate entries.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive header access (HTTP names are case-insensitive, RFC 9110 5.1).
bool HeaderNameEquals(std::string_view a, std::string_view b);
// The values of `name` joined with "," (how a proxy folds repeated headers); nullopt if absent.
std::optional<std::string> GetHeader(const HeaderList& headers, std::string_view name);
// Replaces every value of `name` with `value` (keeps the first entry's position).
void SetHeader(HeaderList& headers, std::string_view name, std::string value);
// Appends a value to `name`: joined to the existing value with ",", as Gateway API's `add`.
void AddHeader(HeaderList& headers, std::string_view name, std::string value);
void RemoveHeader(HeaderList& headers, std::string_view name);

// What the route table needs of a request. The path and query are split at the first '?'.
struct Request {
  std::string method = "GET";
  std::string scheme = "http";
  std::string authority;  // the Host header as received, port included
  std::string path = "/";
  std::string query;  // without the '?'; empty when there is none
  HeaderList headers;

  // The host the data plane routes on: the authority without its port, lowercased.
  std::string Hostname() const;
  // "path?query" (or just the path).
  std::string PathAndQuery() const;
};

// Whether a request's body can be framed by its Transfer-Encoding (the values of every such
// field, joined with ","): 0 when it can (no transfer coding, or `chunked` once, last); 400
// when `chunked` is not the final coding or is applied twice, so the body's end cannot be
// known (RFC 9112 §6.3: answer 400 and close); 501 for a coding the gateway does not
// implement, such as `gzip, chunked` (RFC 9112 §6.1).
int TransferEncodingStatus(std::string_view values);

// Splits a request target ("/a/b?x=1") into path and query.
void SplitTarget(std::string_view target, std::string& path, std::string& query);

// The query's parameters, percent-decoded; for a repeated name the last value counts, as in
// the agentgateway data plane.
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query);

}  // namespace agw::emulator::route
