#include "validate/manifest/yaml_reader.h"

#include <re2/re2.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "validate/manifest/base64.h"
#include "validate/manifest/json_stream.h"
#include "validate/manifest/symptoms.h"
#include "validate/manifest/text_encoding.h"

namespace agw::validate::manifest {
namespace {

// Aliases copy their anchored value; this caps what a "billion laughs" document can expand to.
constexpr std::size_t kMaxNodesPerDocument = 1'000'000;

// go-yaml forgets a possible implicit key once the scanner is this many characters past its
// start (YAML 1.2 section 7.4.2 allows implicit keys of at most 1024 characters).
constexpr std::size_t kMaxImplicitKeyLength = 1024;

// One part of a YAML file as kubectl's YAMLReader hands it to go-yaml.
struct Chunk {
  std::string text;       // what go-yaml reads: the lines, CRLF read as LF
  std::size_t begin = 0;  // offset in the file's text of the first line
};

// The code point at text[i] (text is valid UTF-8: SourceFile decoded it) and its length.
char32_t CodePointAt(std::string_view text, std::size_t i, std::size_t& length) {
  auto lead = static_cast<unsigned char>(text[i]);
  int extra = lead < 0x80 ? 0 : lead < 0xE0 ? 1 : lead < 0xF0 ? 2 : 3;
  char32_t code_point = extra == 0 ? lead : lead & (0x3F >> extra);
  length = 1;
  for (int k = 0; k < extra && i + length < text.size(); ++k, ++length) {
    code_point = (code_point << 6) | (static_cast<unsigned char>(text[i + length]) & 0x3F);
  }
  return code_point;
}

// Go's strings.TrimSpace for the ASCII and Latin-1 spaces a separator line can carry.
std::string_view TrimSpace(std::string_view text) {
  auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
  };
  while (!text.empty() && is_space(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_space(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

struct SplitResult {
  std::vector<Chunk> chunks;
  // A line that starts with "---" and goes on with more than a comment: kubectl stops reading
  // the file there with "invalid Yaml document separator: <rest>".
  std::optional<std::pair<std::size_t, std::string>> bad_separator;
};

// k8s.io/apimachinery yaml.YAMLReader: the text is read line by line (lines end at LF only; a
// CR right before the LF is dropped), and a line that starts with "---" ends a document when
// nothing but blanks or a comment follows; anything else after the "---" is an error.
SplitResult SplitLikeKubectl(std::string_view text) {
  SplitResult result;
  Chunk current;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t newline = text.find('\n', i);
    std::size_t end = newline == std::string_view::npos ? text.size() : newline;
    std::string_view line = text.substr(i, end - i);
    if (newline != std::string_view::npos && !line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    std::size_t next = newline == std::string_view::npos ? text.size() : newline + 1;
    if (line.substr(0, 3) == "---") {
      std::string_view rest = TrimSpace(line.substr(3));
      if (!rest.empty() && rest.front() != '#') {
        result.chunks.push_back(std::move(current));
        result.bad_separator.emplace(i, std::string(rest));
        return result;
      }
      result.chunks.push_back(std::move(current));
      current = Chunk{};
      current.begin = next;
    } else {
      current.text.append(line);
      current.text.push_back('\n');
    }
    i = next;
  }
  result.chunks.push_back(std::move(current));
  return result;
}

// go-yaml's reader accepts only the characters YAML 1.1 calls printable (tab, LF, CR, ASCII
// 0x20-0x7E, NEL, U+00A0-U+D7FF, U+E000-U+FFFD, U+10000 and above). Returns the offset of the
// first other character.
std::optional<std::size_t> FindControlCharacter(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    std::size_t length;
    char32_t c = CodePointAt(text, i, length);
    bool allowed = c == 0x09 || c == 0x0A || c == 0x0D || (c >= 0x20 && c <= 0x7E) || c == 0x85 ||
                   (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) || c >= 0x10000;
    if (!allowed) {
      return i;
    }
    i += length;
  }
  return std::nullopt;
}

// The chunk with every line break go-yaml knows (CRLF, CR, NEL, LS, PS) written as LF, which
// is the only one yaml-cpp knows. Lines keep their numbers and columns.
std::string NormaliseLineBreaks(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::size_t length = LineBreakLength(text, i);
    if (length != 0) {
      out.push_back('\n');
      i += length;
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

bool IsBlank(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = text.find('\n', i);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = text.substr(i, end - i);
    std::size_t first = line.find_first_not_of(" \t\r");
    if (first != std::string_view::npos && line[first] != '#') {
      return false;
    }
    i = end + 1;
  }
  return true;
}

// A directive ("%YAML 1.1", "%TAG ...") opening a chunk. kubectl's reader cuts the "---" line
// that must follow a directive into the next chunk, so go-yaml sees a directive with no
// document: "did not find expected <document start>"; an unknown directive or a YAML version
// other than 1.1 fails before that. Returns the message and the offset it belongs at.
std::optional<std::pair<std::size_t, std::string>> CheckDirectives(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = text.find('\n', i);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = text.substr(i, end - i);
    std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') {
      i = end + 1;
      continue;
    }
    if (line[0] != '%') {
      return std::nullopt;
    }
    std::size_t name_end = line.find_first_of(" \t", 1);
    std::string_view name =
        line.substr(1, name_end == std::string_view::npos ? line.npos : name_end - 1);
    if (name != "YAML" && name != "TAG") {
      return std::pair(i, std::string("found unknown directive name"));
    }
    if (name == "YAML") {
      std::string_view version =
          TrimSpace(line.substr(name_end == line.npos ? line.size() : name_end));
      if (std::size_t comment = version.find('#'); comment != std::string_view::npos) {
        version = TrimSpace(version.substr(0, comment));
      }
      if (version != "1.1") {
        return std::pair(i, std::string("found incompatible YAML document"));
      }
    }
    // Directives go on until a "---" line, which only a CR, NEL, LS or PS line break can
    // have left inside a chunk; yaml-cpp reads that case as go-yaml does.
    std::string normalised = NormaliseLineBreaks(text.substr(end));
    std::istringstream rest(normalised);
    std::string next;
    while (std::getline(rest, next)) {
      if (next.rfind("---", 0) == 0) {
        return std::nullopt;
      }
    }
    return std::pair(i, std::string("did not find expected <document start>"));
  }
  return std::nullopt;
}

std::optional<std::int64_t> ParseGoInteger(std::string_view text) {
  // strconv.ParseInt(s, 0, 64) after go-yaml removed underscores.
  std::string digits;
  for (char c : text) {
    if (c != '_') {
      digits.push_back(c);
    }
  }
  std::string_view s = digits;
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) {
    return std::nullopt;
  }
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
    base = 8;
    s.remove_prefix(2);
  } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
    base = 2;
    s.remove_prefix(2);
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
    s.remove_prefix(1);
  }
  unsigned __int128 value = 0;
  for (char c : s) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    if (digit >= base) {
      return std::nullopt;
    }
    value = value * base + digit;
    if (value > static_cast<unsigned __int128>(std::numeric_limits<std::int64_t>::max()) + 1) {
      return std::nullopt;
    }
  }
  if (!negative &&
      value > static_cast<unsigned __int128>(std::numeric_limits<std::int64_t>::max())) {
    return std::nullopt;
  }
  return negative ? -static_cast<std::int64_t>(value - 1) - 1 : static_cast<std::int64_t>(value);
}

