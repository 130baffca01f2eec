// ValidateRules (validator.h) on small inline CRD schemas: each semantic of the API server's
// x-kubernetes-validations pass on create (apiextensions-apiserver schema/cel/validation.go,
// apiserver cel/common/values.go and escaping.go), pinned with whole rendered messages and the
// line:col they point at. Tests marked [!mayfail] state the server's behaviour where ours differs.

#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "validate/manifest/diagnostic.h"
#include "validate/manifest/loader.h"
#include "validate/schema/admission.h"
#include "validate/schema/catalog.h"
#include "validate/schema/schema.h"
#include "validate/schema/validator.h"

namespace agw::validate::schema {
namespace {

// Four lines, so that `spec:` is line 5 of every document below.
constexpr char kHead[] = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n";

// A root schema as CRDs write it, with `spec` holding `properties` (JSON members) and the
// rules `spec_rules` (a JSON array, or empty).
std::string SpecSchema(std::string_view properties, std::string_view spec_rules = {}) {
  std::string spec = R"~({"type":"object","properties":{)~" + std::string(properties) + "}";
  if (!spec_rules.empty()) {
    spec += R"~(,"x-kubernetes-validations":)~" + std::string(spec_rules);
  }
  return R"~({"type":"object","properties":{"apiVersion":{"type":"string"},)~"
         R"~("kind":{"type":"string"},"metadata":{"type":"object"},"spec":)~" +
         spec + "}}}";
}

// The rule errors of the one document `yaml` under `schema_json`, each as
// "line:col <rendered error>".
std::vector<std::string> RuleErrors(std::string_view schema_json, const std::string& yaml) {
  Json json = Json::parse(schema_json, nullptr, /*allow_exceptions=*/false);
  INFO(schema_json);
  REQUIRE_FALSE(json.is_discarded());
  auto schema = CompileSchema(json);
  INFO((schema ? "" : schema.error()));
  REQUIRE(schema);
  validate::manifest::Manifest manifest;
  validate::manifest::DiagnosticSink sink;
  validate::manifest::LoadText(manifest, "m.yaml", yaml, {}, sink);
  REQUIRE_FALSE(sink.HasErrors());
  REQUIRE(manifest.resources.size() == 1);
  std::vector<std::string> out;
  for (const FieldError& error : ValidateRules(*schema, manifest.resources[0].object)) {
    out.push_back(std::to_string(error.position.line) + ":" +
                  std::to_string(error.position.column) + " " + error.Render());
    UNSCOPED_INFO("got: " << out.back());  // shown by the caller's failing check
  }
  return out;
}

using Errors = std::vector<std::string>;

TEST_CASE("A false rule names the schema type of its node: self is the node's value") {
  std::string schema = SpecSchema(R"~(
    "obj": {"type":"object","properties":{"a":{"type":"integer"}},
            "x-kubernetes-validations":[{"rule":"self.a == 2"}]},
    "arr": {"type":"array","items":{"type":"string"},
            "x-kubernetes-validations":[{"rule":"size(self) == 0"}]},
    "str": {"type":"string","x-kubernetes-validations":[{"rule":"self == 'no'"}]},
    "int": {"type":"integer","x-kubernetes-validations":[{"rule":"self > 5"}]},
    "num": {"type":"number","x-kubernetes-validations":[{"rule":"self > 5.0"}]},
    "flag": {"type":"boolean","x-kubernetes-validations":[{"rule":"!self"}]},
    "ios": {"x-kubernetes-int-or-string":true,
            "x-kubernetes-validations":[{"rule":"self == 'x'"}]},
    "raw": {"x-kubernetes-preserve-unknown-fields":true,
            "x-kubernetes-validations":[{"rule":"self == 'never'"}]})~");
  CHECK(RuleErrors(schema, std::string(kHead) + R"~(spec:
  obj: {a: 1}
  arr: [x]
  str: hello
  int: 3
  num: 2.5
  flag: true
  ios: 3
  raw: {k: v}
)~") == Errors{
            R"~(6:8 spec.obj: Invalid value: "object": failed rule: self.a == 2)~",
            R"~(7:8 spec.arr: Invalid value: "array": failed rule: size(self) == 0)~",
            R"~(8:8 spec.str: Invalid value: "string": failed rule: self == 'no')~",
            R"~(9:8 spec.int: Invalid value: "integer": failed rule: self > 5)~",
            R"~(10:8 spec.num: Invalid value: "number": failed rule: self > 5.0)~",
            R"~(11:9 spec.flag: Invalid value: "boolean": failed rule: !self)~",
            R"~(12:8 spec.ios: Invalid value: "": failed rule: self == 'x')~",
            R"~(13:8 spec.raw: Invalid value: "": failed rule: self == 'never')~",
        });
  // The same rules hold of values that satisfy them.
  CHECK(RuleErrors(schema, std::string(kHead) + R"~(spec:
  obj: {a: 2}
  arr: []
  str: 'no'
  int: 6
  num: 6
  flag: false
  ios: x
  raw: never
)~")
            .empty());
}

TEST_CASE("Without a message the error is the trimmed rule text and a message is trimmed") {
  std::string schema = SpecSchema(R"~(
    "count": {"type":"integer","x-kubernetes-validations":[
      {"rule":"  self > 5\n"},
      {"rule":"self > 6","message":"  must exceed six  "}]})~");
  CHECK(RuleErrors(schema, std::string(kHead) + "spec:\n  count: 3\n") ==
        Errors{
            R"~(6:10 spec.count: Invalid value: "integer": failed rule: self > 5)~",
            R"~(6:10 spec.count: Invalid value: "integer": must exceed six)~",
        });
}

TEST_CASE("A messageExpression is used when it gives one non-empty line and else the message") {
  std::string schema = SpecSchema(R"~(
    "count": {"type":"integer","x-kubernetes-validations":[
      {"rule":"self > 5","messageExpression":"'n is ' + string(self)"},
      {"rule":"self > 6","messageExpression":"'  padded  '"},
      {"rule":"self > 7","messageExpression":"'\\nhello\\n'"},
      {"rule":"self > 8","messageExpression":"string(self / 0)","message":"m-error"},
      {"rule":"self > 9","messageExpression":"self","message":"m-int"},
      {"rule":"self > 10","messageExpression":"''"},
      {"rule":"self > 11","messageExpression":"'   '","message":"m-blank"},
      {"rule":"self > 12","messageExpression":"'a\\nb'","message":"m-newline"}]})~");
  CHECK(RuleErrors(schema, std::string(kHead) + "spec:\n  count: 3\n") ==
        Errors{
            R"~(6:10 spec.count: Invalid value: "integer": n is 3)~",
            R"~(6:10 spec.count: Invalid value: "integer": padded)~",
            R"~(6:10 spec.count: Invalid value: "integer": hello)~",
            R"~(6:10 spec.count: Invalid value: "integer": m-error)~",
            R"~(6:10 spec.count: Invalid value: "integer": m-int)~",
            R"~(6:10 spec.count: Invalid value: "integer": failed rule: self > 10)~",
            R"~(6:10 spec.count: Invalid value: "integer": m-blank)~",
            R"~(6:10 spec.count: Invalid value: "integer": m-newline)~",
        });
}

TEST_CASE("A rule's reason picks the field error type") {
  std::string schema = SpecSchema(R"~(
    "f": {"type":"string","x-kubernetes-validations":[
      {"rule":"self == 'a'","message":"not here","reason":"FieldValueForbidden"},
      {"rule":"self == 'b'","reason":"FieldValueForbidden"},
      {"rule":"self == 'c'","message":"needed","reason":"FieldValueRequired"},
      {"rule":"self == 'd'","message":"twice","reason":"FieldValueDuplicate"},
      {"rule":"self == 'e'","reason":"FieldValueInvalid"}]})~");
  CHECK(RuleErrors(schema, std::string(kHead) + "spec:\n  f: x\n") ==
        Errors{
            R"~(6:6 spec.f: Forbidden: not here)~",
            R"~(6:6 spec.f: Forbidden: failed rule: self == 'b')~",
            R"~(6:6 spec.f: Required value: needed)~",
            R"~(6:6 spec.f: Duplicate value: "string")~",
            R"~(6:6 spec.f: Invalid value: "string": failed rule: self == 'e')~",
        });
}

TEST_CASE("A fieldPath reports below the node with the node's type at the target") {
  std::string schema = SpecSchema(
      R"~("a": {"type":"object","properties":{"b":{"type":"string"}}},
          "x.y": {"type":"string"},
          "m": {"type":"object","additionalProperties":{"type":"string"}})~",
      R"~([{"rule":"self.a.b == 'ok'","fieldPath":".a.b","message":"bad b"},
           {"rule":"self.x__dot__y == 'ok'","fieldPath":"['x.y']","message":"bad x.y"},
           {"rule":"self.m['k'] == 'ok'","fieldPath":".m['k']","message":"bad m.k",
            "reason":"FieldValueForbidden"}])~");
  CHECK(RuleErrors(schema, std::string(kHead) + R"~(spec:
  a:
    b: no
  x.y: no
  m: {k: no}
)~") == Errors{
            R"~(7:8 spec.a.b: Invalid value: "object": bad b)~",
            R"~(8:8 spec.x.y: Invalid value: "object": bad x.y)~",
            R"~(9:10 spec.m[k]: Forbidden: bad m.k)~",
        });
}

