#pragma once

// The CEL evaluator: constants, variables (dotted names too), field selection and has(),
// indexing, list and map literals, the comprehensions the macros expand into, the operators
// (arithmetic with overflow and division errors, heterogeneous comparison, `in`, `&&`/`||` with
// CEL's error absorption, the conditional), size, type(), the conversions (dyn, int, uint,
// double, string, bytes, bool), matches (RE2), and of the strings extension charAt, indexOf,
// lastIndexOf, lowerAscii, upperAscii, replace, split, substring, trim and join. The rest of
// the functions (time, the Kubernetes libraries, format) come from library.h. Errors are
// values (Value::Error), as CEL propagates them.
//
// Pure: Evaluate reads the expression and the variables and allocates only its result.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "validate/cel/ast.h"
#include "validate/cel/value.h"

namespace agw::validate::cel {

// Variables by name; a comprehension adds its own on top of its parent's. Borrows `parent`.
class Activation {
 public:
  Activation() = default;
  explicit Activation(const Activation* parent) : parent_(parent) {}

  void Bind(std::string name, Value value) {
    dotted_names_ = dotted_names_ || name.find('.') != std::string::npos;
    vars_.emplace_back(std::move(name), std::move(value));
  }
  // Whether some variable here or in a parent has a dotted name (`a.b`).
  bool HasDottedNames() const {
    return dotted_names_ || (parent_ != nullptr && parent_->HasDottedNames());
  }
  // The innermost binding of `name`, or null.
  const Value* Find(std::string_view name) const;

 private:
  const Activation* parent_ = nullptr;
  std::vector<std::pair<std::string, Value>> vars_;
  bool dotted_names_ = false;
};

struct EvalOptions {
  // How many expression nodes one evaluation may visit before it stops with the API server's
  // "operation cancelled: actual cost limit exceeded": nested macros over long lists multiply.
  std::uint64_t step_limit = 1'000'000;
};

// Evaluates `expr` with the variables of `activation`.
Value Evaluate(const Expr& expr, const Activation& activation, const EvalOptions& options = {});

}  // namespace agw::validate::cel
