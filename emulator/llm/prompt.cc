#include "emulator/llm/prompt.h"

namespace agw::llm {
namespace {

// Text of a message's content: the string itself, or the `text` of its parts joined with
// `separator`; "" when there is no text at all (images, tool calls, tool results).
std::string ContentText(const Json& content, std::string_view separator) {
  if (content.is_string()) return content.get<std::string>();
  std::string text;
  if (!content.is_array()) return text;
  for (const Json& part : content) {
    if (!part.is_object()) continue;
    auto found = part.find("text");
    if (found == part.end() || !found->is_string()) continue;
    if (!text.empty()) text.append(separator);
    text.append(found->get_ref<const std::string&>());
  }
  return text;
}

Json PromptEntry(const Json& message, std::string_view separator) {
  std::string role = message.value("role", "");
  std::string content;
  if (auto found = message.find("content"); found != message.end()) {
    content = ContentText(*found, separator);
  }
  return Json{{"role", std::move(role)}, {"content", std::move(content)}};
}

Json MessagesFrom(const Json& request, std::string_view separator) {
  Json prompt = Json::array();
  auto messages = request.find("messages");
  if (messages == request.end() || !messages->is_array()) return prompt;
  for (const Json& message : *messages) {
    if (message.is_object()) prompt.push_back(PromptEntry(message, separator));
  }
  return prompt;
}

Json PlainMessage(const PromptMessage& message) {
  return Json{{"role", message.role}, {"content", message.content}};
}

Json TextBlock(std::string_view text) { return Json{{"type", "text"}, {"text", text}}; }

}  // namespace

Json CompletionsPrompt(const Json& request) { return MessagesFrom(request, " "); }

Json MessagesPrompt(const Json& request) {
  Json prompt = Json::array();
  if (auto system = request.find("system"); system != request.end() && !system->is_null()) {
    prompt.push_back(Json{{"role", "system"}, {"content", ContentText(*system, "\n")}});
  }
  for (Json& entry : MessagesFrom(request, " ")) prompt.push_back(std::move(entry));
  return prompt;
}

void EnrichCompletionsRequest(Json& request, const std::vector<PromptMessage>& prepend,
                              const std::vector<PromptMessage>& append) {
  Json messages = Json::array();
  for (const PromptMessage& message : prepend) messages.push_back(PlainMessage(message));
  if (request.contains("messages") && request["messages"].is_array()) {
    for (Json& message : request["messages"]) messages.push_back(std::move(message));
  }
  for (const PromptMessage& message : append) messages.push_back(PlainMessage(message));
  request["messages"] = std::move(messages);
}

void EnrichMessagesRequest(Json& request, const std::vector<PromptMessage>& prepend,
                           const std::vector<PromptMessage>& append) {
  Json system_before = Json::array();
  Json system_after = Json::array();
  Json messages = Json::array();
  for (const PromptMessage& message : prepend) {
    if (message.role == "system") {
      system_before.push_back(TextBlock(message.content));
    } else {
      messages.push_back(PlainMessage(message));
    }
  }
  if (request.contains("messages") && request["messages"].is_array()) {
    for (Json& message : request["messages"]) messages.push_back(std::move(message));
  }
  for (const PromptMessage& message : append) {
    if (message.role == "system") {
      system_after.push_back(TextBlock(message.content));
    } else {
      messages.push_back(PlainMessage(message));
    }
  }
  request["messages"] = std::move(messages);
  if (system_before.empty() && system_after.empty()) return;

  // A string system prompt becomes one text block so the added blocks can surround it.
  Json system = std::move(system_before);
  if (auto existing = request.find("system"); existing != request.end()) {
    if (existing->is_string()) {
      system.push_back(TextBlock(existing->get<std::string>()));
    } else if (existing->is_array()) {
      for (Json& block : *existing) system.push_back(std::move(block));
    }
  }
  for (Json& block : system_after) system.push_back(std::move(block));
  request["system"] = std::move(system);
}

}  // namespace agw::llm
