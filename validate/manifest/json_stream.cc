#include "validate/manifest/json_stream.h"

#include <vector>

#include "validate/manifest/text_encoding.h"

namespace agw::validate::manifest {
namespace {

// encoding/json's maxNestingDepth.
constexpr std::size_t kMaxDepth = 10000;

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Go's quoteChar: the byte as a Go character literal ('\'' , '"', '\t', '\x01', 'é').
std::string QuoteChar(unsigned char c) {
  if (c == '\'') {
    return "'\\''";
  }
  if (c == '"') {
    return "'\"'";
  }
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '\a':
      return "'\\a'";
    case '\b':
      return "'\\b'";
    case '\f':
      return "'\\f'";
    case '\n':
      return "'\\n'";
    case '\r':
      return "'\\r'";
    case '\t':
      return "'\\t'";
    case '\v':
      return "'\\v'";
    case '\\':
      return "'\\\\'";
    default:
      break;
  }
  if (c < 0x20 || c == 0x7F) {
    return std::string("'\\x") + kHex[c >> 4] + kHex[c & 0xF] + "'";
  }
  if (c < 0x80) {
    return std::string("'") + static_cast<char>(c) + "'";
  }
  // Go turns the byte into the rune U+0080..U+00FF before quoting it.
  if (c < 0xA1 || c == 0xAD) {
    return std::string("'\\u00") + kHex[c >> 4] + kHex[c & 0xF] + "'";
  }
  std::string out = "'";
  out += static_cast<char>(0xC0 | (c >> 6));
  out += static_cast<char>(0x80 | (c & 0x3F));
  return out + "'";
}

class Scanner {
 public:
  Scanner(std::string_view text, JsonHandler* handler) : text_(text), handler_(handler) {}

  JsonStreamScan Scan() {
    JsonStreamScan scan;
    while (true) {
      SkipSpace();
      if (i_ >= text_.size()) {
        return scan;
      }
      std::size_t begin = i_;
      if (!ScanValue()) {
        scan.error = std::move(error_);
        return scan;
      }
      scan.values.push_back(JsonValueSpan{begin, i_});
    }
  }

 private:
  bool Fail(std::string_view context) {
    if (i_ >= text_.size()) {
      error_ = JsonSyntaxError{text_.size(), "unexpected EOF"};
    } else {
      error_ = JsonSyntaxError{i_, "invalid character " +
                                       QuoteChar(static_cast<unsigned char>(text_[i_])) + " " +
                                       std::string(context)};
    }
    return false;
  }

  void SkipSpace() {
    while (i_ < text_.size() && IsJsonSpace(text_[i_])) {
      ++i_;
    }
  }

  bool At(char c) const { return i_ < text_.size() && text_[i_] == c; }

  // One whole value, containers included, without recursion (10000 levels are allowed).
  bool ScanValue() {
    std::vector<char> open;  // '{' or '[' for each container we are inside
    while (true) {
      // Here a value starts.
      SkipSpace();
      if (i_ >= text_.size()) {
        return Fail("");
      }
      char c = text_[i_];
      if (c == '{' || c == '[') {
        if (open.size() >= kMaxDepth) {
          return Fail("exceeded max depth");
        }
        if (handler_ != nullptr) {
          c == '{' ? handler_->OnObjectStart(i_) : handler_->OnArrayStart(i_);
        }
        open.push_back(c);
        ++i_;
        SkipSpace();
        char close = c == '{' ? '}' : ']';
        if (At(close)) {
          ++i_;
          open.pop_back();
          if (handler_ != nullptr) {
            handler_->OnEnd();
          }
        } else if (c == '{') {
          if (!ScanKey()) {
            return false;
          }
          continue;
        } else {
          continue;
        }
      } else if (!ScanScalar()) {
        return false;
      }
      // Here a value has ended: close containers or move to the next element.
      while (true) {
        if (open.empty()) {
          return true;
        }
        SkipSpace();
        if (i_ >= text_.size()) {
          return Fail("");
        }
        bool in_object = open.back() == '{';
        char close = in_object ? '}' : ']';
        if (text_[i_] == close) {
          ++i_;
          open.pop_back();
          if (handler_ != nullptr) {
            handler_->OnEnd();
          }
          continue;
        }
        if (text_[i_] != ',') {
          return Fail(in_object ? "after object key:value pair" : "after array element");
        }
        ++i_;
        if (in_object) {
          SkipSpace();
          if (!ScanKey()) {
            return false;
          }
        }
        break;
      }
    }
  }

  // A key string and its colon.
  bool ScanKey() {
    if (!At('"')) {
      return Fail("looking for beginning of object key string");
    }
    std::size_t start = i_;
    if (!ScanString()) {
      return false;
    }
    if (handler_ != nullptr) {
      handler_->OnKey(start, Decode(start));
    }
    SkipSpace();
    if (!At(':')) {
      return Fail("after object key");
    }
    ++i_;
    return true;
  }

  bool ScanScalar() {
    std::size_t start = i_;
    if (!ScanScalarText()) {
      return false;
    }
    if (handler_ != nullptr) {
      if (text_[start] == '"') {
        handler_->OnString(start, Decode(start));
      } else {
        handler_->OnLiteral(start, text_.substr(start, i_ - start));
      }
    }
    return true;
  }

