// Issue 16 item 7: errors that used to point at a symptom. A tutorial example copied with its
// shell lines (`kubectl apply -f - <<EOF` ... `EOF`), copied from a web page that dropped the
// indentation, or broken by a syntax error must get one finding that names the cause, and no
// findings that only follow from it (a backend "unused" because the route that uses it could not
// be read, a Gateway "not in the manifest set" because its document had a tab). The whole
// `validate` output is pinned in testdata/cli/symptoms/ (AGW_UPDATE_GOLDEN=1 rewrites it).

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>

#include "tests/support/golden.h"
#include "tests/support/paths.h"
#include "tests/support/run.h"

namespace agw::test {
namespace {

namespace fs = std::filesystem;

using Edit = std::function<std::string(const std::string&)>;

struct FileEdit {
  std::string file;  // relative to the example folder
  Edit edit;
};

struct SymptomCase {
  std::string name;  // the golden is testdata/cli/symptoms/<name>.txt
  std::string example;
  std::vector<FileEdit> edits;
  std::vector<std::string> extra_flags;
  std::string expected_code;  // the finding this case is about
};

std::string Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Edit Replace(std::string from, std::string to) {
  return [from, to](const std::string& text) {
    std::size_t at = text.find(from);
    INFO("replacing " << from);
    REQUIRE(at != std::string::npos);
    std::string out = text;
    out.replace(at, from.size(), to);
    return out;
  };
}

Edit Wrap(std::string before, std::string after) {
  return [before, after](const std::string& text) { return before + text + after; };
}

// What a web page that drops leading spaces hands over.
std::string Flattened(const std::string& text) {
  std::istringstream in(text);
  std::string out;
  std::string line;
  while (std::getline(in, line)) {
    out += line.substr(std::min(line.find_first_not_of(' '), line.size())) + "\n";
  }
  return out;
}

// What a web page that shows spaces as non-breaking ones (U+00A0) hands over.
std::string NonBreaking(const std::string& text) {
  std::istringstream in(text);
  std::string out;
  std::string line;
  while (std::getline(in, line)) {
    std::size_t spaces = std::min(line.find_first_not_of(' '), line.size());
    for (std::size_t i = 0; i < spaces; ++i) {
      out += "\xC2\xA0";
    }
    out += line.substr(spaces) + "\n";
  }
  return out;
}

std::vector<SymptomCase> Cases() {
  const std::string routes = "routes.yaml";
  return {
      // The tutorial's two routes pasted with the heredoc around them: one finding, and the
      // routes are checked as usual (their ai-path-replaced notes).
      {"heredoc",
       "multiple-providers",
       {{routes, Wrap("kubectl apply -f - <<EOF\n", "EOF\n")}},
       {},
       "shell-heredoc"},
      // Each route in a heredoc of its own, the second one quoted: the two commands replace the
      // '---', so the hint says to put it back.
      {"two-heredocs",
       "multiple-providers",
       {{routes, Replace("---\n", "EOF\ncat <<'EOF' | kubectl apply -f -\n")},
        {routes, Wrap("cat <<'EOF' | kubectl apply -f -\n", "EOF\n")}},
       {},
       "shell-heredoc"},
      // A prompt line above the Gateway and the tail of a heredoc after the Secrets.
      {"prompt-and-lone-eof",
       "multiple-providers",
       {{"gateway.yaml", Wrap("$ kubectl create namespace multiple-providers\n", "")},
        {"secrets.yaml", Wrap("", "EOF\n")}},
       {},
       "shell-command"},
      // Every file of the tutorial with its indentation gone: one finding per document.
      {"indentation-lost",
       "multiple-providers",
       {{"backends.yaml", Flattened},
        {"gateway.yaml", Flattened},
        {routes, Flattened},
        {"secrets.yaml", Flattened}},
       {},
       "indentation-lost"},
      // Only the routes lost their indentation: the backends they use are not "unused" and the
      // listener they attach to is not "unused" either.
      {"indentation-lost-routes",
       "multiple-providers",
       {{routes, Flattened}},
       {},
       "indentation-lost"},
      // The Gateway indented with non-breaking spaces: the routes' parentRefs to it are not
      // reported as "not in the manifest set".
      {"non-breaking-spaces",
       "multiple-providers",
       {{"gateway.yaml", NonBreaking}},
       {},
       "indentation-nbsp"},
      // A tab in the Gateway's indentation: the routes' parentRefs to it are not reported as
      // "not in the manifest set", nor as "not found" with --strict-refs.
      {"tab-in-gateway",
       "multiple-providers",
       {{"gateway.yaml", Replace("    - name: http\n", "\t- name: http\n")}},
       {},
       "yaml-syntax"},
      {"tab-in-gateway-strict",
       "multiple-providers",
       {{"gateway.yaml", Replace("    - name: http\n", "\t- name: http\n")}},
       {"--strict-refs"},
       "yaml-syntax"},
      // An unclosed quote in the Anthropic route: its backend is not reported unused.
      {"unclosed-quote",
       "multiple-providers",
       {{routes, Replace("value: /anthropic", "value: \"/anthropic")}},
       {},
       "yaml-syntax"},
      // A key that lost its colon in the Anthropic route.
      {"missing-colon",
       "multiple-providers",
       {{routes, Replace("  name: anthropic-route\n  namespace: multiple-providers\nspec:\n"
                         "  parentRefs:\n",
                         "  name: anthropic-route\n  namespace: multiple-providers\nspec:\n"
                         "  parentRefs\n")}},
       {},
       "yaml-syntax"},
      // A backend whose secretRef lost its colon: the route's backendRef to it is not
      // reported as "Backend not found" with --strict-refs.
      {"broken-backend-strict",
       "multiple-providers",
       {{"backends.yaml", Replace("      secretRef:\n        name: anthropic-secret",
                                  "      secretRef\n        name: anthropic-secret")}},
       {"--strict-refs"},
       "yaml-syntax"},
      // A tag go-yaml refuses: the document is not read, so the schema does not go on to say
      // the port is a string.
      {"wrong-tag",
       "multiple-providers",
       {{"gateway.yaml", Replace("port: 8080", "port: !!int 80x")}},
       {},
       "yaml-syntax"},
  };
}

TEST_CASE("Errors that point at a symptom name the cause and nothing it set off") {
  for (const SymptomCase& symptom : Cases()) {
    CAPTURE(symptom.name);
    TempDir dir;
    fs::path folder = fs::path(dir.path()) / symptom.example;
    fs::copy(fs::path(kSourceDir) / "testdata/examples" / symptom.example, folder,
             fs::copy_options::recursive);
    for (const FileEdit& edit : symptom.edits) {
      fs::path path = folder / edit.file;
      std::string text = edit.edit(Read(path));
      std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    }
    std::vector<std::string> argv = {kPluginBinary, "validate", "-f", symptom.example};
    argv.insert(argv.end(), symptom.extra_flags.begin(), symptom.extra_flags.end());
    CommandResult result = RunCommand(argv, "", dir.path());
    CHECK(result.exit_code == 1);
    CHECK(result.err.empty());
    CHECK(result.out.find("[" + symptom.expected_code + "]") != std::string::npos);
    CheckGolden("symptoms/" + symptom.name + ".txt", result.out);
  }
}

}  // namespace
}  // namespace agw::test
