#include "validate/manifest/symptoms.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace agw::validate::manifest {
namespace {

// The shell lines quoted in a message are cut at this length: a finding is one line.
constexpr std::size_t kMaxQuotedCommand = 60;
// Longer words are not quoted at all: API keys and tokens are long.
constexpr std::size_t kMaxQuotedWord = 30;

std::string_view TrimTrailing(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

std::string_view TrimLeading(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  return text;
}

// Commands a tutorial runs with a manifest on its standard input, or around it.
bool IsManifestCommand(std::string_view word) {
  static const std::set<std::string_view> kCommands = {
      "kubectl", "k", "oc", "cat", "tee", "sudo", "k3s", "microk8s", "minikube", "helm", "envsubst",
  };
  return kCommands.count(word) != 0;
}

struct Command {
  bool heredoc = false;
  std::string delimiter;
  bool strips_tabs = false;  // `<<-EOF`: the end line may be indented with tabs
};

// Whether `line` (trailing blanks removed) is a shell command line: a `$ ` prompt, or one of the
// commands above with arguments and no `key: ` in it (which would make it a YAML mapping).
std::optional<Command> ParseCommand(std::string_view line) {
  if (line.empty() || line[0] == ' ' || line[0] == '\t') {
    return std::nullopt;
  }
  bool prompt = line.size() >= 2 && line[0] == '$' && (line[1] == ' ' || line[1] == '\t');
  std::string_view command = prompt ? TrimLeading(line.substr(1)) : line;
  if (command.empty()) {
    return std::nullopt;
  }
  if (!prompt) {
    std::size_t space = command.find_first_of(" \t");
    if (space == std::string_view::npos || !IsManifestCommand(command.substr(0, space))) {
      return std::nullopt;
    }
    static const RE2 kMappingIndicator(R"(:([ \t]|$))");
    if (RE2::PartialMatch(re2::StringPiece(command.data(), command.size()), kMappingIndicator)) {
      return std::nullopt;
    }
  }
  Command out;
  // `<<EOF`, `<< 'EOF'`, `<<"EOF"`, `<<-EOF`; not `<<<` (a here-string) or a `<<:` merge key.
  static const RE2 kHeredoc(R"((?:^|[^<])<<(-?)[ \t]*['"]?([A-Za-z_][A-Za-z0-9_]*)['"]?)");
  std::string dash;
  std::string delimiter;
  if (RE2::PartialMatch(re2::StringPiece(command.data(), command.size()), kHeredoc, &dash,
                        &delimiter)) {
    out.heredoc = true;
    out.delimiter = delimiter;
    out.strips_tabs = !dash.empty();
  }
  return out;
}

// The command as a message quotes it: whole when short, else cut at a word boundary, and never
// up to an argument that may hold a secret: one with '=' (`--from-literal=key=value`), a quoted
// one (`"Authorization: Bearer ..."`) or a long one (a token). `continued`: the command goes on
// over the next lines (a trailing backslash), which are not quoted.
std::string QuotedCommand(std::string_view line, bool continued) {
  std::string out;
  bool cut = false;
  std::size_t i = 0;
  while (i < line.size()) {
    std::size_t start = line.find_first_not_of(" \t", i);
    if (start == std::string_view::npos) {
      break;
    }
    std::size_t end = line.find_first_of(" \t", start);
    std::string_view word =
        line.substr(start, end == std::string_view::npos ? line.npos : end - start);
    i = end == std::string_view::npos ? line.size() : end;
    if (word == "\\") {
      continue;
    }
    if (word.find('=') != std::string_view::npos || word[0] == '"' || word[0] == '\'' ||
        word.size() > kMaxQuotedWord || out.size() + 1 + word.size() > kMaxQuotedCommand) {
      cut = true;
      break;
    }
    if (!out.empty()) {
      out += ' ';
    }
    out += word;
  }
  if (cut || continued) {
    out += " ...";
  }
  return out;
}

enum class LineClass { kBlank, kContent, kSeparator, kShell };

LineClass Classify(std::string_view line) {
  std::string_view trimmed = TrimLeading(TrimTrailing(line));
  if (trimmed.empty() || trimmed[0] == '#') {
    return LineClass::kBlank;
  }
  if (line.substr(0, 3) == "---" || line.substr(0, 3) == "...") {
    return LineClass::kSeparator;
  }
  return LineClass::kContent;
}

// The class of each line of `file` (index = line - 1), shell lines marked.
std::vector<LineClass> ClassifyLines(const SourceFile& file, const std::vector<ShellLine>& lines) {
  std::vector<LineClass> classes;
  classes.reserve(file.LineCount());
  for (int n = 1; n <= file.LineCount(); ++n) {
    classes.push_back(Classify(file.Line(n)));
  }
  for (const ShellLine& shell : lines) {
    for (int n = shell.line; n <= shell.last_line; ++n) {
      classes[n - 1] = LineClass::kShell;
    }
    if (shell.end_line > 0) {
      classes[shell.end_line - 1] = LineClass::kShell;
    }
  }
  return classes;
}

// Whether the shell lines first..last stand between two manifests with no `---` between them,
// so that deleting them would join the two into one document. Of several shell lines in a row
// only the last one is said to.
bool Separates(const std::vector<LineClass>& classes, int first, int last) {
  bool before = false;
  for (int n = first - 1; n >= 1; --n) {
    LineClass c = classes[n - 1];
    if (c == LineClass::kContent) {
      before = true;
      break;
    }
    if (c == LineClass::kSeparator) {
      break;
    }
  }
  if (!before) {
    return false;
  }
  for (int n = last + 1; n <= static_cast<int>(classes.size()); ++n) {
    LineClass c = classes[n - 1];
    if (c != LineClass::kBlank) {
      return c == LineClass::kContent;
    }
  }
  return false;
}

std::string LineAction(bool separates, const std::string& which) {
  return separates ? "replace " + which + " with a `---` line (it stands between two manifests)"
                   : "delete " + which;
}

}  // namespace

std::vector<ShellLine> FindShellLines(const SourceFile& file) {
  std::vector<ShellLine> found;
  std::optional<std::size_t> open;  // the heredoc whose end is still to come
  bool open_strips_tabs = false;
  for (int n = 1; n <= file.LineCount(); ++n) {
    std::string_view line = TrimTrailing(file.Line(n));
    if (open) {
      std::string_view candidate = line;
      if (open_strips_tabs) {
        candidate.remove_prefix(std::min(candidate.find_first_not_of('\t'), candidate.size()));
      }
      if (candidate == found[*open].delimiter) {
        found[*open].end_line = n;
        open.reset();
        continue;
      }
    }
    if (std::optional<Command> command = ParseCommand(line)) {
      ShellLine shell;
      shell.kind = command->heredoc ? ShellLine::Kind::kHeredocStart : ShellLine::Kind::kCommand;
      shell.line = n;
      shell.last_line = n;
      // A trailing backslash continues the command on the next line.
      while (TrimTrailing(file.Line(shell.last_line)).ends_with('\\') &&
             shell.last_line < file.LineCount()) {
        ++shell.last_line;
      }
      n = shell.last_line;
      if (command->heredoc) {
        shell.delimiter = command->delimiter;
        open = found.size();
        open_strips_tabs = command->strips_tabs;
      }
      found.push_back(std::move(shell));
      continue;
    }
    // Most tutorials end their heredocs with EOF; a lone one is the tail of a copied command.
    if (line == "EOF") {
      ShellLine shell;
      shell.kind = ShellLine::Kind::kHeredocEnd;
      shell.line = n;
      shell.last_line = n;
      shell.delimiter = "EOF";
      found.push_back(std::move(shell));
    }
  }
  return found;
}

std::vector<Diagnostic> DescribeShellLines(const SourceFile& file,
                                           const std::vector<ShellLine>& lines) {
  std::vector<Diagnostic> out;
  if (lines.empty()) {
    return out;
  }
  std::vector<LineClass> classes = ClassifyLines(file, lines);
  for (const ShellLine& shell : lines) {
    Diagnostic d;
    d.position = Position{&file, shell.line, 1};
    bool separates = Separates(classes, shell.line, shell.last_line);
    std::string this_line = shell.last_line > shell.line ? "lines " + std::to_string(shell.line) +
                                                               "-" + std::to_string(shell.last_line)
                                                         : "this line";
    switch (shell.kind) {
      case ShellLine::Kind::kHeredocStart: {
        d.code = "shell-heredoc";
        d.message =
            "`" + QuotedCommand(TrimTrailing(file.Line(shell.line)), shell.last_line > shell.line) +
            "` is a shell command copied along with the manifest, not YAML";
        if (shell.end_line == 0) {
          d.hint = LineAction(separates, this_line) +
                   "; the YAML after it is checked as if it were not there";
          break;
        }
        d.notes.push_back(
            Note{Position{&file, shell.end_line, 1},
                 "the heredoc ends here: `" + shell.delimiter + "` is not YAML either"});
        bool end_separates = Separates(classes, shell.end_line, shell.end_line);
        std::string end_line = "line " + std::to_string(shell.end_line);
        if (separates == end_separates) {
          d.hint = separates ? "replace " + this_line + " and " + end_line +
                                   " with `---` lines (each stands between two manifests)"
                             : "delete " + this_line + " and " + end_line;
        } else {
          d.hint =
              LineAction(separates, this_line) + ", and " + LineAction(end_separates, end_line);
        }
        d.hint += "; the YAML between them is checked as if they were not there";
        break;
      }
      case ShellLine::Kind::kHeredocEnd:
        d.code = "shell-heredoc";
        d.message = "`" + shell.delimiter + "` ends a shell heredoc (`<<" + shell.delimiter +
                    "`) copied along with the manifest, not YAML";
        d.hint = LineAction(separates, this_line);
        break;
      case ShellLine::Kind::kCommand:
        d.code = "shell-command";
        d.message =
            "`" + QuotedCommand(TrimTrailing(file.Line(shell.line)), shell.last_line > shell.line) +
            "` is a shell command copied along with the manifest, not YAML";
        d.hint = LineAction(separates, this_line);
        break;
    }
    out.push_back(std::move(d));
  }
  return out;
}

std::string WithoutShellLines(const SourceFile& file, const std::vector<ShellLine>& lines,
                              bool as_separators) {
  std::string text = file.text();
  auto blank = [&](int line, bool separator) {
    std::size_t start = file.LineStart(line);
    std::size_t length = file.Line(line).size();
    std::fill_n(text.begin() + start, length, ' ');
    if (separator && length >= 3) {
      text.replace(start, 3, "---");
    }
  };
  for (const ShellLine& shell : lines) {
    for (int n = shell.line; n <= shell.last_line; ++n) {
      blank(n, as_separators && n == shell.line);
    }
    if (shell.end_line > 0) {
      blank(shell.end_line, as_separators);
    }
  }
  return text;
}

namespace {

// Fields of a Kubernetes object's top level (the kinds of this tool's world and the common
// core ones): a key at column 0 that is none of these belongs inside a section.
bool IsTopLevelField(std::string_view key) {
  static const std::set<std::string_view> kTopLevel = {
      "apiVersion",
      "kind",
      "metadata",
      "spec",
      "status",
      "data",
      "stringData",
      "binaryData",
      "type",
      "immutable",
      "items",
      "rules",
      "subjects",
      "roleRef",
      "aggregationRule",
      "secrets",
      "imagePullSecrets",
      "automountServiceAccountToken",
      "webhooks",
      "subsets",
      "template",
      "value",
      "globalDefault",
      "description",
      "preemptionPolicy",
      "handler",
      "overhead",
      "scheduling",
      "provisioner",
      "parameters",
      "reclaimPolicy",
      "volumeBindingMode",
      "allowVolumeExpansion",
      "mountOptions",
      "allowedTopologies",
  };
  return kTopLevel.count(key) != 0;
}

// Sections whose fields a lost indentation spills onto the top level.
bool IsSection(std::string_view key) {
  return key == "metadata" || key == "spec" || key == "data" || key == "stringData" ||
         key == "status";
}

constexpr std::string_view kNonBreakingSpace = "\xC2\xA0";

// `line` without its indentation, which may be spaces, tabs or the non-breaking spaces of a web
// page; `width` is set to the number of characters removed.
std::string_view TrimIndentation(std::string_view line, int& width) {
  width = 0;
  while (!line.empty()) {
    if (line.front() == ' ' || line.front() == '\t') {
      line.remove_prefix(1);
    } else if (line.starts_with(kNonBreakingSpace)) {
      line.remove_prefix(kNonBreakingSpace.size());
    } else {
      break;
    }
    ++width;
  }
  return line;
}

// One line of a document read without a parser.
struct PlainLine {
  int number = 0;
  int indent = 0;     // leading spaces, tabs and non-breaking spaces
  bool item = false;  // starts with "- "
  std::string key;    // "" when the line is no `key:` line
  std::string value;  // after the ':', comment removed, trimmed, quotes removed
};

std::string Unquoted(std::string_view value) {
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front()) {
    return std::string(value.substr(1, value.size() - 2));
  }
  return std::string(value);
}

// The content lines of `text` (not blank, not comments), each split into key and value.
std::vector<PlainLine> ReadPlainLines(std::string_view text, int first_line) {
  std::vector<PlainLine> out;
  int number = first_line;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = text.find('\n', i);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = TrimTrailing(text.substr(i, end - i));
    i = end + 1;
    int this_number = number++;
    int indent = 0;
    std::string_view rest = TrimIndentation(line, indent);
    if (rest.empty() || rest[0] == '#') {
      continue;
    }
    PlainLine plain;
    plain.number = this_number;
    plain.indent = indent;
    if (rest.size() >= 2 && rest[0] == '-' && (rest[1] == ' ' || rest[1] == '\t')) {
      plain.item = true;
      rest = TrimLeading(rest.substr(2));
    }
    std::size_t colon = std::string_view::npos;
    for (std::size_t k = 0; k < rest.size(); ++k) {
      if (rest[k] == ':' && (k + 1 == rest.size() || rest[k + 1] == ' ' || rest[k + 1] == '\t')) {
        colon = k;
        break;
      }
    }
    if (colon != std::string_view::npos && colon > 0 &&
        std::string_view("#{[\"'&*!|>%@`").find(rest[0]) == std::string_view::npos) {
      plain.key = std::string(TrimTrailing(rest.substr(0, colon)));
      std::string_view value = TrimLeading(rest.substr(colon + 1));
      if (!value.empty() && value[0] == '#') {
        value = {};
      }
      if (std::size_t comment = value.find(" #"); comment != std::string_view::npos) {
        value = TrimTrailing(value.substr(0, comment));
      }
      plain.value = Unquoted(value);
    }
    out.push_back(std::move(plain));
  }
  return out;
}

std::string JoinWithAnd(const std::vector<std::string>& parts) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) {
      out += i + 1 == parts.size() ? " and " : ", ";
    }
    out += parts[i];
  }
  return out;
}

}  // namespace

