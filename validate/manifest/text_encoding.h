#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace agw::validate::manifest {

struct DecodedText {
  std::string text;  // UTF-8 without a byte order mark
  // Byte offsets in `text` of each U+FFFD written in place of a malformed sequence.
  std::vector<std::size_t> replacements;
};

// What kubectl's resource builder does to a file's bytes before its YAML or JSON decoder sees
// them (k8s.io/cli-runtime FileVisitor: unicode.BOMOverride(unicode.UTF8.NewDecoder())): a
// UTF-8 byte order mark is dropped, a UTF-16 one (FF FE or FE FF) switches to UTF-16, and every
// malformed UTF-8 sequence (or unpaired UTF-16 surrogate) becomes one U+FFFD per maximal
// ill-formed subpart, as the Unicode standard recommends (chapter 3, "U+FFFD Substitution of
// Maximal Subparts"). kubectl never rejects a file for its encoding.
DecodedText DecodeAsKubectlReads(std::string_view bytes);

// Appends `code_point` to `out` as UTF-8 (1 to 4 bytes).
void AppendUtf8(std::string& out, char32_t code_point);

// The length of the YAML line break at text[i] ("\r\n", "\r", "\n", and NEL, LS and PS, which
// go-yaml also treats as line breaks), or 0 when there is none.
std::size_t LineBreakLength(std::string_view text, std::size_t i);

}  // namespace agw::validate::manifest
