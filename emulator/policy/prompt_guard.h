#pragma once

// agentgateway's prompt guards (`promptGuard` of an AI backend policy) as a pure module:
// compiled once from the CRD block, then applied to a client-format request, a buffered
// client-format response, or a translated client SSE stream (spec-guards.md 1-6).
//
// The regex kind is evaluated here. The webhook and openAIModeration kinds are evaluated by
// remote_guard.h when the caller hands Apply*Guards a GuardCaller (RemoteGuardContext): the
// call itself is carried out by emulator/io. Without one (translate's dry run, unit tests), and
// always for bedrockGuardrails and googleModelArmor, ApplyRequestGuard/ApplyResponseGuard
// answer kNeedsRemoteCall and the list-level Apply*Guards skip the guard and name it in
// `unenforced`. The guards are independent steps run in order, each on the body the previous
// one left. StreamingGuard evaluates regex guards only.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "emulator/http/headers.h"
#include "emulator/llm/formats.h"
#include "emulator/llm/llm_info.h"
#include "emulator/policy/guard_text.h"
#include "validate/manifest/error.h"
#include "validate/manifest/value.h"

namespace re2 {
class RE2;
}

namespace agw::emulator::policy {

inline constexpr std::string_view kDefaultRejectionBody =
    "The request was rejected due to inappropriate content";

// What a rejecting guard answers: `status` and `body` as raw bytes, with no headers at all
// (no content-type, whatever the client format). Also used for response guards.
struct Rejection {
  int status = 403;
  std::string body = std::string(kDefaultRejectionBody);
};

// The recognizers of `regex.builtins` (masked as <SSN>, <CREDIT_CARD>, <PHONE_NUMBER>,
// <EMAIL_ADDRESS>, <CA_SIN>).
enum class Builtin { kSsn, kCreditCard, kPhoneNumber, kEmail, kCaSin };

// One rule of a regex guard: a builtin recognizer or a custom pattern.
struct RegexRule {
  std::optional<Builtin> builtin;
  std::shared_ptr<const re2::RE2> pattern;  // custom rules only; shared by copies, immutable
  std::string source;                       // the pattern as written, or the builtin's name

