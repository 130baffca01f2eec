#pragma once

// Shared by the resolve tests: loads an in-memory manifest set, decodes it, resolves it, and
// looks up status entries, findings and the places in the YAML they should point at.

#include <catch2/catch.hpp>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tests/resolve/manifests.h"
#include "validate/manifest/diagnostic.h"
#include "validate/manifest/loader.h"
#include "validate/model/model.h"
#include "validate/resolve/resolve.h"

namespace agw::validate::resolve::test {

inline std::string Render(const std::vector<validate::manifest::Diagnostic>& diagnostics) {
  std::string text;
  for (const validate::manifest::Diagnostic& diagnostic : diagnostics) {
    text += validate::manifest::RenderText(diagnostic) + "\n";
  }
  return text;
}

// Joins YAML documents with `---` separators.
inline std::string Join(std::initializer_list<std::string_view> documents) {
  std::string text;
  for (std::string_view document : documents) {
    if (!text.empty()) {
      text += "---\n";
    }
    text += document;
    if (!text.empty() && text.back() != '\n') {
      text += '\n';
    }
  }
  return text;
}

// "line:column" of the character right after the only occurrence of `needle` in `text` (where
// a value written after `key: ` starts), 1-based as Positions are.
inline std::string After(const std::string& text, std::string_view needle) {
  std::size_t at = text.find(needle);
  INFO("needle: " << needle);
  REQUIRE(at != std::string::npos);
  REQUIRE(text.find(needle, at + 1) == std::string::npos);
  std::size_t offset = at + needle.size();
  std::size_t line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  line_start = line_start == std::string::npos ? 0 : line_start + 1;
  int line = 1;
  for (std::size_t i = 0; i < line_start; ++i) {
    line += text[i] == '\n' ? 1 : 0;
  }
  return std::to_string(line) + ":" + std::to_string(offset - line_start + 1);
}

inline std::string LineColumn(const validate::manifest::Diagnostic& diagnostic) {
  return std::to_string(diagnostic.position.line) + ":" +
         std::to_string(diagnostic.position.column);
}

// Whether a fixture may hold objects the API server would refuse (to test what the controller
// makes of them; the pipeline leaves such findings out, the fixture does not).
enum class InputErrors { kForbidden, kAllowed };

// One manifest set, resolved. Not copyable: the Resolution points into the Model, and the
// Model into the Manifest.
class Resolved {
 public:
  explicit Resolved(std::string yaml, ResolveOptions options = {},
                    InputErrors input_errors = InputErrors::kForbidden)
      : yaml_(yaml), options_(std::move(options)) {
    validate::manifest::DiagnosticSink load_sink;
    validate::manifest::LoadText(manifest_, "test.yaml", std::move(yaml),
                                 validate::manifest::LoadOptions{}, load_sink);
    INFO(Render(load_sink.diagnostics()));
    REQUIRE(load_sink.diagnostics().empty());
    validate::manifest::DiagnosticSink decode_sink;
    model_ = validate::model::Decode(manifest_, decode_sink);
    decode_findings_ = decode_sink.diagnostics();
    INFO(Render(decode_sink.diagnostics()));
    REQUIRE((input_errors == InputErrors::kAllowed || decode_sink.diagnostics().empty()));
    resolution_ = Resolve(model_, options_);
  }
  Resolved(const Resolved&) = delete;
  Resolved& operator=(const Resolved&) = delete;

  const Resolution& operator*() const { return resolution_; }
  const Resolution* operator->() const { return &resolution_; }
  const validate::model::Model& model() const { return model_; }
  // What the API server's checks and decoding reported (empty unless InputErrors::kAllowed).
  const std::vector<validate::manifest::Diagnostic>& decode_findings() const {
    return decode_findings_;
  }

  // Where the value after `needle` starts in this manifest set.
  std::string After(std::string_view needle) const { return test::After(yaml_, needle); }

  std::vector<validate::manifest::Diagnostic> Findings(std::string_view code) const {
    std::vector<validate::manifest::Diagnostic> found;
    for (const validate::manifest::Diagnostic& d : resolution_.findings) {
      if (d.code == code) {
        found.push_back(d);
      }
    }
    return found;
  }

  // The only finding with `code`.
  validate::manifest::Diagnostic Finding(std::string_view code) const {
    std::vector<validate::manifest::Diagnostic> found = Findings(code);
    INFO("code " << code << "; all findings:\n" << Render(resolution_.findings));
    REQUIRE(found.size() == 1);
    REQUIRE(found[0].position.file != nullptr);
    CHECK(found[0].position.file->path() == "test.yaml");
    return found[0];
  }

  // The codes of all findings, in the order they were found.
  std::vector<std::string> Codes() const {
    std::vector<std::string> codes;
    for (const validate::manifest::Diagnostic& d : resolution_.findings) {
      codes.push_back(d.code);
    }
    return codes;
  }

  std::string AllFindings() const { return Render(resolution_.findings); }

  const GatewayStatus& Gateway(std::string_view name) const {
    for (const GatewayStatus& s : resolution_.status.gateways) {
      if (s.object->metadata.name == name) {
        return s;
      }
    }
    FAIL("no status for Gateway " << name);
    throw;
  }
  const RouteStatus& Route(std::string_view kind, std::string_view name) const {
    for (const RouteStatus& s : resolution_.status.routes) {
      if (s.kind == kind && s.object->metadata.name == name) {
        return s;
      }
    }
    FAIL("no status for " << kind << " " << name);
    throw;
  }
  bool HasRouteStatus(std::string_view name) const {
    for (const RouteStatus& s : resolution_.status.routes) {
      if (s.object->metadata.name == name) {
        return true;
      }
    }
    return false;
  }
  const BackendStatus& Backend(std::string_view name) const {
    for (const BackendStatus& s : resolution_.status.backends) {
      if (s.object->metadata.name == name) {
        return s;
      }
    }
    FAIL("no status for AgentgatewayBackend " << name);
    throw;
  }
  const PolicyStatus& Policy(std::string_view name) const {
    for (const PolicyStatus& s : resolution_.status.policies) {
      if (s.object->metadata.name == name) {
        return s;
      }
    }
    FAIL("no status for AgentgatewayPolicy " << name);
    throw;
  }
  const ResolvedListener& Listener(std::string_view key) const {
    for (const ResolvedListener& l : resolution_.config.listeners) {
      if (l.key == key) {
        return l;
      }
    }
    FAIL("no programmed listener " << key);
    throw;
  }

 private:
  std::string yaml_;
  ResolveOptions options_;
  validate::manifest::Manifest manifest_;
  validate::model::Model model_;
  Resolution resolution_;
  std::vector<validate::manifest::Diagnostic> decode_findings_;
};

inline const Condition& ConditionOf(const std::vector<Condition>& conditions,
                                    std::string_view type) {
  const Condition* condition = FindCondition(conditions, type);
  INFO("condition type " << type);
  REQUIRE(condition != nullptr);
  return *condition;
}

// Condition as "type status reason: message", for readable comparisons.
inline std::string Describe(const Condition& c) {
  return c.type + " " + c.status + " " + c.reason + ": " + c.message;
}

inline std::vector<std::string> Describe(const std::vector<Condition>& conditions) {
  std::vector<std::string> out;
  for (const Condition& c : conditions) {
    out.push_back(Describe(c));
  }
  return out;
}

}  // namespace agw::validate::resolve::test
