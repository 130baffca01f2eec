// A recursive-descent parser for the CEL grammar (cel-spec doc/langdef.md; cel-go
// parser/gen/CEL.g4), producing the AST cel-go's visitor (parser/parser.go) builds from the
// ANTLR parse tree, macros expanded as parser/macro.go (and, when enabled, cel-go's
// ext/comprehensions.go) does.

#include "validate/cel/parser.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "validate/cel/lexer.h"

namespace agw::validate::cel {
namespace {

// Not legal as identifiers (cel-go parser.go reservedIds; `in`, `true`, `false` and `null` are
// tokens of their own). They stay legal as field names: `a.as`, `Msg{if: 1}`.
const std::set<std::string, std::less<>> kReservedIds = {
    "as",  "break", "const",   "continue",  "else",   "for", "function", "if",   "import",
    "let", "loop",  "package", "namespace", "return", "var", "void",     "while"};

// The grammar rules whose nesting the ANTLR parse listener counts (cel-go recursionListener):
// `expr` bounds every rule that is not left-recursive; relation, calc and member are
// left-recursive and also grow with each operator or suffix of a chain.
enum Rule { kRuleExpr, kRuleRelation, kRuleCalc, kRuleMember, kRuleCount };

struct Macro {
  std::string_view name;
  bool receiver;
  int min_args;
  int max_args;
  // cel-go ext.TwoVarComprehensions: the first two arguments name the iteration variables.
  bool two_var = false;
};

// cel-go parser.AllMacros (cel.StandardMacros), which cel.NewEnv() installs, then the macros of
// ext.TwoVarComprehensions, which ParseOptions::enable_two_var_comprehensions adds. cel-go keys
// macros by name, argument count and receiver, so `l.all(i, v, p)` is a plain call without them.
constexpr std::array<Macro, 14> kMacros = {{
    {"has", false, 1, 1},
    {"all", true, 2, 2},
    {"exists", true, 2, 2},
    {"exists_one", true, 2, 2},
    {"existsOne", true, 2, 2},
    {"map", true, 2, 3},
    {"filter", true, 2, 2},
    {"all", true, 3, 3, true},
    {"exists", true, 3, 3, true},
    {"existsOne", true, 3, 3, true},
    {"exists_one", true, 3, 3, true},
    {"transformList", true, 3, 4, true},
    {"transformMap", true, 3, 4, true},
    {"transformMapEntry", true, 3, 4, true},
}};

class Parser {
 public:
  Parser(std::string_view source, std::vector<Token> tokens, const ParseOptions& options)
      : source_(source), tokens_(std::move(tokens)), options_(options) {}

  ExprPtr Run() {
    ExprPtr expr = ParseExpr();
    if (!expr) {
      return nullptr;
    }
    if (Peek().kind != TokenKind::kEof) {
      return Mismatch("<EOF>");
    }
    return expr;
  }

  const ParseError& error() const { return error_; }

 private:
  // Counts one entry into a rule (or one more link of a left-recursive chain) until the scope
  // ends. `ok()` is false once the count passes the limit; the error is then set.
  class RuleScope {
   public:
    RuleScope(Parser& parser, Rule rule) : parser_(parser), rule_(rule) { ok_ = Push(); }
    ~RuleScope() { parser_.rule_depth_[rule_] -= count_; }
    RuleScope(const RuleScope&) = delete;
    RuleScope& operator=(const RuleScope&) = delete;
    bool ok() const { return ok_; }
    bool Push() {
      ++count_;
      if (++parser_.rule_depth_[rule_] > parser_.options_.max_recursion_depth) {
        parser_.Fail(parser_.Peek().offset,
                     "expression recursion limit exceeded: " +
                         std::to_string(parser_.options_.max_recursion_depth));
        return false;
      }
      return true;
    }

   private:
    Parser& parser_;
    Rule rule_;
    int count_ = 0;
    bool ok_ = true;
  };

  // --- tokens and errors ---

  const Token& Peek(std::size_t ahead = 0) const {
    std::size_t index = pos_ + ahead;
    return index < tokens_.size() ? tokens_[index] : tokens_.back();
  }
  bool At(TokenKind kind) const { return Peek().kind == kind; }
  const Token& Advance() {
    const Token& token = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) {
      ++pos_;
    }
    return token;
  }
  std::string_view Text(const Token& token) const {
    return source_.substr(token.offset, token.length);
  }