// Types a plain (unquoted, untagged) scalar as go-yaml v2 does for kubectl.
Value ResolvePlainScalar(const std::string& text, Position position) {
  static const std::map<std::string_view, bool> kBooleans = {
      {"y", true},      {"Y", true},      {"yes", true},  {"Yes", true},  {"YES", true},
      {"on", true},     {"On", true},     {"ON", true},   {"true", true}, {"True", true},
      {"TRUE", true},   {"n", false},     {"N", false},   {"no", false},  {"No", false},
      {"NO", false},    {"off", false},   {"Off", false}, {"OFF", false}, {"false", false},
      {"False", false}, {"FALSE", false},
  };
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return Value::Null(position);
  }
  if (auto it = kBooleans.find(text); it != kBooleans.end()) {
    return Value::Bool(it->second, text, position);
  }
  static const std::map<std::string_view, double> kSpecialFloats = {
      {".inf", HUGE_VAL},   {".Inf", HUGE_VAL},  {".INF", HUGE_VAL},   {"+.inf", HUGE_VAL},
      {"+.Inf", HUGE_VAL},  {"+.INF", HUGE_VAL}, {"-.inf", -HUGE_VAL}, {"-.Inf", -HUGE_VAL},
      {"-.INF", -HUGE_VAL}, {".nan", NAN},       {".NaN", NAN},        {".NAN", NAN},
  };
  if (auto it = kSpecialFloats.find(text); it != kSpecialFloats.end()) {
    return Value::Float(it->second, text, position);
  }
  char first = text[0];
  bool numeric_hint =
      (first >= '0' && first <= '9') || first == '+' || first == '-' || first == '.';
  if (numeric_hint) {
    if (auto integer = ParseGoInteger(text)) {
      return Value::Int(*integer, text, position);
    }
    std::string plain;
    for (char c : text) {
      if (c != '_') {
        plain.push_back(c);
      }
    }
    static const RE2 kYamlFloat(R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)");
    if (RE2::FullMatch(plain, kYamlFloat)) {
      errno = 0;
      double value = std::strtod(plain.c_str(), nullptr);
      if (errno != ERANGE) {
        return Value::Float(value, text, position);
      }
    }
  }
  return Value::String(text, position);
}

// go-yaml's "cannot decode !!str `value` as a !!bool" with the value masked, for Secrets.
std::string WithoutQuotedValue(const std::string& message) {
  std::size_t open = message.find('`');
  std::size_t close = message.rfind('`');
  if (open == std::string::npos || close == open) {
    return message;
  }
  return message.substr(0, open + 1) + "****" + message.substr(close);
}

// go-yaml's names for what a scalar resolved to, for "cannot decode !!str `x` as a !!bool".
std::string_view ShortTagOf(const Value& value) {
  switch (value.type()) {
    case Value::Type::kNull:
      return "!!null";
    case Value::Type::kBool:
      return "!!bool";
    case Value::Type::kInt:
      return "!!int";
    case Value::Type::kFloat:
      return "!!float";
    default:
      return "!!str";
  }
}

bool LooksLikeTimestamp(const std::string& text) {
  // The layouts go-yaml v2 tries for !!timestamp (2001-12-14, 2001-12-14t21:59:43.10-05:00,
  // 2001-12-14 21:59:43.10 ...).
  static const RE2 kTimestamp(
      R"([0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]*)?)"
      R"((Z|[-+][0-9]{1,2}(:[0-9]{2})?)?)?)");
  return RE2::FullMatch(text, kTimestamp);
}

