#pragma once

// agentgateway's remote prompt guards, `webhook` (spec-guards.md 4) and `openAIModeration`
// (spec-guards.md 5), as pure steps: the HTTP call a guard makes, how its reply is read, and what
// the reply does to the client-format request or response. The call itself goes through a
// GuardCaller, which emulator/io implements (guard_caller.h) and tests fake in memory.
//
// ApplyRequestGuards/ApplyResponseGuards (prompt_guard.h) run these for each webhook and
// moderation guard when they are given a caller; the functions below are the pieces.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/http/headers.h"
#include "emulator/llm/formats.h"
#include "emulator/llm/llm_info.h"
#include "emulator/llm/prompt.h"
#include "emulator/policy/prompt_guard.h"
#include "validate/manifest/error.h"

namespace agw::emulator::policy {

// One HTTP request a remote guard makes. `path` is the request target; where it goes (scheme,
// host, port, and any base path) is the caller's business, found from the guard.
struct GuardHttpCall {
  std::string method = "POST";
  std::string path;
  http::HeaderList headers;  // in order; content-length is added by the caller
  std::string body;
};

struct GuardHttpReply {
  int status = 0;
  std::string body;
};

// Carries out a remote guard's HTTP call: a webhook's to its backendRef Service, a moderation
// guard's to OpenAI's moderation endpoint (with the guard's auth). Implementations are called
// from many threads at once. Never throws.
class GuardCaller {
 public:
  virtual ~GuardCaller() = default;
  // The reply (whatever its status), or an error when the call failed: no address for the
  // guard, connect error, timeout, a reply over the size limit. The message never holds a
  // credential.
  virtual Expected<GuardHttpReply> Call(const Guard& guard, const GuardHttpCall& call) const = 0;
};

// The hook for a webhook's CEL `headers` map (spec-guards.md 4): evaluated against the original
// client request (`request.*`, `jwt.*`; `llmRequest` on the request phase), each result set on
// `call` after the forwarded headers (`:path` replaces the path, `:method` the method; a failed
// or empty expression removes or does not set its header). Implemented by the runtime CEL
// evaluator once it exists; until then RemoteGuardContext::header_expressions is null and the
// expressions are not evaluated.
class WebhookHeaderExpressions {
 public:
  virtual ~WebhookHeaderExpressions() = default;
  // `llm_request`: the client request as the webhook sees it (request phase), else null.
  virtual void Apply(const WebhookGuard& webhook, const llm::Json* llm_request,
                     GuardHttpCall& call) const = 0;
};

enum class GuardPhase { kRequest, kResponse };

// agentgateway's get_messages: the {role, content} entries a webhook (`messages`) and the
// moderation guard (`input`) see of a client request, per format:
// - Completions: every message, role verbatim, string content or its parts' `text` joined by
//   " " ("" for none);
// - Messages: a `system` entry first (blocks joined by "\n"; left out when empty), then every
//   message (text blocks joined by " ");
// - Responses: `instructions` as system, a string input as one user entry, else the items with
//   role user/assistant/system/developer (string content, or input_text/output_text parts
//   joined by "\n");
// - Gemini: systemInstruction's text (joined by "\n") as system when not empty, then every
//   content (`model` -> assistant, no role -> user; text parts joined by " ").
// Other formats: none.
std::vector<llm::PromptMessage> GuardRequestMessages(llm::InputFormat format,
                                                     const llm::Json& request);

// agentgateway's to_webhook_choices: one {role, content} entry per choice of a buffered
// client-format response:
// - Completions: each choice's message role and content ("" when missing or not a string);
// - Messages: each content block (tool_use included) as assistant, its `text` or "";
// - Responses: each `message` output item as assistant, its output_text texts joined by "\n";
// - Gemini: each candidate as assistant, its non-thought text parts concatenated.
// Other formats: none.
std::vector<llm::PromptMessage> GuardResponseChoices(llm::InputFormat format,
                                                     const llm::Json& response);

// The webhook bodies, compact JSON with keys in this order:
//   {"body":{"messages":[{"role":"user","content":"hi"}]}}                 (request phase)
//   {"body":{"choices":[{"message":{"role":"assistant","content":"hi"}}]}}  (response phase)
// Throws nlohmann's type_error for a string that is not UTF-8 (callers catch it).
std::string WebhookRequestBody(const std::vector<llm::PromptMessage>& messages);
std::string WebhookResponseBody(const std::vector<llm::PromptMessage>& choices);

// The headers forwarded to a webhook (get_webhook_forward_headers): for each match in order
// whose name is a regular header (pseudo-headers like `:authority` are skipped) and where at
// least one value of that header in `headers` matches, every value of it, named in lower case.
// A value matches Exact when its bytes are equal, RegularExpression when it is visible ASCII
// and the pattern's first leftmost-first match spans all of it. Values are whole: a header
// sent as "first-value,test-value" does not exact-match "test-value". content-length is never
// forwarded.
http::HeaderList WebhookForwardHeaders(const std::vector<ForwardHeaderMatch>& matches,
                                       const http::HeaderList& headers);

// The headers a response-phase webhook picks from: the upstream response headers, with the
// client request's traceparent (its first value) in place of any they carry.
http::HeaderList ResponseForwardCandidates(const http::HeaderList& upstream_headers,
                                           const http::HeaderList& request_headers);

// The webhook call: POST /request (or /response), the forwarded headers, then
// `content-type: application/json`, and the body of `entries`. CEL `headers` are not applied
// here (WebhookHeaderExpressions). Throws as WebhookRequestBody does.
GuardHttpCall WebhookCall(const WebhookGuard& webhook, GuardPhase phase,
                          const std::vector<llm::PromptMessage>& entries,
                          const http::HeaderList& candidates);

// A webhook's reply body, read as agentgateway's serde types read it. `{"action":{...}}`, and
// the action is the first shape that fits:
// - Mask: `body` is {"messages":[...]} or else {"choices":[{"message":{...}}]}, each message
//   exactly {"role":string,"content":string};
// - Reject: `body` a string and `status_code` an integer 0-65535;
// - Pass: anything else.
// Any shape's `reason` must be a string or null when present (else the next shape is tried).
// Unknown members are ignored. Not an object with an object `action`, or an action no shape
// fits: an error (the call failed: the webhook's failureMode applies). The HTTP status of the
// reply is not looked at.
struct WebhookReply {
  enum class Action { kPass, kMask, kReject };
  Action action = Action::kPass;
  // kMask: which list the body held, and the entries.
  bool mask_choices = false;
  std::vector<llm::PromptMessage> mask;
  // kReject: the status and body to answer with (the guard's own rejection is not used).
  int status_code = 0;
  std::string body;
  std::string reason;  // for logs
};
Expected<WebhookReply> ParseWebhookReply(std::string_view body);

// A request mask (agentgateway's set_messages): lossy, per format.
// - Completions: `messages` becomes [{"role","content":string}] (tool calls, names, arrays and
//   other members are gone).
// - Messages: the entries with role `system` become `system` as text blocks (removed when
//   none), the others `messages` as {"role","content":string}.
// - Responses: when `instructions` is a string, it takes the first entry if that is
//   system/developer (which is then used up), else it is removed; `input` becomes items built
//   from the entries (assistant: string content; system/developer: one input_text part; any
//   other role: a user message with one input_text part). Non-message items are dropped.
// - Gemini: the system entries, joined by "\n", become systemInstruction's text (its text parts
//   collapse into the first). When the other entries are as many as `contents`, each content's
//   text parts collapse into its first (dropped when the text is ""), other parts stay;
//   otherwise `contents` is rebuilt ({"role" (assistant -> model),"parts":[{"text"}]}).
// Other formats: unchanged.
void SetGuardRequestMessages(llm::InputFormat format, llm::Json& request,
                             std::vector<llm::PromptMessage> messages);

// A response mask (agentgateway's set_webhook_choices). The entries must be as many as
// GuardResponseChoices gave, else the error `webhook response message count mismatch` (and
// nothing changes).
// - Completions: each choice's message.content is set (also to "").
// - Messages: each content block's `text` is set (tool_use blocks too).
// - Responses: each message item's content becomes
//   [{"type":"output_text","annotations":[],"logprobs":null,"text":...}].
// - Gemini: each candidate's non-thought text parts collapse into the first (dropped for "").
Expected<void> SetGuardResponseChoices(llm::InputFormat format, llm::Json& response,
                                       const std::vector<llm::PromptMessage>& choices);

// The moderation call: POST /v1/moderations, `content-type: application/json`, body
// {"input":[<content of each entry>],"model":"<model>"}. The caller adds the guard's auth.
GuardHttpCall ModerationCall(const ModerationGuard& moderation,
                             const std::vector<llm::PromptMessage>& messages);

// Whether a moderation reply flags the input: true when any results[i].flagged is true. The
// reply must be a moderation response ({"id":string,"model":string,"results":[{"flagged":bool,
// "categories":{...},"category_scores":{...}},...]}), else an error (an OpenAI error body is
// one).
Expected<bool> ModerationFlagged(std::string_view reply_body);

// One webhook guard on a client request (`request` edited in place by a mask): the call with
// the request's messages, then Pass -> kAllow, Mask -> kMask (set_messages), Reject -> kReject
// with the webhook's status and body. A failed call or unreadable reply: kFailOpen for a
// FailOpen webhook (the request goes on unchanged), else kError. A mask of choices, or a reject
// status outside 100-999: kError whatever the failureMode. `remote.caller` must be set.
GuardVerdict EvaluateWebhookRequest(const Guard& guard, std::size_t index, llm::InputFormat format,
                                    llm::Json& request, const RemoteGuardContext& remote);

// The same on a buffered client-format response (POST /response with its choices); a mask of
// messages, or of a different number of choices, is kError.
GuardVerdict EvaluateWebhookResponse(const Guard& guard, std::size_t index, llm::InputFormat format,
                                     llm::Json& client_response, const RemoteGuardContext& remote);

// One openAIModeration guard on a client request: kReject with the guard's rejection when the
// reply flags it, else kAllow; a failed call or unreadable reply is kError (moderation has no
// FailOpen). `remote.caller` must be set.
GuardVerdict EvaluateModeration(const Guard& guard, std::size_t index, llm::InputFormat format,
                                const llm::Json& request, const RemoteGuardContext& remote);

}  // namespace agw::emulator::policy
