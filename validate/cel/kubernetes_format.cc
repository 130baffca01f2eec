#include "validate/cel/library.h"

namespace agw::cel::library {

// Not implemented yet (issue 13): every call reports no matching overload.
std::optional<Value> CallFormatLibrary(std::string_view, std::span<const Value>) {
  return std::nullopt;
}

}  // namespace agw::cel::library