  std::nullptr_t Fail(std::size_t offset, std::string message) {
    if (!failed_) {
      failed_ = true;
      error_.message = std::move(message);
      error_.offset = offset;
    }
    return nullptr;
  }
  // ANTLR's "mismatched input" for the current token.
  std::nullptr_t Mismatch(std::string_view expecting) {
    const Token& token = Peek();
    std::string input =
        token.kind == TokenKind::kEof ? "<EOF>" : "'" + std::string(Text(token)) + "'";
    return Fail(token.offset,
                "Syntax error: mismatched input " + input + " expecting " + std::string(expecting));
  }
  bool Expect(TokenKind kind) {
    if (!At(kind)) {
      Mismatch(TokenKindName(kind));
      return false;
    }
    Advance();
    return true;
  }

  // --- nodes ---

  ExprPtr NewExpr(Expr::Kind kind, std::size_t offset) {
    auto expr = std::make_unique<Expr>();
    expr->kind = kind;
    expr->id = static_cast<std::int64_t>(heights_.size());
    expr->offset = offset;
    heights_.push_back(0);
    return expr;
  }
  ExprPtr NewIdent(std::size_t offset, std::string name) {
    ExprPtr expr = NewExpr(Expr::Kind::kIdent, offset);
    expr->name = std::move(name);
    return expr;
  }
  ExprPtr NewCall(std::size_t offset, std::string function, std::vector<ExprPtr> args,
                  ExprPtr target = nullptr) {
    ExprPtr expr = NewExpr(Expr::Kind::kCall, offset);
    expr->name = std::move(function);
    expr->function = FunctionOf(expr->name);
    expr->args = std::move(args);
    expr->target = std::move(target);
    if (expr->function == Function::kMatches && !expr->args.empty()) {
      const Expr& pattern = *expr->args.back();
      if (pattern.kind == Expr::Kind::kConstant &&
          pattern.constant.kind == Constant::Kind::kString) {
        RE2::Options options;
        options.set_log_errors(false);
        auto regex = std::make_shared<const RE2>(pattern.constant.string_value, options);
        // A pattern that does not compile is reported by each evaluation, as cel-go does.
        if (regex->ok()) {
          expr->regex = std::move(regex);
        }
      }
    }
    return expr;
  }
  template <typename... Args>
  ExprPtr NewCallOf(std::size_t offset, std::string function, Args... args) {
    std::vector<ExprPtr> list;
    (list.push_back(std::move(args)), ...);
    return NewCall(offset, std::move(function), std::move(list));
  }
  ExprPtr NewBool(std::size_t offset, bool value) {
    ExprPtr expr = NewExpr(Expr::Kind::kConstant, offset);
    expr->constant.kind = Constant::Kind::kBool;
    expr->constant.bool_value = value;
    return expr;
  }
  ExprPtr NewInt(std::size_t offset, std::int64_t value) {
    ExprPtr expr = NewExpr(Expr::Kind::kConstant, offset);
    expr->constant.kind = Constant::Kind::kInt;
    expr->constant.int_value = value;
    return expr;
  }
  ExprPtr NewList(std::size_t offset, std::vector<ExprPtr> elements) {
    ExprPtr expr = NewExpr(Expr::Kind::kList, offset);
    expr->args = std::move(elements);
    return expr;
  }

  // cel-go's visitor depth (checkAndIncrementRecursionDepth): the ternary, relation and
  // arithmetic operators, selections, member calls and indexes on one path of the tree.
  int Height(const Expr* expr) const {
    return expr == nullptr ? 0 : heights_[static_cast<std::size_t>(expr->id)];
  }
  int Height(const std::vector<ExprPtr>& exprs) const {
    int height = 0;
    for (const ExprPtr& expr : exprs) {
      height = std::max(height, Height(expr.get()));
    }
    return height;
  }
  void SetHeight(const Expr& expr, int height) {
    heights_[static_cast<std::size_t>(expr.id)] = height;
  }
  // For a node that counts: fails once the depth passes the limit.
  bool SetCountedHeight(const Expr& expr, int children) {
    SetHeight(expr, children + 1);
    if (children + 1 > options_.max_recursion_depth) {
      Fail(expr.offset, "max recursion depth exceeded");
      return false;
    }
    return true;
  }

  // --- grammar ---

  // expr: conditionalOr ('?' conditionalOr ':' expr)?
  ExprPtr ParseExpr() {
    RuleScope scope(*this, kRuleExpr);
    if (!scope.ok()) {
      return nullptr;
    }
    ExprPtr condition = ParseConditionalOr();
    if (!condition || !At(TokenKind::kQuestion)) {
      return condition;
    }
    std::size_t offset = Advance().offset;
    ExprPtr if_true = ParseConditionalOr();
    if (!if_true) {
      return nullptr;
    }
    if (!Expect(TokenKind::kColon)) {
      return nullptr;
    }
    ExprPtr if_false = ParseExpr();
    if (!if_false) {
      return nullptr;
    }
    int children =
        std::max({Height(condition.get()), Height(if_true.get()), Height(if_false.get())});
    ExprPtr call = NewCallOf(offset, op::kConditional, std::move(condition), std::move(if_true),
                             std::move(if_false));
    return SetCountedHeight(*call, children) ? std::move(call) : nullptr;
  }