namespace {

// A cheap first look for FindLostIndentation, which splits every line: whether some section
// line at the margin ("spec:") is followed by a content line that is at the margin too.
bool MaySpillSection(std::string_view text) {
  bool after_section = false;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = text.find('\n', i);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = TrimTrailing(text.substr(i, end - i));
    i = end + 1;
    std::string_view rest = TrimLeading(line);
    if (rest.empty() || rest[0] == '#') {
      continue;
    }
    if (after_section && rest.size() == line.size() && rest[0] != '-') {
      return true;
    }
    after_section = false;
    if (line.empty() || line.back() != ':' || line[0] == ' ' || line[0] == '\t') {
      continue;
    }
    after_section = IsSection(line.substr(0, line.size() - 1));
  }
  return false;
}

}  // namespace

std::optional<Diagnostic> FindNonBreakingIndentation(const SourceFile& file, std::string_view text,
                                                     int first_line) {
  int number = first_line;
  int lines = 0;
  int first = 0;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t end = text.find('\n', i);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = text.substr(i, end - i);
    i = end + 1;
    int this_number = number++;
    int width = 0;
    std::string_view rest = TrimIndentation(line, width);
    // Only indentation counts: a key or a list item after it, not text inside a value.
    bool indents_node = rest.starts_with("- ") || rest.find(": ") != std::string_view::npos ||
                        TrimTrailing(rest).ends_with(':');
    if (indents_node && line.substr(0, line.size() - rest.size()).find(kNonBreakingSpace) !=
                            std::string_view::npos) {
      ++lines;
      first = first == 0 ? this_number : first;
    }
  }
  if (lines == 0) {
    return std::nullopt;
  }
  Diagnostic d;
  d.code = "indentation-nbsp";
  d.position = Position{&file, first, 1};
  d.message = "this document is indented with non-breaking spaces (U+00A0, on " +
              std::to_string(lines) + (lines == 1 ? " line" : " lines") +
              "), as web pages show spaces: YAML reads them as part of the keys, not as "
              "indentation";
  d.hint =
      "replace them with plain spaces, or copy the manifest from its raw source; the rest of "
      "this document is not checked until then";
  return d;
}

