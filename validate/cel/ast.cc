#include "validate/cel/ast.h"

#include <charconv>
#include <cstdio>

namespace agw::validate::cel {
namespace {

void AppendQuoted(std::string& out, const std::string& text, bool bytes) {
  out += bytes ? "b\"" : "\"";
  for (char c : text) {
    unsigned char byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (byte < 0x20 || byte == 0x7f || (bytes && byte >= 0x80)) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\x%02x", byte);
          out += buffer;
        } else {
          out.push_back(c);
        }
    }
  }
  out += "\"";
}

void Append(std::string& out, const Expr& expr);

void AppendList(std::string& out, const std::vector<ExprPtr>& exprs) {
  for (std::size_t i = 0; i < exprs.size(); ++i) {
    out += i == 0 ? "" : ", ";
    Append(out, *exprs[i]);
  }
}

void Append(std::string& out, const Expr& expr) {
  switch (expr.kind) {
    case Expr::Kind::kConstant: {
      const Constant& c = expr.constant;
      switch (c.kind) {
        case Constant::Kind::kNull:
          out += "null";
          break;
        case Constant::Kind::kBool:
          out += c.bool_value ? "true" : "false";
          break;
        case Constant::Kind::kInt:
          out += std::to_string(c.int_value);
          break;
        case Constant::Kind::kUint:
          out += std::to_string(c.uint_value) + "u";
          break;
        case Constant::Kind::kDouble: {
          char buffer[64];
          auto result = std::to_chars(buffer, buffer + sizeof buffer, c.double_value);
          std::string text(buffer, result.ptr);
          if (text.find_first_of(".eEn") == std::string::npos) {
            text += ".0";  // keep doubles recognisable: 2.0, not 2
          }
          out += text;
          break;
        }
        case Constant::Kind::kString:
          AppendQuoted(out, c.string_value, false);
          break;
        case Constant::Kind::kBytes:
          AppendQuoted(out, c.string_value, true);
          break;
      }
      return;
    }
    case Expr::Kind::kIdent:
      out += expr.name;
      return;
    case Expr::Kind::kSelect:
      out += expr.test_only ? "has(" : "";
      Append(out, *expr.target);
      out += "." + expr.name;
      out += expr.test_only ? ")" : "";
      return;
    case Expr::Kind::kCall:
      if (expr.target) {
        Append(out, *expr.target);
        out += ".";
      }
      out += expr.name + "(";
      AppendList(out, expr.args);
      out += ")";
      return;
    case Expr::Kind::kList:
      out += "[";
      AppendList(out, expr.args);
      out += "]";
      return;
    case Expr::Kind::kMap:
    case Expr::Kind::kStruct:
      out += expr.kind == Expr::Kind::kStruct ? expr.name + "{" : "{";
      for (std::size_t i = 0; i < expr.entries.size(); ++i) {
        const Entry& entry = expr.entries[i];
        out += i == 0 ? "" : ", ";
        if (entry.key) {
          Append(out, *entry.key);
        } else {
          out += entry.field;
        }
        out += ": ";
        Append(out, *entry.value);
      }
      out += "}";
      return;
    case Expr::Kind::kComprehension: {
      const Comprehension& c = *expr.comprehension;
      out += "__comprehension__(" + c.iter_var + ", ";
      if (!c.iter_var2.empty()) {
        out += c.iter_var2 + ", ";
      }
      Append(out, *c.iter_range);
      out += ", " + c.accu_var + ", ";
      Append(out, *c.accu_init);
      out += ", ";
      Append(out, *c.loop_condition);
      out += ", ";
      Append(out, *c.loop_step);
      out += ", ";
      Append(out, *c.result);
      out += ")";
      return;
    }
  }
}

}  // namespace

Function FunctionOf(std::string_view name) {
  static constexpr std::pair<std::string_view, Function> kCore[] = {
      {op::kConditional, Function::kConditional},
      {op::kLogicalAnd, Function::kLogicalAnd},
      {op::kLogicalOr, Function::kLogicalOr},
      {op::kLogicalNot, Function::kLogicalNot},
      {op::kEquals, Function::kEquals},
      {op::kNotEquals, Function::kNotEquals},
      {op::kLess, Function::kLess},
      {op::kLessEquals, Function::kLessEquals},
      {op::kGreater, Function::kGreater},
      {op::kGreaterEquals, Function::kGreaterEquals},
      {op::kIn, Function::kIn},
      {op::kAdd, Function::kAdd},
      {op::kSubtract, Function::kSubtract},
      {op::kMultiply, Function::kMultiply},
      {op::kDivide, Function::kDivide},
      {op::kModulo, Function::kModulo},
      {op::kNegate, Function::kNegate},
      {op::kIndex, Function::kIndex},
      {op::kNotStrictlyFalse, Function::kNotStrictlyFalse},
      {"size", Function::kSize},
      {"type", Function::kType},
      {"dyn", Function::kDyn},
      {"int", Function::kInt},
      {"uint", Function::kUint},
      {"double", Function::kDouble},
      {"string", Function::kString},
      {"bytes", Function::kBytes},
      {"bool", Function::kBool},
      {"contains", Function::kContains},
      {"startsWith", Function::kStartsWith},
      {"endsWith", Function::kEndsWith},
      {"matches", Function::kMatches},
      {"charAt", Function::kCharAt},
      {"indexOf", Function::kIndexOf},
      {"lastIndexOf", Function::kLastIndexOf},
      {"lowerAscii", Function::kLowerAscii},
      {"upperAscii", Function::kUpperAscii},
      {"replace", Function::kReplace},
      {"split", Function::kSplit},
      {"substring", Function::kSubstring},
      {"trim", Function::kTrim},
      {"join", Function::kJoin},
      {kMapInsert, Function::kMapInsert},
  };
  for (const auto& [core, function] : kCore) {
    if (core == name) {
      return function;
    }
  }
  return Function::kOther;
}

std::string ToDebugString(const Expr& expr) {
  std::string out;
  Append(out, expr);
  return out;
}

}  // namespace agw::validate::cel