  // conditionalOr: conditionalAnd ('||' conditionalAnd)*; conditionalAnd: relation ('&&'
  // relation)*. cel-go balances the chain into a tree (parser/helper.go balancer).
  ExprPtr ParseConditionalOr() { return ParseLogical(TokenKind::kOr, op::kLogicalOr); }
  ExprPtr ParseConditionalAnd() { return ParseLogical(TokenKind::kAnd, op::kLogicalAnd); }

  ExprPtr ParseLogical(TokenKind token, const char* function) {
    auto operand = [&]() {
      return token == TokenKind::kOr ? ParseConditionalAnd() : ParseRelation(0);
    };
    std::vector<ExprPtr> terms;
    std::vector<std::size_t> ops;
    ExprPtr first = operand();
    if (!first) {
      return nullptr;
    }
    terms.push_back(std::move(first));
    while (At(token)) {
      ops.push_back(Advance().offset);
      ExprPtr next = operand();
      if (!next) {
        return nullptr;
      }
      terms.push_back(std::move(next));
    }
    if (ops.empty()) {
      return std::move(terms[0]);
    }
    return Balance(terms, ops, function, 0, ops.size() - 1);
  }

  ExprPtr Balance(std::vector<ExprPtr>& terms, const std::vector<std::size_t>& ops,
                  const char* function, std::size_t lo, std::size_t hi) {
    std::size_t mid = (lo + hi + 1) / 2;
    ExprPtr left = mid == lo ? std::move(terms[mid]) : Balance(terms, ops, function, lo, mid - 1);
    ExprPtr right =
        mid == hi ? std::move(terms[mid + 1]) : Balance(terms, ops, function, mid + 1, hi);
    int height = std::max(Height(left.get()), Height(right.get()));
    ExprPtr call = NewCallOf(ops[mid], function, std::move(left), std::move(right));
    SetHeight(*call, height);
    return call;
  }

  // relation: calc | relation op relation, with ANTLR's precedence climbing: the right operand
  // is relation(2), so a chain associates to the left.
  ExprPtr ParseRelation(int precedence) {
    RuleScope scope(*this, kRuleRelation);
    if (!scope.ok()) {
      return nullptr;
    }
    ExprPtr left = ParseCalc(0);
    if (!left) {
      return nullptr;
    }
    while (precedence <= 1) {
      const char* function = nullptr;
      switch (Peek().kind) {
        case TokenKind::kLt:
          function = op::kLess;
          break;
        case TokenKind::kLe:
          function = op::kLessEquals;
          break;
        case TokenKind::kGe:
          function = op::kGreaterEquals;
          break;
        case TokenKind::kGt:
          function = op::kGreater;
          break;
        case TokenKind::kEq:
          function = op::kEquals;
          break;
        case TokenKind::kNe:
          function = op::kNotEquals;
          break;
        case TokenKind::kIn:
          function = op::kIn;
          break;
        default:
          break;
      }
      if (function == nullptr) {
        break;
      }
      if (!scope.Push()) {
        return nullptr;
      }
      std::size_t offset = Advance().offset;
      ExprPtr right = ParseRelation(2);
      if (!right) {
        return nullptr;
      }
      int children = std::max(Height(left.get()), Height(right.get()));
      left = NewCallOf(offset, function, std::move(left), std::move(right));
      if (!SetCountedHeight(*left, children)) {
        return nullptr;
      }
    }
    return left;
  }

  // calc: unary | calc ('*'|'/'|'%') calc | calc ('+'|'-') calc. Multiplicative operators
  // have precedence 2 (right operand calc(3)), additive ones 1 (right operand calc(2)).
  ExprPtr ParseCalc(int precedence) {
    RuleScope scope(*this, kRuleCalc);
    if (!scope.ok()) {
      return nullptr;
    }
    ExprPtr left = ParseUnary();
    if (!left) {
      return nullptr;
    }
    while (true) {
      const char* function = nullptr;
      int level = 0;
      switch (Peek().kind) {
        case TokenKind::kStar:
          function = op::kMultiply;
          level = 2;
          break;
        case TokenKind::kSlash:
          function = op::kDivide;
          level = 2;
          break;
        case TokenKind::kPercent:
          function = op::kModulo;
          level = 2;
          break;
        case TokenKind::kPlus:
          function = op::kAdd;
          level = 1;
          break;
        case TokenKind::kMinus:
          function = op::kSubtract;
          level = 1;
          break;
        default:
          break;
      }
      if (function == nullptr || level < precedence) {
        break;
      }
      if (!scope.Push()) {
        return nullptr;
      }
      std::size_t offset = Advance().offset;
      ExprPtr right = ParseCalc(level + 1);
      if (!right) {
        return nullptr;
      }
      int children = std::max(Height(left.get()), Height(right.get()));
      left = NewCallOf(offset, function, std::move(left), std::move(right));
      if (!SetCountedHeight(*left, children)) {
        return nullptr;
      }
    }
    return left;
  }

