// agentgateway's CEL functions (crates/celx/src/general.rs, flatten.rs) and the values of its
// attribute context (crates/agentgateway/src/cel/types.rs, query.rs), for the data plane's
// runtime CEL. The facts (names, argument types, error texts, encodings) are agentgateway's and
// those of the Rust crates it calls (serde_json, base64, percent-encoding, form_urlencoded,
// regex, cookie); the code is ours.

#include <openssl/evp.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <unordered_map>

#include "validate/cel/agentgateway_values.h"
#include "validate/cel/library.h"

namespace agw::validate::cel {
namespace {

using K = Value::Kind;

// How deep Materialized, JsonText and ParseJson go: serde_json's recursion limit.
constexpr int kMaxDepth = 128;
constexpr std::string_view kRedacted = "<redacted>";

Value ArgumentCount(std::size_t expected, std::size_t actual) {
  return Value::Error("Invalid argument count: expected " + std::to_string(expected) + ", got " +
                      std::to_string(actual));
}

bool IsText(const Value& v) { return v.kind() == K::kString || v.kind() == K::kBytes; }

std::string LowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// UTF-8, as Rust's str::from_utf8 checks it.

// Where the first invalid sequence of `bytes` starts and how long it is (Rust's Utf8Error:
// valid_up_to and error_len, 0 for a sequence cut short by the end), or nullopt when all is valid.
struct Utf8Problem {
  std::size_t valid_up_to = 0;
  std::size_t error_len = 0;
};

std::optional<Utf8Problem> FindUtf8Problem(std::string_view bytes) {
  auto at = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
  std::size_t i = 0;
  while (i < bytes.size()) {
    unsigned char b = at(i);
    if (b < 0x80) {
      ++i;
      continue;
    }
    std::size_t width = (b >= 0xC2 && b <= 0xDF)   ? 2
                        : (b >= 0xE0 && b <= 0xEF) ? 3
                        : (b >= 0xF0 && b <= 0xF4) ? 4
                                                   : 0;
    if (width == 0) {
      return Utf8Problem{i, 1};
    }
    // The second byte's range depends on the first (no overlongs, surrogates or > U+10FFFF).
    unsigned char low = 0x80, high = 0xBF;
    if (b == 0xE0) {
      low = 0xA0;
    } else if (b == 0xED) {
      high = 0x9F;
    } else if (b == 0xF0) {
      low = 0x90;
    } else if (b == 0xF4) {
      high = 0x8F;
    }
    for (std::size_t k = 1; k < width; ++k) {
      if (i + k >= bytes.size()) {
        return Utf8Problem{i, 0};
      }
      unsigned char c = at(i + k);
      bool ok = k == 1 ? (c >= low && c <= high) : (c >= 0x80 && c <= 0xBF);
      if (!ok) {
        return Utf8Problem{i, k};
      }
    }
    i += width;
  }
  return std::nullopt;
}

// Rust's Utf8Error text.
std::string Utf8ErrorText(const Utf8Problem& problem) {
  if (problem.error_len == 0) {
    return "incomplete utf-8 byte sequence from index " + std::to_string(problem.valid_up_to);
  }
  return "invalid utf-8 sequence of " + std::to_string(problem.error_len) + " bytes from index " +
         std::to_string(problem.valid_up_to);
}

// String::from_utf8_lossy: each invalid sequence becomes U+FFFD.
std::string LossyUtf8(std::string_view bytes) {
  std::string out;
  while (true) {
    std::optional<Utf8Problem> problem = FindUtf8Problem(bytes);
    if (!problem) {
      out.append(bytes);
      return out;
    }
    out.append(bytes.substr(0, problem->valid_up_to));
    out.append("\xEF\xBF\xBD");
    std::size_t skip =
        problem->error_len == 0 ? bytes.size() - problem->valid_up_to : problem->error_len;
    bytes.remove_prefix(problem->valid_up_to + skip);
  }
}

// ---------------------------------------------------------------------------------------------
// base64 (the base64 crate's GeneralPurpose engines with padding on encode, "indifferent"
// padding and no trailing bits on decode).

constexpr std::string_view kStandardAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlSafeAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64Encode(std::string_view bytes, std::string_view alphabet) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto byte = [&](std::size_t k) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k]));
  };
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    for (int shift = 18; shift >= 0; shift -= 6) {
      out.push_back(alphabet[(n >> shift) & 0x3F]);
    }
  }
  std::size_t left = bytes.size() - i;
  if (left > 0) {
    std::uint32_t n = byte(i) << 16;
    if (left == 2) {
      n |= byte(i + 1) << 8;
    }
    out.push_back(alphabet[(n >> 18) & 0x3F]);
    out.push_back(alphabet[(n >> 12) & 0x3F]);
    out.push_back(left == 2 ? alphabet[(n >> 6) & 0x3F] : '=');
    out.push_back('=');
  }
  return out;
}

// The decoded bytes, or the base64 crate's DecodeError text. Every complete quad but the last is
// decoded strictly; the last 1 to 4 symbols may carry padding, which must follow two or three
// symbols and nothing else ("indifferent": neither required nor checked for amount).
Value Base64Decode(std::string_view text, std::string_view alphabet) {
  int table[256];
  std::fill(std::begin(table), std::end(table), -1);
  for (std::size_t k = 0; k < alphabet.size(); ++k) {
    table[static_cast<unsigned char>(alphabet[k])] = static_cast<int>(k);
  }
  auto invalid_byte = [](std::size_t index, unsigned char b) {
    return Value::Error("Invalid symbol " + std::to_string(b) + ", offset " +
                        std::to_string(index) + ".");
  };
  std::string out;
  out.reserve(text.size() / 4 * 3 + 3);
  if (text.empty()) {
    return Value::Bytes(std::move(out));
  }
  std::size_t remainder = text.size() % 4;
  std::size_t body = text.size() - (remainder == 0 ? 4 : remainder);
  for (std::size_t i = 0; i < body; i += 4) {
    std::uint32_t n = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      auto b = static_cast<unsigned char>(text[i + k]);
      if (table[b] < 0) {
        return invalid_byte(i + k, b);
      }
      n = (n << 6) | static_cast<std::uint32_t>(table[b]);
    }
    out.push_back(static_cast<char>(n >> 16));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n));
  }
  std::uint32_t morsels[4] = {0, 0, 0, 0};
  std::size_t count = 0, padding = 0, first_padding = 0;
  unsigned char last_symbol = 0;
  for (std::size_t k = 0; body + k < text.size(); ++k) {
    auto b = static_cast<unsigned char>(text[body + k]);
    if (b == '=') {
      if (k < 2) {
        return invalid_byte(body + k, b);
      }
      if (padding == 0) {
        first_padding = k;
      }
      ++padding;
      continue;
    }
    if (padding > 0) {
      return invalid_byte(body + first_padding, '=');
    }
    if (table[b] < 0) {
      return invalid_byte(body + k, b);
    }
    last_symbol = b;
    morsels[count++] = static_cast<std::uint32_t>(table[b]);
  }
  if (count < 2) {
    return Value::Error("Invalid input length: " + std::to_string(body + count));
  }
  std::uint32_t n =
      (morsels[0] << 26) | (morsels[1] << 20) | (morsels[2] << 14) | (morsels[3] << 8);
  std::size_t whole_bytes = count * 6 / 8;
  std::uint32_t unused = ~0u >> (whole_bytes * 8);
  if ((n & unused) != 0) {
    return Value::Error("Invalid last symbol " + std::to_string(last_symbol) + ", offset " +
                        std::to_string(body + count - 1) + ".");
  }
  for (std::size_t k = 0; k < whole_bytes; ++k) {
    out.push_back(static_cast<char>(n >> 24));
    n <<= 8;
  }
  return Value::Bytes(std::move(out));
}