std::optional<Diagnostic> FindLostIndentation(const SourceFile& file, std::string_view text,
                                              int first_line) {
  if (!MaySpillSection(text)) {
    return std::nullopt;
  }
  std::vector<PlainLine> lines = ReadPlainLines(text, first_line);
  struct Misplaced {
    std::string section;
    std::string field;
    int line;
  };
  std::vector<Misplaced> misplaced;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    const PlainLine& section = lines[i];
    const PlainLine& next = lines[i + 1];
    if (section.indent != 0 || section.item || !IsSection(section.key) || !section.value.empty() ||
        next.indent != 0 || next.item || next.key.empty() || IsTopLevelField(next.key)) {
      continue;
    }
    // A section read as empty, followed at the margin by a field that is no top-level one.
    misplaced.push_back(Misplaced{section.key, next.key, next.number});
  }
  if (misplaced.empty()) {
    return std::nullopt;
  }
  bool all_at_margin = std::all_of(lines.begin(), lines.end(),
                                   [](const PlainLine& line) { return line.indent == 0; });
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < misplaced.size(); ++i) {
    parts.push_back("`" + misplaced[i].field + "` " + (i == 0 ? "belongs " : "") + "under `" +
                    misplaced[i].section + ":`");
  }
  Diagnostic d;
  d.code = "indentation-lost";
  d.position = Position{&file, misplaced.front().line, 1};
  d.message = std::string("the indentation of this document was lost") +
              (all_at_margin ? " (every line starts at column 0)" : " in places") + ": " +
              JoinWithAnd(parts) + ", but YAML reads " +
              (misplaced.size() == 1 ? "it as a top-level field" : "them as top-level fields");
  d.hint =
      "copying from a web page can drop leading spaces: indent each section's fields again (two "
      "spaces per level), or copy the manifest from its raw source; the rest of this document is "
      "not checked until then";
  return d;
}

