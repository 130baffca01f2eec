#include "validate/manifest/source.h"

#include <re2/re2.h>

#include <algorithm>
#include <set>
#include <string>

#include "validate/manifest/text_encoding.h"

namespace agw::validate::manifest {

SourceFile::SourceFile(std::string path, std::string_view bytes) : path_(std::move(path)) {
  DecodedText decoded = DecodeAsKubectlReads(bytes);
  text_ = std::move(decoded.text);
  replacements_ = std::move(decoded.replacements);
  // Sized once (LF count is a close upper bound in practice): a large file has 100,000 lines.
  line_starts_.reserve(static_cast<std::size_t>(std::count(text_.begin(), text_.end(), '\n')) + 1);
  line_starts_.push_back(0);
  for (std::size_t i = 0; i < text_.size();) {
    std::size_t length = LineBreakLength(text_, i);
    if (length == 0) {
      ++i;
      continue;
    }
    i += length;
    if (i < text_.size()) {
      line_starts_.push_back(i);
    }
  }
  MaskSecretDocuments();
}

std::size_t SourceFile::LineStart(int line) const {
  if (line < 1) {
    return 0;
  }
  if (line > LineCount()) {
    return text_.size();
  }
  return line_starts_[line - 1];
}

std::string_view SourceFile::Line(int line) const {
  if (line < 1 || line > LineCount()) {
    return {};
  }
  std::size_t begin = line_starts_[line - 1];
  std::size_t end = line < LineCount() ? line_starts_[line] : text_.size();
  // Drop the terminator: at most one break ends a line.
  std::string_view text(text_);
  for (std::size_t i = begin; i < end; ++i) {
    if (LineBreakLength(text, i) != 0) {
      end = i;
      break;
    }
  }
  return text.substr(begin, end - begin);
}

namespace {

constexpr std::string_view kMask = "****";

std::size_t IndentOf(std::string_view line) { return line.find_first_not_of(" \t"); }

bool IsContent(std::string_view line) {
  std::size_t first = IndentOf(line);
  return first != std::string_view::npos && line[first] != '#';
}

// The offset just past the ':' of a "key:" that starts `content`, or npos when the line is not
// a mapping entry.
std::size_t KeyEnd(std::string_view content) {
  if (content.empty() ||
      std::string_view("-[{!&*|>%@`").find(content[0]) != std::string_view::npos) {
    return std::string_view::npos;
  }
  std::size_t i = 0;
  if (content[0] == '"' || content[0] == '\'') {
    char quote = content[0];
    for (i = 1; i < content.size() && content[i] != quote; ++i) {
      if (quote == '"' && content[i] == '\\') {
        ++i;
      }
    }
    ++i;
    while (i < content.size() && content[i] == ' ') {
      ++i;
    }
    return i < content.size() && content[i] == ':' ? i + 1 : std::string_view::npos;
  }
  for (; i < content.size(); ++i) {
    if (content[i] == ':' &&
        (i + 1 == content.size() || content[i + 1] == ' ' || content[i + 1] == '\t')) {
      return i + 1;
    }
    if (content[i] == '#' && i > 0 && (content[i - 1] == ' ' || content[i - 1] == '\t')) {
      return std::string_view::npos;
    }
  }
  return std::string_view::npos;
}

// Whether a value that starts a line's value part goes on to later lines: an open quote or an
// open flow collection. `quote` and `depth` carry the state from line to line.
struct Continuation {
  char quote = 0;  // the quote still open, or 0
  int depth = 0;   // open [ and { outside quotes
  bool open() const { return quote != 0 || depth > 0; }
  void Scan(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
      char c = text[i];
      if (quote != 0) {
        if (quote == '"' && c == '\\') {
          ++i;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '[' || c == '{') {
        ++depth;
      } else if ((c == ']' || c == '}') && depth > 0) {
        --depth;
      } else if (c == '#' && depth == 0) {
        return;
      }
    }
  }
};

}  // namespace

bool SourceFile::InSecretDocument(int line) const {
  return line >= 1 && static_cast<std::size_t>(line) <= masked_.size() &&
         masked_[line - 1].has_value();
}

std::string_view SourceFile::ShownLine(int line) const {
  if (InSecretDocument(line)) {
    return masked_[line - 1]->text;
  }
  return Line(line);
}

int SourceFile::ShownColumn(int line, int column) const {
  if (!InSecretDocument(line)) {
    return column;
  }
  const MaskedLine& masked = *masked_[line - 1];
  return column - 1 < masked.mask_start ? column : masked.mask_start + 1;
}

void SourceFile::MaskSecretDocuments() {
  // Documents as kubectl splits them: at a "---" line that follows an LF. The separator line
  // goes with the document before it (a bad one, "--- text", is quoted in its finding).
  int first = 1;
  for (int line = 1; line <= LineCount(); ++line) {
    std::size_t start = line_starts_[line - 1];
    bool separator = Line(line).substr(0, 3) == "---" && (start == 0 || text_[start - 1] == '\n');
    if (separator && line > first) {
      MaskDocument(first, line);
      first = line + 1;
    } else if (separator) {
      first = line + 1;
    }
  }
  if (first <= LineCount()) {
    MaskDocument(first, LineCount());
  }
}

void SourceFile::MaskDocument(int first_line, int last_line) {
  // Is it a Secret? kind: Secret at the top level (the least indented lines), anywhere in a List
  // or a flow (JSON) document; or a top-level stringData, which only Secrets have. Spelling and
  // quotes vary in broken files, so the match is loose and ignores case.
  static const RE2 kKindSecret(
      R"re((?i)(^|[\s{,])["']?kind["']?\s*:\s*(!\S*\s+|&\S+\s+)*["']?secret\b)re");
  static const RE2 kTopLevelSecret(
      R"re((?i)^(-\s+)?(["']?kind["']?\s*:\s*(!\S*\s+|&\S+\s+)*["']?secret\b|["']?stringdata["']?\s*:))re");
  static const RE2 kTopLevelList(R"re((?i)^["']?kind["']?\s*:\s*["']?\w*List\b)re");
  std::size_t base = std::string_view::npos;
  bool flow = false;
  for (int line = first_line; line <= last_line; ++line) {
    std::string_view text = Line(line);
    if (IsContent(text)) {
      if (base == std::string_view::npos) {
        char c = text[IndentOf(text)];
        flow = c == '{' || c == '[';
      }
      base = std::min(base, IndentOf(text));
    }
  }
  if (base == std::string_view::npos) {
    return;
  }
  bool secret = false;
  bool list = false;
  bool kind_secret_anywhere = false;
  for (int line = first_line; line <= last_line; ++line) {
    std::string_view text = Line(line);
    re2::StringPiece piece(text.data(), text.size());
    kind_secret_anywhere = kind_secret_anywhere || RE2::PartialMatch(piece, kKindSecret);
    if (IsContent(text) && IndentOf(text) == base) {
      re2::StringPiece top(text.data() + base, text.size() - base);
      secret = secret || RE2::PartialMatch(top, kTopLevelSecret);
      list = list || RE2::PartialMatch(top, kTopLevelList);
    }
  }
  if (!(secret || ((flow || list) && kind_secret_anywhere))) {
    return;
  }
  masked_.resize(LineCount());
  auto mask_whole = [](std::string_view text) {
    std::size_t indent = IndentOf(text);
    if (indent == std::string_view::npos) {
      return MaskedLine{std::string(text), static_cast<int>(text.size())};
    }
    return MaskedLine{std::string(text.substr(0, indent)) + std::string(kMask),
                      static_cast<int>(indent)};
  };
  // Keys of the top two levels stay: the top level (apiVersion, kind, metadata, data, ...) and
  // the level under each top-level key (name, or the key of each Secret value).
  std::size_t second_level = std::string_view::npos;
  std::string top_key;  // the top-level key the second level belongs to
  Continuation continuation;
  std::size_t block_scalar_indent = std::string_view::npos;  // lines deeper are its content
  for (int line = first_line; line <= last_line; ++line) {
    std::string_view text = Line(line);
    std::size_t indent = IndentOf(text);
    if (continuation.open()) {
      continuation.Scan(text);
      masked_[line - 1] = mask_whole(text);
      continue;
    }
    if (indent == std::string_view::npos) {
      masked_[line - 1] = MaskedLine{std::string(text), static_cast<int>(text.size())};
      continue;
    }
    if (block_scalar_indent != std::string_view::npos && indent > block_scalar_indent) {
      masked_[line - 1] = mask_whole(text);
      continue;
    }
    block_scalar_indent = std::string_view::npos;
    std::string_view content = text.substr(indent);
    if (content[0] == '#') {
      masked_[line - 1] = MaskedLine{std::string(text.substr(0, indent + 1)) +
                                         (content.size() > 1 ? " " + std::string(kMask) : ""),
                                     static_cast<int>(indent + 2)};
      continue;
    }
    if (content.substr(0, 3) == "---" || content.substr(0, 3) == "...") {
      bool rest = content.find_first_not_of(" \t", 3) != std::string_view::npos;
      masked_[line - 1] = MaskedLine{
          std::string(text.substr(0, indent + 3)) + (rest ? " " + std::string(kMask) : ""),
          static_cast<int>(indent + 4)};
      continue;
    }
    if (indent == base) {
      second_level = std::string_view::npos;
    } else if (second_level == std::string_view::npos && indent > base) {
      second_level = indent;
    }
    std::size_t key_end = KeyEnd(content);
    bool kept_level = !flow && (indent == base || indent == second_level);
    if (!kept_level || key_end == std::string_view::npos) {
      continuation.Scan(content);
      masked_[line - 1] = mask_whole(text);
      continue;
    }
    std::string_view value = content.substr(key_end);
    std::size_t value_start = value.find_first_not_of(" \t");
    std::string shown(text.substr(0, indent + key_end));
    std::string key(content.substr(0, key_end - 1));
    if (indent == base) {
      top_key = key;
    }
    // What names and types the object is never secret, and findings are about it most often.
    static const std::set<std::string> kTopLevelShown = {"apiVersion", "kind", "type", "immutable"};
    static const std::set<std::string> kMetadataShown = {"name", "namespace", "generateName"};
    bool value_shown = indent == base ? kTopLevelShown.count(key) != 0
                                      : top_key == "metadata" && kMetadataShown.count(key) != 0;
    if (value_shown && value_start != std::string_view::npos &&
        std::string_view("\"'{[|>&*!").find(value[value_start]) == std::string_view::npos) {
      masked_[line - 1] = MaskedLine{std::string(text), static_cast<int>(text.size())};
      continue;
    }
    if (value_start != std::string_view::npos) {
      value = value.substr(value_start);
      if (value[0] == '|' || value[0] == '>') {
        block_scalar_indent = indent;
      } else {
        continuation.Scan(value);
      }
      shown += " " + std::string(kMask);
    }
    masked_[line - 1] = MaskedLine{std::move(shown), static_cast<int>(indent + key_end + 1)};
  }
}

Position SourceFile::PositionAt(std::size_t offset) const {
  auto after = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  int line = static_cast<int>(after - line_starts_.begin());
  return Position{this, line, static_cast<int>(offset - line_starts_[line - 1]) + 1};
}

std::string Position::ToString() const {
  if (file == nullptr) {
    return "<unknown>";
  }
  if (line <= 0) {
    return file->path();
  }
  return file->path() + ":" + std::to_string(line) + ":" + std::to_string(column);
}

}  // namespace agw::validate::manifest
