#include "emulator/policy/remote_guard.h"

#include <re2/re2.h>

#include <cstdint>
#include <exception>
#include <utility>

#include "emulator/llm/chat_json.h"
#include "emulator/llm/json_codec.h"

namespace agw::emulator::policy {
namespace {

using llm::InputFormat;
using llm::Json;
using llm::PromptMessage;
using llm::chat::Member;
using llm::chat::Object;
using llm::chat::StringValueOr;

const http::HeaderList kNoHeaders;

// Webhook paths (agentgateway's REQUEST_PATH / RESPONSE_PATH) and OpenAI's moderation endpoint.
constexpr std::string_view kRequestPath = "/request";
constexpr std::string_view kResponsePath = "/response";
constexpr std::string_view kModerationPath = "/v1/moderations";

std::vector<PromptMessage> Entries(const Json& prompt) {
  std::vector<PromptMessage> entries;
  entries.reserve(prompt.size());
  for (const Json& entry : prompt) {
    entries.push_back({StringValueOr(entry, "role"), StringValueOr(entry, "content")});
  }
  return entries;
}

std::string Join(const std::vector<std::string>& texts, std::string_view separator) {
  std::string joined;
  for (size_t i = 0; i < texts.size(); ++i) {
    if (i > 0) {
      joined.append(separator);
    }
    joined.append(texts[i]);
  }
  return joined;
}

// --- Response choices --------------------------------------------------------------------
//
// Each format's list of choices; the masks walk the same lists, so the counts agree.

// A Gemini part that agentgateway reads as a text part: a string `text`, and `thought` (if any)
// a boolean.
bool IsGeminiTextPart(const Json& part) {
  if (!part.is_object() || !Member(part, "text").is_string()) {
    return false;
  }
  const Json& thought = Member(part, "thought");
  return thought.is_null() || thought.is_boolean();
}

bool IsThought(const Json& part) {
  const Json& thought = Member(part, "thought");
  return thought.is_boolean() && thought.get<bool>();
}

// The Responses output items of type `message`.
std::vector<Json*> ResponsesMessageItems(Json& response) {
  std::vector<Json*> items;
  if (!response.is_object() || !response.contains("output") || !response["output"].is_array()) {
    return items;
  }
  for (Json& item : response["output"]) {
    if (StringValueOr(item, "type") == "message") {
      items.push_back(&item);
    }
  }
  return items;
}

// The array member `key` of `json`, or null.
Json* ArrayMember(Json& json, std::string_view key) {
  if (!json.is_object()) {
    return nullptr;
  }
  auto found = json.find(std::string(key));
  return found != json.end() && found->is_array() ? &*found : nullptr;
}

// Gemini content text rewrite (agentgateway's set_content_text / set_visible_text): the first
// text part in reach takes `text`, later ones are dropped, other parts stay. "" drops them all
// (Vertex rejects an empty text part); a content with none gets one appended for a non-empty
// text. A content left with no parts has no `parts` member, as upstream serialises it.
void SetGeminiText(Json& content, const std::string& text, bool visible_only) {
  if (!content.is_object()) {
    return;
  }
  Json parts = Json::array();
  bool replaced = false;
  if (Json* old_parts = ArrayMember(content, "parts")) {
    for (Json& part : *old_parts) {
      bool in_reach = IsGeminiTextPart(part) && !(visible_only && IsThought(part));
      if (!in_reach) {
        parts.push_back(std::move(part));
        continue;
      }
      if (!replaced && !text.empty()) {
        part["text"] = text;
        parts.push_back(std::move(part));
      }
      replaced = true;
    }
  }
  if (!replaced && !text.empty()) {
    parts.push_back(Object("text", text));
  }
  if (parts.empty()) {
    content.erase("parts");
  } else {
    content["parts"] = std::move(parts);
  }
}

// --- Webhook replies ---------------------------------------------------------------------
//
// serde's untagged enums try each variant in order; a variant fails on a missing or mistyped
// required field, and agentgateway's chat message type also refuses unknown fields.

bool ReasonFits(const Json& action) {
  const Json& reason = Member(action, "reason");
  return reason.is_null() || reason.is_string();
}

std::optional<PromptMessage> ReadMessage(const Json& message) {
  if (!message.is_object() || message.size() != 2 || !Member(message, "role").is_string() ||
      !Member(message, "content").is_string()) {
    return std::nullopt;
  }
  return PromptMessage{Member(message, "role").get<std::string>(),
                       Member(message, "content").get<std::string>()};
}

// A list of messages, or of choices ({"message": message}, other members ignored).
std::optional<std::vector<PromptMessage>> ReadMessages(const Json& list, bool choices) {
  if (!list.is_array()) {
    return std::nullopt;
  }
  std::vector<PromptMessage> messages;
  for (const Json& item : list) {
    if (choices && !item.is_object()) {
      return std::nullopt;
    }
    std::optional<PromptMessage> message = ReadMessage(choices ? Member(item, "message") : item);
    if (!message) {
      return std::nullopt;
    }
    messages.push_back(std::move(*message));
  }
  return messages;
}

std::optional<WebhookReply> ReadMask(const Json& action) {
  const Json& body = Member(action, "body");
  if (!body.is_object() || !ReasonFits(action)) {
    return std::nullopt;
  }
  for (bool choices : {false, true}) {
    const Json& list = Member(body, choices ? "choices" : "messages");
    if (std::optional<std::vector<PromptMessage>> mask = ReadMessages(list, choices)) {
      WebhookReply reply;
      reply.action = WebhookReply::Action::kMask;
      reply.mask_choices = choices;
      reply.mask = std::move(*mask);
      reply.reason = StringValueOr(action, "reason");
      return reply;
    }
  }
  return std::nullopt;
}

std::optional<WebhookReply> ReadReject(const Json& action) {
  const Json& body = Member(action, "body");
  const Json& status = Member(action, "status_code");
  if (!body.is_string() || !status.is_number_integer() || !ReasonFits(action)) {
    return std::nullopt;
  }
  // A u16: a negative or larger number does not fit, and the next shape is tried.
  if (status.is_number_unsigned()
          ? status.get<std::uint64_t>() > 65535
          : status.get<std::int64_t>() < 0 || status.get<std::int64_t>() > 65535) {
    return std::nullopt;
  }
  WebhookReply reply;
  reply.action = WebhookReply::Action::kReject;
  reply.status_code = status.get<int>();
  reply.body = body.get<std::string>();
  reply.reason = StringValueOr(action, "reason");
  return reply;
}

// --- Verdicts ----------------------------------------------------------------------------

GuardVerdict Start(const Guard& guard, size_t index) {
  GuardVerdict verdict;
  verdict.guard_kind = std::string(GuardKindName(guard.kind));
  verdict.guard_index = index;
  return verdict;
}

GuardVerdict Failed(GuardVerdict verdict, std::string error) {
  verdict.action = GuardVerdict::Action::kError;
  verdict.error = std::move(error);
  return verdict;
}

// A webhook that could not be called or read: its failureMode decides.
GuardVerdict Unavailable(GuardVerdict verdict, FailureMode mode, std::string error) {
  verdict.action = mode == FailureMode::kFailOpen ? GuardVerdict::Action::kFailOpen
                                                  : GuardVerdict::Action::kError;
  verdict.error = std::move(error);
  return verdict;
}

// Builds and makes the call, and reads the reply; an error means the webhook is unavailable.
Expected<WebhookReply> CallWebhook(const Guard& guard, const WebhookGuard& webhook,
                                   GuardPhase phase, const std::vector<PromptMessage>& entries,
                                   const Json* llm_request, const RemoteGuardContext& remote) {
  GuardHttpCall call;
  try {
    call = WebhookCall(webhook, phase, entries,
                       remote.headers != nullptr ? *remote.headers : kNoHeaders);
  } catch (const std::exception& error) {
    return MakeError(std::string("cannot build the webhook request: ") + error.what());
  }
  if (remote.header_expressions != nullptr) {
    remote.header_expressions->Apply(webhook, llm_request, call);
  }
  Expected<GuardHttpReply> reply = remote.caller->Call(guard, call);
  if (!reply) {
    return MakeError("webhook call failed: " + reply.error().message);
  }
  return ParseWebhookReply(reply->body);
}

// agentgateway builds the rejection with http's StatusCode::from_u16, which takes 100-999.
bool ValidStatus(int status) { return status >= 100 && status <= 999; }

GuardVerdict Rejected(GuardVerdict verdict, const WebhookReply& reply) {
  if (!ValidStatus(reply.status_code)) {
    return Failed(std::move(verdict), "webhook reject status_code " +
                                          std::to_string(reply.status_code) +
                                          " is not an HTTP status");
  }
  verdict.action = GuardVerdict::Action::kReject;
  verdict.rejection = Rejection{reply.status_code, reply.body};
  return verdict;
}

}  // namespace

std::vector<PromptMessage> GuardRequestMessages(InputFormat format, const Json& request) {
  switch (format) {
    case InputFormat::kCompletions:
      return Entries(llm::CompletionsPrompt(request));
    case InputFormat::kMessages: {
      std::vector<PromptMessage> entries = Entries(llm::MessagesPrompt(request));
      // agentgateway leaves out an empty system prompt; MessagesPrompt reports it.
      if (!Member(request, "system").is_null() && !entries.empty() &&
          entries.front().content.empty()) {
        entries.erase(entries.begin());
      }
      return entries;
    }
    case InputFormat::kResponses:
      return Entries(llm::ResponsesPrompt(request));
    case InputFormat::kGemini:
      return Entries(llm::GeminiPrompt(request));
    default:
      return {};
  }
}

std::vector<PromptMessage> GuardResponseChoices(InputFormat format, const Json& response) {
  std::vector<PromptMessage> choices;
  auto each = [&](std::string_view key, auto&& visit) {
    const Json& list = Member(response, key);
    if (list.is_array()) {
      for (const Json& item : list) {
        visit(item);
      }
    }
  };
  switch (format) {
    case InputFormat::kCompletions:
      each("choices", [&](const Json& choice) {
        const Json& message = Member(choice, "message");
        choices.push_back({StringValueOr(message, "role"), StringValueOr(message, "content")});
      });
      break;
    case InputFormat::kMessages:
      each("content", [&](const Json& block) {
        choices.push_back({"assistant", StringValueOr(block, "text")});
      });
      break;
    case InputFormat::kResponses:
      each("output", [&](const Json& item) {
        if (StringValueOr(item, "type") != "message") {
          return;
        }
        std::vector<std::string> texts;
        const Json& content = Member(item, "content");
        for (const Json& part : content.is_array() ? content : llm::chat::EmptyArray()) {
          if (StringValueOr(part, "type") == "output_text") {
            texts.push_back(StringValueOr(part, "text"));
          }
        }
        choices.push_back({"assistant", Join(texts, "\n")});
      });
      break;
    case InputFormat::kGemini:
      each("candidates", [&](const Json& candidate) {
        std::string text;
        const Json& parts = Member(Member(candidate, "content"), "parts");
        for (const Json& part : parts.is_array() ? parts : llm::chat::EmptyArray()) {
          if (IsGeminiTextPart(part) && !IsThought(part)) {
            text += Member(part, "text").get_ref<const std::string&>();
          }
        }
        choices.push_back({"assistant", std::move(text)});
      });
      break;
    default:
      break;
  }
  return choices;
}

std::string WebhookRequestBody(const std::vector<PromptMessage>& messages) {
  Json list = Json::array();
  for (const PromptMessage& message : messages) {
    list.push_back(Object("role", message.role, "content", message.content));
  }
  return llm::WriteJson(Object("body", Object("messages", std::move(list))));
}

std::string WebhookResponseBody(const std::vector<PromptMessage>& choices) {
  Json list = Json::array();
  for (const PromptMessage& choice : choices) {
    list.push_back(Object("message", Object("role", choice.role, "content", choice.content)));
  }
  return llm::WriteJson(Object("body", Object("choices", std::move(list))));
}

http::HeaderList WebhookForwardHeaders(const std::vector<ForwardHeaderMatch>& matches,
                                       const http::HeaderList& headers) {
  http::HeaderList forwarded;
  for (const ForwardHeaderMatch& match : matches) {
    if (match.name.empty() || match.name[0] == ':' ||
        http::HeaderNameEquals(match.name, "content-length")) {
      continue;
    }
    auto matches_value = [&](const std::string& value) {
      if (!match.regular_expression) {
        return value == match.value;
      }
      if (match.pattern == nullptr) {
        return false;
      }
      // http's HeaderValue::to_str: only visible ASCII (and tab) reads as text.
      for (char c : value) {
        auto byte = static_cast<unsigned char>(c);
        if ((byte < 0x20 && c != '\t') || byte >= 0x7f) {
          return false;
        }
      }
      re2::StringPiece found;
      return match.pattern->Match(value, 0, value.size(), re2::RE2::UNANCHORED, &found, 1) &&
             found.data() == value.data() && found.size() == value.size();
    };
    bool any = false;
    for (const auto& [name, value] : headers) {
      if (http::HeaderNameEquals(name, match.name) && matches_value(value)) {
        any = true;
        break;
      }
    }
    if (!any) {
      continue;
    }
    std::string lower = match.name;
    for (char& c : lower) {
      if (c >= 'A' && c <= 'Z') {
        c = static_cast<char>(c - 'A' + 'a');
      }
    }
    for (const auto& [name, value] : headers) {
      if (http::HeaderNameEquals(name, match.name)) {
        forwarded.emplace_back(lower, value);
      }
    }
  }
  return forwarded;
}

http::HeaderList ResponseForwardCandidates(const http::HeaderList& upstream_headers,
                                           const http::HeaderList& request_headers) {
  http::HeaderList candidates = upstream_headers;
  for (const auto& [name, value] : request_headers) {
    if (http::HeaderNameEquals(name, "traceparent")) {
      http::SetHeader(candidates, "traceparent", value);
      break;
    }
  }
  return candidates;
}

GuardHttpCall WebhookCall(const WebhookGuard& webhook, GuardPhase phase,
                          const std::vector<PromptMessage>& entries,
                          const http::HeaderList& candidates) {
  GuardHttpCall call;
  call.path = std::string(phase == GuardPhase::kRequest ? kRequestPath : kResponsePath);
  call.body =
      phase == GuardPhase::kRequest ? WebhookRequestBody(entries) : WebhookResponseBody(entries);
  call.headers = WebhookForwardHeaders(webhook.forward_header_matches, candidates);
  // Added after the forwarded headers, as agentgateway's request builder appends it.
  call.headers.emplace_back("content-type", "application/json");
  return call;
}

Expected<WebhookReply> ParseWebhookReply(std::string_view body) {
  Json reply = llm::ReadJson(body);
  if (!reply.is_object()) {
    return MakeError("the webhook reply is not a JSON object");
  }
  const Json& action = Member(reply, "action");
  if (!action.is_object()) {
    return MakeError("the webhook reply has no action object");
  }
  if (std::optional<WebhookReply> mask = ReadMask(action)) {
    return std::move(*mask);
  }
  if (std::optional<WebhookReply> reject = ReadReject(action)) {
    return std::move(*reject);
  }
  if (ReasonFits(action)) {
    WebhookReply pass;
    pass.reason = StringValueOr(action, "reason");
    return pass;
  }
  return MakeError("the webhook reply's action fits no Mask, Reject or Pass shape");
}

void SetGuardRequestMessages(InputFormat format, Json& request,
                             std::vector<PromptMessage> messages) {
  if (!request.is_object()) {
    return;
  }
  // agentgateway builds the masked messages with the conversions prompt enrichment uses, so the
  // enrichment functions build them here too, on an empty request.
  switch (format) {
    case InputFormat::kCompletions: {
      Json built = Object("messages", Json::array());
      llm::EnrichCompletionsPrompt(built, {std::move(messages), {}});
      request["messages"] = std::move(built["messages"]);
      break;
    }
    case InputFormat::kMessages: {
      Json built = Object("messages", Json::array());
      llm::EnrichMessagesPrompt(built, {std::move(messages), {}});
      request["messages"] = std::move(built["messages"]);
      if (built.contains("system")) {
        request["system"] = std::move(built["system"]);
      } else {
        request.erase("system");
      }
      break;
    }
    case InputFormat::kResponses: {
      size_t first = 0;
      if (auto instructions = request.find("instructions");
          instructions != request.end() && instructions->is_string()) {
        if (!messages.empty() &&
            (messages[0].role == "system" || messages[0].role == "developer")) {
          *instructions = messages[0].content;
          first = 1;
        } else {
          request.erase(instructions);
        }
      }
      Json built = Object("input", Json::array());
      llm::EnrichResponsesPrompt(
          built, {std::vector<PromptMessage>(messages.begin() + first, messages.end()), {}});
      request["input"] = std::move(built["input"]);
      break;
    }
    case InputFormat::kGemini: {
      std::vector<std::string> system;
      std::vector<PromptMessage> chat;
      for (PromptMessage& message : messages) {
        if (message.role == "system") {
          system.push_back(std::move(message.content));
        } else {
          chat.push_back(std::move(message));
        }
      }
      if (!system.empty()) {
        std::string text = Join(system, "\n");
        Json& instruction = request["systemInstruction"];
        if (instruction.is_object()) {
          SetGeminiText(instruction, text, /*visible_only=*/false);
        } else {
          // A new instruction gets the text part as it is, even "".
          instruction = Object("parts", Json::array({Object("text", std::move(text))}));
        }
      }
      Json* contents = ArrayMember(request, "contents");
      size_t count = contents != nullptr ? contents->size() : 0;
      if (chat.size() == count) {
        // The shape get_messages gave: rewrite the text in place, so non-text parts survive.
        for (size_t i = 0; i < count; ++i) {
          SetGeminiText((*contents)[i], chat[i].content, /*visible_only=*/false);
        }
      } else {
        Json built = Json::object();
        llm::EnrichGeminiPrompt(built, {std::move(chat), {}});
        request["contents"] =
            built.contains("contents") ? std::move(built["contents"]) : Json::array();
      }
      break;
    }
    default:
      break;
  }
}

Expected<void> SetGuardResponseChoices(InputFormat format, Json& response,
                                       const std::vector<PromptMessage>& choices) {
  if (choices.size() != GuardResponseChoices(format, response).size()) {
    return MakeError("webhook response message count mismatch");
  }
  if (choices.empty()) {
    return {};  // nothing to set, and the list may be missing
  }
  size_t i = 0;
  switch (format) {
    case InputFormat::kCompletions:
      for (Json& choice : *ArrayMember(response, "choices")) {
        if (choice.is_object() && choice.contains("message") && choice["message"].is_object()) {
          choice["message"]["content"] = choices[i].content;
        }
        ++i;
      }
      break;
    case InputFormat::kMessages:
      for (Json& block : *ArrayMember(response, "content")) {
        if (!block.is_object()) {
          ++i;
          continue;
        }
        if (block.contains("text")) {
          block["text"] = choices[i].content;
        } else {
          // agentgateway's content block type serialises `text` first.
          Json with_text = Object("text", choices[i].content);
          for (auto& [key, value] : block.items()) {
            with_text[key] = std::move(value);
          }
          block = std::move(with_text);
        }
        ++i;
      }
      break;
    case InputFormat::kResponses:
      for (Json* item : ResponsesMessageItems(response)) {
        (*item)["content"] =
            Json::array({Object("type", "output_text", "annotations", Json::array(), "logprobs",
                                nullptr, "text", choices[i].content)});
        ++i;
      }
      break;
    case InputFormat::kGemini:
      for (Json& candidate : *ArrayMember(response, "candidates")) {
        if (candidate.is_object() && candidate.contains("content")) {
          SetGeminiText(candidate["content"], choices[i].content, /*visible_only=*/true);
        }
        ++i;
      }
      break;
    default:
      break;
  }
  return {};
}

GuardHttpCall ModerationCall(const ModerationGuard& moderation,
                             const std::vector<PromptMessage>& messages) {
  Json input = Json::array();
  for (const PromptMessage& message : messages) {
    input.push_back(message.content);
  }
  GuardHttpCall call;
  call.path = std::string(kModerationPath);
  call.headers = {{"content-type", "application/json"}};
  call.body = llm::WriteJson(Object("input", std::move(input), "model", moderation.model));
  return call;
}

Expected<bool> ModerationFlagged(std::string_view reply_body) {
  Json reply = llm::ReadJson(reply_body);
  if (!reply.is_object() || !Member(reply, "id").is_string() ||
      !Member(reply, "model").is_string() || !Member(reply, "results").is_array()) {
    return MakeError("the moderation reply is not a moderation response");
  }
  bool flagged = false;
  for (const Json& result : reply["results"]) {
    const Json& result_flagged = Member(result, "flagged");
    if (!result_flagged.is_boolean() || !Member(result, "categories").is_object() ||
        !Member(result, "category_scores").is_object()) {
      return MakeError(
          "the moderation reply has a result without flagged, categories and "
          "category_scores");
    }
    flagged = flagged || result_flagged.get<bool>();
  }
  return flagged;
}

GuardVerdict EvaluateWebhookRequest(const Guard& guard, size_t index, InputFormat format,
                                    Json& request, const RemoteGuardContext& remote) {
  GuardVerdict verdict = Start(guard, index);
  const WebhookGuard& webhook = std::get<WebhookGuard>(guard.spec);
  Expected<WebhookReply> reply =
      CallWebhook(guard, webhook, GuardPhase::kRequest, GuardRequestMessages(format, request),
                  &request, remote);
  if (!reply) {
    return Unavailable(std::move(verdict), webhook.failure_mode, reply.error().message);
  }
  switch (reply->action) {
    case WebhookReply::Action::kPass:
      return verdict;
    case WebhookReply::Action::kReject:
      return Rejected(std::move(verdict), *reply);
    case WebhookReply::Action::kMask:
      if (reply->mask_choices) {
        return Failed(std::move(verdict), "invalid webhook response");
      }
      try {
        SetGuardRequestMessages(format, request, std::move(reply->mask));
      } catch (const std::exception& error) {
        return Failed(std::move(verdict),
                      std::string("cannot apply the webhook mask: ") + error.what());
      }
      verdict.action = GuardVerdict::Action::kMask;
      return verdict;
  }
  return verdict;
}

GuardVerdict EvaluateWebhookResponse(const Guard& guard, size_t index, InputFormat format,
                                     Json& client_response, const RemoteGuardContext& remote) {
  GuardVerdict verdict = Start(guard, index);
  const WebhookGuard& webhook = std::get<WebhookGuard>(guard.spec);
  Expected<WebhookReply> reply =
      CallWebhook(guard, webhook, GuardPhase::kResponse,
                  GuardResponseChoices(format, client_response), nullptr, remote);
  if (!reply) {
    return Unavailable(std::move(verdict), webhook.failure_mode, reply.error().message);
  }
  switch (reply->action) {
    case WebhookReply::Action::kPass:
      return verdict;
    case WebhookReply::Action::kReject:
      return Rejected(std::move(verdict), *reply);
    case WebhookReply::Action::kMask: {
      if (!reply->mask_choices) {
        return Failed(std::move(verdict), "invalid webhook response");
      }
      Expected<void> set = SetGuardResponseChoices(format, client_response, reply->mask);
      if (!set) {
        return Failed(std::move(verdict), set.error().message);
      }
      verdict.action = GuardVerdict::Action::kMask;
      return verdict;
    }
  }
  return verdict;
}

GuardVerdict EvaluateModeration(const Guard& guard, size_t index, InputFormat format,
                                const Json& request, const RemoteGuardContext& remote) {
  GuardVerdict verdict = Start(guard, index);
  const ModerationGuard& moderation = std::get<ModerationGuard>(guard.spec);
  GuardHttpCall call;
  try {
    call = ModerationCall(moderation, GuardRequestMessages(format, request));
  } catch (const std::exception& error) {
    return Failed(std::move(verdict),
                  std::string("cannot build the moderation request: ") + error.what());
  }
  Expected<GuardHttpReply> reply = remote.caller->Call(guard, call);
  if (!reply) {
    return Failed(std::move(verdict), "openAIModeration call failed: " + reply.error().message);
  }
  Expected<bool> flagged = ModerationFlagged(reply->body);
  if (!flagged) {
    return Failed(std::move(verdict), flagged.error().message);
  }
  if (*flagged) {
    verdict.action = GuardVerdict::Action::kReject;
    verdict.rejection = guard.rejection;
  }
  return verdict;
}

}  // namespace agw::emulator::policy