BrokenDocument ReadBrokenDocument(const SourceFile& file, std::string_view text, int first_line) {
  BrokenDocument out;
  out.start = Position{&file, first_line, 1};
  out.last_line = first_line + static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  if (!text.empty() && text.back() == '\n') {
    --out.last_line;
  }
  bool in_metadata = false;
  int metadata_indent = -1;
  for (const PlainLine& line : ReadPlainLines(text, first_line)) {
    if (in_metadata) {
      if (metadata_indent < 0) {
        // The first line after `metadata:` sets the indentation of its fields; at column 0 it
        // is one only when it is no top-level field (the indentation was lost).
        if (line.indent > 0 || (!line.item && !line.key.empty() && !IsTopLevelField(line.key))) {
          metadata_indent = line.indent;
        } else {
          in_metadata = false;
        }
      } else if (line.indent < metadata_indent ||
                 (line.indent == 0 && !line.item && IsTopLevelField(line.key))) {
        in_metadata = false;
      }
    }
    if (in_metadata && line.indent == metadata_indent && !line.item) {
      if (line.key == "name" && out.name.empty()) {
        out.name = line.value;
      } else if (line.key == "namespace" && out.namespace_.empty()) {
        out.namespace_ = line.value;
      }
    } else if (!in_metadata && line.indent == 0 && !line.item) {
      if (line.key == "apiVersion" && out.api_version.empty()) {
        out.api_version = line.value;
      } else if (line.key == "kind" && out.kind.empty()) {
        out.kind = line.value;
      } else if (line.key == "metadata" && line.value.empty()) {
        in_metadata = true;
        metadata_indent = -1;
      }
    }
    if (line.key == "name" && !line.value.empty()) {
      out.names.push_back(line.value);
    }
  }
  return out;
}

