#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "validate/manifest/diagnostic.h"
#include "validate/manifest/source.h"

namespace agw::validate::manifest {

// Recognisers for inputs whose first error would point at a symptom rather than the cause: shell
// lines pasted along with a manifest, a document whose indentation was lost on the way from a
// web page, and the findings that only follow from a document that could not be read. Each
// names the cause in one finding so that the reader does not chase what it set off.

// A line of shell copied along with a manifest (`kubectl apply -f - <<EOF`, a closing `EOF`,
// `$ kubectl get gateways`). Only lines that start at column 0 count: an indented line can be
// part of a YAML value, a line at the margin that is a shell command cannot.
struct ShellLine {
  enum class Kind {
    kHeredocStart,  // a command that feeds a heredoc to its standard input (`<<EOF`)
    kHeredocEnd,    // a lone `EOF` with no heredoc start above it
    kCommand,       // any other command line (`$ ...`, `kubectl create namespace x`)
  };
  Kind kind = Kind::kCommand;
  int line = 0;           // 1-based
  int last_line = 0;      // the same as `line`, or the last line of a `\` continuation
  std::string delimiter;  // kHeredocStart: the word that ends the heredoc ("EOF")
  int end_line = 0;       // kHeredocStart: the line holding `delimiter`; 0 when none does
};

// The shell lines of `file`, in line order.
std::vector<ShellLine> FindShellLines(const SourceFile& file);

// One finding per shell line (codes "shell-heredoc" and "shell-command"); a heredoc's start and
// end are one finding, the end a note. The hint says to delete each line, or to write `---` in
// its place where it stands between two manifests.
std::vector<Diagnostic> DescribeShellLines(const SourceFile& file,
                                           const std::vector<ShellLine>& lines);

// file.text() with each shell line blanked, byte for byte, so that offsets, lines and columns
// stay those of the file. With `as_separators` a blanked line reads as a `---` document
// separator (each heredoc was a command of its own), else as spaces (for JSON).
std::string WithoutShellLines(const SourceFile& file, const std::vector<ShellLine>& lines,
                              bool as_separators);

// A document whose lines lost their indentation (copied from a web page that dropped leading
// spaces): `metadata:` or `spec:` followed at column 0 by a key that belongs inside it, so that
// YAML reads the section as empty and its fields as top-level ones. Returns one error
// ("indentation-lost") at the first misplaced key, or nullopt. `text` is the document's text,
// lines separated by LF, whose first line is `first_line` of `file`.
std::optional<Diagnostic> FindLostIndentation(const SourceFile& file, std::string_view text,
                                              int first_line);

// A document indented with non-breaking spaces (U+00A0), which a web page shows as spaces and
// YAML reads as part of the keys. Returns one error ("indentation-nbsp") at the first such
// line, or nullopt. `text` and `first_line` as above.
std::optional<Diagnostic> FindNonBreakingIndentation(const SourceFile& file, std::string_view text,
                                                     int first_line);

// A document that was left out because it could not be read (a syntax error, lost indentation):
// what its text says it would have defined and referred to, so that findings that only follow
// from its absence can be told from real ones.
struct BrokenDocument {
  Position start;  // its first line
  int last_line = 0;
  // From the top-level apiVersion and kind lines and metadata's name and namespace; empty when
  // the text does not say. The loader sets the namespace kubectl would default to.
  std::string api_version;
  std::string kind;
  std::string namespace_;
  std::string name;
  std::vector<std::string> names;  // the value of every `name:` key, references included
};

// Reads a broken document's text (LF-separated lines, the first being `first_line` of `file`)
// line by line, without a YAML parser.
BrokenDocument ReadBrokenDocument(const SourceFile& file, std::string_view text, int first_line);

// Whether `finding` (from the controller's resolution) only follows from a document that could
// not be read: it reports a reference to the object that document defines as missing (or as
// not in the manifest set, or, for a ReferenceGrant, not permitted), or it says nothing uses an
// object (codes "unused-...") that the document refers to by name.
bool FollowsFromBrokenDocument(const Diagnostic& finding,
                               const std::vector<BrokenDocument>& broken);

}  // namespace agw::validate::manifest
