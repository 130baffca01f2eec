#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "validate/manifest/diagnostic.h"

namespace agw::validate::report {

// One object that was checked: a test case in JUnit, context elsewhere.
struct CheckedResource {
  std::string id;    // "Kind namespace/name", as manifest::ResourceId::ToString() spells it
  std::string file;  // the path as given on the command line ("<stdin>" for -f -)
  int line = 0;      // 1-based; 0 when unknown
};

// Everything a report says about one run. A value: build it once, render it in any format.
// `findings` borrow the SourceFiles their Positions point at (they quote source lines), so the
// Manifest that owns those files must outlive every Render call.
struct ReportInput {
  std::string tool_name = "kubectl-agentgateway";
  std::string tool_version;  // e.g. "v0.1.0"
  std::string tool_information_uri = "https://github.com/kubectl-agentgateway/kubectl-agentgateway";
  std::vector<manifest::Diagnostic> findings;  // already sorted (manifest::SortDiagnostics)
  std::vector<std::string> files;              // every file read, in load order
  std::vector<CheckedResource> resources;      // every object loaded, in load order
  std::vector<std::string> unreadable;         // messages for inputs that could not be read

  int Count(manifest::Severity severity) const;
};

enum class Format { kText, kJson, kSarif, kGithub, kJunit };

// "text", "json", "sarif", "github", "junit" and back; nullopt for any other name.
std::string_view FormatName(Format format);
std::optional<Format> ParseFormat(std::string_view name);
// The names ParseFormat accepts, in the order above (for flag help and checks).
std::vector<std::string> FormatNames();

// "28 resources in 15 files: no findings" or "1 resource in 2 files: 1 error, 0 warnings".
// No trailing newline. Every format that ends with a summary uses this one.
std::string SummaryLine(const ReportInput& input);

// GCC-style findings (manifest::RenderText, headings included), then the summary line.
std::string RenderText(const ReportInput& input);
// The same, written to `out` one finding at a time.
void WriteText(const ReportInput& input, std::ostream& out);

// {"findings": [manifest::ToJson...], "summary": {files, resources, errors, warnings},
//  "unreadable": [message...]}, indented by 2, newline-terminated.
std::string RenderJson(const ReportInput& input);

// A SARIF 2.1.0 log with one run: tool.driver (name, version, informationUri, one rule per
// finding code, sorted by id), one result per finding (ruleId, ruleIndex, level, message,
// the physical location with its region when the line is known, notes as relatedLocations)
// and one invocation (executionSuccessful is false when an input was unreadable).
// artifactLocation.uri is the path as given, percent-encoded where a URI requires it.
std::string RenderSarif(const ReportInput& input);

// GitHub Actions workflow commands, one line per finding:
//   ::error file=<path>,line=<l>,col=<c>,title=<code>::<message>
// (::warning for warnings, ::notice for info; file/line/col left out when unknown; notes and
// the hint follow the message on escaped new lines), then "::error title=unreadable::<message>"
// for each unreadable input, then the summary line as plain text.
std::string RenderGithub(const ReportInput& input);

// JUnit XML: <testsuites> holding one <testsuite name="<tool> validate">. One <testcase
// classname="<file>" name="<Kind ns/name>"> per resource; findings that belong to no loaded
// resource (syntax errors, duplicates) make one testcase per file, named after the file, placed
// before that file's resources. Each error is a <failure message type="<code>"> with the GCC-style
// text inside; warnings and info go to the testcase's <system-out>. Each unreadable input is a
// testcase with an <error>. "tests" counts testcases, "failures" testcases with a failure,
// "errors" testcases with an error.
std::string RenderJunit(const ReportInput& input);

// Dispatches on `format`.
std::string Render(Format format, const ReportInput& input);

// --fail-on: the least severe finding that makes the run fail (exit code 1).
enum class FailOn { kError, kWarning };
std::optional<FailOn> ParseFailOn(std::string_view name);
// True when a finding is at least as severe as `fail_on` (info findings never fail a run).
bool ShouldFail(const std::vector<manifest::Diagnostic>& findings, FailOn fail_on);

// GitHub workflow-command escaping (actions/toolkit packages/core/src/command.ts):
// the message after "::" escapes % CR LF; property values also escape ':' and ','.
std::string EscapeGithubData(std::string_view text);
std::string EscapeGithubProperty(std::string_view text);

// XML 1.0 escaping. Both escape & < > and write CR as a character reference; other control
// characters, which XML 1.0 cannot carry at all, and malformed UTF-8 become U+FFFD. Text keeps
// TAB and LF as they are; attribute values also escape " and ' and write TAB and LF as character
// references, so a parser does not normalise them to spaces.
std::string EscapeXmlText(std::string_view text);
std::string EscapeXmlAttribute(std::string_view text);

// The short description SARIF shows for a finding code ("yaml-syntax" -> "YAML or JSON syntax
// error"); a code this table does not know yet is described by its words ("some-code" ->
// "some code").
std::string RuleDescription(std::string_view code);

}  // namespace agw::validate::report