// ---------------------------------------------------------------------------------------------
// Percent-encoding and application/x-www-form-urlencoded (the percent-encoding and
// form_urlencoded crates).

constexpr char kUpperHex[] = "0123456789ABCDEF";

bool IsAsciiAlphanumeric(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// url.encode: every byte but ASCII alphanumerics and - . _ ~ as %XX (agentgateway's
// URL_COMPONENT_ENCODE_SET is the controls, space and all other ASCII punctuation; bytes past
// ASCII are always encoded).
std::string UrlEncode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    if (IsAsciiAlphanumeric(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kUpperHex[c >> 4]);
      out.push_back(kUpperHex[c & 0xF]);
    }
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// %XX with two hex digits becomes the byte; any other '%' stays as it is; '+' stays '+'.
std::string PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

// form_urlencoded::parse: `&`-separated, empty pieces skipped, split at the first '=', '+' a
// space, percent-decoded, then decoded as UTF-8 with replacement characters.
Pairs FormParse(std::string_view text) {
  Pairs pairs;
  auto decode = [](std::string_view part) {
    std::string plus(part);
    std::replace(plus.begin(), plus.end(), '+', ' ');
    return LossyUtf8(PercentDecode(plus));
  };
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('&', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view piece = text.substr(start, end - start);
    if (!piece.empty()) {
      std::size_t equals = piece.find('=');
      std::string_view name = piece.substr(0, equals);
      std::string_view value =
          equals == std::string_view::npos ? std::string_view() : piece.substr(equals + 1);
      pairs.emplace_back(decode(name), decode(value));
    }
    start = end + 1;
  }
  return pairs;
}

// form_urlencoded's byte_serialize: alphanumerics and * - . _ as they are, space as '+', the rest
// %XX.
void FormSerializePart(std::string_view text, std::string& out) {
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (IsAsciiAlphanumeric(c) || c == '*' || c == '-' || c == '.' || c == '_') {
      out.push_back(ch);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kUpperHex[c >> 4]);
      out.push_back(kUpperHex[c & 0xF]);
    }
  }
}

std::string FormSerialize(const Pairs& pairs) {
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) {
      out.push_back('&');
    }
    FormSerializePart(name, out);
    out.push_back('=');
    FormSerializePart(value, out);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// JSON text in (serde_json) and out (cel Value::json + serde_json::to_string).