// Reads a scalar as go-yaml v2 does. Untagged plain scalars are typed by their text; quoted ones
// and !!str are strings; a core tag (!!bool, !!int, !!float, !!null, !!timestamp) must match what
// the text reads as (an integer may stand for a float), else `error` gets go-yaml's complaint;
// !!binary is base64 and reads as the bytes it holds; any other tag leaves the text a string.
Value ResolveTaggedScalar(const std::string& tag, const std::string& text, Position position,
                          std::string& error) {
  static const std::string kPrefix = "tag:yaml.org,2002:";
  if (tag == "?") {
    return ResolvePlainScalar(text, position);
  }
  if (tag == "!" || tag == kPrefix + "str") {
    return Value::String(text, position);
  }
  if (tag == kPrefix + "binary") {
    // go-yaml decodes !!binary with Go's StdEncoding, as encoding/json decodes a Secret's data.
    if (Base64Result decoded = DecodeBase64(text); !decoded.error_offset) {
      return Value::String(std::move(decoded.bytes), position);
    }
    error = "!!binary value contains invalid base64 data";
    return Value::String(text, position);
  }
  static const std::set<std::string> kCoreTags = {"bool", "int", "float", "null", "timestamp"};
  if (tag.rfind(kPrefix, 0) != 0 || kCoreTags.count(tag.substr(kPrefix.size())) == 0) {
    return Value::String(text, position);
  }
  std::string wanted = "!!" + tag.substr(kPrefix.size());
  Value value = ResolvePlainScalar(text, position);
  std::string_view resolved = ShortTagOf(value);
  if (resolved == "!!str" && LooksLikeTimestamp(text)) {
    resolved = "!!timestamp";
  }
  if (resolved == wanted) {
    return wanted == "!!timestamp" ? Value::String(text, position) : value;
  }
  if (wanted == "!!float" && value.is_int()) {
    return Value::Float(static_cast<double>(value.int_value()), text, position);
  }
  error = "cannot decode " + std::string(resolved) + " `" + text + "` as a " + wanted;
  return Value::String(text, position);
}

// What a scalar map key becomes once kubectl turns the document into JSON (sigs.k8s.io/yaml):
// strings stay, booleans become "true"/"false", integers their decimal digits. Null keys have
// no JSON form (nullopt).
std::optional<std::string> JsonKeyOf(const Value& key) {
  switch (key.type()) {
    case Value::Type::kNull:
      return std::nullopt;
    case Value::Type::kBool:
      return key.bool_value() ? "true" : "false";
    case Value::Type::kInt:
      return std::to_string(key.int_value());
    default:
      return key.text();
  }
}

void WarnDuplicateKey(DiagnosticSink& sink, Position key, const std::string& name, Position first) {
  // kubectl keeps the last value without a word (sigs.k8s.io/yaml's Unmarshal and Go's JSON
  // decoder are not strict), so the API server never sees the first one.
  Diagnostic d;
  d.severity = Severity::kWarning;
  d.code = "yaml-duplicate-key";
  d.position = key;
  // In a Secret a key may be part of a value that lost its indentation: never quote it there.
  bool secret = key.file != nullptr && key.file->InSecretDocument(key.line);
  d.message = (secret ? std::string("mapping key") : "mapping key \"" + name + "\"") +
              " already defined at line " + std::to_string(first.line) +
              "; kubectl keeps this later value";
  d.hint = "delete one of the two";
  sink.Add(std::move(d));
}

// Builds Values from yaml-cpp's event stream, with positions, anchors and merge keys, and holds
// each document to what go-yaml v2 and sigs.k8s.io/yaml (kubectl's reader) accept where yaml-cpp
// is more lenient: implicit keys on one line and within 1024 characters, core tags that match
// their value, keys with a JSON form, no infinities or NaNs.
class TreeBuilder : public YAML::EventHandler {
 public:
  TreeBuilder(const SourceFile& file, std::string_view text, int line_offset, DiagnosticSink& sink)
      : file_(file), text_(text), line_offset_(line_offset), sink_(sink) {}

