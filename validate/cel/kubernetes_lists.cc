// The Kubernetes lists library (k8s.io/apiserver/pkg/cel/library/lists.go), cel-go's sets
// extension (ext/sets.go) and the Kubernetes regex library (library/regex.go).
//
// The API server type-checks rules, so a list reaching isSorted, min or max there holds one
// comparable type. Here lists are dynamic: an element of a type that has no order (a list, a
// map, null) is "no such overload", as cel-go reports for it at run time, and a pair that cannot
// be ordered (NaN, or mixed types) counts as "not greater", as cel-go's loop ignores the error
// its Compare returns.

#include <re2/re2.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "validate/cel/library.h"

namespace agw::validate::cel::library {
namespace {

using K = Value::Kind;

Value NoOverload(std::string_view function) {
  return Value::Error("no such overload: " + std::string(function));
}

// The types with cel-go's Comparer trait.
bool Orderable(const Value& v) {
  switch (v.kind()) {
    case K::kBool:
    case K::kInt:
    case K::kUint:
    case K::kDouble:
    case K::kString:
    case K::kBytes:
    case K::kDuration:
    case K::kTimestamp:
      return true;
    default:
      return false;
  }
}

bool IsTrue(const Value& v) { return v.kind() == K::kBool && v.bool_value(); }

Value IsSorted(const ValueList& items) {
  const Value* previous = nullptr;
  for (const Value& item : items) {
    if (!Orderable(item)) {
      return NoOverload("isSorted");
    }
    if (previous != nullptr) {
      std::optional<int> order = Compare(*previous, item);
      if (order && *order > 0) {
        return Value::Bool(false);
      }
    }
    previous = &item;
  }
  return Value::Bool(true);
}

// min (prefer = 1: replace the candidate when it is greater) or max (prefer = -1).
Value Extreme(std::string_view function, const ValueList& items, int prefer) {
  const Value* best = nullptr;
  for (const Value& item : items) {
    if (!Orderable(item)) {
      return NoOverload(function);
    }
    if (best == nullptr) {
      best = &item;
      continue;
    }
    std::optional<int> order = Compare(*best, item);
    if (order && *order == prefer) {
      best = &item;
    }
  }
  if (best == nullptr) {
    return Value::Error(std::string(function) + " called on empty list");
  }
  return *best;
}

// The sum of a list of ints, uints, doubles or durations, with the `+` operator's overflow
// errors. The API server starts from the zero of the list's declared element type; without
// declared types an empty list sums to int 0, which equals 0u, 0.0 and compares with either.
Value Sum(const ValueList& items) {
  if (items.empty()) {
    return Value::Int(0);
  }
  K kind = items[0].kind();
  if (kind != K::kInt && kind != K::kUint && kind != K::kDouble && kind != K::kDuration) {
    return NoOverload("sum");
  }
  std::int64_t int_sum = 0;
  std::uint64_t uint_sum = 0;
  double double_sum = 0;
  for (const Value& item : items) {
    if (item.kind() != kind) {
      return NoOverload("sum");
    }
    switch (kind) {
      case K::kInt:
        if (__builtin_add_overflow(int_sum, item.int_value(), &int_sum)) {
          return Value::Error("integer overflow");
        }
        break;
      case K::kDuration:
        if (__builtin_add_overflow(int_sum, item.duration_nanos(), &int_sum)) {
          return Value::Error("integer overflow");
        }
        break;
      case K::kUint:
        if (__builtin_add_overflow(uint_sum, item.uint_value(), &uint_sum)) {
          return Value::Error("unsigned integer overflow");
        }
        break;
      default:
        double_sum += item.double_value();
    }
  }
  if (kind == K::kInt) {
    return Value::Int(int_sum);
  }
  if (kind == K::kDuration) {
    return Value::Duration(int_sum);
  }
  if (kind == K::kUint) {
    return Value::Uint(uint_sum);
  }
  return Value::Double(double_sum);
}

Value IndexOf(const ValueList& items, const Value& wanted, bool last) {
  std::size_t n = items.size();
  for (std::size_t k = 0; k < n; ++k) {
    std::size_t i = last ? n - 1 - k : k;
    if (IsTrue(Equals(items[i], wanted))) {
      return Value::Int(static_cast<std::int64_t>(i));
    }
  }
  return Value::Int(-1);
}

// Whether `list` holds an element equal to `wanted` under CEL's heterogeneous equality.
bool Holds(const ValueList& list, const Value& wanted) {
  for (const Value& item : list) {
    if (IsTrue(Equals(item, wanted))) {
      return true;
    }
  }
  return false;
}

bool ContainsAll(const ValueList& list, const ValueList& sublist) {
  for (const Value& item : sublist) {
    if (!Holds(list, item)) {
      return false;
    }
  }
  return true;
}

Value Sets(std::string_view function, const ValueList& a, const ValueList& b) {
  if (function == "sets.contains") {
    return Value::Bool(ContainsAll(a, b));
  }
  if (function == "sets.equivalent") {
    return Value::Bool(ContainsAll(a, b) && ContainsAll(b, a));
  }
  for (const Value& item : a) {
    if (Holds(b, item)) {
      return Value::Bool(true);
    }
  }
  return Value::Bool(false);
}

// The byte length of the UTF-8 sequence at `at`, 1 for a byte that does not start a valid one:
// how far Go's regexp steps past an empty match.
std::size_t RuneWidth(std::string_view text, std::size_t at) {
  auto c = static_cast<unsigned char>(text[at]);
  std::size_t width = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xE  ? 3
                      : (c >> 3) == 0x1E ? 4
                                         : 1;
  if (at + width > text.size()) {
    return 1;
  }
  for (std::size_t k = 1; k < width; ++k) {
    if ((static_cast<unsigned char>(text[at + k]) & 0xC0) != 0x80) {
      return 1;
    }
  }
  return width;
}

// The matches of `pattern` in `text` as Go's Regexp.FindAllString(text, limit) returns them
// (limit < 0: all): leftmost-first, not overlapping, and an empty match right where the
// previous match ended is skipped. find() is the first of these.
Value FindAll(const std::string& text, const std::string& pattern, std::int64_t limit,
              bool first_only) {
  RE2::Options options;
  options.set_log_errors(false);
  RE2 regex(pattern, options);
  if (!regex.ok()) {
    return Value::Error("Illegal regex: " + regex.error());
  }
  ValueList found;
  std::size_t position = 0;
  std::optional<std::size_t> previous_end;
  // Each round moves `position` forward by at least one byte, so this ends past text.size().
  while ((limit < 0 || static_cast<std::int64_t>(found.size()) < limit) &&
         position <= text.size()) {
    re2::StringPiece match;
    if (!regex.Match(text, position, text.size(), RE2::UNANCHORED, &match, 1)) {
      break;
    }
    auto begin = static_cast<std::size_t>(match.data() - text.data());
    std::size_t end = begin + match.size();
    bool accept = true;
    if (end == position) {
      accept = previous_end != begin;
      position += position < text.size() ? RuneWidth(text, position) : 1;
    } else {
      position = end;
    }
    previous_end = end;
    if (accept) {
      if (first_only) {
        return Value::String(std::string(match));
      }
      found.push_back(Value::String(std::string(match)));
    }
  }
  if (first_only) {
    return Value::String("");
  }
  return Value::List(std::move(found));
}

}  // namespace

std::optional<Value> CallLists(std::string_view function, std::span<const Value> args) {
  if (args.empty()) {
    return std::nullopt;
  }
  const Value& target = args[0];
  if (target.kind() == K::kList) {
    const ValueList& items = target.list();
    if (args.size() == 1) {
      if (function == "isSorted") {
        return IsSorted(items);
      }
      if (function == "sum") {
        return Sum(items);
      }
      if (function == "min") {
        return Extreme(function, items, 1);
      }
      if (function == "max") {
        return Extreme(function, items, -1);
      }
    }
    if (args.size() == 2) {
      if (function == "indexOf") {
        return IndexOf(items, args[1], false);
      }
      if (function == "lastIndexOf") {
        return IndexOf(items, args[1], true);
      }
      if ((function == "sets.contains" || function == "sets.equivalent" ||
           function == "sets.intersects") &&
          args[1].kind() == K::kList) {
        return Sets(function, items, args[1].list());
      }
    }
    return std::nullopt;
  }
  if (target.kind() == K::kString && args.size() >= 2 && args[1].kind() == K::kString) {
    if (function == "find" && args.size() == 2) {
      return FindAll(target.text(), args[1].text(), 1, true);
    }
    if (function == "findAll" && args.size() == 2) {
      return FindAll(target.text(), args[1].text(), -1, false);
    }
    if (function == "findAll" && args.size() == 3 && args[2].kind() == K::kInt) {
      return FindAll(target.text(), args[1].text(), args[2].int_value(), false);
    }
  }
  return std::nullopt;
}

}  // namespace agw::validate::cel::library
