#include "validate/manifest/source.h"

#include <algorithm>

#include "validate/manifest/text_encoding.h"

namespace agw::manifest {

SourceFile::SourceFile(std::string path, std::string_view bytes) : path_(std::move(path)) {
  DecodedText decoded = DecodeAsKubectlReads(bytes);
  text_ = std::move(decoded.text);
  replacements_ = std::move(decoded.replacements);
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

}  // namespace agw::manifest
