#include "validate/report/report.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <utility>

namespace agw::validate::report {
namespace {

constexpr std::array<std::pair<Format, std::string_view>, 5> kFormats = {{
    {Format::kText, "text"},
    {Format::kJson, "json"},
    {Format::kSarif, "sarif"},
    {Format::kGithub, "github"},
    {Format::kJunit, "junit"},
}};

std::string Plural(int count, std::string_view word) {
  return std::to_string(count) + " " + std::string(word) + (count == 1 ? "" : "s");
}

int Rank(manifest::Severity severity) {
  switch (severity) {
    case manifest::Severity::kError:
      return 2;
    case manifest::Severity::kWarning:
      return 1;
    case manifest::Severity::kInfo:
      return 0;
  }
  return 2;
}

// Workflow commands are line based: % starts an escape, CR/LF would end the command early.
std::string EscapeGithub(std::string_view text, bool property) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '%':
        out += "%25";
        break;
      case '\r':
        out += "%0D";
        break;
      case '\n':
        out += "%0A";
        break;
      case ':':
        out += property ? "%3A" : ":";
        break;
      case ',':
        out += property ? "%2C" : ",";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

int ReportInput::Count(manifest::Severity severity) const {
  return static_cast<int>(
      std::count_if(findings.begin(), findings.end(),
                    [&](const manifest::Diagnostic& d) { return d.severity == severity; }));
}

std::string_view FormatName(Format format) {
  for (const auto& [value, name] : kFormats) {
    if (value == format) {
      return name;
    }
  }
  return "text";
}

std::optional<Format> ParseFormat(std::string_view name) {
  for (const auto& [value, format_name] : kFormats) {
    if (format_name == name) {
      return value;
    }
  }
  return std::nullopt;
}

std::vector<std::string> FormatNames() {
  std::vector<std::string> names;
  for (const auto& entry : kFormats) {
    names.emplace_back(entry.second);
  }
  return names;
}

std::string SummaryLine(const ReportInput& input) {
  int errors = input.Count(manifest::Severity::kError);
  int warnings = input.Count(manifest::Severity::kWarning);
  std::string out = Plural(static_cast<int>(input.resources.size()), "resource") + " in " +
                    Plural(static_cast<int>(input.files.size()), "file") + ": ";
  int infos = input.Count(manifest::Severity::kInfo);
  if (errors == 0 && warnings == 0 && infos == 0) {
    out += "no findings";
  } else if (errors == 0 && warnings == 0) {
    out += "no errors or warnings, " + std::to_string(infos) + " info";
  } else {
    out += Plural(errors, "error") + ", " + Plural(warnings, "warning");
  }
  return out;
}

void WriteText(const ReportInput& input, std::ostream& out) {
  manifest::WriteText(input.findings, out);
  out << SummaryLine(input) << "\n";
}

std::string RenderText(const ReportInput& input) {
  std::string out = manifest::RenderText(input.findings);
  out += SummaryLine(input) + "\n";
  return out;
}

std::string RenderJson(const ReportInput& input) {
  nlohmann::ordered_json out;
  auto list = nlohmann::ordered_json::array();
  for (const manifest::Diagnostic& finding : input.findings) {
    list.push_back(manifest::ToJson(finding));
  }
  out["findings"] = std::move(list);
  out["summary"] = {{"files", input.files.size()},
                    {"resources", input.resources.size()},
                    {"errors", input.Count(manifest::Severity::kError)},
                    {"warnings", input.Count(manifest::Severity::kWarning)}};
  out["unreadable"] = input.unreadable;
  // Source text may hold malformed UTF-8; replace it rather than throw.
  return out.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

std::string Render(Format format, const ReportInput& input) {
  switch (format) {
    case Format::kText:
      return RenderText(input);
    case Format::kJson:
      return RenderJson(input);
    case Format::kSarif:
      return RenderSarif(input);
    case Format::kGithub:
      return RenderGithub(input);
    case Format::kJunit:
      return RenderJunit(input);
  }
  return RenderText(input);
}

std::optional<FailOn> ParseFailOn(std::string_view name) {
  if (name == "error") {
    return FailOn::kError;
  }
  if (name == "warning") {
    return FailOn::kWarning;
  }
  return std::nullopt;
}

bool ShouldFail(const std::vector<manifest::Diagnostic>& findings, FailOn fail_on) {
  int threshold = fail_on == FailOn::kError ? Rank(manifest::Severity::kError)
                                            : Rank(manifest::Severity::kWarning);
  return std::any_of(findings.begin(), findings.end(),
                     [&](const manifest::Diagnostic& d) { return Rank(d.severity) >= threshold; });
}

std::string EscapeGithubData(std::string_view text) { return EscapeGithub(text, false); }

std::string EscapeGithubProperty(std::string_view text) { return EscapeGithub(text, true); }

std::string RuleDescription(std::string_view code) {
  // The codes validate/manifest and validate/model report today. A new code is still
  // described (by its own words) until it is added here.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kRules = {{
      {"duplicate-resource", "Two documents define the same object"},
      {"invalid-base64", "Secret data is not valid base64"},
      {"invalid-document", "A document is not a Kubernetes object"},
      {"invalid-field", "An object field has the wrong type"},
      {"invalid-type", "A field has the wrong type for its schema"},
      {"invalid-value", "A field value is out of range"},
      {"missing-name", "metadata.name is missing"},
      {"missing-type", "apiVersion or kind is missing"},
      {"namespace-mismatch", "The object names a namespace other than --namespace"},
      {"unknown-version", "The kind is not served in this API version"},
      {"yaml-duplicate-key", "A mapping defines the same key twice"},
      {"yaml-syntax", "YAML or JSON syntax error"},
  }};
  for (const auto& [id, description] : kRules) {
    if (id == code) {
      return std::string(description);
    }
  }
  std::string words(code);
  std::replace(words.begin(), words.end(), '-', ' ');
  return words;
}

}  // namespace agw::validate::report