  // unary: member | '!'+ member | '-'+ member. A single '-' before a number is the sign of a
  // literal (member -> primary -> literal), which ANTLR prefers as the first alternative.
  // An even number of '!' or '-' cancels out, as in cel-go.
  ExprPtr ParseUnary() {
    TokenKind kind = Peek().kind;
    if (kind != TokenKind::kBang && kind != TokenKind::kMinus) {
      return ParseMember();
    }
    if (kind == TokenKind::kMinus &&
        (Peek(1).kind == TokenKind::kInt || Peek(1).kind == TokenKind::kFloat)) {
      return ParseMember();
    }
    std::size_t offset = Peek().offset;
    int count = 0;
    while (At(kind)) {
      Advance();
      ++count;
    }
    ExprPtr operand = ParseMember();
    if (!operand || count % 2 == 0) {
      return operand;
    }
    int height = Height(operand.get());
    ExprPtr call = NewCallOf(offset, kind == TokenKind::kBang ? op::kLogicalNot : op::kNegate,
                             std::move(operand));
    SetHeight(*call, height);
    return call;
  }

  // member: primary | member '.' IDENT | member '.' IDENT '(' exprList? ')' |
  //         member '[' expr ']'
  ExprPtr ParseMember() {
    RuleScope scope(*this, kRuleMember);
    if (!scope.ok()) {
      return nullptr;
    }
    ExprPtr expr = ParsePrimary();
    while (expr && (At(TokenKind::kDot) || At(TokenKind::kLBracket))) {
      if (!scope.Push()) {
        return nullptr;
      }
      const Token& op_token = Advance();
      std::size_t offset = op_token.offset;
      if (op_token.kind == TokenKind::kLBracket) {
        bool optional = At(TokenKind::kQuestion);
        if (optional && !options_.enable_optional_syntax) {
          return Fail(offset, "unsupported syntax '[?'");
        }
        if (optional) {
          Advance();
        }
        ExprPtr index = ParseExpr();
        if (!index || !Expect(TokenKind::kRBracket)) {
          return nullptr;
        }
        int children = std::max(Height(expr.get()), Height(index.get()));
        expr = NewCallOf(offset, optional ? op::kOptionalIndex : op::kIndex, std::move(expr),
                         std::move(index));
        if (!SetCountedHeight(*expr, children)) {
          return nullptr;
        }
        continue;
      }
      bool optional = At(TokenKind::kQuestion);
      if (optional && !options_.enable_optional_syntax) {
        return Fail(offset, "unsupported syntax '.?'");
      }
      if (optional) {
        Advance();
      }
      std::optional<std::string> field = ParseFieldName();
      if (!field) {
        return nullptr;
      }
      if (optional) {
        ExprPtr name = NewExpr(Expr::Kind::kConstant, offset);
        name->constant.kind = Constant::Kind::kString;
        name->constant.string_value = std::move(*field);
        int children = Height(expr.get());
        expr = NewCallOf(offset, op::kOptionalSelect, std::move(expr), std::move(name));
        if (!SetCountedHeight(*expr, children)) {
          return nullptr;
        }
        continue;
      }
      bool quoted = tokens_[pos_ - 1].kind == TokenKind::kEscapedIdent;
      std::string name = std::move(*field);
      if (!quoted && At(TokenKind::kLParen)) {
        std::size_t call_offset = Advance().offset;
        std::vector<ExprPtr> args;
        if (!ParseExprList(args)) {
          return nullptr;
        }
        int children = std::max(Height(expr.get()), Height(args));
        expr = CallOrMacro(call_offset, std::move(name), std::move(expr), std::move(args));
        if (!expr || !SetCountedHeight(*expr, children)) {
          return nullptr;
        }
        continue;
      }
      int children = Height(expr.get());
      ExprPtr select = NewExpr(Expr::Kind::kSelect, offset);
      select->name = std::move(name);
      select->target = std::move(expr);
      expr = std::move(select);
      if (!SetCountedHeight(*expr, children)) {
        return nullptr;
      }
    }
    return expr;
  }

  // escapeIdent: IDENT, or a backquoted name when enabled (the backquotes dropped).
  std::optional<std::string> ParseFieldName() {
    if (At(TokenKind::kEscapedIdent)) {
      if (!options_.enable_quoted_identifiers) {
        Fail(Peek().offset, "unsupported syntax: '`'");
        return std::nullopt;
      }
      std::string_view text = Text(Advance());
      return std::string(text.substr(1, text.size() - 2));
    }
    if (!At(TokenKind::kIdent)) {
      Mismatch("IDENTIFIER");
      return std::nullopt;
    }
    return std::string(Text(Advance()));
  }

