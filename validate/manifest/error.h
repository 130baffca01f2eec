#pragma once

#include <string>
#include <tl/expected.hpp>

namespace agw {

// An operational failure (unreadable file, port in use, unreachable cluster): not a finding
// about the manifests. Returned through tl::expected and reported with exit code 3.
struct Error {
  std::string message;
};

template <typename T>
using Expected = tl::expected<T, Error>;

inline tl::unexpected<Error> MakeError(std::string message) {
  return tl::unexpected<Error>(Error{std::move(message)});
}

}  // namespace agw
