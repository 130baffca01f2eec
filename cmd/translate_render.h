#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "emulator/gateway/dry_run.h"
#include "emulator/route/request.h"

namespace agw::cmd {

// What `translate` prints for a dry run of `request`: text for people, JSON for tools (the
// bodies parsed when they are JSON). Credentials are already redacted in `run`.
std::string RenderDryRunText(const emulator::gateway::DryRun& run,
                             const emulator::route::Request& request);
nlohmann::ordered_json RenderDryRunJson(const emulator::gateway::DryRun& run,
                                        const emulator::route::Request& request);

}  // namespace agw::cmd
