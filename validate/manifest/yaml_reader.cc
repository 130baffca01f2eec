#include "validate/manifest/yaml_reader.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <re2/re2.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

namespace agw::manifest {
namespace {

// Aliases copy their anchored value; this caps what a "billion laughs" document can expand to.
constexpr std::size_t kMaxNodesPerDocument = 1'000'000;

struct Chunk {
  std::string text;
  int first_line = 1;  // 1-based line of the chunk's first line in the file
};

// kubectl (k8s.io/apimachinery yaml.YAMLReader) ends a document at a line that starts with
// "---" and has nothing after it but blanks or a comment.
bool IsDocumentSeparator(std::string_view line) {
  if (line.substr(0, 3) != "---") {
    return false;
  }
  std::string_view rest = line.substr(3);
  std::size_t first = rest.find_first_not_of(" \t\r");
  return first == std::string_view::npos || rest[first] == '#';
}

std::vector<Chunk> SplitDocuments(const SourceFile& file) {
  std::vector<Chunk> chunks;
  Chunk current;
  for (int line = 1; line <= file.LineCount(); ++line) {
    std::string_view text = file.Line(line);
    if (IsDocumentSeparator(text)) {
      chunks.push_back(std::move(current));
      current = Chunk{};
      current.first_line = line + 1;
      continue;
    }
    current.text.append(text);
    current.text.push_back('\n');
  }
  chunks.push_back(std::move(current));
  return chunks;
}

bool IsBlank(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::size_t first = line.find_first_not_of(" \t\r");
    if (first != std::string::npos && line[first] != '#') {
      return false;
    }
  }
  return true;
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
  if (!negative && value > static_cast<unsigned __int128>(std::numeric_limits<std::int64_t>::max())) {
    return std::nullopt;
  }
  return negative ? -static_cast<std::int64_t>(value - 1) - 1 : static_cast<std::int64_t>(value);
}

// Types a plain (unquoted, untagged) scalar as go-yaml v2 does for kubectl.
Value ResolvePlainScalar(const std::string& text, Position position) {
  static const std::map<std::string_view, bool> kBooleans = {
      {"y", true},      {"Y", true},      {"yes", true},   {"Yes", true},    {"YES", true},
      {"on", true},     {"On", true},     {"ON", true},    {"true", true},   {"True", true},
      {"TRUE", true},   {"n", false},     {"N", false},    {"no", false},    {"No", false},
      {"NO", false},    {"off", false},   {"Off", false},  {"OFF", false},   {"false", false},
      {"False", false}, {"FALSE", false},
  };
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return Value::Null(position);
  }
  if (auto it = kBooleans.find(text); it != kBooleans.end()) {
    return Value::Bool(it->second, text, position);
  }
  static const std::map<std::string_view, double> kSpecialFloats = {
      {".inf", HUGE_VAL},   {".Inf", HUGE_VAL},   {".INF", HUGE_VAL},   {"+.inf", HUGE_VAL},
      {"+.Inf", HUGE_VAL},  {"+.INF", HUGE_VAL},  {"-.inf", -HUGE_VAL}, {"-.Inf", -HUGE_VAL},
      {"-.INF", -HUGE_VAL}, {".nan", NAN},        {".NaN", NAN},        {".NAN", NAN},
  };
  if (auto it = kSpecialFloats.find(text); it != kSpecialFloats.end()) {
    return Value::Float(it->second, text, position);
  }
  char first = text[0];
  bool numeric_hint = (first >= '0' && first <= '9') || first == '+' || first == '-' || first == '.';
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

Value ResolveTaggedScalar(const std::string& tag, const std::string& text, Position position) {
  static const std::string kPrefix = "tag:yaml.org,2002:";
  if (tag == "!" || tag == kPrefix + "str" || tag == "!!str") {
    return Value::String(text, position);
  }
  Value plain = ResolvePlainScalar(text, position);
  if (tag == "?" || tag.empty()) {
    return plain;
  }
  // Explicit core tags (!!int, !!bool, ...) keep the typed value when it parses; anything else
  // (custom tags) is read by content, as go-yaml does for values it does not know.
  return plain;
}

// Builds Values from yaml-cpp's event stream, with positions, anchors, merge keys and
// duplicate-key detection.
class TreeBuilder : public YAML::EventHandler {
 public:
  TreeBuilder(const SourceFile& file, std::string_view text, int line_offset,
              DiagnosticSink& sink)
      : file_(file), text_(text), line_offset_(line_offset), sink_(sink) {}