class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : text_(text) {}

  Value Read() {
    SkipSpace();
    Value value = ReadValue(kMaxDepth);
    if (!error_) {
      SkipSpace();
      if (pos_ < text_.size()) {
        Fail("trailing characters", pos_);
      }
    }
    return error_ ? Value::Error(*error_) : value;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::optional<std::string> error_;

  // serde_json's position: the line, and the column of the byte at `at` (1-based) or, at the end
  // of the input, the number of bytes on the last line.
  void Fail(std::string_view code, std::size_t at) {
    if (error_) {
      return;
    }
    std::size_t line = 1, line_start = 0;
    for (std::size_t i = 0; i < at && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    std::size_t column = at >= text_.size() ? text_.size() - line_start : at - line_start + 1;
    error_ = std::string(code) + " at line " + std::to_string(line) + " column " +
             std::to_string(column);
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }

  void SkipSpace() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' || Peek() == '\r')) {
      ++pos_;
    }
  }

  Value ReadValue(int depth_left) {
    if (AtEnd()) {
      Fail("EOF while parsing a value", pos_);
      return Value();
    }
    char c = Peek();
    switch (c) {
      case 'n':
        return ReadWord("null", Value());
      case 't':
        return ReadWord("true", Value::Bool(true));
      case 'f':
        return ReadWord("false", Value::Bool(false));
      case '"': {
        ++pos_;
        std::optional<std::string> text = ReadString();
        return text ? Value::String(std::move(*text)) : Value();
      }
      case '[':
      case '{':
        if (depth_left - 1 == 0) {
          Fail("recursion limit exceeded", pos_);
          return Value();
        }
        ++pos_;
        return c == '[' ? ReadList(depth_left - 1) : ReadObject(depth_left - 1);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          return ReadNumber();
        }
        Fail("expected value", pos_);
        return Value();
    }
  }

  Value ReadWord(std::string_view word, Value value) {
    for (char expected : word) {
      if (AtEnd()) {
        Fail("EOF while parsing a value", pos_);
        return Value();
      }
      if (Peek() != expected) {
        Fail("expected ident", pos_);
        return Value();
      }
      ++pos_;
    }
    return value;
  }

  bool Digit() const { return !AtEnd() && Peek() >= '0' && Peek() <= '9'; }

  Value ReadNumber() {
    std::size_t start = pos_;
    bool negative = Peek() == '-';
    if (negative) {
      ++pos_;
    }
    if (AtEnd()) {
      Fail("EOF while parsing a value", pos_);
      return Value();
    }
    if (Peek() == '0') {
      ++pos_;
      if (Digit()) {
        Fail("invalid number", pos_);
        return Value();
      }
    } else if (Digit()) {
      while (Digit()) {
        ++pos_;
      }
    } else {
      Fail("invalid number", pos_);
      return Value();
    }
    bool integer = true;
    if (!AtEnd() && Peek() == '.') {
      integer = false;
      ++pos_;
      if (!RequireDigits()) {
        return Value();
      }
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      integer = false;
      ++pos_;
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) {
        ++pos_;
      }
      if (!RequireDigits()) {
        return Value();
      }
    }
    std::string_view digits = text_.substr(start, pos_ - start);
    if (integer) {
      std::string_view magnitude_text = negative ? digits.substr(1) : digits;
      std::uint64_t magnitude = 0;
      auto [end, error] = std::from_chars(magnitude_text.data(),
                                          magnitude_text.data() + magnitude_text.size(), magnitude);
      if (error == std::errc() && end == magnitude_text.data() + magnitude_text.size()) {
        constexpr std::uint64_t kMinMagnitude = std::uint64_t{1} << 63;
        if (!negative) {
          if (magnitude <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            return Value::Int(static_cast<std::int64_t>(magnitude));
          }
          return Value::Uint(magnitude);
        }
        // serde_json reads -0 as the float -0.0.
        if (magnitude == 0) {
          return Value::Double(-0.0);
        }
        if (magnitude <= kMinMagnitude) {
          return Value::Int(static_cast<std::int64_t>(0 - magnitude));
        }
      }
      // Past 64 bits: a double.
    }
    std::string copy(digits);
    double value = std::strtod(copy.c_str(), nullptr);
    if (std::isinf(value)) {
      Fail("number out of range", pos_ - 1);
      return Value();
    }
    return Value::Double(value);
  }

  bool RequireDigits() {
    if (AtEnd()) {
      Fail("EOF while parsing a value", pos_);
      return false;
    }
    if (!Digit()) {
      Fail("invalid number", pos_);
      return false;
    }
    while (Digit()) {
      ++pos_;
    }
    return true;
  }

  // Four hex digits of a \u escape.
  std::optional<std::uint32_t> ReadHex4() {
    std::uint32_t n = 0;
    for (int k = 0; k < 4; ++k) {
      if (AtEnd()) {
        Fail("EOF while parsing a string", pos_);
        return std::nullopt;
      }
      int digit = HexValue(Peek());
      if (digit < 0) {
        Fail("invalid escape", pos_);
        return std::nullopt;
      }
      n = n * 16 + static_cast<std::uint32_t>(digit);
      ++pos_;
    }
    return n;
  }

  static void AppendUtf8(std::uint32_t cp, std::string& out) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // The rest of a string whose opening quote was read.
  std::optional<std::string> ReadString() {
    std::string out;
    std::size_t run_start = pos_;
    while (true) {
      if (AtEnd()) {
        Fail("EOF while parsing a string", pos_);
        return std::nullopt;
      }
      auto c = static_cast<unsigned char>(Peek());
      if (c == '"' || c == '\\') {
        std::string_view run = text_.substr(run_start, pos_ - run_start);
        if (std::optional<Utf8Problem> problem = FindUtf8Problem(run)) {
          Fail("invalid unicode code point", run_start + problem->valid_up_to);
          return std::nullopt;
        }
        out.append(run);
        ++pos_;
        if (c == '"') {
          return out;
        }
        if (!ReadEscape(out)) {
          return std::nullopt;
        }
        run_start = pos_;
        continue;
      }
      if (c < 0x20) {
        Fail("control character (\\u0000-\\u001F) found while parsing a string", pos_);
        return std::nullopt;
      }
      ++pos_;
    }
  }

  bool ReadEscape(std::string& out) {
    if (AtEnd()) {
      Fail("EOF while parsing a string", pos_);
      return false;
    }
    char e = Peek();
    ++pos_;
    switch (e) {
      case '"':
      case '\\':
      case '/':
        out.push_back(e);
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
      case 'u': {
        std::optional<std::uint32_t> first = ReadHex4();
        if (!first) {
          return false;
        }
        std::uint32_t cp = *first;
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
          Fail("lone leading surrogate in hex escape", pos_ - 1);
          return false;
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          if (pos_ + 1 >= text_.size() || text_[pos_] != '\\' || text_[pos_ + 1] != 'u') {
            Fail("lone leading surrogate in hex escape", pos_ - 1);
            return false;
          }
          pos_ += 2;
          std::optional<std::uint32_t> second = ReadHex4();
          if (!second) {
            return false;
          }
          if (*second < 0xDC00 || *second > 0xDFFF) {
            Fail("lone leading surrogate in hex escape", pos_ - 1);
            return false;
          }
          cp = 0x10000 + ((cp - 0xD800) << 10) + (*second - 0xDC00);
        }
        AppendUtf8(cp, out);
        return true;
      }
      default:
        Fail("invalid escape", pos_ - 1);
        return false;
    }
  }

  Value ReadList(int depth_left) {
    ValueList items;
    SkipSpace();
    if (!AtEnd() && Peek() == ']') {
      ++pos_;
      return Value::List(std::move(items));
    }
    while (true) {
      Value item = ReadValue(depth_left);
      if (error_) {
        return Value();
      }
      items.push_back(std::move(item));
      SkipSpace();
      if (AtEnd()) {
        Fail("EOF while parsing a list", pos_);
        return Value();
      }
      if (Peek() == ']') {
        ++pos_;
        return Value::List(std::move(items));
      }
      if (Peek() != ',') {
        Fail("expected `,` or `]`", pos_);
        return Value();
      }
      ++pos_;
      SkipSpace();
      if (!AtEnd() && Peek() == ']') {
        Fail("trailing comma", pos_);
        return Value();
      }
    }
  }

  Value ReadObject(int depth_left) {
    ValueMap entries;
    std::unordered_map<std::string, std::size_t> index;
    SkipSpace();
    if (!AtEnd() && Peek() == '}') {
      ++pos_;
      return Value::Map(std::move(entries));
    }
    while (true) {
      if (AtEnd()) {
        Fail("EOF while parsing an object", pos_);
        return Value();
      }
      if (Peek() != '"') {
        Fail("key must be a string", pos_);
        return Value();
      }
      ++pos_;
      std::optional<std::string> key = ReadString();
      if (!key) {
        return Value();
      }
      SkipSpace();
      if (AtEnd()) {
        Fail("EOF while parsing an object", pos_);
        return Value();
      }
      if (Peek() != ':') {
        Fail("expected `:`", pos_);
        return Value();
      }
      ++pos_;
      SkipSpace();
      Value value = ReadValue(depth_left);
      if (error_) {
        return Value();
      }
      // preserve_order: a repeated key keeps its first place and takes the last value.
      auto [it, inserted] = index.emplace(*key, entries.size());
      if (inserted) {
        entries.emplace_back(Value::String(std::move(*key)), std::move(value));
      } else {
        entries[it->second].second = std::move(value);
      }
      SkipSpace();
      if (AtEnd()) {
        Fail("EOF while parsing an object", pos_);
        return Value();
      }
      if (Peek() == '}') {
        ++pos_;
        return Value::Map(std::move(entries));
      }
      if (Peek() != ',') {
        Fail("expected `,` or `}`", pos_);
        return Value();
      }
      ++pos_;
      SkipSpace();
      if (!AtEnd() && Peek() == '}') {
        Fail("trailing comma", pos_);
        return Value();
      }
    }
  }
};

