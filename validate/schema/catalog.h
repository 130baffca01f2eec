#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>
#include <vector>

#include "validate/manifest/loader.h"
#include "validate/schema/builtin.h"
#include "validate/schema/crd.h"

namespace agw::validate::schema {

// The CRDs that validation knows: the built-in set of each project (Gateway API, agentgateway)
// at the chosen version, and CRDs read from files (`--crds`), which replace a built-in CRD of
// the same group and kind. Built-in CRDs are parsed only when Find asks for them. Copyable;
// Find is safe to call from several threads.
class CrdCatalog {
 public:
  // The built-in sets of Gateway API and agentgateway at these versions ("" picks the newest
  // release of each). The error names the versions this build has when one is not built in.
  // A build without CRDs gives an empty catalog.
  static tl::expected<CrdCatalog, std::string> WithBuiltinSets(
      std::string_view gateway_api_version, std::string_view agentgateway_version);

  // The newest built-in release of each project (what commands use without version flags);
  // built once, shared.
  static const CrdCatalog& Default();

  // Adds every CustomResourceDefinition of `manifest` (its other resources are skipped). Returns
  // one message per CRD that does not compile, naming its file.
  std::vector<std::string> AddFromManifest(const manifest::Manifest& manifest);

  // Reads the files and folders of `paths` as `-f` reads them (folders recursively; .yaml, .yml
  // and .json files) and adds every CustomResourceDefinition they hold; other objects are
  // skipped. Returns one message per problem: an unreadable path, a file that does not parse,
  // a path that holds no CRD at all, a CRD that does not compile.
  std::vector<std::string> AddFromFiles(const std::vector<std::string>& paths,
                                        const manifest::FileSystem& file_system);

  // The CRD of `group`/`kind`, or null when the catalog has none.
  std::shared_ptr<const Crd> Find(std::string_view group, std::string_view kind) const;
  // Whether some CRD of the catalog belongs to `group`.
  bool KnowsGroup(std::string_view group) const;
  // The kinds of `group`, sorted.
  std::vector<std::string> KindsOf(std::string_view group) const;
  // Where the CRDs come from: the built-in sets' names, then the files added, each once.
  std::vector<std::string> Sources() const;

 private:
  struct Entry {
    const BuiltinCrdSet* set = nullptr;  // a built-in entry, parsed on first use
    const BuiltinCrd* builtin = nullptr;
    std::shared_ptr<const Crd> crd;  // a CRD from a file
  };
  std::map<std::pair<std::string, std::string>, Entry, std::less<>> entries_;
  std::vector<std::string> sources_;
};

}  // namespace agw::validate::schema