namespace {

bool IsNameCharacter(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
}

// Whether `token` occurs in `text` as a whole name (not as part of a longer one).
bool ContainsName(std::string_view text, std::string_view token) {
  if (token.empty()) {
    return false;
  }
  for (std::size_t at = text.find(token); at != std::string_view::npos;
       at = text.find(token, at + 1)) {
    bool starts = at == 0 || (!IsNameCharacter(text[at - 1]) && text[at - 1] != '/');
    std::size_t end = at + token.size();
    bool ends = end == text.size() || !IsNameCharacter(text[end]) ||
                (text[end] == '.' && (end + 1 == text.size() || text[end + 1] == ' '));
    if (starts && ends) {
      return true;
    }
  }
  return false;
}

std::string Lowered(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Whether a message about a missing reference speaks of an object of `kind` ("secret ns/x not
// found", "Backend not found: ns/x" for a backendRef to an AgentgatewayBackend or Service).
bool MentionsKind(const std::string& lowered_message, const std::string& kind) {
  if (lowered_message.find(Lowered(kind)) != std::string::npos) {
    return true;
  }
  bool backend_kind = kind == "AgentgatewayBackend" || kind == "Service" || kind == "InferencePool";
  return backend_kind && lowered_message.find("backend") != std::string::npos;
}

}  // namespace

bool FollowsFromBrokenDocument(const Diagnostic& finding,
                               const std::vector<BrokenDocument>& broken) {
  if (broken.empty()) {
    return false;
  }
  std::string lowered = Lowered(finding.message);
  std::string_view subject = finding.resource;
  if (std::size_t cut = subject.find_last_of(" /"); cut != std::string_view::npos) {
    subject.remove_prefix(cut + 1);
  }
  bool says_unused = finding.code.rfind("unused-", 0) == 0;
  for (const BrokenDocument& document : broken) {
    if (!document.kind.empty() && !document.name.empty()) {
      std::string target =
          document.namespace_.empty() ? document.name : document.namespace_ + "/" + document.name;
      bool names_it = ContainsName(finding.message, target) ||
                      (document.kind == "Service" && !document.namespace_.empty() &&
                       finding.message.find(document.name + "." + document.namespace_ + ".svc") !=
                           std::string::npos);
      if (names_it && MentionsKind(lowered, document.kind)) {
        return true;
      }
      // A grant that could not be read may be the one that permits the reference.
      if (document.kind == "ReferenceGrant" && finding.code == "RefNotPermitted") {
        return true;
      }
    }
    if (says_unused && !subject.empty() &&
        std::find(document.names.begin(), document.names.end(), subject) != document.names.end()) {
      return true;
    }
  }
  return false;
}

}  // namespace agw::validate::manifest