void AppendJsonString(std::string_view text, std::string& out) {
  static constexpr char kLowerHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (c < 0x20) {
          out.append("\\u00");
          out.push_back(kLowerHex[c >> 4]);
          out.push_back(kLowerHex[c & 0xF]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

// A finite double as serde_json writes it (ryu's shortest round-trip digits, laid out as Rust
// prints them: "1.0", "0.001", "1e21", "1.5e-7").
std::string RustDoubleText(double d) {
  if (d == 0) {
    return std::signbit(d) ? "-0.0" : "0.0";
  }
  char buffer[64];
  auto [end, error] =
      std::to_chars(buffer, buffer + sizeof(buffer), d, std::chars_format::scientific);
  std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
  std::string sign;
  if (!text.empty() && text[0] == '-') {
    sign = "-";
    text.remove_prefix(1);
  }
  std::size_t e_at = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e_at)) {
    if (c != '.') {
      digits.push_back(c);
    }
  }
  int exponent = std::atoi(std::string(text.substr(e_at + 1)).c_str());
  int length = static_cast<int>(digits.size());
  int k = exponent - (length - 1);  // the exponent of the last digit
  int kk = length + k;              // the position of the decimal point
  std::string out = sign;
  if (k >= 0 && kk <= 16) {
    out += digits + std::string(static_cast<std::size_t>(k), '0') + ".0";
  } else if (kk > 0 && kk <= 16) {
    out += digits.substr(0, static_cast<std::size_t>(kk)) + "." +
           digits.substr(static_cast<std::size_t>(kk));
  } else if (kk > -5 && kk <= 0) {
    out += "0." + std::string(static_cast<std::size_t>(-kk), '0') + digits;
  } else if (length == 1) {
    out += digits + "e" + std::to_string(kk - 1);
  } else {
    out += digits.substr(0, 1) + "." + digits.substr(1) + "e" + std::to_string(kk - 1);
  }
  return out;
}

// A map key as cel's Key displays it.
std::string KeyText(const Value& key) {
  switch (key.kind()) {
    case K::kString:
      return key.text();
    case K::kInt:
      return std::to_string(key.int_value());
    case K::kUint:
      return std::to_string(key.uint_value());
    case K::kBool:
      return key.bool_value() ? "true" : "false";
    default:
      return std::string(key.TypeName());
  }
}

// The text of a Kubernetes IP or CIDR value (agentgateway's ip() and cidr() values write
// themselves as their text); nullopt for other opaque values.
std::optional<std::string> OpaqueText(const Value& value) {
  Value args[] = {value};
  std::optional<Value> text = library::CallNet("string", args);
  if (text && text->kind() == K::kString) {
    return text->text();
  }
  return std::nullopt;
}

void AppendJson(const Value& value, std::string& out, int depth) {
  if (depth > kMaxDepth) {
    out.append("null");
    return;
  }
  switch (value.kind()) {
    case K::kNull:
    case K::kError:
      out.append("null");
      return;
    case K::kBool:
      out.append(value.bool_value() ? "true" : "false");
      return;
    case K::kInt:
      out.append(std::to_string(value.int_value()));
      return;
    case K::kUint:
      out.append(std::to_string(value.uint_value()));
      return;
    case K::kDouble:
      out.append(std::isfinite(value.double_value()) ? RustDoubleText(value.double_value())
                                                     : "null");
      return;
    case K::kString:
      AppendJsonString(value.text(), out);
      return;
    case K::kBytes:
      AppendJsonString(Base64Text(value.text()), out);
      return;
    case K::kType:
      AppendJsonString(value.text(), out);
      return;
    case K::kDuration:
      AppendJsonString(DurationJsonText(value.duration_nanos()), out);
      return;
    case K::kTimestamp:
      AppendJsonString(TimestampJsonText(value.timestamp()), out);
      return;
    case K::kOptional:
      if (value.optional_value() == nullptr) {
        out.append("null");
      } else {
        AppendJson(*value.optional_value(), out, depth + 1);
      }
      return;
    case K::kList: {
      out.push_back('[');
      bool first = true;
      for (const Value& item : value.list()) {
        if (!first) {
          out.push_back(',');
        }
        first = false;
        AppendJson(item, out, depth + 1);
      }
      out.push_back(']');
      return;
    }
    case K::kMap: {
      out.push_back('{');
      bool first = true;
      for (const auto& [key, item] : value.map()) {
        if (!first) {
          out.push_back(',');
        }
        first = false;
        AppendJsonString(KeyText(key), out);
        out.push_back(':');
        AppendJson(item, out, depth + 1);
      }
      out.push_back('}');
      return;
    }
    case K::kOpaque:
      if (const DynamicView* view = AsDynamicView(value)) {
        AppendJson(view->Materialize(), out, depth + 1);
      } else if (std::optional<std::string> text = OpaqueText(value)) {
        AppendJsonString(*text, out);
      } else {
        out.append("null");
      }
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// Views.

class RedactedValue final : public DynamicView {
 public:
  explicit RedactedValue(std::string secret) : secret_(std::move(secret)) {}
  std::string_view TypeName() const override { return "string"; }
  Value Materialize() const override { return Value::String(std::string(kRedacted)); }
  std::optional<Value> Field(std::string_view) const override { return std::nullopt; }
  std::optional<Value> CallMethod(std::string_view name,
                                  std::span<const Value> args) const override {
    if (name != "unredacted") {
      return std::nullopt;
    }
    if (!args.empty()) {
      return ArgumentCount(0, args.size());
    }
    return Value::String(secret_);
  }

 private:
  std::string secret_;
};

struct HeaderData {
  std::vector<std::pair<std::string, std::string>> entries;  // lowercase names
  std::vector<bool> sensitive;                               // per entry
};

class HeaderViewValue final : public DynamicView {
 public:
  enum class Mode { kFirst, kJoin, kRaw, kSplit };

  HeaderViewValue(std::shared_ptr<const HeaderData> data, Mode mode, bool redact)
      : data_(std::move(data)), mode_(mode), redact_(redact) {}

  std::string_view TypeName() const override { return "map"; }

  Value Materialize() const override {
    ValueMap entries;
    std::vector<std::string_view> seen;
    for (const auto& [name, value] : data_->entries) {
      if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
        continue;
      }
      seen.push_back(name);
      if (std::optional<Value> found = Lookup(name)) {
        entries.emplace_back(Value::String(name), std::move(*found));
      }
    }
    return Value::Map(std::move(entries));
  }

  std::optional<Value> Field(std::string_view name) const override {
    return Lookup(LowerAscii(name));
  }

  std::optional<Value> CallMethod(std::string_view name,
                                  std::span<const Value> args) const override {
    if (name == "cookie") {
      if (args.size() != 1) {
        return ArgumentCount(1, args.size());
      }
      if (args[0].kind() != K::kString) {
        return Value::Error("no such overload");
      }
      return Cookie(args[0].text());
    }
    std::optional<Mode> mode;
    bool redact = redact_;
    if (name == "join") {
      mode = Mode::kJoin;
    } else if (name == "raw") {
      mode = Mode::kRaw;
    } else if (name == "split") {
      mode = Mode::kSplit;
    } else if (name == "redacted") {
      mode = mode_;
      redact = true;
    } else {
      return std::nullopt;
    }
    if (!args.empty()) {
      return ArgumentCount(0, args.size());
    }
    return Value::Opaque(std::make_shared<HeaderViewValue>(data_, *mode, redact));
  }

 private:
  std::shared_ptr<const HeaderData> data_;
  Mode mode_;
  bool redact_;

  // The values of `name` (lowercase), nullopt when it has none or one is not UTF-8.
  std::optional<std::vector<std::string>> RawValues(std::string_view name) const {
    std::vector<std::string> values;
    for (std::size_t i = 0; i < data_->entries.size(); ++i) {
      if (data_->entries[i].first != name) {
        continue;
      }
      if (redact_ && data_->sensitive[i]) {
        values.emplace_back(kRedacted);
        continue;
      }
      const std::string& value = data_->entries[i].second;
      if (FindUtf8Problem(value)) {
        return std::nullopt;
      }
      values.push_back(value);
    }
    if (values.empty()) {
      return std::nullopt;
    }
    return values;
  }

  std::optional<Value> Lookup(std::string_view name) const {
    std::optional<std::vector<std::string>> values = RawValues(name);
    if (!values) {
      return std::nullopt;
    }
    auto list = [](const std::vector<std::string>& texts) {
      ValueList items;
      for (const std::string& text : texts) {
        items.push_back(Value::String(text));
      }
      return Value::List(std::move(items));
    };
    switch (mode_) {
      case Mode::kFirst:
        return values->size() == 1 ? Value::String((*values)[0]) : list(*values);
      case Mode::kJoin: {
        std::string joined;
        for (std::size_t i = 0; i < values->size(); ++i) {
          joined.append(i == 0 ? "" : ",").append((*values)[i]);
        }
        return Value::String(std::move(joined));
      }
      case Mode::kRaw:
        return list(*values);
      case Mode::kSplit: {
        std::vector<std::string> parts;
        for (const std::string& value : *values) {
          std::size_t start = 0;
          while (true) {
            std::size_t comma = value.find(',', start);
            std::string_view part = std::string_view(value).substr(
                start, comma == std::string::npos ? std::string::npos : comma - start);
            while (!part.empty() && std::isspace(static_cast<unsigned char>(part.front()))) {
              part.remove_prefix(1);
            }
            while (!part.empty() && std::isspace(static_cast<unsigned char>(part.back()))) {
              part.remove_suffix(1);
            }
            parts.emplace_back(part);
            if (comma == std::string::npos) {
              break;
            }
            start = comma + 1;
          }
        }
        return list(parts);
      }
    }
    return std::nullopt;
  }

  // The cookie crate's Cookie::split_parse over every Cookie header: `;`-separated pieces, blank
  // ones skipped, each `name=value` with both trimmed; a piece without '=' or with an empty name
  // is an error, even before the cookie looked for.
  Value Cookie(const std::string& wanted) const {
    for (std::size_t i = 0; i < data_->entries.size(); ++i) {
      if (data_->entries[i].first != "cookie") {
        continue;
      }
      const std::string& header = data_->entries[i].second;
      if (std::optional<Utf8Problem> problem = FindUtf8Problem(header)) {
        return Value::Error(Utf8ErrorText(*problem));
      }
      std::size_t start = 0;
      while (start < header.size()) {
        std::size_t end = header.find(';', start);
        if (end == std::string::npos) {
          end = header.size();
        }
        std::string_view piece = std::string_view(header).substr(start, end - start);
        start = end + 1;
        auto trim = [](std::string_view s) {
          while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
            s.remove_prefix(1);
          }
          while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
            s.remove_suffix(1);
          }
          return s;
        };
        if (trim(piece).empty()) {
          continue;
        }
        std::size_t equals = piece.find('=');
        if (equals == std::string_view::npos) {
          return Value::Error("the cookie is missing a name/value pair");
        }
        std::string_view name = trim(piece.substr(0, equals));
        if (name.empty()) {
          return Value::Error("the cookie's name is empty");
        }
        if (name == wanted) {
          return Value::String(std::string(trim(piece.substr(equals + 1))));
        }
      }
    }
    return Value::Error("no such key: " + wanted);
  }
};

