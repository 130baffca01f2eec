// The Kubernetes lists, sets and regex libraries and the strings extension's format, quote and
// reverse, through the parser and the evaluator: the examples of the Kubernetes page "CEL in
// Kubernetes" and of the libraries' documentation (k8s.io/apiserver/pkg/cel/library, cel-go's
// ext package), with their error cases.

#include <catch2/catch.hpp>
#include <string>

#include "tests/cel/eval_support.h"
#include "validate/cel/eval.h"
#include "validate/cel/parser.h"

namespace agw::validate::cel {
namespace {

using test::ErrorOf;
using test::IsTrue;
using test::Run;
using test::Text;

Value Strings(std::initializer_list<const char*> items) {
  ValueList list;
  for (const char* item : items) {
    list.push_back(Value::String(item));
  }
  return Value::List(std::move(list));
}

// {"weight": w} or {"priority": p} objects, as a schema walk builds them from a manifest.
Value Objects(const char* field, std::initializer_list<Value> values) {
  ValueList list;
  for (const Value& v : values) {
    list.push_back(Value::Map({{Value::String(field), v}}));
  }
  return Value::List(std::move(list));
}

constexpr std::int64_t kSecond = 1'000'000'000;

TEST_CASE("The Kubernetes page's list library examples") {
  Activation vars;
  vars.Bind("names", Strings({"alpha", "should-be-first", "zeta"}));
  vars.Bind("items",
            Objects("weight", {Value::Double(0.25), Value::Double(0.5), Value::Double(0.25)}));
  vars.Bind("lowPriorities", Objects("priority", {Value::Int(1), Value::Int(3)}));
  vars.Bind("highPriorities", Objects("priority", {Value::Int(10), Value::Int(4)}));
  CHECK(IsTrue("names.isSorted()", vars));
  CHECK(IsTrue("items.map(x, x.weight).sum() == 1.0", vars));
  CHECK(IsTrue("lowPriorities.map(x, x.priority).max() < highPriorities.map(x, x.priority).min()",
               vars));
  CHECK(IsTrue("names.indexOf('should-be-first') == 1", vars));

  Activation unsorted;
  unsorted.Bind("names", Strings({"b", "a"}));
  CHECK_FALSE(IsTrue("names.isSorted()", unsorted));
}

TEST_CASE("isSorted over the comparable types") {
  CHECK(IsTrue("[1, 2, 3].isSorted()"));
  CHECK(IsTrue("['a', 'b', 'b', 'c'].isSorted()"));
  CHECK_FALSE(IsTrue("[2.0, 1.0].isSorted()"));
  CHECK(IsTrue("[1].isSorted()"));
  CHECK(IsTrue("[].isSorted()"));
  CHECK(IsTrue("[false, true].isSorted()"));
  CHECK_FALSE(IsTrue("[b'b', b'a'].isSorted()"));
  // Numbers of different types compare by value.
  CHECK(IsTrue("[1, 2u, 2.5].isSorted()"));
  CHECK_FALSE(IsTrue("[3u, 2].isSorted()"));
  // Lists, maps and null have no order.
  CHECK(ErrorOf("[[1], [2]].isSorted()").starts_with("no such overload"));
  CHECK(ErrorOf("[null].isSorted()").starts_with("no such overload"));
}

TEST_CASE("sum over ints uints doubles and durations") {
  CHECK(IsTrue("[1, 3].sum() == 4"));
  CHECK(Run("[1, 3].sum()").kind() == Value::Kind::kInt);
  CHECK(IsTrue("[1.0, 3.0].sum() == 4.0"));
  CHECK(Run("[1.0, 3.0].sum()").kind() == Value::Kind::kDouble);
  CHECK(IsTrue("[1u, 3u].sum() == 4u"));
  CHECK(Run("[1u, 3u].sum()").kind() == Value::Kind::kUint);
  CHECK(IsTrue("[].sum() == 0"));

  Activation vars;
  vars.Bind("durations",
            Value::List({Value::Duration(60 * kSecond), Value::Duration(1 * kSecond)}));
  Value total = Run("durations.sum()", vars);
  REQUIRE(total.kind() == Value::Kind::kDuration);
  CHECK(total.duration_nanos() == 61 * kSecond);

  CHECK(ErrorOf("[9223372036854775807, 1].sum()") == "integer overflow");
  CHECK(ErrorOf("[18446744073709551615u, 1u].sum()") == "unsigned integer overflow");
  CHECK(ErrorOf("['a', 'b'].sum()").starts_with("no such overload"));
  CHECK(ErrorOf("[1, 2.0].sum()").starts_with("no such overload"));
}

TEST_CASE("min and max return an element and fail on an empty list") {
  CHECK(IsTrue("[1, 3].min() == 1"));
  CHECK(IsTrue("[1, 3].max() == 3"));
  CHECK(IsTrue("[1].min() == 1"));
  CHECK(IsTrue("([0] + []).min() == 0"));
  CHECK(ErrorOf("[].min()") == "min called on empty list");
  CHECK(ErrorOf("[].max()") == "max called on empty list");
  CHECK(Text("['b', 'c', 'a'].min()") == "a");
  CHECK(Text("['b', 'c', 'a'].max()") == "c");
  // The element keeps its own type.
  Value mixed = Run("[2, 1u, 3.5].min()");
  REQUIRE(mixed.kind() == Value::Kind::kUint);
  CHECK(mixed.uint_value() == 1);

  Activation vars;
  vars.Bind("times", Value::List({Value::TimestampOf({100, 0}), Value::TimestampOf({50, 5})}));
  Value earliest = Run("times.min()", vars);
  REQUIRE(earliest.kind() == Value::Kind::kTimestamp);
  CHECK(earliest.timestamp().seconds == 50);
  CHECK(ErrorOf("[{}].max()").starts_with("no such overload"));
}

TEST_CASE("indexOf and lastIndexOf on lists use CEL equality") {
  CHECK(IsTrue("[1, 2, 2, 3].indexOf(2) == 1"));
  CHECK(IsTrue("['a', 'b', 'b', 'c'].lastIndexOf('b') == 2"));
  CHECK(IsTrue("[1.0].indexOf(1.1) == -1"));
  CHECK(IsTrue("[].indexOf('string') == -1"));
  CHECK(IsTrue("[1, 2u, 3.0].indexOf(3u) == 2"));
  CHECK(IsTrue("[[1, 2], [3]].lastIndexOf([3.0]) == 1"));
  CHECK(IsTrue("[{'a': 1}].indexOf({'a': 1u}) == 0"));
  // The string forms stay the strings extension's.
  CHECK(IsTrue("'tacocat'.indexOf('a') == 1"));
  CHECK(Run("1.indexOf(1)").is_error());
}

TEST_CASE("The sets extension's examples") {
  CHECK(IsTrue("sets.contains([], [])"));
  CHECK_FALSE(IsTrue("sets.contains([], [1])"));
  CHECK(IsTrue("sets.contains([1, 2, 3, 4], [2, 3])"));
  CHECK(IsTrue("sets.contains([1, 2.0, 3u], [1.0, 2u, 3])"));
  CHECK(IsTrue("sets.equivalent([], [])"));
  CHECK(IsTrue("sets.equivalent([1], [1, 1])"));
  CHECK(IsTrue("sets.equivalent([1], [1u, 1.0])"));
  CHECK(IsTrue("sets.equivalent([1, 2, 3], [3u, 2.0, 1])"));
  CHECK_FALSE(IsTrue("sets.equivalent([1, 2], [1])"));
  CHECK_FALSE(IsTrue("sets.intersects([1], [])"));
  CHECK(IsTrue("sets.intersects([1], [1, 2])"));
  CHECK(IsTrue("sets.intersects([[1], [2, 3]], [[1, 2], [2, 3.0]])"));
  CHECK_FALSE(IsTrue("sets.intersects(['a'], ['b', 1])"));
  CHECK(ErrorOf("sets.contains(1, [1])") == "no matching overload for 'sets.contains'");
  CHECK(ErrorOf("sets.intersects([1])") == "no matching overload for 'sets.intersects'");
}

TEST_CASE("The Kubernetes page's regex library examples") {
  CHECK(Text("\"abc 123\".find('[0-9]+')") == "123");
  CHECK(IsTrue("\"1, 2, 3, 4\".findAll('[0-9]+').map(x, int(x)).sum() < 100"));
  CHECK(Text("\"abc 123\".find('xyz')") == "");
  CHECK(IsTrue("\"123 abc 456\".findAll('[0-9]+') == ['123', '456']"));
  CHECK(IsTrue("\"123 abc 456\".findAll('[0-9]+', 1) == ['123']"));
  CHECK(IsTrue("\"123 abc 456\".findAll('[0-9]+', 0) == []"));
  CHECK(IsTrue("\"123 abc 456\".findAll('[0-9]+', -1) == ['123', '456']"));
  CHECK(IsTrue("\"123 abc 456\".findAll('xyz') == []"));
}

TEST_CASE("find and findAll follow Go's regexp on empty matches") {
  // The leftmost match wins even when empty, so '[0-9]*' finds "" at the start (the library's
  // godoc comment says '123'; the Go code it runs returns "").
  CHECK(Text("\"abc 123\".find('[0-9]*')") == "");
  // An empty match right after a match is skipped: Go's `a*` on "baaab".
  CHECK(IsTrue("'baaab'.findAll('a*') == ['', 'aaa', '']"));
  // Empty matches step over whole code points.
  CHECK(IsTrue("'日本'.findAll('x*') == ['', '', '']"));
  CHECK(IsTrue("'héllo wörld'.findAll('[^ ]+') == ['héllo', 'wörld']"));
  CHECK(Text("'key=value'.find('=(.*)$')") == "=value");
}

TEST_CASE("An invalid pattern is an error value") {
  CHECK(ErrorOf("'abc'.find('[')").starts_with("Illegal regex: "));
  CHECK(ErrorOf("'abc'.findAll('(', 2)").starts_with("Illegal regex: "));
  CHECK(Run("'abc'.findAll('a', 'b')").is_error());
}

TEST_CASE("format substitutes each clause") {
  CHECK(Text("\"this is a string: %s\\nand an integer: %d\".format([\"str\", 42])") ==
        "this is a string: str\nand an integer: 42");
  CHECK(Text("\"a double substituted with %%s: %s\".format([64.2])") ==
        "a double substituted with %s: 64.2");
  CHECK(Text("\"string type: %s\".format([type(string)])") == "string type: type");
  CHECK(Text("\"string type: %s\".format([type('')])") == "string type: string");
  CHECK(Text("\"%f\".format([3.14])") == "3.140000");
  CHECK(Text("\"scientific notation: %e\".format([2.71828])") ==
        "scientific notation: 2.718280e+00");
  CHECK(Text("\"5 in binary: %b\".format([5])") == "5 in binary: 101");
  CHECK(Text("\"26 in hex: %x\".format([26])") == "26 in hex: 1a");
  CHECK(Text("\"26 in hex (uppercase): %X\".format([26])") == "26 in hex (uppercase): 1A");
  CHECK(Text("\"30 in octal: %o\".format([30])") == "30 in octal: 36");
  CHECK(Text("\"true bool: %s - false bool: %s\\nbinary bool: %b\".format([true, false, true])") ==
        "true bool: true - false bool: false\nbinary bool: 1");
  CHECK(Text("'%.2f and %.0e'.format([1, 12345u])") == "1.00 and 1e+04");
  CHECK(Text("'%d %x %b %o'.format([-26, -26, -5, -8])") == "-26 -1a -101 -10");
  CHECK(Text("'%x'.format([-9223372036854775808])") == "-8000000000000000");
  CHECK(Text("'%X'.format([b'\\x01\\xfe'])") == "01FE");
  CHECK(Text("'%d'.format([2.5])") == "2.5");
  CHECK(Text("'%.3f'.format([2.0005])") == "2.001");
  CHECK(Text("'%s'.format([1e21])") == "1000000000000000000000");
  CHECK(Text("'%s'.format([1e-7])") == "0.0000001");
  CHECK(Text("'%s'.format([-0.0])") == "-0");
  CHECK(Text("'héllo %s'.format(['wörld'])") == "héllo wörld");
}

TEST_CASE("format's %s prints every value type") {
  CHECK(Text("'%s'.format([null])") == "null");
  CHECK(Text("'%s'.format([b'xyz'])") == "xyz");
  CHECK(Text("'%s'.format([[1, 'a', 2.5, null, [true]]])") == "[1, a, 2.5, null, [true]]");
  CHECK(Text("'%s'.format([{'b': 1, 'a': [2u], 3: {}}])") == "{3: {}, a: [2], b: 1}");
  CHECK(Text("'%s'.format([[double('NaN'), double('Infinity'), -double('Infinity')]])") ==
        "[NaN, Infinity, -Infinity]");
  CHECK(Text("'%s'.format([[]])") == "[]");

  Activation vars;
  vars.Bind("d", Value::Duration(6347 * kSecond));
  vars.Bind("half", Value::Duration(-1'500'000'000));
  vars.Bind("t", Value::TimestampOf({1675467080, 0}));
  vars.Bind("early", Value::TimestampOf({-62135596800, 120'000'000}));
  vars.Bind("leap", Value::TimestampOf({951782400, 5}));
  CHECK(Text("'duration: %s'.format([d])", vars) == "duration: 6347s");
  CHECK(Text("'%s'.format([half])", vars) == "-1.5s");
  CHECK(Text("'timestamp: %s'.format([t])", vars) == "timestamp: 2023-02-03T23:31:20Z");
  CHECK(Text("'%s'.format([early])", vars) == "0001-01-01T00:00:00.12Z");
  CHECK(Text("'%s'.format([leap])", vars) == "2000-02-29T00:00:00.000000005Z");
  CHECK(Text("'%s'.format([{'k': d, 'j': [t]}])", vars) == "{j: [2023-02-03T23:31:20Z], k: 6347s}");
}

TEST_CASE("format's errors") {
  CHECK(ErrorOf("'%a'.format([1])") ==
        "could not parse formatting clause: unrecognized formatting clause \"a\"");
  CHECK(ErrorOf("'%E'.format([0.5])") ==
        "could not parse formatting clause: unrecognized formatting clause \"E\"");
  CHECK(ErrorOf("'%d %d %d'.format([0, 1])") == "index 2 out of range");
  CHECK(ErrorOf("'50%'.format([1])") == "unexpected end of string");
  CHECK(ErrorOf("'%.3'.format([1.0])") ==
        "could not parse formatting clause: error while parsing precision: could not find end "
        "of precision specifier");
  CHECK(ErrorOf("'%.101f'.format([1.0])") ==
        "could not parse formatting clause: error while parsing precision: precision 101 exceeds "
        "maximum allowed precision 100");
  CHECK(ErrorOf("'string is %b'.format(['abc'])") ==
        "error during formatting: only ints, uints, and bools can be formatted as binary, was "
        "given string");
  CHECK(ErrorOf("'%o'.format([1.5])") ==
        "error during formatting: octal clause can only be used on ints and uints, was given "
        "double");
  CHECK(ErrorOf("'%x'.format([0.5])") ==
        "error during formatting: only ints, uints, bytes, and strings can be formatted as hex, "
        "was given double");
  CHECK(ErrorOf("'%d'.format([null])") ==
        "error during formatting: decimal clause can only be used on ints, uints, and doubles, "
        "was given null_type");
  CHECK(ErrorOf("'%f'.format(['1'])").starts_with("error during formatting: fixed-point clause"));
  CHECK(ErrorOf("'%e'.format([[]])").starts_with("error during formatting: scientific clause"));
  Activation vars;
  vars.Bind("none", Value::Optional(std::nullopt));
  CHECK(ErrorOf("'%s'.format([[none]])", vars)
            .ends_with("durations, and timestamps, was given optional_type"));
  CHECK(ErrorOf("'%s'.format('a')") == "no matching overload for 'format'");
}

TEST_CASE("strings.quote escapes and wraps in double quotes") {
  CHECK(Text("strings.quote('single-quote with \"double quote\"')") ==
        "\"single-quote with \\\"double quote\\\"\"");
  CHECK(Text("strings.quote(\"two escape sequences \\a\\n\")") ==
        "\"two escape sequences \\a\\n\"");
  CHECK(Text("strings.quote('\\b\\f\\r\\t\\v\\\\')") == "\"\\b\\f\\r\\t\\v\\\\\"");
  CHECK(Text("strings.quote('')") == "\"\"");
  CHECK(Text("strings.quote('завтра 😀')") == "\"завтра 😀\"");
  CHECK(Text("strings.quote(string(b'ok'))") == "\"ok\"");
  CHECK(ErrorOf("strings.quote(1)") == "no matching overload for 'strings.quote'");
}

TEST_CASE("reverse reverses code points") {
  CHECK(Text("'gums'.reverse()") == "smug");
  CHECK(Text("'John Smith'.reverse()") == "htimS nhoJ");
  CHECK(Text("''.reverse()") == "");
  CHECK(Text("'©αT😀'.reverse()") == "😀Tα©");
  CHECK(Run("[1, 2].reverse()").is_error());
}

}  // namespace
}  // namespace agw::validate::cel
