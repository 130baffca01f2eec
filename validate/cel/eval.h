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
// EvalOptions::agentgateway_functions turns on agentgateway's dialect for the data plane's
// runtime CEL: its functions (library.h CallAgentgateway) and the lazily evaluated default(),
// coalesce(), with(), mapValues(), filterKeys() and variables() (agentgateway
// crates/celx/src/general.rs), the views of agentgateway_values.h, and selection as agentgateway's
// interpreter does it (a field of anything but a map is "no such key: <field>", has() of it
// false). Off, the evaluator is Kubernetes CEL exactly.
//
// Pure: Evaluate reads the expression and the variables and allocates only its result; the
// randomness random() and uuid() use is passed in.

#include <cstdint>
#include <functional>
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
  // Calls visit(name, value) for every binding, innermost first (a name bound twice is visited
  // twice; the first visit is the binding Find returns).
  template <typename Visit>
  void ForEachBinding(Visit&& visit) const {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
      visit(std::string_view(it->first), it->second);
    }
    if (parent_ != nullptr) {
      parent_->ForEachBinding(visit);
    }
  }

 private:
  const Activation* parent_ = nullptr;
  std::vector<std::pair<std::string, Value>> vars_;
  bool dotted_names_ = false;
};

struct EvalOptions {
  // How many expression nodes one evaluation may visit before it stops with the API server's
  // "operation cancelled: actual cost limit exceeded": nested macros over long lists multiply.
  std::uint64_t step_limit = 1'000'000;
  // agentgateway's dialect (see above). Off for Kubernetes validation.
  bool agentgateway_functions = false;
  // 64 uniformly random bits per call, for random() and uuid() in agentgateway's dialect; unset,
  // both evaluate to an error. Called on the evaluating thread only.
  std::function<std::uint64_t()> random_bits;
};

// Evaluates `expr` with the variables of `activation`.
Value Evaluate(const Expr& expr, const Activation& activation, const EvalOptions& options = {});

}  // namespace agw::validate::cel