class QueryViewValue final : public DynamicView {
 public:
  QueryViewValue(std::string base, std::optional<std::string> query)
      : base_(std::move(base)), query_(std::move(query)) {}

  std::string_view TypeName() const override { return "string"; }

  Value Materialize() const override {
    return Value::String(query_ ? base_ + "?" + *query_ : base_);
  }

  std::optional<Value> Field(std::string_view) const override { return std::nullopt; }

  std::optional<Value> CallMethod(std::string_view name,
                                  std::span<const Value> args) const override {
    if (name == "query") {
      if (args.size() != 1) {
        return ArgumentCount(1, args.size());
      }
      if (args[0].kind() != K::kString) {
        return Value::Error("no such overload");
      }
      ValueList values;
      if (query_) {
        for (auto& [key, value] : FormParse(*query_)) {
          if (key == args[0].text()) {
            values.push_back(Value::String(std::move(value)));
          }
        }
      }
      if (values.empty()) {
        return Value::Error("no such key: " + args[0].text());
      }
      return Value::List(std::move(values));
    }
    if (name == "addQuery" || name == "setQuery") {
      if (args.size() != 2) {
        return ArgumentCount(2, args.size());
      }
      if (args[0].kind() != K::kString || args[1].kind() != K::kString) {
        return Value::Error("no such overload");
      }
      Pairs pairs = query_ ? FormParse(*query_) : Pairs();
      if (name == "setQuery") {
        std::erase_if(pairs, [&](const auto& pair) { return pair.first == args[0].text(); });
      }
      pairs.emplace_back(args[0].text(), args[1].text());
      return Value::Opaque(std::make_shared<QueryViewValue>(base_, FormSerialize(pairs)));
    }
    return std::nullopt;
  }