  // exprList? ')' after a '(' : arguments without a trailing comma.
  bool ParseExprList(std::vector<ExprPtr>& args) {
    if (At(TokenKind::kRParen)) {
      Advance();
      return true;
    }
    while (true) {
      ExprPtr arg = ParseExpr();
      if (!arg) {
        return false;
      }
      args.push_back(std::move(arg));
      if (At(TokenKind::kComma)) {
        Advance();
        continue;
      }
      return Expect(TokenKind::kRParen);
    }
  }

  // primary: '.'? IDENT ('(' exprList? ')')? | '(' expr ')' | '[' listInit? ','? ']' |
  //          '{' mapInitializerList? ','? '}' | '.'? IDENT ('.' IDENT)* '{' fields? ','? '}' |
  //          literal
  ExprPtr ParsePrimary() {
    const Token& token = Peek();
    switch (token.kind) {
      case TokenKind::kDot:
      case TokenKind::kIdent:
        return ParseIdentOrMessage();
      case TokenKind::kLParen: {
        Advance();
        ExprPtr inner = ParseExpr();
        if (!inner || !Expect(TokenKind::kRParen)) {
          return nullptr;
        }
        return inner;
      }
      case TokenKind::kLBracket:
        return ParseList();
      case TokenKind::kLBrace:
        return ParseMap();
      case TokenKind::kMinus:
        if (Peek(1).kind == TokenKind::kInt || Peek(1).kind == TokenKind::kFloat) {
          std::size_t offset = Advance().offset;
          return ParseNumber(offset, true);
        }
        break;
      case TokenKind::kInt:
      case TokenKind::kUint:
      case TokenKind::kFloat:
        return ParseNumber(token.offset, false);
      case TokenKind::kString:
      case TokenKind::kBytes: {
        Advance();
        if (token.bad_escape) {
          return Fail(token.offset, "unable to unescape string");
        }
        ExprPtr expr = NewExpr(Expr::Kind::kConstant, token.offset);
        expr->constant.kind =
            token.kind == TokenKind::kString ? Constant::Kind::kString : Constant::Kind::kBytes;
        expr->constant.string_value = token.value;
        return expr;
      }
      case TokenKind::kTrue:
      case TokenKind::kFalse:
        Advance();
        return NewBool(token.offset, token.kind == TokenKind::kTrue);
      case TokenKind::kNull:
        Advance();
        return NewExpr(Expr::Kind::kConstant, token.offset);
      default:
        break;
    }
    if (token.kind == TokenKind::kEof) {
      return Fail(token.offset, "Syntax error: mismatched input <EOF> expecting an expression");
    }
    return Fail(token.offset, "Syntax error: extraneous input '" + std::string(Text(token)) + "'");
  }

  ExprPtr ParseIdentOrMessage() {
    bool leading_dot = At(TokenKind::kDot);
    // A qualified name directly followed by '{' is a message construction.
    std::size_t i = leading_dot ? 1 : 0;
    if (Peek(i).kind == TokenKind::kIdent) {
      ++i;
      while (Peek(i).kind == TokenKind::kDot && Peek(i + 1).kind == TokenKind::kIdent) {
        i += 2;
      }
      if (Peek(i).kind == TokenKind::kLBrace) {
        return ParseMessage(leading_dot);
      }
    }
    if (leading_dot) {
      Advance();
    }
    if (At(TokenKind::kEscapedIdent)) {
      return Fail(Peek().offset, "unsupported syntax: '`'");
    }
    if (!At(TokenKind::kIdent)) {
      return Mismatch("IDENTIFIER");
    }
    const Token& id = Advance();
    std::string name(Text(id));
    if (kReservedIds.count(name) != 0) {
      return Fail(id.offset, "reserved identifier: " + name);
    }
    if (leading_dot) {
      name = "." + name;
    }
    if (!At(TokenKind::kLParen)) {
      return NewIdent(id.offset, std::move(name));
    }
    std::size_t offset = Advance().offset;
    std::vector<ExprPtr> args;
    if (!ParseExprList(args)) {
      return nullptr;
    }
    int height = Height(args);
    ExprPtr call = CallOrMacro(offset, std::move(name), nullptr, std::move(args));
    if (call) {
      SetHeight(*call, std::max(Height(call.get()), height));
    }
    return call;
  }

