#pragma once

// CEL runtime values and the spec's equality and ordering over them, the base of the evaluator
// (issue 13). Knows nothing of manifests or JSON libraries: the schema walk converts documents
// into these, and the emulator will build them from requests.
//
// Lists and maps share their elements (shared_ptr<const ...>), so copying a Value is cheap and a
// Value is immutable once built. Thread-compatible.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace agw::validate::cel {

class Value;

// A value of a type defined by a library (the Kubernetes URL, IP, CIDR and Quantity types):
// immutable, compared with Equals, named by TypeName as `type()` names it.
class OpaqueValue {
 public:
  virtual ~OpaqueValue() = default;
  virtual std::string_view TypeName() const = 0;
  virtual bool Equals(const OpaqueValue& other) const = 0;
};

// A point in time: seconds since the Unix epoch (UTC) and nanoseconds within the second.
struct Timestamp {
  std::int64_t seconds = 0;
  std::int32_t nanos = 0;  // 0..999,999,999
};

using ValueList = std::vector<Value>;
// Map entries in insertion order; keys are bool, int, uint or string values.
using ValueMap = std::vector<std::pair<Value, Value>>;

class Value {
 public:
  enum class Kind {
    kNull,
    kBool,
    kInt,
    kUint,
    kDouble,
    kString,
    kBytes,
    kList,
    kMap,
    kType,
    kDuration,   // nanoseconds, as cel-go's time.Duration
    kTimestamp,  // Timestamp
    kOptional,   // optional.of(x) or optional.none()
    kOpaque,     // OpaqueValue
    kError
  };

  Value() = default;  // null
  static Value Bool(bool value);
  static Value Int(std::int64_t value);
  static Value Uint(std::uint64_t value);
  static Value Double(double value);
  static Value String(std::string value);  // UTF-8
  static Value Bytes(std::string value);
  static Value List(ValueList items);
  // A list of `x-kubernetes-list-type: set`: equal to another whatever the order, and `+` adds
  // only the items it lacks (k8s.io/apiserver/pkg/cel/common values.go).
  static Value SetList(ValueList items);
  // A list of `x-kubernetes-list-type: map` keyed by the fields `keys`: equal to another when
  // the items with the same keys are equal, and `+` replaces the items whose keys the right
  // side has (in place) and appends the others.
  static Value MapList(ValueList items, std::vector<std::string> keys);
  static Value Map(ValueMap entries);
  // A type value, named as CEL names types: "int", "list", "null_type", "type", ...
  static Value Type(std::string name);
  static Value Duration(std::int64_t nanoseconds);
  static Value TimestampOf(Timestamp time);
  // optional.of(value), or optional.none() for nullopt.
  static Value Optional(std::optional<Value> value);
  static Value Opaque(std::shared_ptr<const OpaqueValue> value);
  // An evaluation error carried as a value, as CEL propagates errors ("no such overload").
  static Value Error(std::string message);

  Kind kind() const { return kind_; }
  bool is_error() const { return kind_ == Kind::kError; }

  bool bool_value() const { return std::get<bool>(data_); }
  std::int64_t int_value() const { return std::get<std::int64_t>(data_); }
  std::int64_t duration_nanos() const { return std::get<std::int64_t>(data_); }
  const Timestamp& timestamp() const { return std::get<Timestamp>(data_); }
  // The value of optional.of(x); null for optional.none().
  const Value* optional_value() const {
    return std::get<std::shared_ptr<const Value>>(data_).get();
  }
  const OpaqueValue& opaque() const { return *std::get<std::shared_ptr<const OpaqueValue>>(data_); }
  std::uint64_t uint_value() const { return std::get<std::uint64_t>(data_); }
  double double_value() const { return std::get<double>(data_); }
  // String, bytes, type name or error message.
  const std::string& text() const { return std::get<std::string>(data_); }
  const ValueList& list() const { return std::get<std::shared_ptr<const ListData>>(data_)->items; }
  enum class ListType : std::uint8_t { kAtomic, kSet, kMap };
  ListType list_type() const { return std::get<std::shared_ptr<const ListData>>(data_)->type; }
  // The key fields of a map list; empty for the others.
  const std::vector<std::string>& list_keys() const {
    return std::get<std::shared_ptr<const ListData>>(data_)->keys;
  }
  const ValueMap& map() const { return *std::get<std::shared_ptr<const ValueMap>>(data_); }

  // The name of this value's CEL type: "null_type", "bool", "int", "uint", "double", "string",
  // "bytes", "list", "map", "type", "google.protobuf.Duration", "google.protobuf.Timestamp",
  // "optional_type", an opaque type's own name; "error" for an error.
  std::string_view TypeName() const;

 private:
  Kind kind_ = Kind::kNull;
  struct ListData {
    ValueList items;
    ListType type = ListType::kAtomic;
    std::vector<std::string> keys;
  };
  std::variant<std::monostate, bool, std::int64_t, std::uint64_t, double, std::string,
               std::shared_ptr<const ListData>, std::shared_ptr<const ValueMap>, Timestamp,
               std::shared_ptr<const Value>, std::shared_ptr<const OpaqueValue>>
      data_;
};

// `a == b` as the CEL spec defines it, with heterogeneous equality: numbers of different types
// compare by their mathematical value (NaN equals nothing), lists element by element, maps by
// their key sets and the values under each key; values of different types are not equal. An
// error operand makes the result that error.
Value Equals(const Value& a, const Value& b);

// The order of `a` and `b` for `<`, `<=`, `>`, `>=`: -1, 0 or 1. Numbers compare across int, uint
// and double by value; strings by code point (byte order of UTF-8); bytes by byte; false before
// true; durations and timestamps in time order. Nullopt when the types cannot be ordered (CEL's "no
// such overload") or a double is NaN.
std::optional<int> Compare(const Value& a, const Value& b);

// The value under `key` in a map value, with numeric keys matched across int, uint and double
// (`{1: 'a'}[1u]`); null when absent.
const Value* FindInMap(const ValueMap& map, const Value& key);

// The item of `items` whose fields `keys` equal those of `item` (a field absent from both
// counts as equal), or null: how a map list finds an item's counterpart.
const Value* FindByListKeys(std::span<const Value> items, const Value& item,
                            const std::vector<std::string>& keys);

}  // namespace agw::validate::cel
