#include "validate/manifest/source.h"

namespace agw::manifest {

SourceFile::SourceFile(std::string path, std::string text)
    : path_(std::move(path)), text_(std::move(text)) {
  line_starts_.push_back(0);
  for (std::size_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n' && i + 1 < text_.size()) {
      line_starts_.push_back(i + 1);
    }
  }
}

std::string_view SourceFile::Line(int line) const {
  if (line < 1 || line > LineCount()) {
    return {};
  }
  std::size_t begin = line_starts_[line - 1];
  std::size_t end = text_.find('\n', begin);
  if (end == std::string::npos) {
    end = text_.size();
  }
  if (end > begin && text_[end - 1] == '\r') {
    --end;
  }
  return std::string_view(text_).substr(begin, end - begin);
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
