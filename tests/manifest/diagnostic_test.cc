#include "validate/manifest/diagnostic.h"

#include <catch2/catch.hpp>

namespace agw::manifest {
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

}  // namespace
}  // namespace agw::manifest