  ExprPtr ParseMessage(bool leading_dot) {
    std::string name = leading_dot ? "." : "";
    if (leading_dot) {
      Advance();
    }
    name += Text(Advance());
    while (At(TokenKind::kDot)) {
      Advance();
      name += ".";
      name += Text(Advance());
    }
    std::size_t offset = Advance().offset;  // '{'
    ExprPtr message = NewExpr(Expr::Kind::kStruct, offset);
    message->name = std::move(name);
    int height = 0;
    bool ok = ParseEntries(TokenKind::kRBrace, [&]() -> bool {
      if (At(TokenKind::kQuestion)) {
        Fail(Peek().offset, "unsupported syntax '?'");
        return false;
      }
      std::optional<std::string> field = ParseFieldName();
      if (!field) {
        return false;
      }
      Entry entry;
      entry.field = std::move(*field);
      if (!At(TokenKind::kColon)) {
        Mismatch("':'");
        return false;
      }
      entry.offset = Advance().offset;
      entry.id = NewId();
      entry.value = ParseExpr();
      if (!entry.value) {
        return false;
      }
      height = std::max(height, Height(entry.value.get()));
      message->entries.push_back(std::move(entry));
      return true;
    });
    if (!ok) {
      return nullptr;
    }
    SetHeight(*message, height);
    return message;
  }

  ExprPtr ParseList() {
    std::size_t offset = Advance().offset;  // '['
    std::vector<ExprPtr> elements;
    bool ok = ParseEntries(TokenKind::kRBracket, [&]() -> bool {
      if (At(TokenKind::kQuestion)) {
        Fail(Peek().offset, "unsupported syntax '?'");
        return false;
      }
      ExprPtr element = ParseExpr();
      if (!element) {
        return false;
      }
      elements.push_back(std::move(element));
      return true;
    });
    if (!ok) {
      return nullptr;
    }
    int height = Height(elements);
    ExprPtr list = NewList(offset, std::move(elements));
    SetHeight(*list, height);
    return list;
  }

  ExprPtr ParseMap() {
    std::size_t offset = Advance().offset;  // '{'
    ExprPtr map = NewExpr(Expr::Kind::kMap, offset);
    int height = 0;
    bool ok = ParseEntries(TokenKind::kRBrace, [&]() -> bool {
      if (At(TokenKind::kQuestion)) {
        Fail(Peek().offset, "unsupported syntax '?'");
        return false;
      }
      Entry entry;
      entry.key = ParseExpr();
      if (!entry.key) {
        return false;
      }
      if (!At(TokenKind::kColon)) {
        Mismatch("':'");
        return false;
      }
      entry.offset = Advance().offset;
      entry.id = NewId();
      entry.value = ParseExpr();
      if (!entry.value) {
        return false;
      }
      height = std::max({height, Height(entry.key.get()), Height(entry.value.get())});
      map->entries.push_back(std::move(entry));
      return true;
    });
    if (!ok) {
      return nullptr;
    }
    SetHeight(*map, height);
    return map;
  }

  // `item (',' item)* ','? close`, or just `','? close`, after the opening bracket.
  template <typename ParseItem>
  bool ParseEntries(TokenKind close, ParseItem parse_item) {
    if (At(TokenKind::kComma) && Peek(1).kind == close) {
      Advance();
    }
    while (!At(close)) {
      if (!parse_item()) {
        return false;
      }
      if (!At(TokenKind::kComma)) {
        break;
      }
      Advance();
    }
    return Expect(close);
  }

  std::int64_t NewId() {
    heights_.push_back(0);
    return static_cast<std::int64_t>(heights_.size() - 1);
  }

  // literal: '-'? NUM_INT | NUM_UINT | '-'? NUM_FLOAT. `offset` is where the literal starts
  // (its sign, if any); the number token is current.
  ExprPtr ParseNumber(std::size_t offset, bool negative) {
    const Token& token = Advance();
    std::string_view text = Text(token);
    ExprPtr expr = NewExpr(Expr::Kind::kConstant, offset);
    if (token.kind == TokenKind::kFloat) {
      std::string literal = (negative ? "-" : "") + std::string(text);
      double value = std::strtod(literal.c_str(), nullptr);
      // Go's strconv.ParseFloat fails on overflow, not on underflow.
      if (std::isinf(value)) {
        return Fail(offset, "invalid double literal");
      }
      expr->constant.kind = Constant::Kind::kDouble;
      expr->constant.double_value = value;
      return expr;
    }
    bool is_uint = token.kind == TokenKind::kUint;
    if (is_uint) {
      text.remove_suffix(1);
    }
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && text[1] == 'x') {
      base = 16;
      text.remove_prefix(2);
    }
    std::uint64_t magnitude = 0;
    bool overflow = false;
    for (char c : text) {
      std::uint64_t digit = static_cast<std::uint64_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
      if (magnitude > (UINT64_MAX - digit) / static_cast<std::uint64_t>(base)) {
        overflow = true;
        break;
      }
      magnitude = magnitude * static_cast<std::uint64_t>(base) + digit;
    }
    if (is_uint) {
      if (overflow) {
        return Fail(offset, "invalid uint literal");
      }
      expr->constant.kind = Constant::Kind::kUint;
      expr->constant.uint_value = magnitude;
      return expr;
    }
    constexpr std::uint64_t kMaxMagnitude = static_cast<std::uint64_t>(INT64_MAX);
    if (overflow || magnitude > kMaxMagnitude + (negative ? 1 : 0)) {
      return Fail(offset, "invalid int literal");
    }
    expr->constant.kind = Constant::Kind::kInt;
    expr->constant.int_value =
        negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
    return expr;
  }

