#include "validate/manifest/symptoms.h"

#include <catch2/catch.hpp>

#include "validate/manifest/loader.h"
#include "validate/manifest/yaml_reader.h"

namespace agw::validate::manifest {
namespace {

std::string Rendered(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const Diagnostic& d : diagnostics) {
    out += RenderText(d);
  }
  return out;
}

struct Parsed {
  std::unique_ptr<SourceFile> file;
  std::vector<Document> documents;
  std::vector<BrokenDocument> broken;
  DiagnosticSink sink;
};

std::unique_ptr<Parsed> Parse(std::string text) {
  auto parsed = std::make_unique<Parsed>();
  parsed->file = std::make_unique<SourceFile>("in.yaml", std::move(text));
  parsed->documents = ParseDocuments(*parsed->file, parsed->sink, &parsed->broken);
  return parsed;
}

constexpr char kRoute[] =
    "apiVersion: gateway.networking.k8s.io/v1\n"
    "kind: HTTPRoute\n"
    "metadata:\n"
    "  name: r\n"
    "spec:\n"
    "  parentRefs:\n"
    "    - name: gw\n";

TEST_CASE("Heredoc lines around a manifest are shell lines and the manifest between is not") {
  SourceFile file("in.yaml", std::string("kubectl apply -f - <<'EOF'\n") + kRoute + "EOF\n");
  std::vector<ShellLine> lines = FindShellLines(file);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].kind == ShellLine::Kind::kHeredocStart);
  CHECK(lines[0].line == 1);
  CHECK(lines[0].last_line == 1);
  CHECK(lines[0].delimiter == "EOF");
  CHECK(lines[0].end_line == 9);
  CHECK(Rendered(DescribeShellLines(file, lines)) ==
        "in.yaml:1:1: error: `kubectl apply -f - <<'EOF'` is a shell command copied along with "
        "the manifest, not YAML [shell-heredoc]\n"
        " 1 | kubectl apply -f - <<'EOF'\n"
        "   | ^\n"
        "in.yaml:9:1: note: the heredoc ends here: `EOF` is not YAML either\n"
        " 9 | EOF\n"
        "   | ^\n"
        "  hint: delete this line and line 9; the YAML between them is checked as if they were "
        "not there\n");
}

TEST_CASE("The usual shapes of a pasted command are recognised") {
  SourceFile file("in.yaml",
                  "cat <<EOF | kubectl apply -f -\n"
                  "a: 1\n"
                  "END\n"  // not this heredoc's end
                  "EOF\n"
                  "$ kubectl get gateways -A\n"
                  "kubectl create secret generic key \\\n"
                  "  --from-literal=Authorization=sk-secret\n"
                  "kubectl apply -f- <<-END\n"
                  "b: 2\n"
                  "\t\tEND\n"
                  "EOF\n");
  std::vector<ShellLine> lines = FindShellLines(file);
  REQUIRE(lines.size() == 5);
  CHECK(lines[0].kind == ShellLine::Kind::kHeredocStart);
  CHECK(lines[0].end_line == 4);
  CHECK(lines[1].kind == ShellLine::Kind::kCommand);
  CHECK(lines[1].line == 5);
  CHECK(lines[2].kind == ShellLine::Kind::kCommand);
  CHECK(lines[2].line == 6);
  CHECK(lines[2].last_line == 7);
  CHECK(lines[3].kind == ShellLine::Kind::kHeredocStart);
  CHECK(lines[3].delimiter == "END");
  CHECK(lines[3].end_line == 10);  // <<- allows tabs before the end word
  CHECK(lines[4].kind == ShellLine::Kind::kHeredocEnd);
  CHECK(lines[4].line == 11);

  std::vector<Diagnostic> found = DescribeShellLines(file, lines);
  REQUIRE(found.size() == 5);
  CHECK(found[1].code == "shell-command");
  CHECK(found[1].message ==
        "`$ kubectl get gateways -A` is a shell command copied along with the manifest, not YAML");
  // A secret given on the command line is never quoted.
  CHECK(found[2].message ==
        "`kubectl create secret generic key ...` is a shell command copied along with the "
        "manifest, not YAML");
  CHECK(found[2].hint == "delete lines 6-7");
  CHECK(found[4].message ==
        "`EOF` ends a shell heredoc (`<<EOF`) copied along with the manifest, not YAML");
  CHECK(found[4].hint == "delete this line");
}