 private:
  std::string base_;  // scheme://authority/path or /path
  std::optional<std::string> query_;
};

class JwtClaimsValue final : public DynamicView {
 public:
  JwtClaimsValue(Value claims, std::string raw_token)
      : claims_(std::move(claims)), raw_token_(std::move(raw_token)) {}
  std::string_view TypeName() const override { return "map"; }
  Value Materialize() const override { return claims_; }
  std::optional<Value> Field(std::string_view name) const override {
    if (name == "rawToken") {
      return RedactedString(raw_token_);
    }
    return DynamicView::Field(name);
  }

 private:
  Value claims_;
  std::string raw_token_;
};

bool HasView(const Value& value, int depth) {
  if (depth > kMaxDepth) {
    return false;
  }
  if (AsDynamicView(value) != nullptr) {
    return true;
  }
  if (value.kind() == K::kList) {
    return std::any_of(value.list().begin(), value.list().end(),
                       [&](const Value& item) { return HasView(item, depth + 1); });
  }
  if (value.kind() == K::kMap) {
    return std::any_of(value.map().begin(), value.map().end(),
                       [&](const auto& entry) { return HasView(entry.second, depth + 1); });
  }
  return false;
}

Value MaterializedAt(const Value& value, int depth) {
  if (depth > kMaxDepth) {
    return value;
  }
  if (const DynamicView* view = AsDynamicView(value)) {
    return MaterializedAt(view->Materialize(), depth + 1);
  }
  if (value.kind() == K::kList) {
    ValueList items;
    items.reserve(value.list().size());
    for (const Value& item : value.list()) {
      items.push_back(MaterializedAt(item, depth + 1));
    }
    switch (value.list_type()) {
      case Value::ListType::kSet:
        return Value::SetList(std::move(items));
      case Value::ListType::kMap:
        return Value::MapList(std::move(items), value.list_keys());
      case Value::ListType::kAtomic:
        break;
    }
    return Value::List(std::move(items));
  }
  if (value.kind() == K::kMap) {
    ValueMap entries;
    entries.reserve(value.map().size());
    for (const auto& [key, item] : value.map()) {
      entries.emplace_back(key, MaterializedAt(item, depth + 1));
    }
    return Value::Map(std::move(entries));
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// The functions.

std::string HashHex(std::string_view bytes, const EVP_MD* md) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, md, nullptr) != 1) {
    return std::string();
  }
  static constexpr char kLowerHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kLowerHex[digest[i] >> 4]);
    out.push_back(kLowerHex[digest[i] & 0xF]);
  }
  return out;
}

// Rust regex's replacement syntax (Captures::expand): `$$` is '$'; `$name` takes the longest run
// of [0-9A-Za-z_] and `${name}` everything to the '}'; a name of digits is a group number, any
// other a group name; a group that does not exist or did not take part is empty; a '$' that
// starts no reference stays as it is.
std::string ExpandReplacement(std::string_view replacement, const RE2& regex,
                              std::span<const re2::StringPiece> groups) {
  std::string out;
  const std::map<std::string, int>& named = regex.NamedCapturingGroups();
  auto group = [&](std::string_view name) -> std::string_view {
    int index = -1;
    if (!name.empty() &&
        std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      std::from_chars(name.data(), name.data() + name.size(), index);
    } else if (auto it = named.find(std::string(name)); it != named.end()) {
      index = it->second;
    }
    if (index < 0 || static_cast<std::size_t>(index) >= groups.size() ||
        groups[static_cast<std::size_t>(index)].data() == nullptr) {
      return std::string_view();
    }
    const re2::StringPiece& piece = groups[static_cast<std::size_t>(index)];
    return std::string_view(piece.data(), piece.size());
  };
  for (std::size_t i = 0; i < replacement.size();) {
    if (replacement[i] != '$' || i + 1 >= replacement.size()) {
      out.push_back(replacement[i++]);
      continue;
    }
    if (replacement[i + 1] == '$') {
      out.push_back('$');
      i += 2;
      continue;
    }
    if (replacement[i + 1] == '{') {
      std::size_t close = replacement.find('}', i + 2);
      if (close == std::string_view::npos) {
        out.push_back(replacement[i++]);
        continue;
      }
      out.append(group(replacement.substr(i + 2, close - i - 2)));
      i = close + 1;
      continue;
    }
    std::size_t end = i + 1;
    while (end < replacement.size() &&
           (IsAsciiAlphanumeric(static_cast<unsigned char>(replacement[end])) ||
            replacement[end] == '_')) {
      ++end;
    }
    if (end == i + 1) {
      out.push_back(replacement[i++]);
      continue;
    }
    out.append(group(replacement.substr(i + 1, end - i - 1)));
    i = end;
  }
  return out;
}

// s.regexReplace(re, replacement): the first match replaced (Rust's Regex::replace). The pattern
// is read by RE2, which agrees with Rust's regex crate on the common syntax (both are linear-time
// automata without backreferences); the error's detail after the newline is RE2's wording.
Value RegexReplace(const std::string& text, const std::string& pattern,
                   std::string_view replacement) {
  RE2::Options options;
  options.set_log_errors(false);
  RE2 regex(pattern, options);
  if (!regex.ok()) {
    return Value::Error("'" + pattern + "' not a valid regex:\nregex parse error:\n    " + pattern +
                        "\nerror: " + regex.error());
  }
  std::vector<re2::StringPiece> groups(static_cast<std::size_t>(regex.NumberOfCapturingGroups()) +
                                       1);
  if (!regex.Match(text, 0, text.size(), RE2::UNANCHORED, groups.data(),
                   static_cast<int>(groups.size()))) {
    return Value::String(text);
  }
  std::size_t begin = static_cast<std::size_t>(groups[0].data() - text.data());
  std::size_t end = begin + groups[0].size();
  return Value::String(text.substr(0, begin) + ExpandReplacement(replacement, regex, groups) +
                       text.substr(end));
}

// unvalidatedJwtPayload(token): the middle of three `.`-separated segments, base64url with
// optional padding, read as JSON; the signature is not checked.
Value JwtPayload(const std::string& token) {
  std::size_t parts = static_cast<std::size_t>(std::count(token.begin(), token.end(), '.')) + 1;
  if (parts != 3) {
    return Value::Error("invalid JWT: expected 3 segments, got " + std::to_string(parts));
  }
  std::size_t first = token.find('.');
  std::size_t second = token.find('.', first + 1);
  Value payload =
      Base64Decode(std::string_view(token).substr(first + 1, second - first - 1), kUrlSafeAlphabet);
  if (payload.is_error()) {
    return payload;
  }
  return ParseJson(payload.text());
}