  static RegexRule OfBuiltin(Builtin builtin);
};

// A custom pattern compiled as agentgateway's Rust `regex` would (RE2 syntax is close: no
// look-around or back-references, leftmost-first). The error names RE2's complaint. Known
// differences: \d, \w, \s and \b are ASCII here and Unicode in Rust, and this RE2 (2022-06)
// reads named groups only as (?P<name>...), not Rust's (?<name>...).
Expected<RegexRule> CompilePattern(std::string_view pattern);

enum class RegexAction { kMask, kReject };

struct RegexGuard {
  RegexAction action = RegexAction::kMask;
  std::vector<RegexRule> rules;  // all `matches[]` first, then `builtins[]`, as the controller
};

struct GuardBackendRef {
  std::string group;
  std::string kind = "Service";
  std::string name;
  std::string namespace_name;  // empty: the policy's own namespace
  std::optional<int> port;
};

struct ForwardHeaderMatch {
  std::string name;
  bool regular_expression = false;  // type RegularExpression; else Exact
  std::string value;
  // RegularExpression only: `value` compiled; null when it does not compile (the match then
  // never forwards its header, as agentgateway's Invalid matcher).
  std::shared_ptr<const re2::RE2> pattern;
};

enum class FailureMode { kFailClosed, kFailOpen };

struct WebhookGuard {
  GuardBackendRef backend_ref;
  std::vector<ForwardHeaderMatch> forward_header_matches;
  // name -> CEL expression. Evaluated only through RemoteGuardContext::header_expressions.
  std::vector<std::pair<std::string, std::string>> headers;
  FailureMode failure_mode = FailureMode::kFailClosed;
};

struct ModerationGuard {
  std::string model = "omni-moderation-latest";
};

// bedrockGuardrails and googleModelArmor: kept as written (`raw` of the Guard).
struct OpaqueRemoteGuard {};

enum class GuardKind { kRegex, kWebhook, kOpenAIModeration, kBedrockGuardrails, kGoogleModelArmor };

// "regex", "webhook", "openAIModeration", "bedrockGuardrails", "googleModelArmor": the names
// of access-log errors (`request rejected by <kind> guardrail`).
std::string_view GuardKindName(GuardKind kind);

struct Guard {
  GuardKind kind = GuardKind::kRegex;
  Rejection rejection;
  ScopeSet scope = ScopeSet::Default();
  std::variant<RegexGuard, WebhookGuard, ModerationGuard, OpaqueRemoteGuard> spec;
  // The kind's block as written (policies, region, ...); its positions borrow the source
  // files of the manifest it came from.
  validate::manifest::Value raw;
};

// Immutable once compiled: the Apply functions only read it and may run on many threads at
// once (RE2 matching is thread-safe).
struct CompiledPromptGuard {
  std::vector<Guard> request;
  std::vector<Guard> response;
  bool streaming = false;  // `streaming: Enabled`
  // What was skipped while compiling, e.g.
  // `promptGuard.request[0].regex.matches[1]: invalid regex "(": missing ): (; the rule is
  // skipped`. agentgateway skips an invalid pattern with a warning and keeps the rest.
  std::vector<std::string> problems;
};

// Compiles the `promptGuard` block of an AgentgatewayPolicy `backend.ai` or AgentgatewayBackend
// `policies.ai` as written (API-server defaults applied here: action Mask, statusCode 403, the
// default message, scope SystemPrompt+Messages, failureMode FailClosed). Never fails: what
// cannot be used is left out and described in `problems`. `policy_namespace` (the namespace of
// the object the block comes from) fills a webhook backendRef that names no namespace; left
// empty, such a ref keeps an empty namespace_name.
CompiledPromptGuard CompilePromptGuard(const validate::manifest::Value& prompt_guard,
                                       std::string_view policy_namespace = {});

// Whether requests of this format are guarded (agentgateway's supports_prompt_guard):
// Completions, Messages, Responses and Gemini only.
bool SupportsPromptGuard(llm::InputFormat format);

// The outcome of one guard, or of a whole list.
struct GuardVerdict {
  enum class Action {
    kAllow,            // nothing matched
    kMask,             // text was masked in place
    kReject,           // answer `rejection` instead
    kNeedsRemoteCall,  // a remote kind: not evaluated here (no GuardCaller, or no support)
    kError,     // could not be evaluated: agentgateway answers 503 text/plain `failed to process
                // LLM request: prompt guard failed` (`... LLM response: ...` for responses)
    kFailOpen,  // a FailOpen webhook could not be called or read: the traffic goes on as is
  };
  Action action = Action::kAllow;
  Rejection rejection;          // kReject only
  std::string guard_kind;       // GuardKindName of the guard
  std::size_t guard_index = 0;  // its place in the request or response list
  // kError and kFailOpen: what failed, for logs, e.g. `webhook response message count
  // mismatch`. Never holds a credential.
  std::string error;
};

// The `action` label of agentgateway_guardrail_checks_total{phase,action} for a guard's
// verdict ("Allow", "Mask", "Reject", "FailOpen"), nullopt when no sample is recorded.
std::optional<std::string_view> GuardMetricAction(GuardVerdict::Action action);

struct GuardResult {
  // kAllow, kMask (the body was edited in place), kReject (send `rejection`; `guard_kind` says
  // which kind rejected) or kError (`error` says what failed). A FailOpen webhook that failed
  // leaves the action as it was (its verdict is in `checks`).
  GuardVerdict::Action action = GuardVerdict::Action::kAllow;
  Rejection rejection;
  std::string guard_kind;
  std::string error;                 // kError only
  std::vector<GuardVerdict> checks;  // one per evaluated guard, in order: the metric samples
  // What was not enforced, e.g. "request[1] webhook" (a remote guard skipped) or
  // "request[0] webhook headers" (a webhook called without its CEL `headers`).
  std::vector<std::string> unenforced;
};
using RequestGuardResult = GuardResult;
using ResponseGuardResult = GuardResult;

class GuardCaller;               // remote_guard.h
class WebhookHeaderExpressions;  // remote_guard.h

// What the webhook and openAIModeration guards of one Apply* call need. The default (no caller)
// leaves them unevaluated (kNeedsRemoteCall / `unenforced`), as translate's dry run does.
// Borrowed: everything must outlive the call.
struct RemoteGuardContext {
  // Carries out the HTTP calls; it blocks the calling thread for each (at most its timeout).
  const GuardCaller* caller = nullptr;
  // The headers a webhook's forwardHeaderMatches pick from; null for none. Request phase: the
  // client request headers as they stand at guard time (after backend auth). Response phase:
  // ResponseForwardCandidates (the upstream response headers and the request's traceparent).
  const http::HeaderList* headers = nullptr;
  // A webhook's CEL `headers` map. Null (always, until runtime CEL is wired): the webhook is
  // called without them and `unenforced` names it ("request[0] webhook headers").
  const WebhookHeaderExpressions* header_expressions = nullptr;
};

// One request guard on `request` (a client-format body, edited in place when masked).
GuardVerdict ApplyRequestGuard(const Guard& guard, std::size_t index, llm::InputFormat format,
                               llm::Json& request, const RemoteGuardContext& remote = {});
// The request guards in order; the first rejection or error stops. Nothing happens for formats
// that SupportsPromptGuard rejects. Run after prompt enrichment, on the client format.
RequestGuardResult ApplyRequestGuards(const CompiledPromptGuard& guard, llm::InputFormat format,
                                      llm::Json& request, const RemoteGuardContext& remote = {});

// One response guard on a buffered client-format response (edited in place when masked).
GuardVerdict ApplyResponseGuard(const Guard& guard, std::size_t index, llm::InputFormat format,
                                llm::Json& client_response, const RemoteGuardContext& remote = {});
// The response guards in order on a buffered, translated (client-format) response. A rejection
// replaces the whole upstream answer (status, headers and body) and no usage is recorded.
ResponseGuardResult ApplyResponseGuards(const CompiledPromptGuard& guard, llm::InputFormat format,
                                        llm::Json& client_response,
                                        const RemoteGuardContext& remote = {});

// The regex guard on one string, `text` masked in place (cumulatively, rule by rule):
// kAllow, kMask or kReject.
GuardVerdict::Action ApplyRegexToText(const RegexGuard& regex, std::string& text);

// The documented stand-in for libphonenumber's "parses and is valid in one of US, GB, DE, IL,
// IN, CA, BR" applied to a PhoneNumber candidate (see prompt_guard.cc).
bool PlausiblePhoneNumber(std::string_view candidate);

// Whether a streamed answer of this request format is guarded at all: `streaming: Enabled`, some
// response guards, and not Detect. (The caller also requires a streaming request and a 2xx.)
bool GuardsStream(const CompiledPromptGuard& guard, llm::InputFormat format);

struct StreamingLimits {
  std::size_t eval_threshold = 1024;           // pending text bytes that trigger a window
  std::size_t overlap_bytes = 256;             // tail of the last window kept for the next
  std::size_t buffer_limit = 2 * 1024 * 1024;  // held bytes that force a window or a flush
};

enum class StreamStep {
  kContinue,  // keep streaming
  kBlocked,   // the block frame was written: end the body now, send nothing more
};

// Guards a translated client SSE stream with the response guards (spec-guards.md 3). Frames
// are held until a window of their text passes, then written byte-identical; on a block the
// held frames are dropped and exactly one frame is written:
//   data: {"error":{"type":"guardrail_blocked","code":"guardrail_intervention","message":"<body>"}}
// Text comes from each frame's `data` JSON (first shape wins): Responses output_text.delta
// `delta`, choices[0].delta.content, `delta.text`, Gemini candidates[*].content.parts[*].text
// (not thoughts). Windows run at `eval_threshold` pending text bytes, at `buffer_limit` held
// bytes (a full buffer with no pending text is flushed unevaluated) and at Finish. Masking never
// happens in streams: Mask guards pass. No metric samples. Remote kinds are skipped
// (unenforced()): agentgateway calls a webhook per window, which is not done here. An event
// longer than buffer_limit without its blank line is held as opaque bytes with no text. Copies
// what it needs from `guard`; not thread-safe.
class StreamingGuard {
 public:
  explicit StreamingGuard(const CompiledPromptGuard& guard, StreamingLimits limits = {});

