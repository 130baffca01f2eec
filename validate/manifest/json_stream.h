#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agw::validate::manifest {

// Where one top-level JSON value lies in a stream: text[begin, end).
struct JsonValueSpan {
  std::size_t begin = 0;
  std::size_t end = 0;
};

struct JsonSyntaxError {
  std::size_t offset = 0;  // the offending byte; text.size() for an unexpected end
  std::string message;     // Go's encoding/json wording, e.g. "invalid character '}' looking
                           // for beginning of object key string", or "unexpected EOF"
};

struct JsonStreamScan {
  std::vector<JsonValueSpan> values;     // the values read before any error, in order
  std::optional<JsonSyntaxError> error;  // the first error; nothing after it is read
};

// What the scanner found, in document order. Offsets are into the scanned text.
class JsonHandler {
 public:
  virtual ~JsonHandler() = default;
  virtual void OnObjectStart(std::size_t offset) = 0;
  virtual void OnArrayStart(std::size_t offset) = 0;
  virtual void OnEnd() = 0;  // of the innermost object or array
  virtual void OnKey(std::size_t offset, std::string key) = 0;
  // A string (decoded: escapes resolved, a lone surrogate as U+FFFD, as Go decodes it), or a
  // number, true, false or null as written.
  virtual void OnString(std::size_t offset, std::string value) = 0;
  virtual void OnLiteral(std::size_t offset, std::string_view text) = 0;
};

// Reads `text` as kubectl reads a file whose first non-space character is '{': a stream of JSON
// values separated by JSON whitespace, checked by the rules and with the messages of Go's
// encoding/json Decoder (nesting deeper than 10000 is an error there too). Only the syntax is
// checked; `handler`, when given, sees the values as they are read.
JsonStreamScan ScanJsonStream(std::string_view text, JsonHandler* handler = nullptr);

// kubectl's choice between its JSON and YAML readers (k8s.io/apimachinery yaml.GuessJSONStream):
// JSON when the first character that is not Unicode white space within the first 4096 bytes
// is '{'.
bool KubectlReadsAsJson(std::string_view text);

}  // namespace agw::validate::manifest
