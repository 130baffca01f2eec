#pragma once

#include <string_view>

// The `format` values the API server checks on custom resources (Kubernetes 1.32 to 1.35): the
// string formats of kube-openapi's strfmt registry. Numeric formats (int32, int64, float,
// double) and any other name are dropped from CRD schemas and never checked.
namespace agw::validate::schema {

// Whether the server checks `format` (spelled with or without dashes: date-time, datetime).
bool IsCheckedFormat(std::string_view format);

// Whether `text` is a valid value of the checked format `format`. Implemented as strfmt reads
// them: ipv4 (Go's sloppy parse, so leading zeros and an IPv4-mapped IPv6 address pass), ipv6,
// cidr, date-time (RFC 3339), date, uri, uuid (and uuid3/4/5), byte (standard base64), hostname,
// email, mac, hexcolor, password. The rest of the registry (isbn, creditcard, ssn, rgbcolor,
// bsonobjectid, duration), which no CRD of this project's sets uses, is accepted unchecked.
bool FormatAccepts(std::string_view format, std::string_view text);

// Whether all of `text` matches the RE2 `pattern` (a string literal: compiled once per thread
// and kept, keyed by its address).
bool MatchesWhole(std::string_view text, const char* pattern);

}  // namespace agw::validate::schema
