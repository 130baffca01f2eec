#include "validate/cel/value.h"

#include <algorithm>
#include <cmath>

namespace agw::validate::cel {
namespace {

bool IsNumber(const Value& v) {
  return v.kind() == Value::Kind::kInt || v.kind() == Value::Kind::kUint ||
         v.kind() == Value::Kind::kDouble;
}

int Sign(bool less, bool greater) { return less ? -1 : greater ? 1 : 0; }

// int64 and uint64 against double as cel-go compares them: a double beyond the integer type's
// range orders outside it; otherwise the integer is converted to double and the two compared
// (lossy above 2^53, as in cel-go, where int64 max equals 9223372036854775807.0). Nullopt for NaN.
std::optional<int> CompareIntDouble(std::int64_t i, double d) {
  if (std::isnan(d)) {
    return std::nullopt;
  }
  if (d < -9223372036854775808.0) {
    return 1;
  }
  if (d > 9223372036854775807.0) {
    return -1;
  }
  auto x = static_cast<double>(i);
  return Sign(x<d, x> d);
}

std::optional<int> CompareUintDouble(std::uint64_t u, double d) {
  if (std::isnan(d)) {
    return std::nullopt;
  }
  if (d < 0) {
    return 1;
  }
  if (d > 18446744073709551615.0) {
    return -1;
  }
  auto x = static_cast<double>(u);
  return Sign(x<d, x> d);
}

std::optional<int> CompareNumbers(const Value& a, const Value& b) {
  using K = Value::Kind;
  if (a.kind() == K::kInt && b.kind() == K::kInt) {
    return Sign(a.int_value() < b.int_value(), a.int_value() > b.int_value());
  }
  if (a.kind() == K::kUint && b.kind() == K::kUint) {
    return Sign(a.uint_value() < b.uint_value(), a.uint_value() > b.uint_value());
  }
  if (a.kind() == K::kDouble && b.kind() == K::kDouble) {
    double x = a.double_value(), y = b.double_value();
    if (std::isnan(x) || std::isnan(y)) {
      return std::nullopt;
    }
    return Sign(x<y, x> y);
  }
  if (a.kind() == K::kInt && b.kind() == K::kUint) {
    if (a.int_value() < 0) {
      return -1;
    }
    auto x = static_cast<std::uint64_t>(a.int_value());
    return Sign(x<b.uint_value(), x> b.uint_value());
  }
  if (a.kind() == K::kUint && b.kind() == K::kInt) {
    std::optional<int> flipped = CompareNumbers(b, a);
    return flipped ? std::optional<int>(-*flipped) : std::nullopt;
  }
  if (a.kind() == K::kInt) {
    return CompareIntDouble(a.int_value(), b.double_value());
  }
  if (a.kind() == K::kUint) {
    return CompareUintDouble(a.uint_value(), b.double_value());
  }
  std::optional<int> flipped = CompareNumbers(b, a);  // a is the double
  return flipped ? std::optional<int>(-*flipped) : std::nullopt;
}

bool EqualValues(const Value& a, const Value& b);

// The value of field `name` of a map item, or null.
const Value* FieldNamed(const Value& item, std::string_view name) {
  if (item.kind() != Value::Kind::kMap) {
    return nullptr;
  }
  for (const auto& [key, value] : item.map()) {
    if (key.kind() == Value::Kind::kString && key.text() == name) {
      return &value;
    }
  }
  return nullptr;
}

}  // namespace

const Value* FindByListKeys(std::span<const Value> items, const Value& item,
                            const std::vector<std::string>& keys) {
  for (const Value& candidate : items) {
    bool same = true;
    for (const std::string& key : keys) {
      const Value* mine = FieldNamed(item, key);
      const Value* theirs = FieldNamed(candidate, key);
      if ((mine == nullptr) != (theirs == nullptr) ||
          (mine != nullptr && !EqualValues(*mine, *theirs))) {
        same = false;
        break;
      }
    }
    if (same) {
      return &candidate;
    }
  }
  return nullptr;
}

namespace {

bool EqualMaps(const ValueMap& a, const ValueMap& b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (const auto& [key, value] : a) {
    const Value* other = FindInMap(b, key);
    if (other == nullptr || !EqualValues(value, *other)) {
      return false;
    }
  }
  return true;
}

// Equality of two values that are not errors.
bool EqualValues(const Value& a, const Value& b) {
  using K = Value::Kind;
  if (IsNumber(a) && IsNumber(b)) {
    std::optional<int> order = CompareNumbers(a, b);
    return order && *order == 0;
  }
  if (a.kind() != b.kind()) {
    return false;
  }
  switch (a.kind()) {
    case K::kNull:
      return true;
    case K::kBool:
      return a.bool_value() == b.bool_value();
    case K::kString:
    case K::kBytes:
    case K::kType:
      return a.text() == b.text();
    case K::kList: {
      const ValueList& x = a.list();
      const ValueList& y = b.list();
      if (x.size() != y.size()) {
        return false;
      }
      if (a.list_type() == Value::ListType::kSet || b.list_type() == Value::ListType::kSet) {
        return std::all_of(x.begin(), x.end(), [&](const Value& item) {
          return std::any_of(y.begin(), y.end(),
                             [&](const Value& other) { return EqualValues(item, other); });
        });
      }
      if (a.list_type() == Value::ListType::kMap || b.list_type() == Value::ListType::kMap) {
        const std::vector<std::string>& keys =
            a.list_type() == Value::ListType::kMap ? a.list_keys() : b.list_keys();
        for (const Value& item : x) {
          const Value* other = FindByListKeys(y, item, keys);
          if (other == nullptr || !EqualValues(item, *other)) {
            return false;
          }
        }
        return true;
      }
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (!EqualValues(x[i], y[i])) {
          return false;
        }
      }
      return true;
    }
    case K::kMap:
      return EqualMaps(a.map(), b.map());
    case K::kDuration:
      return a.duration_nanos() == b.duration_nanos();
    case K::kTimestamp:
      return a.timestamp().seconds == b.timestamp().seconds &&
             a.timestamp().nanos == b.timestamp().nanos;
    case K::kOptional:
      if (a.optional_value() == nullptr || b.optional_value() == nullptr) {
        return a.optional_value() == b.optional_value();
      }
      return EqualValues(*a.optional_value(), *b.optional_value());
    case K::kOpaque:
      return a.opaque().TypeName() == b.opaque().TypeName() && a.opaque().Equals(b.opaque());
    default:
      return false;
  }
}

}  // namespace