  // The string literal at text_[start], already checked, with its escapes resolved.
  std::string Decode(std::size_t start) const {
    std::string out;
    std::size_t i = start + 1;
    auto hex4 = [&](std::size_t at) {
      return static_cast<char32_t>(std::stoul(std::string(text_.substr(at, 4)), nullptr, 16));
    };
    while (text_[i] != '"') {
      if (text_[i] != '\\') {
        out.push_back(text_[i++]);
        continue;
      }
      char escape = text_[i + 1];
      i += 2;
      switch (escape) {
        case 'b':
          out.push_back('\b');
          continue;
        case 'f':
          out.push_back('\f');
          continue;
        case 'n':
          out.push_back('\n');
          continue;
        case 'r':
          out.push_back('\r');
          continue;
        case 't':
          out.push_back('\t');
          continue;
        case 'u':
          break;
        default:
          out.push_back(escape);
          continue;
      }
      char32_t unit = hex4(i);
      i += 4;
      if (unit >= 0xD800 && unit < 0xDC00 && text_.substr(i, 2) == "\\u") {
        char32_t low = hex4(i + 2);
        if (low >= 0xDC00 && low < 0xE000) {
          i += 6;
          AppendUtf8(out, 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
          continue;
        }
      }
      AppendUtf8(out, unit >= 0xD800 && unit < 0xE000 ? 0xFFFD : unit);
    }
    return out;
  }

  bool ScanScalarText() {
    char c = text_[i_];
    if (c == '"') {
      return ScanString();
    }
    if (c == '-' || IsDigit(c)) {
      return ScanNumber();
    }
    if (c == 't') {
      return ScanLiteral("true");
    }
    if (c == 'f') {
      return ScanLiteral("false");
    }
    if (c == 'n') {
      return ScanLiteral("null");
    }
    return Fail("looking for beginning of value");
  }

  bool ScanString() {
    ++i_;  // the opening quote
    while (i_ < text_.size()) {
      auto c = static_cast<unsigned char>(text_[i_]);
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c < 0x20) {
        return Fail("in string literal");
      }
      if (c != '\\') {
        ++i_;
        continue;
      }
      ++i_;
      if (i_ >= text_.size()) {
        break;
      }
      char escape = text_[i_];
      if (escape == 'u') {
        ++i_;
        for (int k = 0; k < 4; ++k, ++i_) {
          if (i_ >= text_.size()) {
            return Fail("");
          }
          if (!IsHexDigit(text_[i_])) {
            return Fail("in \\u hexadecimal character escape");
          }
        }
        continue;
      }
      if (std::string_view("\"\\/bfnrt").find(escape) == std::string_view::npos) {
        return Fail("in string escape code");
      }
      ++i_;
    }
    return Fail("");
  }

  bool ScanDigits() {
    while (i_ < text_.size() && IsDigit(text_[i_])) {
      ++i_;
    }
    return true;
  }

  bool ScanNumber() {
    if (At('-')) {
      ++i_;
      if (i_ >= text_.size()) {
        return Fail("");
      }
      if (!IsDigit(text_[i_])) {
        return Fail("in numeric literal");
      }
    }
    if (At('0')) {
      ++i_;
    } else {
      ScanDigits();
    }
    if (At('.')) {
      ++i_;
      if (i_ >= text_.size()) {
        return Fail("");
      }
      if (!IsDigit(text_[i_])) {
        return Fail("after decimal point in numeric literal");
      }
      ScanDigits();
    }
    if (At('e') || At('E')) {
      ++i_;
      if (At('+') || At('-')) {
        ++i_;
      }
      if (i_ >= text_.size()) {
        return Fail("");
      }
      if (!IsDigit(text_[i_])) {
        return Fail("in exponent of numeric literal");
      }
      ScanDigits();
    }
    return true;
  }

  bool ScanLiteral(std::string_view word) {
    ++i_;
    for (std::size_t k = 1; k < word.size(); ++k, ++i_) {
      if (i_ >= text_.size()) {
        return Fail("");
      }
      if (text_[i_] != word[k]) {
        return Fail("in literal " + std::string(word) + " (expecting " +
                    QuoteChar(static_cast<unsigned char>(word[k])) + ")");
      }
    }
    return true;
  }

  std::string_view text_;
  JsonHandler* handler_;
  std::size_t i_ = 0;
  JsonSyntaxError error_;
};

// Decodes the code point at text[i] (the text is valid UTF-8) and advances i past it.
char32_t NextCodePoint(std::string_view text, std::size_t& i) {
  auto lead = static_cast<unsigned char>(text[i++]);
  int extra = lead < 0x80 ? 0 : lead < 0xE0 ? 1 : lead < 0xF0 ? 2 : 3;
  char32_t code_point = extra == 0 ? lead : lead & (0x3F >> extra);
  for (int k = 0; k < extra && i < text.size(); ++k) {
    code_point = (code_point << 6) | (static_cast<unsigned char>(text[i++]) & 0x3F);
  }
  return code_point;
}

// Go's unicode.IsSpace.
bool IsUnicodeSpace(char32_t c) {
  switch (c) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

}  // namespace

JsonStreamScan ScanJsonStream(std::string_view text, JsonHandler* handler) {
  return Scanner(text, handler).Scan();
}

bool KubectlReadsAsJson(std::string_view text) {
  std::string_view window = text.substr(0, 4096);
  std::size_t i = 0;
  while (i < window.size()) {
    std::size_t start = i;
    char32_t c = NextCodePoint(window, i);
    if (!IsUnicodeSpace(c)) {
      return window[start] == '{';
    }
  }
  return false;
}

}  // namespace agw::validate::manifest
