#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace agw::validate::cluster {

// Environment variables by name. The pure parts of this library (kubeconfig loading, proxy
// selection, the exec plugin's environment) take one instead of calling getenv, so tests set
// exactly what they mean.
using Environment = std::map<std::string, std::string, std::less<>>;

// The value of `name`, or nullopt when it is unset (a variable set to "" is returned as "").
std::optional<std::string> Lookup(const Environment& environment, std::string_view name);

// A copy of this process's environment (environ). Not thread-safe against setenv.
Environment CurrentEnvironment();

}  // namespace agw::validate::cluster
