// The CEL type checker: cel-go's checker/checker.go (types, overload resolution with type
// parameters, comprehensions, qualified names) with the departures checker.h lists, and the
// declarations of cel-go's standard environment (checker/decls, ext/strings.go, ext/math.go,
// the optional library) written as cel-go prints function types.

#include "validate/cel/checker.h"

#include <algorithm>
#include <cctype>
#include <span>
#include <utility>

namespace agw::validate::cel {
namespace {

// The scalar types by their CEL names: the type identifiers an expression may use (`int` is
// type(int)) and the names ParseType reads.
constexpr std::pair<std::string_view, Type::Kind> kScalarTypes[] = {
    {"bool", Type::Kind::kBool},
    {"int", Type::Kind::kInt},
    {"uint", Type::Kind::kUint},
    {"double", Type::Kind::kDouble},
    {"string", Type::Kind::kString},
    {"bytes", Type::Kind::kBytes},
    {"null_type", Type::Kind::kNull},
    {"google.protobuf.Duration", Type::Kind::kDuration},
    {"google.protobuf.Timestamp", Type::Kind::kTimestamp},
};

// Deeper types than this (in declarations, substitutions or assignability) are taken as dyn:
// only a pathological expression nests types this far.
constexpr int kMaxTypeDepth = 64;

std::string TypeText(const Type& type, bool go_format, int depth) {
  using Kind = Type::Kind;
  if (depth > kMaxTypeDepth) {
    return "dyn";
  }
  auto param = [&](std::size_t i) {
    return i < type.params.size() ? TypeText(type.params[i], go_format, depth + 1) : "dyn";
  };
  switch (type.kind) {
    case Kind::kDyn:
      return "dyn";
    case Kind::kNull:
      return go_format ? "null" : "null_type";
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
    case Kind::kDuration:
      return go_format ? "duration" : "google.protobuf.Duration";
    case Kind::kTimestamp:
      return go_format ? "timestamp" : "google.protobuf.Timestamp";
    case Kind::kList:
      return "list(" + param(0) + ")";
    case Kind::kMap:
      return "map(" + param(0) + ", " + param(1) + ")";
    case Kind::kType:
      return type.params.empty() ? "type" : "type(" + param(0) + ")";
    case Kind::kOptional:
      return "optional_type(" + param(0) + ")";
    case Kind::kObject:
    case Kind::kParam:
      return type.name;
    case Kind::kOpaque: {
      std::string text = type.name;
      for (std::size_t i = 0; i < type.params.size(); ++i) {
        text += (i == 0 ? "(" : ", ") + param(i);
      }
      return type.params.empty() ? text : text + ")";
    }
  }
  return "dyn";
}

// --- signatures ("(int, int) -> int", "string.(string) -> bool") ---

class SignatureParser {
 public:
  SignatureParser(std::string_view text, const Env& env) : text_(text), env_(env) {}

  // The whole text as one type.
  std::optional<Type> ParseWholeType() {
    std::optional<Type> type = ParseType(0);
    SkipSpaces();
    if (!type || pos_ != text_.size()) {
      return std::nullopt;
    }
    return type;
  }

  std::optional<Overload> Parse() {
    Overload overload;
    SkipSpaces();
    if (!At('(')) {
      std::optional<Type> receiver = ParseType(0);
      if (!receiver || !Consume(".")) {
        return std::nullopt;
      }
      overload.member = true;
      overload.args.push_back(std::move(*receiver));
    }
    if (!Consume("(") || !ParseArgs(overload) || !Consume("->")) {
      return std::nullopt;
    }
    std::optional<Type> result = ParseType(0);
    SkipSpaces();
    if (!result || pos_ != text_.size()) {
      return std::nullopt;
    }
    overload.result = std::move(*result);
    return overload;
  }

 private:
  bool ParseArgs(Overload& overload) {
    if (Consume(")")) {
      return true;
    }
    while (true) {
      std::optional<Type> arg = ParseType(0);
      if (!arg) {
        return false;
      }
      overload.args.push_back(std::move(*arg));
      if (Consume("...")) {
        overload.variadic = true;
        return Consume(")");
      }
      if (Consume(")")) {
        return true;
      }
      if (!Consume(",")) {
        return false;
      }
    }
  }

  std::optional<Type> ParseType(int depth) {
    using Kind = Type::Kind;
    if (depth > kMaxTypeDepth) {
      return std::nullopt;
    }
    std::string name = ParseName();
    // The scalars, and the short names cel-go's notation also uses.
    static constexpr std::pair<std::string_view, Kind> kAliases[] = {
        {"dyn", Kind::kDyn},
        {"duration", Kind::kDuration},
        {"timestamp", Kind::kTimestamp},
    };
    using Names = std::span<const std::pair<std::string_view, Kind>>;
    for (Names table : {Names(kScalarTypes), Names(kAliases)}) {
      for (const auto& [simple, kind] : table) {
        if (name == simple) {
          return Type::Of(kind);
        }
      }
    }
    if (name.size() == 1 && std::isupper(static_cast<unsigned char>(name[0]))) {
      return Type::Param(name);
    }
    if (name.empty()) {
      return std::nullopt;
    }
    std::vector<Type> params;
    if (Consume("(")) {
      while (true) {
        std::optional<Type> param = ParseType(depth + 1);
        if (!param) {
          return std::nullopt;
        }
        params.push_back(std::move(*param));
        if (Consume(")")) {
          break;
        }
        if (!Consume(",")) {
          return std::nullopt;
        }
      }
    }
    return Composite(std::move(name), std::move(params));
  }

  std::optional<Type> Composite(std::string name, std::vector<Type> params) {
    if (name == "list" && params.size() == 1) {
      return Type::List(std::move(params[0]));
    }
    if (name == "map" && params.size() == 2) {
      return Type::Map(std::move(params[0]), std::move(params[1]));
    }
    if (name == "type" && params.size() == 1) {
      return Type::TypeOf(std::move(params[0]));
    }
    if (name == "optional_type" && params.size() == 1) {
      return Type::Optional(std::move(params[0]));
    }
    if (name == "list" || name == "map" || name == "type" || name == "optional_type") {
      return std::nullopt;
    }
    if (params.empty() && env_.FindObjectType(name) != nullptr) {
      return Type::Object(std::move(name));
    }
    return Type::Opaque(std::move(name), std::move(params));
  }

