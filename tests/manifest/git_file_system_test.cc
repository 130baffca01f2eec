#include "validate/manifest/git_file_system.h"

#include <catch2/catch.hpp>
#include <string>

#include "tests/support/run.h"
#include "validate/manifest/loader.h"

namespace agw::validate::manifest {
namespace {

// A repository with one commit holding manifests/route.yaml, then a working-tree edit.
struct Repository {
  test::TempDir dir;

  Repository() {
    Git({"init", "-q", "-b", "main"});
    dir.Write("manifests/route.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: old\n");
    dir.Write("manifests/notes.txt", "not a manifest\n");
    Git({"add", "."});
    Git({"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "one"});
    dir.Write("manifests/route.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: new\n");
  }
  void Git(std::vector<std::string> args) {
    args.insert(args.begin(), "git");
    test::CommandResult result = test::RunCommand(args, "", dir.path());
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
  }
};

TEST_CASE("git inputs read the committed file and not the working tree") {
  Repository repo;
  DiskFileSystem disk;
  GitAwareFileSystem files(disk, repo.dir.path());
  REQUIRE(files.Verify("git:main:manifests/").has_value());
  CHECK(files.Stat("git:main:manifests") == FileSystem::Kind::kDirectory);
  CHECK(files.Stat("git:main:manifests/route.yaml") == FileSystem::Kind::kFile);
  CHECK(files.Stat("git:main:manifests/missing.yaml") == FileSystem::Kind::kMissing);
  Expected<std::string> text = files.ReadFile("git:HEAD:manifests/route.yaml");
  REQUIRE(text.has_value());
  CHECK(*text == "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: old\n");
  Expected<std::vector<std::string>> entries = files.ListDirectory("git:main:manifests/");
  REQUIRE(entries.has_value());
  CHECK(*entries ==
        std::vector<std::string>{"git:main:manifests/notes.txt", "git:main:manifests/route.yaml"});
  // Paths that are not git inputs still come from the disk.
  CHECK(files.Stat(repo.dir.path() + "/manifests/route.yaml") == FileSystem::Kind::kFile);
}

TEST_CASE("The loader reads a git folder as it reads a folder on disk") {
  Repository repo;
  DiskFileSystem disk;
  GitAwareFileSystem files(disk, repo.dir.path());
  LoadOptions options;
  options.paths = {"git:main:manifests"};
  DiagnosticSink sink;
  Manifest manifest = Load(options, files, sink);
  CHECK(sink.diagnostics().empty());
  REQUIRE(manifest.resources.size() == 1);
  CHECK(manifest.resources[0].id.name == "old");
  CHECK(manifest.files.at(0)->path() == "git:main:manifests/route.yaml");
}

TEST_CASE("A git input with an unknown ref or no ref says why") {
  Repository repo;
  DiskFileSystem disk;
  GitAwareFileSystem files(disk, repo.dir.path());
  Expected<void> unknown = files.Verify("git:no-such-branch:manifests/");
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().message ==
        "git:no-such-branch:manifests/: unknown revision \"no-such-branch\"");
  Expected<void> malformed = files.Verify("git:manifests/");
  REQUIRE_FALSE(malformed.has_value());
  CHECK(
      malformed.error().message ==
      "\"git:manifests/\" is not a git input: write git:REF:PATH, e.g. git:origin/main:manifests/");
  Expected<void> option = files.Verify("git:--output=x:manifests/");
  REQUIRE_FALSE(option.has_value());
  CHECK(option.error().message == "\"git:--output=x:manifests/\": a git ref cannot start with '-'");
}

}  // namespace
}  // namespace agw::validate::manifest
