#include "validate/cluster/environment.h"

extern char** environ;

namespace agw::validate::cluster {

std::optional<std::string> Lookup(const Environment& environment, std::string_view name) {
  auto it = environment.find(name);
  if (it == environment.end()) {
    return std::nullopt;
  }
  return it->second;
}

Environment CurrentEnvironment() {
  Environment environment;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    std::size_t equals = text.find('=');
    if (equals == std::string_view::npos || equals == 0) {
      continue;
    }
    // The first definition wins, as getenv reads it.
    environment.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return environment;
}

}  // namespace agw::validate::cluster