  std::optional<Value> TakeRoot() { return std::exchange(root_, std::nullopt); }
  const YAML::Mark& document_start() const { return document_start_; }
  // Whether a whole document has been read (yaml-cpp may fail later, looking ahead).
  bool document_complete() const { return document_complete_; }
  // Whether the current document had an error that go-yaml would have stopped at (the reading
  // goes on, to report the others).
  bool failed() const { return failed_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    document_start_ = mark;
    document_complete_ = false;
    pending_plain_.reset();
    stack_.clear();
    anchors_.clear();
    root_.reset();
    nodes_ = 0;
    too_large_ = false;
    failed_ = false;
  }
  void OnDocumentEnd() override {
    CheckPendingPlain(static_cast<int>(text_.size()) + 1);
    document_complete_ = true;
  }

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    CheckPendingPlain(mark.pos);
    Emit(Value::Null(At(mark)), anchor, /*plain=*/true, mark.pos);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    CheckPendingPlain(mark.pos);
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      Fail(At(mark), "unknown anchor referenced by alias");
      Emit(Value::Null(At(mark)), 0, true, mark.pos);
      return;
    }
    nodes_ += CountNodes(it->second);
    if (nodes_ > kMaxNodesPerDocument) {
      if (!too_large_) {
        too_large_ = true;
        Fail(At(mark), "document expands to more than 1000000 nodes through aliases");
      }
      Emit(Value::Null(At(mark)), 0, true, mark.pos);
      return;
    }
    Emit(it->second, 0, /*plain=*/false, mark.pos);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    CheckPendingPlain(mark.pos);
    Position position = At(mark);
    bool plain = tag == "?";
    if (!plain && !IsQuoteClosed(mark.pos)) {
      // yaml-cpp 0.7 accepts a quoted scalar that runs to the end of the input.
      throw YAML::ParserException(mark,
                                  "found unexpected end of stream while scanning a "
                                  "quoted scalar (the closing quote is missing)");
    }
    if (plain && mark.pos >= 0 && static_cast<std::size_t>(mark.pos) < text_.size() &&
        (text_[mark.pos] == '@' || text_[mark.pos] == '`')) {
      // YAML reserves both indicators; yaml-cpp reads them as the start of a plain scalar.
      throw YAML::ParserException(mark, "found character that cannot start any token");
    }
    std::string error;
    Value scalar = ResolveTaggedScalar(tag, value, position, error);
    if (!error.empty()) {
      Fail(position, file_.InSecretDocument(position.line) ? WithoutQuotedValue(error) : error);
    }
    if (plain && !stack_.empty() && stack_.back().block) {
      // go-yaml's complaint about the line that ends the scalar too early.
      const char* expected = stack_.back().value.is_map() ? "could not find expected ':'"
                                                          : "did not find expected '-' indicator";
      pending_plain_ = PendingPlain{static_cast<std::size_t>(std::max(mark.pos, 0)),
                                    stack_.back().indent + 1, expected};
    }
    Emit(std::move(scalar), anchor, plain, mark.pos);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override {
    CheckPendingPlain(mark.pos);
    Frame frame{Value::Sequence(At(mark)), anchor};
    frame.block = style != YAML::EmitterStyle::Flow;
    frame.indent = mark.column;
    Open(std::move(frame), mark);
  }
  void OnSequenceEnd() override { Close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override {
    CheckPendingPlain(mark.pos);
    Frame frame{Value::Map(At(mark)), anchor};
    frame.block = style != YAML::EmitterStyle::Flow;
    frame.indent = mark.column;
    Open(std::move(frame), mark);
  }
  void OnMapEnd() override { Close(); }

 private:
  struct Frame {
    Value value;
    YAML::anchor_t anchor = 0;
    std::optional<Value> key;  // for maps: the key waiting for its value
    bool key_is_merge = false;
    bool block = false;  // a block (indented) collection, not a {flow} one
    int indent = 0;      // the column of a block collection's keys or '-' items
    int keys_seen = 0;
    std::set<std::string> merged_keys;  // keys that came from "<<" and were not set since
  };

  // go-yaml (sigs.k8s.io/yaml's fork) stops at 10000 levels of nesting.
  void Open(Frame frame, const YAML::Mark& mark) {
    if (stack_.size() >= 10000) {
      throw YAML::ParserException(mark, "exceeded max depth of 10000");
    }
    stack_.push_back(std::move(frame));
  }

  // For a scalar starting at `offset`: false when it opens a quote that never closes.
  bool IsQuoteClosed(int offset) const {
    if (offset < 0 || static_cast<std::size_t>(offset) >= text_.size()) {
      return true;
    }
    char quote = text_[offset];
    if (quote != '"' && quote != '\'') {
      return true;
    }
    for (std::size_t i = offset + 1; i < text_.size(); ++i) {
      char c = text_[i];
      if (quote == '"' && c == '\\') {
        ++i;
      } else if (c == quote) {
        if (quote == '\'' && i + 1 < text_.size() && text_[i + 1] == '\'') {
          ++i;  // '' is an escaped quote inside single quotes
        } else {
          return true;
        }
      }
    }
    return false;
  }

  // A plain scalar in a block collection goes on over the lines that follow while they are
  // indented more than the collection; yaml-cpp also folds in lines that are not ("a: b" then
  // "c" at the margin reads as "a: b c"), where go-yaml ends the scalar and finds a key with no
  // ':'. Checked once the next node shows where the scalar ended.
  struct PendingPlain {
    std::size_t offset;
    int min_column;
    const char* message;
  };
  void CheckPendingPlain(int next_offset) {
    if (!pending_plain_) {
      return;
    }
    PendingPlain pending = *pending_plain_;
    pending_plain_.reset();
    // Only whole lines before the next node's line can belong to the scalar.
    std::size_t next = std::min(static_cast<std::size_t>(std::max(next_offset, 0)), text_.size());
    std::size_t end = next == 0 ? 0 : text_.rfind('\n', next - 1);
    std::size_t line = text_.find('\n', pending.offset);
    while (line != std::string_view::npos && end != std::string_view::npos && line < end) {
      std::size_t start = line + 1;
      std::string_view rest = text_.substr(start);
      if (rest.substr(0, 3) == "---" || rest.substr(0, 3) == "...") {
        return;  // the document ends here
      }
      std::size_t first = text_.find_first_not_of(" ", start);
      if (first == std::string_view::npos) {
        return;
      }
      char c = text_[first];
      if (c != '\n' && c != '#' && c != '\t' &&
          static_cast<int>(first - start) < pending.min_column) {
        throw YAML::ParserException(MarkAt(first), pending.message);
      }
      line = text_.find('\n', start);
    }
  }

  // Where an implicit key that starts at `offset` ends: the offset of its ':' indicator, and
  // whether that ':' is on the key's own line. nullopt when there is no ':' at all.
  struct KeyEnd {
    std::size_t colon;
    bool same_line;
  };
  std::optional<KeyEnd> FindKeyEnd(std::size_t offset) const {
    bool same_line = true;
    std::size_t i = offset;
    char quote = text_[offset];
    if (quote == '"' || quote == '\'') {
      for (++i; i < text_.size(); ++i) {
        char c = text_[i];
        if (c == '\n') {
          same_line = false;
        } else if (quote == '"' && c == '\\') {
          ++i;
        } else if (c == quote) {
          if (quote == '\'' && i + 1 < text_.size() && text_[i + 1] == '\'') {
            ++i;
          } else {
            ++i;
            break;
          }
        }
      }
    }
    for (; i < text_.size(); ++i) {
      char c = text_[i];
      if (c == '\n') {
        same_line = false;
      } else if (c == ':' && (i + 1 == text_.size() || text_[i + 1] == ' ' ||
                              text_[i + 1] == '\t' || text_[i + 1] == '\n')) {
        return KeyEnd{i, same_line};
      }
    }
    return std::nullopt;
  }

  // go-yaml drops a possible implicit key once the scanner has left the key's line or gone 1024
  // characters past it; when the key was required (any key of a block map after its first) that
  // is "could not find expected ':'", otherwise the ':' that follows has no key and is "mapping
  // values are not allowed in this context". yaml-cpp accepts both kinds of key.
  void CheckImplicitKey(const Frame& map, int offset) {
    if (!map.block || offset < 0 || static_cast<std::size_t>(offset) >= text_.size()) {
      return;
    }
    std::size_t before = text_.find_last_not_of(" \t", offset == 0 ? 0 : offset - 1);
    if (offset > 0 && before != std::string_view::npos && text_[before] == '?') {
      return;  // an explicit "? key" may span lines
    }
    std::optional<KeyEnd> end = FindKeyEnd(offset);
    if (!end) {
      // yaml-cpp reads a last line without ':' as a key with no value.
      throw YAML::ParserException(MarkAt(offset), "could not find expected ':'");
    }
    std::size_t characters = 0;
    for (std::size_t i = offset; i < end->colon; ++i) {
      if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) {
        ++characters;
      }
    }
    if (end->same_line && characters <= kMaxImplicitKeyLength) {
      return;
    }
    if (map.keys_seen > 0) {
      throw YAML::ParserException(MarkAt(offset), "could not find expected ':'");
    }
    throw YAML::ParserException(MarkAt(end->colon),
                                "mapping values are not allowed in this context");
  }

  YAML::Mark MarkAt(std::size_t offset) const {
    YAML::Mark mark;
    mark.pos = static_cast<int>(offset);
    std::size_t line_start = offset == 0 ? 0 : text_.rfind('\n', offset - 1);
    line_start = line_start == std::string_view::npos || offset == 0 ? 0 : line_start + 1;
    mark.line = static_cast<int>(std::count(text_.begin(), text_.begin() + line_start, '\n'));
    mark.column = static_cast<int>(offset - line_start);
    return mark;
  }

  Position At(const YAML::Mark& mark) const {
    return Position{&file_, mark.line + line_offset_, mark.column + 1};
  }

  void Fail(Position position, std::string message, std::string code = "yaml-syntax") {
    failed_ = true;
    sink_.Error(std::move(code), position, std::move(message));
  }

  static std::size_t CountNodes(const Value& value) {
    std::size_t count = 1;
    for (const Value& item : value.items()) {
      count += CountNodes(item);
    }
    for (const MapEntry& entry : value.entries()) {
      count += CountNodes(entry.value);
    }
    return count;
  }

  void Close() {
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    // Collections grew by doubling; the loaded manifest is kept for the whole run (10,000
    // HTTPRoutes: 10 MB less).
    frame.value.ShrinkToFit();
    Emit(std::move(frame.value), frame.anchor, /*plain=*/false, -1);
  }

  void Emit(Value value, YAML::anchor_t anchor, bool plain, int offset) {
    ++nodes_;
    if (anchor != 0) {
      anchors_[anchor] = value;
    }
    if (value.type() == Value::Type::kFloat && !std::isfinite(value.float_value()) &&
        !(!stack_.empty() && stack_.back().value.is_map() && !stack_.back().key)) {
      // sigs.k8s.io/yaml converts the document to JSON, which has no infinities or NaNs.
      Fail(value.position(),
           std::string("json: unsupported value: ") + (std::isnan(value.float_value()) ? "NaN"
                                                       : value.float_value() > 0       ? "+Inf"
                                                                                       : "-Inf"));
    }
    if (stack_.empty()) {
      root_ = std::move(value);
      return;
    }
    Frame& top = stack_.back();
    if (top.value.is_sequence()) {
      top.value.Push(std::move(value));
      return;
    }
    if (!top.key) {
      if (value.is_scalar()) {
        CheckImplicitKey(top, offset);
      }
      ++top.keys_seen;
      top.key_is_merge = plain && value.is_string() && value.text() == "<<";
      top.key = std::move(value);
      return;
    }
    Value key = std::move(*top.key);
    top.key.reset();
    if (top.key_is_merge) {
      Merge(top, value);
      return;
    }
    if (!key.is_scalar()) {
      Fail(key.position(), "invalid map key: a mapping key must be a string, not an " +
                               std::string(key.JsonTypeName()));
      return;
    }
    std::optional<std::string> name = JsonKeyOf(key);
    if (!name) {
      Fail(key.position(), "unsupported map key of type: <nil> (a JSON key must be a string)");
      return;
    }
    if (Value* existing = top.value.FindMutable(*name)) {
      MapEntry* entry = nullptr;
      for (MapEntry& candidate : top.value.mutable_entries()) {
        if (candidate.key == *name) {
          entry = &candidate;
        }
      }
      if (top.merged_keys.erase(*name) == 0) {
        WarnDuplicateKey(sink_, key.position(), *name, entry->key_position);
      }
      entry->key_position = key.position();
      *existing = std::move(value);
      return;
    }
    top.value.mutable_entries().push_back(MapEntry{*name, key.position(), std::move(value)});
  }

  // YAML merge key ("<<: *base"), as go-yaml v2 applies it: in document order, each merged map
  // overwriting the keys before it, and a list of maps merged last to first (so the first wins).
  void Merge(Frame& target, const Value& source) {
    if (source.is_sequence()) {
      for (const Value& item : source.items()) {
        if (!item.is_map()) {
          Fail(item.position(), "map merge requires map or sequence of maps as the value");
          return;
        }
      }
      for (auto it = source.items().rbegin(); it != source.items().rend(); ++it) {
        Merge(target, *it);
      }
      return;
    }
    if (!source.is_map()) {
      Fail(source.position(), "map merge requires map or sequence of maps as the value");
      return;
    }
    for (const MapEntry& entry : source.entries()) {
      if (Value* existing = target.value.FindMutable(entry.key)) {
        *existing = entry.value;
      } else {
        target.value.mutable_entries().push_back(entry);
      }
      target.merged_keys.insert(entry.key);
    }
  }

  const SourceFile& file_;
  std::string_view text_;
  int line_offset_;
  DiagnosticSink& sink_;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, Value> anchors_;
  std::optional<Value> root_;
  std::size_t nodes_ = 0;
  bool too_large_ = false;
  bool failed_ = false;
  YAML::Mark document_start_;
  bool document_complete_ = false;
  std::optional<PendingPlain> pending_plain_;
};

