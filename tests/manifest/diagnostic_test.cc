#include "validate/manifest/diagnostic.h"

#include <catch2/catch.hpp>

namespace agw::validate::manifest {
namespace {

TEST_CASE("A finding renders GCC-style with the source line, caret and hint") {
  SourceFile file("routes.yaml", "a: 1\n  b:\tvalue\r\nc: 3");
  Diagnostic d;
  d.code = "example";
  d.message = "something is off";
  d.position = Position{&file, 2, 6};
  d.hint = "try something else";
  CHECK(RenderText(d) ==
        "routes.yaml:2:6: error: something is off [example]\n"
        " 2 |   b: value\n"
        "   |      ^\n"
        "  hint: try something else\n");
}

TEST_CASE("A finding without a position renders its message alone") {
  Diagnostic d;
  d.severity = Severity::kWarning;
  d.code = "w";
  d.message = "no place";
  CHECK(RenderText(d) == "<unknown>: warning: no place [w]\n");
}

TEST_CASE("Findings sort by file load order, then line and column") {
  SourceFile first("b.yaml", "x\ny\n");
  SourceFile second("a.yaml", "x\n");
  std::vector<Diagnostic> findings(3);
  findings[0].message = "second file";
  findings[0].position = Position{&second, 1, 1};
  findings[1].message = "first file, line 2";
  findings[1].position = Position{&first, 2, 1};
  findings[2].message = "first file, line 1";
  findings[2].position = Position{&first, 1, 1};
  SortDiagnostics(findings, {&first, &second});
  CHECK(findings[0].message == "first file, line 1");
  CHECK(findings[1].message == "first file, line 2");
  CHECK(findings[2].message == "second file");
}

TEST_CASE("A finding converts to JSON with its position and notes") {
  SourceFile file("a.yaml", "a: 1\n");
  Diagnostic d;
  d.code = "c";
  d.message = "m";
  d.position = Position{&file, 1, 4};
  d.field_path = "a";
  d.notes.push_back(Note{Position{&file, 1, 1}, "see here"});
  CHECK(ToJson(d).dump() ==
        R"({"severity":"error","code":"c","message":"m","file":"a.yaml","line":1,"column":4,)"
        R"("field":"a","resource":"","notes":[{"message":"see here","file":"a.yaml","line":1,)"
        R"("column":1}]})");
}

// Every line of `file` as an excerpt would show it.
std::string Shown(const SourceFile& file) {
  std::string out;
  for (int line = 1; line <= file.LineCount(); ++line) {
    out += std::string(file.ShownLine(line)) + "\n";
  }
  return out;
}

TEST_CASE("A Secret's lines keep their keys and indentation and mask every value") {
  SourceFile file("secret.yaml",
                  "apiVersion: v1\n"
                  "kind: Secret\n"
                  "metadata:\n"
                  "  name: s\n"
                  "  labels:\n"
                  "    team: a\n"
                  "# old key: sk-old\n"
                  "stringData:\n"
                  "  token: sk-one # a comment\n"
                  "  list:\n"
                  "  - sk-two\n"
                  "  map:\n"
                  "    sk-three: x\n"
                  "  pem: |\n"
                  "    sk-four\n"
                  "  quoted: \"sk-five\n"
                  "    sk-six: still quoted\"\n"
                  "  'quoted key': sk-seven\n"
                  "  name: sk-eight\n"
                  "---\n"
                  "kind: ConfigMap\n"
                  "data:\n"
                  "  shown: yes\n");
  CHECK(Shown(file) ==
        "apiVersion: v1\n"
        "kind: Secret\n"
        "metadata:\n"
        "  name: s\n"
        "  labels:\n"
        "    ****\n"
        "# ****\n"
        "stringData:\n"
        "  token: ****\n"
        "  list:\n"
        "  ****\n"
        "  map:\n"
        "    ****\n"
        "  pem: ****\n"
        "    ****\n"
        "  quoted: ****\n"
        "    ****\n"
        "  'quoted key': ****\n"
        "  name: ****\n"
        "---\n"
        "kind: ConfigMap\n"
        "data:\n"
        "  shown: yes\n");
  CHECK(file.InSecretDocument(1));
  CHECK(file.InSecretDocument(19));
  CHECK_FALSE(file.InSecretDocument(21));
}

TEST_CASE("A caret inside a masked value points at the mask") {
  SourceFile file("secret.yaml", "kind: Secret\nstringData:\n  token: !!int sk-one\n");
  Diagnostic d;
  d.code = "yaml-syntax";
  d.message = "cannot decode !!str `****` as a !!int";
  d.position = Position{&file, 3, 17};
  CHECK(RenderText(d) ==
        "secret.yaml:3:17: error: cannot decode !!str `****` as a !!int [yaml-syntax]\n"
        " 3 |   token: ****\n"
        "   |          ^\n");
}

TEST_CASE("What counts as a Secret document is decided from the text, conservatively") {
  auto secret = [](std::string text) {
    SourceFile file("f.yaml", text);
    return file.InSecretDocument(1);
  };
  CHECK(secret("kind: Secret\n"));
  CHECK(secret("\"kind\": 'secret'\n"));
  CHECK(secret("kind: !!str Secret\n"));
  CHECK(secret("apiVersion: v1\nkind: Secret  # broken\n\tdata: x\n"));
  CHECK(secret("apiVersion: v1\nkind: Secert\nstringData:\n  a: b\n"));  // misspelt kind
  CHECK(secret("{\"apiVersion\": \"v1\", \"kind\": \"Secret\"}\n"));
  CHECK(secret("kind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n"));
  CHECK_FALSE(
      secret("kind: Gateway\nspec:\n  listeners:\n  - tls:\n      certificateRefs:\n"
             "      - kind: Secret\n        name: cert\n"));
  CHECK_FALSE(secret("kind: SealedSecret\n"));
}

}  // namespace
}  // namespace agw::validate::manifest
