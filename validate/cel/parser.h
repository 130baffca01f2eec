#pragma once

// The CEL parser: what cel-go's `cel.NewEnv().Parse(expr)` accepts. Syntax only (no type or
// variable checking); the standard macros are expanded (has, all, exists, exists_one and
// existsOne, map with 2 or 3 arguments, filter); the two-variable comprehension macros (all,
// exists, existsOne and exists_one with 3 arguments, transformList, transformMap and
// transformMapEntry with 3 or 4) are off unless ParseOptions enables them; the optional syntax
// (`a.?b`, `a[?b]`, `[?x]`,
// `{?k: v}`) and backquoted identifiers are off unless ParseOptions enables them; the reserved
// words (as, break, const, continue, else, for, function, if, import, let, loop, package,
// namespace, return, var, void, while) cannot be identifiers.
//
// Pure and thread-compatible: Parse keeps no state between calls.

#include <cstddef>
#include <string>
#include <string_view>
#include <tl/expected.hpp>

#include "validate/cel/ast.h"

namespace agw::validate::cel {

struct ParseOptions {
  // cel-go's parser.MaxRecursionDepth default. A grammar rule nested deeper than this, or an
  // AST deeper than this in operators, selections, calls and indexes, is an error.
  int max_recursion_depth = 250;
  // cel-go's parser.ExpressionSizeCodePointLimit default.
  std::size_t max_code_points = 100000;
  // Backquoted field names (`a.`b-c``, `Msg{`f.g`: 1}`): cel-go's EnableIdentEscapeSyntax,
  // off in cel.NewEnv(); the CEL conformance suite turns it on for its quoted-field cases.
  bool enable_quoted_identifiers = false;
  // Optional field selection and indexing (`a.?b`, `a[?k]`): cel-go's OptionalTypes, which the
  // Kubernetes CEL environment enables for CRD rules. Parsed as calls of `_?._` (operand, field
  // name as a string) and `_[?_]`. Optional list and map entries (`[?x]`, `{?k: v}`) stay errors.
  bool enable_optional_syntax = false;
  // cel-go's ext.TwoVarComprehensions, which the Kubernetes CEL environment enables for CRD rules
  // from compatibility version 1.32: `l.all(i, v, p)`, `m.exists(k, v, p)`, existsOne and
  // exists_one with 3 arguments, `transformList(i, v, [filter,] t)`, `transformMap(k, v,
  // [filter,] t)` (a map from each key to t) and `transformMapEntry(k, v, [filter,] {key: t})`.
  // The variables are a list's index and element, or a map's key and value. Off, these are
  // plain method calls, as in cel.NewEnv().
  bool enable_two_var_comprehensions = false;
};

struct ParseError {
  std::string message;     // cel-go's wording where it has one: "reserved identifier: as"
  std::size_t offset = 0;  // byte offset in the source
  int line = 1;            // 1-based
  int column = 1;          // 1-based, in code points

  // "<line>:<column>: <message>", the way cel-go prints an issue without its source line.
  std::string ToString() const;
};

// Parses `source`. The error is the first problem found.
tl::expected<Ast, ParseError> Parse(std::string_view source, const ParseOptions& options = {});

}  // namespace agw::validate::cel