TEST_CASE("A pasted command is never quoted up to an argument that may hold a secret") {
  SourceFile file(
      "in.yaml",
      "$ curl -H \"Authorization: Bearer sk-abc\" localhost:8080/openai\n"
      "$ kubectl get secret key -o yaml --token sk-proj-A1b2C3d4E5f6G7h8I9j0K1l2M3n4\n");
  std::vector<Diagnostic> found = DescribeShellLines(file, FindShellLines(file));
  REQUIRE(found.size() == 2);
  CHECK(found[0].message ==
        "`$ curl -H ...` is a shell command copied along with the manifest, not YAML");
  CHECK(found[1].message ==
        "`$ kubectl get secret key -o yaml --token ...` is a shell command copied along with the "
        "manifest, not YAML");
}

TEST_CASE("YAML that merely resembles a command is not a shell line") {
  SourceFile file("in.yaml",
                  "<<: *base\n"
                  "kubectl: apply\n"
                  "cat: <<EOF\n"
                  "script: |\n"
                  "  kubectl apply -f - <<EOF\n"
                  "  EOF\n"
                  "description: run kubectl apply <<EOF\n"
                  "$schema: x\n"
                  "EOFS: 1\n");
  CHECK(FindShellLines(file).empty());
}

TEST_CASE("A manifest in a heredoc is read as if the shell lines were not there") {
  auto parsed = Parse(std::string("kubectl apply -f - <<EOF\n") + kRoute + "EOF\n");
  REQUIRE(parsed->documents.size() == 1);
  CHECK(parsed->documents[0].root.Find("kind")->text() == "HTTPRoute");
  CHECK(parsed->broken.empty());
  REQUIRE(parsed->sink.diagnostics().size() == 1);
  CHECK(parsed->sink.diagnostics()[0].code == "shell-heredoc");
}

TEST_CASE("Two heredocs in one file are two documents and the hint keeps them apart") {
  std::string text = std::string("kubectl apply -f - <<EOF\n") + kRoute +
                     "EOF\n"
                     "kubectl apply -f - <<EOF\n" +
                     kRoute + "EOF\n";
  auto parsed = Parse(text);
  REQUIRE(parsed->documents.size() == 2);
  CHECK(parsed->documents[1].start.line == 11);
  const std::vector<Diagnostic>& found = parsed->sink.diagnostics();
  REQUIRE(found.size() == 2);
  CHECK(found[0].hint ==
        "delete this line and line 9; the YAML between them is checked as if they were not "
        "there");
  CHECK(found[1].position.line == 10);
  CHECK(found[1].hint ==
        "replace this line with a `---` line (it stands between two manifests), and delete line "
        "18; the YAML between them is checked as if they were not there");
}

TEST_CASE("A JSON manifest in a heredoc is still read as JSON") {
  auto parsed = Parse("kubectl apply -f - <<EOF\n{\"a\": 1}\nEOF\n");
  REQUIRE(parsed->documents.size() == 1);
  CHECK(parsed->documents[0].root.Find("a")->int_value() == 1);
  CHECK(parsed->documents[0].root.Find("a")->position().line == 2);
}

constexpr char kFlatRoute[] =
    "# copied from a web page\n"
    "apiVersion: gateway.networking.k8s.io/v1\n"
    "kind: HTTPRoute\n"
    "metadata:\n"
    "name: openai-route\n"
    "namespace: ai\n"
    "spec:\n"
    "parentRefs:\n"
    "- name: ai-gateway\n"
    "rules:\n"
    "- backendRefs:\n"
    "- kind: AgentgatewayBackend\n"
    "name: openai-backend\n";

TEST_CASE("A document whose lines all start at column 0 lost its indentation") {
  SourceFile file("in.yaml", kFlatRoute);
  std::optional<Diagnostic> lost = FindLostIndentation(file, file.text(), 1);
  REQUIRE(lost);
  CHECK(RenderText(*lost) ==
        "in.yaml:5:1: error: the indentation of this document was lost (every line starts at "
        "column 0): `name` belongs under `metadata:` and `parentRefs` under `spec:`, but YAML "
        "reads them as top-level fields [indentation-lost]\n"
        " 5 | name: openai-route\n"
        "   | ^\n"
        "  hint: copying from a web page can drop leading spaces: indent each section's fields "
        "again (two spaces per level), or copy the manifest from its raw source; the rest of "
        "this document is not checked until then\n");
}

TEST_CASE("A section whose fields alone lost their indentation is named") {
  SourceFile file("in.yaml",
                  "apiVersion: v1\n"
                  "kind: Secret\n"
                  "metadata:\n"
                  "  name: key\n"
                  "stringData:\n"
                  "Authorization: Bearer x\n");
  std::optional<Diagnostic> lost = FindLostIndentation(file, file.text(), 1);
  REQUIRE(lost);
  CHECK(lost->position.line == 6);
  CHECK(lost->message ==
        "the indentation of this document was lost in places: `Authorization` belongs under "
        "`stringData:`, but YAML reads it as a top-level field");
}