// yaml-cpp starts a new document wherever a top-level node ends ("- a" followed by "b: 1");
// YAML (and go-yaml, so kubectl) requires "---" between documents.
bool StartsExplicitDocument(std::string_view chunk, const YAML::Mark& mark) {
  std::size_t line_start = chunk.rfind('\n', mark.pos > 0 ? mark.pos - 1 : 0);
  line_start = line_start == std::string_view::npos || mark.pos == 0 ? 0 : line_start + 1;
  std::string_view rest = chunk.substr(line_start);
  return rest.substr(0, 3) == "---" || rest.substr(0, 3) == "...";
}

// Rewrites a yaml-cpp error for people: its message, and for a tab in the indentation (which
// yaml-cpp reports as "illegal map value" or "end of map not found" somewhere on the line) the
// column of the tab itself.
std::string DescribeParserError(const std::string& message, std::string_view line, int& column) {
  std::size_t indent_end = line.find_first_not_of(" \t");
  std::size_t tab = line.substr(0, indent_end).find('\t');
  if (tab != std::string_view::npos) {
    column = static_cast<int>(tab) + 1;
    return "found a tab character in indentation (YAML allows only spaces there)";
  }
  // yaml-cpp's terse messages, said the way users know them from kubectl (go-yaml).
  static const std::map<std::string_view, std::string_view> kClearer = {
      {"illegal map value",
       "mapping values are not allowed in this context (check this line's indentation)"},
      {"end of map not found", "did not find the expected key (check the indentation)"},
      {"end of sequence not found", "did not find the expected '-' item (check the indentation)"},
      {"end of map flow not found", "did not find the closing '}' of a flow mapping"},
      {"end of sequence flow not found", "did not find the closing ']' of a flow sequence"},
      {"end of string not found", "found unexpected end of stream while scanning a quoted scalar"},
  };
  if (auto it = kClearer.find(message); it != kClearer.end()) {
    return std::string(it->second);
  }
  return message;
}

