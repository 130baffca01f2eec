// SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), the input of GitHub code
// scanning and most CI dashboards. Only the properties the spec requires or that viewers show
// are written; section numbers below are the OASIS standard's.

#include <map>
#include <nlohmann/json.hpp>

#include "validate/report/report.h"

namespace agw::validate::report {
namespace {

using Json = nlohmann::ordered_json;

std::string_view Level(manifest::Severity severity) {
  switch (severity) {
    case manifest::Severity::kError:
      return "error";
    case manifest::Severity::kWarning:
      return "warning";
    case manifest::Severity::kInfo:
      return "note";
  }
  return "error";
}

// §3.4.3: artifactLocation.uri is a URI reference. A relative path stays relative (code scanning
// resolves it against the checkout); characters a URI cannot hold are percent-encoded, and so is
// ':' so that "a:b.yaml" is not read as a scheme.
std::string PathToUri(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : path) {
    auto byte = static_cast<unsigned char>(c);
    bool plain = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
                 (byte >= '0' && byte <= '9') ||
                 std::string_view("-._~!$&'()*+,;=@/").find(c) != std::string_view::npos;
    if (plain) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

// §3.28 location with its §3.29 physicalLocation; the region (§3.30) only when the line is known.
Json Location(const manifest::Position& position) {
  Json location = Json::object();
  if (position.file == nullptr) {
    return location;
  }
  Json physical;
  physical["artifactLocation"]["uri"] = PathToUri(position.file->path());
  if (position.line > 0) {
    physical["region"]["startLine"] = position.line;
    if (position.column > 0) {
      physical["region"]["startColumn"] = position.column;
    }
  }
  location["physicalLocation"] = std::move(physical);
  return location;
}

}  // namespace

std::string RenderSarif(const ReportInput& input) {
  // One rule per code, sorted by id; its default level is the most severe one it was seen with.
  std::map<std::string, manifest::Severity> codes;
  for (const manifest::Diagnostic& finding : input.findings) {
    auto [it, inserted] = codes.emplace(finding.code, finding.severity);
    if (!inserted && static_cast<int>(finding.severity) < static_cast<int>(it->second)) {
      it->second = finding.severity;  // Severity is ordered most severe first
    }
  }
  Json rules = Json::array();
  std::map<std::string, int> rule_index;
  for (const auto& [code, severity] : codes) {
    Json rule;
    rule["id"] = code;
    rule["shortDescription"]["text"] = RuleDescription(code);
    rule["defaultConfiguration"]["level"] = Level(severity);
    rule_index[code] = static_cast<int>(rules.size());
    rules.push_back(std::move(rule));
  }

  Json results = Json::array();
  for (const manifest::Diagnostic& finding : input.findings) {
    Json result;
    result["ruleId"] = finding.code;
    result["ruleIndex"] = rule_index[finding.code];
    result["level"] = Level(finding.severity);
    result["message"]["text"] = finding.message;
    if (finding.position.file != nullptr) {
      result["locations"] = Json::array({Location(finding.position)});
    }
    if (!finding.notes.empty()) {
      Json related = Json::array();
      for (const manifest::Note& note : finding.notes) {
        Json location = Location(note.position);
        location["message"]["text"] = note.message;
        related.push_back(std::move(location));
      }
      result["relatedLocations"] = std::move(related);
    }
    Json properties = Json::object();
    if (!finding.field_path.empty()) {
      properties["field"] = finding.field_path;
    }
    if (!finding.resource.empty()) {
      properties["resource"] = finding.resource;
    }
    if (!finding.hint.empty()) {
      properties["hint"] = finding.hint;
    }
    if (!properties.empty()) {
      result["properties"] = std::move(properties);
    }
    results.push_back(std::move(result));
  }

  // §3.20 invocation: an unreadable input means the run did not see everything.
  Json invocation;
  invocation["executionSuccessful"] = input.unreadable.empty();
  if (!input.unreadable.empty()) {
    Json notifications = Json::array();
    for (const std::string& message : input.unreadable) {
      Json notification;
      notification["level"] = "error";
      notification["message"]["text"] = message;
      notifications.push_back(std::move(notification));
    }
    invocation["toolExecutionNotifications"] = std::move(notifications);
  }

  Json driver;
  driver["name"] = input.tool_name;
  driver["version"] = input.tool_version;
  driver["informationUri"] = input.tool_information_uri;
  driver["rules"] = std::move(rules);
  Json run;
  run["tool"]["driver"] = std::move(driver);
  run["invocations"] = Json::array({std::move(invocation)});
  run["results"] = std::move(results);

  Json log;
  log["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
  log["version"] = "2.1.0";
  log["runs"] = Json::array({std::move(run)});
  return log.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace agw::validate::report
