// Pins whole reports for one fixed run in every CI format, and the escaping rules each format has.

#include "validate/report/report.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/paths.h"

namespace agw::validate::report {
namespace {

using validate::manifest::Diagnostic;
using validate::manifest::Note;
using validate::manifest::Position;
using validate::manifest::Severity;
using validate::manifest::SourceFile;

// One run over three files: a YAML syntax error (no resource), a duplicate Gateway with a note
// and a hint, and an HTTPRoute with a warning and a type error. The SourceFiles outlive the
// findings that point into them, as a Manifest's do.
class Run {
 public:
  Run() {
    input_.tool_version = "v1.2.3";
    input_.files = {"broken.yaml", "gw.yaml", "routes.yaml"};
    input_.resources = {{"Gateway default/gw", "gw.yaml", 4},
                        {"HTTPRoute default/openai", "routes.yaml", 4}};

    Diagnostic syntax;
    syntax.code = "yaml-syntax";
    syntax.message = "mapping values are not allowed in this context";
    syntax.position = Position{&broken_, 2, 4};

    Diagnostic duplicate;
    duplicate.code = "duplicate-resource";
    duplicate.message = "duplicate resource Gateway default/gw";
    duplicate.position = Position{&gw_, 11, 9};
    duplicate.resource = "Gateway default/gw";
    duplicate.hint = "each object may appear once; the later definition is ignored";
    duplicate.notes.push_back(Note{Position{&gw_, 4, 9}, "first defined here"});

    Diagnostic warning;
    warning.severity = Severity::kWarning;
    warning.code = "single-backend";
    warning.message = "spec.parentRefs[0]: 100% of requests go to one gateway, none elsewhere";
    warning.position = Position{&routes_, 7, 5};
    warning.resource = "HTTPRoute default/openai";
    warning.field_path = "spec.parentRefs[0]";

    Diagnostic type;
    type.code = "invalid-type";
    type.message =
        "spec.parentRefs[0].port: Invalid value: \"string\": spec.parentRefs[0].port in body "
        "must be of type integer: \"string\"";
    type.position = Position{&routes_, 8, 11};
    type.resource = "HTTPRoute default/openai";
    type.field_path = "spec.parentRefs[0].port";

    input_.findings = {syntax, duplicate, warning, type};
  }

  const ReportInput& input() const { return input_; }