  // --- macros (cel-go parser/macro.go) ---

  const Macro* FindMacro(std::string_view name, bool receiver, std::size_t args) const {
    for (const Macro& macro : kMacros) {
      if (macro.two_var && !options_.enable_two_var_comprehensions) {
        continue;
      }
      if (macro.name == name && macro.receiver == receiver &&
          static_cast<int>(args) >= macro.min_args && static_cast<int>(args) <= macro.max_args) {
        return &macro;
      }
    }
    return nullptr;
  }

  ExprPtr CallOrMacro(std::size_t offset, std::string function, ExprPtr target,
                      std::vector<ExprPtr> args) {
    const Macro* macro = FindMacro(function, target != nullptr, args.size());
    if (macro == nullptr) {
      return NewCall(offset, std::move(function), std::move(args), std::move(target));
    }
    if (macro->name == "has") {
      // has(m.f): a presence test on the selection.
      ExprPtr& arg = args[0];
      if (arg->kind != Expr::Kind::kSelect) {
        return Fail(arg->offset, "invalid argument to has() macro");
      }
      int height = Height(arg.get());
      ExprPtr test = NewExpr(Expr::Kind::kSelect, offset);
      test->name = std::move(arg->name);
      test->target = std::move(arg->target);
      test->test_only = true;
      SetHeight(*test, height);
      return test;
    }
    auto comprehension = std::make_unique<Comprehension>();
    if (macro->two_var ? !TwoIterVars(args, *comprehension)
                       : !OneIterVar(macro->name, args, *comprehension)) {
      return nullptr;
    }
    comprehension->iter_range = std::move(target);
    comprehension->accu_var = kAccumulatorName;
    std::size_t vars = macro->two_var ? 2 : 1;
    if (!ExpandMacro(offset, macro->name, std::move(args), vars, *comprehension)) {
      return nullptr;
    }
    ExprPtr expr = NewExpr(Expr::Kind::kComprehension, offset);
    expr->comprehension = std::move(comprehension);
    return expr;
  }

  // cel-go rejects both its hidden accumulator name and the traditional `__result__`.
  static bool IsAccumulatorName(const std::string& name) {
    return name == kAccumulatorName || name == "__result__";
  }

  // The variable of all, exists, exists_one/existsOne, map and filter (cel-go parser/macro.go).
  bool OneIterVar(std::string_view macro, const std::vector<ExprPtr>& args,
                  Comprehension& comprehension) {
    if (args[0]->kind != Expr::Kind::kIdent) {
      Fail(args[0]->offset, macro == "map" || macro == "filter" ? "argument is not an identifier"
                                                                : "argument must be a simple name");
      return false;
    }
    if (IsAccumulatorName(args[0]->name)) {
      Fail(args[0]->offset, "iteration variable overwrites accumulator variable");
      return false;
    }
    comprehension.iter_var = args[0]->name;
    return true;
  }

  // The two variables of a two-variable macro, checked in cel-go's order (ext/comprehensions.go
  // extractIterVars): each a simple name, then distinct, then neither the accumulator.
  bool TwoIterVars(const std::vector<ExprPtr>& args, Comprehension& comprehension) {
    for (std::size_t i = 0; i < 2; ++i) {
      if (args[i]->kind != Expr::Kind::kIdent) {
        Fail(args[i]->offset, "argument must be a simple name");
        return false;
      }
    }
    const std::string& first = args[0]->name;
    const std::string& second = args[1]->name;
    if (first == second) {
      Fail(args[1]->offset, "duplicate variable name: " + first);
      return false;
    }
    for (std::size_t i = 0; i < 2; ++i) {
      if (IsAccumulatorName(args[i]->name)) {
        Fail(args[i]->offset, "iteration variable overwrites accumulator variable");
        return false;
      }
    }
    comprehension.iter_var = first;
    comprehension.iter_var2 = second;
    return true;
  }