TEST_CASE("A fieldPath whose target is absent points at the node") {
  std::string schema = SpecSchema(
      R"~("a": {"type":"object","properties":{"b":{"type":"string"}}},
          "c": {"type":"string"})~",
      R"~([{"rule":"has(self.a)","fieldPath":".a","message":"a is needed",
            "reason":"FieldValueRequired"}])~");
  CHECK(RuleErrors(schema, std::string(kHead) + "spec:\n  c: x\n") ==
        Errors{R"~(6:3 spec.a: Required value: a is needed)~"});
}

// ValidFieldPath turns `['x.y']` on a map into field.Path Key("x.y"), whose String() is "[x.y]";
// the validator then appends that text with Child(), which field.Path prints as ".[x.y]".
TEST_CASE("A fieldPath naming a key of the node's own map is printed as .[key]") {
  std::string schema = SpecSchema(R"~(
    "labels": {"type":"object","additionalProperties":{"type":"string"},
               "x-kubernetes-validations":[
                 {"rule":"!('x.y' in self)","fieldPath":"['x.y']","message":"no x.y"}]})~");
  CHECK(RuleErrors(schema, std::string(kHead) + "spec:\n  labels:\n    x.y: v\n") ==
        Errors{R"~(7:10 spec.labels.[x.y]: Invalid value: "object": no x.y)~"});
}

