#pragma once

#include <vector>

#include "validate/manifest/diagnostic.h"
#include "validate/manifest/source.h"
#include "validate/manifest/symptoms.h"
#include "validate/manifest/value.h"

namespace agw::validate::manifest {

struct Document {
  Value root;
  Position start;  // first line of the document's text
};

// Splits `file` into documents on `---` lines exactly as kubectl's YAML reader does, and parses
// each one (JSON is read as YAML, so JSON files get positions too). Plain scalars are typed
// the way kubectl's YAML-to-JSON conversion types them (YAML 1.1: yes/no/on/off are booleans,
// 0x1f and 0o17 are integers). Syntax errors, duplicate keys and non-scalar keys become
// diagnostics; a broken document is skipped and the documents after it are still read.
// Empty documents (only comments or whitespace) are left out.
// Shell lines copied along with the manifest (`kubectl apply -f - <<EOF`, `EOF`) are reported
// and the rest is read as if they were not there; a document that lost its indentation is
// reported as such and left out (symptoms.h). When `broken` is not null it receives each YAML
// document left out for an error, as ReadBrokenDocument reads it.
std::vector<Document> ParseDocuments(const SourceFile& file, DiagnosticSink& sink,
                                     std::vector<BrokenDocument>* broken = nullptr);

// Whether `text`, written as a plain (unquoted) scalar, reads back as that string and not as
// null, a boolean or a number ("True", "yes", "1.0" and "~" do not).
bool PlainScalarReadsAsString(const std::string& text);

}  // namespace agw::validate::manifest
