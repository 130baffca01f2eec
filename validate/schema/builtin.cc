#include "validate/schema/builtin.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <mutex>
#include <optional>

namespace agw::validate::schema {
namespace {

// "v1.6.1" as {1, 6, 1}; nullopt for anything that is not a release ("main").
std::optional<std::array<int, 3>> ReleaseNumbers(std::string_view version) {
  if (!version.starts_with('v')) {
    return std::nullopt;
  }
  version.remove_prefix(1);
  std::array<int, 3> numbers{};
  for (int& number : numbers) {
    auto [end, error] = std::from_chars(version.data(), version.data() + version.size(), number);
    if (error != std::errc()) {
      return std::nullopt;
    }
    version.remove_prefix(static_cast<std::size_t>(end - version.data()));
    if (version.starts_with('.')) {
      version.remove_prefix(1);
    }
  }
  return version.empty() ? std::optional(numbers) : std::nullopt;
}

// Newest release first, then what is not a release (main) in name order.
bool NewerFirst(std::string_view a, std::string_view b) {
  auto left = ReleaseNumbers(a), right = ReleaseNumbers(b);
  if (left && right) {
    return *left > *right;
  }
  if (left || right) {
    return left.has_value();
  }
  return a < b;
}

}  // namespace

std::vector<std::string_view> BuiltinVersions(std::string_view project) {
  std::vector<std::string_view> versions;
  for (const BuiltinCrdSet& set : BuiltinCrdSets()) {
    if (set.project == project) {
      versions.push_back(set.version);
    }
  }
  std::sort(versions.begin(), versions.end(), NewerFirst);
  return versions;
}

const BuiltinCrdSet* FindBuiltinCrdSet(std::string_view project, std::string_view version) {
  if (version.empty()) {
    std::vector<std::string_view> versions = BuiltinVersions(project);
    if (versions.empty() || !ReleaseNumbers(versions.front())) {
      return nullptr;
    }
    version = versions.front();
  }
  for (const BuiltinCrdSet& set : BuiltinCrdSets()) {
    if (set.project == project && set.version == version) {
      return &set;
    }
  }
  return nullptr;
}

tl::expected<std::shared_ptr<const Crd>, std::string> LoadBuiltinCrd(const BuiltinCrdSet& set,
                                                                     const BuiltinCrd& crd) {
  static std::mutex mutex;
  static std::map<const BuiltinCrd*, std::shared_ptr<const Crd>> loaded;
  std::lock_guard<std::mutex> lock(mutex);
  if (auto found = loaded.find(&crd); found != loaded.end()) {
    return found->second;
  }
  Json json = Json::parse(crd.json, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return tl::unexpected("built-in CRD " + std::string(crd.kind) + " of " + std::string(set.name) +
                          " is not JSON");
  }
  auto compiled = CrdFromJson(json, std::string(set.name));
  if (!compiled) {
    return tl::unexpected(compiled.error());
  }
  auto shared = std::make_shared<const Crd>(std::move(*compiled));
  loaded.emplace(&crd, shared);
  return shared;
}

}  // namespace agw::validate::schema
