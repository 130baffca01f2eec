#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace agw::manifest {

// One input file, kept whole so that diagnostics can quote the offending line.
// Immutable after construction; Positions point at it, so it must outlive them.
class SourceFile {
 public:
  SourceFile(std::string path, std::string text);

  const std::string& path() const { return path_; }
  const std::string& text() const { return text_; }

  // 1-based line number; returns the line without its terminator, or "" when out of range.
  std::string_view Line(int line) const;
  int LineCount() const { return static_cast<int>(line_starts_.size()); }

 private:
  std::string path_;
  std::string text_;
  std::vector<std::size_t> line_starts_;
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

}  // namespace agw::manifest