// Reads the first document of `source` into `documents`. Anything after it is left unread, as
// go-yaml's Unmarshal leaves it; that is worth a warning, since kubectl never applies it.
// yaml-cpp reads a line without ':' and the indented "key: value" under it as one long key and
// fails at the second ':' ("illegal map value"); go-yaml fails at the first line, the key that
// lost its ':'. Returns where that key starts.
std::optional<Position> KeyMissingItsColon(const SourceFile& file, Position error,
                                           const std::string& message) {
  if (message != "illegal map value" || error.line < 2) {
    return std::nullopt;
  }
  std::string_view line = file.Line(error.line);
  std::string_view previous = file.Line(error.line - 1);
  std::size_t indent = previous.find_first_not_of(' ');
  if (indent == std::string_view::npos || indent > line.find_first_not_of(' ') ||
      std::string_view("-#\"'{[?&*!|>%@`\t").find(previous[indent]) != std::string_view::npos) {
    return std::nullopt;
  }
  static const RE2 kMappingIndicator(R"(:([ \t]|$))");
  re2::StringPiece content(previous.data() + indent, previous.size() - indent);
  if (RE2::PartialMatch(content, kMappingIndicator)) {
    return std::nullopt;
  }
  return Position{&file, error.line - 1, static_cast<int>(indent) + 1};
}

// `text` is a chunk with its line breaks written as LF; `first_line` its first line in `file`.
// Returns false when the document had an error go-yaml stops at: kubectl applies nothing of it,
// so it is left out of `documents` (checking what was read of it would report what the error
// caused, not what the user wrote).
bool ParseFirstDocument(const SourceFile& file, const std::string& text, int first_line,
                        DiagnosticSink& sink, std::vector<Document>& documents) {
  std::istringstream input(text);
  TreeBuilder builder(file, text, first_line, sink);
  auto position_of = [&](const YAML::Mark& mark) {
    return Position{&file, mark.line + first_line, mark.column + 1};
  };
  auto warn_ignored = [&](const YAML::Mark& mark) {
    Diagnostic d;
    d.severity = Severity::kWarning;
    d.code = "ignored-document";
    d.position = position_of(mark);
    d.message =
        "kubectl reads one document between '---' lines and ignores this one (a '---' only "
        "separates documents at the start of a line that ends with LF)";
    sink.Add(std::move(d));
  };
  std::optional<Value> root;
  try {
    YAML::Parser parser(input);
    if (!parser.HandleNextDocument(builder)) {
      return true;
    }
    root = builder.TakeRoot();
    bool failed = builder.failed();
    try {
      if (parser.HandleNextDocument(builder)) {
        if (!StartsExplicitDocument(text, builder.document_start())) {
          throw YAML::ParserException(builder.document_start(),
                                      "did not find expected <document start> (separate "
                                      "documents with a '---' line)");
        }
        warn_ignored(builder.document_start());
      }
    } catch (const YAML::Exception& e) {
      // yaml-cpp may trip over what follows an explicit end ("..." or a "---" after a CR); that
      // text is never read by kubectl. A document that follows without a marker is an error.
      static const RE2 kDocumentMarker(R"((?m)^(---|\.\.\.)([ \t]|$))");
      std::string_view before = std::string_view(text).substr(0, std::max(e.mark.pos, 0));
      if (!RE2::PartialMatch(before, kDocumentMarker)) {
        throw;
      }
      warn_ignored(e.mark);
    }
    if (failed) {
      return false;
    }
    if (root && !root->is_null()) {
      documents.push_back(Document{std::move(*root), Position{&file, first_line, 1}});
    }
    return true;
  } catch (const YAML::DeepRecursion& e) {
    sink.Error("yaml-syntax", position_of(e.mark),
               "document nests deeper than this reader allows (a few hundred levels; kubectl "
               "allows 10000)");
  } catch (const YAML::Exception& e) {
    if (builder.document_complete() && !root) {
      // yaml-cpp read ahead past the end of the first document; kubectl never reads that far.
      bool failed = builder.failed();
      std::optional<Value> complete = builder.TakeRoot();
      if (!failed && complete && !complete->is_null()) {
        documents.push_back(Document{std::move(*complete), Position{&file, first_line, 1}});
      }
      warn_ignored(e.mark);
      return !failed;
    }
    Position position = e.mark.is_null() ? Position{&file, first_line, 1} : position_of(e.mark);
    if (std::optional<Position> key = KeyMissingItsColon(file, position, e.msg)) {
      sink.Error("yaml-syntax", *key, "could not find expected ':'");
      return false;
    }
    std::string message = DescribeParserError(e.msg, file.Line(position.line), position.column);
    sink.Error("yaml-syntax", position, std::move(message));
  }
  return false;
}

