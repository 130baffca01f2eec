#include "validate/manifest/git_file_system.h"

#include <cstdlib>

#include "validate/manifest/process.h"

extern char** environ;

namespace agw::validate::manifest {
namespace {

struct GitPath {
  std::string ref;
  std::string path;  // relative to the current directory; "" for the current directory

  // git's object name for it: `REF:./PATH`.
  std::string Object() const { return ref + ":./" + path; }
};

Expected<GitPath> Split(const std::string& path) {
  std::string_view rest = std::string_view(path).substr(4);
  std::size_t colon = rest.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return MakeError("\"" + path + "\" is not a git input: write git:REF:PATH, e.g. " +
                     "git:origin/main:manifests/");
  }
  GitPath split{std::string(rest.substr(0, colon)), std::string(rest.substr(colon + 1))};
  while (split.path.size() > 1 && split.path.back() == '/') {
    split.path.pop_back();
  }
  if (split.path == "." || split.path == "/") {
    split.path.clear();
  }
  if (split.ref.front() == '-') {
    return MakeError("\"" + path + "\": a git ref cannot start with '-'");
  }
  return split;
}

std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  return line.empty() ? "git failed" : line;
}

}  // namespace

Expected<GitAwareFileSystem::GitOutput> GitAwareFileSystem::Git(
    std::vector<std::string> args) const {
  ProcessSpec spec;
  spec.program = "git";
  spec.args = std::move(args);
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    spec.environment.emplace_back(*entry);
  }
  const char* path = std::getenv("PATH");
  spec.search_path = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  spec.working_directory = working_directory_;
  spec.max_stdout_bytes = std::size_t{64} << 20;  // the loader's own limit on one file
  SubprocessRunner runner;
  Expected<ProcessResult> ran = runner.Run(spec);
  if (!ran) {
    return tl::unexpected(ran.error());
  }
  switch (ran->outcome) {
    case ProcessResult::Outcome::kExited:
      return GitOutput{ran->exit_code, std::move(ran->stdout_text), std::move(ran->stderr_tail)};
    case ProcessResult::Outcome::kNotFound:
      return MakeError("git is not installed (it reads git:REF:PATH inputs)");
    case ProcessResult::Outcome::kNotExecutable:
      return MakeError("cannot run git: " + ran->error);
    case ProcessResult::Outcome::kTimedOut:
      return MakeError("git did not finish within 30 s");
    case ProcessResult::Outcome::kStdoutTooLarge:
      return MakeError("git wrote more than 64 MiB");
    case ProcessResult::Outcome::kSignaled:
      break;
  }
  return MakeError("git was killed by signal " + std::to_string(ran->signal));
}

Expected<void> GitAwareFileSystem::Verify(const std::string& path) const {
  Expected<GitPath> split = Split(path);
  if (!split) {
    return tl::unexpected(split.error());
  }
  Expected<GitOutput> ran =
      Git({"rev-parse", "--verify", "--quiet", "--end-of-options", split->ref + "^{commit}"});
  if (!ran) {
    return MakeError(path + ": " + ran.error().message);
  }
  if (ran->exit_code != 0) {
    std::string why = ran->error_text.empty() ? "unknown revision \"" + split->ref + "\""
                                              : FirstLine(ran->error_text);
    return MakeError(path + ": " + why);
  }
  return {};
}

FileSystem::Kind GitAwareFileSystem::Stat(const std::string& path) const {
  if (!IsGitPath(path)) {
    return disk_.Stat(path);
  }
  Expected<GitPath> split = Split(path);
  if (!split) {
    return Kind::kMissing;
  }
  Expected<GitOutput> ran = Git({"cat-file", "-t", split->Object()});
  if (!ran || ran->exit_code != 0) {
    return Kind::kMissing;
  }
  if (ran->output == "tree\n") {
    return Kind::kDirectory;
  }
  if (ran->output == "blob\n") {
    return Kind::kFile;
  }
  return Kind::kMissing;
}

Expected<std::string> GitAwareFileSystem::ReadFile(const std::string& path) const {
  if (!IsGitPath(path)) {
    return disk_.ReadFile(path);
  }
  Expected<GitPath> split = Split(path);
  if (!split) {
    return tl::unexpected(split.error());
  }
  Expected<GitOutput> ran = Git({"cat-file", "blob", split->Object()});
  if (!ran) {
    return MakeError("cannot read " + path + ": " + ran.error().message);
  }
  if (ran->exit_code != 0) {
    return MakeError("cannot read " + path + ": " + FirstLine(ran->error_text));
  }
  return std::move(ran->output);
}

Expected<std::vector<std::string>> GitAwareFileSystem::ListDirectory(
    const std::string& path) const {
  if (!IsGitPath(path)) {
    return disk_.ListDirectory(path);
  }
  Expected<GitPath> split = Split(path);
  if (!split) {
    return tl::unexpected(split.error());
  }
  Expected<GitOutput> ran = Git({"ls-tree", "--name-only", "-z", split->Object()});
  if (!ran) {
    return MakeError("cannot list " + path + ": " + ran.error().message);
  }
  if (ran->exit_code != 0) {
    return MakeError("cannot list " + path + ": " + FirstLine(ran->error_text));
  }
  std::string prefix = "git:" + split->ref + ":" + (split->path.empty() ? "" : split->path + "/");
  std::vector<std::string> entries;
  const std::string& names = ran->output;
  for (std::size_t start = 0; start < names.size();) {
    std::size_t end = names.find('\0', start);
    if (end == std::string::npos) {
      end = names.size();
    }
    if (end > start) {
      entries.push_back(prefix + names.substr(start, end - start));
    }
    start = end + 1;
  }
  return entries;
}

}  // namespace agw::validate::manifest
