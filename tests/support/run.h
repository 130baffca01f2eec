#pragma once

#include <string>
#include <vector>

namespace agw::test {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `argv` (argv[0] is looked up on PATH) in `working_directory` with `input` on stdin and
// the given extra environment entries ("NAME=value"), and collects its output. Gives up after
// `timeout_seconds` (the child is killed and exit_code is -1).
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input = "",
                         const std::string& working_directory = "",
                         const std::vector<std::string>& environment = {},
                         int timeout_seconds = 60);

// A fresh directory under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Writes `contents` to `relative` (parent directories created); returns the full path.
  std::string Write(const std::string& relative, const std::string& contents) const;

 private:
  std::string path_;
};

}  // namespace agw::test