void ReportReplacements(const SourceFile& file, DiagnosticSink& sink) {
  if (file.replacements().empty()) {
    return;
  }
  Diagnostic d;
  d.severity = Severity::kWarning;
  d.code = "invalid-utf8";
  d.position = file.PositionAt(file.replacements().front());
  std::size_t count = file.replacements().size();
  d.message =
      "invalid UTF-8: kubectl reads " +
      std::string(count == 1 ? "this byte sequence"
                             : "this and " + std::to_string(count - 1) + " more byte sequences") +
      " in the file as U+FFFD, the replacement character";
  d.hint = "save the file as UTF-8";
  sink.Add(std::move(d));
}

// Builds the Values of a JSON stream from the scanner's events, as Go's decoder reads them into
// kubectl's unstructured objects: numbers are integers when they are written as integers that
// fit in 64 bits, a repeated key keeps its last value.
class JsonTreeBuilder : public JsonHandler {
 public:
  JsonTreeBuilder(const SourceFile& file, DiagnosticSink& sink) : file_(file), sink_(sink) {}

  std::vector<Document> TakeDocuments() { return std::move(documents_); }

  void OnObjectStart(std::size_t offset) override {
    stack_.push_back(Frame{Value::Map(file_.PositionAt(offset))});
  }
  void OnArrayStart(std::size_t offset) override {
    stack_.push_back(Frame{Value::Sequence(file_.PositionAt(offset))});
  }
  void OnEnd() override {
    Value value = std::move(stack_.back().value);
    stack_.pop_back();
    Add(std::move(value));
  }
  void OnKey(std::size_t offset, std::string key) override {
    stack_.back().key = std::move(key);
    stack_.back().key_position = file_.PositionAt(offset);
  }
  void OnString(std::size_t offset, std::string value) override {
    Add(Value::String(std::move(value), file_.PositionAt(offset)));
  }
  void OnLiteral(std::size_t offset, std::string_view text) override {
    Position position = file_.PositionAt(offset);
    std::string written(text);
    if (text == "null") {
      Add(Value::Null(position));
    } else if (text == "true" || text == "false") {
      Add(Value::Bool(text == "true", written, position));
    } else if (auto integer = ParseGoInteger(text);
               integer && text.find_first_of(".eE") == std::string_view::npos) {
      Add(Value::Int(*integer, written, position));
    } else {
      Add(Value::Float(std::strtod(written.c_str(), nullptr), written, position));
    }
  }

 private:
  struct Frame {
    Value value;
    std::string key;
    Position key_position;
  };

  void Add(Value value) {
    if (stack_.empty()) {
      if (!value.is_null()) {  // kubectl skips a null document
        Position start = value.position();
        documents_.push_back(Document{std::move(value), Position{&file_, start.line, 1}});
      }
      return;
    }
    Frame& top = stack_.back();
    if (top.value.is_sequence()) {
      top.value.Push(std::move(value));
      return;
    }
    for (MapEntry& entry : top.value.mutable_entries()) {
      if (entry.key == top.key) {
        WarnDuplicateKey(sink_, top.key_position, top.key, entry.key_position);
        entry.key_position = top.key_position;
        entry.value = std::move(value);
        return;
      }
    }
    top.value.mutable_entries().push_back(MapEntry{top.key, top.key_position, std::move(value)});
  }

  const SourceFile& file_;
  DiagnosticSink& sink_;
  std::vector<Frame> stack_;
  std::vector<Document> documents_;
};

// `text` is file.text(), or the same with shell lines blanked.
std::vector<Document> ParseJsonStream(const SourceFile& file, std::string_view text,
                                      DiagnosticSink& sink) {
  JsonTreeBuilder builder(file, sink);
  JsonStreamScan scan = ScanJsonStream(text, &builder);
  if (scan.error) {
    Position position = file.PositionAt(std::min(scan.error->offset, text.size()));
    std::string message = scan.error->message;
    // "invalid character 'x' in string literal" quotes one character of a value.
    if (file.InSecretDocument(position.line) && message.rfind("invalid character '", 0) == 0) {
      std::size_t end = message.find("' ", 19);
      if (end != std::string::npos) {
        message = "invalid character" + message.substr(end + 1);
      }
    }
    sink.Error("yaml-syntax", position, std::move(message));
  }
  return builder.TakeDocuments();
}

// One of kubectl's chunks: its documents and findings appended to `documents` and `sink`, and
// the chunk to `broken` when it could not be read.
void ParseChunk(const SourceFile& file, const Chunk& chunk, DiagnosticSink& sink,
                std::vector<Document>& documents, std::vector<BrokenDocument>& broken) {
  std::string_view text = chunk.text;
  int first_line = file.PositionAt(chunk.begin).line;
  if (std::optional<std::size_t> control = FindControlCharacter(text)) {
    broken.push_back(ReadBrokenDocument(file, text, first_line));
    // Chunk offsets are the file's but for the CRs kubectl dropped before LFs.
    std::string_view before = text.substr(0, *control);
    std::string normalised = NormaliseLineBreaks(before);
    int line =
        first_line + static_cast<int>(std::count(normalised.begin(), normalised.end(), '\n'));
    std::size_t line_start = normalised.rfind('\n');
    int column = static_cast<int>(
        line_start == std::string::npos ? normalised.size() : normalised.size() - line_start - 1);
    sink.Error("yaml-syntax", Position{&file, line, column + 1},
               "control characters are not allowed");
    return;
  }
  std::string normalised = NormaliseLineBreaks(text);
  if (IsBlank(normalised)) {
    return;
  }
  if (auto directive = CheckDirectives(normalised)) {
    std::string_view before = std::string_view(normalised).substr(0, directive->first);
    int line = first_line + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
    sink.Error("yaml-syntax", Position{&file, line, 1}, directive->second);
    broken.push_back(ReadBrokenDocument(file, normalised, first_line));
    return;
  }
  // Read as YAML, a document that lost its indentation is a different object (or a syntax error
  // somewhere below); the finding names the cause instead.
  std::optional<Diagnostic> lost = FindNonBreakingIndentation(file, normalised, first_line);
  if (!lost) {
    lost = FindLostIndentation(file, normalised, first_line);
  }
  if (lost) {
    sink.Add(std::move(*lost));
    broken.push_back(ReadBrokenDocument(file, normalised, first_line));
    return;
  }
  if (!ParseFirstDocument(file, normalised, first_line, sink, documents)) {
    broken.push_back(ReadBrokenDocument(file, normalised, first_line));
  }
}

