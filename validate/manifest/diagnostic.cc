#include "validate/manifest/diagnostic.h"

#include <algorithm>
#include <map>
#include <sstream>

namespace agw::validate::manifest {

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
    case Severity::kInfo:
      return "info";
  }
  return "error";
}

void DiagnosticSink::Error(std::string code, Position position, std::string message,
                           std::string field_path) {
  Diagnostic d;
  d.severity = Severity::kError;
  d.code = std::move(code);
  d.position = position;
  d.message = std::move(message);
  d.field_path = std::move(field_path);
  Add(std::move(d));
}

int DiagnosticSink::Count(Severity severity) const {
  return static_cast<int>(
      std::count_if(diagnostics_.begin(), diagnostics_.end(),
                    [&](const Diagnostic& d) { return d.severity == severity; }));
}

void SortDiagnostics(std::vector<Diagnostic>& diagnostics,
                     const std::vector<const SourceFile*>& file_order) {
  std::map<const SourceFile*, int> rank;
  for (std::size_t i = 0; i < file_order.size(); ++i) {
    rank.emplace(file_order[i], static_cast<int>(i));
  }
  auto key = [&](const Diagnostic& d) {
    int file_rank = -1;
    if (d.position.file != nullptr) {
      auto it = rank.find(d.position.file);
      file_rank = it == rank.end() ? static_cast<int>(file_order.size()) : it->second;
    }
    return std::tuple(file_rank, d.position.line, d.position.column);
  };
  std::stable_sort(diagnostics.begin(), diagnostics.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
}

namespace {

// Quotes the source line with a caret under `column`. Tabs are shown as single spaces so the
// caret stays aligned with the column yaml-cpp reports (it counts a tab as one column). A line
// of a Secret is shown with its values masked (SourceFile::ShownLine): CI logs are often public.
void AppendExcerpt(std::string& out, const Position& position) {
  if (!position.known()) {
    return;
  }
  const SourceFile& file = *position.file;
  if (position.line > file.LineCount()) {
    return;
  }
  std::string number = std::to_string(position.line);
  std::string gutter(number.size(), ' ');
  std::string shown(file.ShownLine(position.line));
  std::replace(shown.begin(), shown.end(), '\t', ' ');
  out += " " + number + " | " + shown + "\n";
  int caret_column = std::max(1, file.ShownColumn(position.line, position.column));
  out += " " + gutter + " | " + std::string(caret_column - 1, ' ') + "^\n";
}

}  // namespace

std::string RenderText(const Diagnostic& diagnostic) {
  std::string out = diagnostic.position.ToString();
  out += ": ";
  out += SeverityName(diagnostic.severity);
  out += ": ";
  out += diagnostic.message;
  if (!diagnostic.code.empty()) {
    out += " [" + diagnostic.code + "]";
  }
  out += "\n";
  AppendExcerpt(out, diagnostic.position);
  for (const Note& note : diagnostic.notes) {
    out += note.position.ToString() + ": note: " + note.message + "\n";
    AppendExcerpt(out, note.position);
  }
  if (!diagnostic.hint.empty()) {
    out += "  hint: " + diagnostic.hint + "\n";
  }
  return out;
}

namespace {

void AddPosition(nlohmann::ordered_json& out, const Position& position) {
  out["file"] = position.file != nullptr ? position.file->path() : "";
  out["line"] = position.line;
  out["column"] = position.column;
}

}  // namespace

void WriteText(const std::vector<Diagnostic>& diagnostics, std::ostream& out,
               Severity severity_at_least) {
  const std::string* heading = nullptr;
  for (const Diagnostic& finding : diagnostics) {
    // Severities are declared from the most severe down.
    if (static_cast<int>(finding.severity) > static_cast<int>(severity_at_least)) {
      continue;
    }
    if (!finding.heading.empty() && (heading == nullptr || *heading != finding.heading)) {
      out << finding.heading << "\n";
    }
    heading = &finding.heading;
    out << RenderText(finding);
  }
}

std::string RenderText(const std::vector<Diagnostic>& diagnostics, Severity severity_at_least) {
  std::ostringstream out;
  WriteText(diagnostics, out, severity_at_least);
  return out.str();
}

nlohmann::ordered_json ToJson(const Diagnostic& diagnostic) {
  nlohmann::ordered_json out;
  out["severity"] = SeverityName(diagnostic.severity);
  out["code"] = diagnostic.code;
  out["message"] = diagnostic.message;
  AddPosition(out, diagnostic.position);
  out["field"] = diagnostic.field_path;
  out["resource"] = diagnostic.resource;
  if (!diagnostic.hint.empty()) {
    out["hint"] = diagnostic.hint;
  }
  if (!diagnostic.notes.empty()) {
    auto notes = nlohmann::ordered_json::array();
    for (const Note& note : diagnostic.notes) {
      nlohmann::ordered_json item;
      item["message"] = note.message;
      AddPosition(item, note.position);
      notes.push_back(std::move(item));
    }
    out["notes"] = std::move(notes);
  }
  return out;
}

}  // namespace agw::validate::manifest
