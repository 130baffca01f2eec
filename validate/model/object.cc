#include "validate/model/object.h"

namespace agw::model {

Position FieldIndex::Find(std::string_view path) const {
  std::string_view candidate = path;
  while (!candidate.empty()) {
    if (auto it = positions_.find(candidate); it != positions_.end()) {
      return it->second;
    }
    std::size_t cut = candidate.find_last_of(".[");
    if (cut == std::string_view::npos) {
      break;
    }
    candidate = candidate.substr(0, cut);
  }
  if (auto it = positions_.find(""); it != positions_.end()) {
    return it->second;
  }
  return {};
}

}  // namespace agw::model
