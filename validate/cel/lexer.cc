#include "validate/cel/lexer.h"

#include <optional>

namespace agw::validate::cel {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsIdentStart(char c) { return IsLetter(c) || c == '_'; }
bool IsIdentPart(char c) { return IsIdentStart(c) || IsDigit(c); }
bool IsOctalDigit(char c) { return c >= '0' && c <= '7'; }

int HexValue(char c) {
  if (IsDigit(c)) {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return c - 'A' + 10;
}

void AppendUtf8(std::string& out, std::uint32_t code_point) {
  // Go's utf8.EncodeRune: surrogates and values past U+10FFFF become U+FFFD.
  if ((code_point >= 0xD800 && code_point <= 0xDFFF) || code_point > 0x10FFFF) {
    code_point = 0xFFFD;
  }
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

// The length of the ESC_SEQ fragment at `pos` (which holds the backslash), or 0 when the
// text there is not one: \a \b \f \n \r \t \v \" \' \\ \? \`, \xHH \XHH, \uHHHH,
// \UHHHHHHHH, and three-digit octal \[0-3][0-7][0-7].
std::size_t EscapeLength(std::string_view s, std::size_t pos) {
  if (pos + 1 >= s.size()) {
    return 0;
  }
  char c = s[pos + 1];
  switch (c) {
    case 'a':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
    case 'v':
    case '"':
    case '\'':
    case '\\':
    case '?':
    case '`':
      return 2;
    default:
      break;
  }
  auto hex_run = [&](std::size_t digits) -> std::size_t {
    if (pos + 2 + digits > s.size()) {
      return 0;
    }
    for (std::size_t i = 0; i < digits; ++i) {
      if (!IsHexDigit(s[pos + 2 + i])) {
        return 0;
      }
    }
    return 2 + digits;
  };
  if (c == 'x' || c == 'X') {
    return hex_run(2);
  }
  if (c == 'u') {
    return hex_run(4);
  }
  if (c == 'U') {
    return hex_run(8);
  }
  if (c >= '0' && c <= '3') {
    if (pos + 4 <= s.size() && IsOctalDigit(s[pos + 2]) && IsOctalDigit(s[pos + 3])) {
      return 4;
    }
  }
  return 0;
}

// cel-go parser/unescape.go for one escape sequence already validated by EscapeLength.
// In strings, \x and octal escapes are code points; in bytes they are raw bytes. Returns
// false for a \U past U+10FFFF in a string.
bool DecodeEscape(std::string_view escape, bool is_bytes, std::string& out) {
  char c = escape[1];
  switch (c) {
    case 'a':
      out.push_back('\a');
      return true;
    case 'b':
      out.push_back('\b');
      return true;
    case 'f':
      out.push_back('\f');
      return true;
    case 'n':
      out.push_back('\n');
      return true;
    case 'r':
      out.push_back('\r');
      return true;
    case 't':
      out.push_back('\t');
      return true;
    case 'v':
      out.push_back('\v');
      return true;
    case '"':
    case '\'':
    case '\\':
    case '?':
    case '`':
      out.push_back(c);
      return true;
    default:
      break;
  }
  std::uint32_t value = 0;
  if (c == 'x' || c == 'X' || c == 'u' || c == 'U') {
    for (std::size_t i = 2; i < escape.size(); ++i) {
      value = value << 4 | static_cast<std::uint32_t>(HexValue(escape[i]));
    }
    if ((c == 'x' || c == 'X') && is_bytes) {
      out.push_back(static_cast<char>(value));
      return true;
    }
  } else {  // octal
    value = static_cast<std::uint32_t>((escape[1] - '0') * 64 + (escape[2] - '0') * 8 +
                                       (escape[3] - '0'));
    if (is_bytes) {
      out.push_back(static_cast<char>(value));
      return true;
    }
  }
  if (!is_bytes && value > 0x10FFFF) {
    return false;
  }
  AppendUtf8(out, value);
  return true;
}

class Lexer {
 public:
  explicit Lexer(std::string_view source) : s_(source) {}

  tl::expected<std::vector<Token>, LexError> Run() {
    std::vector<Token> tokens;
    while (true) {
      SkipBlanks();
      if (pos_ >= s_.size()) {
        tokens.push_back(Token{TokenKind::kEof, pos_, 0, {}, false});
        return tokens;
      }
      std::optional<Token> token = Next();
      if (!token) {
        return tl::unexpected(error_);
      }
      pos_ = token->offset + token->length;
      tokens.push_back(std::move(*token));
    }
  }

 private:
  void SkipBlanks() {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') {
        ++pos_;
      } else if (c == '/' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '/') {
        while (pos_ < s_.size() && s_[pos_] != '\n') {
          ++pos_;
        }
      } else {
        return;
      }
    }
  }

  char At(std::size_t i) const { return i < s_.size() ? s_[i] : '\0'; }

  std::optional<Token> Fail(std::size_t offset) {
    // ANTLR's lexer message: the text it could not match, here its first character.
    std::size_t end = offset + 1;
    while (end < s_.size() && (static_cast<unsigned char>(s_[end]) & 0xC0) == 0x80) {
      ++end;
    }
    error_ = {"Syntax error: token recognition error at: '" +
                  std::string(s_.substr(offset, end - offset)) + "'",
              offset};
    return std::nullopt;
  }

  Token Simple(TokenKind kind, std::size_t length) { return Token{kind, pos_, length, {}, false}; }

  std::optional<Token> Next() {
    char c = s_[pos_];
    char n = At(pos_ + 1);
    // String and bytes literals, with their r/R and b/B prefixes; they win over identifiers
    // by being longer.
    if (c == '"' || c == '\'') {
      return LexString(pos_, pos_, false, false);
    }
    if ((c == 'r' || c == 'R') && (n == '"' || n == '\'')) {
      return LexString(pos_, pos_ + 1, true, false);
    }
    if (c == 'b' || c == 'B') {
      if (n == '"' || n == '\'') {
        return LexString(pos_, pos_ + 1, false, true);
      }
      char n2 = At(pos_ + 2);
      if ((n == 'r' || n == 'R') && (n2 == '"' || n2 == '\'')) {
        return LexString(pos_, pos_ + 2, true, true);
      }
    }
    if (IsIdentStart(c)) {
      std::size_t end = pos_ + 1;
      while (end < s_.size() && IsIdentPart(s_[end])) {
        ++end;
      }
      std::string_view word = s_.substr(pos_, end - pos_);
      TokenKind kind = TokenKind::kIdent;
      if (word == "true") {
        kind = TokenKind::kTrue;
      } else if (word == "false") {
        kind = TokenKind::kFalse;
      } else if (word == "null") {
        kind = TokenKind::kNull;
      } else if (word == "in") {
        kind = TokenKind::kIn;
      }
      return Simple(kind, end - pos_);
    }
    if (IsDigit(c) || (c == '.' && IsDigit(n))) {
      return LexNumber();
    }
    if (c == '`') {
      // ESC_IDENTIFIER: '`' (LETTER | DIGIT | '_' | '.' | '-' | '/' | ' ')+ '`'
      std::size_t end = pos_ + 1;
      while (end < s_.size() && (IsIdentPart(s_[end]) || s_[end] == '.' || s_[end] == '-' ||
                                 s_[end] == '/' || s_[end] == ' ')) {
        ++end;
      }
      if (end == pos_ + 1 || At(end) != '`') {
        return Fail(pos_);
      }
      return Simple(TokenKind::kEscapedIdent, end + 1 - pos_);
    }
    switch (c) {
      case '(':
        return Simple(TokenKind::kLParen, 1);
      case ')':
        return Simple(TokenKind::kRParen, 1);
      case '[':
        return Simple(TokenKind::kLBracket, 1);
      case ']':
        return Simple(TokenKind::kRBracket, 1);
      case '{':
        return Simple(TokenKind::kLBrace, 1);
      case '}':
        return Simple(TokenKind::kRBrace, 1);
      case '.':
        return Simple(TokenKind::kDot, 1);
      case ',':
        return Simple(TokenKind::kComma, 1);
      case ':':
        return Simple(TokenKind::kColon, 1);
      case '?':
        return Simple(TokenKind::kQuestion, 1);
      case '+':
        return Simple(TokenKind::kPlus, 1);
      case '-':
        return Simple(TokenKind::kMinus, 1);
      case '*':
        return Simple(TokenKind::kStar, 1);
      case '/':
        return Simple(TokenKind::kSlash, 1);
      case '%':
        return Simple(TokenKind::kPercent, 1);
      case '!':
        return n == '=' ? Simple(TokenKind::kNe, 2) : Simple(TokenKind::kBang, 1);
      case '<':
        return n == '=' ? Simple(TokenKind::kLe, 2) : Simple(TokenKind::kLt, 1);
      case '>':
        return n == '=' ? Simple(TokenKind::kGe, 2) : Simple(TokenKind::kGt, 1);
      case '=':
        if (n == '=') {
          return Simple(TokenKind::kEq, 2);
        }
        break;
      case '&':
        if (n == '&') {
          return Simple(TokenKind::kAnd, 2);
        }
        break;
      case '|':
        if (n == '|') {
          return Simple(TokenKind::kOr, 2);
        }
        break;
      default:
        break;
    }
    return Fail(pos_);
  }

  // NUM_FLOAT, NUM_INT and NUM_UINT, longest match:
  //   DIGIT+ '.' DIGIT+ EXPONENT? | DIGIT+ EXPONENT | '.' DIGIT+ EXPONENT?
  //   DIGIT+ | '0x' HEXDIGIT+          (int)
  //   DIGIT+ [uU] | '0x' HEXDIGIT+ [uU] (uint)
  std::optional<Token> LexNumber() {
    std::size_t start = pos_;
    auto exponent_end = [&](std::size_t at) -> std::size_t {  // 0 when no exponent at `at`
      if (At(at) != 'e' && At(at) != 'E') {
        return 0;
      }
      std::size_t i = at + 1;
      if (At(i) == '+' || At(i) == '-') {
        ++i;
      }
      if (!IsDigit(At(i))) {
        return 0;
      }
      while (IsDigit(At(i))) {
        ++i;
      }
      return i;
    };
    if (s_[start] == '.') {
      std::size_t i = start + 1;
      while (IsDigit(At(i))) {
        ++i;
      }
      if (std::size_t e = exponent_end(i)) {
        i = e;
      }
      return Simple(TokenKind::kFloat, i - start);
    }
    if (s_[start] == '0' && At(start + 1) == 'x' && IsHexDigit(At(start + 2))) {
      std::size_t i = start + 2;
      while (IsHexDigit(At(i))) {
        ++i;
      }
      if (At(i) == 'u' || At(i) == 'U') {
        return Simple(TokenKind::kUint, i + 1 - start);
      }
      return Simple(TokenKind::kInt, i - start);
    }
    std::size_t i = start;
    while (IsDigit(At(i))) {
      ++i;
    }
    if (At(i) == '.' && IsDigit(At(i + 1))) {
      std::size_t j = i + 1;
      while (IsDigit(At(j))) {
        ++j;
      }
      if (std::size_t e = exponent_end(j)) {
        j = e;
      }
      return Simple(TokenKind::kFloat, j - start);
    }
    if (std::size_t e = exponent_end(i)) {
      return Simple(TokenKind::kFloat, e - start);
    }
    if (At(i) == 'u' || At(i) == 'U') {
      return Simple(TokenKind::kUint, i + 1 - start);
    }
    return Simple(TokenKind::kInt, i - start);
  }

  // A STRING or BYTES token starting at `start` whose quote is at `quote_pos`.
  std::optional<Token> LexString(std::size_t start, std::size_t quote_pos, bool raw,
                                 bool is_bytes) {
    char quote = s_[quote_pos];
    TokenKind kind = is_bytes ? TokenKind::kBytes : TokenKind::kString;
    bool triple = At(quote_pos + 1) == quote && At(quote_pos + 2) == quote;
    if (triple) {
      if (std::optional<Token> token = LexTripleQuoted(start, quote_pos, raw, is_bytes, kind)) {
        return token;
      }
      // No closing triple quote: the longest match is the empty string `""` (or `''`).
      return Token{kind, start, quote_pos + 2 - start, {}, false};
    }
    std::string value;
    bool bad_escape = false;
    std::size_t i = quote_pos + 1;
    while (true) {
      if (i >= s_.size() || s_[i] == '\n' || s_[i] == '\r') {
        return Fail(start);
      }
      char c = s_[i];
      if (c == quote) {
        break;
      }
      if (c == '\\' && !raw) {
        std::size_t length = EscapeLength(s_, i);
        if (length == 0) {
          return Fail(start);
        }
        bad_escape = !DecodeEscape(s_.substr(i, length), is_bytes, value) || bad_escape;
        i += length;
        continue;
      }
      value.push_back(c);
      ++i;
    }
    return Token{kind, start, i + 1 - start, std::move(value), bad_escape};
  }

  std::optional<Token> LexTripleQuoted(std::size_t start, std::size_t quote_pos, bool raw,
                                       bool is_bytes, TokenKind kind) {
    char quote = s_[quote_pos];
    std::string value;
    bool bad_escape = false;
    std::size_t i = quote_pos + 3;
    while (i < s_.size()) {
      if (s_[i] == quote && At(i + 1) == quote && At(i + 2) == quote) {
        return Token{kind, start, i + 3 - start, std::move(value), bad_escape};
      }
      if (s_[i] == '\\' && !raw) {
        std::size_t length = EscapeLength(s_, i);
        if (length == 0) {
          return std::nullopt;
        }
        bad_escape = !DecodeEscape(s_.substr(i, length), is_bytes, value) || bad_escape;
        i += length;
        continue;
      }
      // cel-go normalizes the newlines of every literal to "\n".
      if (s_[i] == '\r') {
        value.push_back('\n');
        i += At(i + 1) == '\n' ? 2 : 1;
        continue;
      }
      value.push_back(s_[i]);
      ++i;
    }
    return std::nullopt;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  LexError error_;
};

}  // namespace

tl::expected<std::vector<Token>, LexError> Lex(std::string_view source) {
  return Lexer(source).Run();
}

std::string_view TokenKindName(TokenKind kind) {
  switch (kind) {
    case TokenKind::kEof:
      return "<EOF>";
    case TokenKind::kIdent:
      return "identifier";
    case TokenKind::kEscapedIdent:
      return "quoted identifier";
    case TokenKind::kInt:
      return "int literal";
    case TokenKind::kUint:
      return "uint literal";
    case TokenKind::kFloat:
      return "double literal";
    case TokenKind::kString:
      return "string literal";
    case TokenKind::kBytes:
      return "bytes literal";
    case TokenKind::kTrue:
      return "'true'";
    case TokenKind::kFalse:
      return "'false'";
    case TokenKind::kNull:
      return "'null'";
    case TokenKind::kIn:
      return "'in'";
    case TokenKind::kLParen:
      return "'('";
    case TokenKind::kRParen:
      return "')'";
    case TokenKind::kLBracket:
      return "'['";
    case TokenKind::kRBracket:
      return "']'";
    case TokenKind::kLBrace:
      return "'{'";
    case TokenKind::kRBrace:
      return "'}'";
    case TokenKind::kDot:
      return "'.'";
    case TokenKind::kComma:
      return "','";
    case TokenKind::kColon:
      return "':'";
    case TokenKind::kQuestion:
      return "'?'";
    case TokenKind::kPlus:
      return "'+'";
    case TokenKind::kMinus:
      return "'-'";
    case TokenKind::kStar:
      return "'*'";
    case TokenKind::kSlash:
      return "'/'";
    case TokenKind::kPercent:
      return "'%'";
    case TokenKind::kBang:
      return "'!'";
    case TokenKind::kEq:
      return "'=='";
    case TokenKind::kNe:
      return "'!='";
    case TokenKind::kLt:
      return "'<'";
    case TokenKind::kLe:
      return "'<='";
    case TokenKind::kGt:
      return "'>'";
    case TokenKind::kGe:
      return "'>='";
    case TokenKind::kAnd:
      return "'&&'";
    case TokenKind::kOr:
      return "'||'";
  }
  return "?";
}

}  // namespace agw::validate::cel