TEST_CASE("Empty sections and sequences at the margin are not lost indentation") {
  SourceFile file("in.yaml",
                  "apiVersion: gateway.networking.k8s.io/v1\n"
                  "kind: Gateway\n"
                  "metadata:\n"
                  "spec:\n"
                  "  listeners:\n"
                  "  - name: http\n"
                  "status:\n"
                  "data:\n"
                  "- a\n");
  CHECK_FALSE(FindLostIndentation(file, file.text(), 1));
}

TEST_CASE("A document indented with non-breaking spaces is named as such") {
  SourceFile file("in.yaml",
                  "apiVersion: v1\n"
                  "kind: Service\n"
                  "metadata:\n"
                  "\xC2\xA0\xC2\xA0name: echo\n"
                  "spec:\n"
                  "\xC2\xA0\xC2\xA0ports:\n"
                  "\xC2\xA0\xC2\xA0- port: 80\n");
  std::optional<Diagnostic> found = FindNonBreakingIndentation(file, file.text(), 1);
  REQUIRE(found);
  CHECK(found->code == "indentation-nbsp");
  CHECK(found->position.ToString() == "in.yaml:4:1");
  CHECK(found->message ==
        "this document is indented with non-breaking spaces (U+00A0, on 3 lines), as web pages "
        "show spaces: YAML reads them as part of the keys, not as indentation");
  CHECK(found->hint ==
        "replace them with plain spaces, or copy the manifest from its raw source; the rest of "
        "this document is not checked until then");

  auto parsed = Parse(file.text());
  CHECK(parsed->documents.empty());
  REQUIRE(parsed->broken.size() == 1);
  CHECK(parsed->broken[0].kind == "Service");
  CHECK(parsed->broken[0].name == "echo");
}

TEST_CASE("A non-breaking space inside a value is not indentation") {
  SourceFile file("in.yaml",
                  "data:\n"
                  "  text: |\n"
                  "    \xC2\xA0a paragraph\n"
                  "  other: \xC2\xA0x\n");
  CHECK_FALSE(FindNonBreakingIndentation(file, file.text(), 1));
}

TEST_CASE("A document that lost its indentation is left out with one finding") {
  auto parsed = Parse(std::string(kRoute) + "---\n" + kFlatRoute);
  REQUIRE(parsed->documents.size() == 1);
  REQUIRE(parsed->sink.diagnostics().size() == 1);
  CHECK(parsed->sink.diagnostics()[0].code == "indentation-lost");
  CHECK(parsed->sink.diagnostics()[0].position.line == 13);
  REQUIRE(parsed->broken.size() == 1);
  const BrokenDocument& broken = parsed->broken[0];
  CHECK(broken.start.line == 9);
  CHECK(broken.last_line == 21);
  CHECK(broken.kind == "HTTPRoute");
  CHECK(broken.name == "openai-route");
  CHECK(broken.namespace_ == "ai");
  CHECK(broken.names == std::vector<std::string>{"openai-route", "ai-gateway", "openai-backend"});
}

TEST_CASE("A document with a syntax error is left out and read for what it names") {
  auto parsed = Parse(
      "apiVersion: agentgateway.dev/v1alpha1\n"
      "kind: AgentgatewayBackend\n"
      "metadata:\n"
      "  name: \"anthropic\"  # the provider\n"
      "spec:\n"
      "  ai:\n"
      "    provider:\n"
      "      anthropic:\n"
      "\tmodel: claude\n");
  CHECK(parsed->documents.empty());
  REQUIRE(parsed->broken.size() == 1);
  CHECK(parsed->broken[0].api_version == "agentgateway.dev/v1alpha1");
  CHECK(parsed->broken[0].kind == "AgentgatewayBackend");
  CHECK(parsed->broken[0].name == "anthropic");
  CHECK(parsed->broken[0].namespace_.empty());
  CHECK(parsed->broken[0].last_line == 9);
}

TEST_CASE("A document go-yaml refuses midway is left out too") {
  // yaml-cpp reads on after a tag that does not fit; go-yaml, so kubectl, stops there.
  auto parsed = Parse(
      "apiVersion: gateway.networking.k8s.io/v1\n"
      "kind: Gateway\n"
      "metadata:\n"
      "  name: gw\n"
      "spec:\n"
      "  listeners:\n"
      "    - port: !!int 80x\n"
      "---\n" +
      std::string(kRoute));
  REQUIRE(parsed->documents.size() == 1);
  CHECK(parsed->documents[0].root.Find("kind")->text() == "HTTPRoute");
  REQUIRE(parsed->broken.size() == 1);
  CHECK(parsed->broken[0].kind == "Gateway");
  REQUIRE(parsed->sink.diagnostics().size() == 1);
  CHECK(parsed->sink.diagnostics()[0].message == "cannot decode !!str `80x` as a !!int");
}

