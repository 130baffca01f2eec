#include "validate/cel/eval.h"

#include <cmath>
#include <limits>

namespace agw::cel {
namespace {

using K = Value::Kind;

Value NoOverload(std::string_view function) {
  return Value::Error("no such overload: " + std::string(function));
}

// The number of code points of UTF-8 `text`.
std::int64_t CodePoints(std::string_view text) {
  std::int64_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

// Whether a value may serve as a list index, and which.
std::optional<std::int64_t> IndexOf(const Value& index) {
  if (index.kind() == K::kInt) return index.int_value();
  if (index.kind() == K::kUint) {
    if (index.uint_value() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(index.uint_value());
  }
  if (index.kind() == K::kDouble) {
    double d = index.double_value();
    if (std::trunc(d) != d || std::abs(d) > 9.0e15) return std::nullopt;
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

Value Arithmetic(std::string_view function, const Value& a, const Value& b) {
  if (a.kind() == K::kInt && b.kind() == K::kInt) {
    std::int64_t x = a.int_value(), y = b.int_value(), r = 0;
    bool overflow = false;
    if (function == op::kAdd) {
      overflow = __builtin_add_overflow(x, y, &r);
    } else if (function == op::kSubtract) {
      overflow = __builtin_sub_overflow(x, y, &r);
    } else if (function == op::kMultiply) {
      overflow = __builtin_mul_overflow(x, y, &r);
    } else if (function == op::kDivide || function == op::kModulo) {
      if (y == 0)
        return Value::Error(function == op::kDivide ? "divide by zero" : "modulus by zero");
      if (x == std::numeric_limits<std::int64_t>::min() && y == -1) {
        overflow = function == op::kDivide;
        r = 0;
      } else {
        r = function == op::kDivide ? x / y : x % y;
      }
    }
    if (overflow) return Value::Error("integer overflow");
    return Value::Int(r);
  }
  if (a.kind() == K::kUint && b.kind() == K::kUint) {
    std::uint64_t x = a.uint_value(), y = b.uint_value(), r = 0;
    bool overflow = false;
    if (function == op::kAdd) {
      overflow = __builtin_add_overflow(x, y, &r);
    } else if (function == op::kSubtract) {
      overflow = __builtin_sub_overflow(x, y, &r);
    } else if (function == op::kMultiply) {
      overflow = __builtin_mul_overflow(x, y, &r);
    } else {
      if (y == 0)
        return Value::Error(function == op::kDivide ? "divide by zero" : "modulus by zero");
      r = function == op::kDivide ? x / y : x % y;
    }
    if (overflow) return Value::Error("unsigned integer overflow");
    return Value::Uint(r);
  }
  if (a.kind() == K::kDouble && b.kind() == K::kDouble && function != op::kModulo) {
    double x = a.double_value(), y = b.double_value();
    if (function == op::kAdd) return Value::Double(x + y);
    if (function == op::kSubtract) return Value::Double(x - y);
    if (function == op::kMultiply) return Value::Double(x * y);
    return Value::Double(x / y);
  }
  if (function == op::kAdd && a.kind() == b.kind()) {
    if (a.kind() == K::kString) return Value::String(a.text() + b.text());
    if (a.kind() == K::kBytes) return Value::Bytes(a.text() + b.text());
    if (a.kind() == K::kList) {
      ValueList items = a.list();
      items.insert(items.end(), b.list().begin(), b.list().end());
      return Value::List(std::move(items));
    }
  }
  return NoOverload(function);
}

class Evaluator {
 public:
  Value Eval(const Expr& expr, const Activation& vars) {
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
          if (item.is_error()) return item;
          items.push_back(std::move(item));
        }
        return Value::List(std::move(items));
      }
      case Expr::Kind::kMap: {
        ValueMap entries;
        for (const Entry& entry : expr.entries) {
          Value key = Eval(*entry.key, vars);
          if (key.is_error()) return key;
          if (key.kind() != K::kBool && key.kind() != K::kInt && key.kind() != K::kUint &&
              key.kind() != K::kString) {
            return Value::Error("unsupported key type");
          }
          Value value = Eval(*entry.value, vars);
          if (value.is_error()) return value;
          if (FindInMap(entries, key) != nullptr) return Value::Error("Failed with repeated key");
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

  static Value Ident(std::string_view name, const Activation& vars) {
    if (const Value* value = vars.Find(name)) return *value;
    static constexpr std::string_view kTypes[] = {"bool",  "int",  "uint", "double",    "string",
                                                  "bytes", "list", "map",  "null_type", "type"};
    for (std::string_view type : kTypes) {
      if (name == type) return Value::Type(std::string(type));
    }
    return Value::Error("undeclared reference to '" + std::string(name) + "' (in container '')");
  }

  Value Select(const Expr& expr, const Activation& vars) {
    Value operand = Eval(*expr.target, vars);
    if (operand.is_error()) return operand;
    if (operand.kind() != K::kMap) return NoOverload("select " + expr.name);
    const Value* field = FindInMap(operand.map(), Value::String(expr.name));
    if (expr.test_only) return Value::Bool(field != nullptr);
    if (field == nullptr) return Value::Error("no such key: " + expr.name);
    return *field;
  }

  Value Comprehend(const Comprehension& c, const Activation& vars) {
    Value range = Eval(*c.iter_range, vars);
    if (range.is_error()) return range;
    ValueList elements;
    if (range.kind() == K::kList) {
      elements = range.list();
    } else if (range.kind() == K::kMap) {
      for (const auto& [key, value] : range.map()) elements.push_back(key);
    } else {
      return NoOverload("comprehension over " + std::string(range.TypeName()));
    }
    Activation scope(&vars);
    scope.Bind(c.accu_var, Eval(*c.accu_init, vars));
    for (const Value& element : elements) {
      Activation step(&scope);
      step.Bind(c.iter_var, element);
      Value condition = Eval(*c.loop_condition, step);
      if (condition.kind() == K::kBool && !condition.bool_value()) break;
      Value next = Eval(*c.loop_step, step);
      scope = Activation(&vars);
      scope.Bind(c.accu_var, std::move(next));
    }
    return Eval(*c.result, scope);
  }

  Value Logical(const Expr& expr, const Activation& vars, bool is_and) {
    // CEL's commutative short circuit: a decisive operand wins over an error in the other.
    Value left = Eval(*expr.args[0], vars);
    if (left.kind() == K::kBool && left.bool_value() != is_and) return left;
    Value right = Eval(*expr.args[1], vars);
    if (right.kind() == K::kBool && right.bool_value() != is_and) return right;
    if (left.is_error()) return left;
    if (right.is_error()) return right;
    if (left.kind() != K::kBool || right.kind() != K::kBool) {
      return NoOverload(is_and ? op::kLogicalAnd : op::kLogicalOr);
    }
    return Value::Bool(is_and);
  }

  Value Call(const Expr& expr, const Activation& vars) {
    const std::string& f = expr.name;
    if (f == op::kLogicalAnd || f == op::kLogicalOr)
      return Logical(expr, vars, f == op::kLogicalAnd);
    if (f == op::kConditional) {
      Value condition = Eval(*expr.args[0], vars);
      if (condition.is_error()) return condition;
      if (condition.kind() != K::kBool) return NoOverload(f);
      return Eval(*expr.args[condition.bool_value() ? 1 : 2], vars);
    }
    std::vector<Value> args;
    if (expr.target) {
      args.push_back(Eval(*expr.target, vars));
    }
    for (const ExprPtr& arg : expr.args) args.push_back(Eval(*arg, vars));
    if (f == op::kNotStrictlyFalse) {
      return args[0].kind() == K::kBool ? args[0] : Value::Bool(true);
    }
    for (const Value& arg : args) {
      if (arg.is_error()) return arg;
    }
    return Function(f, args);
  }

  static Value Function(const std::string& f, const std::vector<Value>& args) {
    if (args.size() == 1) {
      const Value& x = args[0];
      if (f == op::kLogicalNot) {
        return x.kind() == K::kBool ? Value::Bool(!x.bool_value()) : NoOverload(f);
      }
      if (f == op::kNegate) {
        if (x.kind() == K::kInt) {
          if (x.int_value() == std::numeric_limits<std::int64_t>::min()) {
            return Value::Error("integer overflow");
          }
          return Value::Int(-x.int_value());
        }
        if (x.kind() == K::kDouble) return Value::Double(-x.double_value());
        return NoOverload(f);
      }
      if (f == "size") {
        if (x.kind() == K::kString) return Value::Int(CodePoints(x.text()));
        if (x.kind() == K::kBytes) return Value::Int(static_cast<std::int64_t>(x.text().size()));
        if (x.kind() == K::kList) return Value::Int(static_cast<std::int64_t>(x.list().size()));
        if (x.kind() == K::kMap) return Value::Int(static_cast<std::int64_t>(x.map().size()));
        return NoOverload(f);
      }
      if (f == "type") return Value::Type(std::string(x.TypeName()));
    }
    if (args.size() == 2) {
      const Value& a = args[0];
      const Value& b = args[1];
      if (f == op::kEquals) return Equals(a, b);
      if (f == op::kNotEquals) {
        Value equal = Equals(a, b);
        return equal.is_error() ? equal : Value::Bool(!equal.bool_value());
      }
      if (f == op::kLess || f == op::kLessEquals || f == op::kGreater || f == op::kGreaterEquals) {
        std::optional<int> order = Compare(a, b);
        if (!order) {
          // NaN against a number orders as false under every operator.
          bool numbers = (a.kind() == K::kDouble || a.kind() == K::kInt || a.kind() == K::kUint) &&
                         (b.kind() == K::kDouble || b.kind() == K::kInt || b.kind() == K::kUint);
          return numbers ? Value::Bool(false) : NoOverload(f);
        }
        if (f == op::kLess) return Value::Bool(*order < 0);
        if (f == op::kLessEquals) return Value::Bool(*order <= 0);
        if (f == op::kGreater) return Value::Bool(*order > 0);
        return Value::Bool(*order >= 0);
      }
      if (f == op::kAdd || f == op::kSubtract || f == op::kMultiply || f == op::kDivide ||
          f == op::kModulo) {
        return Arithmetic(f, a, b);
      }
      if (f == op::kIn) {
        if (b.kind() == K::kList) {
          for (const Value& item : b.list()) {
            Value equal = Equals(a, item);
            if (equal.kind() == K::kBool && equal.bool_value()) return Value::Bool(true);
          }
          return Value::Bool(false);
        }
        if (b.kind() == K::kMap) return Value::Bool(FindInMap(b.map(), a) != nullptr);
        return NoOverload(f);
      }
      if (f == op::kIndex) {
        if (a.kind() == K::kList) {
          std::optional<std::int64_t> index = IndexOf(b);
          if (!index) return NoOverload(f);
          if (*index < 0 || *index >= static_cast<std::int64_t>(a.list().size())) {
            return Value::Error("index out of bounds: " + std::to_string(*index));
          }
          return a.list()[static_cast<std::size_t>(*index)];
        }
        if (a.kind() == K::kMap) {
          if (const Value* found = FindInMap(a.map(), b)) return *found;
          return Value::Error("no such key");
        }
        return NoOverload(f);
      }
      if (a.kind() == K::kString && b.kind() == K::kString) {
        if (f == "contains") return Value::Bool(a.text().find(b.text()) != std::string::npos);
        if (f == "startsWith") return Value::Bool(a.text().starts_with(b.text()));
        if (f == "endsWith") return Value::Bool(a.text().ends_with(b.text()));
      }
    }
    return Value::Error("no matching overload for '" + f + "'");
  }
};

}  // namespace

const Value* Activation::Find(std::string_view name) const {
  for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
    if (it->first == name) return &it->second;
  }
  return parent_ != nullptr ? parent_->Find(name) : nullptr;
}

Value Evaluate(const Expr& expr, const Activation& activation) {
  return Evaluator().Eval(expr, activation);
}

}  // namespace agw::cel
