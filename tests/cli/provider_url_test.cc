// --provider-url through the built binary: an unknown key stops `run` and `translate` with a
// usage error before anything is served or called, and `run` says at startup what each key
// captures.

#include <catch2/catch.hpp>

#include "tests/support/paths.h"
#include "tests/support/run.h"

namespace agw::test {
namespace {

// No key of the developer's environment may reach a provider, or the output.
const std::vector<std::string> kNoKeys = {
    "OPENAI_API_KEY=", "ANTHROPIC_API_KEY=", "XAI_API_KEY=", "GEMINI_API_KEY="};

CommandResult Plugin(std::vector<std::string> args, const std::string& input = "",
                     int timeout_seconds = 60) {
  args.insert(args.begin(), kPluginBinary);
  return RunCommand(args, input, kSourceDir, kNoKeys, timeout_seconds);
}

constexpr char kChat[] = R"({"model":"m","messages":[{"role":"user","content":"hi"}]})";

// What `run` and `translate` both print for the mistyped key on the multi-LLM tutorial.
constexpr char kAnthropcError[] =
    "error: --provider-url anthropc=http://127.0.0.1:1: \"anthropc\" is neither a provider nor "
    "an AI backend of the inputs (did you mean \"anthropic\"?)\n"
    "valid keys:\n"
    "  providers: openai, anthropic, gemini, vertexai, bedrock, azure, azureopenai\n"
    "  AI backends: agentgateway-system/xai (or xai), agentgateway-system/anthropic, "
    "agentgateway-system/openai\n";

TEST_CASE("run stops on a mistyped provider URL key with a usage error before serving") {
  CommandResult result = Plugin({"run", "-f", "testdata/examples/multi-llm-providers/",
                                 "--provider-url", "anthropc=http://127.0.0.1:1"},
                                "", 20);
  CHECK(result.exit_code == 2);
  CHECK(result.err == kAnthropcError);
  CHECK(result.out.empty());  // no banner: nothing was bound or served
}

TEST_CASE("translate stops on a mistyped provider URL key with the same usage error") {
  CommandResult result = Plugin({"translate", "-f", "testdata/examples/multi-llm-providers/",
                                 "--request", "-", "--provider-url", "anthropc=http://127.0.0.1:1"},
                                kChat);
  CHECK(result.exit_code == 2);
  CHECK(result.err == kAnthropcError);
  CHECK(result.out.empty());
}

TEST_CASE("translate keeps xAI on its own host when the openai provider has a stand-in") {
  CommandResult result = Plugin({"translate", "-f", "testdata/examples/multi-llm-providers/",
                                 "--gateway-class", "enterprise-agentgateway", "--path", "/xai",
                                 "--request", "-", "--provider-url", "openai=http://127.0.0.1:9"},
                                kChat);
  CHECK(result.exit_code == 0);
  CHECK(result.err.empty());
  CHECK(result.out.find("  POST https://api.x.ai/v1/chat/completions\n  host: api.x.ai\n") !=
        std::string::npos);
  CommandResult captured =
      Plugin({"translate", "-f", "testdata/examples/multi-llm-providers/", "--gateway-class",
              "enterprise-agentgateway", "--path", "/xai", "--request", "-", "--provider-url",
              "openai=http://127.0.0.1:9", "--provider-url", "xai=http://[::1]:9001/x"},
             kChat);
  CHECK(captured.exit_code == 0);
  CHECK(captured.out.find("  POST http://[::1]:9001/x/v1/chat/completions\n  host: [::1]:9001\n") !=
        std::string::npos);
}

TEST_CASE("translate warns about a provider URL key that captures no backend and why") {
  CommandResult result = Plugin({"translate", "-f", "testdata/examples/local-llm/", "--request",
                                 "-", "--provider-url", "openai=http://127.0.0.1:9"},
                                kChat);
  CHECK(result.exit_code == 0);
  CHECK(result.err ==
        "warning: provider-url openai=http://127.0.0.1:9 captures no backend: "
        "local-llm/llm-pool/local-a, local-llm/llm-pool/local-b, local-llm/local-llm set their "
        "own host (host.docker.internal); capture one with --provider-url NS/NAME=URL\n");
  CHECK(result.out.find("  POST http://host.docker.internal:8090/\n") != std::string::npos);
}

TEST_CASE("run says at startup which backends each provider URL captures") {
  // `run` serves until it is stopped: the timeout stops it once the banner is out.
  CommandResult result = Plugin(
      {"run", "-f", "testdata/examples/multi-llm-providers/", "--gateway-class",
       "enterprise-agentgateway", "--port", "8080=0", "--admin-port", "-1", "--threads", "1",
       "--provider-url", "openai=http://127.0.0.1:1", "--provider-url", "gemini=http://127.0.0.1:2",
       "--provider-url", "agentgateway-system/xai=http://[::1]:3"},
      "", 3);
  INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
  REQUIRE(result.out.find("Press Ctrl-C to stop.\n") != std::string::npos);
  CHECK(result.out.find("  provider-url agentgateway-system/xai=http://[::1]:3: "
                        "agentgateway-system/xai\n") != std::string::npos);
  CHECK(result.out.find("  warning: provider-url gemini=http://127.0.0.1:2 captures no backend: "
                        "no AI backend of the inputs uses the gemini provider\n") !=
        std::string::npos);
  CHECK(result.out.find("  provider-url openai=http://127.0.0.1:1: agentgateway-system/openai\n") !=
        std::string::npos);
}

}  // namespace
}  // namespace agw::test
