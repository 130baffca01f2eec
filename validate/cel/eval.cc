#include "validate/cel/eval.h"

#include <re2/re2.h>

#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <span>
#include <type_traits>

#include "validate/cel/agentgateway_values.h"
#include "validate/cel/library.h"

namespace agw::validate::cel {
namespace {

using K = Value::Kind;
using Fn = Function;

Value NoOverload(std::string_view function) {
  return Value::Error("no such overload: " + std::string(function));
}

// The number of code points of UTF-8 `text`.
std::int64_t CodePoints(std::string_view text) {
  std::int64_t count = 0;
  for (unsigned char c : text) {
    count += (c & 0xC0) != 0x80;
  }
  return count;
}

// The byte offset of code point `index` in `text` (text.size() for the end); nullopt past it.
std::optional<std::size_t> ByteOffset(std::string_view text, std::int64_t index) {
  if (index < 0) {
    return std::nullopt;
  }
  std::size_t offset = 0;
  for (std::int64_t seen = 0; seen < index; ++seen) {
    if (offset >= text.size()) {
      return std::nullopt;
    }
    ++offset;
    while (offset < text.size() && (static_cast<unsigned char>(text[offset]) & 0xC0) == 0x80) {
      ++offset;
    }
  }
  return offset;
}

// Whether `text` is valid UTF-8 (string(bytes) requires it).
bool ValidUtf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    int extra = c < 0x80           ? 0
                : (c >> 5) == 0x6  ? 1
                : (c >> 4) == 0xE  ? 2
                : (c >> 3) == 0x1E ? 3
                                   : -1;
    if (extra < 0 || i + extra >= text.size() + (extra == 0 ? 1 : 0)) {
      return false;
    }
    for (int k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) {
        return false;
      }
    }
    i += static_cast<std::size_t>(extra) + 1;
  }
  return true;
}

// The code point at byte `at` of UTF-8 `text` and its length (an invalid byte reads as itself).
std::pair<char32_t, std::size_t> CodePointAt(std::string_view text, std::size_t at) {
  auto c = static_cast<unsigned char>(text[at]);
  std::size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
  if (c < 0x80 || at + length > text.size()) {
    return {c, 1};
  }
  char32_t point = c & (0x7F >> length);
  for (std::size_t k = 1; k < length; ++k) {
    point = (point << 6) | (static_cast<unsigned char>(text[at + k]) & 0x3F);
  }
  return {point, length};
}

// Go's unicode.IsSpace, which the strings extension's trim() strips.
bool IsUnicodeSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

std::string TrimUnicodeSpace(std::string_view text) {
  std::size_t begin = 0;
  while (begin < text.size()) {
    auto [point, length] = CodePointAt(text, begin);
    if (!IsUnicodeSpace(point)) {
      break;
    }
    begin += length;
  }
  std::size_t end = text.size();
  while (end > begin) {
    std::size_t start = end - 1;
    while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) {
      --start;
    }
    if (!IsUnicodeSpace(CodePointAt(text, start).first)) {
      break;
    }
    end = start;
  }
  return std::string(text.substr(begin, end - begin));
}

// Go's strconv.FormatFloat(d, 'g', -1, 64)-like shortest text, as CEL's string(double) prints.
std::string DoubleText(double d) {
  if (std::isnan(d)) {
    return "NaN";
  }
  if (std::isinf(d)) {
    return d > 0 ? "+Inf" : "-Inf";
  }
  char buffer[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, d);
    if (std::strtod(buffer, nullptr) == d) {
      break;
    }
  }
  return buffer;
}

