#pragma once

// The CEL type checker: what cel-go's checker (checker/checker.go) reports about a parsed
// expression, given the variables and functions an environment declares: undeclared names,
// undefined fields of declared object types, and calls no overload accepts.
//
// It serves runtimes that evaluate without a checker, so it departs from cel-go wherever a
// dynamically typed evaluator accepts more, to report only what fails for certain:
//   * `==` and `!=` take operands of any two types, `in` any element type;
//   * the branches of `?:` and the elements of list and map literals may differ (the type is
//     then dyn);
//   * a declared object type is also a map(string, dyn) (indexing, `in`, size, iteration);
//   * a variable declared absent (the runtime resolves it to null in this environment) may be
//     tested with has() and compared with null;
//   * the special forms below (agentgateway's with, mapValues, filterKeys, default, coalesce).
// dyn is compatible with every type; an unknown type is dyn.
//
// Pure: Check reads the expression and the environment and keeps no state between calls. An
// Env is immutable once built and may be shared by threads that only read it.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "validate/cel/ast.h"

namespace agw::validate::cel {

struct Type {
  enum class Kind : std::uint8_t {
    kDyn,
    kNull,
    kBool,
    kInt,
    kUint,
    kDouble,
    kString,
    kBytes,
    kDuration,
    kTimestamp,
    kList,      // params: element
    kMap,       // params: key, value
    kType,      // params: the type it denotes
    kOptional,  // params: the value
    kObject,    // name: a type Env::AddObjectType declared
    kOpaque,    // name, and params: a library's own type (net.IP)
    kParam,     // name: a type parameter of an overload, or a type variable of the checker
  };
  Kind kind = Kind::kDyn;
  std::string name;
  std::vector<Type> params;

  static Type Dyn() { return Type(); }
  static Type Of(Kind kind);
  static Type List(Type element);
  static Type Map(Type key, Type value);
  static Type TypeOf(Type type);
  static Type Optional(Type value);
  static Type Object(std::string name);
  static Type Opaque(std::string name, std::vector<Type> params = {});
  static Type Param(std::string name);

  bool operator==(const Type& other) const = default;

  // The CEL notation the conformance suite writes types in: "int", "list(string)",
  // "map(string, dyn)", "google.protobuf.Duration", "null_type", "type(int)",
  // "optional_type(int)".
  std::string ToString() const;
};

// cel-go's FormatCELType, the notation of its checker's messages: as Type::ToString, except
// "duration", "timestamp" and "null".
std::string FormatType(const Type& type);

class Env;

// Reads a type in the notation of Type::ToString (also "duration", "timestamp"); single capital
// letters are type parameters, other names object types `env` declares, else opaque types.
// nullopt when `text` is not a type.
std::optional<Type> ParseType(std::string_view text, const Env& env);

// One overload of a function. A member overload's receiver is args[0].
struct Overload {
  std::vector<Type> args;
  Type result;
  bool member = false;
  bool variadic = false;  // the last argument type may repeat (or be left out)
};

struct FieldDecl {
  std::string name;
  Type type;
};

// Functions whose arguments are not plain values, which the checker types by their meaning.
enum class SpecialForm : std::uint8_t {
  kWith,        // x.with(name, expr): expr with `name` bound to x
  kMapValues,   // m.mapValues(v, expr): the map with each value v replaced by expr
  kFilterKeys,  // m.filterKeys(k, pred): the entries whose key k makes pred true
  kDefault,     // default(expr, fallback): fallback when expr is null or names something missing
  kCoalesce,    // coalesce(e1, ..., en): the first that succeeds with a non-null value
};

// Declarations: variables, object types, function overloads and special forms. Copyable, so an
// environment can start from another.
class Env {
 public:
  // Declares `name` (a qualified name such as "a.b.c" is looked up as written).
  void AddVariable(std::string name, Type type);
  // Declares that the runtime resolves `name` to null here: a reference to it is reported as
  // undeclared, except where a null cannot fail (has(name.f), name == null, default()).
  void AddAbsentVariable(std::string name);
  // Declares an object type whose fields are exactly `fields`.
  void AddObjectType(std::string name, std::vector<FieldDecl> fields);
  // Adds an overload of `function` written as cel-go prints function types: "(int, int) -> int"
  // for a global overload, "string.(string) -> bool" for a member one; type parameters are
  // single capital letters, "dyn..." as the last argument repeats it, other names are object
  // types (when declared) or opaque types. Returns false, and records the error, when the
  // signature does not parse.
  bool AddOverload(std::string_view function, std::string_view signature);
  void AddSpecialForm(std::string function, SpecialForm form);
  // Lets calls ignore the call style of overloads: `f(x, y)` may call the member overload
  // `x.f(y)` and the reverse, as in runtimes whose functions take their receiver from the target
  // or else the first argument (cel-rust's `This`). Off, as in cel-go.
  void set_any_call_style(bool any) { any_call_style_ = any; }
  bool any_call_style() const { return any_call_style_; }

  // Signatures AddOverload could not parse ("name: signature"); empty for a sound table.
  const std::vector<std::string>& declaration_errors() const { return errors_; }

  const Type* FindVariable(std::string_view name) const;
  bool IsAbsent(std::string_view name) const;
  // The fields of object type `name`, or null when it is not declared.
  const std::vector<FieldDecl>* FindObjectType(std::string_view name) const;
  const std::vector<Overload>* FindFunction(std::string_view name) const;
  std::optional<SpecialForm> FindSpecialForm(std::string_view name) const;
  // The names of the functions and special forms, sorted (for "did you mean").
  std::vector<std::string> FunctionNames() const;

 private:
  std::map<std::string, Type, std::less<>> variables_;
  std::set<std::string, std::less<>> absent_;
  std::map<std::string, std::vector<FieldDecl>, std::less<>> objects_;
  std::map<std::string, std::vector<Overload>, std::less<>> functions_;
  std::map<std::string, SpecialForm, std::less<>> special_forms_;
  std::vector<std::string> errors_;
  bool any_call_style_ = false;
};

// cel-go's standard environment: the operators (with the heterogeneous numeric comparisons),
// size, the conversions, type identifiers (int, google.protobuf.Duration, ...), contains,
// startsWith, endsWith, matches, the timestamp and duration accessors, the strings extension
// (charAt ... format, quote, reverse), the math extension (math.greatest ... math.sqrt) and
// the optional library (optional.of, value, orValue, ...).
Env StandardEnv();

struct Issue {
  enum class Kind : std::uint8_t {
    kUndeclaredReference,  // a variable (or type) the environment does not declare
    kUndeclaredFunction,   // a function the environment does not declare
    kUndefinedField,       // a field an object type does not have
    kNoMatchingOverload,   // a call no overload accepts
    kOther,                // a type mismatch, a field selected from a scalar, ...
  };
  Kind kind = Kind::kOther;
  std::size_t offset = 0;  // byte offset in the source of the name or operator at fault
  std::string name;        // the identifier, field or function concerned; "" for kOther
  std::string type;        // kUndefinedField: the object type (FormatType); else ""
  std::string message;     // cel-go's wording: "undeclared reference to 'x' (in container '')"
};

struct CheckResult {
  Type type;  // the expression's type; dyn where unknown
  std::vector<Issue> issues;
};

struct CheckOptions {
  std::size_t max_issues = 32;  // further issues are dropped
  int max_depth = 500;          // nesting below this is typed dyn without being checked
};

// Checks `ast` (from Parse) against `env`. Issues come in the order the checker met them.
CheckResult Check(const Ast& ast, const Env& env, const CheckOptions& options = {});

}  // namespace agw::validate::cel