  StreamStep Feed(std::string_view sse_bytes, std::string& out);
  // End of the upstream stream: the last event (even without its blank line) and the final
  // remainder are evaluated, then held frames are written.
  StreamStep Finish(std::string& out);

  bool blocked() const { return blocked_; }
  std::size_t held_bytes() const { return held_.size() + partial_.size(); }
  const std::vector<std::string>& unenforced() const { return unenforced_; }

 private:
  void TakeFrames(bool at_eof, std::string& out);
  void TakeFrame(std::string_view frame, std::string& out);
  void Evaluate(std::string& out);
  void Flush(std::string& out);
  void Block(const Rejection& rejection, std::string& out);

  std::vector<Guard> guards_;
  StreamingLimits limits_;
  std::vector<std::string> unenforced_;
  std::string partial_;      // bytes of an event whose blank line has not arrived
  std::size_t scan_at_ = 0;  // where the blank-line scan of partial_ resumes
  bool line_start_ = true;   // whether scan_at_ is at the start of a line
  std::string held_;         // complete frames not yet written
  std::string pending_;      // their text, not yet evaluated
  std::string overlap_;      // the tail of the last window
  bool blocked_ = false;
};

// The one frame a blocked stream ends with (message = the rejection body, UTF-8 lossy).
std::string GuardrailBlockedFrame(std::string_view body);

}  // namespace agw::emulator::policy