// Go's strconv.ParseInt/ParseUint in base 10, as int() and uint() read strings: an optional
// sign ('+', or '-' for signed types), digits only, in range.
template <typename T>
std::optional<T> ParseInteger(std::string_view text) {
  if (!text.empty() && text[0] == '+') {
    text.remove_prefix(1);
  }
  if (text.empty() || text[0] == '+' || (text[0] == '-' && std::is_unsigned_v<T>)) {
    return std::nullopt;
  }
  T value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

Value Convert(std::string_view f, const Value& x) {
  if (f == "dyn") {
    return x;
  }
  if (f == "int") {
    switch (x.kind()) {
      case K::kInt:
        return x;
      case K::kUint:
        if (x.uint_value() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
          return Value::Error("range error");
        }
        return Value::Int(static_cast<std::int64_t>(x.uint_value()));
      case K::kDouble: {
        double d = x.double_value();
        if (!(d > -9223372036854775808.0 && d < 9223372036854775808.0)) {
          return Value::Error("range error");
        }
        return Value::Int(static_cast<std::int64_t>(d));
      }
      case K::kString: {
        std::optional<std::int64_t> v = ParseInteger<std::int64_t>(x.text());
        return v ? Value::Int(*v) : Value::Error("invalid int: " + x.text());
      }
      default:
        return NoOverload(f);
    }
  }
  if (f == "uint") {
    switch (x.kind()) {
      case K::kUint:
        return x;
      case K::kInt:
        if (x.int_value() < 0) {
          return Value::Error("range error");
        }
        return Value::Uint(static_cast<std::uint64_t>(x.int_value()));
      case K::kDouble: {
        double d = x.double_value();
        if (!(d > -1.0 && d < 18446744073709551616.0)) {
          return Value::Error("range error");
        }
        return Value::Uint(static_cast<std::uint64_t>(d));
      }
      case K::kString: {
        std::optional<std::uint64_t> v = ParseInteger<std::uint64_t>(x.text());
        return v ? Value::Uint(*v) : Value::Error("invalid uint: " + x.text());
      }
      default:
        return NoOverload(f);
    }
  }
  if (f == "double") {
    switch (x.kind()) {
      case K::kDouble:
        return x;
      case K::kInt:
        return Value::Double(static_cast<double>(x.int_value()));
      case K::kUint:
        return Value::Double(static_cast<double>(x.uint_value()));
      case K::kString: {
        const std::string& t = x.text();
        char* end = nullptr;
        double v = std::strtod(t.c_str(), &end);
        if (t.empty() || *end != '\0') {
          return Value::Error("invalid double: " + t);
        }
        return Value::Double(v);
      }
      default:
        return NoOverload(f);
    }
  }
  if (f == "string") {
    switch (x.kind()) {
      case K::kString:
        return x;
      case K::kInt:
        return Value::String(std::to_string(x.int_value()));
      case K::kUint:
        return Value::String(std::to_string(x.uint_value()));
      case K::kDouble:
        return Value::String(DoubleText(x.double_value()));
      case K::kBool:
        return Value::String(x.bool_value() ? "true" : "false");
      case K::kBytes:
        if (!ValidUtf8(x.text())) {
          return Value::Error("invalid UTF-8 in bytes");
        }
        return Value::String(x.text());
      default:
        return NoOverload(f);
    }
  }
  if (f == "bytes") {
    if (x.kind() == K::kBytes) {
      return x;
    }
    if (x.kind() == K::kString) {
      return Value::Bytes(x.text());
    }
    return NoOverload(f);
  }
  if (f == "bool") {
    if (x.kind() == K::kBool) {
      return x;
    }
    if (x.kind() == K::kString) {
      static constexpr std::string_view kTrue[] = {"1", "t", "T", "true", "TRUE", "True"};
      static constexpr std::string_view kFalse[] = {"0", "f", "F", "false", "FALSE", "False"};
      for (std::string_view t : kTrue) {
        if (x.text() == t) {
          return Value::Bool(true);
        }
      }
      for (std::string_view t : kFalse) {
        if (x.text() == t) {
          return Value::Bool(false);
        }
      }
      return Value::Error("invalid bool: " + x.text());
    }
    return NoOverload(f);
  }
  return Value::Error("no matching overload for '" + std::string(f) + "'");
}

// A map key as Go's %v prints it in cel-go's "no such key" error.
std::string KeyText(const Value& key) {
  switch (key.kind()) {
    case K::kString:
      return key.text();
    case K::kInt:
      return std::to_string(key.int_value());
    case K::kUint:
      return std::to_string(key.uint_value());
    case K::kBool:
      return key.bool_value() ? "true" : "false";
    case K::kDouble:
      return DoubleText(key.double_value());
    default:
      return std::string(key.TypeName());
  }
}

// Whether a value may serve as a list index, and which.
std::optional<std::int64_t> IndexOf(const Value& index) {
  if (index.kind() == K::kInt) {
    return index.int_value();
  }
  if (index.kind() == K::kUint) {
    if (index.uint_value() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(index.uint_value());
  }
  if (index.kind() == K::kDouble) {
    double d = index.double_value();
    if (std::trunc(d) != d || std::abs(d) > 9.0e15) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

// +, -, *, / and % on two int64 or two uint64 operands, with CEL's overflow and zero errors.
template <typename T>
Value IntegerArithmetic(std::string_view function, T x, T y) {
  T r = 0;
  bool overflow = false;
  if (function == op::kAdd) {
    overflow = __builtin_add_overflow(x, y, &r);
  } else if (function == op::kSubtract) {
    overflow = __builtin_sub_overflow(x, y, &r);
  } else if (function == op::kMultiply) {
    overflow = __builtin_mul_overflow(x, y, &r);
  } else {
    if (y == 0) {
      return Value::Error(function == op::kDivide ? "division by zero" : "modulus by zero");
    }
    if constexpr (std::is_signed_v<T>) {
      // The one quotient that does not fit; the remainder is 0.
      if (x == std::numeric_limits<T>::min() && y == -1) {
        if (function == op::kDivide) {
          return Value::Error("integer overflow");
        }
        return Value::Int(0);
      }
    }
    r = function == op::kDivide ? x / y : x % y;
  }
  if constexpr (std::is_signed_v<T>) {
    return overflow ? Value::Error("integer overflow") : Value::Int(r);
  } else {
    return overflow ? Value::Error("unsigned integer overflow") : Value::Uint(r);
  }
}

Value Arithmetic(std::string_view function, const Value& a, const Value& b) {
  if (a.kind() == K::kInt && b.kind() == K::kInt) {
    return IntegerArithmetic(function, a.int_value(), b.int_value());
  }
  if (a.kind() == K::kUint && b.kind() == K::kUint) {
    return IntegerArithmetic(function, a.uint_value(), b.uint_value());
  }
  if (a.kind() == K::kDouble && b.kind() == K::kDouble && function != op::kModulo) {
    double x = a.double_value(), y = b.double_value();
    if (function == op::kAdd) {
      return Value::Double(x + y);
    }
    if (function == op::kSubtract) {
      return Value::Double(x - y);
    }
    if (function == op::kMultiply) {
      return Value::Double(x * y);
    }
    return Value::Double(x / y);
  }
  if (function == op::kAdd && a.kind() == b.kind()) {
    if (a.kind() == K::kString) {
      return Value::String(a.text() + b.text());
    }
    if (a.kind() == K::kBytes) {
      return Value::Bytes(a.text() + b.text());
    }
    if (a.kind() == K::kList) {
      ValueList items = a.list();
      if (a.list_type() == Value::ListType::kSet) {
        for (const Value& item : b.list()) {
          bool present = std::any_of(items.begin(), items.end(), [&](const Value& mine) {
            Value equal = Equals(mine, item);
            return equal.kind() == K::kBool && equal.bool_value();
          });
          if (!present) {
            items.push_back(item);
          }
        }
        return Value::SetList(std::move(items));
      }
      if (a.list_type() == Value::ListType::kMap) {
        const std::vector<std::string>& keys = a.list_keys();
        std::size_t own = items.size();
        for (const Value& item : b.list()) {
          // Only the left side's own items are replaced; the right side's are assumed unique.
          const Value* same = FindByListKeys(std::span<const Value>(items.data(), own), item, keys);
          if (same != nullptr) {
            items[static_cast<std::size_t>(same - items.data())] = item;
          } else {
            items.push_back(item);
          }
        }
        return Value::MapList(std::move(items), keys);
      }
      items.insert(items.end(), b.list().begin(), b.list().end());
      return Value::List(std::move(items));
    }
  }
  return NoOverload(function);
}

// The variables an expression sees: the caller's Activation at the root, and one frame per
// comprehension variable above it, bound by reference for the duration of the loop (a copy of
// the Activation per iteration was a third of the evaluation time of list rules).
struct Scope {
  const Scope* parent = nullptr;
  std::string_view name;
  const Value* value = nullptr;
  const Activation* variables = nullptr;  // the root frame only

  const Value* Find(std::string_view wanted) const {
    for (const Scope* frame = this; frame != nullptr; frame = frame->parent) {
      if (frame->variables != nullptr) {
        return frame->variables->Find(wanted);
      }
      if (frame->name == wanted) {
        return frame->value;
      }
    }
    return nullptr;
  }
  bool HasDottedNames() const {
    const Scope* frame = this;
    while (frame->parent != nullptr) {
      frame = frame->parent;
    }
    return frame->variables != nullptr && frame->variables->HasDottedNames();
  }
};

// agentgateway's error for a call with the wrong number of arguments (cel-fork ExecutionError).
Value ArgumentCount(std::size_t expected, std::size_t actual) {
  return Value::Error("Invalid argument count: expected " + std::to_string(expected) + ", got " +
                      std::to_string(actual));
}

// Whether an error is one default() replaces: agentgateway's NoSuchKey and UndeclaredReference,
// which read "no such key: ..." and "undeclared reference to ..." here.
bool IsMissing(const Value& error) {
  return error.text().starts_with("no such key") ||
         error.text().starts_with("undeclared reference");
}

// A view materialized, for the operations that read views as plain values.
void MaterializeView(Value& value, bool deep) {
  if (value.kind() != K::kOpaque) {
    if (deep && (value.kind() == K::kList || value.kind() == K::kMap)) {
      value = Materialized(value);
    }
    return;
  }
  if (const DynamicView* view = AsDynamicView(value)) {
    value = deep ? Materialized(value) : view->Materialize();
  }
}

class Evaluator {
 public:
  explicit Evaluator(const EvalOptions& options)
      : steps_left_(options.step_limit), options_(options) {}

  Value Eval(const Expr& expr, const Scope& vars) {
    if (steps_left_ == 0) {
      return Value::Error("operation cancelled: actual cost limit exceeded");
    }
    --steps_left_;
    switch (expr.kind) {
      case Expr::Kind::kConstant:
        return FromConstant(expr.constant);
      case Expr::Kind::kIdent:
        return Ident(expr.name, vars);
      case Expr::Kind::kSelect:
        return Select(expr, vars);
      case Expr::Kind::kCall:
        return Call(expr, vars);
      case Expr::Kind::kList: {
        ValueList items;
        items.reserve(expr.args.size());
        for (const ExprPtr& arg : expr.args) {
          Value item = Eval(*arg, vars);
          if (item.is_error()) {
            return item;
          }
          items.push_back(std::move(item));
        }
        return Value::List(std::move(items));
      }
      case Expr::Kind::kMap: {
        ValueMap entries;
        for (const Entry& entry : expr.entries) {
          Value key = Eval(*entry.key, vars);
          if (key.is_error()) {
            return key;
          }
          if (key.kind() != K::kBool && key.kind() != K::kInt && key.kind() != K::kUint &&
              key.kind() != K::kString) {
            return Value::Error("unsupported key type");
          }
          Value value = Eval(*entry.value, vars);
          if (value.is_error()) {
            return value;
          }
          if (FindInMap(entries, key) != nullptr) {
            return Value::Error("Failed with repeated key");
          }
          entries.emplace_back(std::move(key), std::move(value));
        }
        return Value::Map(std::move(entries));
      }
      case Expr::Kind::kComprehension:
        return Comprehend(*expr.comprehension, vars);
      case Expr::Kind::kStruct:
        break;
    }
    return Value::Error("message construction is not supported");
  }

 private:
  std::uint64_t steps_left_;
  const EvalOptions& options_;

  static Value FromConstant(const Constant& c) {
    switch (c.kind) {
      case Constant::Kind::kNull:
        return Value();
      case Constant::Kind::kBool:
        return Value::Bool(c.bool_value);
      case Constant::Kind::kInt:
        return Value::Int(c.int_value);
      case Constant::Kind::kUint:
        return Value::Uint(c.uint_value);
      case Constant::Kind::kDouble:
        return Value::Double(c.double_value);
      case Constant::Kind::kString:
        return Value::String(c.string_value);
      case Constant::Kind::kBytes:
        return Value::Bytes(c.string_value);
    }
    return Value();
  }

  static Value Ident(std::string_view name, const Scope& vars) {
    if (const Value* value = vars.Find(name)) {
      return *value;
    }
    static constexpr std::string_view kTypes[] = {"bool",
                                                  "int",
                                                  "uint",
                                                  "double",
                                                  "string",
                                                  "bytes",
                                                  "list",
                                                  "map",
                                                  "null_type",
                                                  "type",
                                                  "google.protobuf.Duration",
                                                  "google.protobuf.Timestamp",
                                                  "optional_type"};
    for (std::string_view type : kTypes) {
      if (name == type) {
        return Value::Type(std::string(type));
      }
    }
    return Value::Error("undeclared reference to '" + std::string(name) + "' (in container '')");
  }

  // "a.b.c" for a chain of field selections on an identifier that no variable binds (a
  // qualified type or function name, such as google.protobuf.Duration or sets.contains); "" for
  // anything else.
  static std::string QualifiedName(const Expr& expr, const Scope& vars) {
    if (expr.kind == Expr::Kind::kIdent) {
      return vars.Find(expr.name) == nullptr ? expr.name : std::string();
    }
    if (expr.kind == Expr::Kind::kSelect && !expr.test_only) {
      std::string prefix = QualifiedName(*expr.target, vars);
      return prefix.empty() ? prefix : prefix + "." + expr.name;
    }
    return {};
  }

  // "a.b.c" for a chain of field selections on an identifier, bound or not; "" otherwise.
  static std::string DottedName(const Expr& expr) {
    if (expr.kind == Expr::Kind::kIdent) {
      return expr.name;
    }
    if (expr.kind == Expr::Kind::kSelect && !expr.test_only) {
      std::string prefix = DottedName(*expr.target);
      return prefix.empty() ? prefix : prefix + "." + expr.name;
    }
    return {};
  }

  Value Select(const Expr& expr, const Scope& vars) {
    // A variable named with dots (`a.b.c`) wins over selecting from a shorter one (`a.b`), as
    // cel-go resolves the longest qualified name first.
    if (!expr.test_only && expr.target->kind != Expr::Kind::kCall && vars.HasDottedNames()) {
      std::string name = DottedName(expr);
      if (const Value* bound = name.empty() ? nullptr : vars.Find(name)) {
        return *bound;
      }
    }
    Value operand = Eval(*expr.target, vars);
    if (operand.is_error() && !expr.test_only) {
      std::string name = QualifiedName(expr, vars);
      if (!name.empty()) {
        Value qualified = Ident(name, vars);
        if (!qualified.is_error()) {
          return qualified;
        }
      }
    }
    if (operand.is_error()) {
      return operand;
    }
    if (options_.agentgateway_functions && operand.kind() != K::kMap &&
        operand.kind() != K::kOptional) {
      return SelectAgentgateway(expr, operand);
    }
    if (operand.kind() == K::kOptional && !expr.test_only) {
      // Selecting on an optional (`a.?b.c`) selects inside it: none stays none, an absent field
      // gives none.
      const Value* held = operand.optional_value();
      if (held == nullptr) {
        return operand;
      }
      if (held->kind() != K::kMap) {
        return NoOverload("select " + expr.name);
      }
      for (const auto& [key, value] : held->map()) {
        if (key.kind() == K::kString && key.text() == expr.name) {
          return Value::Optional(value);
        }
      }
      return Value::Optional(std::nullopt);
    }
    if (operand.kind() != K::kMap) {
      return NoOverload("select " + expr.name);
    }
    const Value* field = nullptr;
    for (const auto& [key, value] : operand.map()) {
      if (key.kind() == K::kString && key.text() == expr.name) {
        field = &value;
        break;
      }
    }
    if (expr.test_only) {
      return Value::Bool(field != nullptr);
    }
    if (field == nullptr) {
      return Value::Error("no such key: " + expr.name);
    }
    return *field;
  }

  // Selection in agentgateway's dialect on anything but a map: a view answers for itself; on
  // anything else (null included, which an absent top-level variable is) a field is "no such
  // key" and has() false, as cel-fork's Value::member and its has() do.
  static Value SelectAgentgateway(const Expr& expr, const Value& operand) {
    std::optional<Value> field;
    if (const DynamicView* view = AsDynamicView(operand)) {
      field = view->Field(expr.name);
    }
    if (expr.test_only) {
      return Value::Bool(field.has_value());
    }
    if (!field) {
      return Value::Error("no such key: " + expr.name);
    }
    return std::move(*field);
  }

  Value Comprehend(const Comprehension& c, const Scope& vars) {
    Value range = Eval(*c.iter_range, vars);
    if (range.is_error()) {
      return range;
    }
    if (options_.agentgateway_functions) {
      MaterializeView(range, false);
    }
    if (range.kind() != K::kList && range.kind() != K::kMap) {
      return NoOverload("comprehension over " + std::string(range.TypeName()));
    }
    Value accumulator = Eval(*c.accu_init, vars);
    Scope accumulator_scope{&vars, c.accu_var, &accumulator};
    // One iteration with the variables bound to `first` and, for a two-variable comprehension,
    // `second`; false once the loop condition stops the loop.
    auto iterate = [&](const Value& first, const Value& second) {
      Scope first_scope{&accumulator_scope, c.iter_var, &first};
      Scope second_scope{&first_scope, c.iter_var2, &second};
      const Scope& scope = c.iter_var2.empty() ? first_scope : second_scope;
      Value condition = Eval(*c.loop_condition, scope);
      if (condition.kind() == K::kBool && !condition.bool_value()) {
        return false;
      }
      accumulator = Eval(*c.loop_step, scope);
      return true;
    };
    if (range.kind() == K::kList) {
      const ValueList& items = range.list();
      Value index;
      for (std::size_t i = 0; i < items.size(); ++i) {
        // One variable takes the element; two take the index and the element.
        if (c.iter_var2.empty()) {
          if (!iterate(items[i], index)) {
            break;
          }
          continue;
        }
        index = Value::Int(static_cast<std::int64_t>(i));
        if (!iterate(index, items[i])) {
          break;
        }
      }
    } else {
      for (const auto& [key, value] : range.map()) {
        if (!iterate(key, value)) {
          break;
        }
      }
    }
    return Eval(*c.result, accumulator_scope);
  }

  // A comprehension's loop step. Only the expansions of transformMap and transformMapEntry call
  // cel.@mapInsert (it has no source syntax), as the whole step or as the true branch of the
  // filter's conditional, so those two shapes are evaluated here; any other step goes to Eval.
  // cel.@mapInsert(map, key, value) and cel.@mapInsert(map, entries): cel-go's
  // types.InsertMapKeyValue, which refuses a key the map already has.
  static Value MapInsert(std::span<const Value> args) {
    for (const Value& arg : args) {
      if (arg.is_error()) {
        return arg;
      }
    }
    bool entries = args.size() == 2 && args[1].kind() == K::kMap;
    if (args[0].kind() != K::kMap || (!entries && args.size() != 3)) {
      return NoOverload(kMapInsert);
    }
    ValueMap map = args[0].map();
    auto insert = [&map](const Value& key, const Value& value) -> std::optional<Value> {
      if (FindInMap(map, key) == nullptr) {
        map.emplace_back(key, value);
        return std::nullopt;
      }
      // Go's %v of the key, as cel-go prints it: strings unquoted, numbers in decimal.
      std::string text;
      if (key.kind() == K::kString) {
        text = key.text();
      } else if (key.kind() == K::kInt) {
        text = std::to_string(key.int_value());
      } else if (key.kind() == K::kUint) {
        text = std::to_string(key.uint_value());
      } else if (key.kind() == K::kBool) {
        text = key.bool_value() ? "true" : "false";
      } else {
        text = std::string(key.TypeName());
      }
      return Value::Error("insert failed: key " + text + " already exists");
    };
    if (!entries) {
      if (std::optional<Value> error = insert(args[1], args[2])) {
        return std::move(*error);
      }
      return Value::Map(std::move(map));
    }
    for (const auto& [key, value] : args[1].map()) {
      if (std::optional<Value> error = insert(key, value)) {
        return std::move(*error);
      }
    }
    return Value::Map(std::move(map));
  }

  Value Logical(const Expr& expr, const Scope& vars, bool is_and) {
    // CEL's commutative short circuit: a decisive operand wins over an error in the other.
    Value left = Eval(*expr.args[0], vars);
    if (left.kind() == K::kBool && left.bool_value() != is_and) {
      return left;
    }
    Value right = Eval(*expr.args[1], vars);
    if (right.kind() == K::kBool && right.bool_value() != is_and) {
      return right;
    }
    if (left.is_error()) {
      return left;
    }
    if (right.is_error()) {
      return right;
    }
    if (left.kind() != K::kBool || right.kind() != K::kBool) {
      return NoOverload(is_and ? op::kLogicalAnd : op::kLogicalOr);
    }
    return Value::Bool(is_and);
  }

  Value Call(const Expr& expr, const Scope& vars) {
    const std::string& f = expr.name;
    const Fn id = expr.function;
    if (id == Fn::kLogicalAnd || id == Fn::kLogicalOr) {
      return Logical(expr, vars, id == Fn::kLogicalAnd);
    }
    if (id == Fn::kConditional) {
      Value condition = Eval(*expr.args[0], vars);
      if (condition.is_error()) {
        return condition;
      }
      if (condition.kind() != K::kBool) {
        return NoOverload(f);
      }
      return Eval(*expr.args[condition.bool_value() ? 1 : 2], vars);
    }
    if (options_.agentgateway_functions && id == Fn::kOther) {
      if (std::optional<Value> lazy = CallLazy(expr, vars)) {
        return std::move(*lazy);
      }
    }
    // Calls have one to three arguments: keep them off the heap.
    boost::container::small_vector<Value, 3> args;
    if (expr.target) {
      // `optional.of(x)`, `sets.contains(a, b)`: a namespaced global function, not a member call.
      std::string space = QualifiedName(*expr.target, vars);
      if (!space.empty()) {
        for (const ExprPtr& arg : expr.args) {
          args.push_back(Eval(*arg, vars));
        }
        for (Value& arg : args) {
          if (arg.is_error()) {
            return arg;
          }
          if (options_.agentgateway_functions) {
            MaterializeView(arg, false);
          }
        }
        std::string qualified = space + "." + f;
        if (std::optional<Value> found = CallLibraries(qualified, args)) {
          return std::move(*found);
        }
        return Value::Error("no matching overload for '" + qualified + "'");
      }
      args.push_back(Eval(*expr.target, vars));
    }
    for (const ExprPtr& arg : expr.args) {
      args.push_back(Eval(*arg, vars));
    }
    if (id == Fn::kNotStrictlyFalse) {
      return args[0].kind() == K::kBool ? args[0] : Value::Bool(true);
    }
    for (const Value& arg : args) {
      if (arg.is_error()) {
        return arg;
      }
    }
    if (options_.agentgateway_functions) {
      if (std::optional<Value> answered = CallOnView(expr, id, args)) {
        return std::move(*answered);
      }
    }
    if (expr.regex && args.size() == 2 && args[0].kind() == K::kString) {
      return Value::Bool(RE2::PartialMatch(args[0].text(), *expr.regex));
    }
    // Only the expansions of transformMap and transformMapEntry call it.
    if (id == Fn::kMapInsert) {
      return MapInsert(args);
    }
    if (id == Fn::kOther) {
      if (std::optional<Value> found = CallLibraries(f, args)) {
        return std::move(*found);
      }
      return Value::Error("no matching overload for '" + f + "'");
    }
    Value result = Function(id, f, args);
    if (result.is_error() && IsOverloadError(result)) {
      if (std::optional<Value> found = CallLibraries(f, args)) {
        return std::move(*found);
      }
    }
    return result;
  }

  static bool IsOverloadError(const Value& error) {
    return error.text().starts_with("no such overload") ||
           error.text().starts_with("no matching overload");
  }

  // A method of a view (`request.headers.join()`), or an index of one (`request.headers["a"]`,
  // which cel-fork reads as a field); otherwise the views among the arguments are materialized in
  // place (through lists and maps for ==, != and `in`, which compare contents) and nullopt is
  // returned for the call to proceed on plain values.
  static std::optional<Value> CallOnView(const Expr& expr, Fn id,
                                         boost::container::small_vector<Value, 3>& args) {
    const DynamicView* receiver = args.empty() ? nullptr : AsDynamicView(args[0]);
    if (receiver != nullptr && expr.target) {
      std::span<const Value> rest(args.data() + 1, args.size() - 1);
      if (std::optional<Value> result = receiver->CallMethod(expr.name, rest)) {
        return result;
      }
    }
    if (receiver != nullptr && id == Fn::kIndex && args.size() == 2 &&
        args[1].kind() == K::kString) {
      if (std::optional<Value> field = receiver->Field(args[1].text())) {
        return field;
      }
      return Value::Error("no such key: " + args[1].text());
    }
    bool deep = id == Fn::kEquals || id == Fn::kNotEquals || id == Fn::kIn;
    for (Value& arg : args) {
      MaterializeView(arg, deep);
    }
    return std::nullopt;
  }

  // agentgateway's functions that take expressions rather than values (crates/celx/src/
  // general.rs): default(e, d), coalesce(e...), x.with(name, e), m.mapValues(v, e),
  // m.filterKeys(k, p) and variables(). Nullopt for any other call.
  std::optional<Value> CallLazy(const Expr& expr, const Scope& vars) {
    const std::string& f = expr.name;
    const std::vector<ExprPtr>& exprs = expr.args;
    if (!expr.target) {
      if (f == "default") {
        if (exprs.size() != 2) {
          return ArgumentCount(2, exprs.size());
        }
        // d when e is null, a missing key or an undeclared name; any other error stays.
        Value value = Eval(*exprs[0], vars);
        if (value.kind() == K::kNull || (value.is_error() && IsMissing(value))) {
          return Eval(*exprs[1], vars);
        }
        return value;
      }
      if (f == "coalesce") {
        // The first value that is neither null nor an error; null if some were null, else the
        // last error.
        if (exprs.empty()) {
          return ArgumentCount(1, 0);
        }
        std::optional<Value> last_error;
        bool saw_null = false;
        for (const ExprPtr& e : exprs) {
          Value value = Eval(*e, vars);
          if (value.kind() == K::kNull) {
            saw_null = true;
          } else if (value.is_error()) {
            last_error = std::move(value);
          } else {
            return value;
          }
        }
        return saw_null ? Value() : std::move(*last_error);
      }
      if (f == "variables" && exprs.empty()) {
        return Variables(vars);
      }
      return std::nullopt;
    }
    if (f != "with" && f != "mapValues" && f != "filterKeys") {
      return std::nullopt;
    }
    if (exprs.size() != 2) {
      return ArgumentCount(2, exprs.size());
    }
    if (exprs[0]->kind != Expr::Kind::kIdent) {
      return Value::Error("Unexpected type: got 'expression', want 'identifier'");
    }
    const std::string& name = exprs[0]->name;
    Value receiver = Eval(*expr.target, vars);
    if (receiver.is_error()) {
      return receiver;
    }
    if (f == "with") {
      // The receiver bound to `name` for the expression, unmaterialized.
      Scope bound{&vars, name, &receiver};
      return Eval(*exprs[1], bound);
    }
    MaterializeView(receiver, false);
    if (receiver.kind() != K::kMap) {
      return Value::Error("Unexpected type: got '" + library::AgentgatewayTypeName(receiver) +
                          "', want 'map'");
    }
    ValueMap out;
    for (const auto& [key, value] : receiver.map()) {
      Scope bound{&vars, name, f == "mapValues" ? &value : &key};
      Value result = Eval(*exprs[1], bound);
      if (result.is_error()) {
        return result;
      }
      if (f == "mapValues") {
        out.emplace_back(key, std::move(result));
        continue;
      }
      if (result.kind() != K::kBool) {
        return Value::Error("no such overload");
      }
      if (result.bool_value()) {
        out.emplace_back(key, value);
      }
    }
    return Value::Map(std::move(out));
  }

  // variables(): every variable of the caller's Activation that is not null, by name.
  static Value Variables(const Scope& vars) {
    const Scope* root = &vars;
    while (root->variables == nullptr && root->parent != nullptr) {
      root = root->parent;
    }
    ValueMap entries;
    if (root->variables == nullptr) {
      return Value::Map(std::move(entries));
    }
    std::vector<std::string_view> seen;
    root->variables->ForEachBinding([&](std::string_view name, const Value& value) {
      if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
        return;
      }
      seen.push_back(name);
      if (value.kind() != K::kNull) {
        entries.emplace_back(Value::String(std::string(name)), value);
      }
    });
    // Innermost first was the order of the walk; the caller bound them the other way round.
    std::reverse(entries.begin(), entries.end());
    return Value::Map(std::move(entries));
  }

  std::optional<Value> CallLibraries(std::string_view f, std::span<const Value> args) const {
    if (options_.agentgateway_functions) {
      if (std::optional<Value> result = library::CallAgentgateway(f, args, options_.random_bits)) {
        return result;
      }
    }
    using Library = std::optional<Value> (*)(std::string_view, std::span<const Value>);
    static constexpr Library kLibraries[] = {library::CallTime,     library::CallUrl,
                                             library::CallNet,      library::CallQuantity,
                                             library::CallLists,    library::CallFormatLibrary,
                                             library::CallOptional, library::CallStringFormat};
    for (Library call : kLibraries) {
      if (std::optional<Value> result = call(f, args)) {
        return result;
      }
    }
    return std::nullopt;
  }

  static Value Function(Fn id, const std::string& f, std::span<const Value> args) {
    if (args.size() == 1) {
      const Value& x = args[0];
      if (id == Fn::kLogicalNot) {
        return x.kind() == K::kBool ? Value::Bool(!x.bool_value()) : NoOverload(f);
      }
      if (id == Fn::kNegate) {
        if (x.kind() == K::kInt) {
          if (x.int_value() == std::numeric_limits<std::int64_t>::min()) {
            return Value::Error("integer overflow");
          }
          return Value::Int(-x.int_value());
        }
        if (x.kind() == K::kDouble) {
          return Value::Double(-x.double_value());
        }
        return NoOverload(f);
      }
      if (id == Fn::kSize) {
        if (x.kind() == K::kString) {
          return Value::Int(CodePoints(x.text()));
        }
        if (x.kind() == K::kBytes) {
          return Value::Int(static_cast<std::int64_t>(x.text().size()));
        }
        if (x.kind() == K::kList) {
          return Value::Int(static_cast<std::int64_t>(x.list().size()));
        }
        if (x.kind() == K::kMap) {
          return Value::Int(static_cast<std::int64_t>(x.map().size()));
        }
        return NoOverload(f);
      }
      if (id == Fn::kType) {
        return Value::Type(std::string(x.TypeName()));
      }
      if (id == Fn::kDyn || id == Fn::kInt || id == Fn::kUint || id == Fn::kDouble ||
          id == Fn::kString || id == Fn::kBytes || id == Fn::kBool) {
        return Convert(f, x);
      }
      if (x.kind() == K::kString) {
        if (id == Fn::kLowerAscii || id == Fn::kUpperAscii) {
          std::string out = x.text();
          for (char& c : out) {
            if (id == Fn::kLowerAscii && c >= 'A' && c <= 'Z') {
              c = static_cast<char>(c - 'A' + 'a');
            }
            if (id == Fn::kUpperAscii && c >= 'a' && c <= 'z') {
              c = static_cast<char>(c - 'a' + 'A');
            }
          }
          return Value::String(std::move(out));
        }
        if (id == Fn::kTrim) {
          return Value::String(TrimUnicodeSpace(x.text()));
        }
      }
      if (id == Fn::kJoin && x.kind() == K::kList) {
        return Join(x.list(), "");
      }
    }
    if (args.size() == 2) {
      const Value& a = args[0];
      const Value& b = args[1];
      if (id == Fn::kEquals) {
        return Equals(a, b);
      }
      if (id == Fn::kNotEquals) {
        Value equal = Equals(a, b);
        return equal.is_error() ? equal : Value::Bool(!equal.bool_value());
      }
      if (id == Fn::kLess || id == Fn::kLessEquals || id == Fn::kGreater ||
          id == Fn::kGreaterEquals) {
        std::optional<int> order = Compare(a, b);
        if (!order) {
          // NaN against a number orders as false under every operator.
          bool numbers = (a.kind() == K::kDouble || a.kind() == K::kInt || a.kind() == K::kUint) &&
                         (b.kind() == K::kDouble || b.kind() == K::kInt || b.kind() == K::kUint);
          if (numbers) {
            return Value::Bool(false);
          }
          // cel-go's comparison of an orderable value with another type says no more than this.
          bool orderable = a.kind() != K::kList && a.kind() != K::kMap && a.kind() != K::kNull &&
                           a.kind() != K::kType;
          return orderable ? Value::Error("no such overload") : NoOverload(f);
        }
        if (id == Fn::kLess) {
          return Value::Bool(*order < 0);
        }
        if (id == Fn::kLessEquals) {
          return Value::Bool(*order <= 0);
        }
        if (id == Fn::kGreater) {
          return Value::Bool(*order > 0);
        }
        return Value::Bool(*order >= 0);
      }
      if (id == Fn::kAdd || id == Fn::kSubtract || id == Fn::kMultiply || id == Fn::kDivide ||
          id == Fn::kModulo) {
        return Arithmetic(f, a, b);
      }
      if (id == Fn::kIn) {
        if (b.kind() == K::kList) {
          for (const Value& item : b.list()) {
            Value equal = Equals(a, item);
            if (equal.kind() == K::kBool && equal.bool_value()) {
              return Value::Bool(true);
            }
          }
          return Value::Bool(false);
        }
        if (b.kind() == K::kMap) {
          return Value::Bool(FindInMap(b.map(), a) != nullptr);
        }
        return NoOverload(f);
      }
      if (id == Fn::kIndex) {
        if (a.kind() == K::kList) {
          std::optional<std::int64_t> index = IndexOf(b);
          if (!index) {
            return NoOverload(f);
          }
          if (*index < 0 || *index >= static_cast<std::int64_t>(a.list().size())) {
            return Value::Error("index out of bounds: " + std::to_string(*index));
          }
          return a.list()[static_cast<std::size_t>(*index)];
        }
        if (a.kind() == K::kMap) {
          if (const Value* found = FindInMap(a.map(), b)) {
            return *found;
          }
          return Value::Error("no such key: " + KeyText(b));
        }
        return NoOverload(f);
      }
      if (a.kind() == K::kString && b.kind() == K::kString) {
        if (id == Fn::kContains) {
          return Value::Bool(a.text().find(b.text()) != std::string::npos);
        }
        if (id == Fn::kStartsWith) {
          return Value::Bool(a.text().starts_with(b.text()));
        }
        if (id == Fn::kEndsWith) {
          return Value::Bool(a.text().ends_with(b.text()));
        }
        if (id == Fn::kMatches) {
          return Matches(a.text(), b.text());
        }
        if (id == Fn::kIndexOf || id == Fn::kLastIndexOf) {
          return IndexOfText(f, a.text(), b.text(), std::nullopt);
        }
        if (id == Fn::kSplit) {
          return Split(a.text(), b.text(), -1);
        }
      }
      if (a.kind() == K::kString && b.kind() == K::kInt) {
        if (id == Fn::kCharAt) {
          std::optional<std::size_t> begin = ByteOffset(a.text(), b.int_value());
          if (!begin) {
            return Value::Error("index out of range: " + std::to_string(b.int_value()));
          }
          std::optional<std::size_t> end = ByteOffset(a.text(), b.int_value() + 1);
          return Value::String(a.text().substr(*begin, end ? *end - *begin : 0));
        }
        if (id == Fn::kSubstring) {
          std::optional<std::size_t> begin = ByteOffset(a.text(), b.int_value());
          if (!begin) {
            return Value::Error("index out of range: " + std::to_string(b.int_value()));
          }
          return Value::String(a.text().substr(*begin));
        }
      }
      if (id == Fn::kJoin && a.kind() == K::kList && b.kind() == K::kString) {
        return Join(a.list(), b.text());
      }
    }
    if (args.size() == 3 && args[0].kind() == K::kString) {
      const Value& a = args[0];
      const Value& b = args[1];
      const Value& c = args[2];
      if (id == Fn::kSubstring && b.kind() == K::kInt && c.kind() == K::kInt) {
        std::optional<std::size_t> begin = ByteOffset(a.text(), b.int_value());
        std::optional<std::size_t> end = ByteOffset(a.text(), c.int_value());
        if (!begin || !end || c.int_value() < b.int_value()) {
          return Value::Error("index out of range");
        }
        return Value::String(a.text().substr(*begin, *end - *begin));
      }
      if ((id == Fn::kIndexOf || id == Fn::kLastIndexOf) && b.kind() == K::kString &&
          c.kind() == K::kInt) {
        return IndexOfText(f, a.text(), b.text(), c.int_value());
      }
      if (id == Fn::kSplit && b.kind() == K::kString && c.kind() == K::kInt) {
        return Split(a.text(), b.text(), c.int_value());
      }
      if (id == Fn::kReplace && b.kind() == K::kString && c.kind() == K::kString) {
        return Replace(a.text(), b.text(), c.text(), -1);
      }
    }
    if (args.size() == 4 && id == Fn::kReplace && args[0].kind() == K::kString &&
        args[1].kind() == K::kString && args[2].kind() == K::kString && args[3].kind() == K::kInt) {
      return Replace(args[0].text(), args[1].text(), args[2].text(), args[3].int_value());
    }
    return Value::Error("no matching overload for '" + f + "'");
  }

  static Value Matches(const std::string& text, const std::string& pattern) {
    RE2::Options options;
    options.set_log_errors(false);
    RE2 regex(pattern, options);
    if (!regex.ok()) {
      return Value::Error("invalid regular expression: " + regex.error());
    }
    return Value::Bool(RE2::PartialMatch(text, regex));
  }

  // indexOf/lastIndexOf in code points, optionally from code point `from`.
  static Value IndexOfText(std::string_view f, std::string_view text, std::string_view needle,
                           std::optional<std::int64_t> from) {
    std::int64_t length = CodePoints(text);
    if (from && (*from < 0 || *from > length)) {
      return Value::Error("index out of range: " + std::to_string(*from));
    }
    std::size_t found = std::string_view::npos;
    if (f == "indexOf") {
      std::size_t start = from ? *ByteOffset(text, *from) : 0;
      found = text.find(needle, start);
    } else {
      std::size_t limit = from ? *ByteOffset(text, *from) : text.size();
      found = text.rfind(needle, limit);
    }
    if (found == std::string_view::npos) {
      return Value::Int(-1);
    }
    return Value::Int(CodePoints(text.substr(0, found)));
  }

  static Value Split(std::string_view text, std::string_view separator, std::int64_t limit) {
    ValueList parts;
    if (limit == 0) {
      return Value::List(std::move(parts));
    }
    if (separator.empty()) {
      for (std::size_t i = 0; i < text.size();) {
        std::size_t next = *ByteOffset(text.substr(i), 1) + i;
        if (limit > 0 && static_cast<std::int64_t>(parts.size()) == limit - 1) {
          parts.push_back(Value::String(std::string(text.substr(i))));
          return Value::List(std::move(parts));
        }
        parts.push_back(Value::String(std::string(text.substr(i, next - i))));
        i = next;
      }
      return Value::List(std::move(parts));
    }
    std::size_t start = 0;
    while (true) {
      if (limit > 0 && static_cast<std::int64_t>(parts.size()) == limit - 1) {
        break;
      }
      std::size_t at = text.find(separator, start);
      if (at == std::string_view::npos) {
        break;
      }
      parts.push_back(Value::String(std::string(text.substr(start, at - start))));
      start = at + separator.size();
    }
    parts.push_back(Value::String(std::string(text.substr(start))));
    return Value::List(std::move(parts));
  }

  static Value Replace(std::string_view text, std::string_view from, std::string_view to,
                       std::int64_t limit) {
    std::string out;
    std::size_t start = 0;
    std::int64_t done = 0;
    while (limit < 0 || done < limit) {
      std::size_t at = from.empty() ? (start <= text.size() ? start : std::string_view::npos)
                                    : text.find(from, start);
      if (at == std::string_view::npos) {
        break;
      }
      out.append(text.substr(start, at - start));
      out.append(to);
      ++done;
      if (from.empty()) {
        if (at >= text.size()) {
          start = text.size() + 1;
          break;
        }
        std::size_t next = *ByteOffset(text.substr(at), 1) + at;
        out.append(text.substr(at, next - at));
        start = next;
      } else {
        start = at + from.size();
      }
    }
    if (start <= text.size()) {
      out.append(text.substr(start));
    }
    return Value::String(std::move(out));
  }

  static Value Join(const ValueList& items, std::string_view separator) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (items[i].kind() != K::kString) {
        return NoOverload("join");
      }
      if (i > 0) {
        out.append(separator);
      }
      out.append(items[i].text());
    }
    return Value::String(std::move(out));
  }
};

}  // namespace

const Value* Activation::Find(std::string_view name) const {
  for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
    if (it->first == name) {
      return &it->second;
    }
  }
  return parent_ != nullptr ? parent_->Find(name) : nullptr;
}

Value Evaluate(const Expr& expr, const Activation& activation, const EvalOptions& options) {
  Scope root;
  root.variables = &activation;
  return Evaluator(options).Eval(expr, root);
}

}  // namespace agw::validate::cel
