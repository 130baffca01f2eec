// The process runner (process.h) with real processes: output, limits, the environment it is
// given and nothing more, and the difference between a missing and a non-executable program.

#include "validate/manifest/process.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "tests/support/run.h"

namespace agw::validate::manifest {
namespace {

ProcessSpec Shell(const std::string& script) {
  ProcessSpec spec;
  spec.program = "sh";
  spec.args = {"-c", script};
  spec.search_path = "/usr/bin:/bin";
  spec.environment = {"PATH=/usr/bin:/bin", "GREETING=hello"};
  return spec;
}

TEST_CASE("The process runner captures stdout and the exit status with only the given env") {
  SubprocessRunner runner;
  Expected<ProcessResult> result =
      runner.Run(Shell("printf '%s %s' \"$GREETING\" \"${HOME:-unset}\"; echo oops >&2; exit 3"));
  REQUIRE(result.has_value());
  CHECK(result->outcome == ProcessResult::Outcome::kExited);
  CHECK(result->exit_code == 3);
  CHECK(result->stdout_text == "hello unset");
  CHECK(result->stderr_tail == "oops\n");
}

TEST_CASE("The process runner keeps the tail of stderr and reads stdin as empty") {
  SubprocessRunner runner;
  ProcessSpec spec = Shell("cat; i=0; while [ $i -lt 2000 ]; do echo err$i >&2; i=$((i+1)); done");
  spec.max_stderr_bytes = 16;
  Expected<ProcessResult> result = runner.Run(spec);
  REQUIRE(result.has_value());
  CHECK(result->stdout_text.empty());
  CHECK(result->stderr_tail == "err1998\nerr1999\n");
}

TEST_CASE("The process runner kills a process that runs too long or prints too much") {
  SubprocessRunner runner;
  ProcessSpec slow = Shell("sleep 5");
  slow.timeout = std::chrono::milliseconds(200);
  auto start = std::chrono::steady_clock::now();
  Expected<ProcessResult> result = runner.Run(slow);
  REQUIRE(result.has_value());
  CHECK(result->outcome == ProcessResult::Outcome::kTimedOut);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  ProcessSpec chatty =
      Shell("while :; do echo yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy; done");
  chatty.max_stdout_bytes = 100000;
  result = runner.Run(chatty);
  REQUIRE(result.has_value());
  CHECK(result->outcome == ProcessResult::Outcome::kStdoutTooLarge);
  CHECK(result->stdout_text.size() == 100000);
}

TEST_CASE("The process runner tells a missing program from one that cannot be executed") {
  SubprocessRunner runner;
  ProcessSpec spec = Shell("");
  spec.program = "no-such-program-agw";
  CHECK(runner.Run(spec)->outcome == ProcessResult::Outcome::kNotFound);
  spec.program = "/nonexistent/dir/plugin";
  CHECK(runner.Run(spec)->outcome == ProcessResult::Outcome::kNotFound);
  test::TempDir dir;
  std::string path = dir.Write("plugin", "#!/bin/sh\necho hi\n");
  ::chmod(path.c_str(), 0644);
  spec.program = path;
  Expected<ProcessResult> result = runner.Run(spec);
  CHECK(result->outcome == ProcessResult::Outcome::kNotExecutable);
  CHECK(result->error == "Permission denied");
  ::chmod(path.c_str(), 0755);
  spec.args.clear();
  result = runner.Run(spec);
  CHECK(result->outcome == ProcessResult::Outcome::kExited);
  CHECK(result->stdout_text == "hi\n");
}

TEST_CASE("The process runner hands the child only stdin stdout and stderr") {
  int leaked = ::open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
  REQUIRE(leaked >= 3);
  SubprocessRunner runner;
  std::string fd = std::to_string(leaked);
  Expected<ProcessResult> result = runner.Run(
      Shell("if [ -e /proc/self/fd/" + fd + " ]; then echo inherited; else echo closed; fi"));
  ::close(leaked);
  REQUIRE(result.has_value());
  CHECK(result->stdout_text == "closed\n");
}

}  // namespace
}  // namespace agw::validate::manifest
