#!/usr/bin/env python3
"""Writes the YAML/JSON reader corpus: files kubectl's reader accepts or rejects, most of them a
ConfigMap that is valid but for one thing. VERDICTS (next to this script, kept by hand) records
what kubectl says of each; tests/manifest/yaml_corpus_test.cc checks our reader against it, and
against kubectl itself when kubectl is on PATH. Run from anywhere: python3 make_corpus.py"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
OTHER = HEAD.replace("name: x", "name: z")
JSON = '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}%s}\n'


def write(name, data):
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(HERE, name), "wb") as out:
        out.write(data)


def cases():
    data = HEAD + "data:\n"
    # Line endings and encodings.
    yield "plain-configmap.yaml", data + "  a: b\n"
    yield "crlf-line-endings.yaml", (data + "  a: b\n").replace("\n", "\r\n")
    yield "cr-only-line-endings.yaml", (data + "  a: b\n").replace("\n", "\r")
    yield "cr-only-two-documents.yaml", (HEAD + "---\n" + OTHER).replace("\n", "\r")
    yield "cr-only-leading-separator.yaml", ("---\n" + HEAD).replace("\n", "\r")
    yield "mixed-line-endings.yaml", "apiVersion: v1\r\nkind: ConfigMap\rmetadata:\n  name: x\n"
    yield "nel-line-breaks.yaml", (data + "  a: b\n").replace("\n", "\u0085")
    yield "ls-line-breaks.yaml", (data + "  a: b\n").replace("\n", "\u2028")
    yield "nel-inside-value.yaml", data + "  a: b\u0085c\n"
    yield "ls-inside-value.yaml", data + "  a: b\u2028c\n"
    yield "utf8-bom.yaml", b"\xef\xbb\xbf" + (data + "  a: b\n").encode()
    yield "lost-indentation.yaml", data + "  a: b\nc\n"
    yield "lost-indentation-nested.yaml", HEAD + "  labels:\n    a: b\n  c\n"
    yield "utf8-bom-mid-file.yaml", (data + "  a: b\n").encode() + b"\xef\xbb\xbf# c\n"
    yield "utf16le-bom.yaml", b"\xff\xfe" + (data + "  a: b\n").encode("utf-16-le")
    yield "utf16be-bom.yaml", b"\xfe\xff" + (data + "  a: b\n").encode("utf-16-be")
    yield "utf16le-without-bom.yaml", (data + "  a: b\n").encode("utf-16-le")
    yield "invalid-utf8-in-value.yaml", data.encode() + b"  a: /v1\xff\xfe\n"
    yield "invalid-utf8-in-quoted-value.yaml", data.encode() + b'  a: "/v1\xff\xfe"\n'
    yield "invalid-utf8-in-key.yaml", data.encode() + b"  a\xff: b\n"
    yield "invalid-utf8-in-comment.yaml", HEAD.encode() + b"# \xff\n"
    yield "truncated-utf8-sequence.yaml", data.encode() + b"  a: b\xe2\x82\n"
    # Characters go-yaml does not read.
    yield "control-x01-in-value.yaml", data + "  a: b\x01c\n"
    yield "control-x01-in-quoted-value.yaml", data + '  a: "b\x01c"\n'
    yield "control-x01-in-comment.yaml", data + "  a: b # x\x01\n"
    yield "control-del.yaml", data + "  a: b\x7fc\n"
    yield "control-c1.yaml", data + "  a: b\u0080c\n"
    yield "nul-byte-in-value.yaml", data + "  a: b\x00c\n"
    yield "nul-byte-at-end.yaml", data + "  a: b\n\x00"
    yield "control-after-document-end.yaml", HEAD + "...\nfoo: \x01\n"
    yield "escaped-control-character.yaml", data + '  a: "b\\x01c"\n'
    yield "escaped-nul.yaml", data + '  a: "\\0"\n'
    yield "reserved-at-sign.yaml", data + "  a: @foo\n"
    yield "reserved-backtick.yaml", data + "  a: `foo\n"
    # Keys.
    yield "key-without-colon.yaml", HEAD + "data\n  a: b\n"
    yield "key-without-colon-nested.yaml", data + "  a b\n  c: d\n"
    yield "implicit-key-1020-characters.yaml", data + "  " + "k" * 1020 + ": b\n"
    yield "implicit-key-1100-characters.yaml", data + "  " + "k" * 1100 + ": b\n"
    yield "second-key-1100-characters.yaml", data + "  a: b\n  " + "k" * 1100 + ": b\n"
    yield "explicit-multi-line-key.yaml", data + "  ? a\n    b\n  : c\n"
    yield "duplicate-key.yaml", data + "  a: b\n  a: c\n"
    yield "duplicate-key-after-merge.yaml", data + "  <<: {a: b}\n  a: c\n"
    yield "complex-key.yaml", data + "  ? [a, b]\n  : c\n"
    yield "null-key.yaml", data + "  ~: b\n"
    yield "integer-key.yaml", data + "  1: b\n"
    yield "boolean-key.yaml", data + "  yes: b\n"
    # Tags.
    yield "tag-bool-maybe.yaml", data + "  a: !!bool maybe\n"
    yield "tag-int-abc.yaml", data + "  a: !!int abc\n"
    yield "tag-float-x.yaml", data + "  a: !!float x\n"
    yield "tag-null-foo.yaml", data + "  a: !!null foo\n"
    yield "tag-str-true.yaml", data + "  a: !!str true\n"
    yield "tag-binary.yaml", data + "  a: !!binary aGVsbG8=\n"
    yield "tag-binary-bad-base64.yaml", data + '  a: !!binary "%%%%"\n'
    yield "tag-timestamp.yaml", data + "  a: !!timestamp 2001-12-14\n"
    yield "tag-custom.yaml", data + "  a: !foo bar\n"
    yield "infinity-value.yaml", data + "  a: .inf\n"
    # Directives and documents.
    yield "directive-unknown.yaml", "%FOO bar\n---\n" + HEAD
    yield "directive-yaml-1.1.yaml", "%YAML 1.1\n---\n" + HEAD
    yield "directive-yaml-1.2.yaml", "%YAML 1.2\n---\n" + HEAD
    yield "directive-tag.yaml", "%TAG !e! tag:example.com,2000:\n---\n" + data + "  a: !e!foo b\n"
    yield "multi-document.yaml", HEAD + "---\n" + OTHER + "---\n"
    yield "separator-with-comment.yaml", HEAD + "--- # next\n" + OTHER
    yield "separator-with-text.yaml", HEAD + "--- foo\n" + OTHER
    yield "separator-four-dashes.yaml", HEAD + "----\n" + OTHER
    yield "separator-indented.yaml", HEAD + " ---\n"
    yield "leading-separator.yaml", "---\n" + HEAD
    yield "comments-only-document.yaml", "# nothing\n---\n" + HEAD
    yield "document-end-marker.yaml", HEAD + "...\n"
    yield "document-after-end-marker.yaml", HEAD + "...\n" + OTHER
    yield "garbage-after-end-marker.yaml", HEAD + "...\n@bad: [\n"
    yield "two-documents-without-separator.yaml", "- a\n" + HEAD
    # Structure.
    yield "anchors-and-aliases.yaml", data + "  a: &v b\n  c: *v\n"
    yield "anchor-redefined.yaml", data + "  a: &v b\n  c: &v d\n  e: *v\n"
    yield "undefined-alias.yaml", data + "  a: *nope\n"
    yield "merge-key.yaml", "base: &b\n  a: b\n" + data + "  <<: *b\n  c: d\n"
    yield "merge-key-list.yaml", data + "  <<: [{a: b}, {c: d}]\n"
    yield "merge-key-scalar.yaml", data + "  <<: foo\n"
    yield "tab-indentation.yaml", data + "\ta: b\n"
    yield "tab-after-colon.yaml", data + "  a:\tb\n"
    yield "tab-trailing.yaml", data + "  a: b\t\n"
    yield "tab-inside-value.yaml", data + "  a: b\tc\n"
    yield "tab-indenting-block-scalar.yaml", data + "  a: |\n    x\n\ty\n"
    yield "tab-inside-block-scalar.yaml", data + "  a: |\n    x\n    \ty\n"
    yield "block-scalars.yaml", data + "  a: |\n    x\n    y\n  b: >-\n    z\n"
    yield "block-indentation-indicator-zero.yaml", data + "  a: |0\n    x\n"
    yield "block-less-indented-than-indicator.yaml", data + "  a: |2\n x\n"
    yield "multi-line-quoted-value.yaml", data + '  a: "x\n    y"\n'
    yield "multi-line-plain-value.yaml", data + "  a: x\n    y\n"
    yield "unclosed-double-quote.yaml", data + '  a: "b\n'
    yield "unclosed-single-quote.yaml", data + "  a: 'b\n"
    yield "unclosed-flow-mapping.yaml", HEAD + "data: {a: b\n"
    yield "flow-mapping-trailing-comma.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, }\n"
    yield "mapping-value-in-value.yaml", data + "  a: b: c\n"
    yield "bad-indentation.yaml", data + "  a: b\n   c: d\n"
    yield "bad-escape.yaml", data + '  a: "\\q"\n'
    yield "surrogate-escape.yaml", data + '  a: "\\ud800"\n'
    yield "very-long-line.yaml", data + "  a: " + "x" * 200000 + "\n"
    yield "deep-nesting-400.yaml", data + "  a: " + "[" * 400 + "]" * 400 + "\n"
    yield "deep-nesting-20000.yaml", HEAD + "x: " + "[" * 20000 + "]" * 20000 + "\n"
    yield "big-integer.yaml", data + "  a: 99999999999999999999999\n"
    yield "trailing-spaces.yaml", HEAD.replace("\n", "  \n")
    yield "no-final-newline.yaml", data + "  a: b"
    yield "yaml-flow-mapping-at-start.yaml", "{apiVersion: v1, kind: ConfigMap, metadata: {name: x}}\n"
    # JSON, which kubectl reads with Go's encoding/json when the file starts with '{'.
    yield "json-plain.json", JSON % ""
    yield "json-crlf.json", '{"apiVersion": "v1",\r\n "kind": "ConfigMap",\r\n "metadata": {"name": "x"}}\r\n'
    yield "json-bom.json", b"\xef\xbb\xbf" + (JSON % "").encode()
    yield "json-leading-blank-lines.json", "\n\n   " + JSON % ""
    yield "json-tab-whitespace.json", '{\t"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}\n'
    yield "json-two-objects.json", JSON % "" + JSON % "".replace('"x"', '"z"')
    yield "json-duplicate-key.json", '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "name": "z"}}\n'
    yield "json-escapes.json", JSON % ', "data": {"a": "\\u00e9\\/\\n\\"", "b": "\\ud83d\\ude00"}'
    yield "json-numbers.json", JSON % ', "data": {}, "x": [0, -1, 1.5, 1e3, -0.0, 1E+2]'
    yield "json-trailing-comma.json", JSON.replace('"x"}', '"x",}') % ""
    yield "json-unquoted-keys.json", '{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "x"}}\n'
    yield "json-single-quotes.json", "{'apiVersion': 'v1', 'kind': 'ConfigMap', 'metadata': {'name': 'x'}}\n"
    yield "json-comment.json", '{"apiVersion": "v1", // c\n "kind": "ConfigMap", "metadata": {"name": "x"}}\n'
    yield "json-nan.json", JSON % ', "data": {"a": NaN}'
    yield "json-garbage-after-object.json", JSON.rstrip("\n") % "" + " garbage\n"
    yield "json-yaml-separator.json", JSON % "" + "---\n" + JSON % ""
    yield "json-raw-tab-in-string.json", JSON % ', "data": {"a": "b\tc"}'
    yield "json-bad-escape.json", JSON.replace('"x"', '"x\\q"') % ""
    yield "json-leading-zero.json", JSON % ', "x": 01'
    yield "json-unclosed.json", '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}\n'
    yield "json-too-deep.json", JSON % (', "x": ' + "[" * 20000 + "]" * 20000)


if __name__ == "__main__":
    for name, data in cases():
        write(name, data)
