#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "validate/manifest/source.h"

namespace agw::validate::manifest {

enum class Severity { kError, kWarning, kInfo };

std::string_view SeverityName(Severity severity);

// A secondary place that explains a finding ("first defined here").
struct Note {
  Position position;
  std::string message;
};

// A finding about the user's manifests. Findings are data: every stage adds them to a
// DiagnosticSink and carries on, so one run reports every problem it can see.
struct Diagnostic {
  Severity severity = Severity::kError;
  std::string code;        // stable identifier, e.g. "yaml-syntax", "duplicate-resource"
  std::string message;     // one line, no trailing period
  Position position;       // where the caret goes
  std::string field_path;  // e.g. "spec.rules[0].backendRefs[0].name"; empty for whole documents
  std::string resource;    // "Kind namespace/name" when the finding belongs to a resource
  std::string hint;        // optional advice, printed after the source excerpt
  std::vector<Note> notes;
  // A line that introduces the findings one request would get back from the API server, as
  // kubectl prints it (`The HTTPRoute "x" is invalid:`): text output prints it once before a
  // run of consecutive findings that share it.
  std::string heading;
};

// Collects findings in the order they were found.
class DiagnosticSink {
 public:
  void Add(Diagnostic diagnostic) { diagnostics_.push_back(std::move(diagnostic)); }
  void Error(std::string code, Position position, std::string message, std::string field_path = {});

  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  std::vector<Diagnostic>& mutable_diagnostics() { return diagnostics_; }
  int Count(Severity severity) const;
  bool HasErrors() const { return Count(Severity::kError) > 0; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

// Orders findings by the order their files were loaded, then line, then column. Findings
// without a position keep their relative order and come first.
void SortDiagnostics(std::vector<Diagnostic>& diagnostics,
                     const std::vector<const SourceFile*>& file_order);

// GCC-style rendering:
//   path:line:col: error: message [code]
//      12 |     name: foo
//         |     ^
// followed by notes rendered the same way and "  hint: ..." when there is a hint.
std::string RenderText(const Diagnostic& diagnostic);

// Each finding as above, with the `heading` of a run of findings that share one printed once
// before them. `severity_at_least` leaves out less severe findings (kInfo keeps all).
std::string RenderText(const std::vector<Diagnostic>& diagnostics,
                       Severity severity_at_least = Severity::kInfo);
// The same, written to `out` one finding at a time.
void WriteText(const std::vector<Diagnostic>& diagnostics, std::ostream& out,
               Severity severity_at_least = Severity::kInfo);

// The finding as JSON: severity, code, message, file, line, column, field, resource, hint, notes.
nlohmann::ordered_json ToJson(const Diagnostic& diagnostic);

}  // namespace agw::validate::manifest
