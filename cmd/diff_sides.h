#pragma once

#include <memory>
#include <string>

#include "cmd/pipeline.h"
#include "validate/diff/behavior_diff.h"
#include "validate/diff/resource_diff.h"
#include "validate/manifest/loader.h"
#include "validate/schema/catalog.h"

// How `diff` loads the two sides it compares: manifests from files and git, or the live objects
// of a cluster. Each side goes through the whole control-plane chain; messages go to stderr.
namespace agw::cmd {

// One side through the whole control-plane chain: what the API server stores (resource diff)
// and what the controller makes of it (behaviour diff).
struct ComparedSide {
  std::unique_ptr<validate::resolve::Pipeline> pipeline;
  validate::diff::Side stored;
  validate::diff::Behavior behavior;
  std::string messages;  // what to tell the user on stderr
  bool usable = false;   // false: unreadable inputs or YAML that does not parse
};

// Loads both sides from files (git:REF:PATH too), one thread each: they are independent and
// YAML parsing dominates their cost. False when a side cannot be compared (said on stderr).
bool LoadBothSides(const validate::manifest::LoadOptions& old_load,
                   const validate::manifest::LoadOptions& new_load, const InputFlags& flags,
                   const validate::schema::CrdCatalog& catalog, ComparedSide& old_side,
                   ComparedSide& new_side);

// The new side from files, the old side from the objects the cluster holds for them (and with a
// `prune_selector`, the live objects of the same kinds that match it).
bool LoadAgainstCluster(validate::manifest::LoadOptions new_load, const InputFlags& inputs,
                        const ClusterFlags& cluster, const std::string& prune_selector,
                        const validate::schema::CrdCatalog& catalog, ComparedSide& live_side,
                        ComparedSide& new_side);

}  // namespace agw::cmd
