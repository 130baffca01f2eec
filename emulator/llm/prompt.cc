#include "emulator/llm/prompt.h"

#include <algorithm>
#include <initializer_list>
#include <string_view>

#include "emulator/llm/chat_json.h"

namespace agw::emulator::llm {
namespace {

using chat::Member;
using chat::Object;

using chat::StringValueOr;

Json PromptEntry(std::string role, std::string content) {
  return Object("role", std::move(role), "content", std::move(content));
}

// ---------------------------------------------------------------------------------------------
// Extraction. The formats disagree on which parts count as text and on the separator; each
// follows what agentgateway's get_messages does for that format.

// Completions and Messages content: the string itself, or the `text` of every part that has
// one joined with `separator`; "" when there is no text at all (images, tool calls, results).
std::string ChatContentText(const Json& content, std::string_view separator) {
  if (content.is_string()) {
    return content.get<std::string>();
  }
  std::string text;
  if (!content.is_array()) {
    return text;
  }
  for (const Json& part : content) {
    const Json& part_text = Member(part, "text");
    if (!part_text.is_string()) {
      continue;
    }
    if (!text.empty()) {
      text.append(separator);
    }
    text.append(part_text.get_ref<const std::string&>());
  }
  return text;
}

Json ChatMessagesPrompt(const Json& request) {
  Json prompt = Json::array();
  const Json& messages = Member(request, "messages");
  if (!messages.is_array()) {
    return prompt;
  }
  for (const Json& message : messages) {
    if (!message.is_object()) {
      continue;
    }
    prompt.push_back(PromptEntry(StringValueOr(message, "role"),
                                 ChatContentText(Member(message, "content"), " ")));
  }
  return prompt;
}

// Responses content parts: the text of the parts whose type is one of `types`, joined by '\n'.
std::string ResponsesPartsText(const Json& parts, std::initializer_list<std::string_view> types) {
  std::string text;
  bool first = true;
  for (const Json& part : parts) {
    std::string type = StringValueOr(part, "type");
    if (std::find(types.begin(), types.end(), type) == types.end()) {
      continue;
    }
    if (!first) {
      text.push_back('\n');
    }
    text.append(StringValueOr(part, "text"));
    first = false;
  }
  return text;
}

bool IsChatRole(std::string_view role) {
  return role == "user" || role == "assistant" || role == "system" || role == "developer";
}

// Gemini `content`: the text of its parts that have one, joined with `separator`.
std::string GeminiContentText(const Json& content, std::string_view separator) {
  std::string text;
  const Json& parts = Member(content, "parts");
  if (!parts.is_array()) {
    return text;
  }
  bool first = true;
  for (const Json& part : parts) {
    if (!part.contains("text")) {
      continue;
    }
    if (!first) {
      text.append(separator);
    }
    text.append(StringValueOr(part, "text"));
    first = false;
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// Enrichment.

Json PlainMessage(const PromptMessage& message) {
  return Object("role", message.role, "content", message.content);
}

Json AnthropicTextBlock(std::string_view text) { return Object("type", "text", "text", text); }

// A Responses input item for an added message.
Json ResponsesItem(const PromptMessage& message) {
  Json item = Json::object();
  item["type"] = "message";
  if (message.role == "assistant") {
    item["role"] = message.role;
    item["content"] = message.content;
    return item;
  }
  item["content"] = Json::array({Json{{"type", "input_text"}, {"text", message.content}}});
  // Anything but system and developer is sent as a user message, as upstream does.
  item["role"] = message.role == "system" || message.role == "developer" ? message.role : "user";
  return item;
}

Json GeminiTextPart(std::string_view text) { return Json{{"text", text}}; }

Json GeminiContent(const PromptMessage& message) {
  return Json{{"role", message.role == "assistant" ? "model" : message.role},
              {"parts", Json::array({GeminiTextPart(message.content)})}};
}

// Inserts `added` at the front or the end of the array `at`, which is created when missing.
void InsertAll(Json& at, const Json& added, bool at_front) {
  if (added.empty()) {
    return;
  }
  if (!at.is_array()) {
    at = Json::array();
  }
  at.insert(at_front ? at.begin() : at.end(), added.begin(), added.end());
}

void AddGeminiPrompts(Json& request, const std::vector<PromptMessage>& prompts, bool at_front) {
  Json system_parts = Json::array();
  Json contents = Json::array();
  for (const PromptMessage& prompt : prompts) {
    if (prompt.role == "system") {
      system_parts.push_back(GeminiTextPart(prompt.content));
    } else {
      contents.push_back(GeminiContent(prompt));
    }
  }
  if (!system_parts.empty()) {
    Json& system = request["systemInstruction"];
    if (!system.is_object()) {
      system = Json::object();
    }
    InsertAll(system["parts"], system_parts, at_front);
  }
  if (!contents.empty()) {
    InsertAll(request["contents"], contents, at_front);
  }
}

}  // namespace

Json CompletionsPrompt(const Json& request) { return ChatMessagesPrompt(request); }

Json MessagesPrompt(const Json& request) {
  Json prompt = Json::array();
  if (const Json& system = Member(request, "system"); !system.is_null()) {
    prompt.push_back(PromptEntry("system", ChatContentText(system, "\n")));
  }
  for (Json& entry : ChatMessagesPrompt(request)) {
    prompt.push_back(std::move(entry));
  }
  return prompt;
}

Json ResponsesPrompt(const Json& request) {
  Json prompt = Json::array();
  if (const Json& instructions = Member(request, "instructions"); instructions.is_string()) {
    prompt.push_back(PromptEntry("system", instructions.get<std::string>()));
  }
  const Json& input = Member(request, "input");
  if (input.is_string()) {
    prompt.push_back(PromptEntry("user", input.get<std::string>()));
    return prompt;
  }
  for (const Json& item : input) {
    std::string role = StringValueOr(item, "role");
    if (!IsChatRole(role)) {
      continue;
    }
    const Json& content = Member(item, "content");
    if (content.is_string()) {
      prompt.push_back(PromptEntry(std::move(role), content.get<std::string>()));
    } else if (content.is_array()) {
      prompt.push_back(
          PromptEntry(std::move(role), ResponsesPartsText(content, {"input_text", "output_text"})));
    }
  }
  return prompt;
}

Json GeminiPrompt(const Json& request) {
  Json prompt = Json::array();
  if (const Json& system = Member(request, "systemInstruction"); !system.is_null()) {
    std::string text = GeminiContentText(system, "\n");
    if (!text.empty()) {
      prompt.push_back(PromptEntry("system", std::move(text)));
    }
  }
  const Json& contents = Member(request, "contents");
  if (!contents.is_array()) {
    return prompt;
  }
  for (const Json& content : contents) {
    std::string role = StringValueOr(content, "role", "user");
    prompt.push_back(PromptEntry(role == "model" ? "assistant" : std::move(role),
                                 GeminiContentText(content, " ")));
  }
  return prompt;
}

void EnrichCompletionsPrompt(Json& request, const PromptEnrichment& enrichment) {
  Json messages = Json::array();
  for (const PromptMessage& message : enrichment.prepend) {
    messages.push_back(PlainMessage(message));
  }
  if (request.contains("messages") && request["messages"].is_array()) {
    for (Json& message : request["messages"]) {
      messages.push_back(std::move(message));
    }
  }
  for (const PromptMessage& message : enrichment.append) {
    messages.push_back(PlainMessage(message));
  }
  request["messages"] = std::move(messages);
}

void EnrichMessagesPrompt(Json& request, const PromptEnrichment& enrichment) {
  Json system_before = Json::array();
  Json system_after = Json::array();
  Json messages = Json::array();
  for (const PromptMessage& message : enrichment.prepend) {
    if (message.role == "system") {
      system_before.push_back(AnthropicTextBlock(message.content));
    } else {
      messages.push_back(PlainMessage(message));
    }
  }
  if (request.contains("messages") && request["messages"].is_array()) {
    for (Json& message : request["messages"]) {
      messages.push_back(std::move(message));
    }
  }
  for (const PromptMessage& message : enrichment.append) {
    if (message.role == "system") {
      system_after.push_back(AnthropicTextBlock(message.content));
    } else {
      messages.push_back(PlainMessage(message));
    }
  }
  request["messages"] = std::move(messages);
  if (system_before.empty() && system_after.empty()) {
    return;
  }

  // A string system prompt becomes one text block so the added blocks can surround it.
  Json system = std::move(system_before);
  if (auto existing = request.find("system"); existing != request.end()) {
    if (existing->is_string()) {
      system.push_back(AnthropicTextBlock(existing->get<std::string>()));
    } else if (existing->is_array()) {
      for (Json& block : *existing) {
        system.push_back(std::move(block));
      }
    }
  }
  for (Json& block : system_after) {
    system.push_back(std::move(block));
  }
  request["system"] = std::move(system);
}

void EnrichResponsesPrompt(Json& request, const PromptEnrichment& enrichment) {
  Json items = Json::array();
  for (const PromptMessage& message : enrichment.prepend) {
    items.push_back(ResponsesItem(message));
  }
  if (auto input = request.find("input"); input != request.end()) {
    if (input->is_string()) {
      items.push_back(ResponsesItem({"user", input->get<std::string>()}));
    } else if (input->is_array()) {
      for (const Json& item : *input) {
        items.push_back(item);
      }
    }
  }
  for (const PromptMessage& message : enrichment.append) {
    items.push_back(ResponsesItem(message));
  }
  request["input"] = std::move(items);
}

void EnrichGeminiPrompt(Json& request, const PromptEnrichment& enrichment) {
  if (!request.is_object()) {
    return;
  }
  AddGeminiPrompts(request, enrichment.prepend, /*at_front=*/true);
  AddGeminiPrompts(request, enrichment.append, /*at_front=*/false);
}

}  // namespace agw::emulator::llm
