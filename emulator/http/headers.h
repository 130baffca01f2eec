#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// HTTP values the data plane's libraries share (route, llm, gateway, io): header lists and the
// rules for reading them. Pure, with no dependency of its own.
namespace agw::emulator::http {

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

// Whether a request's body can be framed by its Transfer-Encoding (the values of every such
// field, joined with ","): 0 when it can (no transfer coding, or `chunked` once, last); 400
// when `chunked` is not the final coding or is applied twice, so the body's end cannot be
// known (RFC 9112 §6.3: answer 400 and close); 501 for a coding the gateway does not
// implement, such as `gzip, chunked` (RFC 9112 §6.1).
int TransferEncodingStatus(std::string_view values);

}  // namespace agw::emulator::http