  // A name: letters, digits and '_', with '.' inside when a letter follows ("net.IP", but
  // "string" in "string.(").
  std::string ParseName() {
    SkipSpaces();
    std::size_t start = pos_;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      bool word = std::isalnum(static_cast<unsigned char>(c)) || c == '_';
      bool dot = c == '.' && pos_ + 1 < text_.size() &&
                 std::isalpha(static_cast<unsigned char>(text_[pos_ + 1]));
      if (!word && !dot) {
        break;
      }
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  void SkipSpaces() {
    while (pos_ < text_.size() && text_[pos_] == ' ') {
      ++pos_;
    }
  }
  bool At(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  bool Consume(std::string_view token) {
    SkipSpaces();
    if (text_.substr(pos_, token.size()) != token) {
      return false;
    }
    pos_ += token.size();
    return true;
  }

  std::string_view text_;
  const Env& env_;
  std::size_t pos_ = 0;
};

// --- the standard declarations ---

struct Declaration {
  std::string_view function;
  std::string_view signature;
};

// The operators (cel-go checker/decls standard.go), with the cross-type numeric comparisons
// cel-go declares since v0.10. Equality and `in` take any types (checker.h).
constexpr Declaration kOperators[] = {
    {"!_", "(bool) -> bool"},
    {"-_", "(int) -> int"},
    {"-_", "(double) -> double"},
    {"_==_", "(A, B) -> bool"},
    {"_!=_", "(A, B) -> bool"},
    {"@in", "(A, list(B)) -> bool"},
    {"@in", "(A, map(K, V)) -> bool"},
    {"@not_strictly_false", "(bool) -> bool"},
    {"_+_", "(int, int) -> int"},
    {"_+_", "(uint, uint) -> uint"},
    {"_+_", "(double, double) -> double"},
    {"_+_", "(string, string) -> string"},
    {"_+_", "(bytes, bytes) -> bytes"},
    {"_+_", "(list(A), list(A)) -> list(A)"},
    {"_+_", "(timestamp, duration) -> timestamp"},
    {"_+_", "(duration, timestamp) -> timestamp"},
    {"_+_", "(duration, duration) -> duration"},
    {"_-_", "(int, int) -> int"},
    {"_-_", "(uint, uint) -> uint"},
    {"_-_", "(double, double) -> double"},
    {"_-_", "(timestamp, timestamp) -> duration"},
    {"_-_", "(timestamp, duration) -> timestamp"},
    {"_-_", "(duration, duration) -> duration"},
    {"_*_", "(int, int) -> int"},
    {"_*_", "(uint, uint) -> uint"},
    {"_*_", "(double, double) -> double"},
    {"_/_", "(int, int) -> int"},
    {"_/_", "(uint, uint) -> uint"},
    {"_/_", "(double, double) -> double"},
    {"_%_", "(int, int) -> int"},
    {"_%_", "(uint, uint) -> uint"},
    {"_[_]", "(list(A), int) -> A"},
    {"_[_]", "(list(A), uint) -> A"},
    {"_[_]", "(map(K, V), K) -> V"},
    {"_[?_]", "(list(A), int) -> optional_type(A)"},
    {"_[?_]", "(map(K, V), K) -> optional_type(V)"},
};

constexpr std::string_view kOrderings[] = {"_<_", "_<=_", "_>_", "_>=_"};
constexpr std::string_view kOrderedPairs[] = {
    "(bool, bool)",           "(int, int)",           "(uint, uint)",
    "(double, double)",       "(string, string)",     "(bytes, bytes)",
    "(timestamp, timestamp)", "(duration, duration)", "(int, uint)",
    "(int, double)",          "(uint, int)",          "(uint, double)",
    "(double, int)",          "(double, uint)",
};

// size, the conversions, and the string and time functions (cel-go checker/decls, stdlib).
constexpr Declaration kFunctions[] = {
    {"size", "(string) -> int"},
    {"size", "(bytes) -> int"},
    {"size", "(list(A)) -> int"},
    {"size", "(map(K, V)) -> int"},
    {"size", "string.() -> int"},
    {"size", "bytes.() -> int"},
    {"size", "list(A).() -> int"},
    {"size", "map(K, V).() -> int"},
    {"type", "(A) -> type(A)"},
    {"dyn", "(A) -> dyn"},
    {"int", "(int) -> int"},
    {"int", "(uint) -> int"},
    {"int", "(double) -> int"},
    {"int", "(string) -> int"},
    {"int", "(timestamp) -> int"},
    {"int", "(duration) -> int"},
    {"uint", "(int) -> uint"},
    {"uint", "(uint) -> uint"},
    {"uint", "(double) -> uint"},
    {"uint", "(string) -> uint"},
    {"double", "(int) -> double"},
    {"double", "(uint) -> double"},
    {"double", "(double) -> double"},
    {"double", "(string) -> double"},
    {"string", "(int) -> string"},
    {"string", "(uint) -> string"},
    {"string", "(double) -> string"},
    {"string", "(bool) -> string"},
    {"string", "(string) -> string"},
    {"string", "(bytes) -> string"},
    {"string", "(timestamp) -> string"},
    {"string", "(duration) -> string"},
    {"bytes", "(string) -> bytes"},
    {"bytes", "(bytes) -> bytes"},
    {"bool", "(bool) -> bool"},
    {"bool", "(string) -> bool"},
    {"duration", "(string) -> duration"},
    {"duration", "(duration) -> duration"},
    {"timestamp", "(string) -> timestamp"},
    {"timestamp", "(int) -> timestamp"},
    {"timestamp", "(timestamp) -> timestamp"},
    {"contains", "string.(string) -> bool"},
    {"startsWith", "string.(string) -> bool"},
    {"endsWith", "string.(string) -> bool"},
    {"matches", "string.(string) -> bool"},
    {"matches", "(string, string) -> bool"},
};

constexpr std::string_view kDateAccessors[] = {"getFullYear",   "getMonth", "getDayOfYear",
                                               "getDayOfMonth", "getDate",  "getDayOfWeek"};
constexpr std::string_view kTimeAccessors[] = {"getHours", "getMinutes", "getSeconds",
                                               "getMilliseconds"};

// cel-go ext.Strings (latest version) and ext.Math.
constexpr Declaration kExtensions[] = {
    {"charAt", "string.(int) -> string"},
    {"indexOf", "string.(string) -> int"},
    {"indexOf", "string.(string, int) -> int"},
    {"lastIndexOf", "string.(string) -> int"},
    {"lastIndexOf", "string.(string, int) -> int"},
    {"lowerAscii", "string.() -> string"},
    {"upperAscii", "string.() -> string"},
    {"trim", "string.() -> string"},
    {"reverse", "string.() -> string"},
    {"replace", "string.(string, string) -> string"},
    {"replace", "string.(string, string, int) -> string"},
    {"split", "string.(string) -> list(string)"},
    {"split", "string.(string, int) -> list(string)"},
    {"substring", "string.(int) -> string"},
    {"substring", "string.(int, int) -> string"},
    {"join", "list(string).() -> string"},
    {"join", "list(string).(string) -> string"},
    {"format", "string.(list(dyn)) -> string"},
    {"strings.quote", "(string) -> string"},
    {"math.greatest", "(dyn, dyn...) -> dyn"},
    {"math.least", "(dyn, dyn...) -> dyn"},
    {"math.ceil", "(double) -> double"},
    {"math.floor", "(double) -> double"},
    {"math.round", "(double) -> double"},
    {"math.trunc", "(double) -> double"},
    {"math.isInf", "(double) -> bool"},
    {"math.isNaN", "(double) -> bool"},
    {"math.isFinite", "(double) -> bool"},
    {"math.abs", "(int) -> int"},
    {"math.abs", "(uint) -> uint"},
    {"math.abs", "(double) -> double"},
    {"math.sign", "(int) -> int"},
    {"math.sign", "(uint) -> uint"},
    {"math.sign", "(double) -> double"},
    {"math.sqrt", "(int) -> double"},
    {"math.sqrt", "(uint) -> double"},
    {"math.sqrt", "(double) -> double"},
    {"math.bitAnd", "(int, int) -> int"},
    {"math.bitAnd", "(uint, uint) -> uint"},
    {"math.bitOr", "(int, int) -> int"},
    {"math.bitOr", "(uint, uint) -> uint"},
    {"math.bitXor", "(int, int) -> int"},
    {"math.bitXor", "(uint, uint) -> uint"},
    {"math.bitNot", "(int) -> int"},
    {"math.bitNot", "(uint) -> uint"},
    {"math.bitShiftLeft", "(int, int) -> int"},
    {"math.bitShiftLeft", "(uint, int) -> uint"},
    {"math.bitShiftRight", "(int, int) -> int"},
    {"math.bitShiftRight", "(uint, int) -> uint"},
    {"optional.of", "(A) -> optional_type(A)"},
    {"optional.ofNonZeroValue", "(A) -> optional_type(A)"},
    {"optional.none", "() -> optional_type(A)"},
    {"value", "optional_type(A).() -> A"},
    {"hasValue", "optional_type(A).() -> bool"},
    {"or", "optional_type(A).(optional_type(A)) -> optional_type(A)"},
    {"orValue", "optional_type(A).(A) -> A"},
};

// The type identifiers: `int` denotes type(int), and so on.
void AddTypeIdentifiers(Env& env) {
  for (const auto& [name, kind] : kScalarTypes) {
    env.AddVariable(std::string(name), Type::TypeOf(Type::Of(kind)));
  }
  env.AddVariable("list", Type::TypeOf(Type::List(Type::Dyn())));
  env.AddVariable("map", Type::TypeOf(Type::Map(Type::Dyn(), Type::Dyn())));
  env.AddVariable("type", Type::TypeOf(Type::TypeOf(Type::Dyn())));
  env.AddVariable("optional_type", Type::TypeOf(Type::Optional(Type::Dyn())));
}

// --- type variables ---

// The checker's substitution of type variables (cel-go's mapping): what each variable an
// overload's type parameter or an empty literal introduced has been bound to.
class Substitution {
 public:
  Type Fresh() { return Type::Param("_var" + std::to_string(next_++)); }

  // Undoing bindings (an undo log rather than copies: a copy per overload tried made checking
  // quadratic in the number of calls).
  std::size_t Mark() const { return trail_.size(); }
  void Rollback(std::size_t mark) {
    while (trail_.size() > mark) {
      bound_.erase(trail_.back());
      trail_.pop_back();
    }
  }

  // `type` with each bound variable replaced; free variables become dyn when `free_as_dyn`.
  Type Apply(const Type& type, bool free_as_dyn, int depth = 0) const {
    if (depth > kMaxTypeDepth) {
      return Type::Dyn();
    }
    if (type.kind == Type::Kind::kParam) {
      auto bound = bound_.find(type.name);
      if (bound != bound_.end()) {
        return Apply(bound->second, free_as_dyn, depth + 1);
      }
      return free_as_dyn ? Type::Dyn() : type;
    }
    Type out = type;
    for (Type& param : out.params) {
      param = Apply(param, free_as_dyn, depth + 1);
    }
    return out;
  }

  // Whether a value of type `actual` may be used where `target` is expected (cel-go's
  // isAssignable), binding free variables on either side as needed.
  bool Assign(const Type& target, const Type& actual, int depth = 0) {
    using Kind = Type::Kind;
    if (depth > kMaxTypeDepth) {
      return true;
    }
    Type t = Prune(target);
    Type a = Prune(actual);
    if (t.kind == Kind::kParam || a.kind == Kind::kParam) {
      return Bind(t, a, depth);
    }
    if (t.kind == Kind::kDyn || a.kind == Kind::kDyn) {
      return true;
    }
    if (a.kind == Kind::kNull) {
      return t.kind == Kind::kNull || t.kind == Kind::kObject || t.kind == Kind::kOpaque ||
             t.kind == Kind::kDuration || t.kind == Kind::kTimestamp;
    }
    if (t.kind == Kind::kMap && a.kind == Kind::kObject && t.params.size() == 2) {
      // An object is a map from field names (checker.h).
      return Assign(t.params[0], Type::Of(Kind::kString), depth + 1) &&
             Assign(t.params[1], Type::Dyn(), depth + 1);
    }
    if (t.kind != a.kind || t.name != a.name || t.params.size() != a.params.size()) {
      return false;
    }
    for (std::size_t i = 0; i < t.params.size(); ++i) {
      if (!Assign(t.params[i], a.params[i], depth + 1)) {
        return false;
      }
    }
    return true;
  }

 private:
  // Follows the bindings of a variable.
  Type Prune(const Type& type) const {
    const Type* current = &type;
    for (int i = 0; i < kMaxTypeDepth && current->kind == Type::Kind::kParam; ++i) {
      auto bound = bound_.find(current->name);
      if (bound == bound_.end()) {
        break;
      }
      current = &bound->second;
    }
    return *current;
  }

  bool Bind(const Type& target, const Type& actual, int depth) {
    if (target.kind == Type::Kind::kParam && actual.kind == Type::Kind::kParam &&
        target.name == actual.name) {
      return true;
    }
    const Type& variable = target.kind == Type::Kind::kParam ? target : actual;
    const Type& other = target.kind == Type::Kind::kParam ? actual : target;
    if (Occurs(variable.name, other, depth)) {
      return true;  // a recursive type: leave the variable free (dyn)
    }
    if (bound_.emplace(variable.name, other).second) {
      trail_.push_back(variable.name);
    }
    return true;
  }

  bool Occurs(const std::string& variable, const Type& type, int depth) const {
    if (depth > kMaxTypeDepth) {
      return true;
    }
    Type pruned = Prune(type);
    if (pruned.kind == Type::Kind::kParam) {
      return pruned.name == variable;
    }
    for (const Type& param : pruned.params) {
      if (Occurs(variable, param, depth + 1)) {
        return true;
      }
    }
    return false;
  }

  std::map<std::string, Type> bound_;
  std::vector<std::string> trail_;  // the bound variables, in binding order
  int next_ = 0;
};

// An overload's types with its type parameters replaced by fresh variables of `subst`.
Type Instantiate(const Type& type, std::map<std::string, Type>& fresh, Substitution& subst,
                 int depth = 0) {
  if (depth > kMaxTypeDepth) {
    return Type::Dyn();
  }
  if (type.kind == Type::Kind::kParam) {
    auto [it, added] = fresh.try_emplace(type.name);
    if (added) {
      it->second = subst.Fresh();
    }
    return it->second;
  }
  Type out = type;
  for (Type& param : out.params) {
    param = Instantiate(param, fresh, subst, depth + 1);
  }
  return out;
}

std::string UndeclaredMessage(std::string_view name) {
  return "undeclared reference to '" + std::string(name) + "' (in container '')";
}

bool IsOperator(std::string_view function) {
  return !function.empty() &&
         (function[0] == '_' || function[0] == '@' || function[0] == '!' || function[0] == '-');
}

// --- the checker ---

class Checker {
 public:
  Checker(const Ast& ast, const Env& env, const CheckOptions& options)
      : source_(ast.source), root_(*ast.root), env_(env), options_(options) {}

  CheckResult Run() {
    Type type = Visit(root_);
    result_.type = subst_.Apply(type, true);
    return std::move(result_);
  }

 private:
  using Kind = Type::Kind;

  // Counts the nesting of Visit.
  class DepthScope {
   public:
    explicit DepthScope(int& depth) : depth_(depth) { ++depth_; }
    ~DepthScope() { --depth_; }
    DepthScope(const DepthScope&) = delete;
    DepthScope& operator=(const DepthScope&) = delete;

   private:
    int& depth_;
  };

  Type Visit(const Expr& expr) {
    DepthScope scope(depth_);
    if (depth_ > options_.max_depth) {
      return Type::Dyn();
    }
    switch (expr.kind) {
      case Expr::Kind::kConstant:
        return ConstantType(expr.constant);
      case Expr::Kind::kIdent:
        return VisitIdent(expr);
      case Expr::Kind::kSelect:
        return VisitSelect(expr);
      case Expr::Kind::kCall:
        return VisitCall(expr);
      case Expr::Kind::kList:
        return VisitList(expr);
      case Expr::Kind::kMap:
        return VisitMap(expr);
      case Expr::Kind::kStruct:
        return VisitStruct(expr);
      case Expr::Kind::kComprehension:
        return VisitComprehension(expr);
    }
    return Type::Dyn();
  }

  static Type ConstantType(const Constant& constant) {
    switch (constant.kind) {
      case Constant::Kind::kNull:
        return Type::Of(Kind::kNull);
      case Constant::Kind::kBool:
        return Type::Of(Kind::kBool);
      case Constant::Kind::kInt:
        return Type::Of(Kind::kInt);
      case Constant::Kind::kUint:
        return Type::Of(Kind::kUint);
      case Constant::Kind::kDouble:
        return Type::Of(Kind::kDouble);
      case Constant::Kind::kString:
        return Type::Of(Kind::kString);
      case Constant::Kind::kBytes:
        return Type::Of(Kind::kBytes);
    }
    return Type::Dyn();
  }

  // --- identifiers and selection ---

  const Type* FindLocal(std::string_view name) const {
    for (auto it = locals_.rbegin(); it != locals_.rend(); ++it) {
      if (it->first == name) {
        return &it->second;
      }
    }
    return nullptr;
  }

  // An identifier the environment declares absent (not shadowed by a local or a variable).
  bool IsAbsentIdent(const Expr& expr) const {
    if (expr.kind != Expr::Kind::kIdent) {
      return false;
    }
    std::string_view name = expr.name;
    if (!name.empty() && name[0] == '.') {
      name.remove_prefix(1);
    } else if (FindLocal(name) != nullptr) {
      return false;
    }
    return env_.FindVariable(name) == nullptr && env_.IsAbsent(name);
  }

  Type VisitIdent(const Expr& expr) {
    std::string_view name = expr.name;
    bool rooted = !name.empty() && name[0] == '.';
    if (rooted) {
      name.remove_prefix(1);
    } else if (const Type* local = FindLocal(name)) {
      return *local;
    }
    if (const Type* variable = env_.FindVariable(name)) {
      return *variable;
    }
    Report(Issue::Kind::kUndeclaredReference, expr.offset, std::string(name),
           UndeclaredMessage(expr.name));
    return Type::Dyn();
  }

  // `a.b.c` as a qualified name, when it is a chain of selections on an identifier that is
  // not a local variable.
  std::optional<std::string> QualifiedName(const Expr& expr) const {
    if (expr.kind == Expr::Kind::kIdent) {
      std::string_view name = expr.name;
      if (!name.empty() && name[0] == '.') {
        return std::string(name.substr(1));
      }
      if (FindLocal(name) != nullptr) {
        return std::nullopt;
      }
      return expr.name;
    }
    if (expr.kind != Expr::Kind::kSelect || expr.test_only || !expr.target) {
      return std::nullopt;
    }
    std::optional<std::string> operand = QualifiedName(*expr.target);
    if (!operand) {
      return std::nullopt;
    }
    return *operand + "." + expr.name;
  }

  Type VisitSelect(const Expr& expr) {
    if (!expr.test_only) {
      // The longest qualified name first, as cel-go resolves `a.b.c` (checkSelect).
      if (std::optional<std::string> name = QualifiedName(expr)) {
        if (const Type* variable = env_.FindVariable(*name)) {
          return *variable;
        }
      }
    }
    if (expr.test_only && IsAbsentIdent(*expr.target)) {
      return Type::Of(Kind::kBool);  // has() of a field of null is false, not an error
    }
    Type operand = Visit(*expr.target);
    Type type = SelectField(expr, operand, expr.name, false);
    return expr.test_only ? Type::Of(Kind::kBool) : type;
  }

  // The type of `field` selected from a value of type `operand` (cel-go checkSelectField).
  Type SelectField(const Expr& node, const Type& operand, const std::string& field, bool optional) {
    Type target = subst_.Apply(operand, false);
    if (target.kind == Kind::kOptional && !target.params.empty()) {
      optional = true;
      target = target.params[0];
    }
    Type result = Type::Dyn();
    switch (target.kind) {
      case Kind::kMap:
        result = target.params.size() == 2 ? target.params[1] : Type::Dyn();
        break;
      case Kind::kObject:
        result = ObjectField(node, target.name, field);
        break;
      case Kind::kDyn:
        break;
      case Kind::kParam:
        TryAssign(Type::Dyn(), target);
        break;
      default:
        Report(Issue::Kind::kOther, FieldOffset(node, field), field,
               "type '" + FormatType(target) + "' does not support field selection");
        break;
    }
    return optional ? Type::Optional(result) : result;
  }

  Type ObjectField(const Expr& node, const std::string& object, const std::string& field) {
    const std::vector<FieldDecl>* fields = env_.FindObjectType(object);
    if (fields == nullptr) {
      return Type::Dyn();
    }
    for (const FieldDecl& decl : *fields) {
      if (decl.name == field) {
        return decl.type;
      }
    }
    Report(Issue::Kind::kUndefinedField, FieldOffset(node, field), field,
           "undefined field '" + field + "'", object);
    return Type::Dyn();
  }

  // --- calls ---

  Type VisitCall(const Expr& expr) {
    const std::string& function = expr.name;
    if (function == op::kOptionalSelect) {
      return VisitOptionalSelect(expr);
    }
    if (function == op::kLogicalAnd || function == op::kLogicalOr) {
      return VisitLogical(expr);
    }
    if (function == op::kConditional) {
      return VisitConditional(expr);
    }
    if (function == op::kEquals || function == op::kNotEquals) {
      return VisitEquality(expr);
    }
    if (function == kMapInsert) {
      return VisitMapInsert(expr);
    }
    if (std::optional<SpecialForm> form = env_.FindSpecialForm(function)) {
      return VisitSpecialForm(expr, *form);
    }
    if (expr.target) {
      if (std::optional<std::string> prefix = QualifiedName(*expr.target)) {
        std::string qualified = *prefix + "." + function;
        if (const std::vector<Overload>* overloads = env_.FindFunction(qualified)) {
          return ResolveOverload(expr, qualified, *overloads, ArgTypes(expr, false), false);
        }
      }
    }
    std::vector<Type> args = ArgTypes(expr, expr.target != nullptr);
    std::string_view name = function;
    if (!expr.target && !name.empty() && name[0] == '.') {
      name.remove_prefix(1);
    }
    const std::vector<Overload>* overloads = env_.FindFunction(name);
    if (overloads == nullptr) {
      Report(Issue::Kind::kUndeclaredFunction, NameOffset(expr), std::string(name),
             UndeclaredMessage(name));
      return Type::Dyn();
    }
    return ResolveOverload(expr, std::string(name), *overloads, args, expr.target != nullptr);
  }

  // The types of the receiver (when `with_target`) and the arguments.
  std::vector<Type> ArgTypes(const Expr& expr, bool with_target) {
    std::vector<Type> types;
    if (with_target) {
      types.push_back(Visit(*expr.target));
    }
    for (const ExprPtr& arg : expr.args) {
      types.push_back(Visit(*arg));
    }
    return types;
  }

  static bool ArityMatches(const Overload& overload, std::size_t count) {
    if (overload.variadic && !overload.args.empty()) {
      return count + 1 >= overload.args.size();
    }
    return count == overload.args.size();
  }

  // cel-go resolveOverload: the first overload that accepts the arguments gives the type (dyn
  // when another with a different result accepts them too).
  Type ResolveOverload(const Expr& call, const std::string& function,
                       const std::vector<Overload>& overloads, const std::vector<Type>& args,
                       bool member) {
    // The first accepting overload keeps its bindings; the others are tried on top of them
    // and undone, as cel-go accumulates its mapping.
    std::optional<Type> result;
    for (const Overload& overload : overloads) {
      bool style = overload.member == member || env_.any_call_style();
      if (!style || !ArityMatches(overload, args.size())) {
        continue;
      }
      std::size_t mark = subst_.Mark();
      std::map<std::string, Type> fresh;
      bool accepted = true;
      for (std::size_t i = 0; i < args.size() && accepted; ++i) {
        const Type& declared = overload.args[std::min(i, overload.args.size() - 1)];
        accepted = subst_.Assign(Instantiate(declared, fresh, subst_), args[i]);
      }
      if (!accepted) {
        subst_.Rollback(mark);
        continue;
      }
      Type type = subst_.Apply(Instantiate(overload.result, fresh, subst_), false);
      if (!result) {
        result = std::move(type);
        continue;
      }
      if (result->kind != Kind::kDyn && !(*result == type)) {
        result = Type::Dyn();
      }
      subst_.Rollback(mark);
    }
    if (!result) {
      Report(Issue::Kind::kNoMatchingOverload,
             IsOperator(function) ? call.offset : NameOffset(call), function,
             "found no matching overload for '" + function + "' applied to '" +
                 Signature(args, member) + "'");
      return Type::Dyn();
    }
    return *result;
  }

  // cel-go formatFunctionDeclType of the arguments: "(int, string)" or "string.(int)".
  std::string Signature(const std::vector<Type>& args, bool member) const {
    std::string text;
    std::size_t first = 0;
    if (member && !args.empty()) {
      text = FormatType(subst_.Apply(args[0], true)) + ".";
      first = 1;
    }
    text += "(";
    for (std::size_t i = first; i < args.size(); ++i) {
      text += (i == first ? "" : ", ") + FormatType(subst_.Apply(args[i], true));
    }
    return text + ")";
  }

  // && and ||: each operand must be a bool (cel-go reports a type mismatch at the operand).
  Type VisitLogical(const Expr& expr) {
    for (const ExprPtr& arg : expr.args) {
      ExpectBool(*arg, Visit(*arg));
    }
    return Type::Of(Kind::kBool);
  }

  void ExpectBool(const Expr& at, const Type& type) {
    if (!TryAssign(Type::Of(Kind::kBool), type)) {
      Report(Issue::Kind::kOther, at.offset, "",
             "expected type 'bool' but found '" + FormatType(subst_.Apply(type, true)) + "'");
    }
  }

  // c ? a : b: c must be a bool; the branches may differ (checker.h).
  Type VisitConditional(const Expr& expr) {
    std::vector<Type> args = ArgTypes(expr, false);
    if (args.size() != 3) {
      return Type::Dyn();
    }
    if (!TryAssign(Type::Of(Kind::kBool), args[0])) {
      Report(Issue::Kind::kNoMatchingOverload, expr.offset, op::kConditional,
             std::string("found no matching overload for '") + op::kConditional + "' applied to '" +
                 Signature(args, false) + "'");
    }
    return Join(args[1], args[2]);
  }

  // == and != accept any operands; an absent variable compared with null is no error.
  Type VisitEquality(const Expr& expr) {
    auto is_null = [](const Expr& e) {
      return e.kind == Expr::Kind::kConstant && e.constant.kind == Constant::Kind::kNull;
    };
    for (std::size_t i = 0; i < expr.args.size(); ++i) {
      const Expr& arg = *expr.args[i];
      const Expr* other = expr.args.size() == 2 ? expr.args[1 - i].get() : nullptr;
      if (other != nullptr && is_null(*other) && IsAbsentIdent(arg)) {
        continue;
      }
      Visit(arg);
    }
    return Type::Of(Kind::kBool);
  }

  // a.?b, parsed as _?._(a, "b").
  Type VisitOptionalSelect(const Expr& expr) {
    if (expr.args.size() != 2 || expr.args[1]->kind != Expr::Kind::kConstant ||
        expr.args[1]->constant.kind != Constant::Kind::kString) {
      ArgTypes(expr, false);
      return Type::Dyn();
    }
    Type operand = Visit(*expr.args[0]);
    return SelectField(expr, operand, expr.args[1]->constant.string_value, true);
  }

  // cel.@mapInsert(map, key, value) and cel.@mapInsert(map, entries) of the transformMap
  // macros: the accumulator map.
  Type VisitMapInsert(const Expr& expr) {
    std::vector<Type> args = ArgTypes(expr, false);
    if (args.size() == 3) {
      TryAssign(args[0], Type::Map(args[1], args[2]));
    } else if (args.size() == 2) {
      TryAssign(args[0], args[1]);
    }
    return args.empty() ? Type::Dyn() : args[0];
  }

  // --- special forms ---

  static bool FormFits(const Expr& expr, SpecialForm form) {
    switch (form) {
      case SpecialForm::kWith:
      case SpecialForm::kMapValues:
      case SpecialForm::kFilterKeys:
        return expr.target != nullptr && expr.args.size() == 2 &&
               expr.args[0]->kind == Expr::Kind::kIdent && !expr.args[0]->name.empty() &&
               expr.args[0]->name[0] != '.';
      case SpecialForm::kDefault:
        return expr.target == nullptr && expr.args.size() == 2;
      case SpecialForm::kCoalesce:
        return expr.target == nullptr && !expr.args.empty();
    }
    return false;
  }

  Type VisitSpecialForm(const Expr& expr, SpecialForm form) {
    if (!FormFits(expr, form)) {
      std::vector<Type> args = ArgTypes(expr, expr.target != nullptr);
      Report(Issue::Kind::kNoMatchingOverload, NameOffset(expr), expr.name,
             "found no matching overload for '" + expr.name + "' applied to '" +
                 Signature(args, expr.target != nullptr) + "'");
      return Type::Dyn();
    }
    switch (form) {
      case SpecialForm::kWith: {
        Type bound = Visit(*expr.target);
        return WithLocal(expr.args[0]->name, bound, *expr.args[1]);
      }
      case SpecialForm::kMapValues:
      case SpecialForm::kFilterKeys:
        return VisitMapForm(expr, form);
      case SpecialForm::kDefault: {
        // What default() absorbs: a null or something missing (spec 2.4).
        ++lenient_missing_;
        Type value = Visit(*expr.args[0]);
        --lenient_missing_;
        return Join(value, Visit(*expr.args[1]));
      }
      case SpecialForm::kCoalesce:
        return VisitCoalesce(expr);
    }
    return Type::Dyn();
  }

  Type WithLocal(const std::string& name, const Type& type, const Expr& body) {
    locals_.emplace_back(name, type);
    Type result = Visit(body);
    locals_.pop_back();
    return result;
  }

  // m.mapValues(v, expr) and m.filterKeys(k, pred) on a map (or an object, which is one).
  Type VisitMapForm(const Expr& expr, SpecialForm form) {
    Type receiver = subst_.Apply(Visit(*expr.target), false);
    Type key = Type::Dyn();
    Type value = Type::Dyn();
    if (receiver.kind == Kind::kMap && receiver.params.size() == 2) {
      key = receiver.params[0];
      value = receiver.params[1];
    } else if (receiver.kind == Kind::kObject) {
      key = Type::Of(Kind::kString);
      receiver = Type::Map(key, value);
    } else if (receiver.kind != Kind::kDyn && receiver.kind != Kind::kParam) {
      Report(Issue::Kind::kNoMatchingOverload, NameOffset(expr), expr.name,
             "found no matching overload for '" + expr.name + "' applied to '" +
                 FormatType(subst_.Apply(receiver, true)) + ".(dyn, dyn)'");
      receiver = Type::Dyn();
    }
    const std::string& variable = expr.args[0]->name;
    if (form == SpecialForm::kMapValues) {
      Type mapped = WithLocal(variable, value, *expr.args[1]);
      return Type::Map(key, mapped);
    }
    ExpectBool(*expr.args[1], WithLocal(variable, key, *expr.args[1]));
    return receiver;
  }

  // coalesce swallows the errors of every operand but the last (spec 2.4).
  Type VisitCoalesce(const Expr& expr) {
    std::optional<Type> joined;
    for (std::size_t i = 0; i < expr.args.size(); ++i) {
      bool last = i + 1 == expr.args.size();
      lenient_all_ += last ? 0 : 1;
      Type type = Visit(*expr.args[i]);
      lenient_all_ -= last ? 0 : 1;
      joined = joined ? Join(*joined, type) : type;
    }
    return joined ? *joined : Type::Dyn();
  }

  // Assign, with no bindings left behind when it fails.
  bool TryAssign(const Type& target, const Type& actual) {
    std::size_t mark = subst_.Mark();
    if (subst_.Assign(target, actual)) {
      return true;
    }
    subst_.Rollback(mark);
    return false;
  }

  // --- literals ---

  // The common type of two elements: the more general when one is assignable to the other,
  // else dyn (heterogeneous literals, checker.h).
  Type Join(const Type& a, const Type& b) {
    if (TryAssign(a, b)) {
      return subst_.Apply(b, false).kind == Kind::kDyn ? b : a;
    }
    if (TryAssign(b, a)) {
      return b;
    }
    return Type::Dyn();
  }

  Type VisitList(const Expr& expr) {
    std::optional<Type> element;
    for (const ExprPtr& item : expr.args) {
      Type type = Visit(*item);
      element = element ? Join(*element, type) : type;
    }
    return Type::List(element ? *element : subst_.Fresh());
  }

  Type VisitMap(const Expr& expr) {
    std::optional<Type> key;
    std::optional<Type> value;
    for (const Entry& entry : expr.entries) {
      Type key_type = entry.key ? Visit(*entry.key) : Type::Dyn();
      Type value_type = entry.value ? Visit(*entry.value) : Type::Dyn();
      key = key ? Join(*key, key_type) : key_type;
      value = value ? Join(*value, value_type) : value_type;
    }
    if (!key) {
      return Type::Map(subst_.Fresh(), subst_.Fresh());
    }
    return Type::Map(*key, *value);
  }

  // T{f: v}: only declared object types can be built.
  Type VisitStruct(const Expr& expr) {
    std::string_view name = expr.name;
    if (!name.empty() && name[0] == '.') {
      name.remove_prefix(1);
    }
    const std::vector<FieldDecl>* fields = env_.FindObjectType(name);
    if (fields == nullptr) {
      Report(Issue::Kind::kUndeclaredReference, expr.offset, std::string(name),
             UndeclaredMessage(name));
    }
    for (const Entry& entry : expr.entries) {
      Type value = entry.value ? Visit(*entry.value) : Type::Dyn();
      if (fields == nullptr) {
        continue;
      }
      const FieldDecl* field = nullptr;
      for (const FieldDecl& decl : *fields) {
        field = decl.name == entry.field ? &decl : field;
      }
      if (field == nullptr) {
        Report(Issue::Kind::kUndefinedField, entry.offset, entry.field,
               "undefined field '" + entry.field + "'", std::string(name));
      } else if (!TryAssign(field->type, value)) {
        Report(Issue::Kind::kOther, entry.offset, entry.field,
               "expected type of field '" + entry.field + "' is '" + FormatType(field->type) +
                   "' but provided type is '" + FormatType(subst_.Apply(value, true)) + "'");
      }
    }
    return fields == nullptr ? Type::Dyn() : Type::Object(std::string(name));
  }

  // --- comprehensions ---

  // The types of the iteration variables over `range` (cel-go checkComprehension; with two
  // variables, a list's index and element or a map's key and value).
  std::pair<Type, Type> IterationTypes(const Expr& range_expr, const Type& range_type) {
    Type range = subst_.Apply(range_type, false);
    switch (range.kind) {
      case Kind::kList:
        return {Type::Of(Kind::kInt), range.params.empty() ? Type::Dyn() : range.params[0]};
      case Kind::kMap:
        if (range.params.size() == 2) {
          return {range.params[0], range.params[1]};
        }
        return {Type::Dyn(), Type::Dyn()};
      case Kind::kObject:
        return {Type::Of(Kind::kString), Type::Dyn()};
      case Kind::kParam:
        TryAssign(Type::Dyn(), range);
        return {Type::Dyn(), Type::Dyn()};
      case Kind::kDyn:
        return {Type::Dyn(), Type::Dyn()};
      default:
        Report(Issue::Kind::kOther, range_expr.offset, "",
               "expression of type '" + FormatType(range) +
                   "' cannot be range of a comprehension (must be list, map, or dynamic)");
        return {Type::Dyn(), Type::Dyn()};
    }
  }

  Type VisitComprehension(const Expr& expr) {
    const Comprehension& c = *expr.comprehension;
    Type range = Visit(*c.iter_range);
    Type accu = Visit(*c.accu_init);
    auto [first, second] = IterationTypes(*c.iter_range, range);
    Type range_kind = subst_.Apply(range, false);
    if (c.iter_var2.empty() && range_kind.kind == Kind::kList) {
      first = second;  // one variable over a list: the element
    }
    locals_.emplace_back(c.accu_var, accu);
    locals_.emplace_back(c.iter_var, first);
    if (!c.iter_var2.empty()) {
      locals_.emplace_back(c.iter_var2, second);
    }
    Visit(*c.loop_condition);
    Type step = Visit(*c.loop_step);
    TryAssign(accu, step);
    locals_.pop_back();
    if (!c.iter_var2.empty()) {
      locals_.pop_back();
    }
    Type result = Visit(*c.result);
    locals_.pop_back();
    return result;
  }

  // --- issues ---

  void Report(Issue::Kind kind, std::size_t offset, std::string name, std::string message,
              std::string type = {}) {
    bool missing = kind == Issue::Kind::kUndeclaredReference ||
                   kind == Issue::Kind::kUndeclaredFunction || kind == Issue::Kind::kUndefinedField;
    if (lenient_all_ > 0 || (lenient_missing_ > 0 && missing) ||
        result_.issues.size() >= options_.max_issues) {
      return;
    }
    result_.issues.push_back({kind, offset, std::move(name), std::move(type), std::move(message)});
  }

  // Where a call's function name is: the parser records the '(' of a call.
  std::size_t NameOffset(const Expr& call) const {
    std::size_t end = std::min(call.offset, source_.size());
    while (end > 0 && std::isspace(static_cast<unsigned char>(source_[end - 1]))) {
      --end;
    }
    const std::string& name = call.name;
    if (end >= name.size() && source_.compare(end - name.size(), name.size(), name) == 0) {
      return end - name.size();
    }
    return call.offset;
  }

  // Where the field name of a selection is: the parser records the '.'.
  std::size_t FieldOffset(const Expr& select, const std::string& field) const {
    std::size_t at = std::min(select.offset, source_.size());
    if (at < source_.size() && source_[at] == '.') {
      ++at;
    }
    if (at < source_.size() && source_[at] == '?') {
      ++at;
    }
    while (at < source_.size() && std::isspace(static_cast<unsigned char>(source_[at]))) {
      ++at;
    }
    if (source_.compare(at, field.size(), field) == 0) {
      return at;
    }
    return select.offset;
  }

  std::string_view source_;
  const Expr& root_;
  const Env& env_;
  const CheckOptions& options_;
  Substitution subst_;
  std::vector<std::pair<std::string, Type>> locals_;  // innermost last
  int depth_ = 0;
  int lenient_missing_ = 0;  // inside default()'s first operand
  int lenient_all_ = 0;      // inside a coalesce() operand that is not the last
  CheckResult result_;
};

}  // namespace

// --- Type ---

Type Type::Of(Kind kind) {
  Type type;
  type.kind = kind;
  return type;
}

Type Type::List(Type element) {
  Type type = Of(Kind::kList);
  type.params.push_back(std::move(element));
  return type;
}

Type Type::Map(Type key, Type value) {
  Type type = Of(Kind::kMap);
  type.params.push_back(std::move(key));
  type.params.push_back(std::move(value));
  return type;
}

Type Type::TypeOf(Type denoted) {
  Type type = Of(Kind::kType);
  type.params.push_back(std::move(denoted));
  return type;
}

Type Type::Optional(Type value) {
  Type type = Of(Kind::kOptional);
  type.params.push_back(std::move(value));
  return type;
}

Type Type::Object(std::string name) {
  Type type = Of(Kind::kObject);
  type.name = std::move(name);
  return type;
}

Type Type::Opaque(std::string name, std::vector<Type> params) {
  Type type = Of(Kind::kOpaque);
  type.name = std::move(name);
  type.params = std::move(params);
  return type;
}

Type Type::Param(std::string name) {
  Type type = Of(Kind::kParam);
  type.name = std::move(name);
  return type;
}

std::string Type::ToString() const { return TypeText(*this, false, 0); }

std::string FormatType(const Type& type) { return TypeText(type, true, 0); }

std::optional<Type> ParseType(std::string_view text, const Env& env) {
  return SignatureParser(text, env).ParseWholeType();
}

// --- Env ---

void Env::AddVariable(std::string name, Type type) {
  absent_.erase(name);
  variables_[std::move(name)] = std::move(type);
}

void Env::AddAbsentVariable(std::string name) {
  variables_.erase(name);
  absent_.insert(std::move(name));
}

void Env::AddObjectType(std::string name, std::vector<FieldDecl> fields) {
  objects_[std::move(name)] = std::move(fields);
}

bool Env::AddOverload(std::string_view function, std::string_view signature) {
  std::optional<Overload> overload = SignatureParser(signature, *this).Parse();
  if (!overload) {
    errors_.push_back(std::string(function) + ": " + std::string(signature));
    return false;
  }
  functions_[std::string(function)].push_back(std::move(*overload));
  return true;
}

void Env::AddSpecialForm(std::string function, SpecialForm form) {
  special_forms_[std::move(function)] = form;
}

const Type* Env::FindVariable(std::string_view name) const {
  auto it = variables_.find(name);
  return it == variables_.end() ? nullptr : &it->second;
}

bool Env::IsAbsent(std::string_view name) const { return absent_.find(name) != absent_.end(); }

const std::vector<FieldDecl>* Env::FindObjectType(std::string_view name) const {
  auto it = objects_.find(name);
  return it == objects_.end() ? nullptr : &it->second;
}

const std::vector<Overload>* Env::FindFunction(std::string_view name) const {
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : &it->second;
}

std::optional<SpecialForm> Env::FindSpecialForm(std::string_view name) const {
  auto it = special_forms_.find(name);
  if (it == special_forms_.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::vector<std::string> Env::FunctionNames() const {
  std::set<std::string> names;
  for (const auto& [name, overloads] : functions_) {
    names.insert(name);
  }
  for (const auto& [name, form] : special_forms_) {
    names.insert(name);
  }
  return {names.begin(), names.end()};
}

Env StandardEnv() {
  Env env;
  AddTypeIdentifiers(env);
  for (const Declaration& d : kOperators) {
    env.AddOverload(d.function, d.signature);
  }
  for (std::string_view ordering : kOrderings) {
    for (std::string_view pair : kOrderedPairs) {
      env.AddOverload(ordering, std::string(pair) + " -> bool");
    }
  }
  for (const Declaration& d : kFunctions) {
    env.AddOverload(d.function, d.signature);
  }
  for (std::string_view accessor : kDateAccessors) {
    env.AddOverload(accessor, "timestamp.() -> int");
    env.AddOverload(accessor, "timestamp.(string) -> int");
  }
  for (std::string_view accessor : kTimeAccessors) {
    env.AddOverload(accessor, "timestamp.() -> int");
    env.AddOverload(accessor, "timestamp.(string) -> int");
    env.AddOverload(accessor, "duration.() -> int");
  }
  for (const Declaration& d : kExtensions) {
    env.AddOverload(d.function, d.signature);
  }
  return env;
}

CheckResult Check(const Ast& ast, const Env& env, const CheckOptions& options) {
  if (!ast.root) {
    return {};
  }
  return Checker(ast, env, options).Run();
}

}  // namespace agw::validate::cel