TEST_CASE("Runtime errors are reported with the message or the rule") {
  std::string schema = SpecSchema(
      R"~("m": {"type":"object","additionalProperties":{"type":"string"}},
          "count": {"type":"integer"})~",
      R"~([{"rule":"self.count == 1"},
           {"rule":"self.count == 1","message":"count must be one"},
           {"rule":"self.m['a'] == 'b'"}])~");
  CHECK(
      RuleErrors(schema, std::string(kHead) + "spec:\n  m: {a: c}\n") ==
      Errors{
          R"~(6:3 spec: Invalid value: "object": no such key: count evaluating rule: self.count )~"
          R"~(== 1)~",
          R"~(6:3 spec: Invalid value: "object": no such key: count evaluating rule: count must )~"
          R"~(be one)~",
          R"~(6:3 spec: Invalid value: "object": failed rule: self.m['a'] == 'b')~",
      });
}

// unstructuredMap.Get (and cel-go's own maps) answer a missing key with "no such key: %v".
TEST_CASE("A missing map key names the key") {
  std::string schema =
      SpecSchema(R"~("m": {"type":"object","additionalProperties":{"type":"string"}})~",
                 R"~([{"rule":"self.m['zz'] == 'a'"}])~");
  CHECK(RuleErrors(schema, std::string(kHead) + "spec:\n  m: {a: c}\n") ==
        Errors{
            R"~(6:3 spec: Invalid value: "object": no such key: zz evaluating rule: self.m['zz'] )~"
            R"~(== 'a')~"});
}

// cel-go's error text is "division by zero" (common/types/err.go errDivideByZero); the
// Kubernetes tests look for it ("1 / 0 == 1 / 0": "division by zero").
TEST_CASE("Division by zero is cel-go's text") {
  std::string schema = SpecSchema(R"~(
    "count": {"type":"integer","x-kubernetes-validations":[{"rule":"self / 0 == 1"}]})~");
  CHECK(
      RuleErrors(schema, std::string(kHead) + "spec:\n  count: 3\n") ==
      Errors{
          R"~(6:10 spec.count: Invalid value: "integer": division by zero evaluating rule: self )~"
          R"~(/ 0 == 1)~"});
}

