#pragma once

// The values agentgateway's CEL dialect has beyond plain CEL, for the data plane to build its
// attribute context from (emulator/policy/cel_context.h), and the conversions its logs and traces
// use. Facts from agentgateway crates/agentgateway/src/cel/types.rs (Headers, SecretStringValue,
// the JWT claims), query.rs (request.uri / request.pathAndQuery), crates/celx/src/flatten.rs and
// crates/cel-fork/cel/src/json.rs (Value::json); no code carried over.
//
// A view (DynamicView) reads as a plain value but answers some selections and methods itself, as
// agentgateway's "dynamic" values do. The evaluator consults views only with
// EvalOptions::agentgateway_functions; otherwise a view is an opaque value like any other.
//
// Values are immutable and thread-compatible, like every Value.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "validate/cel/value.h"

namespace agw::validate::cel {

// A value read through itself: `v.f`, `v["f"]` and has(v.f) ask Field, `v.m(args...)` asks
// CallMethod, and everything else (operators, functions, comprehensions, ==) sees Materialize().
class DynamicView : public OpaqueValue {
 public:
  // The plain value this reads as.
  virtual Value Materialize() const = 0;
  // The field `name`, or nullopt when absent (the evaluator then reports "no such key: name").
  // The default looks in Materialize() when it is a map.
  virtual std::optional<Value> Field(std::string_view name) const;
  // `this.name(args...)`, or nullopt when the view has no such method (the evaluator then calls
  // the function on Materialize()).
  virtual std::optional<Value> CallMethod(std::string_view name, std::span<const Value> args) const;
  // Equal when both are views whose materialized values are equal.
  bool Equals(const OpaqueValue& other) const override;
};

// The view `value` holds, or null when it holds none.
const DynamicView* AsDynamicView(const Value& value);

// `value` with every view in it, through lists and maps, replaced by what it materializes to.
// Nesting deeper than 128 levels is left as it is.
Value Materialized(const Value& value);

// agentgateway's redacted secret (`jwt.rawToken`, `apiKey.key`): reads as the string
// "<redacted>" everywhere (equality, string(), toJson, logs); only `.unredacted()` gives `secret`
// back. The secret never appears in a message.
Value RedactedString(std::string secret);

// A header map as agentgateway's CEL sees `request.headers`, `response.headers` and
// `source.connectHeaders`: a name (looked up case-insensitively) gives its value as a string when
// it has one value and a list of strings when it has several; a name with a value that is not
// UTF-8 is absent. Methods: join() (repeated values joined with ","), raw() (always a list),
// split() (every value split on "," and trimmed, as a list), the last of these three winning;
// redacted() (values of `sensitive` names read "<redacted>"); cookie(name) (the first cookie of
// that name in the Cookie headers; "no such key: name" when there is none). Materialized: a map
// from each lowercase name, in order of first appearance, to its value. `headers` are as
// received (any case, repeats as separate entries); `sensitive` are names, any case (agentgateway
// marks Authorization and Proxy-Authorization).
Value HeaderView(const std::vector<std::pair<std::string, std::string>>& headers,
                 const std::vector<std::string>& sensitive);

// `request.uri` (an absolute URI, `http://example.com/a?b=c`) or `request.pathAndQuery`
// (`/a?b=c`): reads as that string, with query(name) (the form-decoded values of `name`, a list;
// "no such key: name" when there are none), addQuery(name, value) and setQuery(name, value)
// (the same view with the pair appended, or replacing every pair of that name, the query
// re-encoded as application/x-www-form-urlencoded).
Value QueryView(std::string_view uri_or_path_and_query);

// `jwt`: reads as the verified claims (`claims`, a map); the field `rawToken` is the token,
// redacted (RedactedString), and is not part of the materialized map, as in agentgateway.
Value JwtClaimsView(Value claims, std::string raw_token);

// flatten(), flattenRecursive() and flatten_recursive() mark a list or map for the access log
// and trace attributes, which expand the field into one entry per item (agentgateway
// crates/celx/src/flatten.rs): the marker is what agentgateway makes it, a one-entry map from one
// of these keys to the list or map. Anything else reads it as that map.
inline constexpr std::string_view kFlattenList = "$_meta_flatten_list";
inline constexpr std::string_view kFlattenListRecursive = "$_meta_flatten_list_recursive";
inline constexpr std::string_view kFlattenMap = "$_meta_flatten_map";
inline constexpr std::string_view kFlattenMapRecursive = "$_meta_flatten_map_recursive";

struct FlattenMarker {
  bool recursive = false;
  Value items;  // the list or map
};
// The marker `value` is, or nullopt.
std::optional<FlattenMarker> AsFlattenMarker(const Value& value);

// json(): JSON text as agentgateway reads it (serde_json with preserve_order, then cel's
// to_value): objects become maps with string keys in document order (a repeated key keeps its
// first place and its last value), integers int when they fit int64, else uint when they fit
// uint64, other numbers double. Errors are serde_json's texts ("expected value at line 1 column
// 1", "EOF while parsing a list at line 1 column 4", ...); nesting 128 deep is "recursion limit
// exceeded". Returns the value or an error value.
Value ParseJson(std::string_view text);

// toJson(): the compact JSON text of `value` as agentgateway's Value::json and serde_json write
// it: timestamps as RFC 3339 text, durations as CEL prints them ("1.5s"), bytes as padded
// standard base64, type values as their names, doubles in Rust's shortest form ("1.0", "1e21"),
// NaN and infinities as null, map keys as text, views materialized, the Kubernetes IP and CIDR
// values as their text, anything else null. Nesting deeper than 128 levels is null.
std::string JsonText(const Value& value);

// The texts JsonText uses, for callers that build JSON another way (the access log).
std::string DurationJsonText(std::int64_t nanos);
std::string TimestampJsonText(const Timestamp& time);
std::string Base64Text(std::string_view bytes);
// A map key as JSON object keys and flattened field names write it: a string as itself, an int
// or uint in decimal, a bool as true/false.
std::string MapKeyText(const Value& key);

}  // namespace agw::validate::cel
