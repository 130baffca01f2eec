#pragma once

// The parsed form of a CEL expression, shaped like cel-go's `ast.Expr` (and the CEL spec's
// syntax.proto): constants, identifiers, field selections, calls (operators are calls to
// functions named like `_+_`), list and map literals, message construction, and the
// comprehensions that the macros (has, all, exists, exists_one/existsOne, map, filter, and the
// two-variable forms of cel-go's ext.TwoVarComprehensions) expand into.
//
// Values own their children; an Ast is movable and not copyable.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace agw::validate::cel {

// Function names of the operators, as cel-go's common/operators spells them. The evaluator
// dispatches on these.
namespace op {
inline constexpr char kConditional[] = "_?_:_";
inline constexpr char kLogicalAnd[] = "_&&_";
inline constexpr char kLogicalOr[] = "_||_";
inline constexpr char kLogicalNot[] = "!_";
inline constexpr char kEquals[] = "_==_";
inline constexpr char kNotEquals[] = "_!=_";
inline constexpr char kLess[] = "_<_";
inline constexpr char kLessEquals[] = "_<=_";
inline constexpr char kGreater[] = "_>_";
inline constexpr char kGreaterEquals[] = "_>=_";
inline constexpr char kIn[] = "@in";
inline constexpr char kAdd[] = "_+_";
inline constexpr char kSubtract[] = "_-_";
inline constexpr char kMultiply[] = "_*_";
inline constexpr char kDivide[] = "_/_";
inline constexpr char kModulo[] = "_%_";
inline constexpr char kNegate[] = "-_";
inline constexpr char kIndex[] = "_[_]";
inline constexpr char kOptionalSelect[] = "_?._";  // a.?b, with the field name as a string
inline constexpr char kOptionalIndex[] = "_[?_]";  // a[?k]
// Used by the all/exists expansions: false only for `false`, true for errors and unknowns.
inline constexpr char kNotStrictlyFalse[] = "@not_strictly_false";
}  // namespace op

// The accumulator variable of macro comprehensions. Not a legal identifier, so user variables
// cannot shadow it.
inline constexpr char kAccumulatorName[] = "@result";

// The function transformMap and transformMapEntry steps call (cel-go ext/comprehensions.go):
// `cel.@mapInsert(map, key, value)` adds one entry, `cel.@mapInsert(map, entries)` all entries of
// a map, and either fails on a key the map already has. Not writable in source (no '@' token).
inline constexpr char kMapInsert[] = "cel.@mapInsert";

// The functions the evaluator's core implements, resolved by the parser when it builds a call
// so that evaluation compares no names; kOther for the rest (the libraries, dispatched by name).
enum class Function : std::uint8_t {
  kOther,
  kConditional,
  kLogicalAnd,
  kLogicalOr,
  kLogicalNot,
  kEquals,
  kNotEquals,
  kLess,
  kLessEquals,
  kGreater,
  kGreaterEquals,
  kIn,
  kAdd,
  kSubtract,
  kMultiply,
  kDivide,
  kModulo,
  kNegate,
  kIndex,
  kNotStrictlyFalse,
  kSize,
  kType,
  kDyn,
  kInt,
  kUint,
  kDouble,
  kString,
  kBytes,
  kBool,
  kContains,
  kStartsWith,
  kEndsWith,
  kMatches,
  kCharAt,
  kIndexOf,
  kLastIndexOf,
  kLowerAscii,
  kUpperAscii,
  kReplace,
  kSplit,
  kSubstring,
  kTrim,
  kJoin,
  kMapInsert,  // evaluated by the comprehension whose step it is
};

// The core function called `name`, or Function::kOther.
Function FunctionOf(std::string_view name);

struct Constant {
  enum class Kind { kNull, kBool, kInt, kUint, kDouble, kString, kBytes };
  Kind kind = Kind::kNull;
  bool bool_value = false;
  std::int64_t int_value = 0;
  std::uint64_t uint_value = 0;
  double double_value = 0;
  std::string string_value;  // UTF-8 text for kString, raw bytes for kBytes
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

// A map literal entry (`key` set) or a message field initializer (`field` set).
struct Entry {
  std::int64_t id = 0;
  std::size_t offset = 0;  // byte offset of the ':' in the source
  std::string field;
  ExprPtr key;
  ExprPtr value;
};

// A fold over `iter_range`: accu = accu_init; for each element bound to iter_var, while
// loop_condition holds, accu = loop_step; the value is `result`. With `iter_var2` set (cel-go's
// IterVar2), iter_var is a list's index (int) or a map's key, and iter_var2 the element or the
// value under that key.
struct Comprehension {
  std::string iter_var;
  std::string iter_var2;  // "" for the one-variable comprehensions
  ExprPtr iter_range;
  std::string accu_var;
  ExprPtr accu_init;
  ExprPtr loop_condition;
  ExprPtr loop_step;
  ExprPtr result;
};

struct Expr {
  enum class Kind { kConstant, kIdent, kSelect, kCall, kList, kMap, kStruct, kComprehension };
  Kind kind = Kind::kConstant;
  std::int64_t id = 0;     // unique within one Ast, from 1
  std::size_t offset = 0;  // byte offset in the source of the token this node came from
  Constant constant;       // kConstant
  // kIdent: the name (a leading '.' kept); kSelect: the field; kCall: the function;
  // kStruct: the message type name as written.
  std::string name;
  Function function = Function::kOther;  // kCall: `name` resolved
  // kCall of matches() with a constant pattern that compiles: the pattern, compiled once by the
  // parser (compiling it per evaluation was 40% of the time of the Gateway API rules).
  std::shared_ptr<const re2::RE2> regex;
  // kSelect: the operand; kCall: the receiver of a member call (null for a global call).
  ExprPtr target;
  bool test_only = false;                        // kSelect made by has()
  std::vector<ExprPtr> args;                     // kCall: arguments; kList: elements
  std::vector<Entry> entries;                    // kMap, kStruct
  std::unique_ptr<Comprehension> comprehension;  // kComprehension
};

struct Ast {
  ExprPtr root;
  std::string source;
};

// A compact rendering for tests and debugging: `_+_(a, 1)`, `a.b`, `has(a.b)`, `x.f(1)`,
// `[1, 2]`, `{"k": v}`, `T{f: 1}`, `__comprehension__(x, range, @result, init, cond, step,
// result)` (`__comprehension__(i, v, range, ...)` with two variables, as cel-go's debug printer
// puts IterVar2 after IterVar). Strings are double-quoted with escapes, bytes prefixed with b,
// uints suffixed u.
std::string ToDebugString(const Expr& expr);

}  // namespace agw::validate::cel