TEST_CASE("Documents after a bad separator are read for what they name") {
  auto parsed = Parse(std::string(kRoute) + "--- x\n" + kRoute + "---\n" + kRoute);
  CHECK(parsed->documents.size() == 1);
  REQUIRE(parsed->broken.size() == 2);
  CHECK(parsed->broken[0].start.line == 9);
  CHECK(parsed->broken[1].start.line == 17);
}

TEST_CASE("The loader gives a broken document the namespace kubectl would") {
  Manifest manifest;
  DiagnosticSink sink;
  LoadOptions options;
  options.namespace_ = "team";
  LoadText(manifest, "in.yaml",
           "apiVersion: gateway.networking.k8s.io/v1\n"
           "kind: Gateway\n"
           "metadata:\n"
           "  name: gw\n"
           "spec: [\n"
           "---\n"
           "apiVersion: gateway.networking.k8s.io/v1\n"
           "kind: GatewayClass\n"
           "metadata:\n"
           "  name: agw\n"
           "  namespace: ignored\n"
           "spec: [\n",
           options, sink);
  REQUIRE(manifest.broken_documents.size() == 2);
  CHECK(manifest.broken_documents[0].namespace_ == "team");
  CHECK(manifest.broken_documents[1].namespace_.empty());
}

Diagnostic Finding(std::string code, std::string message, std::string resource) {
  Diagnostic d;
  d.code = std::move(code);
  d.message = std::move(message);
  d.resource = std::move(resource);
  return d;
}

TEST_CASE("Findings that only follow from a broken document are told from real ones") {
  BrokenDocument backend;
  backend.kind = "AgentgatewayBackend";
  backend.namespace_ = "ai";
  backend.name = "anthropic";
  backend.names = {"anthropic", "anthropic-key"};
  BrokenDocument route;
  route.kind = "HTTPRoute";
  route.namespace_ = "ai";
  route.name = "chat";
  route.names = {"chat", "gw", "openai"};
  std::vector<BrokenDocument> broken = {backend, route};

  // A reference to the broken object.
  CHECK(FollowsFromBrokenDocument(
      Finding("BackendNotFound", "Backend not found: ai/anthropic", "HTTPRoute ai/r"), broken));
  CHECK(FollowsFromBrokenDocument(
      Finding("not-in-manifest-set",
              "AgentgatewayBackend ai/anthropic is not in the manifest set; assuming it exists "
              "on the cluster",
              "HTTPRoute ai/r"),
      broken));
  // An object the broken route uses.
  CHECK(FollowsFromBrokenDocument(
      Finding("unused-backend", "no route or policy uses AgentgatewayBackend ai/openai",
              "AgentgatewayBackend ai/openai"),
      broken));
  CHECK(FollowsFromBrokenDocument(
      Finding("unused-listener",
              "no route attaches to listener \"http\" (port 80): requests to "
              "it get 404",
              "Gateway ai/gw"),
      broken));

  // Another object of the same name, a longer name, another namespace, another finding.
  CHECK_FALSE(FollowsFromBrokenDocument(
      Finding("parent-not-found",
              "Gateway ai/chat not found: this parentRef attaches the route "
              "to nothing",
              "HTTPRoute ai/r"),
      broken));
  CHECK_FALSE(FollowsFromBrokenDocument(
      Finding("BackendNotFound", "Backend not found: ai/anthropic-2", "HTTPRoute ai/r"), broken));
  CHECK_FALSE(FollowsFromBrokenDocument(
      Finding("BackendNotFound", "Backend not found: other/anthropic", "HTTPRoute ai/r"), broken));
  CHECK_FALSE(FollowsFromBrokenDocument(
      Finding("unused-backend", "no route or policy uses AgentgatewayBackend ai/xai",
              "AgentgatewayBackend ai/xai"),
      broken));
  CHECK_FALSE(FollowsFromBrokenDocument(
      Finding("literal-api-key", "the key is written in the manifest", "Secret ai/openai"),
      broken));
  CHECK_FALSE(FollowsFromBrokenDocument(
      Finding("BackendNotFound", "Backend not found: ai/anthropic", "HTTPRoute ai/r"), {}));
}

}  // namespace
}  // namespace agw::validate::manifest