TEST_CASE("An int-or-string compared with a string is false by heterogeneous equality") {
  std::string schema = SpecSchema(R"~(
    "ios": {"x-kubernetes-int-or-string":true,
            "x-kubernetes-validations":[{"rule":"self != 'a'","message":"not a"}]})~");
  CHECK(RuleErrors(schema, std::string(kHead) + "spec:\n  ios: 3\n").empty());
  CHECK(RuleErrors(schema, std::string(kHead) + "spec:\n  ios: a\n") ==
        Errors{R"~(6:8 spec.ios: Invalid value: "": not a)~"});
}

// cel-go's `<` calls Int.Compare, which answers a string with MaybeNoSuchOverloadErr: the bare
// text "no such overload", which the server quotes.
TEST_CASE("An int-or-string ordered against a string is a no-such-overload error") {
  std::string schema = SpecSchema(R"~(
    "ios": {"x-kubernetes-int-or-string":true,
            "x-kubernetes-validations":[{"rule":"self < 'a'"}]})~");
  CHECK(
      RuleErrors(schema, std::string(kHead) + "spec:\n  ios: 3\n") ==
      Errors{R"~(6:8 spec.ios: Invalid value: "": 'no such overload': call arguments did not )~"
             R"~(match a supported operator, function or macro signature for rule: self < 'a')~"});
}

TEST_CASE("A no-such-overload at runtime gets the server's wording around the error") {
  std::string schema = SpecSchema(R"~(
    "ios": {"x-kubernetes-int-or-string":true,
            "x-kubernetes-validations":[{"rule":"self < 'a'","message":"ordered"}]})~");
  Errors errors = RuleErrors(schema, std::string(kHead) + "spec:\n  ios: 3\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].starts_with(R"~(6:8 spec.ios: Invalid value: "": 'no such overload)~"));
  CHECK(errors[0].ends_with(
      "': call arguments did not match a supported operator, function or macro signature for "
      "rule: ordered"));
}

TEST_CASE("Reserved and punctuated property names are read escaped and map keys as written") {
  std::string schema = SpecSchema(
      R"~("namespace": {"type":"string"},
          "a-b": {"type":"string"},
          "x.y": {"type":"string"},
          "p/q": {"type":"string"},
          "u__v": {"type":"string"},
          "labels": {"type":"object","additionalProperties":{"type":"string"}})~",
      R"~([{"rule":"self.__namespace__ == 'ns' && self.a__dash__b == 'ab' && )~"
      R"~(self.x__dot__y == 'xy' && self.p__slash__q == 'pq' && self.u__underscores__v == 'uv'"},
           {"rule":"self.labels['a-b'] == 'l' && self.labels['x.y'] == 'm'"},
           {"rule":"!has(self.__namespace__)","message":"namespace is set"}])~");
  CHECK(RuleErrors(schema, std::string(kHead) + R"~(spec:
  namespace: ns
  a-b: ab
  x.y: xy
  p/q: pq
  u__v: uv
  labels: {a-b: l, x.y: m}
)~") == Errors{R"~(6:3 spec: Invalid value: "object": namespace is set)~"});
}

TEST_CASE("Null fields are absent and null nodes run no rules") {
  std::string schema = SpecSchema(
      R"~("opt": {"type":"string","nullable":true,
                  "x-kubernetes-validations":[{"rule":"self == 'never'"}]},
          "other": {"type":"string"})~",
      R"~([{"rule":"!has(self.opt)"},
           {"rule":"has(self.opt)","message":"opt is absent"}])~");
  CHECK(RuleErrors(schema, std::string(kHead) + "spec:\n  opt: null\n  other: x\n") ==
        Errors{R"~(6:3 spec: Invalid value: "object": opt is absent)~"});
}

TEST_CASE("The root sees apiVersion kind and metadata.name but no other metadata") {
  std::string schema = R"~({"type":"object","properties":{
      "apiVersion":{"type":"string"},"kind":{"type":"string"},"metadata":{"type":"object"},
      "spec":{"type":"object","properties":{"a":{"type":"string"}}}},
    "x-kubernetes-validations":[
      {"rule":"self.metadata.name == 'w'"},
      {"rule":"self.apiVersion == 'example.com/v1' && self.kind == 'Widget'"},
      {"rule":"!has(self.metadata.namespace) && !has(self.metadata.labels)"},
      {"rule":"self.spec.a == 'x'"},
      {"rule":"self.metadata.name == 'other'"}]})~";
  CHECK(RuleErrors(schema, R"~(apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
  namespace: ns
  labels: {app: w}
spec:
  a: x
)~") == Errors{
            R"~(1:1 <nil>: Invalid value: "object": failed rule: self.metadata.name == 'other')~"});
}