  // Fills in the accumulator, loop condition, step and result of `macro`, whose arguments after
  // the `vars` iteration variables are the predicate, or the optional filter and the transform.
  bool ExpandMacro(std::size_t offset, std::string_view macro, std::vector<ExprPtr> args,
                   std::size_t vars, Comprehension& comprehension) {
    auto accu = [&]() { return NewIdent(offset, kAccumulatorName); };
    if (macro == "all" || macro == "exists") {
      bool all = macro == "all";
      comprehension.accu_init = NewBool(offset, all);
      comprehension.loop_condition = NewCallOf(
          offset, op::kNotStrictlyFalse, all ? accu() : NewCallOf(offset, op::kLogicalNot, accu()));
      comprehension.loop_step =
          NewCallOf(offset, all ? op::kLogicalAnd : op::kLogicalOr, accu(), std::move(args[vars]));
      comprehension.result = accu();
      return true;
    }
    if (macro == "exists_one" || macro == "existsOne") {
      comprehension.accu_init = NewInt(offset, 0);
      comprehension.loop_condition = NewBool(offset, true);
      comprehension.loop_step =
          NewCallOf(offset, op::kConditional, std::move(args[vars]),
                    NewCallOf(offset, op::kAdd, accu(), NewInt(offset, 1)), accu());
      comprehension.result = NewCallOf(offset, op::kEquals, accu(), NewInt(offset, 1));
      return true;
    }
    // map, filter, transformList, transformMap, transformMapEntry: an optional filter before
    // the transform, except that filter keeps the element itself.
    ExprPtr filter;
    ExprPtr transform;
    if (macro == "filter") {
      filter = std::move(args[1]);
      transform = std::move(args[0]);
    } else if (args.size() == vars + 2) {
      filter = std::move(args[vars]);
      transform = std::move(args[vars + 1]);
    } else {
      transform = std::move(args[vars]);
    }
    ExprPtr step;
    if (macro == "transformMap") {
      // cel.@mapInsert(@result, key, transform): the key is the first variable.
      step = NewCallOf(offset, kMapInsert, accu(), NewIdent(offset, comprehension.iter_var),
                       std::move(transform));
      comprehension.accu_init = NewExpr(Expr::Kind::kMap, offset);
    } else if (macro == "transformMapEntry") {
      step = NewCallOf(offset, kMapInsert, accu(), std::move(transform));
      comprehension.accu_init = NewExpr(Expr::Kind::kMap, offset);
    } else {
      std::vector<ExprPtr> single;
      single.push_back(std::move(transform));
      step = NewCallOf(offset, op::kAdd, accu(), NewList(offset, std::move(single)));
      comprehension.accu_init = NewList(offset, {});
    }
    if (filter) {
      step = NewCallOf(offset, op::kConditional, std::move(filter), std::move(step), accu());
    }
    comprehension.loop_condition = NewBool(offset, true);
    comprehension.loop_step = std::move(step);
    comprehension.result = accu();
    return true;
  }

  std::string_view source_;
  std::vector<Token> tokens_;
  const ParseOptions& options_;
  std::size_t pos_ = 0;
  std::array<int, kRuleCount> rule_depth_{};
  // Indexed by node id (ids start at 1; slot 0 is unused).
  std::vector<int> heights_ = {0};
  bool failed_ = false;
  ParseError error_;
};

std::size_t CountCodePoints(std::string_view text) {
  std::size_t count = 0;
  for (char c : text) {
    count += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  }
  return count;
}

ParseError ErrorAt(std::string_view source, std::size_t offset, std::string message) {
  ParseError error;
  error.message = std::move(message);
  error.offset = std::min(offset, source.size());
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < error.offset; ++i) {
    if (source[i] == '\n') {
      ++error.line;
      line_start = i + 1;
    }
  }
  error.column =
      static_cast<int>(CountCodePoints(source.substr(line_start, error.offset - line_start))) + 1;
  return error;
}

}  // namespace

std::string ParseError::ToString() const {
  return std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

tl::expected<Ast, ParseError> Parse(std::string_view source, const ParseOptions& options) {
  std::size_t code_points = CountCodePoints(source);
  if (code_points > options.max_code_points) {
    return tl::unexpected(
        ErrorAt(source, 0,
                "expression code point size exceeds limit: size: " + std::to_string(code_points) +
                    ", limit " + std::to_string(options.max_code_points)));
  }
  tl::expected<std::vector<Token>, LexError> tokens = Lex(source);
  if (!tokens) {
    return tl::unexpected(ErrorAt(source, tokens.error().offset, tokens.error().message));
  }
  Parser parser(source, std::move(*tokens), options);
  ExprPtr root = parser.Run();
  if (!root) {
    return tl::unexpected(ErrorAt(source, parser.error().offset, parser.error().message));
  }
  Ast ast;
  ast.root = std::move(root);
  ast.source = std::string(source);
  return ast;
}

}  // namespace agw::validate::cel
