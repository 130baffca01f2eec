// cel-go's two-variable comprehensions (ext.TwoVarComprehensions, which the Kubernetes CEL
// environment enables for CRD rules from compatibility version 1.32): the examples of cel-go's
// documentation and of its ext/comprehensions_test.go, the misuses the macros reject, the shapes
// they expand into, and that without ParseOptions::enable_two_var_comprehensions they stay plain
// method calls.

#include <catch2/catch.hpp>
#include <string>

#include "tests/cel/eval_support.h"
#include "validate/cel/eval.h"
#include "validate/cel/parser.h"

namespace agw::validate::cel {
namespace {

using test::ErrorOf;
using test::IsTrue;
using test::KubernetesParseOptions;
using test::Run;

std::string Expand(const std::string& text,
                   const ParseOptions& options = KubernetesParseOptions()) {
  auto ast = Parse(text, options);
  return ast ? ToDebugString(*ast->root) : "ERROR " + ast.error().ToString();
}

TEST_CASE("Two-variable all binds the index or key and the value") {
  // cel-go's documentation.
  CHECK(IsTrue("[1, 2, 3].all(i, j, i < j)"));
  CHECK_FALSE(IsTrue("{'hello': 'world', 'taco': 'taco'}.all(k, v, k != v)"));
  CHECK(
      IsTrue("{'h': ['hello', 'hi'], 'j': ['joke', 'jog']}"
             ".all(k, vals, vals.all(v, v.startsWith(k)))"));
  // cel-go's tests.
  CHECK(IsTrue("[1, 2, 3, 4].all(i, v, i < 5 && v > 0)"));
  CHECK(IsTrue("[1, 2, 3, 4].all(i, v, i < v)"));
  CHECK(IsTrue("[1, 2, 3, 4].all(i, v, i > v) == false"));
  CHECK(
      IsTrue("{'hello': 'world', 'hello!': 'world'}.all(k, v, k.startsWith('hello') && "
             "v == 'world')"));
  CHECK(
      IsTrue("{'hello': 'world', 'hello!': 'worlds'}.all(k, v, k.startsWith('hello') && "
             "v.endsWith('world')) == false"));
  CHECK(IsTrue("[null, null, 'hello', string].all(i, v, i == 0 || type(v) != int)"));
  CHECK(IsTrue("[].all(i, v, false)"));
}

TEST_CASE("Two-variable all short-circuits and absorbs errors as the one-variable form does") {
  // A false element decides, whatever error another element gives.
  CHECK_FALSE(IsTrue("[0, 1].all(i, v, 1 / v > 1)"));
  CHECK(ErrorOf("[1, 0].all(i, v, 1 / v > 0)") == "division by zero");
  // exists stops at the first true element: the later division is never evaluated.
  CHECK(IsTrue("[1, 0].exists(i, v, i == 0 || 1 / v > 0)"));
}

TEST_CASE("Two-variable exists and existsOne") {
  CHECK(
      IsTrue("{'greeting': 'hello', 'farewell': 'goodbye'}"
             ".exists(k, v, k.startsWith('good') || v.endsWith('bye'))"));
  CHECK_FALSE(IsTrue("[1, 2, 4, 8, 16].exists(i, v, v == 1024 && i == 10)"));
  CHECK(
      IsTrue("{'hello': 'world', 'hello!': 'worlds'}.exists(k, v, k.startsWith('hello') && "
             "v.endsWith('world'))"));
  CHECK_FALSE(IsTrue("[1, 2, 1, 3, 1, 4].existsOne(i, v, i == 1 || v == 1)"));
  CHECK(IsTrue("[1, 1, 2, 2, 3, 3].existsOne(i, v, i == 2 && v == 2)"));
  CHECK(IsTrue("{'i': 0, 'j': 1, 'k': 2}.existsOne(i, v, i == 'l' || v == 1)"));
  CHECK(
      IsTrue("{'hello': 'world', 'hello!': 'worlds'}.existsOne(k, v, k.startsWith('hello') && "
             "v.endsWith('world'))"));
  // exists_one with three arguments is the same macro.
  CHECK(
      IsTrue("{'hello': 'world', 'hello!': 'worlds'}.exists_one(k, v, k.startsWith('hello') "
             "&& v.endsWith('world'))"));
  CHECK(
      IsTrue("{'hello': 'world', 'hello!': 'wow, world'}.exists_one(k, v, "
             "k.startsWith('hello') && v.endsWith('world')) == false"));
  CHECK(
      IsTrue("['hello', 'world', 'hello!', 'worlds'].existsOne(i, v, v.startsWith('hello') && "
             "i == 2)"));
}

TEST_CASE("transformList builds a list from a list or a map") {
  CHECK(
      IsTrue("[1, 2, 3].transformList(indexVar, valueVar, (indexVar * valueVar) + valueVar) "
             "== [1, 4, 9]"));
  CHECK(
      IsTrue("[1, 2, 3].transformList(indexVar, valueVar, indexVar % 2 == 0, "
             "(indexVar * valueVar) + valueVar) == [1, 9]"));
  // Map entries in the map's order.
  CHECK(
      IsTrue("{'greeting': 'hello', 'farewell': 'goodbye'}.transformList(k, _, k) == "
             "['greeting', 'farewell']"));
  CHECK(
      IsTrue("{'greeting': 'hello', 'farewell': 'goodbye'}.transformList(_, v, v) == "
             "['hello', 'goodbye']"));
  CHECK(
      IsTrue("['Hello', 'world'].transformList(i, v, '[%d]%s'.format([i, v.lowerAscii()])) "
             "== ['[0]hello', '[1]world']"));
  CHECK(
      IsTrue("['hello', 'world'].transformList(i, v, v.startsWith('greeting'), "
             "'[%d]%s'.format([i, v])) == []"));
  CHECK(
      IsTrue("{'Hello': 'world'}.transformList(k, v, '%s=%s'.format([k.lowerAscii(), v])) == "
             "['hello=world']"));
  CHECK(
      IsTrue("dyn({'Hello': 'world'}).transformList(k, v, '%s=%s'.format([k.lowerAscii(), "
             "v])) == ['hello=world']"));
  CHECK(
      IsTrue("{'hello': 'world'}.transformList(k, v, k.startsWith('greeting'), "
             "'%s=%s'.format([k, v])) == []"));
  // The first variable of a list is an int index.
  CHECK(IsTrue("['a', 'b'].transformList(i, v, type(i)) == [int, int]"));
}

TEST_CASE("transformMap maps each index or key to the transform") {
  CHECK(
      IsTrue("[1, 2, 3].transformMap(indexVar, valueVar, (indexVar * valueVar) + valueVar) "
             "== {0: 1, 1: 4, 2: 9}"));
  CHECK(
      IsTrue("[1, 2, 3].transformMap(indexVar, valueVar, indexVar % 2 == 0, "
             "(indexVar * valueVar) + valueVar) == {0: 1, 2: 9}"));
  CHECK(IsTrue("{'greeting': 'hello'}.transformMap(k, v, v + '!') == {'greeting': 'hello!'}"));
  CHECK(
      IsTrue("['Hello', 'world'].transformMap(i, v, [v.lowerAscii()]) == "
             "{0: ['hello'], 1: ['world']}"));
  CHECK(
      IsTrue("{'hello': 'world', 'goodbye': 'cruel world'}.transformMap(k, v, "
             "'%s, %s!'.format([k, v])) == {'hello': 'hello, world!', 'goodbye': "
             "'goodbye, cruel world!'}"));
  CHECK(
      IsTrue("dyn({'hello': 'world', 'goodbye': 'cruel world'}).transformMap(k, v, "
             "'%s, %s!'.format([k, v])) == {'hello': 'hello, world!', 'goodbye': "
             "'goodbye, cruel world!'}"));
  CHECK(
      IsTrue("{'hello': 'world', 'goodbye': 'cruel world'}.transformMap(k, v, "
             "v.startsWith('world'), '%s, %s!'.format([k, v])) == {'hello': 'hello, world!'}"));
  // Round trip: the values back out of the map, in order.
  CHECK(
      IsTrue("['world', 'Hello'].transformMap(i, v, v.lowerAscii()).transformList(k, v, v) == "
             "['world', 'hello']"));
  // The result is a map of its own, in insertion order.
  Value map = Run("{'a': 1, 'b': 2}.transformMap(k, v, v * 10)");
  REQUIRE(map.kind() == Value::Kind::kMap);
  REQUIRE(map.map().size() == 2);
  CHECK(map.map()[0].first.text() == "a");
  CHECK(map.map()[1].second.int_value() == 20);
}

TEST_CASE("transformMapEntry merges the entry maps and refuses a key twice") {
  CHECK(
      IsTrue("{'greeting': 'hello'}.transformMapEntry(keyVar, valueVar, {valueVar: keyVar}) "
             "== {'hello': 'greeting'}"));
  CHECK(
      IsTrue("[1, 2, 3].transformMapEntry(indexVar, valueVar, {valueVar: indexVar}) == "
             "{1: 0, 2: 1, 3: 2}"));
  CHECK(ErrorOf("{'greeting': 'aloha', 'farewell': 'aloha'}.transformMapEntry(keyVar, valueVar, "
                "{valueVar: keyVar})") == "insert failed: key aloha already exists");
  CHECK(ErrorOf("[1, 1].transformMapEntry(i, v, {v: i})") == "insert failed: key 1 already exists");
  // Numeric keys collide across int and uint, as map keys do.
  CHECK(ErrorOf("[0, 0u].transformMapEntry(i, v, {v: i})") ==
        "insert failed: key 0 already exists");
  CHECK(ErrorOf("[true, true].transformMapEntry(i, v, {v: i})") ==
        "insert failed: key true already exists");
  CHECK(
      IsTrue("'key1:value1 key2:value2 key3:value3'.split(' ').transformMapEntry(i, v, "
             "v.split(':').size() == 2 ? {v.split(':')[0]: v.split(':')[1]} : {}) == "
             "{'key1': 'value1', 'key2': 'value2', 'key3': 'value3'}"));
  CHECK(
      IsTrue("{'hello': 'world', 'greetings': 'tacocat'}.transformMapEntry(k, v, "
             "{k.reverse(): v.reverse()}) == {'olleh': 'dlrow', 'sgniteerg': 'tacocat'}"));
  CHECK(
      IsTrue("{'hello': 'world', 'greetings': 'tacocat'}.transformMapEntry(k, v, "
             "v.reverse() == v, {k.reverse(): v.reverse()}) == {'sgniteerg': 'tacocat'}"));
  CHECK(IsTrue("{'hello': 'world', 'greetings': 'tacocat'}.transformMapEntry(k, v, {}) == {}"));
  // An entry map with several entries adds them all.
  CHECK(
      IsTrue("['a', 'b'].transformMapEntry(i, v, {v: i, v + v: i}) == "
             "{'a': 0, 'aa': 0, 'b': 1, 'bb': 1}"));
  // The filtered-out element cannot collide.
  CHECK(IsTrue("[1, 1].transformMapEntry(i, v, i == 0, {v: i}) == {1: 0}"));
}

TEST_CASE("Two-variable comprehensions report the errors of their parts") {
  // Not a list or a map: cel-go's checker says "cannot be range".
  CHECK_FALSE(ErrorOf("1.all(j, k, j < k)").empty());
  CHECK_FALSE(ErrorOf("''.existsOne(j, k, j < k)").empty());
  // transformMapEntry's transform must be a map.
  CHECK(ErrorOf("{'hello': 'world'}.transformMapEntry(k, v, [])") ==
        "no such overload: cel.@mapInsert");
  // A filter that is not a bool fails the same way in every transform.
  std::string bad_filter = ErrorOf("{'a': 'b'}.transformList(j, k, 'bad filter', k)");
  CHECK(ErrorOf("{'a': 'b'}.transformMapEntry(j, k, 'bad filter', {k: j})") == bad_filter);
  CHECK(ErrorOf("{'a': 'b'}.transformMap(j, k, 'bad filter', k)") == bad_filter);
  // The error of a transform or a filter is the result.
  CHECK(ErrorOf("[0].transformMap(i, v, 1 / v)") == "division by zero");
  CHECK(ErrorOf("[0].transformMapEntry(i, v, 1 / v > 0, {v: i})") == "division by zero");
  CHECK(ErrorOf("[0].transformMapEntry(i, v, {v: 1 / v})") == "division by zero");
  // An empty range never evaluates its transform.
  CHECK(IsTrue("[].transformMap(i, v, 1 / 0) == {}"));
}

TEST_CASE("Two-variable comprehension variables nest and shadow") {
  // The inner comprehension sees the outer variables.
  CHECK(
      IsTrue("[1, 2].transformList(i, v, [10, 20].transformList(j, w, i + j + v + w)) == "
             "[[11, 22], [13, 24]]"));
  // Inner variables of the same names shadow the outer ones.
  CHECK(IsTrue("[[1, 2], [3]].all(i, l, l.all(i, v, i < 2 && v > 0))"));
  // One- and two-variable forms mix.
  CHECK(IsTrue("{'a': [1, 2]}.all(k, l, l.map(x, x * 2).exists(i, v, i == 1 && v == 4))"));
  // The variables shadow the activation's.
  Activation vars;
  vars.Bind("i", Value::String("outer"));
  vars.Bind("self", Value::List({Value::Map({{Value::String("port"), Value::Int(80)}}),
                                 Value::Map({{Value::String("port"), Value::Int(443)}})}));
  CHECK(IsTrue("self.all(i, p, i == 0 || p.port > self[i - 1].port) && i == 'outer'", vars));
  CHECK(IsTrue("self.transformMapEntry(i, p, {string(p.port): i}) == {'80': 0, '443': 1}", vars));
}

TEST_CASE("Two-variable comprehensions count against the step limit") {
  EvalOptions limited;
  limited.step_limit = 200;
  const std::string many = "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]";
  // Within the limit once, past it with a nested comprehension.
  CHECK(Run(many + ".transformMap(i, v, v)", Activation(), limited).kind() == Value::Kind::kMap);
  for (const std::string text :
       {".transformMap(i, v, i % 2 == 0, {0: 1}.transformMap(k, w, w))",
        ".transformMapEntry(i, v, {v: {0: 1}.size()})", ".all(i, v, [1, 2, 3].all(j, w, w > 0))"}) {
    Value result = Run(many + text + " == {}", Activation(), limited);
    INFO(text);
    REQUIRE(result.is_error());
    CHECK(result.text() == "operation cancelled: actual cost limit exceeded");
  }
}

TEST_CASE("The two-variable macros expand as cel-go expands them") {
  CHECK(Expand("l.all(i, v, i < v)") ==
        "__comprehension__(i, v, l, @result, true, @not_strictly_false(@result), "
        "_&&_(@result, _<_(i, v)), @result)");
  CHECK(Expand("m.exists(k, v, p)") ==
        "__comprehension__(k, v, m, @result, false, @not_strictly_false(!_(@result)), "
        "_||_(@result, p), @result)");
  const std::string exists_one =
      "__comprehension__(i, v, l, @result, 0, true, _?_:_(p, _+_(@result, 1), @result), "
      "_==_(@result, 1))";
  CHECK(Expand("l.existsOne(i, v, p)") == exists_one);
  CHECK(Expand("l.exists_one(i, v, p)") == exists_one);
  CHECK(Expand("l.transformList(i, v, t)") ==
        "__comprehension__(i, v, l, @result, [], true, _+_(@result, [t]), @result)");
  CHECK(Expand("l.transformList(i, v, f, t)") ==
        "__comprehension__(i, v, l, @result, [], true, _?_:_(f, _+_(@result, [t]), @result), "
        "@result)");
  CHECK(Expand("m.transformMap(k, v, t)") ==
        "__comprehension__(k, v, m, @result, {}, true, cel.@mapInsert(@result, k, t), @result)");
  CHECK(Expand("m.transformMap(k, v, f, t)") ==
        "__comprehension__(k, v, m, @result, {}, true, _?_:_(f, cel.@mapInsert(@result, k, t), "
        "@result), @result)");
  CHECK(Expand("m.transformMapEntry(k, v, {v: k})") ==
        "__comprehension__(k, v, m, @result, {}, true, cel.@mapInsert(@result, {v: k}), "
        "@result)");
  CHECK(Expand("m.transformMapEntry(k, v, f, {v: k})") ==
        "__comprehension__(k, v, m, @result, {}, true, _?_:_(f, cel.@mapInsert(@result, {v: k}), "
        "@result), @result)");
}

TEST_CASE("The two-variable macros reject what cel-go rejects") {
  CHECK(Expand("[].all(i, i, i < i)") == "ERROR 1:11: duplicate variable name: i");
  CHECK(Expand("[].all(__result__, i, __result__ < i)") ==
        "ERROR 1:8: iteration variable overwrites accumulator variable");
  CHECK(Expand("[].all(j, __result__, __result__ < j)") ==
        "ERROR 1:11: iteration variable overwrites accumulator variable");
  // Both names are checked before they are compared.
  CHECK(Expand("[].all(i, i.k, i)") == "ERROR 1:12: argument must be a simple name");
  for (const char* text :
       {"[].all(i.j, k, i.j < k)", "[].all(j, i.k, j < i.k)", "[].exists(i.j, k, i.j < k)",
        "[].exists(j, i.k, j < i.k)", "[].exists_one(i.j, k, i.j < k)",
        "[].existsOne(j, i.k, j < i.k)", "[].transformList(i.j, k, i.j + k)",
        "[].transformList(j, i.k, j + i.k)", "{}.transformMap(i.j, k, i.j + k)",
        "{}.transformMap(j, i.k, j + i.k)", "{}.transformMapEntry(j, i.k, {j: i.k})",
        "{}.transformMapEntry(i.j, k, {k: i.j})", "[].transformList(1, v, v)",
        "[].transformMap(i, 'v', i)"}) {
    INFO(text);
    std::string error = Expand(text);
    CHECK(error.starts_with("ERROR "));
    CHECK(error.ends_with(": argument must be a simple name"));
  }
}

TEST_CASE("Without the option the two-variable forms are plain method calls") {
  ParseOptions plain;
  CHECK(Expand("l.all(i, v, i < v)", plain) == "l.all(i, v, _<_(i, v))");
  CHECK(Expand("l.existsOne(i, v, p)", plain) == "l.existsOne(i, v, p)");
  CHECK(Expand("l.exists_one(i, v, p)", plain) == "l.exists_one(i, v, p)");
  CHECK(Expand("l.transformList(i, v, t)", plain) == "l.transformList(i, v, t)");
  CHECK(Expand("m.transformMap(k, v, f, t)", plain) == "m.transformMap(k, v, f, t)");
  CHECK(Expand("m.transformMapEntry(k, v, {v: k})", plain) == "m.transformMapEntry(k, v, {v: k})");
  // No misuse errors either: `i` twice is just two arguments.
  CHECK(Expand("[].all(i, i, i < i)", plain) == "[].all(i, i, _<_(i, i))");
  // Evaluated, such a call reads `i` and `v` as variables and then finds no function.
  auto ast = Parse("[1, 2].all(i, v, i < v)", plain);
  REQUIRE(ast);
  Activation vars;
  vars.Bind("i", Value::Int(0));
  vars.Bind("v", Value::Int(1));
  Value result = Evaluate(*ast->root, vars);
  REQUIRE(result.is_error());
  CHECK(result.text() == "no matching overload for 'all'");
  // Other argument counts are plain calls with the option too.
  CHECK(Expand("l.transformList(i, t)") == "l.transformList(i, t)");
  CHECK(Expand("l.transformMap(k, v, f, t, u)") == "l.transformMap(k, v, f, t, u)");
  CHECK(Expand("transformList(l, i, v, t)") == "transformList(l, i, v, t)");
}

TEST_CASE("The one-variable macros are unchanged by the option") {
  for (const char* text :
       {"l.all(x, x > 0)", "l.exists(x, x > 0)", "l.exists_one(x, x > 0)", "l.existsOne(x, x > 0)",
        "l.map(x, x * 2)", "l.map(x, x > 0, x * 2)", "l.filter(x, x > 0)", "has(a.b)",
        "[].all(__result__, true)", "[].map(1, 1)", "[].filter(a.b, true)"}) {
    INFO(text);
    CHECK(Expand(text) == Expand(text, ParseOptions()));
  }
  CHECK(IsTrue("[1, 2, 3].map(x, x * 2).filter(x, x > 2) == [4, 6]"));
}

}  // namespace
}  // namespace agw::validate::cel