Value Value::Bool(bool value) {
  Value v;
  v.kind_ = Kind::kBool;
  v.data_ = value;
  return v;
}

Value Value::Int(std::int64_t value) {
  Value v;
  v.kind_ = Kind::kInt;
  v.data_ = value;
  return v;
}

Value Value::Uint(std::uint64_t value) {
  Value v;
  v.kind_ = Kind::kUint;
  v.data_ = value;
  return v;
}

Value Value::Double(double value) {
  Value v;
  v.kind_ = Kind::kDouble;
  v.data_ = value;
  return v;
}

Value Value::String(std::string value) {
  Value v;
  v.kind_ = Kind::kString;
  v.data_ = std::move(value);
  return v;
}

Value Value::Bytes(std::string value) {
  Value v = String(std::move(value));
  v.kind_ = Kind::kBytes;
  return v;
}

Value Value::List(ValueList items) {
  Value v;
  v.kind_ = Kind::kList;
  v.data_ = std::make_shared<const ListData>(ListData{std::move(items), ListType::kAtomic, {}});
  return v;
}

Value Value::SetList(ValueList items) {
  Value v;
  v.kind_ = Kind::kList;
  v.data_ = std::make_shared<const ListData>(ListData{std::move(items), ListType::kSet, {}});
  return v;
}

