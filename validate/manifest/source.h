#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agw::validate::manifest {

struct Position;

// One input file, kept whole so that diagnostics can quote the offending line.
// Immutable after construction; Positions point at it, so it must outlive them.
class SourceFile {
 public:
  // `bytes` are decoded as kubectl decodes a file (DecodeAsKubectlReads: byte order marks,
  // UTF-16, malformed UTF-8 replaced by U+FFFD); text() is the result.
  SourceFile(std::string path, std::string_view bytes);

  const std::string& path() const { return path_; }
  const std::string& text() const { return text_; }
  // Offsets in text() of the U+FFFD characters that replaced malformed input.
  const std::vector<std::size_t>& replacements() const { return replacements_; }

  // 1-based line number; returns the line without its terminator, or "" when out of range.
  // Lines end where YAML says they do: at LF, CRLF, a lone CR, NEL, LS or PS.
  std::string_view Line(int line) const;
  int LineCount() const { return static_cast<int>(line_starts_.size()); }
  // The line and (byte, 1-based) column of text()[offset].
  Position PositionAt(std::size_t offset) const;
  // The offset in text() where `line` starts (text().size() past the last line).
  std::size_t LineStart(int line) const;

  // Whether `line` belongs to a document that is, or may be, a Secret: one whose text names
  // kind Secret at its top level (or anywhere, in a List or a JSON or flow document), or has a
  // top-level stringData. Decided from the text, so it holds for documents too broken to parse.
  bool InSecretDocument(int line) const;
  // `line` as a source excerpt may show it: a line of a Secret document keeps its indentation
  // and the keys of its top two levels, and every value becomes "****" ("  token: ****");
  // deeper lines, list items, block scalar and multi-line value lines are masked whole.
  std::string_view ShownLine(int line) const;
  // Where a caret for `column` of `line` goes in ShownLine(line): the same column, or the start
  // of the mask when the column was inside what it hides.
  int ShownColumn(int line, int column) const;

 private:
  struct MaskedLine {
    std::string text;
    // Where "****" starts in `text`; the bytes before it are the original line's.
    int mask_start = 0;
  };
  void MaskSecretDocuments();
  void MaskDocument(int first_line, int last_line);

  std::string path_;
  std::string text_;
  std::vector<std::size_t> replacements_;
  std::vector<std::size_t> line_starts_;
  std::vector<std::optional<MaskedLine>> masked_;  // by line - 1; empty for no Secret at all
};

// A place in a source file. line and column are 1-based; 0 means unknown.
// `file` borrows: the Manifest (or test) that owns the SourceFile keeps it alive.
struct Position {
  const SourceFile* file = nullptr;
  int line = 0;
  int column = 0;

  bool known() const { return file != nullptr && line > 0; }
  // "path:line:col", or just "path" when the line is unknown.
  std::string ToString() const;
};

}  // namespace agw::validate::manifest