TEST_CASE("A number node holding an integer is a double equal to the integer") {
  std::string schema = SpecSchema(R"~(
    "num": {"type":"number","x-kubernetes-validations":[
      {"rule":"self == 1"},
      {"rule":"self == 1.0"},
      {"rule":"type(self) == double"},
      {"rule":"type(self) == int"}]},
    "int": {"type":"integer","x-kubernetes-validations":[
      {"rule":"type(self) == int"},
      {"rule":"self == 2.0"}]})~");
  CHECK(RuleErrors(schema, std::string(kHead) + "spec:\n  num: 1\n  int: 2\n") ==
        Errors{R"~(6:8 spec.num: Invalid value: "number": failed rule: type(self) == int)~"});
}

TEST_CASE("Transition rules are skipped on create") {
  std::string schema = SpecSchema(R"~(
    "s": {"type":"string","x-kubernetes-validations":[
      {"rule":"self == oldSelf","message":"immutable"},
      {"rule":"oldSelf == 'never'"},
      {"rule":"self == 'x'","message":"still runs"}]})~");
  CHECK(RuleErrors(schema, std::string(kHead) + "spec:\n  s: v\n") ==
        Errors{R"~(6:6 spec.s: Invalid value: "string": still runs)~"});
}

TEST_CASE("optionalOldSelf rules run on create with oldSelf optional.none()") {
  std::string schema = SpecSchema(R"~(
    "s": {"type":"string","x-kubernetes-validations":[
      {"rule":"!oldSelf.hasValue() || self == oldSelf.value()","optionalOldSelf":true},
      {"rule":"oldSelf.orValue('none') == 'none'","optionalOldSelf":true},
      {"rule":"oldSelf.orValue('none') == 'old'","optionalOldSelf":true,"message":"orValue"},
      {"rule":"oldSelf.hasValue()","optionalOldSelf":true},
      {"rule":"oldSelf.value() == 'v'","optionalOldSelf":true}]})~");
  CHECK(
      RuleErrors(schema, std::string(kHead) + "spec:\n  s: v\n") ==
      Errors{
          R"~(6:6 spec.s: Invalid value: "string": orValue)~",
          R"~(6:6 spec.s: Invalid value: "string": failed rule: oldSelf.hasValue())~",
          R"~(6:6 spec.s: Invalid value: "string": optional.none() dereference evaluating rule: )~"
          R"~(oldSelf.value() == 'v')~",
      });
}

// The server evaluates every messageExpression with the activation of the rules without
// optionalOldSelf, where oldSelf is undefined on create: one that reads oldSelf fails, and the
// message is used.
TEST_CASE("A messageExpression cannot read oldSelf on create") {
  std::string schema = SpecSchema(R"~(
    "s": {"type":"string","x-kubernetes-validations":[
      {"rule":"self == 'x' && size([oldSelf]) == 1","optionalOldSelf":true,
       "messageExpression":"'oldSelf seen ' + string(size([oldSelf]))",
       "message":"oldSelf unseen"}]})~");
  CHECK(RuleErrors(schema, std::string(kHead) + "spec:\n  s: v\n") ==
        Errors{R"~(6:6 spec.s: Invalid value: "string": oldSelf unseen)~"});
}

// The transition rule errors of `new_yaml` replacing `old_yaml` (one document each), as
// "line:col <rendered error>" (positions in the new document).
std::vector<std::string> TransitionErrors(std::string_view schema_json, const std::string& old_yaml,
                                          const std::string& new_yaml) {
  auto schema = CompileSchema(Json::parse(schema_json));
  REQUIRE(schema);
  // Two manifests: one object with one name is a duplicate within a manifest.
  validate::manifest::Manifest old_manifest;
  validate::manifest::Manifest new_manifest;
  validate::manifest::DiagnosticSink sink;
  validate::manifest::LoadText(old_manifest, "old.yaml", old_yaml, {}, sink);
  validate::manifest::LoadText(new_manifest, "new.yaml", new_yaml, {}, sink);
  REQUIRE_FALSE(sink.HasErrors());
  REQUIRE(old_manifest.resources.size() == 1);
  REQUIRE(new_manifest.resources.size() == 1);
  std::vector<std::string> out;
  for (const FieldError& error : ValidateTransitions(*schema, new_manifest.resources[0].object,
                                                     old_manifest.resources[0].object)) {
    out.push_back(std::to_string(error.position.line) + ":" +
                  std::to_string(error.position.column) + " " + error.Render());
  }
  return out;
}

