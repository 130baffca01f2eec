#pragma once

// The CEL lexer: the token rules of the CEL grammar (cel-spec doc/langdef.md, "Syntax"; cel-go
// parser/gen/CEL.g4), longest match first, as ANTLR's generated lexer applies them.

#include <cstddef>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

namespace agw::validate::cel {

enum class TokenKind {
  kEof,
  kIdent,
  kEscapedIdent,  // `a.b-c`: lexed as the grammar does, but this dialect rejects it
  kInt,           // 12, 0x1F
  kUint,          // 12u, 0x1FU
  kFloat,         // 1.5, 1e3, .5
  kString,
  kBytes,
  kTrue,
  kFalse,
  kNull,
  kIn,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kLBrace,
  kRBrace,
  kDot,
  kComma,
  kColon,
  kQuestion,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kPercent,
  kBang,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAnd,
  kOr,
};

struct Token {
  TokenKind kind = TokenKind::kEof;
  std::size_t offset = 0;  // byte offset of the first character
  std::size_t length = 0;  // bytes
  // kString: the decoded UTF-8 text; kBytes: the decoded bytes. Empty for other kinds.
  std::string value;
  // kString/kBytes: the escapes could not be decoded (cel-go's "unable to unescape string");
  // the lexer still produces the token, the parser reports it.
  bool bad_escape = false;
};

struct LexError {
  std::string message;
  std::size_t offset = 0;
};

// The tokens of `source`, ending with one kEof token. Whitespace and `//` comments are
// skipped. Fails on the first character no token rule matches.
tl::expected<std::vector<Token>, LexError> Lex(std::string_view source);

// How a token kind is named in error messages: "'('", "identifier", "end of input", ...
std::string_view TokenKindName(TokenKind kind);

}  // namespace agw::validate::cel
