#pragma once

// The CEL evaluator, first slices (issue 13): constants, variables, field selection and has(),
// indexing, list and map literals, the comprehensions the macros expand into, the operators
// (arithmetic with overflow and division errors, heterogeneous comparison, `in`, `&&`/`||` with
// CEL's error absorption, the conditional), size, type(), the conversions (dyn, int, uint,
// double, string, bytes, bool), matches (RE2), and of the strings extension charAt, indexOf,
// lastIndexOf, lowerAscii, upperAscii, replace, split, substring, trim and join. Errors are
// values (Value::Error), as CEL propagates them. Not yet: timestamps and durations, format,
// quote and reverse, the Kubernetes libraries (url, ip, quantity, lists, sets, regex).
//
// Pure: Evaluate reads the expression and the variables and allocates only its result.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "validate/cel/ast.h"
#include "validate/cel/value.h"

namespace agw::cel {

// Variables by name; a comprehension adds its own on top of its parent's. Borrows `parent`.
class Activation {
 public:
  Activation() = default;
  explicit Activation(const Activation* parent) : parent_(parent) {}

  void Bind(std::string name, Value value) {
    vars_.emplace_back(std::move(name), std::move(value));
  }
  // The innermost binding of `name`, or null.
  const Value* Find(std::string_view name) const;

 private:
  const Activation* parent_ = nullptr;
  std::vector<std::pair<std::string, Value>> vars_;
};

struct EvalOptions {
  // How many expression nodes one evaluation may visit before it stops with the API server's
  // "operation cancelled: actual cost limit exceeded": nested macros over long lists multiply.
  std::uint64_t step_limit = 1'000'000;
};

// Evaluates `expr` with the variables of `activation`.
Value Evaluate(const Expr& expr, const Activation& activation, const EvalOptions& options = {});

}  // namespace agw::cel
