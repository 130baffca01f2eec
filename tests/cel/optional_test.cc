// cel-go's optional types through the parser (with the optional syntax on, as the Kubernetes
// CEL environment has it for CRD rules) and the evaluator: the examples of cel-go's
// documentation of cel.OptionalTypes.

#include <catch2/catch.hpp>
#include <string>

#include "tests/cel/eval_support.h"
#include "validate/cel/eval.h"
#include "validate/cel/parser.h"

namespace agw::validate::cel {
namespace {

using test::IsTrue;
using test::Run;

Activation WithSelf() {
  Activation vars;
  vars.Bind("self",
            Value::Map({{Value::String("name"), Value::String("web")},
                        {Value::String("ports"), Value::List({Value::Int(80)})},
                        {Value::String("tls"),
                         Value::Map({{Value::String("mode"), Value::String("Terminate")}})}}));
  return vars;
}

TEST_CASE("The optional syntax parses only when enabled") {
  CHECK_FALSE(Parse("self.?name"));
  CHECK_FALSE(Parse("self[?'name']"));
  ParseOptions options;
  options.enable_optional_syntax = true;
  auto select = Parse("self.?name", options);
  REQUIRE(select);
  CHECK(ToDebugString(*select->root) == "_?._(self, \"name\")");
  auto index = Parse("self[?0]", options);
  REQUIRE(index);
  CHECK(ToDebugString(*index->root) == "_[?_](self, 0)");
}

TEST_CASE("Optional selection gives a value or none") {
  Activation vars = WithSelf();
  CHECK(IsTrue("self.?name.hasValue()", vars));
  CHECK(IsTrue("self.?name.value() == 'web'", vars));
  CHECK_FALSE(IsTrue("self.?missing.hasValue()", vars));
  CHECK(IsTrue("self.?missing.orValue('none') == 'none'", vars));
  // Selecting inside an optional stays optional; none stays none.
  CHECK(IsTrue("self.?tls.mode.value() == 'Terminate'", vars));
  CHECK_FALSE(IsTrue("self.?tls.certificate.hasValue()", vars));
  CHECK_FALSE(IsTrue("self.?missing.mode.hasValue()", vars));
  CHECK(IsTrue("self.?missing.mode.orValue('') == ''", vars));
}

TEST_CASE("Optional indexing of lists and maps") {
  Activation vars = WithSelf();
  CHECK(IsTrue("self.ports[?0].value() == 80", vars));
  CHECK_FALSE(IsTrue("self.ports[?1].hasValue()", vars));
  CHECK_FALSE(IsTrue("self.ports[?-1].hasValue()", vars));
  CHECK(IsTrue("self[?'name'].orValue('') == 'web'", vars));
  CHECK_FALSE(IsTrue("self[?'nope'].hasValue()", vars));
}

TEST_CASE("optional.of optional.none optional.ofNonZeroValue and or") {
  CHECK(IsTrue("optional.of(1).value() == 1"));
  CHECK_FALSE(IsTrue("optional.none().hasValue()"));
  CHECK_FALSE(IsTrue("optional.ofNonZeroValue('').hasValue()"));
  CHECK_FALSE(IsTrue("optional.ofNonZeroValue(0).hasValue()"));
  CHECK_FALSE(IsTrue("optional.ofNonZeroValue([]).hasValue()"));
  CHECK(IsTrue("optional.ofNonZeroValue('a').hasValue()"));
  CHECK(IsTrue("optional.none().or(optional.of(2)).value() == 2"));
  CHECK(IsTrue("optional.of(1).or(optional.of(2)).value() == 1"));
  CHECK(IsTrue("optional.of(1) == optional.of(1)"));
  CHECK(IsTrue("optional.none() == optional.none()"));
  CHECK_FALSE(IsTrue("optional.of(1) == optional.none()"));
  Value none = Run("optional.none().value()");
  REQUIRE(none.is_error());
  CHECK(none.text() == "optional.none() dereference");
}

}  // namespace
}  // namespace agw::validate::cel