Value Value::MapList(ValueList items, std::vector<std::string> keys) {
  Value v;
  v.kind_ = Kind::kList;
  v.data_ =
      std::make_shared<const ListData>(ListData{std::move(items), ListType::kMap, std::move(keys)});
  return v;
}

Value Value::Map(ValueMap entries) {
  Value v;
  v.kind_ = Kind::kMap;
  v.data_ = std::make_shared<const ValueMap>(std::move(entries));
  return v;
}

Value Value::Type(std::string name) {
  Value v = String(std::move(name));
  v.kind_ = Kind::kType;
  return v;
}

Value Value::Duration(std::int64_t nanoseconds) {
  Value v;
  v.kind_ = Kind::kDuration;
  v.data_ = nanoseconds;
  return v;
}

Value Value::TimestampOf(Timestamp time) {
  Value v;
  v.kind_ = Kind::kTimestamp;
  v.data_ = time;
  return v;
}

Value Value::Optional(std::optional<Value> value) {
  Value v;
  v.kind_ = Kind::kOptional;
  v.data_ =
      value ? std::make_shared<const Value>(std::move(*value)) : std::shared_ptr<const Value>();
  return v;
}

Value Value::Opaque(std::shared_ptr<const OpaqueValue> value) {
  Value v;
  v.kind_ = Kind::kOpaque;
  v.data_ = std::move(value);
  return v;
}

Value Value::Error(std::string message) {
  Value v = String(std::move(message));
  v.kind_ = Kind::kError;
  return v;
}

std::string_view Value::TypeName() const {
  switch (kind_) {
    case Kind::kNull:
      return "null_type";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kUint:
      return "uint";
    case Kind::kDouble:
      return "double";
    case Kind::kString:
      return "string";
    case Kind::kBytes:
      return "bytes";
    case Kind::kList:
      return "list";
    case Kind::kMap:
      return "map";
    case Kind::kType:
      return "type";
    case Kind::kDuration:
      return "google.protobuf.Duration";
    case Kind::kTimestamp:
      return "google.protobuf.Timestamp";
    case Kind::kOptional:
      return "optional_type";
    case Kind::kOpaque:
      return opaque().TypeName();
    case Kind::kError:
      break;
  }
  return "error";
}

Value Equals(const Value& a, const Value& b) {
  if (a.is_error()) {
    return a;
  }
  if (b.is_error()) {
    return b;
  }
  return Value::Bool(EqualValues(a, b));
}

std::optional<int> Compare(const Value& a, const Value& b) {
  using K = Value::Kind;
  if (IsNumber(a) && IsNumber(b)) {
    return CompareNumbers(a, b);
  }
  if (a.kind() != b.kind()) {
    return std::nullopt;
  }
  switch (a.kind()) {
    case K::kBool:
      return Sign(!a.bool_value() && b.bool_value(), a.bool_value() && !b.bool_value());
    case K::kString:
    case K::kBytes: {
      int order = a.text().compare(b.text());
      return Sign(order<0, order> 0);
    }
    case K::kDuration:
      return Sign(a.duration_nanos() < b.duration_nanos(), a.duration_nanos() > b.duration_nanos());
    case K::kTimestamp: {
      const Timestamp& x = a.timestamp();
      const Timestamp& y = b.timestamp();
      if (x.seconds != y.seconds) {
        return Sign(x.seconds<y.seconds, x.seconds> y.seconds);
      }
      return Sign(x.nanos<y.nanos, x.nanos> y.nanos);
    }
    default:
      return std::nullopt;
  }
}

const Value* FindInMap(const ValueMap& map, const Value& key) {
  for (const auto& [candidate, value] : map) {
    bool numbers = IsNumber(candidate) && IsNumber(key);
    if ((numbers || candidate.kind() == key.kind()) && EqualValues(candidate, key)) {
      return &value;
    }
  }
  return nullptr;
}

}  // namespace agw::validate::cel
