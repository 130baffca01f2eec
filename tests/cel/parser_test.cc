// The CEL parser against what cel-go's `cel.NewEnv().Parse` accepts and builds: each construct
// of the grammar, the macros, the errors (with where they point), the recursion limits, and
// the CEL conformance corpus as a parse corpus.

#include "validate/cel/parser.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "tests/support/paths.h"
#include "validate/cel/lexer.h"

namespace agw::validate::cel {
namespace {

// The debug rendering of what `source` parses to, or "ERROR <line>:<column>: <message>".
std::string P(std::string_view source) {
  tl::expected<Ast, ParseError> ast = Parse(source);
  if (!ast) {
    return "ERROR " + ast.error().ToString();
  }
  return ToDebugString(*ast->root);
}

bool Parses(std::string_view source) { return Parse(source).has_value(); }

std::string Repeat(std::string_view text, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) {
    out += text;
  }
  return out;
}

TEST_CASE("Integer, unsigned and double literals parse to their values") {
  CHECK(P("0") == "0");
  CHECK(P("42") == "42");
  CHECK(P("42u") == "42u");
  CHECK(P("0U") == "0u");
  CHECK(P("0x1F") == "31");
  CHECK(P("0x1fU") == "31u");
  CHECK(P("-7") == "-7");
  CHECK(P("- 7") == "-7");
  CHECK(P("-0x10") == "-16");
  CHECK(P("9223372036854775807") == "9223372036854775807");
  CHECK(P("-9223372036854775808") == "-9223372036854775808");
  CHECK(P("18446744073709551615u") == "18446744073709551615u");
  CHECK(P("1.5") == "1.5");
  CHECK(P("-2.5") == "-2.5");
  CHECK(P("1e3") == "1000.0");
  CHECK(P("1E-2") == "0.01");
  CHECK(P(".5") == "0.5");
  CHECK(P("2.0e+1") == "20.0");
  CHECK(P("1e-400") == "0.0");  // underflow rounds, as Go's strconv.ParseFloat does
}

TEST_CASE("Out-of-range number literals are parse errors") {
  CHECK(P("9223372036854775808") == "ERROR 1:1: invalid int literal");
  CHECK(P("-9223372036854775809") == "ERROR 1:1: invalid int literal");
  CHECK(P("18446744073709551616u") == "ERROR 1:1: invalid uint literal");
  CHECK(P("1e999") == "ERROR 1:1: invalid double literal");
  CHECK(P("x + 99999999999999999999") == "ERROR 1:5: invalid int literal");
}

TEST_CASE("Numbers are lexed longest-match, as the ANTLR lexer does") {
  CHECK(P("1.e5") == "1.e5");  // 1 . e5: a field selection on an int
  CHECK(P("1.5.e") == "1.5.e");
  CHECK_FALSE(Parses("1e"));    // 1 then the identifier e
  CHECK_FALSE(Parses("1.5u"));  // 1.5 then the identifier u
  CHECK_FALSE(Parses("0X1F"));  // hex needs a lower-case x
  CHECK_FALSE(Parses("a.0"));   // a then the double .0
  CHECK(P("-1u") == "-_(1u)");  // no signed uint literal: a negation
}

TEST_CASE("String literals decode quotes, raw strings, triple quotes and escapes") {
  CHECK(P("'a'") == "\"a\"");
  CHECK(P("\"a'b\"") == "\"a'b\"");
  CHECK(P("''") == "\"\"");
  CHECK(P("r'\\n'") == "\"\\\\n\"");
  CHECK(P("R\"\\d+\"") == "\"\\\\d+\"");
  CHECK(P("'''a\nb'''") == "\"a\\nb\"");
  CHECK(P("\"\"\"say \"hi\" \"\"\"") == "\"say \\\"hi\\\" \"");
  CHECK(P("\"\"\"a\r\nb\"\"\"") == "\"a\\nb\"");  // newlines normalized
  CHECK(P("r'''\\x'''") == "\"\\\\x\"");
  CHECK(P("'\\a\\b\\f\\n\\r\\t\\v\\\\\\'\\\"\\?\\`'") ==
        "\"\\x07\\x08\\x0c\\n\\r\\t\\x0b\\\\'\\\"?`\"");
  CHECK(P("'\\x41\\X42\\103'") == "\"ABC\"");
  CHECK(P("'\\u00e9'") == "\"\xc3\xa9\"");
  CHECK(P("'\\U0001F600'") == "\"\xf0\x9f\x98\x80\"");
  CHECK(P("'\\xff'") == "\"\xc3\xbf\"");        // in strings \x is a code point
  CHECK(P("'\\ud800'") == "\"\xef\xbf\xbd\"");  // a surrogate becomes U+FFFD
  CHECK(P("'\xe2\x82\xac'") == "\"\xe2\x82\xac\"");
}

TEST_CASE("Bytes literals keep \\x and octal escapes as bytes") {
  CHECK(P("b'abc'") == "b\"abc\"");
  CHECK(P("B\"\\xff\\000\"") == "b\"\\xff\\x00\"");
  CHECK(P("b'\\u00ff'") == "b\"\\xc3\\xbf\"");
  CHECK(P("br'\\x'") == "b\"\\\\x\"");
  CHECK(P("b''''''") == "b\"\"");
}

TEST_CASE("Bad string literals are errors") {
  CHECK(P("'\\q'") == "ERROR 1:1: Syntax error: token recognition error at: '''");
  CHECK(P("x + 'abc") == "ERROR 1:5: Syntax error: token recognition error at: '''");
  CHECK_FALSE(Parses("'a\nb'"));
  CHECK_FALSE(Parses("'\\400'"));  // octal escapes start with 0-3
  CHECK_FALSE(Parses("'\\x4'"));
  CHECK_FALSE(Parses("'\\u12'"));
  CHECK_FALSE(Parses("'''abc"));
  CHECK_FALSE(Parses("\"\"\"a\"\"\"\""));  // a triple-quoted string, then an open quote
  CHECK(P("'\\U00110000'") == "ERROR 1:1: unable to unescape string");
  CHECK_FALSE(Parses("rb'x'"));  // r then b: the identifier rb and a string
}

TEST_CASE("true, false and null are literals") {
  CHECK(P("true") == "true");
  CHECK(P("false") == "false");
  CHECK(P("null") == "null");
}

TEST_CASE("Arithmetic binds tighter than relations, relations than && and ||") {
  CHECK(P("1 + 2 * 3") == "_+_(1, _*_(2, 3))");
  CHECK(P("(1 + 2) * 3") == "_*_(_+_(1, 2), 3)");
  CHECK(P("10 - 3 - 2") == "_-_(_-_(10, 3), 2)");
  CHECK(P("a / b % c") == "_%_(_/_(a, b), c)");
  CHECK(P("a - -1") == "_-_(a, -1)");
  CHECK(P("a < b == c") == "_==_(_<_(a, b), c)");
  CHECK(P("a <= b") == "_<=_(a, b)");
  CHECK(P("a >= b != c > d") == "_>_(_!=_(_>=_(a, b), c), d)");
  CHECK(P("a in [1, 2]") == "@in(a, [1, 2])");
  CHECK(P("1 + 2 == 3 && true || false") == "_||_(_&&_(_==_(_+_(1, 2), 3), true), false)");
  CHECK(P("a || b && c") == "_||_(a, _&&_(b, c))");
}

TEST_CASE("Chains of && and || are balanced as cel-go balances them") {
  CHECK(P("a && b && c") == "_&&_(_&&_(a, b), c)");
  CHECK(P("a && b && c && d") == "_&&_(_&&_(a, b), _&&_(c, d))");
  CHECK(P("a || b || c || d || e") == "_||_(_||_(_||_(a, b), c), _||_(d, e))");
}

TEST_CASE("The conditional operator nests to the right") {
  CHECK(P("a ? b : c") == "_?_:_(a, b, c)");
  CHECK(P("a ? b : c ? d : e") == "_?_:_(a, b, _?_:_(c, d, e))");
  CHECK(P("a || b ? c + 1 : d") == "_?_:_(_||_(a, b), _+_(c, 1), d)");
  CHECK(P("true ? 1") == "ERROR 1:9: Syntax error: mismatched input <EOF> expecting ':'");
}

TEST_CASE("Repeated ! and - cancel out in pairs") {
  CHECK(P("!a") == "!_(a)");
  CHECK(P("!!a") == "a");
  CHECK(P("!!!a") == "!_(a)");
  CHECK(P("-a") == "-_(a)");
  CHECK(P("--a") == "a");
  CHECK(P("--1") == "1");
  CHECK(P("!-1") == "!_(-1)");
  CHECK(P("-a.b") == "-_(a.b)");
  CHECK(P("-(-9223372036854775808)") == "-_(-9223372036854775808)");
}

TEST_CASE("! and - cannot be mixed without parentheses") {
  // unary: ('!')+ member | ('-')+ member; only a literal member may carry a sign.
  CHECK_FALSE(Parses("!-a"));
  CHECK_FALSE(Parses("-!a"));
  CHECK(P("!(-a)") == "!_(-_(a))");
}

TEST_CASE("Selections, calls and indexes chain") {
  CHECK(P("a.b.c") == "a.b.c");
  CHECK(P("a.b(c)") == "a.b(c)");
  CHECK(P("a.b()") == "a.b()");
  CHECK(P("f()") == "f()");
  CHECK(P("f(x, y)") == "f(x, y)");
  CHECK(P("a[0]") == "_[_](a, 0)");
}

TEST_CASE("Selections, calls and indexes mix in one chain") {
  CHECK(P("a['k'].b[1 + 2].c(x)") == "_[_](_[_](a, \"k\").b, _+_(1, 2)).c(x)");
  CHECK(P("size(x) == x.size()") == "_==_(size(x), x.size())");
  CHECK(P("'foo'.size()") == "\"foo\".size()");
  CHECK(P("[1, 3, 4][0]") == "_[_]([1, 3, 4], 0)");
  CHECK(P("request.headers['user-agent']") == "_[_](request.headers, \"user-agent\")");
}

TEST_CASE("A leading dot names the root scope") {
  CHECK(P(".a") == ".a");
  CHECK(P(".a.b") == ".a.b");
  CHECK(P(".f(1)") == ".f(1)");
  CHECK(P(". *") == "ERROR 1:3: Syntax error: mismatched input '*' expecting IDENTIFIER");
}

TEST_CASE("List and map literals allow a trailing comma") {
  CHECK(P("[]") == "[]");
  CHECK(P("[1, 2, 3,]") == "[1, 2, 3]");
  CHECK(P("[,]") == "[]");  // the grammar's `'[' listInit? ','? ']'`
  CHECK(P("{}") == "{}");
  CHECK(P("{'k': 1, 2: 'v',}") == "{\"k\": 1, 2: \"v\"}");
  CHECK(P("{a: b}") == "{a: b}");
  CHECK(P("[1, 2") == "ERROR 1:6: Syntax error: mismatched input <EOF> expecting ']'");
  CHECK(P("{'k' 'v'}") == "ERROR 1:6: Syntax error: mismatched input ''v'' expecting ':'");
  CHECK(P("{'k': 'v'") == "ERROR 1:10: Syntax error: mismatched input <EOF> expecting '}'");
  CHECK_FALSE(Parses("[1,,2]"));
  CHECK_FALSE(Parses("[,1]"));
}

TEST_CASE("A qualified name followed by { constructs a message") {
  CHECK(P("google.protobuf.Empty{}") == "google.protobuf.Empty{}");
  CHECK(P("a.b.C{f: 1, g: 'x'}") == "a.b.C{f: 1, g: \"x\"}");
  CHECK(P(".C{f: 1,}") == ".C{f: 1}");
  CHECK(P("Msg{as: 1}") == "Msg{as: 1}");  // reserved words are legal field names
  CHECK(P("x.y{}.z") == "x.y{}.z");
  CHECK(P("Msg{1: 2}") == "ERROR 1:5: Syntax error: mismatched input '1' expecting IDENTIFIER");
  CHECK(P("Msg{f 10}") == "ERROR 1:7: Syntax error: mismatched input '10' expecting ':'");
  CHECK_FALSE(Parses("1{}"));
  CHECK_FALSE(Parses("f(){}"));
}

TEST_CASE("has() becomes a presence test on a field selection") {
  CHECK(P("has(a.b)") == "has(a.b)");
  CHECK(P("has(a.b.c)") == "has(a.b.c)");
  CHECK(P("has(a)") == "ERROR 1:5: invalid argument to has() macro");
  CHECK(P("has(a[0])") == "ERROR 1:6: invalid argument to has() macro");
  CHECK(P("has(a.b, c)") == "has(a.b, c)");  // not the macro's arity: a plain call
  CHECK(P("x.has(y)") == "x.has(y)");        // has is not a receiver macro
}

TEST_CASE("The quantifier macros expand to comprehensions") {
  CHECK(P("x.all(y, y > 0)") ==
        "__comprehension__(y, x, @result, true, @not_strictly_false(@result), "
        "_&&_(@result, _>_(y, 0)), @result)");
  CHECK(P("x.exists(y, y)") ==
        "__comprehension__(y, x, @result, false, @not_strictly_false(!_(@result)), "
        "_||_(@result, y), @result)");
  CHECK(P("x.exists_one(y, y)") ==
        "__comprehension__(y, x, @result, 0, true, _?_:_(y, _+_(@result, 1), @result), "
        "_==_(@result, 1))");
  CHECK(P("x.existsOne(y, y)") == P("x.exists_one(y, y)"));
}

TEST_CASE("map and filter expand to list-building comprehensions") {
  CHECK(P("[1, 2].map(x, x * 2)") ==
        "__comprehension__(x, [1, 2], @result, [], true, _+_(@result, [_*_(x, 2)]), @result)");
  CHECK(P("l.map(x, x > 1, x)") ==
        "__comprehension__(x, l, @result, [], true, _?_:_(_>_(x, 1), _+_(@result, [x]), "
        "@result), @result)");
  CHECK(P("l.filter(x, x > 1)") ==
        "__comprehension__(x, l, @result, [], true, _?_:_(_>_(x, 1), _+_(@result, [x]), "
        "@result), @result)");
}

TEST_CASE("Macro iteration variables must be simple names") {
  CHECK(P("x.all(y.z, true)") == "ERROR 1:8: argument must be a simple name");  // at the '.'

  CHECK(P("x.exists(1, true)") == "ERROR 1:10: argument must be a simple name");
  CHECK(P("x.map(1, 2)") == "ERROR 1:7: argument is not an identifier");
  CHECK(P("x.filter(f(), 2)") == "ERROR 1:11: argument is not an identifier");
  CHECK(P("x.all(__result__, true)") ==
        "ERROR 1:7: iteration variable overwrites accumulator variable");
  CHECK(P("__result__") == "__result__");  // an ordinary identifier elsewhere
  // Other arities, and the global forms, are ordinary calls.
  CHECK(P("x.all(y)") == "x.all(y)");
  CHECK(P("x.map(a, b, c, d)") == "x.map(a, b, c, d)");
  CHECK(P("all(x, y)") == "all(x, y)");
}

TEST_CASE("Reserved words cannot be identifiers") {
  for (const char* word :
       {"as", "break", "const", "continue", "else", "for", "function", "if", "import", "let",
        "loop", "package", "namespace", "return", "var", "void", "while"}) {
    INFO(word);
    CHECK(P(word) == std::string("ERROR 1:1: reserved identifier: ") + word);
  }
  CHECK(P("if(x)") == "ERROR 1:1: reserved identifier: if");
  CHECK(P(".as") == "ERROR 1:2: reserved identifier: as");
  CHECK(P("x.map(var, var)") == "ERROR 1:7: reserved identifier: var");
  CHECK(P("a.as") == "a.as");  // but they are legal field names
  CHECK(P("a.while()") == "a.while()");
  CHECK(P("a.in") == "ERROR 1:3: Syntax error: mismatched input 'in' expecting IDENTIFIER");
  CHECK(P("a.true") == "ERROR 1:3: Syntax error: mismatched input 'true' expecting IDENTIFIER");
  CHECK_FALSE(Parses("in"));
  CHECK(P("asx + iff") == "_+_(asx, iff)");
}

TEST_CASE("Optional syntax and quoted identifiers are not enabled") {
  CHECK(P("a.?b") == "ERROR 1:2: unsupported syntax '.?'");
  CHECK(P("a[?0]") == "ERROR 1:2: unsupported syntax '[?'");
  CHECK(P("[?1]") == "ERROR 1:2: unsupported syntax '?'");
  CHECK(P("{?'k': 'v'}") == "ERROR 1:2: unsupported syntax '?'");
  CHECK(P("Msg{?f: 1}") == "ERROR 1:5: unsupported syntax '?'");
  CHECK(P("a.`b-c`") == "ERROR 1:3: unsupported syntax: '`'");
  CHECK(P("Msg{`f`: 1}") == "ERROR 1:5: unsupported syntax: '`'");
  CHECK_FALSE(Parses("`a`"));
}

TEST_CASE("Quoted field names parse when enabled") {
  ParseOptions options;
  options.enable_quoted_identifiers = true;
  auto quoted = [&](std::string_view source) {
    tl::expected<Ast, ParseError> ast = Parse(source, options);
    return ast ? ToDebugString(*ast->root) : "ERROR " + ast.error().ToString();
  };
  CHECK(quoted("m.`content-type`") == "m.content-type");
  CHECK(quoted("has(m.`a/b c.d`)") == "has(m.a/b c.d)");
  CHECK(quoted("Msg{`f-g`: 1}") == "Msg{f-g: 1}");
  CHECK(quoted("`a`").rfind("ERROR", 0) == 0);      // not as a variable
  CHECK(quoted("m.`f`()").rfind("ERROR", 0) == 0);  // nor as a function
  CHECK(quoted("m.``").rfind("ERROR", 0) == 0);
}

TEST_CASE("Template-style text is not CEL") {
  // What the controller goldens use as invalid expressions.
  CHECK_FALSE(Parses("foolen_{{request.path}}"));
  CHECK_FALSE(Parses("foolen_{{header(\"content-length\")}}"));
  CHECK_FALSE(Parses("{{not valid CEL}}"));
  CHECK_FALSE(Parses("invalid_{{expression}}"));
  CHECK_FALSE(Parses("{{a}}"));
  CHECK(P("'foolen_' + request.headers['content-length']") ==
        "_+_(\"foolen_\", _[_](request.headers, \"content-length\"))");
}

TEST_CASE("Syntax errors point at the offending token") {
  CHECK(P("") == "ERROR 1:1: Syntax error: mismatched input <EOF> expecting an expression");
  CHECK(P("1 + 2 * 3 4") == "ERROR 1:11: Syntax error: mismatched input '4' expecting <EOF>");
  CHECK(P("(1 + 2") == "ERROR 1:7: Syntax error: mismatched input <EOF> expecting ')'");
  CHECK(P("f(1, 2") == "ERROR 1:7: Syntax error: mismatched input <EOF> expecting ')'");
  CHECK(P("foo(a,b,)") == "ERROR 1:9: Syntax error: extraneous input ')'");
  CHECK(P("* 2") == "ERROR 1:1: Syntax error: extraneous input '*'");
  CHECK(P("a.") == "ERROR 1:3: Syntax error: mismatched input <EOF> expecting IDENTIFIER");
  CHECK(P("a = b") == "ERROR 1:3: Syntax error: token recognition error at: '='");
  CHECK(P("a & b") == "ERROR 1:3: Syntax error: token recognition error at: '&'");
  CHECK(P("a +\n  %") == "ERROR 2:3: Syntax error: extraneous input '%'");
  CHECK(P("'\xc3\xa9' + #") == "ERROR 1:7: Syntax error: token recognition error at: '#'");
}

TEST_CASE("Whitespace and line comments are skipped") {
  CHECK(P(" a\t+\r\n\fb // trailing comment") == "_+_(a, b)");
  CHECK(P("a // one\n + // two\n b") == "_+_(a, b)");
  CHECK(P("a / b") == "_/_(a, b)");
}

TEST_CASE("Nesting a grammar rule deeper than 250 is an error") {
  // cel-go's parse listener counts each rule's nesting; the outermost expr counts one.
  CHECK(Parses(Repeat("(", 249) + "x" + Repeat(")", 249)));
  CHECK(P(Repeat("(", 250) + "x" + Repeat(")", 250)) ==
        "ERROR 1:251: expression recursion limit exceeded: 250");
  CHECK(Parses(Repeat("[", 249) + "1" + Repeat("]", 249)));
  CHECK_FALSE(Parses(Repeat("[", 300) + "1" + Repeat("]", 300)));
  CHECK(Parses(Repeat("f(", 249) + "1" + Repeat(")", 249)));
  CHECK_FALSE(Parses(Repeat("f(", 250) + "1" + Repeat(")", 250)));
  // member is left-recursive: every suffix of a chain counts.
  CHECK(Parses("a" + Repeat(".b", 249)));
  CHECK(P("a" + Repeat(".b", 250)) == "ERROR 1:500: expression recursion limit exceeded: 250");
  // An index (or call argument) expression is parsed inside the chain: its own member rule
  // counts on top of the chain's links.
  CHECK(Parses("a" + Repeat("[0]", 248)));
  CHECK_FALSE(Parses("a" + Repeat("[0]", 249)));
  CHECK(Parses("a" + Repeat(".f(x)", 248)));
  CHECK_FALSE(Parses("a" + Repeat(".f(x)", 249)));
  // calc too, and its right operand enters it once more.
  CHECK(Parses("1" + Repeat(" + 1", 248)));
  CHECK_FALSE(Parses("1" + Repeat(" + 1", 249)));
  CHECK(Parses("a" + Repeat(" == a", 248)));
  CHECK_FALSE(Parses("a" + Repeat(" == a", 249)));
  // && and || chains are loops, not nesting.
  CHECK(Parses("a" + Repeat(" && a", 2000)));
  CHECK(Parses("a" + Repeat(" || a", 2000)));
  // Deep input stops at the limit instead of exhausting the stack.
  CHECK_FALSE(Parses(Repeat("(", 100000)));
  CHECK_FALSE(Parses(Repeat("-(", 50000)));
}

TEST_CASE("An AST deeper than 250 in operators, selections and calls is an error") {
  // cel-go's visitor counts ternaries, relations, arithmetic, selections, member calls and
  // indexes together, even when no single grammar rule is nested that deep.
  std::string deep = Repeat("c ? x : ", 130) + "a" + Repeat(".f", 130);
  CHECK(P(deep).find("ERROR") != std::string::npos);
  CHECK(P(deep).find("max recursion depth exceeded") != std::string::npos);
  CHECK(Parses(Repeat("c ? x : ", 120) + "a" + Repeat(".f", 120)));
  ParseOptions shallow;
  shallow.max_recursion_depth = 3;
  CHECK(Parse("a.b.c", shallow).has_value());
  CHECK_FALSE(Parse("a.b.c.d", shallow).has_value());
  CHECK_FALSE(Parse("x + (y + z)", shallow).has_value());  // calc: 1, +1, rhs +1, (...) +1
}

TEST_CASE("Expressions over 100000 code points are refused") {
  std::string big = "'" + Repeat("\xc3\xa9", 99998) + "'";
  CHECK(Parses(big));
  CHECK(P(big + " ") ==
        "ERROR 1:1: expression code point size exceeds limit: size: 100001, limit 100000");
}

TEST_CASE("Node ids are unique and offsets point into the source") {
  tl::expected<Ast, ParseError> ast = Parse("a + f(b)");
  REQUIRE(ast);
  const Expr& root = *ast->root;
  CHECK(root.name == "_+_");
  CHECK(root.offset == 2);
  CHECK(root.args[0]->offset == 0);
  CHECK(root.args[1]->offset == 5);  // a call points at its '('
  CHECK(root.args[1]->args[0]->offset == 6);
  std::set<std::int64_t> ids = {root.id, root.args[0]->id, root.args[1]->id,
                                root.args[1]->args[0]->id};
  CHECK(ids.size() == 4);
  CHECK(ast->source == "a + f(b)");
}

TEST_CASE("The lexer names what it could not match") {
  tl::expected<std::vector<Token>, LexError> tokens = Lex("a ^ b");
  REQUIRE_FALSE(tokens);
  CHECK(tokens.error().offset == 2);
  tokens = Lex("a.b(1u, 2.0, 'x', b'y') != -3");
  REQUIRE(tokens);
  std::vector<TokenKind> kinds;
  for (const Token& token : *tokens) {
    kinds.push_back(token.kind);
  }
  CHECK(kinds == std::vector<TokenKind>{
                     TokenKind::kIdent, TokenKind::kDot, TokenKind::kIdent, TokenKind::kLParen,
                     TokenKind::kUint, TokenKind::kComma, TokenKind::kFloat, TokenKind::kComma,
                     TokenKind::kString, TokenKind::kComma, TokenKind::kBytes, TokenKind::kRParen,
                     TokenKind::kNe, TokenKind::kMinus, TokenKind::kInt, TokenKind::kEof});
}

TEST_CASE("Every CEL conformance expression that is not a parse error parses") {
  std::ifstream in(std::string(test::kSharedDir) + "/cel/cel-conformance.jsonl");
  REQUIRE(in);
  // The suite's quoted-field cases (`{'a-b': 1}.`a-b``) need the quoted identifiers that
  // cel.NewEnv() leaves off; the suite's runner turns them on.
  ParseOptions conformance;
  conformance.enable_quoted_identifiers = true;
  int cases = 0;
  int expected_to_parse = 0;
  int parsed = 0;         // with cel.NewEnv()'s options, as the controller parses
  int parsed_quoted = 0;  // with quoted identifiers on
  std::vector<std::string> failures;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) {
      continue;
    }
    nlohmann::json entry = nlohmann::json::parse(line);
    ++cases;
    std::string expr = entry.at("expr");
    // `error` marks a case that fails; only a syntax error would fail before evaluation.
    // (None of the selected cases does: "could not parse formatting clause" is a runtime
    // error of string.format.)
    std::string error = entry.value("error", "");
    bool parse_error = error.find("Syntax error") != std::string::npos ||
                       error.find("syntax error") != std::string::npos;
    parsed += Parse(expr).has_value() ? 1 : 0;
    tl::expected<Ast, ParseError> ast = Parse(expr, conformance);
    parsed_quoted += ast.has_value() ? 1 : 0;
    if (!parse_error) {
      ++expected_to_parse;
      if (!ast) {
        failures.push_back(entry.value("id", "?") + ": " + expr + " -> " + ast.error().ToString());
      }
    }
  }
  std::string all_failures;
  for (const std::string& failure : failures) {
    all_failures += failure + "\n";
  }
  INFO("failures:\n" << all_failures);
  WARN("CEL conformance corpus: " << cases << " cases, " << expected_to_parse
                                  << " expected to parse; " << parsed_quoted
                                  << " parse with quoted identifiers on, " << parsed
                                  << " with cel.NewEnv()'s defaults");
  CHECK(cases > 1000);
  CHECK(failures.empty());
  CHECK(cases - parsed == 6);  // exactly the six quoted-field cases need the option
}

}  // namespace
}  // namespace agw::validate::cel
