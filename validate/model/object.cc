#include "validate/model/object.h"

#include <cctype>

namespace agw::validate::model {

const manifest::Value* FieldIndex::Walk(std::string_view path, bool& complete) const {
  complete = false;
  const manifest::Value* node = object_;
  if (node == nullptr) {
    return nullptr;
  }
  std::size_t i = 0;
  while (i < path.size()) {
    const manifest::Value* next = nullptr;
    if (path[i] == '[') {
      std::size_t close = path.find(']', i + 1);
      if (close == std::string_view::npos) {
        return node;
      }
      std::string_view inside = path.substr(i + 1, close - i - 1);
      bool digits = !inside.empty();
      for (char c : inside) {
        digits = digits && std::isdigit(static_cast<unsigned char>(c));
      }
      if (node->is_sequence() && digits) {
        std::size_t index = 0;
        for (char c : inside) {
          index = index * 10 + static_cast<std::size_t>(c - '0');
        }
        if (index < node->items().size()) {
          next = &node->items()[index];
        }
      } else if (node->is_map()) {
        next = node->Find(inside);  // a map key: labels[app], data[tls.crt]
      }
      i = close + 1;
    } else {
      if (path[i] == '.') {
        ++i;
      }
      std::size_t end = path.find_first_of(".[", i);
      if (end == std::string_view::npos) {
        end = path.size();
      }
      if (node->is_map()) {
        next = node->Find(path.substr(i, end - i));
      }
      i = end;
    }
    if (next == nullptr || next->is_null()) {
      return node;
    }
    node = next;
  }
  complete = true;
  return node;
}

Position FieldIndex::Find(std::string_view path) const {
  bool complete = false;
  const manifest::Value* node = Walk(path, complete);
  return node != nullptr ? node->position() : Position{};
}

bool FieldIndex::Contains(std::string_view path) const {
  bool complete = false;
  Walk(path, complete);
  return complete;
}

}  // namespace agw::validate::model
