// CEL values: heterogeneous equality and ordering as the CEL spec defines them (the
// `comparisons` group of the conformance suite states the same cases as expressions).

#include "validate/cel/value.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

namespace agw::validate::cel {
namespace {

bool Eq(const Value& a, const Value& b) {
  Value result = Equals(a, b);
  REQUIRE(result.kind() == Value::Kind::kBool);
  return result.bool_value();
}

TEST_CASE("Numbers are equal across int, uint and double by value") {
  CHECK(Eq(Value::Int(1), Value::Uint(1)));
  CHECK(Eq(Value::Int(1), Value::Double(1.0)));
  CHECK(Eq(Value::Uint(1), Value::Double(1.0)));
  CHECK_FALSE(Eq(Value::Int(-1), Value::Uint(std::numeric_limits<std::uint64_t>::max())));
  CHECK_FALSE(Eq(Value::Int(1), Value::Double(1.5)));
  double nan = std::nan("");
  CHECK_FALSE(Eq(Value::Double(nan), Value::Double(nan)));
  // cel-go converts the int to double: 2^63-1 becomes 2^63.
  CHECK(Eq(Value::Int(std::numeric_limits<std::int64_t>::max()),
           Value::Double(9223372036854775807.0)));
}

TEST_CASE("Values of different types are not equal, and errors propagate") {
  CHECK_FALSE(Eq(Value::String("1"), Value::Int(1)));
  CHECK_FALSE(Eq(Value(), Value::Bool(false)));
  CHECK(Eq(Value(), Value()));
  CHECK_FALSE(Eq(Value::String("a"), Value::Bytes("a")));
  Value error = Equals(Value::Error("boom"), Value::Int(1));
  REQUIRE(error.is_error());
  CHECK(error.text() == "boom");
}

TEST_CASE("Lists compare element by element and maps by key set and values") {
  CHECK(Eq(Value::List({Value::Int(1), Value::Double(2.0)}),
           Value::List({Value::Uint(1), Value::Int(2)})));
  CHECK_FALSE(Eq(Value::List({Value::Int(1)}), Value::List({Value::Int(1), Value::Int(2)})));
  Value a = Value::Map({{Value::String("x"), Value::Int(1)}, {Value::Int(2), Value::Bool(true)}});
  Value b = Value::Map({{Value::Uint(2), Value::Bool(true)}, {Value::String("x"), Value::Uint(1)}});
  CHECK(Eq(a, b));
  CHECK_FALSE(Eq(a, Value::Map({{Value::String("x"), Value::Int(1)}})));
}

TEST_CASE("Map keys match across numeric types") {
  ValueMap map = {{Value::Int(1), Value::String("one")}, {Value::String("k"), Value::Int(2)}};
  const Value* found = FindInMap(map, Value::Uint(1));
  REQUIRE(found != nullptr);
  CHECK(found->text() == "one");
  CHECK(FindInMap(map, Value::Double(1.0)) != nullptr);
  CHECK(FindInMap(map, Value::Double(1.5)) == nullptr);
  CHECK(FindInMap(map, Value::Bool(true)) == nullptr);
}

TEST_CASE("Ordering covers numbers across types, strings, bytes and bools only") {
  CHECK(Compare(Value::Int(-1), Value::Uint(0)) == -1);
  CHECK(Compare(Value::Uint(3), Value::Int(2)) == 1);
  CHECK(Compare(Value::Int(2), Value::Double(2.5)) == -1);
  CHECK(Compare(Value::Int(-2), Value::Double(-2.5)) == 1);
  CHECK(Compare(Value::Double(1e30), Value::Int(5)) == 1);
  CHECK(Compare(Value::Uint(0), Value::Double(-0.5)) == 1);
  CHECK(Compare(Value::String("a"), Value::String("b")) == -1);
  CHECK(Compare(Value::String("é"), Value::String("z")) == 1);  // code point order
  CHECK(Compare(Value::Bool(false), Value::Bool(true)) == -1);
  CHECK_FALSE(Compare(Value::Double(std::nan("")), Value::Int(1)).has_value());
  CHECK_FALSE(Compare(Value::String("1"), Value::Int(1)).has_value());
  CHECK_FALSE(Compare(Value::List({}), Value::List({})).has_value());
}

}  // namespace
}  // namespace agw::validate::cel