// url.decode accepts what cel's Value::as_str converts: strings, bools, ints, uints and bytes (as
// base64 text).
std::optional<std::string> AsStr(const Value& value) {
  switch (value.kind()) {
    case K::kString:
      return value.text();
    case K::kBool:
      return std::string(value.bool_value() ? "true" : "false");
    case K::kInt:
      return std::to_string(value.int_value());
    case K::kUint:
      return std::to_string(value.uint_value());
    case K::kBytes:
      return Base64Text(value.text());
    default:
      return std::nullopt;
  }
}

Value FormDecode(std::string_view bytes) {
  ValueMap entries;
  std::unordered_map<std::string, std::size_t> index;
  for (auto& [key, value] : FormParse(bytes)) {
    auto [it, inserted] = index.emplace(key, entries.size());
    if (inserted) {
      entries.emplace_back(Value::String(std::move(key)), Value::String(std::move(value)));
      continue;
    }
    Value& existing = entries[it->second].second;
    ValueList items;
    if (existing.kind() == K::kList) {
      items = existing.list();
    } else {
      items.push_back(existing);
    }
    items.push_back(Value::String(std::move(value)));
    existing = Value::List(std::move(items));
  }
  return Value::Map(std::move(entries));
}

// form.encode(map): keys sorted, a list as repeated pairs, null left out, every value as
// Value::as_str converts it.
Value FormEncode(const Value& map) {
  if (map.kind() != K::kMap) {
    return Value::Error("Unexpected type: got '" + library::AgentgatewayTypeName(map) +
                        "', want 'map'");
  }
  std::vector<std::pair<std::string, const Value*>> fields;
  for (const auto& [key, value] : map.map()) {
    fields.emplace_back(KeyText(key), &value);
  }
  std::stable_sort(fields.begin(), fields.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  Pairs pairs;
  auto add = [&](const std::string& key, const Value& value) -> std::optional<Value> {
    std::optional<std::string> text = AsStr(value);
    if (!text) {
      return Value::Error("invalid form value for key " + key + ": Cannot convert " +
                          library::AgentgatewayTypeName(value) + " to string");
    }
    pairs.emplace_back(key, std::move(*text));
    return std::nullopt;
  };
  for (const auto& [key, value] : fields) {
    if (value->kind() == K::kNull) {
      continue;
    }
    if (value->kind() == K::kList) {
      for (const Value& item : value->list()) {
        if (std::optional<Value> error = add(key, item)) {
          return *error;
        }
      }
      continue;
    }
    if (std::optional<Value> error = add(key, *value)) {
      return *error;
    }
  }
  return Value::String(FormSerialize(pairs));
}

Value UrlDecode(const Value& value) {
  std::optional<std::string> text = AsStr(value);
  if (!text) {
    return Value::Error("invalid url-encoded value: Cannot convert " +
                        library::AgentgatewayTypeName(value) + " to string");
  }
  std::string decoded = PercentDecode(*text);
  if (std::optional<Utf8Problem> problem = FindUtf8Problem(decoded)) {
    return Value::Error(Utf8ErrorText(*problem));
  }
  return Value::String(std::move(decoded));
}

// jsonField(text, key): the top-level field `key` of a JSON object; "no such key" when absent.
Value JsonField(const Value& text, const std::string& key) {
  Value document = ParseJson(text.text());
  if (document.is_error()) {
    return document;
  }
  if (document.kind() != K::kMap) {
    return Value::Error("invalid type: " + library::AgentgatewayTypeName(document) +
                        ", expected a map");
  }
  for (const auto& [name, value] : document.map()) {
    if (name.text() == key) {
      return value;
    }
  }
  return Value::Error("no such key: " + key);
}

Value Merge(const Value& a, const Value& b) {
  for (const Value* side : {&a, &b}) {
    if (side->kind() != K::kMap) {
      return Value::Error("Unexpected type: got '" + library::AgentgatewayTypeName(*side) +
                          "', want 'map'");
    }
  }
  ValueMap entries = a.map();
  // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
  for (const auto& added : b.map()) {
    const Value& key = added.first;
    auto same = std::find_if(entries.begin(), entries.end(), [&](const auto& entry) {
      return entry.first.kind() == key.kind() && KeyText(entry.first) == KeyText(key);
    });
    if (same != entries.end()) {
      same->second = added.second;
    } else {
      entries.emplace_back(key, added.second);
    }
  }
  return Value::Map(std::move(entries));
}

Value Flatten(const Value& value, bool recursive) {
  std::string_view key;
  if (value.kind() == K::kList) {
    key = recursive ? kFlattenListRecursive : kFlattenList;
  } else if (value.kind() == K::kMap) {
    key = recursive ? kFlattenMapRecursive : kFlattenMap;
  } else {
    return Value::Error("flatten only works on Map or List");
  }
  ValueMap marker;
  marker.emplace_back(Value::String(std::string(key)), value);
  return Value::Map(std::move(marker));
}

Value Uuid(const std::function<std::uint64_t()>& random_bits) {
  if (!random_bits) {
    return Value::Error("uuid() has no source of randomness");
  }
  unsigned char bytes[16];
  for (int half = 0; half < 2; ++half) {
    std::uint64_t bits = random_bits();
    for (int k = 0; k < 8; ++k) {
      bytes[half * 8 + k] = static_cast<unsigned char>(bits >> (56 - 8 * k));
    }
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char kLowerHex[] = "0123456789abcdef";
  std::string out;
  for (int k = 0; k < 16; ++k) {
    if (k == 4 || k == 6 || k == 8 || k == 10) {
      out.push_back('-');
    }
    out.push_back(kLowerHex[bytes[k] >> 4]);
    out.push_back(kLowerHex[bytes[k] & 0xF]);
  }
  return Value::String(std::move(out));
}

}  // namespace

std::optional<Value> DynamicView::Field(std::string_view name) const {
  Value plain = Materialize();
  if (plain.kind() != K::kMap) {
    return std::nullopt;
  }
  for (const auto& [key, value] : plain.map()) {
    if (key.kind() == K::kString && key.text() == name) {
      return value;
    }
  }
  return std::nullopt;
}

std::optional<Value> DynamicView::CallMethod(std::string_view, std::span<const Value>) const {
  return std::nullopt;
}

bool DynamicView::Equals(const OpaqueValue& other) const {
  const auto* view = dynamic_cast<const DynamicView*>(&other);
  if (view == nullptr) {
    return false;
  }
  Value equal =
      ::agw::validate::cel::Equals(Materialized(Materialize()), Materialized(view->Materialize()));
  return equal.kind() == K::kBool && equal.bool_value();
}

const DynamicView* AsDynamicView(const Value& value) {
  if (value.kind() != K::kOpaque) {
    return nullptr;
  }
  return dynamic_cast<const DynamicView*>(&value.opaque());
}

Value Materialized(const Value& value) {
  if (!HasView(value, 0)) {
    return value;
  }
  return MaterializedAt(value, 0);
}

Value RedactedString(std::string secret) {
  return Value::Opaque(std::make_shared<RedactedValue>(std::move(secret)));
}

Value HeaderView(const std::vector<std::pair<std::string, std::string>>& headers,
                 const std::vector<std::string>& sensitive) {
  auto data = std::make_shared<HeaderData>();
  std::vector<std::string> sensitive_names;
  for (const std::string& name : sensitive) {
    sensitive_names.push_back(LowerAscii(name));
  }
  for (const auto& [name, value] : headers) {
    std::string lower = LowerAscii(name);
    data->sensitive.push_back(std::find(sensitive_names.begin(), sensitive_names.end(), lower) !=
                              sensitive_names.end());
    data->entries.emplace_back(std::move(lower), value);
  }
  return Value::Opaque(
      std::make_shared<HeaderViewValue>(std::move(data), HeaderViewValue::Mode::kFirst, false));
}

Value QueryView(std::string_view uri_or_path_and_query) {
  std::size_t question = uri_or_path_and_query.find('?');
  if (question == std::string_view::npos) {
    return Value::Opaque(
        std::make_shared<QueryViewValue>(std::string(uri_or_path_and_query), std::nullopt));
  }
  return Value::Opaque(
      std::make_shared<QueryViewValue>(std::string(uri_or_path_and_query.substr(0, question)),
                                       std::string(uri_or_path_and_query.substr(question + 1))));
}

Value JwtClaimsView(Value claims, std::string raw_token) {
  return Value::Opaque(std::make_shared<JwtClaimsValue>(std::move(claims), std::move(raw_token)));
}

std::optional<FlattenMarker> AsFlattenMarker(const Value& value) {
  if (value.kind() != K::kMap || value.map().size() != 1) {
    return std::nullopt;
  }
  const auto& [key, items] = value.map().front();
  if (key.kind() != K::kString) {
    return std::nullopt;
  }
  bool list = key.text() == kFlattenList || key.text() == kFlattenListRecursive;
  bool map = key.text() == kFlattenMap || key.text() == kFlattenMapRecursive;
  if ((list && items.kind() == K::kList) || (map && items.kind() == K::kMap)) {
    return FlattenMarker{key.text() == kFlattenListRecursive || key.text() == kFlattenMapRecursive,
                         items};
  }
  return std::nullopt;
}

Value ParseJson(std::string_view text) { return JsonReader(text).Read(); }

std::string JsonText(const Value& value) {
  std::string out;
  AppendJson(value, out, 0);
  return out;
}

std::string MapKeyText(const Value& key) { return KeyText(key); }

std::string DurationJsonText(std::int64_t nanos) { return library::DurationText(nanos); }

std::string TimestampJsonText(const Timestamp& time) { return library::TimestampText(time); }

std::string Base64Text(std::string_view bytes) { return Base64Encode(bytes, kStandardAlphabet); }

namespace library {

std::string AgentgatewayTypeName(const Value& value) {
  switch (value.kind()) {
    case K::kDouble:
      return "float";
    case K::kDuration:
      return "duration";
    case K::kTimestamp:
      return "timestamp";
    case K::kNull:
      return "null";
    case K::kOptional:
    case K::kOpaque:
      return "object";
    default:
      return std::string(value.TypeName());
  }
}

std::optional<Value> CallAgentgateway(std::string_view f, std::span<const Value> args,
                                      const std::function<std::uint64_t()>& random_bits) {
  if (args.empty()) {
    if (f == "random") {
      if (!random_bits) {
        return Value::Error("random() has no source of randomness");
      }
      // 53 random bits scaled into [0, 1).
      return Value::Double(static_cast<double>(random_bits() >> 11) * 0x1.0p-53);
    }
    if (f == "uuid") {
      return Uuid(random_bits);
    }
    return std::nullopt;
  }
  const Value& x = args[0];
  if (args.size() == 1) {
    if (f == "json") {
      if (!IsText(x)) {
        return Value::Error("invalid type " + AgentgatewayTypeName(x));
      }
      return ParseJson(x.text());
    }
    if (f == "toJson" || f == "to_json") {
      return Value::String(JsonText(x));
    }
    if (f == "unvalidatedJwtPayload" && x.kind() == K::kString) {
      return JwtPayload(x.text());
    }
    if (f == "fail" && x.kind() == K::kString) {
      return Value::Error("fail() called: " + x.text());
    }
    if ((f == "base64.encode" || f == "base64Encode") && IsText(x)) {
      return Value::String(Base64Text(x.text()));
    }
    if ((f == "base64.decode" || f == "base64Decode") && IsText(x)) {
      return Base64Decode(x.text(), kStandardAlphabet);
    }
    if (f == "url.encode" && IsText(x)) {
      return Value::String(UrlEncode(x.text()));
    }
    if (f == "url.decode") {
      return UrlDecode(x);
    }
    if (f == "form.decode" && IsText(x)) {
      return FormDecode(x.text());
    }
    if (f == "form.encode") {
      return FormEncode(x);
    }
    if (f == "sha1.encode" && IsText(x)) {
      return Value::String(HashHex(x.text(), EVP_sha1()));
    }
    if (f == "sha256.encode" && IsText(x)) {
      return Value::String(HashHex(x.text(), EVP_sha256()));
    }
    if (f == "md5.encode" && IsText(x)) {
      return Value::String(HashHex(x.text(), EVP_md5()));
    }
    if (f == "flatten") {
      return Flatten(x, false);
    }
    if (f == "flattenRecursive" || f == "flatten_recursive") {
      return Flatten(x, true);
    }
    return std::nullopt;
  }
  if (args.size() == 2) {
    if (f == "jsonField" && args[1].kind() == K::kString) {
      if (!IsText(x)) {
        return Value::Error("invalid type " + AgentgatewayTypeName(x));
      }
      return JsonField(x, args[1].text());
    }
    if (f == "merge") {
      return Merge(x, args[1]);
    }
    return std::nullopt;
  }
  if (args.size() == 3 && f == "regexReplace" && x.kind() == K::kString &&
      args[1].kind() == K::kString && args[2].kind() == K::kString) {
    return RegexReplace(x.text(), args[1].text(), args[2].text());
  }
  return std::nullopt;
}

}  // namespace library
}  // namespace agw::validate::cel