  std::optional<Value> TakeRoot() { return std::exchange(root_, std::nullopt); }
  const YAML::Mark& document_start() const { return document_start_; }
  bool failed() const { return failed_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    document_start_ = mark;
    stack_.clear();
    anchors_.clear();
    root_.reset();
    nodes_ = 0;
    too_large_ = false;
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Emit(Value::Null(At(mark)), anchor, /*plain=*/true);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      Fail(At(mark), "unknown anchor referenced by alias");
      Emit(Value::Null(At(mark)), 0, true);
      return;
    }
    nodes_ += CountNodes(it->second);
    if (nodes_ > kMaxNodesPerDocument) {
      if (!too_large_) {
        too_large_ = true;
        Fail(At(mark), "document expands to more than 1000000 nodes through aliases");
      }
      Emit(Value::Null(At(mark)), 0, true);
      return;
    }
    Emit(it->second, 0, /*plain=*/false);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    Position position = At(mark);
    bool plain = tag == "?";
    if (!plain && !IsQuoteClosed(mark.pos)) {
      // yaml-cpp 0.7 accepts a quoted scalar that runs to the end of the input.
      throw YAML::ParserException(mark, "found unexpected end of stream while scanning a "
                                        "quoted scalar (the closing quote is missing)");
    }
    Emit(ResolveTaggedScalar(tag, value, position), anchor, plain);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    stack_.push_back(Frame{Value::Sequence(At(mark)), anchor});
  }
  void OnSequenceEnd() override { Close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    stack_.push_back(Frame{Value::Map(At(mark)), anchor});
  }
  void OnMapEnd() override { Close(); }

 private:
  struct Frame {
    Value value;
    YAML::anchor_t anchor = 0;
    std::optional<Value> key;  // for maps: the key waiting for its value
    bool key_is_merge = false;
    std::set<std::string> merged_keys;  // keys that came from "<<" and may be overridden
  };

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
    Emit(std::move(frame.value), frame.anchor, /*plain=*/false);
  }

  void Emit(Value value, YAML::anchor_t anchor, bool plain) {
    ++nodes_;
    if (anchor != 0) {
      anchors_[anchor] = value;
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
      Fail(key.position(), "mapping key must be a string, not an " +
                               std::string(key.JsonTypeName()));
      return;
    }
    std::string name = key.is_null() ? "null" : key.text();
    if (top.merged_keys.erase(name) != 0) {
      *top.value.FindMutable(name) = std::move(value);  // explicit keys win over merged ones
      return;
    }
    if (const MapEntry* existing = top.value.FindEntry(name)) {
      Fail(key.position(),
           "mapping key \"" + name + "\" already defined at line " +
               std::to_string(existing->key_position.line),
           "yaml-duplicate-key");
      return;
    }
    top.value.mutable_entries().push_back(MapEntry{name, key.position(), std::move(value)});
  }

  // YAML merge key ("<<: *base"): keys already present win, earlier merged maps win.
  void Merge(Frame& target, const Value& source) {
    if (source.is_sequence()) {
      for (const Value& item : source.items()) {
        Merge(target, item);
      }
      return;
    }
    if (!source.is_map()) {
      Fail(source.position(), "map merge requires a map or a sequence of maps as the value");
      return;
    }
    for (const MapEntry& entry : source.entries()) {
      if (target.value.FindEntry(entry.key) == nullptr) {
        target.value.mutable_entries().push_back(entry);
        target.merged_keys.insert(entry.key);
      }
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

}  // namespace

bool PlainScalarReadsAsString(const std::string& text) {
  return ResolvePlainScalar(text, Position{}).is_string();
}

std::vector<Document> ParseDocuments(const SourceFile& file, DiagnosticSink& sink) {
  std::vector<Document> documents;
  for (const Chunk& chunk : SplitDocuments(file)) {
    if (IsBlank(chunk.text)) {
      continue;
    }
    std::istringstream input(chunk.text);
    TreeBuilder builder(file, chunk.text, chunk.first_line, sink);
    try {
      YAML::Parser parser(input);
      std::vector<Document> chunk_documents;
      bool first = true;
      while (parser.HandleNextDocument(builder)) {
        if (!first && !StartsExplicitDocument(chunk.text, builder.document_start())) {
          throw YAML::ParserException(builder.document_start(),
                                      "did not find expected <document start> (separate "
                                      "documents with a '---' line)");
        }
        first = false;
        std::optional<Value> root = builder.TakeRoot();
        if (!root || root->is_null()) {
          continue;
        }
        chunk_documents.push_back(
            Document{std::move(*root), Position{&file, chunk.first_line, 1}});
      }
      for (Document& document : chunk_documents) {
        documents.push_back(std::move(document));
      }
    } catch (const YAML::Exception& e) {
      Position position{&file, e.mark.line + chunk.first_line, e.mark.column + 1};
      if (e.mark.is_null()) {
        position = Position{&file, chunk.first_line, 1};
      }
      std::string message = DescribeParserError(e.msg, file.Line(position.line), position.column);
      sink.Error("yaml-syntax", position, std::move(message));
    }
  }
  return documents;
}

}  // namespace agw::manifest
