// The "did you mean" helper of validate/resolve: which names count as close, which one wins, and
// the exact clause each case yields.

#include "validate/resolve/suggest.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace agw::validate::resolve {
namespace {

using Names = std::vector<std::string>;
using Objects = std::vector<NamedObject>;

TEST_CASE("NameDistance counts insertions deletions substitutions and adjacent swaps") {
  CHECK(NameDistance("openai", "openai") == 0);
  CHECK(NameDistance("open-ai", "openai") == 1);
  CHECK(NameDistance("http", "https") == 1);
  CHECK(NameDistance("gateway", "gatewya") == 1);  // a swap of two neighbours is one edit
  CHECK(NameDistance("secret", "key") == 5);
  CHECK(NameDistance("", "abc") == 3);
  CHECK(NameDistance("abc", "") == 3);
}

TEST_CASE("NameDistance ignores ASCII letter case") {
  CHECK(NameDistance("OpenAI", "openai") == 0);
  CHECK(NameDistance("LLM-Providers", "llm-provider") == 1);
}

TEST_CASE("Closeness allows one edit per three characters of the reference and at least one") {
  CHECK(Closeness("open-ai", "openai") == 1u);
  CHECK(Closeness("llm-provider", "llm-providers") == 1u);
  CHECK(Closeness("https", "http") == 1u);
  CHECK(Closeness("anthropic-secret", "anthropic-key") == 5u);  // 16 / 3 = 5 edits allowed
  CHECK_FALSE(Closeness("gemini-secret", "gemini-key"));        // 5 edits, 13 / 3 = 4 allowed
  CHECK_FALSE(Closeness("http", "tcp"));                        // 2 edits, 1 allowed
  CHECK_FALSE(Closeness("openai", "anthropic"));
}

TEST_CASE("Closeness never offers a name that every character would have to change") {
  CHECK_FALSE(Closeness("a", "b"));
  CHECK_FALSE(Closeness("ab", "c"));
  CHECK(Closeness("ab", "ac") == 1u);
}

TEST_CASE("Closeness accepts a name with a segment added or removed at either end") {
  std::size_t segment_rank = 4;  // one past the 10 / 3 = 3 edits allowed for "xai-secret"
  CHECK(Closeness("xai-secret", "xai-secret-old") == segment_rank);
  CHECK(Closeness("xai-secret", "old.xai-secret") == segment_rank);
  CHECK(Closeness("anthropic", "anthropic-backend") == 4u);
  CHECK(Closeness("openai-backend", "openai") == 5u);
  CHECK_FALSE(Closeness("openai", "openaiprod"));  // not at a separator
  CHECK_FALSE(Closeness("ab", "ab-backend"));      // too short to mean anything
  CHECK_FALSE(Closeness("xai", "xaisecret"));
}

TEST_CASE("Closeness without segments accepts edits only") {
  CHECK_FALSE(Closeness("xai-secret", "xai-secret-old", /*segments=*/false));
  CHECK_FALSE(Closeness("enterprise-agentgateway", "agentgateway", /*segments=*/false));
  CHECK(Closeness("agentgatway", "agentgateway", /*segments=*/false) == 1u);
}

TEST_CASE("Closeness compares no name longer than a Kubernetes name can be") {
  std::string long_name(kMaxSuggestedNameLength + 1, 'a');
  std::string near = long_name.substr(1);
  CHECK_FALSE(Closeness(long_name, near));
  CHECK_FALSE(Closeness(near + "b", long_name));
  CHECK_FALSE(Closeness("", "a"));
  CHECK_FALSE(Closeness("a", ""));
}

TEST_CASE("DidYouMean picks the fewest edits and breaks ties by the smaller name") {
  CHECK(DidYouMean("", "open-ai", Objects{{"", "anthropic"}, {"", "openai"}, {"", "gemini"}}) ==
        "did you mean \"openai\"?");
  CHECK(DidYouMean("", "gpt", Objects{{"", "gpx"}, {"", "gpu"}}) == "did you mean \"gpu\"?");
  CHECK(DidYouMean("", "llm-provider", Objects{{"", "llm-provider-old"}, {"", "llm-providers"}}) ==
        "did you mean \"llm-providers\"?");
}

TEST_CASE("DidYouMean names a close object of the same namespace") {
  Objects objects = {{"ai", "openai"}, {"ai", "anthropic"}};
  CHECK(DidYouMean("ai", "open-ai", objects) == "did you mean \"openai\"?");
}

TEST_CASE("DidYouMean names the namespace where an object of that exact name lives") {
  Objects objects = {{"agentgateway-system", "openai"}, {"agentgateway-system", "xai"}};
  CHECK(DidYouMean("llm-backends", "openai", objects) ==
        "did you mean namespace agentgateway-system (openai exists there)?");
}

TEST_CASE("DidYouMean names a close object of another namespace with its namespace") {
  Objects objects = {{"team-b", "openai"}};
  CHECK(DidYouMean("team-a", "open-ai", objects) == "did you mean \"openai\" in namespace team-b?");
}

TEST_CASE("DidYouMean prefers the referenced namespace when two names are equally close") {
  Objects objects = {{"a-team", "openai"}, {"team", "openai2"}};
  CHECK(DidYouMean("team", "openai1", objects) == "did you mean \"openai2\"?");
}

TEST_CASE("DidYouMean prefers the exact name elsewhere to an edited one in the same namespace") {
  Objects objects = {{"team", "open-ai"}, {"shared", "openai"}};
  CHECK(DidYouMean("team", "openai", objects) ==
        "did you mean namespace shared (openai exists there)?");
}

TEST_CASE("DidYouMean picks the smaller namespace among equal matches elsewhere") {
  Objects objects = {{"zeta", "openai"}, {"alpha", "openai"}};
  CHECK(DidYouMean("team", "openai", objects) ==
        "did you mean namespace alpha (openai exists there)?");
}

TEST_CASE("DidYouMean without segments offers no name that merely wraps the reference") {
  Objects classes = {{"", "agentgateway"}};
  CHECK(DidYouMean("", "enterprise-agentgateway", classes, /*segments=*/false).empty());
  CHECK(DidYouMean("", "enterprise-agentgateway", classes) == "did you mean \"agentgateway\"?");
  CHECK(DidYouMean("", "agentgatewy", classes, /*segments=*/false) ==
        "did you mean \"agentgateway\"?");
}

TEST_CASE("DidYouMean is silent when nothing is close or the reference resolves") {
  CHECK(DidYouMean("ai", "openai", Objects{{"ai", "anthropic"}}).empty());
  CHECK(DidYouMean("ai", "openai", Objects{{"ai", "open-ai"}, {"ai", "openai"}}).empty());
  CHECK(DidYouMean("ai", "openai", Objects{}).empty());
}

TEST_CASE("DidYouMean without namespaces names the close name alone") {
  Objects listeners = {{"", "http"}, {"", "grpc"}};
  CHECK(DidYouMean("", "https", listeners) == "did you mean \"http\"?");
}

TEST_CASE("ListNames lists each name once in the order given") {
  CHECK(ListNames("listeners of Gateway default/gw", Names{"http", "https", "http"}) ==
        "listeners of Gateway default/gw: http, https");
}

TEST_CASE("ListNames stops at its limit and counts the rest") {
  CHECK(ListNames("ports", Names{"1", "2", "3", "4"}, 2) == "ports: 1, 2, and 2 more");
}

TEST_CASE("JoinHints keeps whichever clause is there") {
  CHECK(JoinHints("did you mean \"x\"?", "requests get HTTP 500") ==
        "did you mean \"x\"? requests get HTTP 500");
  CHECK(JoinHints("", "requests get HTTP 500") == "requests get HTTP 500");
  CHECK(JoinHints("did you mean \"x\"?", "") == "did you mean \"x\"?");
  CHECK(JoinHints("", "").empty());
}

}  // namespace
}  // namespace agw::validate::resolve