TEST_CASE("On update transition rules see the old value and only they run") {
  std::string schema = SpecSchema(R"~(
    "s": {"type":"string","x-kubernetes-validations":[
      {"rule":"self == oldSelf","message":"Value is immutable"},
      {"rule":"self == 'x'","message":"a create rule: not run here"},
      {"rule":"oldSelf.hasValue() && self != oldSelf.value()","optionalOldSelf":true,
       "messageExpression":"'was ' + oldSelf"}]},
    "count": {"type":"integer","x-kubernetes-validations":[
      {"rule":"self >= oldSelf","message":"may only grow"}]})~");
  std::string before = std::string(kHead) + "spec:\n  s: v\n  count: 3\n";
  // A messageExpression runs in the activation without optionalOldSelf, where oldSelf is the
  // plain old value on update.
  CHECK(TransitionErrors(schema, before, before) ==
        Errors{R"~(6:6 spec.s: Invalid value: "string": was v)~"});
  CHECK(TransitionErrors(schema, before, std::string(kHead) + "spec:\n  s: w\n  count: 2\n") ==
        Errors{R"~(6:6 spec.s: Invalid value: "string": Value is immutable)~",
               R"~(7:10 spec.count: Invalid value: "integer": may only grow)~"});
}

TEST_CASE("On update a field the old object lacks runs no transition rule") {
  std::string schema = SpecSchema(R"~(
    "s": {"type":"string","x-kubernetes-validations":[
      {"rule":"self == oldSelf","message":"Value is immutable"}]})~");
  CHECK(TransitionErrors(schema, std::string(kHead) + "spec: {}\n",
                         std::string(kHead) + "spec:\n  s: new\n")
            .empty());
}

TEST_CASE("On update map-list items correlate by key and other lists do not correlate") {
  std::string schema = SpecSchema(R"~(
    "byName": {"type":"array","x-kubernetes-list-type":"map",
      "x-kubernetes-list-map-keys":["name"],
      "items":{"type":"object","properties":{"name":{"type":"string"},
        "port":{"type":"integer","x-kubernetes-validations":[
          {"rule":"self == oldSelf","message":"port is immutable"}]}}}},
    "atomic": {"type":"array",
      "items":{"type":"object","properties":{"port":{"type":"integer",
        "x-kubernetes-validations":[{"rule":"self == oldSelf","message":"never seen"}]}}}})~");
  std::string before = std::string(kHead) +
                       "spec:\n  byName:\n  - name: a\n    port: 1\n  - name: b\n    port: 2\n"
                       "  atomic:\n  - port: 1\n";
  // Reordered: items are found by name, so only b's port change is refused.
  std::string after = std::string(kHead) +
                      "spec:\n  byName:\n  - name: b\n    port: 5\n  - name: a\n    port: 1\n"
                      "  - name: c\n    port: 9\n  atomic:\n  - port: 7\n";
  CHECK(TransitionErrors(schema, before, after) ==
        Errors{R"~(8:11 spec.byName[0].port: Invalid value: "integer": port is immutable)~"});
}

TEST_CASE("A node's rules come before its children's and array items in order") {
  std::string schema = SpecSchema(
      R"~("items": {"type":"array",
            "x-kubernetes-validations":[{"rule":"size(self) > 3","message":"list short"}],
            "items":{"type":"object",
              "x-kubernetes-validations":[{"rule":"self.v > 10","message":"item small"}],
              "properties":{"v":{"type":"integer",
                "x-kubernetes-validations":[{"rule":"self != 2","message":"v two"}]}}}})~",
      R"~([{"rule":"size(self.items) == 0","message":"spec first"},
           {"rule":"size(self.items) > 5","message":"spec second"}])~");
  CHECK(RuleErrors(schema, std::string(kHead) + R"~(spec:
  items:
  - v: 1
  - v: 2
  - v: 20
)~") == Errors{
            R"~(6:3 spec: Invalid value: "object": spec first)~",
            R"~(6:3 spec: Invalid value: "object": spec second)~",
            R"~(7:3 spec.items: Invalid value: "array": list short)~",
            R"~(7:5 spec.items[0]: Invalid value: "object": item small)~",
            R"~(8:5 spec.items[1]: Invalid value: "object": item small)~",
            R"~(8:8 spec.items[1].v: Invalid value: "integer": v two)~",
        });
}

