#include "validate/manifest/loader.h"

#include <catch2/catch.hpp>

namespace agw::validate::manifest {
namespace {

std::string Rendered(const DiagnosticSink& sink) {
  std::string out;
  for (const Diagnostic& d : sink.diagnostics()) {
    out += RenderText(d);
  }
  return out;
}

std::vector<std::string> Ids(const Manifest& manifest) {
  std::vector<std::string> ids;
  for (const Resource& resource : manifest.resources) {
    ids.push_back(resource.id.ToString());
  }
  return ids;
}

constexpr char kSecretA[] =
    "apiVersion: v1\n"
    "kind: Secret\n"
    "metadata:\n"
    "  name: a\n";

TEST_CASE("A directory is read in name order, with only manifest extensions") {
  InMemoryFileSystem fs;
  fs.AddFile("dir/b.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: b}\n");
  fs.AddFile("dir/a.yml", "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\n");
  fs.AddFile("dir/c.json", R"({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "c"}})");
  fs.AddFile("dir/notes.txt", "not a manifest");
  fs.AddFile("dir/sub/d.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: d}\n");
  DiagnosticSink sink;
  LoadOptions options;
  options.paths = {"dir"};
  Manifest manifest = Load(options, fs, sink);
  CHECK(sink.diagnostics().empty());
  CHECK(Ids(manifest) == std::vector<std::string>{"Secret default/a", "Secret default/b",
                                                  "Secret default/c", "Secret default/d"});

  SECTION("without recursion only the top level is read") {
    options.recursive = false;
    Manifest top = Load(options, fs, sink);
    CHECK(Ids(top) ==
          std::vector<std::string>{"Secret default/a", "Secret default/b", "Secret default/c"});
  }
}

TEST_CASE("A file named directly is read whatever its extension") {
  InMemoryFileSystem fs;
  fs.AddFile("secret.txt", kSecretA);
  DiagnosticSink sink;
  LoadOptions options;
  options.paths = {"secret.txt"};
  Manifest manifest = Load(options, fs, sink);
  CHECK(Ids(manifest) == std::vector<std::string>{"Secret default/a"});
}

TEST_CASE("Standard input is read as <stdin>") {
  InMemoryFileSystem fs;
  fs.SetStdin("apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\n  name: b\n");
  DiagnosticSink sink;
  LoadOptions options;
  options.paths = {"-"};
  Manifest manifest = Load(options, fs, sink);
  REQUIRE(manifest.files.size() == 1);
  CHECK(manifest.files[0]->path() == "<stdin>");
  CHECK(Rendered(sink) ==
        "<stdin>:5:3: warning: mapping key already defined at line 4; kubectl keeps this later "
        "value [yaml-duplicate-key]\n"
        " 5 |   name: b\n"
        "   |   ^\n"
        "  hint: delete one of the two\n");
  CHECK(Ids(manifest) == std::vector<std::string>{"Secret default/b"});
}

TEST_CASE("A missing path is an operational error and the other paths still load") {
  InMemoryFileSystem fs;
  fs.AddFile("a.yaml", kSecretA);
  DiagnosticSink sink;
  LoadOptions options;
  options.paths = {"missing.yaml", "a.yaml"};
  Manifest manifest = Load(options, fs, sink);
  REQUIRE(manifest.unreadable.size() == 1);
  CHECK(manifest.unreadable[0].message == "the path \"missing.yaml\" does not exist");
  CHECK(Ids(manifest) == std::vector<std::string>{"Secret default/a"});
}

TEST_CASE("A broken file does not stop the other files") {
  InMemoryFileSystem fs;
  fs.AddFile("dir/a.yaml", "metadata:\n  name: \"x\n");
  fs.AddFile("dir/b.yaml", kSecretA);
  DiagnosticSink sink;
  LoadOptions options;
  options.paths = {"dir"};
  Manifest manifest = Load(options, fs, sink);
  CHECK(Ids(manifest) == std::vector<std::string>{"Secret default/a"});
  CHECK(sink.Count(Severity::kError) == 1);
}

TEST_CASE("Two objects with the same identity are an error naming both places") {
  Manifest manifest;
  DiagnosticSink sink;
  LoadOptions options;
  LoadText(manifest, "one.yaml", kSecretA, options, sink);
  LoadText(manifest, "two.yaml",
           "# the same Secret again\n"
           "apiVersion: v1\n"
           "kind: Secret\n"
           "metadata:\n"
           "  namespace: default\n"
           "  name: a\n",
           options, sink);
  CHECK(Ids(manifest) == std::vector<std::string>{"Secret default/a"});
  CHECK(Rendered(sink) ==
        "two.yaml:6:9: error: duplicate resource Secret default/a [duplicate-resource]\n"
        " 6 |   name: a\n"
        "   |         ^\n"
        "one.yaml:4:9: note: first defined here\n"
        " 4 |   name: a\n"
        "   |         ^\n"
        "  hint: each object may appear once; the later definition is ignored\n");
}

TEST_CASE("The same name in another namespace, group or kind is another object") {
  Manifest manifest;
  DiagnosticSink sink;
  LoadOptions options;
  LoadText(manifest, "a.yaml",
           "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\n"
           "---\n"
           "apiVersion: v1\nkind: Secret\nmetadata: {name: a, namespace: other}\n"
           "---\n"
           "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n"
           "---\n"
           "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: a}\n"
           "---\n"
           "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: HTTPRoute\nmetadata: {name: a}\n",
           options, sink);
  CHECK(Ids(manifest).size() == 4);
  REQUIRE(sink.diagnostics().size() == 1);
  CHECK(sink.diagnostics()[0].message == "duplicate resource HTTPRoute default/a");
}

TEST_CASE("Missing apiVersion, kind and name are errors at the document") {
  Manifest manifest;
  DiagnosticSink sink;
  LoadText(manifest, "bad.yaml",
           "metadata:\n"
           "  name: a\n"
           "---\n"
           "apiVersion: v1\n"
           "metadata:\n"
           "  name: b\n"
           "---\n"
           "apiVersion: v1\n"
           "kind: Secret\n"
           "metadata:\n"
           "  labels: {}\n",
           LoadOptions{}, sink);
  CHECK(manifest.resources.empty());
  CHECK(Rendered(sink) ==
        "bad.yaml:1:1: error: apiVersion not set, kind not set [missing-type]\n"
        " 1 | metadata:\n"
        "   | ^\n"
        "bad.yaml:4:1: error: kind not set [missing-type]\n"
        " 4 | apiVersion: v1\n"
        "   | ^\n"
        "bad.yaml:11:3: error: metadata.name: Required value: name or generateName is required "
        "[missing-name]\n"
        " 11 |   labels: ****\n"
        "    |   ^\n");
}

TEST_CASE("List kinds are expanded into their items") {
  Manifest manifest;
  DiagnosticSink sink;
  LoadText(manifest, "list.yaml",
           "apiVersion: v1\n"
           "kind: List\n"
           "items:\n"
           "- apiVersion: v1\n"
           "  kind: Secret\n"
           "  metadata: {name: a}\n"
           "- apiVersion: gateway.networking.k8s.io/v1\n"
           "  kind: HTTPRouteList\n"
           "  items:\n"
           "  - apiVersion: gateway.networking.k8s.io/v1\n"
           "    kind: HTTPRoute\n"
           "    metadata: {name: r}\n",
           LoadOptions{}, sink);
  CHECK(sink.diagnostics().empty());
  CHECK(Ids(manifest) == std::vector<std::string>{"Secret default/a", "HTTPRoute default/r"});
  CHECK(manifest.resources[1].position.line == 12);
}

TEST_CASE("The -n flag sets the namespace of objects without one and rejects a different one") {
  Manifest manifest;
  DiagnosticSink sink;
  LoadOptions options;
  options.namespace_ = "team";
  options.namespace_explicit = true;
  LoadText(manifest, "a.yaml",
           "apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\n"
           "---\n"
           "apiVersion: v1\nkind: Secret\nmetadata:\n  name: b\n  namespace: other\n"
           "---\n"
           "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\n"
           "metadata:\n  name: agentgateway\n",
           options, sink);
  CHECK(Ids(manifest) ==
        std::vector<std::string>{"Secret team/a", "Secret other/b", "GatewayClass agentgateway"});
  CHECK(Rendered(sink) ==
        "a.yaml:10:14: error: the namespace from the provided object \"other\" does not match "
        "the namespace \"team\". You must pass '--namespace=other' to perform this operation. "
        "[namespace-mismatch]\n"
        " 10 |   namespace: other\n"
        "    |              ^\n");
}

TEST_CASE("Empty documents and empty files are skipped") {
  Manifest manifest;
  DiagnosticSink sink;
  LoadText(manifest, "empty.yaml", "", LoadOptions{}, sink);
  LoadText(manifest, "comments.yaml", "# nothing\n---\n---\n# still nothing\n", LoadOptions{},
           sink);
  CHECK(manifest.resources.empty());
  CHECK(sink.diagnostics().empty());
}

TEST_CASE("A document that is not an object is an error") {
  Manifest manifest;
  DiagnosticSink sink;
  LoadText(manifest, "scalar.yaml", "just text\n", LoadOptions{}, sink);
  CHECK(Rendered(sink) ==
        "scalar.yaml:1:1: error: document is not an object: found string [invalid-document]\n"
        " 1 | just text\n"
        "   | ^\n");
}

}  // namespace
}  // namespace agw::validate::manifest
