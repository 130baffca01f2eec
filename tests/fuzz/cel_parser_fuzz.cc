// The CEL parser (validate/cel/parser.h) and evaluator (eval.h) on arbitrary text:
// x-kubernetes-validations rules and policy expressions come from user manifests. A parse
// succeeds or names an error inside the source; either way nothing crashes, and a parsed tree
// can be rendered and evaluated (with `self` bound to a small object) within the step limit.
//
// Input: [options byte] [expression...]; bit 0 of the options byte turns on backquoted
// identifiers, bit 1 a small recursion limit (so the depth checks are reached by short inputs).

#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/fuzz/fuzz_input.h"
#include "validate/cel/eval.h"
#include "validate/cel/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  agw::fuzz::FuzzInput input(data, size);
  uint8_t options_byte = input.Byte();
  agw::validate::cel::ParseOptions options;
  options.enable_quoted_identifiers = (options_byte & 1) != 0;
  if ((options_byte & 2) != 0) options.max_recursion_depth = 12;
  std::string_view source = input.Rest();

  auto parsed = agw::validate::cel::Parse(source, options);
  if (!parsed) {
    const agw::validate::cel::ParseError& error = parsed.error();
    if (error.offset > source.size() || error.line < 1 || error.column < 1 ||
        error.message.empty()) {
      std::fprintf(stderr, "error outside the source: %s\n", error.ToString().c_str());
      std::abort();
    }
    return 0;
  }
  if (parsed->root == nullptr) {
    std::fprintf(stderr, "a successful parse without a tree\n");
    std::abort();
  }
  std::string rendered = agw::validate::cel::ToDebugString(*parsed->root);
  (void)rendered;
  using agw::validate::cel::Value;
  agw::validate::cel::Activation vars;
  vars.Bind("self",
            Value::Map({{Value::String("a"), Value::List({Value::Int(1), Value::String("x")})},
                        {Value::String("b"), Value::Double(2.5)}}));
  agw::validate::cel::EvalOptions eval_options;
  eval_options.step_limit = 100000;  // keeps each input well under the fuzzer's timeout
  Value result = agw::validate::cel::Evaluate(*parsed->root, vars, eval_options);
  (void)result.TypeName();
  return 0;
}