TEST_CASE("A rule that does not parse is a compile error at its node and the others still run") {
  std::string schema = SpecSchema(R"~(
    "count": {"type":"integer","x-kubernetes-validations":[
      {"rule":"self >"},
      {"rule":"self > 5"}]})~");
  Errors errors = RuleErrors(schema, std::string(kHead) + "spec:\n  count: 3\n");
  REQUIRE(errors.size() == 2);
  const std::string_view prefix =
      R"~(6:10 spec.count: Invalid value: "integer": rule compile error: )~";
  CHECK(errors[0].starts_with(prefix));
  CHECK(errors[0].size() > prefix.size());
  CHECK(errors[1] == R"~(6:10 spec.count: Invalid value: "integer": failed rule: self > 5)~");
}

TEST_CASE("A rule over its cost limit stops validation with the server's words") {
  std::string list = "[";
  for (int i = 0; i < 200; ++i) {
    list += (i > 0 ? ", " : "") + std::to_string(i);
  }
  list += "]";
  std::string schema = SpecSchema(R"~(
    "list": {"type":"array","items":{"type":"integer"},"x-kubernetes-validations":[
      {"rule":"self.all(a, self.all(b, self.all(c, a + b + c >= 0)))"},
      {"rule":"false","message":"not reached"}]},
    "later": {"type":"string",
              "x-kubernetes-validations":[{"rule":"false","message":"not reached"}]})~");
  CHECK(
      RuleErrors(schema, std::string(kHead) + "spec:\n  list: " + list + "\n  later: x\n") ==
      Errors{R"~(6:9 spec.list: Invalid value: "array": 'operation cancelled: actual cost )~"
             R"~(limit exceeded': no further validation rules will be run due to call cost )~"
             R"~(exceeds limit for rule: self.all(a, self.all(b, self.all(c, a + b + c >= 0))))~"});
}

// Beyond the brief's list: UnstructuredToVal gives strings of format duration, date, date-time
// and byte the CEL types duration, timestamp and bytes.
TEST_CASE("A string of format duration is a CEL duration") {
  std::string schema = SpecSchema(R"~(
    "timeout": {"type":"string","format":"duration","x-kubernetes-validations":[
      {"rule":"self > duration('1m')"},
      {"rule":"type(self) == google.protobuf.Duration"}]})~");
  CHECK(RuleErrors(schema, std::string(kHead) + "spec:\n  timeout: 90s\n") == Errors{});
}

TEST_CASE("Strings of format date date-time and byte are timestamps and bytes") {
  std::string schema = SpecSchema(R"~(
    "day": {"type":"string","format":"date","x-kubernetes-validations":[
      {"rule":"self == timestamp('2026-12-07T00:00:00Z')"}]},
    "at": {"type":"string","format":"date-time","x-kubernetes-validations":[
      {"rule":"self.getHours() == 10 && type(self) == google.protobuf.Timestamp"}]},
    "blob": {"type":"string","format":"byte","x-kubernetes-validations":[
      {"rule":"self == b'hi' && size(self) == 2"}]})~");
  CHECK(RuleErrors(schema, std::string(kHead) +
                               "spec:\n  day: 2026-12-07\n  at: 2026-12-07T10:30:00Z\n"
                               "  blob: aGk=\n") == Errors{});
}

// Lists of x-kubernetes-list-type set (and map) compare without regard to order
// (unstructuredSetList.Equal, unstructuredMapList.Equal).
TEST_CASE("Set lists are equal whatever their order") {
  std::string schema = SpecSchema(
      R"~("a": {"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"}},
          "b": {"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"}})~",
      R"~([{"rule":"self.a == self.b"}])~");
  CHECK(RuleErrors(schema, std::string(kHead) + "spec:\n  a: [x, y]\n  b: [y, x]\n") == Errors{});
}

