#include "validate/manifest/file_system.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>

namespace agw::validate::manifest {

namespace fs = std::filesystem;

FileSystem::Kind DiskFileSystem::Stat(const std::string& path) const {
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    return Kind::kMissing;
  }
  return fs::is_directory(status) ? Kind::kDirectory : Kind::kFile;
}

Expected<std::string> DiskFileSystem::ReadFile(const std::string& path) const {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return MakeError("cannot read \"" + path + "\": " + std::strerror(errno));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) {
    return MakeError("cannot read \"" + path + "\": " + std::strerror(errno));
  }
  return contents.str();
}

Expected<std::vector<std::string>> DiskFileSystem::ListDirectory(const std::string& path) const {
  std::error_code ec;
  std::vector<std::string> entries;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    entries.push_back(it->path().string());
  }
  if (ec) {
    return MakeError("cannot list directory \"" + path + "\": " + ec.message());
  }
  return entries;
}

Expected<std::string> DiskFileSystem::ReadStdin() const {
  std::string contents{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  if (std::cin.bad()) {
    return MakeError("cannot read standard input");
  }
  return contents;
}

namespace {

std::string WithoutTrailingSlash(std::string path) {
  while (path.size() > 1 && path.back() == '/') {
    path.pop_back();
  }
  return path;
}

}  // namespace

FileSystem::Kind InMemoryFileSystem::Stat(const std::string& path) const {
  std::string clean = WithoutTrailingSlash(path);
  if (files_.count(clean) != 0) {
    return Kind::kFile;
  }
  std::string prefix = clean + "/";
  auto it = files_.lower_bound(prefix);
  if (it != files_.end() && it->first.compare(0, prefix.size(), prefix) == 0) {
    return Kind::kDirectory;
  }
  return Kind::kMissing;
}

Expected<std::string> InMemoryFileSystem::ReadFile(const std::string& path) const {
  auto it = files_.find(path);
  if (it == files_.end()) {
    return MakeError("cannot read \"" + path + "\": No such file or directory");
  }
  return it->second;
}

Expected<std::vector<std::string>> InMemoryFileSystem::ListDirectory(
    const std::string& path) const {
  std::string prefix = WithoutTrailingSlash(path) + "/";
  std::set<std::string> entries;
  for (const auto& [name, contents] : files_) {
    if (name.compare(0, prefix.size(), prefix) != 0) {
      continue;
    }
    std::string rest = name.substr(prefix.size());
    entries.insert(prefix + rest.substr(0, rest.find('/')));
  }
  return std::vector<std::string>(entries.begin(), entries.end());
}

}  // namespace agw::validate::manifest