// Chunks are read independently, so a long stream is read on two cores: the chunks after
// `kParallelFromBytes` of text go to a second thread, and their documents and findings are
// appended after the first half's, in the same order as one thread would give them. yaml-cpp
// reads about 6 MB/s here; 10,000 HTTPRoutes (4 MB) took 0.75 s on one core.
constexpr std::size_t kParallelFromBytes = 256 * 1024;

// `text` is file.text(), or the same with shell lines blanked.
std::vector<Document> ParseYamlStream(const SourceFile& file, std::string_view text,
                                      DiagnosticSink& sink, std::vector<BrokenDocument>& broken) {
  std::vector<Document> documents;
  SplitResult split = SplitLikeKubectl(text);
  const std::vector<Chunk>& chunks = split.chunks;
  documents.reserve(chunks.size());
  std::size_t split_at = chunks.size();
  if (text.size() >= kParallelFromBytes && chunks.size() >= 2 &&
      std::thread::hardware_concurrency() >= 2) {
    std::size_t bytes = 0;
    for (split_at = 0; split_at < chunks.size() && bytes < text.size() / 2; ++split_at) {
      bytes += chunks[split_at].text.size();
    }
  }
  DiagnosticSink second_sink;
  std::vector<Document> second_documents;
  std::vector<BrokenDocument> second_broken;
  std::exception_ptr second_failure;
  std::thread second;
  if (split_at < chunks.size()) {
    second = std::thread([&] {
      try {
        for (std::size_t i = split_at; i < chunks.size(); ++i) {
          ParseChunk(file, chunks[i], second_sink, second_documents, second_broken);
        }
      } catch (...) {
        second_failure = std::current_exception();  // rethrown on the caller's thread
      }
    });
  }
  try {
    for (std::size_t i = 0; i < split_at; ++i) {
      ParseChunk(file, chunks[i], sink, documents, broken);
    }
  } catch (...) {
    if (second.joinable()) {
      second.join();
    }
    throw;
  }
  if (second.joinable()) {
    second.join();
    if (second_failure) {
      std::rethrow_exception(second_failure);
    }
    for (Diagnostic& d : second_sink.mutable_diagnostics()) {
      sink.Add(std::move(d));
    }
    for (Document& d : second_documents) {
      documents.push_back(std::move(d));
    }
    for (BrokenDocument& d : second_broken) {
      broken.push_back(std::move(d));
    }
  }
  if (split.bad_separator) {
    std::string rest = split.bad_separator->second;
    std::string_view shown = rest;
    for (std::size_t i = 0; i < shown.size(); ++i) {
      if (LineBreakLength(shown, i) != 0) {
        shown = shown.substr(0, i);
        break;
      }
    }
    Position position = file.PositionAt(split.bad_separator->first);
    sink.Error(
        "yaml-syntax", position,
        "invalid Yaml document separator: " +
            (file.InSecretDocument(position.line) ? std::string("****") : std::string(shown)));
    // kubectl reads nothing after it: each document there is left out.
    std::size_t line_end = text.find('\n', split.bad_separator->first);
    std::size_t start = line_end == std::string_view::npos ? text.size() : line_end + 1;
    for (const Chunk& unread : SplitLikeKubectl(text.substr(start)).chunks) {
      if (!IsBlank(unread.text)) {
        broken.push_back(
            ReadBrokenDocument(file, unread.text, file.PositionAt(start + unread.begin).line));
      }
    }
  }
  return documents;
}

}  // namespace

bool PlainScalarReadsAsString(const std::string& text) {
  return ResolvePlainScalar(text, Position{}).is_string();
}

std::vector<Document> ParseDocuments(const SourceFile& file, DiagnosticSink& sink,
                                     std::vector<BrokenDocument>* broken) {
  ReportReplacements(file, sink);
  std::vector<BrokenDocument> unread;
  std::vector<ShellLine> shell_lines = FindShellLines(file);
  if (shell_lines.empty()) {
    if (KubectlReadsAsJson(file.text())) {
      return ParseJsonStream(file, file.text(), sink);
    }
    std::vector<Document> documents = ParseYamlStream(file, file.text(), sink, unread);
    if (broken != nullptr) {
      std::move(unread.begin(), unread.end(), std::back_inserter(*broken));
    }
    return documents;
  }
  // The manifest between pasted shell lines is read as if they were not there, so that the
  // user sees one finding per shell line and the manifest's own findings, not what the shell
  // text set off.
  for (Diagnostic& d : DescribeShellLines(file, shell_lines)) {
    sink.Add(std::move(d));
  }
  std::string blanked = WithoutShellLines(file, shell_lines, /*as_separators=*/false);
  if (KubectlReadsAsJson(blanked)) {
    return ParseJsonStream(file, blanked, sink);
  }
  std::string separated = WithoutShellLines(file, shell_lines, /*as_separators=*/true);
  std::vector<Document> documents = ParseYamlStream(file, separated, sink, unread);
  if (broken != nullptr) {
    std::move(unread.begin(), unread.end(), std::back_inserter(*broken));
  }
  return documents;
}

}  // namespace agw::validate::manifest
