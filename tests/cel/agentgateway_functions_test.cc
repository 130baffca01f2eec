// agentgateway's CEL dialect in our evaluator: its functions (crates/celx/src/general.rs,
// flatten.rs), the lazily evaluated ones, the views its attribute context is made of, and that
// none of it exists without EvalOptions::agentgateway_functions. Expected values come from
// agentgateway's own tests (crates/celx/src/function_tests.rs) where they have one, and from the
// Rust crates it calls (serde_json, base64, percent-encoding, form_urlencoded) for error texts.

#include <catch2/catch.hpp>
#include <cstdint>
#include <functional>
#include <string>

#include "validate/cel/agentgateway_values.h"
#include "validate/cel/eval.h"
#include "validate/cel/parser.h"

namespace agw::validate::cel {
namespace {

using K = Value::Kind;

// A deterministic randomness source: 0, 1, 2, ... times a fixed odd constant.
std::function<std::uint64_t()> Counter(std::uint64_t start = 0) {
  return [n = start]() mutable { return (n++) * 0x9E3779B97F4A7C15ull; };
}

Value Agw(const std::string& text, const Activation& vars = Activation(),
          std::function<std::uint64_t()> random = {}) {
  auto ast = Parse(text);
  INFO(text << (ast ? std::string() : " does not parse: " + ast.error().ToString()));
  REQUIRE(ast);
  EvalOptions options;
  options.agentgateway_functions = true;
  options.random_bits = std::move(random);
  return Evaluate(*ast->root, vars, options);
}

Value Kubernetes(const std::string& text) {
  auto ast = Parse(text);
  REQUIRE(ast);
  return Evaluate(*ast->root, Activation());
}

std::string Json(const std::string& text, const Activation& vars = Activation()) {
  Value result = Agw(text, vars);
  INFO(text << (result.is_error() ? " failed: " + result.text() : std::string()));
  REQUIRE_FALSE(result.is_error());
  return JsonText(result);
}

std::string Error(const std::string& text, const Activation& vars = Activation()) {
  Value result = Agw(text, vars);
  INFO(text << " gave " << JsonText(result));
  REQUIRE(result.is_error());
  return result.text();
}

bool True(const std::string& text, const Activation& vars = Activation()) {
  Value result = Agw(text, vars);
  INFO(text << (result.is_error() ? " failed: " + result.text() : std::string()));
  REQUIRE(result.kind() == K::kBool);
  return result.bool_value();
}

TEST_CASE("agentgateway functions do not exist without the dialect") {
  CHECK(Kubernetes("json('{}')").text() == "no matching overload for 'json'");
  CHECK(Kubernetes("base64.encode('a')").text() == "no matching overload for 'base64.encode'");
  CHECK(Kubernetes("{'a': 1}.merge({})").text() == "no matching overload for 'merge'");
  CHECK(Kubernetes("random()").text() == "no matching overload for 'random'");
  CHECK(Kubernetes("default(a, 1)").text() == "undeclared reference to 'a' (in container '')");
  CHECK(Kubernetes("coalesce(null, 1)").text() == "no matching overload for 'coalesce'");
  CHECK(Kubernetes("[1].with(a, a)").text() == "undeclared reference to 'a' (in container '')");
  // Selection keeps CEL's own errors.
  CHECK(Kubernetes("null.a").text() == "no such overload: select a");
  // A view is an opaque value there.
  Activation vars;
  vars.Bind("token", RedactedString("s3cret"));
  auto ast = Parse("token == '<redacted>'");
  REQUIRE(ast);
  CHECK(Evaluate(*ast->root, vars).kind() == K::kBool);
  CHECK_FALSE(Evaluate(*ast->root, vars).bool_value());
}

TEST_CASE("json parses JSON text into CEL values as serde_json does") {
  CHECK(Json(R"(json('{"hi":1}').hi)") == "1");
  CHECK(Error(R"(json('{"hi":1}').unknown)") == "no such key: unknown");
  CHECK(Json(R"(json(b'{"a":[true,null,"x"]}'))") == R"({"a":[true,null,"x"]})");
  CHECK(True("type(json('1')) == int"));
  CHECK(True("type(json('9223372036854775808')) == uint"));
  CHECK(True("type(json('18446744073709551616')) == double"));
  CHECK(True("type(json('-9223372036854775808')) == int"));
  CHECK(True("type(json('1.0')) == double && type(json('1e2')) == double"));
  CHECK(True("type(json('-0')) == double"));
  CHECK(Json(R"(json('{"a":1,"b":2,"a":3}'))") == R"({"a":3,"b":2})");
  CHECK(Json(R"(json('"\\u00e9\\ud83d\\ude00\\n"'))") == "\"\xC3\xA9\xF0\x9F\x98\x80\\n\"");

  CHECK(Error("json('')") == "EOF while parsing a value at line 1 column 0");
  CHECK(Error("json('x')") == "expected value at line 1 column 1");
  CHECK(Error("json('[1,2')") == "EOF while parsing a list at line 1 column 4");
  CHECK(Error(R"(json('{"a":1,}'))") == "trailing comma at line 1 column 8");
  CHECK(Error("json('[1,]')") == "trailing comma at line 1 column 4");
  CHECK(Error("json('1 2')") == "trailing characters at line 1 column 3");
  CHECK(Error(R"(json('{"a" 1}'))") == "expected `:` at line 1 column 6");
  CHECK(Error("json('{1:2}')") == "key must be a string at line 1 column 2");
  CHECK(Error("json('[1 2]')") == "expected `,` or `]` at line 1 column 4");
  CHECK(Error("json('tru')") == "EOF while parsing a value at line 1 column 3");
  CHECK(Error("json('trux')") == "expected ident at line 1 column 4");
  CHECK(Error("json('01')") == "invalid number at line 1 column 2");
  CHECK(Error("json('1e999')") == "number out of range at line 1 column 5");
  CHECK(Error(R"(json('"ab'))") == "EOF while parsing a string at line 1 column 3");
  CHECK(Error(R"(json('"\\q"'))") == "invalid escape at line 1 column 3");
  CHECK(Error("json('[\\n1,\\n]')") == "trailing comma at line 3 column 1");
  CHECK(Error("json(1)") == "invalid type int");
  CHECK(Error("json(1.5)") == "invalid type float");

  // serde_json's recursion limit: 127 nested lists parse, 128 do not.
  std::string ok = std::string(127, '[') + std::string(127, ']');
  CHECK(Json("size(json('" + ok + "')) > 0") == "true");
  std::string deep = std::string(128, '[') + std::string(128, ']');
  CHECK(Error("json('" + deep + "')") == "recursion limit exceeded at line 1 column 128");
}

TEST_CASE("jsonField reads one top-level field") {
  CHECK(Json(R"(jsonField('{"hi":1}', "hi"))") == "1");
  CHECK(Json(R"(jsonField(b'{"hi":{"x":[1]}}', "hi"))") == R"({"x":[1]})");
  CHECK(Error(R"(jsonField('{"hi":1}', "unknown"))") == "no such key: unknown");
  CHECK(Error(R"(jsonField('[1]', "a"))") == "invalid type: list, expected a map");
  CHECK(Error(R"(jsonField('{', "a"))") == "EOF while parsing an object at line 1 column 1");
}

TEST_CASE("toJson writes compact JSON as agentgateway's Value json does") {
  CHECK(Json(R"(toJson({"b": 1, "a": [1u, 2.5, true, null]}))") ==
        R"("{\"b\":1,\"a\":[1,2.5,true,null]}")");
  CHECK(Agw("to_json('x\"y')").text() == R"("x\"y")");
  CHECK(Agw("toJson(1.0)").text() == "1.0");
  CHECK(Agw("toJson(0.1)").text() == "0.1");
  CHECK(Agw("toJson(1e21)").text() == "1e21");
  CHECK(Agw("toJson(1e16)").text() == "1e16");
  CHECK(Agw("toJson(1e15)").text() == "1000000000000000.0");
  CHECK(Agw("toJson(0.00001)").text() == "0.00001");
  CHECK(Agw("toJson(1.5e-7)").text() == "1.5e-7");
  CHECK(Agw("toJson(-2.5)").text() == "-2.5");
  CHECK(Agw("toJson(0.0 / 0.0)").text() == "null");
  CHECK(Agw("toJson(b'hello')").text() == R"("aGVsbG8=")");
  CHECK(Agw("toJson(duration('1.5s'))").text() == R"("1.5s")");
  CHECK(Agw("toJson(duration('1h'))").text() == R"("3600s")");
  CHECK(Agw("toJson(timestamp('2000-01-01T12:00:01.123450Z'))").text() ==
        R"("2000-01-01T12:00:01.12345Z")");
  CHECK(Agw("toJson({1: 'a', true: 'b'})").text() == R"({"1":"a","true":"b"})");
  CHECK(Agw("toJson(int)").text() == R"("int")");
  CHECK(Agw("toJson('\\x01\\t')").text() == R"("\u0001\t")");
}

TEST_CASE("unvalidatedJwtPayload decodes the middle segment") {
  CHECK(
      Json(
          R"(unvalidatedJwtPayload("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjMiLCJhZG1pbiI6dHJ1ZX0."))") ==
      R"({"sub":"123","admin":true})");
  // base64url: the payload has a '-'.
  CHECK(Json(R"(unvalidatedJwtPayload("eyJhbGciOiJub25lIn0.eyJkYXRhIjoifn5-In0.").data)") ==
        R"("~~~")");
  CHECK(Error(R"(unvalidatedJwtPayload("not-a-jwt"))") ==
        "invalid JWT: expected 3 segments, got 1");
  CHECK(Error(R"(unvalidatedJwtPayload("a.b.c.d"))") == "invalid JWT: expected 3 segments, got 4");
  CHECK(Error(R"(unvalidatedJwtPayload("a.b.c"))") == "Invalid input length: 1");
  CHECK(Error(R"(unvalidatedJwtPayload("a.YWJj.c"))") == "expected value at line 1 column 1");
}

TEST_CASE("merge is a map union where the argument wins") {
  CHECK(Json(R"({"a":2}.merge({"b":3}))") == R"({"a":2,"b":3})");
  CHECK(Json(R"({"a":2, "c": 1}.merge({"a":3}))") == R"({"a":3,"c":1})");
  CHECK(Error("[1].merge({})") == "Unexpected type: got 'list', want 'map'");
  CHECK(Error("{}.merge(1.5)") == "Unexpected type: got 'float', want 'map'");
}

TEST_CASE("random and uuid draw from the source passed in") {
  Value r = Agw("random()", Activation(), [] { return ~std::uint64_t{0}; });
  REQUIRE(r.kind() == K::kDouble);
  CHECK(r.double_value() < 1.0);
  CHECK(r.double_value() > 0.999);
  CHECK(Agw("random()", Activation(), [] { return std::uint64_t{0}; }).double_value() == 0.0);
  CHECK(Agw("random()").text() == "random() has no source of randomness");

  Value id = Agw("uuid()", Activation(), [] { return std::uint64_t{0x0123456789abcdefull}; });
  CHECK(id.text() == "01234567-89ab-4def-8123-456789abcdef");
  CHECK(Agw("uuid()", Activation(), Counter(1)).text() !=
        Agw("uuid()", Activation(), Counter(5)).text());
  CHECK(Agw("uuid()").text() == "uuid() has no source of randomness");
  Value matches =
      Agw("uuid().matches('^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$')",
          Activation(), Counter(7));
  REQUIRE(matches.kind() == K::kBool);
  CHECK(matches.bool_value());
}

TEST_CASE("regexReplace replaces the first match with Rust's group syntax") {
  CHECK(
      Agw(R"("/path/1/id/499c81c2/bar".regexReplace("/path/([0-9]+?)/id/([0-9a-z]{8})/bar", "/path/{n}/id/{id}/bar"))")
          .text() == "/path/{n}/id/{id}/bar");
  CHECK(Agw(R"("blah id=1234 bar".regexReplace("id=(.+?) ", "[$1] "))").text() ==
        "blah [1234] bar");
  CHECK(Agw(R"("/id/1234/data".regexReplace("/id/[0-9]*/", "/id/{id}/"))").text() ==
        "/id/{id}/data");
  CHECK(Agw(R"("ab".regexReplace("a" + "b", "12"))").text() == "12");
  // Only the first match; $$ is a dollar; ${1}x and named groups; $1x names a group "1x".
  CHECK(Agw(R"("a1b2".regexReplace("[0-9]", "#"))").text() == "a#b2");
  CHECK(Agw(R"cel("a1".regexReplace("([0-9])", "$$${1}x"))cel").text() == "a$1x");
  CHECK(Agw(R"cel("a1".regexReplace("(?P<d>[0-9])", "<$d>"))cel").text() == "a<1>");
  CHECK(Agw(R"cel("a1".regexReplace("([0-9])", "$1x"))cel").text() == "a");
  CHECK(Agw(R"("abc".regexReplace("z", "y"))").text() == "abc");
  CHECK(Error(R"("a".regexReplace("(", "b"))") ==
        "'(' not a valid regex:\nregex parse error:\n    (\nerror: missing ): (");
}

TEST_CASE("fail raises its message") {
  CHECK(Error(R"(fail("bad"))") == "fail() called: bad");
  CHECK(Error("fail(1)") == "no matching overload for 'fail'");
}

TEST_CASE("base64 encodes and decodes with the standard alphabet") {
  CHECK(Agw("base64.encode('hello')").text() == "aGVsbG8=");
  CHECK(Agw("base64Encode(b'hello')").text() == "aGVsbG8=");
  CHECK(True(R"(base64.decode("aGVsbG8=") == b'hello')"));
  CHECK(True(R"(string(base64Decode(base64Encode("hello"))) == "hello")"));
  CHECK(True("base64.decode('Zg==') == b'f' && base64.decode('Zg') == b'f'"));
  CHECK(True("base64.decode(b'Zm8') == b'fo'"));
  CHECK(True("base64.decode('') == b''"));
  CHECK(Error("base64.decode('Z')") == "Invalid input length: 1");
  CHECK(Error("base64.decode('Zg=a')") == "Invalid symbol 61, offset 2.");
  CHECK(Error("base64.decode('a-cd')") == "Invalid symbol 45, offset 1.");
  CHECK(Error("base64.decode('Zh==')") == "Invalid last symbol 104, offset 1.");
  CHECK(Error("base64.decode('=abc')") == "Invalid symbol 61, offset 0.");
  CHECK(Error("base64.encode(1)") == "no matching overload for 'base64.encode'");
}

TEST_CASE("url encode and decode percent-encode every byte but unreserved ones") {
  CHECK(Agw(R"(url.encode("hello world/?x=1&y=2"))").text() == "hello%20world%2F%3Fx%3D1%26y%3D2");
  CHECK(Agw(R"(url.encode("abc-._~"))").text() == "abc-._~");
  CHECK(Agw(R"(url.encode("!"))").text() == "%21");
  CHECK(Agw("url.encode('\xC3\xA9')").text() == "%C3%A9");
  CHECK(Agw(R"(url.decode("hello%20world%2F%3Fx%3D1%26y%3D2"))").text() == "hello world/?x=1&y=2");
  CHECK(Agw(R"(url.decode("a+b"))").text() == "a+b");
  CHECK(Agw(R"(url.decode("100%"))").text() == "100%");
  CHECK(Agw("url.decode(12)").text() == "12");
  CHECK(Error(R"(url.decode("%FF"))") == "invalid utf-8 sequence of 1 bytes from index 0");
  CHECK(Error(R"(url.decode("a%C3"))") == "incomplete utf-8 byte sequence from index 1");
  CHECK(Error("url.decode([])") == "invalid url-encoded value: Cannot convert list to string");
}

TEST_CASE("form encodes and decodes application x-www-form-urlencoded") {
  CHECK(Json(R"(form.decode("client_id=abc&scope=openid+profile"))") ==
        R"({"client_id":"abc","scope":"openid profile"})");
  CHECK(Json(R"(form.decode("a=1&a=2&&b&a=3"))") == R"({"a":["1","2","3"],"b":""})");
  CHECK(Agw(R"(form.encode({"scope": "openid profile"}))").text() == "scope=openid+profile");
  CHECK(
      Agw(R"(form.encode({"b": ["1", "2"], "a": "x/y*", "c": null, "d": 5, "e": true}))").text() ==
      "a=x%2Fy*&b=1&b=2&d=5&e=true");
  CHECK(
      Json(
          R"(form.decode(form.encode(form.decode("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=abc").merge({"client_id": "app-id"}))))") ==
      R"({"client_id":"app-id","device_code":"abc","grant_type":"urn:ietf:params:oauth:grant-type:device_code"})");
  CHECK(Error("form.decode({})") == "no matching overload for 'form.decode'");
  CHECK(Error("form.encode([])") == "Unexpected type: got 'list', want 'map'");
  CHECK(Error(R"(form.encode({"bad": {}}))") ==
        "invalid form value for key bad: Cannot convert map to string");
}

TEST_CASE("sha1 sha256 and md5 give lowercase hex digests") {
  CHECK(Agw(R"(sha1.encode("hello"))").text() == "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d");
  CHECK(Agw(R"(sha256.encode(b"hello"))").text() ==
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  CHECK(Agw(R"(md5.encode("hello"))").text() == "5d41402abc4b2a76b9719d911017c592");
}

TEST_CASE("default replaces null missing keys and undeclared names only") {
  CHECK(Agw(R"(default(a, "b"))").text() == "b");
  CHECK(Json(R"(default({"a":1}["a"], 2))") == "1");
  CHECK(Json(R"(default({"a":1}["b"], 2))") == "2");
  CHECK(Agw(R"(default(a.b, "b"))").text() == "b");
  CHECK(Json("default(null, 3)") == "3");
  CHECK(Json(R"(default({"a": {}}.a.b.c, 4))") == "4");
  CHECK(Error("default(1 / 0, 2)") == "division by zero");
  CHECK(Error("default([1][3], 2)") == "index out of bounds: 3");
  CHECK(Error("default(1)") == "Invalid argument count: expected 2, got 1");
}

TEST_CASE("coalesce gives the first value that is neither null nor an error") {
  CHECK(Agw(R"(coalesce(a, "b"))").text() == "b");
  CHECK(Json(R"(coalesce({"a":1}["b"], {"a":2}["a"], 3))") == "2");
  CHECK(Agw(R"(coalesce(fail("bad"), 1 / 0, "fallback"))").text() == "fallback");
  CHECK(Agw(R"(coalesce(null, "fallback"))").text() == "fallback");
  CHECK(Agw("coalesce(null)").kind() == K::kNull);
  CHECK(Agw("coalesce(1 / 0, null)").kind() == K::kNull);
  CHECK(Error(R"(coalesce(fail("bad"), 1 / 0))") == "division by zero");
  CHECK(Error("coalesce()") == "Invalid argument count: expected 1, got 0");
}

TEST_CASE("with mapValues and filterKeys bind a name for an expression") {
  CHECK(Json("[1,2].with(a, a + a)") == "[1,2,1,2]");
  CHECK(Json("{'x': 1}.with(m, m.x + 1)") == "2");
  CHECK(Error("[1].with(1, 2)") == "Unexpected type: got 'expression', want 'identifier'");
  CHECK(Json(R"({"a": 1, "b": 2}.mapValues(v, v * 2))") == R"({"a":2,"b":4})");
  CHECK(Error("[1].mapValues(v, v)") == "Unexpected type: got 'list', want 'map'");
  CHECK(Json(R"({"a": 1, "b": 2}.filterKeys(k, k == "a"))") == R"({"a":1})");
  CHECK(
      Json(R"({"anthropic_ver": "x", "model": "y"}.filterKeys(k, !k.startsWith("anthropic_")))") ==
      R"({"model":"y"})");
  CHECK(Json(R"({"a": 1, "secret": 99}.filterKeys(k, k != "secret").mapValues(v, v * 2))") ==
        R"({"a":2})");
  CHECK(Json("{}.filterKeys(k, true)") == "{}");
  CHECK(Error(R"({"a": 1}.filterKeys(k, k / 0))") == "no such overload: _/_");
  CHECK(Error(R"({"a": 1}.filterKeys(k, 42))") == "no such overload");
  CHECK(Error("[1, 2].filterKeys(k, true)") == "Unexpected type: got 'list', want 'map'");
  CHECK(Error("{}.filterKeys(k)") == "Invalid argument count: expected 2, got 1");
}

TEST_CASE("variables lists the bound variables that are not null") {
  Activation vars;
  vars.Bind("request", Value::Map({{Value::String("method"), Value::String("GET")}}));
  vars.Bind("jwt", Value());
  vars.Bind("env", Value::Map({}));
  CHECK(Json("variables()", vars) == R"({"request":{"method":"GET"},"env":{}})");
  CHECK(Json("variables().request.method", vars) == R"("GET")");
}

TEST_CASE("selection on a value that is not a map is a missing key in the dialect") {
  Activation vars;
  vars.Bind("jwt", Value());
  CHECK(Error("jwt.sub", vars) == "no such key: sub");
  CHECK_FALSE(True("has(jwt.sub)", vars));
  CHECK(True("!has(jwt.sub)", vars));
  CHECK(True("jwt == null", vars));
  CHECK(Agw("default(jwt.sub, 'anonymous')", vars).text() == "anonymous");
  CHECK(Error("'abc'.length", vars) == "no such key: length");
}

TEST_CASE("flatten marks a list or map for the logs") {
  Value list = Agw("flatten([1, 2])");
  std::optional<FlattenMarker> marker = AsFlattenMarker(list);
  REQUIRE(marker);
  CHECK_FALSE(marker->recursive);
  CHECK(JsonText(marker->items) == "[1,2]");
  CHECK(JsonText(list) == R"({"$_meta_flatten_list":[1,2]})");
  marker = AsFlattenMarker(Agw("flattenRecursive({'a': {'b': 1}})"));
  REQUIRE(marker);
  CHECK(marker->recursive);
  CHECK(JsonText(marker->items) == R"({"a":{"b":1}})");
  CHECK(AsFlattenMarker(Agw("flatten_recursive([])")));
  CHECK(JsonText(Agw("flatten({'a': 1})")) == R"({"$_meta_flatten_map":{"a":1}})");
  CHECK(Error("flatten(1)") == "flatten only works on Map or List");
  CHECK_FALSE(AsFlattenMarker(Agw("{'$_meta_flatten_list': 1}")));
  CHECK_FALSE(AsFlattenMarker(Agw("{'a': [1]}")));
}

TEST_CASE("a redacted string reads as redacted until unredacted") {
  Activation vars;
  vars.Bind("key", RedactedString("s3cret"));
  CHECK(True("key == '<redacted>'", vars));
  CHECK(True("['<redacted>'] == [key]", vars));
  CHECK(Agw("string(key)", vars).text() == "<redacted>");
  CHECK(Agw("toJson({'k': key})", vars).text() == R"({"k":"<redacted>"})");
  CHECK(Agw("key.unredacted()", vars).text() == "s3cret");
  CHECK(True("key.unredacted() == 's3cret' && key.size() == 10", vars));
  CHECK(Error("key.unredacted(1)", vars) == "Invalid argument count: expected 0, got 1");
  CHECK(Error("key.foo", vars) == "no such key: foo");
  CHECK(JsonText(Materialized(Value::List({RedactedString("x")}))) == R"(["<redacted>"])");
}

TEST_CASE("a header view gives a string for one value and a list for several") {
  Activation vars;
  vars.Bind("headers", HeaderView({{"X-One", "a"},
                                   {"x-many", "1, 2"},
                                   {"Authorization", "Bearer t"},
                                   {"X-Many", "3"},
                                   {"cookie", "session=abc; theme = dark"},
                                   {"cookie", "other=1"}},
                                  {"authorization"}));
  CHECK(Agw("headers['x-one']", vars).text() == "a");
  CHECK(Agw("headers['X-ONE']", vars).text() == "a");
  CHECK(Agw("headers.x_one", vars).is_error());
  CHECK(Json("headers['x-many']", vars) == R"(["1, 2","3"])");
  CHECK(Json("headers.join()['x-many']", vars) == R"("1, 2,3")");
  CHECK(Json("headers.join()['x-one']", vars) == R"("a")");
  CHECK(Json("headers.raw()['x-one']", vars) == R"(["a"])");
  CHECK(Json("headers.split()['x-many']", vars) == R"(["1","2","3"])");
  CHECK(Json("headers.join().raw()['x-many']", vars) == R"(["1, 2","3"])");
  CHECK(Agw("headers['authorization']", vars).text() == "Bearer t");
  CHECK(Agw("headers.redacted()['authorization']", vars).text() == "<redacted>");
  CHECK(Agw("headers.redacted().join()['authorization']", vars).text() == "<redacted>");
  CHECK(Error("headers['x-absent']", vars) == "no such key: x-absent");
  CHECK(True("has(headers.cookie) && !has(headers.absent)", vars));
  CHECK(True("'x-one' in headers && size(headers) == 4", vars));
  CHECK(Agw("headers.cookie('theme')", vars).text() == "dark");
  CHECK(Agw("headers.cookie('other')", vars).text() == "1");
  CHECK(Error("headers.cookie('none')", vars) == "no such key: none");
  CHECK(Json("headers", vars).empty() == false);
  CHECK(JsonText(Materialized(Agw("headers.redacted()", vars))) ==
        R"({"x-one":"a","x-many":["1, 2","3"],"authorization":"<redacted>",)"
        R"("cookie":["session=abc; theme = dark","other=1"]})");
  CHECK(Agw("default(headers['x-absent'], 'none')", vars).text() == "none");
  CHECK(Json("headers.filterKeys(k, k.startsWith('x-'))", vars) ==
        R"({"x-one":"a","x-many":["1, 2","3"]})");

  Activation bad;
  bad.Bind("headers", HeaderView({{"cookie", "novalue"}}, {}));
  CHECK(Error("headers.cookie('a')", bad) == "the cookie is missing a name/value pair");
}

TEST_CASE("a query view reads and rewrites the query") {
  Activation vars;
  vars.Bind("uri", QueryView("http://example.com/api?k=v&k=w+x&z=%2F"));
  vars.Bind("path", QueryView("/api"));
  CHECK(Agw("uri", vars).kind() == K::kOpaque);
  CHECK(True("uri == 'http://example.com/api?k=v&k=w+x&z=%2F'", vars));
  CHECK(Json("uri.query('k')", vars) == R"(["v","w x"])");
  CHECK(Json("uri.query('z')", vars) == R"(["/"])");
  CHECK(Error("uri.query('q')", vars) == "no such key: q");
  CHECK(Error("path.query('q')", vars) == "no such key: q");
  CHECK(Json("uri.addQuery('a', 'b c')", vars) ==
        R"("http://example.com/api?k=v&k=w+x&z=%2F&a=b+c")");
  CHECK(Json("uri.setQuery('k', '1')", vars) == R"("http://example.com/api?z=%2F&k=1")");
  CHECK(Json("path.setQuery('k', '1').query('k')", vars) == R"(["1"])");
  CHECK(True("uri.startsWith('http://') && path.endsWith('api')", vars));
}

TEST_CASE("jwt claims hide the raw token from the map but select it") {
  Activation vars;
  vars.Bind("jwt", JwtClaimsView(Agw(R"(json('{"sub":"me","groups":["a"]}'))"), "h.p.s"));
  CHECK(Agw("jwt.sub", vars).text() == "me");
  CHECK(Agw("jwt.rawToken.unredacted()", vars).text() == "h.p.s");
  CHECK(True("jwt.rawToken == '<redacted>' && has(jwt.rawToken)", vars));
  CHECK(True("!('rawToken' in jwt) && 'a' in jwt.groups", vars));
  CHECK(Json("toJson(jwt)", vars) == R"("{\"sub\":\"me\",\"groups\":[\"a\"]}")");
}

}  // namespace
}  // namespace agw::validate::cel