 private:
  SourceFile broken_{"broken.yaml", "a: b\n  c: d\n"};
  SourceFile gw_{"gw.yaml",
                 "apiVersion: gateway.networking.k8s.io/v1\n"
                 "kind: Gateway\n"
                 "metadata:\n"
                 "  name: gw\n"
                 "spec:\n"
                 "  gatewayClassName: agentgateway\n"
                 "---\n"
                 "apiVersion: gateway.networking.k8s.io/v1\n"
                 "kind: Gateway\n"
                 "metadata:\n"
                 "  name: gw\n"};
  SourceFile routes_{"routes.yaml",
                     "apiVersion: gateway.networking.k8s.io/v1\n"
                     "kind: HTTPRoute\n"
                     "metadata:\n"
                     "  name: openai\n"
                     "spec:\n"
                     "  parentRefs:\n"
                     "  - name: gw\n"
                     "    port: \"80\"\n"};
  ReportInput input_;
};

// Compares `actual` with testdata/report/<name>; AGW_UPDATE_GOLDEN=1 rewrites the file instead.
void CheckGolden(const std::string& name, const std::string& actual) {
  std::string path = std::string(test::kSourceDir) + "/testdata/report/" + name;
  if (std::getenv("AGW_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << actual;
    WARN("rewrote " << path);
    return;
  }
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::stringstream expected;
  expected << in.rdbuf();
  CHECK(actual == expected.str());
}

TEST_CASE("GitHub output is one workflow command per finding, then the summary") {
  Run run;
  CHECK(RenderGithub(run.input()) ==
        "::error file=broken.yaml,line=2,col=4,title=yaml-syntax::mapping values are not allowed "
        "in this context\n"
        "::error file=gw.yaml,line=11,col=9,title=duplicate-resource::duplicate resource Gateway "
        "default/gw%0Agw.yaml:4:9: note: first defined here%0Ahint: each object may appear once; "
        "the later definition is ignored\n"
        "::warning file=routes.yaml,line=7,col=5,title=single-backend::spec.parentRefs[0]: 100%25 "
        "of requests go to one gateway, none elsewhere\n"
        "::error file=routes.yaml,line=8,col=11,title=invalid-type::spec.parentRefs[0].port: "
        "Invalid value: \"string\": spec.parentRefs[0].port in body must be of type integer: "
        "\"string\"\n"
        "2 resources in 3 files: 3 errors, 1 warning\n");
}

TEST_CASE("JUnit output has a test case per resource and per file with findings of its own") {
  Run run;
  CHECK(RenderJunit(run.input()) ==
        R"xml(<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="kubectl-agentgateway validate" tests="3" failures="3" errors="0">
  <testsuite name="kubectl-agentgateway validate" tests="3" failures="3" errors="0" skipped="0">
    <testcase classname="broken.yaml" name="broken.yaml">
      <failure message="mapping values are not allowed in this context" type="yaml-syntax">broken.yaml:2:4: error: mapping values are not allowed in this context [yaml-syntax]
 2 |   c: d
   |    ^
</failure>
    </testcase>
    <testcase classname="gw.yaml" name="Gateway default/gw">
      <failure message="duplicate resource Gateway default/gw" type="duplicate-resource">gw.yaml:11:9: error: duplicate resource Gateway default/gw [duplicate-resource]
 11 |   name: gw
    |         ^
gw.yaml:4:9: note: first defined here
 4 |   name: gw
   |         ^
  hint: each object may appear once; the later definition is ignored
</failure>
    </testcase>
    <testcase classname="routes.yaml" name="HTTPRoute default/openai">
      <failure message="spec.parentRefs[0].port: Invalid value: &quot;string&quot;: spec.parentRefs[0].port in body must be of type integer: &quot;string&quot;" type="invalid-type">routes.yaml:8:11: error: spec.parentRefs[0].port: Invalid value: "string": spec.parentRefs[0].port in body must be of type integer: "string" [invalid-type]
 8 |     port: "80"
   |           ^
</failure>
      <system-out>routes.yaml:7:5: warning: spec.parentRefs[0]: 100% of requests go to one gateway, none elsewhere [single-backend]
 7 |   - name: gw
   |     ^
</system-out>
    </testcase>
  </testsuite>
</testsuites>
)xml");
}

TEST_CASE("SARIF output matches its golden file") {
  Run run;
  CheckGolden("four-findings.sarif", RenderSarif(run.input()));
}

TEST_CASE("SARIF rules are sorted by id and every result points at its rule") {
  Run run;
  auto log = nlohmann::json::parse(RenderSarif(run.input()));
  const auto& sarif_run = log["runs"][0];
  const auto& rules = sarif_run["tool"]["driver"]["rules"];
  REQUIRE(rules.size() == 4);
  CHECK(rules[0]["id"] == "duplicate-resource");
  CHECK(rules[3]["id"] == "yaml-syntax");
  CHECK(rules[2]["defaultConfiguration"]["level"] == "warning");
  for (const auto& result : sarif_run["results"]) {
    CHECK(rules[result["ruleIndex"].get<int>()]["id"] == result["ruleId"]);
  }
}

TEST_CASE("SARIF leaves out the region when the line is unknown and the location without a file") {
  SourceFile file("my dir/a:b.yaml", "x: 1\n");
  ReportInput input;
  Diagnostic whole_file;
  whole_file.code = "c";
  whole_file.message = "whole file";
  whole_file.position = Position{&file, 0, 0};
  Diagnostic nowhere;
  nowhere.severity = Severity::kInfo;
  nowhere.code = "c";
  nowhere.message = "no file";
  input.findings = {whole_file, nowhere};
  input.unreadable = {"the path \"x.yaml\" does not exist"};
  auto log = nlohmann::json::parse(RenderSarif(input));
  const auto& results = log["runs"][0]["results"];
  CHECK(results[0]["locations"] ==
        nlohmann::json::parse(
            R"([{"physicalLocation":{"artifactLocation":{"uri":"my%20dir/a%3Ab.yaml"}}}])"));
  CHECK(results[1].contains("locations") == false);
  CHECK(results[1]["level"] == "note");
  const auto& invocation = log["runs"][0]["invocations"][0];
  CHECK(invocation["executionSuccessful"] == false);
  CHECK(invocation["toolExecutionNotifications"][0]["message"]["text"] ==
        "the path \"x.yaml\" does not exist");
}

TEST_CASE("SARIF keeps relative and absolute paths as given and encodes what a URI cannot hold") {
  SourceFile relative("manifests/routes.yaml", "");
  SourceFile absolute("/tmp/x/gw.yaml", "");
  SourceFile standard_input("<stdin>", "");
  SourceFile percent("100%.yaml", "");
  ReportInput input;
  for (const SourceFile* file : {&relative, &absolute, &standard_input, &percent}) {
    Diagnostic d;
    d.code = "c";
    d.position = Position{file, 1, 1};
    input.findings.push_back(d);
  }
  auto results = nlohmann::json::parse(RenderSarif(input))["runs"][0]["results"];
  auto uri = [&](int i) {
    return results[i]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
  };
  CHECK(uri(0) == "manifests/routes.yaml");
  CHECK(uri(1) == "/tmp/x/gw.yaml");
  CHECK(uri(2) == "%3Cstdin%3E");
  CHECK(uri(3) == "100%25.yaml");
}

TEST_CASE("GitHub escaping: data escapes % CR LF, properties also : and ,") {
  CHECK(EscapeGithubData("50%\r\nnext: a, b") == "50%25%0D%0Anext: a, b");
  CHECK(EscapeGithubProperty("50%\r\nnext: a, b") == "50%25%0D%0Anext%3A a%2C b");
  CHECK(EscapeGithubData("%0A") == "%250A");  // an escape in the input is not decoded later

  SourceFile file("dir,1/a:b.yaml", "x\n");
  ReportInput input;
  Diagnostic d;
  d.severity = Severity::kInfo;
  d.code = "odd,code:x";
  d.message = "line one\nline two, with: 5%";
  d.position = Position{&file, 3, 0};
  input.findings = {d};
  input.files = {"dir,1/a:b.yaml"};
  input.unreadable = {"the path \"a%b\" does not exist"};
  CHECK(RenderGithub(input) ==
        "::notice file=dir%2C1/a%3Ab.yaml,line=3,title=odd%2Ccode%3Ax::line one%0Aline two, "
        "with: 5%25\n"
        "::error title=unreadable::the path \"a%25b\" does not exist\n"
        "0 resources in 1 file: no errors or warnings, 1 info\n");
}

TEST_CASE("XML escaping of text and attribute values") {
  CHECK(EscapeXmlText("<a & 'b' \"c\">\n\t\r") == "&lt;a &amp; 'b' \"c\"&gt;\n\t&#13;");
  CHECK(EscapeXmlAttribute("<a & 'b' \"c\">\n\t\r") ==
        "&lt;a &amp; &apos;b&apos; &quot;c&quot;&gt;&#10;&#9;&#13;");
  CHECK(EscapeXmlText("caf\xC3\xA9 \xF0\x9F\x98\x80") == "caf\xC3\xA9 \xF0\x9F\x98\x80");
  // XML 1.0 has no way to carry these: U+FFFD stands in.
  std::string controls = {'a', '\x01', 'b', '\0', 'c'};
  CHECK(EscapeXmlText(controls) == "a\uFFFDb\uFFFDc");
  CHECK(EscapeXmlText("bad \xC3( \xED\xA0\x80 \xC0\xAF end") ==
        "bad \xEF\xBF\xBD( \xEF\xBF\xBD \xEF\xBF\xBD end");
}

TEST_CASE("JUnit gives findings without a file and unreadable inputs test cases of their own") {
  SourceFile file("a.yaml", "kind: Secret\n");
  ReportInput input;
  input.files = {"a.yaml"};
  input.resources = {{"Secret default/s", "a.yaml", 1}};
  Diagnostic nowhere;
  nowhere.code = "c";
  nowhere.message = "no <file>";
  Diagnostic warning;
  warning.severity = Severity::kWarning;
  warning.code = "w";
  warning.message = "careful & quick";
  warning.position = Position{&file, 1, 1};
  warning.resource = "Secret default/s";
  input.findings = {nowhere, warning};
  input.unreadable = {"the path \"gone.yaml\" does not exist"};
  CHECK(RenderJunit(input) ==
        R"xml(<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="kubectl-agentgateway validate" tests="3" failures="1" errors="1">
  <testsuite name="kubectl-agentgateway validate" tests="3" failures="1" errors="1" skipped="0">
    <testcase classname="a.yaml" name="Secret default/s">
      <system-out>a.yaml:1:1: warning: careful &amp; quick [w]
 1 | kind: Secret
   | ^
</system-out>
    </testcase>
    <testcase classname="kubectl-agentgateway" name="findings without a file">
      <failure message="no &lt;file&gt;" type="c">&lt;unknown&gt;: error: no &lt;file&gt; [c]
</failure>
    </testcase>
    <testcase classname="kubectl-agentgateway" name="the path &quot;gone.yaml&quot; does not exist">
      <error message="the path &quot;gone.yaml&quot; does not exist" type="unreadable"/>
    </testcase>
  </testsuite>
</testsuites>
)xml");
}

TEST_CASE("A duplicate in another file is that file's failure, not the first definition's") {
  SourceFile one("one.yaml", "x\n");
  SourceFile two("two.yaml", "x\n");
  ReportInput input;
  input.files = {"one.yaml", "two.yaml"};
  input.resources = {{"Gateway default/gw", "one.yaml", 4}};
  Diagnostic duplicate;
  duplicate.code = "duplicate-resource";
  duplicate.message = "duplicate resource Gateway default/gw";
  duplicate.position = Position{&two, 1, 1};
  duplicate.resource = "Gateway default/gw";
  input.findings = {duplicate};
  std::string junit = RenderJunit(input);
  CHECK(junit.find("<testcase classname=\"one.yaml\" name=\"Gateway default/gw\"/>") !=
        std::string::npos);
  CHECK(junit.find("<testcase classname=\"two.yaml\" name=\"two.yaml\">\n      <failure") !=
        std::string::npos);
}

TEST_CASE("Text output is the GCC-style findings and one summary line") {
  Run run;
  std::string text = RenderText(run.input());
  CHECK(text.rfind("broken.yaml:2:4: error: mapping values are not allowed in this context "
                   "[yaml-syntax]\n",
                   0) == 0);
  std::string tail = "   |           ^\n2 resources in 3 files: 3 errors, 1 warning\n";
  REQUIRE(text.size() > tail.size());
  CHECK(text.substr(text.size() - tail.size()) == tail);

  ReportInput clean;
  clean.files = {"a.yaml"};
  clean.resources = {{"Secret default/s", "a.yaml", 1}};
  CHECK(RenderText(clean) == "1 resource in 1 file: no findings\n");
  CHECK(SummaryLine(clean) == "1 resource in 1 file: no findings");
}

TEST_CASE("JSON output keeps the findings, summary and unreadable shape") {
  Run run;
  auto json = nlohmann::json::parse(RenderJson(run.input()));
  CHECK(json["findings"].size() == 4);
  CHECK(json["findings"][1]["notes"][0]["message"] == "first defined here");
  CHECK(json["summary"] ==
        nlohmann::json({{"files", 3}, {"resources", 2}, {"errors", 3}, {"warnings", 1}}));
  CHECK(json["unreadable"] == nlohmann::json::array());
}

TEST_CASE("JSON and SARIF replace malformed UTF-8 instead of failing") {
  SourceFile file("a.yaml", "name: \xFF\n");
  ReportInput input;
  Diagnostic d;
  d.code = "c";
  d.message = "bad \xFF byte";
  d.position = Position{&file, 1, 7};
  input.findings = {d};
  CHECK(RenderJson(input).find("bad \xEF\xBF\xBD byte") != std::string::npos);
  CHECK(RenderSarif(input).find("bad \xEF\xBF\xBD byte") != std::string::npos);
}

TEST_CASE("ShouldFail: fail-on error fails on errors only, fail-on warning on warnings too") {
  auto finding = [](Severity severity) {
    Diagnostic d;
    d.severity = severity;
    return d;
  };
  std::vector<Diagnostic> none;
  std::vector<Diagnostic> info = {finding(Severity::kInfo)};
  std::vector<Diagnostic> warning = {finding(Severity::kInfo), finding(Severity::kWarning)};
  std::vector<Diagnostic> error = {finding(Severity::kError)};
  CHECK_FALSE(ShouldFail(none, FailOn::kError));
  CHECK_FALSE(ShouldFail(none, FailOn::kWarning));
  CHECK_FALSE(ShouldFail(info, FailOn::kError));
  CHECK_FALSE(ShouldFail(info, FailOn::kWarning));
  CHECK_FALSE(ShouldFail(warning, FailOn::kError));
  CHECK(ShouldFail(warning, FailOn::kWarning));
  CHECK(ShouldFail(error, FailOn::kError));
  CHECK(ShouldFail(error, FailOn::kWarning));
  CHECK(ParseFailOn("warning") == FailOn::kWarning);
  CHECK(ParseFailOn("error") == FailOn::kError);
  CHECK(ParseFailOn("info") == std::nullopt);
}

TEST_CASE("Format names round-trip and Render dispatches on them") {
  Run run;
  for (const std::string& name : FormatNames()) {
    std::optional<Format> format = ParseFormat(name);
    REQUIRE(format);
    CHECK(FormatName(*format) == name);
  }
  CHECK(FormatNames() == std::vector<std::string>{"text", "json", "sarif", "github", "junit"});
  CHECK(ParseFormat("yaml") == std::nullopt);
  CHECK(Render(Format::kGithub, run.input()) == RenderGithub(run.input()));
  CHECK(Render(Format::kJunit, run.input()) == RenderJunit(run.input()));
}

TEST_CASE("Rule descriptions name known codes and fall back to a code's words") {
  CHECK(RuleDescription("yaml-syntax") == "YAML or JSON syntax error");
  CHECK(RuleDescription("some-new-code") == "some new code");
}

}  // namespace
}  // namespace agw::validate::report
