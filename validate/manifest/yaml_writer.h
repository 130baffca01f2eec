#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace agw::validate::manifest {

// Renders JSON as block-style YAML the way kubectl prints objects: keys in the order given,
// strings quoted only when YAML would read them as something else, multi-line strings as
// literal blocks.
std::string ToYaml(const nlohmann::ordered_json& json);

}  // namespace agw::validate::manifest
