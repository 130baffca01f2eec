#pragma once

// The function libraries beyond the core the evaluator (eval.cc) implements itself. The
// evaluator calls them, in this order, for a call its core has no overload for; each answers
// nullopt when it has no function `function` taking these arguments, and the evaluator then
// reports "no matching overload". A member call passes its receiver as args[0].
//
// Internal to agw_cel: callers use Evaluate.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "validate/cel/value.h"

namespace agw::validate::cel::library {

// duration() and timestamp() (conversions from strings and ints, and back), their arithmetic
// and accessors (getHours, getFullYear, ... with an optional time zone). time.cc
std::optional<Value> CallTime(std::string_view function, std::span<const Value> args);
// cel-go's string() of a duration ("1.5s", "3600s") and of a timestamp (RFC 3339 in UTC, no
// trailing zeros in the fraction), which format() prints too. time.cc
std::string DurationText(std::int64_t nanos);
std::string TimestampText(const Timestamp& time);

// The Kubernetes URL library: url, isURL, getScheme, getHost, getHostname, getPort,
// getEscapedPath, getQuery. kubernetes_url.cc
std::optional<Value> CallUrl(std::string_view function, std::span<const Value> args);

// The Kubernetes IP and CIDR libraries: isIP, ip, family, isUnspecified, isLoopback,
// isLinkLocalMulticast, isLinkLocalUnicast, isGlobalUnicast, isCIDR, cidr, containsIP,
// containsCIDR, masked, prefixLength. kubernetes_net.cc
std::optional<Value> CallNet(std::string_view function, std::span<const Value> args);

// The Kubernetes quantity library: quantity, isQuantity, sign, isInteger, asInteger,
// asApproximateFloat, add, sub, isLessThan, isGreaterThan, compareTo. kubernetes_quantity.cc
std::optional<Value> CallQuantity(std::string_view function, std::span<const Value> args);

// The Kubernetes lists, sets and regex libraries: isSorted, sum, min, max, indexOf and
// lastIndexOf on lists; sets.contains, sets.equivalent, sets.intersects; find, findAll.
// kubernetes_lists.cc
std::optional<Value> CallLists(std::string_view function, std::span<const Value> args);

// The Kubernetes format library (k8s.io/apiserver/pkg/cel/library format.go): format.named,
// format.dns1123Label and the other named formats, and validate(). kubernetes_format.cc
std::optional<Value> CallFormatLibrary(std::string_view function, std::span<const Value> args);

// cel-go's optional types: optional.of, optional.none, optional.ofNonZeroValue, hasValue,
// value, orValue, or, and `_?._` / `_[?_]` (what the parser makes of a.?b and a[?k]).
// optional.cc
std::optional<Value> CallOptional(std::string_view function, std::span<const Value> args);

// The strings extension's format, quote and reverse. strings_format.cc
std::optional<Value> CallStringFormat(std::string_view function, std::span<const Value> args);

// agentgateway's functions (crates/celx/src/general.rs and flatten.rs), consulted before the
// others and only with EvalOptions::agentgateway_functions: json, jsonField, toJson and to_json,
// unvalidatedJwtPayload, merge, random, uuid, regexReplace, fail, base64.encode and
// base64.decode (also base64Encode and base64Decode), url.encode, url.decode, form.encode,
// form.decode, sha1.encode, sha256.encode, md5.encode, flatten, flattenRecursive and
// flatten_recursive. `random_bits` (may be empty) feeds random() and uuid(). The lazily
// evaluated default, coalesce, with, mapValues, filterKeys and variables are eval.cc's.
// agentgateway_functions.cc
std::optional<Value> CallAgentgateway(std::string_view function, std::span<const Value> args,
                                      const std::function<std::uint64_t()>& random_bits);
// A value's type as agentgateway's errors name it ("Unexpected type: got 'float', want 'map'"):
// CEL's names, but "float" for double and "object" for optional and opaque values.
// agentgateway_functions.cc
std::string AgentgatewayTypeName(const Value& value);

}  // namespace agw::validate::cel::library
