// `kubectl agentgateway diff` run as a binary on two folders: whole output and exit codes.

#include <catch2/catch.hpp>
#include <string>

#include "tests/support/paths.h"
#include "tests/support/run.h"

namespace agw::test {
namespace {

std::string Route(const std::string& extra_backend_fields) {
  return "apiVersion: gateway.networking.k8s.io/v1\n"
         "kind: HTTPRoute\n"
         "metadata:\n"
         "  name: web\n"
         "spec:\n"
         "  parentRefs:\n"
         "  - name: gw\n"
         "  rules:\n"
         "  - backendRefs:\n"
         "    - name: svc\n"
         "      port: 8080\n" +
         extra_backend_fields;
}

constexpr char kSecret[] =
    "apiVersion: v1\n"
    "kind: Secret\n"
    "metadata:\n"
    "  name: key\n"
    "stringData:\n"
    "  Authorization: ";

TEST_CASE("diff with --against exits 0 when only defaults are spelled out") {
  TempDir dir;
  dir.Write("old/route.yaml", Route(""));
  dir.Write("new/route.yaml", Route("      weight: 1\n"));
  CommandResult result =
      RunCommand({kPluginBinary, "diff", "-f", "new", "--against", "old"}, "", dir.path());
  CHECK(result.err == "");
  CHECK(result.out == "0 added, 0 removed, 0 changed, 1 unchanged\n");
  CHECK(result.exit_code == 0);
}

TEST_CASE("diff OLD NEW reads kubectl diff's folders and shows only the real change") {
  // What `kubectl diff` hands KUBECTL_EXTERNAL_DIFF: files named after the object, without an
  // extension, the live side with the server's own fields.
  TempDir dir;
  dir.Write("LIVE/gateway.networking.k8s.io.v1.HTTPRoute.default.web", Route("") +
                                                                           "status:\n"
                                                                           "  parents: []\n");
  dir.Write("LIVE/v1.Secret.default.key",
            "apiVersion: v1\n"
            "kind: Secret\n"
            "metadata:\n"
            "  name: key\n"
            "  namespace: default\n"
            "  uid: 5d1c\n"
            "  resourceVersion: \"81\"\n"
            "  managedFields:\n"
            "  - manager: kubectl-client-side-apply\n"
            "type: Opaque\n"
            "data:\n"
            "  Authorization: b2xkLXRva2Vu\n");
  dir.Write("MERGED/gateway.networking.k8s.io.v1.HTTPRoute.default.web",
            Route("      weight: 3\n"));
  dir.Write("MERGED/v1.Secret.default.key", std::string(kSecret) + "new-token\n");
  dir.Write("MERGED/gateway.networking.k8s.io.v1.HTTPRoute.default.api",
            "apiVersion: gateway.networking.k8s.io/v1\n"
            "kind: HTTPRoute\n"
            "metadata:\n"
            "  name: api\n"
            "spec: {}\n");
  CommandResult result = RunCommand({kPluginBinary, "diff", "LIVE", "MERGED"}, "", dir.path());
  CHECK(result.err == "");
  CHECK(result.out ==
        "~ Secret default/key\n"
        "    data[Authorization]: changed\n"
        "+ HTTPRoute default/api\n"
        "~ HTTPRoute default/web\n"
        "    spec.rules[0].backendRefs[0].weight: 1 → 3\n"
        "1 added, 0 removed, 2 changed, 0 unchanged\n");
  CHECK(result.exit_code == 1);
}

TEST_CASE("diff -o json and -o markdown give the same differences for tools and reviews") {
  TempDir dir;
  dir.Write("old/route.yaml", Route(""));
  dir.Write("new/route.yaml",
            Route("      weight: 3\n") + "---\n" + std::string(kSecret) + "new|token\n");
  CommandResult json =
      RunCommand({kPluginBinary, "diff", "old", "new", "-o", "json"}, "", dir.path());
  CHECK(json.err == "");
  CHECK(json.exit_code == 1);
  CHECK(json.out ==
        "{\n"
        "  \"differences\": true,\n"
        "  \"summary\": {\n"
        "    \"added\": 1,\n"
        "    \"removed\": 0,\n"
        "    \"changed\": 1,\n"
        "    \"unchanged\": 0\n"
        "  },\n"
        "  \"resources\": [\n"
        "    {\n"
        "      \"change\": \"added\",\n"
        "      \"group\": \"\",\n"
        "      \"kind\": \"Secret\",\n"
        "      \"namespace\": \"default\",\n"
        "      \"name\": \"key\"\n"
        "    },\n"
        "    {\n"
        "      \"change\": \"changed\",\n"
        "      \"group\": \"gateway.networking.k8s.io\",\n"
        "      \"kind\": \"HTTPRoute\",\n"
        "      \"namespace\": \"default\",\n"
        "      \"name\": \"web\",\n"
        "      \"fields\": [\n"
        "        {\n"
        "          \"path\": \"spec.rules[0].backendRefs[0].weight\",\n"
        "          \"change\": \"changed\",\n"
        "          \"old\": \"1\",\n"
        "          \"new\": \"3\"\n"
        "        }\n"
        "      ]\n"
        "    }\n"
        "  ],\n"
        "  \"behavior\": []\n"
        "}\n");
  CHECK(json.out.find("token") == std::string::npos);
  CommandResult markdown =
      RunCommand({kPluginBinary, "diff", "old", "new", "-o", "markdown"}, "", dir.path());
  CHECK(markdown.exit_code == 1);
  CHECK(markdown.out ==
        "#### kubectl agentgateway diff: 1 added, 0 removed, 1 changed, 0 unchanged\n"
        "\n"
        "**Resources**\n"
        "\n"
        "- added: `Secret default/key`\n"
        "\n"
        "<details><summary>changed: `HTTPRoute default/web` (1 field)</summary>\n"
        "\n"
        "| field | old | new |\n"
        "| --- | --- | --- |\n"
        "| `spec.rules[0].backendRefs[0].weight` | `1` | `3` |\n"
        "\n"
        "</details>\n");
}

TEST_CASE("diff exits 2 or more on usage errors and unreadable inputs") {
  TempDir dir;
  dir.Write("old/route.yaml", Route(""));
  CommandResult usage = RunCommand({kPluginBinary, "diff", "old"}, "", dir.path());
  CHECK(usage.err ==
        "error: give -f NEW... (compared with the cluster), -f NEW... --against OLD..., or two "
        "paths, OLD NEW\n");
  CHECK(usage.exit_code == 2);
  CommandResult prune =
      RunCommand({kPluginBinary, "diff", "old", "old", "--prune", "-l", "a=b"}, "", dir.path());
  CHECK(prune.err ==
        "error: --prune compares with the live cluster and needs -l SELECTOR, as kubectl apply "
        "--prune does\n");
  CHECK(prune.exit_code == 2);
  CommandResult missing = RunCommand({kPluginBinary, "diff", "old", "gone"}, "", dir.path());
  CHECK(missing.err == "error: the path \"gone\" does not exist\n");
  CHECK(missing.out == "");
  CHECK(missing.exit_code == 3);
}

}  // namespace
}  // namespace agw::test
