#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

#include "validate/schema/crd.h"

namespace agw::validate::schema {

// One CRD built into the program: its compact JSON (CompactCrd), read only when a manifest
// needs it, so that loading a 1 MB CRD is never paid for kinds the inputs do not hold.
struct BuiltinCrd {
  std::string_view group;
  std::string_view kind;
  std::string_view json;
};

// The CRDs of one release of one project, as installed together (a folder of the CRD
// directory the build was given: gateway-api-v1.6.1, agentgateway-v1.4.1, agentgateway-main).
struct BuiltinCrdSet {
  std::string_view name;     // the folder's name, "gateway-api-v1.6.1"
  std::string_view project;  // "gateway-api", "agentgateway"
  std::string_view version;  // "v1.6.1", "main"
  std::vector<BuiltinCrd> crds;
};

// Every set built in, in folder-name order. Generated at build time from -DAGW_CRDS_DIR by
// validate/schema/crd_compiler.cc; empty for a build made without CRDs.
const std::vector<BuiltinCrdSet>& BuiltinCrdSets();

// The built-in set of `project` at `version`: "" picks the newest release ("main" only when
// asked for by name). Null when the build has no such set.
const BuiltinCrdSet* FindBuiltinCrdSet(std::string_view project, std::string_view version = "");

// The versions of `project` built in, newest release first, "main" last.
std::vector<std::string_view> BuiltinVersions(std::string_view project);

// The compiled CRD of a built-in entry, parsed on first use and cached for the life of the
// program (thread-safe). The error says which built-in CRD failed to read: a build defect.
tl::expected<std::shared_ptr<const Crd>, std::string> LoadBuiltinCrd(const BuiltinCrdSet& set,
                                                                     const BuiltinCrd& crd);

}  // namespace agw::validate::schema
