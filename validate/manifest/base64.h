#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace agw::validate::manifest {

// Go's base64.StdEncoding.DecodeString, as encoding/json applies it to []byte fields (a Secret's
// `data`) and go-yaml to !!binary: padding required, '\r' and '\n' skipped. On failure
// `error_offset` is the byte Go reports ("at input byte N"): the bad character, the misplaced
// '=', the start of an unfinished group, or the end of the input when padding is missing.
struct Base64Result {
  std::string bytes;
  std::optional<std::size_t> error_offset;
};
Base64Result DecodeBase64(std::string_view text);

}  // namespace agw::validate::manifest
