// JUnit XML, the report format every CI system (Jenkins, GitLab, Azure Pipelines, GitHub test
// reporters) can show as a test tree: here one test case per object checked.

#include <algorithm>
#include <map>

#include "validate/manifest/text_encoding.h"
#include "validate/report/report.h"

namespace agw::validate::report {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Decodes the UTF-8 sequence at text[i]; returns the code point (kReplacement for a malformed,
// overlong or surrogate sequence) and advances i past what it consumed.
char32_t DecodeUtf8(std::string_view text, std::size_t& i) {
  auto byte = static_cast<unsigned char>(text[i++]);
  if (byte < 0x80) {
    return byte;
  }
  int extra = 0;
  char32_t code_point = 0;
  char32_t minimum = 0;
  if ((byte & 0xE0) == 0xC0) {
    extra = 1, code_point = byte & 0x1F, minimum = 0x80;
  } else if ((byte & 0xF0) == 0xE0) {
    extra = 2, code_point = byte & 0x0F, minimum = 0x800;
  } else if ((byte & 0xF8) == 0xF0) {
    extra = 3, code_point = byte & 0x07, minimum = 0x10000;
  } else {
    return kReplacement;
  }
  for (int k = 0; k < extra; ++k) {
    if (i >= text.size() || (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      return kReplacement;
    }
    code_point = (code_point << 6) | (static_cast<unsigned char>(text[i++]) & 0x3F);
  }
  if (code_point < minimum || code_point > 0x10FFFF ||
      (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return kReplacement;
  }
  return code_point;
}

// XML 1.0 §2.2: Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
std::string EscapeXml(std::string_view text, bool attribute) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    char32_t c = DecodeUtf8(text, i);
    switch (c) {
      case '&':
        out += "&amp;";
        continue;
      case '<':
        out += "&lt;";
        continue;
      case '>':
        out += "&gt;";
        continue;
      case '\r':
        out += "&#13;";
        continue;
      case '"':
        out += attribute ? "&quot;" : "\"";
        continue;
      case '\'':
        out += attribute ? "&apos;" : "'";
        continue;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        continue;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == 0xFFFE || c == 0xFFFF) {
      c = kReplacement;
    }
    manifest::AppendUtf8(out, c);
  }
  return out;
}

struct TestCase {
  std::string classname;
  std::string name;
  std::vector<const manifest::Diagnostic*> failures;  // error findings
  std::vector<const manifest::Diagnostic*> output;    // warnings and info
  std::string error;                                  // an unreadable input
  bool is_resource = false;

  bool HasContent() const { return !failures.empty() || !output.empty() || !error.empty(); }
};

std::string Attribute(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + EscapeXmlAttribute(value) + "\"";
}

std::string Counts(std::size_t tests, int failures, int errors) {
  return Attribute("tests", std::to_string(tests)) +
         Attribute("failures", std::to_string(failures)) +
         Attribute("errors", std::to_string(errors));
}

}  // namespace

std::string EscapeXmlText(std::string_view text) { return EscapeXml(text, false); }

std::string EscapeXmlAttribute(std::string_view text) { return EscapeXml(text, true); }

std::string RenderJunit(const ReportInput& input) {
  // Test cases in report order: per file (load order), the file's own case first, then its
  // resources; then cases for files the input did not list, then findings with no file at all.
  std::map<std::string, int> file_rank;
  for (const std::string& file : input.files) {
    file_rank.emplace(file, static_cast<int>(file_rank.size()));
  }
  struct Slot {
    int rank;
    int order;
    TestCase test;
  };
  std::vector<Slot> slots;
  auto rank_of = [&](const std::string& file) {
    auto it = file_rank.find(file);
    return it != file_rank.end() ? it->second : static_cast<int>(input.files.size());
  };
  std::multimap<std::string, std::size_t> resource_slots;  // id -> slot
  for (const CheckedResource& resource : input.resources) {
    resource_slots.emplace(resource.id, slots.size());
    slots.push_back({rank_of(resource.file), static_cast<int>(slots.size()),
                     TestCase{resource.file, resource.id, {}, {}, {}, true}});
  }
  std::map<std::string, std::size_t> file_slots;  // file path ("" for none) -> slot
  auto file_slot = [&](const std::string& file) {
    auto it = file_slots.find(file);
    if (it != file_slots.end()) {
      return it->second;
    }
    int rank = file.empty() ? static_cast<int>(input.files.size()) + 1 : rank_of(file);
    std::string name = file.empty() ? "findings without a file" : file;
    std::string classname = file.empty() ? input.tool_name : file;
    // A file's own case sorts before its resources (order -1); cases of files the input did
    // not list keep the order they were met in (stable sort).
    slots.push_back({rank, -1, TestCase{classname, name, {}, {}, {}, false}});
    file_slots.emplace(file, slots.size() - 1);
    return slots.size() - 1;
  };

  for (const manifest::Diagnostic& finding : input.findings) {
    std::string file = finding.position.file != nullptr ? finding.position.file->path() : "";
    // A finding belongs to its resource's case when it names a loaded resource in the same file
    // (a duplicate names the object, but the object's case is the first definition's file).
    std::size_t slot = slots.size();
    auto [begin, end] = resource_slots.equal_range(finding.resource);
    for (auto it = begin; it != end && !finding.resource.empty(); ++it) {
      if (file.empty() || slots[it->second].test.classname == file) {
        slot = it->second;
        break;
      }
    }
    if (slot == slots.size()) {
      slot = file_slot(file);
    }
    TestCase& test = slots[slot].test;
    (finding.severity == manifest::Severity::kError ? test.failures : test.output)
        .push_back(&finding);
  }

  std::stable_sort(slots.begin(), slots.end(), [](const Slot& a, const Slot& b) {
    return std::pair(a.rank, a.order) < std::pair(b.rank, b.order);
  });
  for (const std::string& message : input.unreadable) {
    slots.push_back({0, 0, TestCase{input.tool_name, message, {}, {}, message, false}});
  }

  int failures = 0;
  int errors = 0;
  for (const Slot& slot : slots) {
    failures += slot.test.failures.empty() ? 0 : 1;
    errors += slot.test.error.empty() ? 0 : 1;
  }
  std::string suite_name = input.tool_name + " validate";
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites" + Attribute("name", suite_name) + Counts(slots.size(), failures, errors) +
         ">\n";
  out += "  <testsuite" + Attribute("name", suite_name) + Counts(slots.size(), failures, errors) +
         Attribute("skipped", "0") + ">\n";
  for (const Slot& slot : slots) {
    const TestCase& test = slot.test;
    out += "    <testcase" + Attribute("classname", test.classname) + Attribute("name", test.name);
    if (!test.HasContent()) {
      out += "/>\n";
      continue;
    }
    out += ">\n";
    if (!test.error.empty()) {
      out += "      <error" + Attribute("message", test.error) + Attribute("type", "unreadable") +
             "/>\n";
    }
    for (const manifest::Diagnostic* finding : test.failures) {
      out += "      <failure" + Attribute("message", finding->message) +
             Attribute("type", finding->code) + ">" +
             EscapeXmlText(manifest::RenderText(*finding)) + "</failure>\n";
    }
    if (!test.output.empty()) {
      out += "      <system-out>";
      for (const manifest::Diagnostic* finding : test.output) {
        out += EscapeXmlText(manifest::RenderText(*finding));
      }
      out += "</system-out>\n";
    }
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n";
  out += "</testsuites>\n";
  return out;
}

}  // namespace agw::validate::report
