#include "validate/manifest/yaml_reader.h"

#include <catch2/catch.hpp>

namespace agw::validate::manifest {
namespace {

struct Parsed {
  std::unique_ptr<SourceFile> file;
  std::vector<Document> documents;
  DiagnosticSink sink;
};

std::unique_ptr<Parsed> Parse(std::string text, std::string path = "in.yaml") {
  auto parsed = std::make_unique<Parsed>();
  parsed->file = std::make_unique<SourceFile>(std::move(path), std::move(text));
  parsed->documents = ParseDocuments(*parsed->file, parsed->sink);
  return parsed;
}

std::string Rendered(const Parsed& parsed) {
  std::string out;
  for (const Diagnostic& d : parsed.sink.diagnostics()) {
    out += RenderText(d);
  }
  return out;
}

TEST_CASE("Every node keeps its 1-based line and column") {
  auto parsed = Parse(
      "apiVersion: v1\n"
      "kind: Secret\n"
      "metadata:\n"
      "  name: token\n"
      "stringData:\n"
      "  list:\n"
      "    - first\n"
      "    - \"second\"\n");
  REQUIRE(parsed->documents.size() == 1);
  const Value& root = parsed->documents[0].root;
  const Value* name = root.Find("metadata")->Find("name");
  CHECK(name->position().line == 4);
  CHECK(name->position().column == 9);
  const Value& second = root.Find("stringData")->Find("list")->items()[1];
  CHECK(second.text() == "second");
  CHECK(second.position().line == 8);
  CHECK(second.position().column == 7);
  const MapEntry* entry = root.FindEntry("kind");
  CHECK(entry->key_position.line == 2);
  CHECK(entry->key_position.column == 1);
}

TEST_CASE("Documents are split on --- lines and positions count from the file start") {
  auto parsed = Parse(
      "# leading comment\n"
      "a: 1\n"
      "---\n"
      "# only a comment\n"
      "--- # trailing comment on the separator\n"
      "b: 2\n"
      "---\n"
      "\n");
  REQUIRE(parsed->documents.size() == 2);
  CHECK(parsed->documents[1].root.Find("b")->position().line == 6);
  CHECK(parsed->sink.diagnostics().empty());
}

TEST_CASE("Plain scalars are typed as kubectl's YAML reader types them") {
  auto parsed = Parse(
      "int: 42\n"
      "negative: -7\n"
      "hex: 0x1F\n"
      "octal: 0o17\n"
      "legacy_octal: 017\n"
      "float: 1.5\n"
      "exponent: 1e3\n"
      "yes_word: yes\n"
      "off_word: Off\n"
      "null_tilde: ~\n"
      "empty:\n"
      "quoted_int: \"42\"\n"
      "quoted_bool: 'true'\n"
      "version: 1.10.0\n"
      "big: 99999999999999999999\n");
  REQUIRE(parsed->documents.size() == 1);
  const Value& root = parsed->documents[0].root;
  CHECK(root.Find("int")->is_int());
  CHECK(root.Find("int")->int_value() == 42);
  CHECK(root.Find("negative")->int_value() == -7);
  CHECK(root.Find("hex")->int_value() == 31);
  CHECK(root.Find("octal")->int_value() == 15);
  CHECK(root.Find("legacy_octal")->int_value() == 15);
  CHECK(root.Find("float")->type() == Value::Type::kFloat);
  CHECK(root.Find("exponent")->float_value() == 1000.0);
  CHECK(root.Find("yes_word")->is_bool());
  CHECK(root.Find("yes_word")->bool_value());
  CHECK(root.Find("off_word")->is_bool());
  CHECK_FALSE(root.Find("off_word")->bool_value());
  CHECK(root.Find("null_tilde")->is_null());
  CHECK(root.Find("empty")->is_null());
  CHECK(root.Find("quoted_int")->is_string());
  CHECK(root.Find("quoted_bool")->is_string());
  CHECK(root.Find("version")->is_string());
  CHECK(root.Find("big")->type() == Value::Type::kFloat);
}

TEST_CASE("Anchors, aliases and merge keys expand") {
  auto parsed = Parse(
      "base: &base\n"
      "  a: 1\n"
      "  b: 2\n"
      "copy: *base\n"
      "merged:\n"
      "  <<: *base\n"
      "  b: 3\n");
  REQUIRE(parsed->documents.size() == 1);
  const Value& root = parsed->documents[0].root;
  CHECK(root.Find("copy")->Find("b")->int_value() == 2);
  CHECK(root.Find("merged")->Find("a")->int_value() == 1);
  CHECK(root.Find("merged")->Find("b")->int_value() == 3);
  CHECK(root.Find("merged")->entries().size() == 2);
}

TEST_CASE("A duplicate key is a warning at the second key, whose value wins as in kubectl") {
  auto parsed = Parse(
      "metadata:\n"
      "  name: a\n"
      "  name: b\n");
  CHECK(Rendered(*parsed) ==
        "in.yaml:3:3: warning: mapping key \"name\" already defined at line 2; kubectl keeps "
        "this later value [yaml-duplicate-key]\n"
        " 3 |   name: b\n"
        "   |   ^\n"
        "  hint: delete one of the two\n");
  REQUIRE(parsed->documents.size() == 1);
  CHECK(parsed->documents[0].root.Find("metadata")->Find("name")->text() == "b");
}

TEST_CASE("Bad indentation is reported where the parser stopped") {
  auto parsed = Parse(
      "metadata:\n"
      "  name: a\n"
      "   namespace: b\n");
  CHECK(Rendered(*parsed) ==
        "in.yaml:3:13: error: mapping values are not allowed in this context (check this "
        "line's indentation) [yaml-syntax]\n"
        " 3 |    namespace: b\n"
        "   |             ^\n");
  CHECK(parsed->documents.empty());
}

TEST_CASE("A tab used as indentation is named as such") {
  auto parsed = Parse(
      "metadata:\n"
      "\tname: a\n");
  CHECK(Rendered(*parsed) ==
        "in.yaml:2:1: error: found a tab character in indentation (YAML allows only spaces "
        "there) [yaml-syntax]\n"
        " 2 |  name: a\n"
        "   | ^\n");
}

TEST_CASE("An unclosed quote is an error, not a string that runs to the end of the file") {
  auto parsed = Parse(
      "metadata:\n"
      "  name: \"token\n"
      "kind: ConfigMap\n");
  CHECK(Rendered(*parsed) ==
        "in.yaml:2:9: error: found unexpected end of stream while scanning a quoted scalar "
        "(the closing quote is missing) [yaml-syntax]\n"
        " 2 |   name: \"token\n"
        "   |         ^\n");
  CHECK(parsed->documents.empty());
}

TEST_CASE("Quotes that close on a later line or escape themselves are accepted") {
  auto parsed = Parse(
      "a: \"multi\n"
      "  line\"\n"
      "b: 'it''s'\n"
      "c: \"say \\\"hi\\\"\"\n");
  REQUIRE(parsed->documents.size() == 1);
  CHECK(parsed->sink.diagnostics().empty());
  CHECK(parsed->documents[0].root.Find("b")->text() == "it's");
  CHECK(parsed->documents[0].root.Find("c")->text() == "say \"hi\"");
}

TEST_CASE("A broken document does not hide the documents after it") {
  auto parsed = Parse(
      "a: [1, 2\n"
      "---\n"
      "b: 2\n");
  REQUIRE(parsed->documents.size() == 1);
  CHECK(parsed->documents[0].root.Find("b")->int_value() == 2);
  CHECK(Rendered(*parsed) ==
        "in.yaml:2:1: error: did not find the closing ']' of a flow sequence [yaml-syntax]\n"
        " 2 | ---\n"
        "   | ^\n");
}

TEST_CASE("Two top-level nodes without a separator are an error") {
  auto parsed = Parse(
      "- a\n"
      "b: 1\n");
  CHECK(parsed->documents.empty());
  CHECK(Rendered(*parsed) ==
        "in.yaml:2:1: error: did not find expected '-' indicator [yaml-syntax]\n"
        " 2 | b: 1\n"
        "   | ^\n");
}

TEST_CASE("JSON is read with positions too") {
  auto parsed = Parse(
      "{\n"
      "  \"apiVersion\": \"v1\",\n"
      "  \"kind\": \"Secret\",\n"
      "  \"metadata\": {\"name\": \"token\", \"labels\": {\"a\": \"b\"}}\n"
      "}\n",
      "secret.json");
  REQUIRE(parsed->documents.size() == 1);
  const Value* name = parsed->documents[0].root.Find("metadata")->Find("name");
  CHECK(name->text() == "token");
  CHECK(name->position().line == 4);
  CHECK(name->position().column == 24);
}

TEST_CASE("Alias expansion is bounded") {
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 8; ++i) {
    std::string previous = "*a" + std::to_string(i - 1);
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + previous;
    for (int j = 1; j < 10; ++j) {
      text += ", " + previous;
    }
    text += "]\n";
  }
  auto parsed = Parse(text);
  REQUIRE(parsed->sink.diagnostics().size() == 1);
  CHECK(parsed->sink.diagnostics()[0].message ==
        "document expands to more than 1000000 nodes through aliases");
}

TEST_CASE("A key without a colon is go-yaml's error, pointed at the key") {
  auto parsed = Parse(
      "apiVersion: v1\n"
      "metadata:\n"
      "  name: a\n"
      "data\n"
      "  a: b\n");
  CHECK(Rendered(*parsed) ==
        "in.yaml:4:1: error: could not find expected ':' [yaml-syntax]\n"
        " 4 | data\n"
        "   | ^\n");
  CHECK(parsed->documents.empty());
}

TEST_CASE("A line that lost its indentation ends the value above it, as in go-yaml") {
  auto parsed = Parse(
      "metadata:\n"
      "  name: a\n"
      "labels\n");
  CHECK(Rendered(*parsed) ==
        "in.yaml:3:1: error: could not find expected ':' [yaml-syntax]\n"
        " 3 | labels\n"
        "   | ^\n");
}

TEST_CASE("Core tags must match their value and unknown tags leave a string") {
  auto parsed = Parse(
      "a: !!bool maybe\n"
      "b: !!float 1\n"
      "c: !!binary aGVsbG8=\n"
      "d: !custom 42\n");
  CHECK(Rendered(*parsed) ==
        "in.yaml:1:4: error: cannot decode !!str `maybe` as a !!bool [yaml-syntax]\n"
        " 1 | a: !!bool maybe\n"
        "   |    ^\n");
}

TEST_CASE("Tags that fit are read as go-yaml reads them") {
  auto parsed = Parse(
      "b: !!float 1\n"
      "c: !!binary aGVsbG8=\n"
      "d: !custom 42\n"
      "yes: booleans and integers as keys become their JSON text\n"
      "0x1F: 31\n");
  REQUIRE(parsed->documents.size() == 1);
  CHECK(parsed->sink.diagnostics().empty());
  const Value& root = parsed->documents[0].root;
  CHECK(root.Find("b")->type() == Value::Type::kFloat);
  CHECK(root.Find("c")->text() == "hello");
  CHECK(root.Find("d")->is_string());
  CHECK(root.Find("true") != nullptr);
  CHECK(root.Find("31") != nullptr);
}

TEST_CASE("Control characters and directives are errors, as go-yaml reads them") {
  auto control = Parse("a: b\nc: d\x01\n");
  CHECK(Rendered(*control) ==
        "in.yaml:2:5: error: control characters are not allowed [yaml-syntax]\n"
        " 2 | c: d\x01\n"
        "   |     ^\n");
  auto directive = Parse("%FOO bar\n---\na: b\n");
  CHECK(Rendered(*directive) ==
        "in.yaml:1:1: error: found unknown directive name [yaml-syntax]\n"
        " 1 | %FOO bar\n"
        "   | ^\n");
}

TEST_CASE("CR-only line endings are line breaks, and positions count them") {
  auto parsed = Parse("apiVersion: v1\rkind: Secret\rmetadata:\r  name: token\r");
  REQUIRE(parsed->documents.size() == 1);
  CHECK(parsed->sink.diagnostics().empty());
  const Value* name = parsed->documents[0].root.Find("metadata")->Find("name");
  CHECK(name->text() == "token");
  CHECK(name->position().line == 4);
  CHECK(name->position().column == 9);
}

TEST_CASE("Only LF ends a '---' line for kubectl, so a document after CR-only breaks is ignored") {
  auto parsed = Parse("a: 1\r---\rb: 2\r");
  REQUIRE(parsed->documents.size() == 1);
  CHECK(parsed->documents[0].root.Find("a") != nullptr);
  CHECK(Rendered(*parsed) ==
        "in.yaml:2:1: warning: kubectl reads one document between '---' lines and ignores this "
        "one (a '---' only separates documents at the start of a line that ends with LF) "
        "[ignored-document]\n"
        " 2 | ---\n"
        "   | ^\n");
}

TEST_CASE("Invalid UTF-8 is read as U+FFFD, as kubectl reads it, with a warning where it starts") {
  auto parsed = Parse("a: b\npath: /v1\xff\xfe\n");
  REQUIRE(parsed->documents.size() == 1);
  CHECK(parsed->documents[0].root.Find("path")->text() == "/v1\xEF\xBF\xBD\xEF\xBF\xBD");
  REQUIRE(parsed->sink.diagnostics().size() == 1);
  const Diagnostic& d = parsed->sink.diagnostics()[0];
  CHECK(d.severity == Severity::kWarning);
  CHECK(d.position.ToString() == "in.yaml:2:10");
  CHECK(d.message ==
        "invalid UTF-8: kubectl reads this and 1 more byte sequences in the file as U+FFFD, the "
        "replacement character");
}

TEST_CASE("A file that starts with '{' is JSON by Go's rules and messages") {
  auto parsed = Parse("{\"a\": 1,\n \"b\": [1, 2,],\n}\n", "in.json");
  CHECK(Rendered(*parsed) ==
        "in.json:2:13: error: invalid character ']' looking for beginning of value "
        "[yaml-syntax]\n"
        " 2 |  \"b\": [1, 2,],\n"
        "   |             ^\n");
  auto unquoted = Parse("{apiVersion: v1}\n", "in.json");
  CHECK(unquoted->sink.diagnostics().at(0).message ==
        "invalid character 'a' looking for beginning of object key string");
  auto two = Parse("{\"a\": \"\\ud83d\\ude00\"}\n{\"b\": 2.5e1}\n", "in.json");
  REQUIRE(two->documents.size() == 2);
  CHECK(two->documents[0].root.Find("a")->text() == "\xF0\x9F\x98\x80");
  CHECK(two->documents[1].root.Find("b")->float_value() == 25.0);
  CHECK(two->documents[1].root.Find("b")->position().ToString() == "in.json:2:7");
}

}  // namespace
}  // namespace agw::validate::manifest