TEST_CASE("Map lists are equal by key and + merges by key") {
  std::string item =
      R"~({"type":"object","properties":{"name":{"type":"string"},"port":{"type":"integer"}}})~";
  std::string list =
      R"~({"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"],"items":)~" +
      item + "}";
  std::string schema = SpecSchema("\"a\": " + list + ", \"b\": " + list,
                                  R"~([{"rule":"self.a == self.b"},
                                       {"rule":"(self.a + [{'name': 'x', 'port': 9}]).size() == 2"},
                                       {"rule":"(self.a + [{'name': 'x', 'port': 9}]).exists(i, i.name == 'x' && i.port == 9)"},
                                       {"rule":"(self.a + [{'name': 'z', 'port': 1}]).size() == 3"}])~");
  CHECK(RuleErrors(schema, std::string(kHead) +
                               "spec:\n  a: [{name: x, port: 1}, {name: y, port: 2}]\n"
                               "  b: [{name: y, port: 2}, {name: x, port: 1}]\n") == Errors{});
  CHECK(RuleErrors(schema, std::string(kHead) +
                               "spec:\n  a: [{name: x, port: 1}, {name: y, port: 2}]\n"
                               "  b: [{name: y, port: 2}, {name: x, port: 3}]\n") ==
        Errors{"6:3 spec: Invalid value: \"object\": failed rule: self.a == self.b"});
}

TEST_CASE("Set lists add only what they lack") {
  std::string schema = SpecSchema(
      R"~("a": {"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"}})~",
      R"~([{"rule":"self.a + ['p', 'r'] == ['p', 'q', 'r'] && (self.a + ['p']).size() == 2"}])~");
  // Not x and y: YAML 1.1, as kubectl reads it, makes a bare y the boolean true.
  CHECK(RuleErrors(schema, std::string(kHead) + "spec:\n  a: [p, q]\n") == Errors{});
}

// validate::schema::Admitter: what blocks the rules and what does not.
constexpr char kCrd[] = R"~(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          apiVersion: {type: string}
          kind: {type: string}
          metadata: {type: object}
          spec:
            type: object
            required: [name]
            properties:
              name: {type: string}
              replicas: {type: integer, minimum: 1}
            x-kubernetes-validations:
            - rule: "!has(self.name) || self.name != 'taken'"
              message: name is taken
)~";

// The diagnostics of admitting `document` (one Widget named w), each as "line:col message".
std::vector<std::string> AdmitMessages(const std::string& document) {
  CrdCatalog catalog;
  validate::manifest::DiagnosticSink crd_sink;
  validate::manifest::Manifest crds;
  validate::manifest::LoadText(crds, "crd.yaml", kCrd, {}, crd_sink);
  REQUIRE_FALSE(crd_sink.HasErrors());
  REQUIRE(catalog.AddFromManifest(crds).empty());
  validate::manifest::Manifest manifest;
  validate::manifest::DiagnosticSink load_sink;
  validate::manifest::LoadText(manifest, "w.yaml", document, {}, load_sink);
  REQUIRE_FALSE(load_sink.HasErrors());
  REQUIRE(manifest.resources.size() == 1);
  validate::manifest::DiagnosticSink sink;
  Admitter admitter(catalog, sink);
  AdmittedResource admitted = admitter.Admit(manifest.resources[0]);
  CHECK(admitted.outcome == AdmissionOutcome::kRejected);
  std::vector<std::string> messages;
  for (const validate::manifest::Diagnostic& d : sink.diagnostics()) {
    CHECK(d.heading == "The Widget \"w\" is invalid:");
    messages.push_back(std::to_string(d.position.line) + ":" + std::to_string(d.position.column) +
                       " " + d.message);
  }
  return messages;
}

TEST_CASE("Admission: a Required error skips the rules and says so") {
  CHECK(AdmitMessages(std::string(kHead) + "spec:\n  replicas: 2\n") ==
        std::vector<std::string>{
            "6:3 spec.name: Required value",
            "6:3 <nil>: Invalid value: \"null\": some validation rules were not checked because "
            "the object was invalid; correct the existing errors to complete validation"});
}

TEST_CASE("Admission: a minimum error does not block the rules") {
  CHECK(AdmitMessages(std::string(kHead) + "spec:\n  name: taken\n  replicas: 0\n") ==
        std::vector<std::string>{
            "7:13 spec.replicas: Invalid value: 0: spec.replicas in body should be greater than "
            "or equal to 1",
            "6:3 spec: Invalid value: \"object\": name is taken"});
}

}  // namespace
}  // namespace agw::validate::schema
