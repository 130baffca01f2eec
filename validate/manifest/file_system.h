#pragma once

#include <map>
#include <string>
#include <vector>

#include "validate/manifest/error.h"

namespace agw::validate::manifest {

// What the loader needs from a file system, so tests can load from memory
// (the way ninja's DiskInterface / VirtualFileSystem split works).
class FileSystem {
 public:
  enum class Kind { kMissing, kFile, kDirectory };

  virtual ~FileSystem() = default;
  virtual Kind Stat(const std::string& path) const = 0;
  virtual Expected<std::string> ReadFile(const std::string& path) const = 0;
  // Entries of a directory (full paths), in no particular order.
  virtual Expected<std::vector<std::string>> ListDirectory(const std::string& path) const = 0;
  // All of standard input.
  virtual Expected<std::string> ReadStdin() const = 0;
};

// The real disk and process stdin.
class DiskFileSystem : public FileSystem {
 public:
  Kind Stat(const std::string& path) const override;
  Expected<std::string> ReadFile(const std::string& path) const override;
  Expected<std::vector<std::string>> ListDirectory(const std::string& path) const override;
  Expected<std::string> ReadStdin() const override;
};

// Files held in memory; directories are implied by the paths of the files in them.
class InMemoryFileSystem : public FileSystem {
 public:
  void AddFile(std::string path, std::string contents) { files_[std::move(path)] = contents; }
  void SetStdin(std::string contents) { stdin_ = std::move(contents); }

  Kind Stat(const std::string& path) const override;
  Expected<std::string> ReadFile(const std::string& path) const override;
  Expected<std::vector<std::string>> ListDirectory(const std::string& path) const override;
  Expected<std::string> ReadStdin() const override { return stdin_; }

 private:
  std::map<std::string, std::string> files_;
  std::string stdin_;
};

}  // namespace agw::validate::manifest
