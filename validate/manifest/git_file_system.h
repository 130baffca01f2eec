#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "validate/manifest/file_system.h"

namespace agw::validate::manifest {

// Inputs named `git:REF:PATH` read from a commit through the git CLI (so CI can compare a
// branch with its base without a second checkout); every other path from `disk`. PATH is
// relative to the current directory, as `-f` paths are (git's `REF:./PATH`); a git ref cannot
// contain ':', so the first ':' after the ref ends it. Folders list their entries as
// `git:REF:PATH/NAME`, so positions in findings name the commit. Borrows `disk`. git runs in
// `working_directory` ("" for the current one).
class GitAwareFileSystem : public FileSystem {
 public:
  explicit GitAwareFileSystem(const FileSystem& disk, std::string working_directory = "")
      : disk_(disk), working_directory_(std::move(working_directory)) {}

  static bool IsGitPath(std::string_view path) { return path.substr(0, 4) == "git:"; }

  // Whether git can read the ref of `path` (a `git:` path) in the current directory: the
  // error says why not (git missing, not a repository, unknown revision, malformed path).
  Expected<void> Verify(const std::string& path) const;

  Kind Stat(const std::string& path) const override;
  Expected<std::string> ReadFile(const std::string& path) const override;
  Expected<std::vector<std::string>> ListDirectory(const std::string& path) const override;
  Expected<std::string> ReadStdin() const override { return disk_.ReadStdin(); }

 private:
  struct GitOutput {
    int exit_code = 0;
    std::string output;
    std::string error_text;  // the end of stderr
  };
  Expected<GitOutput> Git(std::vector<std::string> args) const;

  const FileSystem& disk_;
  std::string working_directory_;
};

}  // namespace agw::validate::manifest
