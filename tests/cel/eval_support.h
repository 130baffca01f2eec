#pragma once

// Evaluating CEL text in tests: parsed as CRD rules are (optional syntax and two-variable
// comprehensions on), evaluated, and checked for the kind of result a test expects.

#include <catch2/catch.hpp>
#include <string>

#include "validate/cel/eval.h"
#include "validate/cel/parser.h"

namespace agw::validate::cel::test {

inline ParseOptions KubernetesParseOptions() {
  ParseOptions options;
  options.enable_optional_syntax = true;
  options.enable_two_var_comprehensions = true;
  return options;
}

// Parses and evaluates `text`; a parse failure fails the test.
inline Value Run(const std::string& text, const Activation& vars = Activation(),
                 const EvalOptions& eval = {}) {
  auto ast = Parse(text, KubernetesParseOptions());
  INFO(text << (ast ? std::string() : " does not parse: " + ast.error().ToString()));
  REQUIRE(ast);
  return Evaluate(*ast->root, vars, eval);
}

inline bool IsTrue(const std::string& text, const Activation& vars = Activation()) {
  Value result = Run(text, vars);
  INFO(text << (result.is_error() ? " failed: " + result.text() : std::string()));
  REQUIRE(result.kind() == Value::Kind::kBool);
  return result.bool_value();
}

inline std::string Text(const std::string& text, const Activation& vars = Activation()) {
  Value result = Run(text, vars);
  INFO(text << (result.is_error() ? " failed: " + result.text() : std::string()));
  REQUIRE(result.kind() == Value::Kind::kString);
  return result.text();
}

inline std::string ErrorOf(const std::string& text, const Activation& vars = Activation()) {
  Value result = Run(text, vars);
  INFO(text);
  REQUIRE(result.is_error());
  return result.text();
}

}  // namespace agw::validate::cel::test
