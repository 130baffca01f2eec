// GitHub Actions workflow commands: a step that prints "::error file=...,line=...::message"
// gets an annotation on that line of the pull request, with no upload step or token.

#include "validate/report/report.h"

namespace agw::validate::report {
namespace {

std::string_view Command(manifest::Severity severity) {
  switch (severity) {
    case manifest::Severity::kError:
      return "error";
    case manifest::Severity::kWarning:
      return "warning";
    case manifest::Severity::kInfo:
      return "notice";
  }
  return "error";
}

}  // namespace

std::string RenderGithub(const ReportInput& input) {
  std::string out;
  for (const manifest::Diagnostic& finding : input.findings) {
    std::vector<std::string> properties;
    const manifest::Position& position = finding.position;
    if (position.file != nullptr) {
      properties.push_back("file=" + EscapeGithubProperty(position.file->path()));
      if (position.line > 0) {
        properties.push_back("line=" + std::to_string(position.line));
        if (position.column > 0) {
          properties.push_back("col=" + std::to_string(position.column));
        }
      }
    }
    if (!finding.code.empty()) {
      properties.push_back("title=" + EscapeGithubProperty(finding.code));
    }
    // The annotation shows the whole message, new lines included, so the notes and the hint
    // travel with it as they do in the text output.
    std::string message = finding.message;
    for (const manifest::Note& note : finding.notes) {
      message += "\n" + note.position.ToString() + ": note: " + note.message;
    }
    if (!finding.hint.empty()) {
      message += "\nhint: " + finding.hint;
    }
    out += "::";
    out += Command(finding.severity);
    for (std::size_t i = 0; i < properties.size(); ++i) {
      out += (i == 0 ? " " : ",") + properties[i];
    }
    out += "::" + EscapeGithubData(message) + "\n";
  }
  // An input that could not be read is an operational failure, not a finding; it is still
  // worth an annotation, since a CI log is rarely read line by line.
  for (const std::string& message : input.unreadable) {
    out += "::error title=unreadable::" + EscapeGithubData(message) + "\n";
  }
  out += SummaryLine(input) + "\n";
  return out;
}

}  // namespace agw::validate::report
