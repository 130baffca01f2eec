#pragma once

// The texts a prompt guard inspects in a client-format LLM request or response, as
// agentgateway's `visit_text_mut` walks them (spec-guards.md 2.2 and 2.3): each text carries a
// ContentScope, and consecutive text parts of one message are offered as one joined "run".

#include <cstdint>
#include <functional>
#include <string>

#include "emulator/llm/formats.h"
#include "emulator/llm/llm_info.h"

namespace agw::emulator::policy {

// Which category of request content a text belongs to (the CRD `scope` values).
enum class ContentScope : std::uint8_t {
  kSystemPrompt = 1,
  kMessages = 2,
  kToolOutput = 4,
  kToolInput = 8,
};

// A set of ContentScopes. Default() is what a guard inspects when `scope` is unset.
class ScopeSet {
 public:
  constexpr ScopeSet() = default;
  static constexpr ScopeSet Default() {
    return ScopeSet(static_cast<std::uint8_t>(ContentScope::kSystemPrompt) |
                    static_cast<std::uint8_t>(ContentScope::kMessages));
  }
  static constexpr ScopeSet All() { return ScopeSet(0x0f); }

  ScopeSet& Add(ContentScope scope) {
    bits_ |= static_cast<std::uint8_t>(scope);
    return *this;
  }
  constexpr bool Has(ContentScope scope) const {
    return (bits_ & static_cast<std::uint8_t>(scope)) != 0;
  }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr bool operator==(const ScopeSet& other) const { return bits_ == other.bits_; }

 private:
  explicit constexpr ScopeSet(std::uint8_t bits) : bits_(bits) {}
  std::uint8_t bits_ = 0;
};

// Called with each text in scope; may edit `text` in place. Returns false to stop the walk
// (a rejection needs no further texts).
using TextVisitor = std::function<bool(ContentScope scope, std::string& text)>;

// Visits the texts of a client request body (`request`, edited in place) whose scope is in
// `scopes`, in agentgateway's order. Formats other than Completions, Messages, Responses and
// Gemini have no texts. Never throws for any JSON shape: unexpected members are skipped.
//
// Runs: consecutive text parts of one message's content array are offered as one string joined
// by " " (Completions, Anthropic messages) or "\n" (Anthropic system, Responses, Gemini). When
// the visitor changes a run, the run collapses into its last part: that part keeps its other
// members (e.g. `cache_control`) and takes the whole edited text; the earlier parts are
// removed. An unchanged run is left exactly as it was. A run never spans two messages.
//
// Scopes by format:
// - Completions: role system/developer -> SystemPrompt, tool/function -> ToolOutput, any other
//   role -> Messages (string content, or runs of parts with a string `text`);
//   tool_calls[].function.arguments, tool_calls[].custom.input and function_call.arguments ->
//   ToolInput (as opaque strings: a mask may break their JSON, as in agentgateway).
// - Messages (Anthropic): system (string, or runs of text blocks) -> SystemPrompt; each message's
//   content string, or its non-text blocks first and then runs of text blocks -> Messages.
//   Non-text blocks visit every string of a member's subtree: tool_result-like `content` ->
//   ToolOutput, tool_use-like `input` -> ToolInput, document source/title/context,
//   search_result title/content and compaction content -> Messages, mid_conv_system content
//   -> SystemPrompt; other block types are skipped.
// - Responses: instructions -> SystemPrompt; a string input -> Messages; items with a role
//   (system/developer -> SystemPrompt, else Messages): string content, or `refusal` parts and
//   then runs of input_text/output_text parts. Items without a role, by type (every string of
//   the member's subtree): *_call_output `output` (function, custom_tool, local_shell, shell,
//   apply_patch) and program_output `result` -> ToolOutput; function_call, mcp_call and
//   mcp_approval_request `arguments` -> ToolInput and `output`/`error` -> ToolOutput;
//   custom_tool_call `input` and program `code` -> ToolInput.
//   Left out (agentgateway visits selected fields of them): the action/actions/
//   pending_safety_checks of local_shell/shell/computer/web_search calls, apply_patch_call
//   operation, computer_call_output acknowledged_safety_checks, file_search_call
//   queries/results, code_interpreter_call code/outputs, tool_search_call arguments,
//   mcp_list_tools/tool_search_output tools/error and mcp_approval_response reason.
// - Gemini: systemInstruction runs of text parts -> SystemPrompt; each content (any role): its
//   non-text parts first (functionCall.args and executableCode.code -> ToolInput,
//   functionResponse.response and codeExecutionResult.output -> ToolOutput), then runs of text
//   parts -> Messages. Parts with `thought: true` are never visited and end a run.
void VisitRequestTexts(llm::InputFormat format, llm::Json& request, ScopeSet scopes,
                       const TextVisitor& visit);

// Visits the texts of a buffered client-format response (`response`, edited in place), all
// with scope Messages (tool calls in responses are never visited):
// - Completions: each string choices[].message.content;
// - Messages (Anthropic): each string content[].text, block by block (no runs);
// - Responses: each output_text part of `message` output items; an edited part gets
//   `annotations: []` and `logprobs: null`;
// - Gemini: runs ("\n") of non-thought text parts of each candidates[].content.
// Other formats have no texts (Detect is skipped: agentgateway panics there).
void VisitResponseTexts(llm::InputFormat format, llm::Json& response, ScopeSet scopes,
                        const TextVisitor& visit);

}  // namespace agw::emulator::policy
