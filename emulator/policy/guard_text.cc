#include "emulator/policy/guard_text.h"

#include <initializer_list>
#include <string_view>
#include <utility>

#include "emulator/llm/json_codec.h"

namespace agw::emulator::policy {
namespace {

using llm::Json;

// A member of an object, or nullptr (no member, or `value` is not an object).
Json* Member(Json& value, std::string_view key) {
  if (!value.is_object()) {
    return nullptr;
  }
  auto found = value.find(std::string(key));
  return found == value.end() ? nullptr : &*found;
}

bool StringMemberIs(Json& value, std::string_view key, std::string_view expected) {
  Json* member = Member(value, key);
  return member != nullptr && member->is_string() &&
         member->get_ref<const std::string&>() == expected;
}

std::string_view StringOf(Json& value, std::string_view key) {
  Json* member = Member(value, key);
  if (member == nullptr || !member->is_string()) {
    return {};
  }
  return member->get_ref<const std::string&>();
}

// Which parts of a content array are text parts (their text is always the string `text`).
using TextPartTest = bool (*)(Json& part);

bool HasTextString(Json& part) {
  Json* text = Member(part, "text");
  return text != nullptr && text->is_string();
}

bool IsTypedText(Json& part) { return StringMemberIs(part, "type", "text") && HasTextString(part); }

bool IsResponsesText(Json& part) {
  std::string_view type = StringOf(part, "type");
  return (type == "input_text" || type == "output_text") && HasTextString(part);
}

bool IsGeminiText(Json& part) {
  Json* thought = Member(part, "thought");
  bool is_thought = thought != nullptr && thought->is_boolean() && thought->get<bool>();
  return !is_thought && HasTextString(part);
}

// One walk over a body: applies the scope filter and remembers when the visitor stopped it.
class Walker {
 public:
  Walker(ScopeSet scopes, const TextVisitor& visit) : scopes_(scopes), visit_(visit) {}

  bool stopped() const { return stopped_; }
  bool wants(ContentScope scope) const { return !stopped_ && scopes_.Has(scope); }

  // Visits `value` when it is a string; true when the visitor changed it.
  bool Text(ContentScope scope, Json& value) {
    if (!wants(scope) || !value.is_string()) {
      return false;
    }
    std::string& text = value.get_ref<std::string&>();
    std::string original = text;
    stopped_ = !visit_(scope, text);
    return text != original;
  }

  // Every string in the subtree at `path` below `value` (agentgateway's visit_json_at).
  void At(ContentScope scope, Json& value, std::initializer_list<std::string_view> path) {
    if (!wants(scope)) {
      return;
    }
    Json* node = &value;
    for (std::string_view key : path) {
      node = Member(*node, key);
      if (node == nullptr) {
        return;
      }
    }
    AllStrings(scope, *node, 0);
  }

  // Offers each maximal run of consecutive text parts of `parts` as one `separator`-joined
  // string; an edited run collapses into its last part (spec-guards.md 2.2 "Text runs").
  void Runs(ContentScope scope, Json& parts, std::string_view separator, TextPartTest is_text) {
    if (!wants(scope) || !parts.is_array()) {
      return;
    }
    size_t i = 0;
    // Each pass either advances `i` or removes parts before it, so parts.size() bounds it.
    while (i < parts.size() && !stopped_) {
      size_t end = i;
      std::string joined;
      while (end < parts.size() && is_text(parts[end])) {
        if (end > i) {
          joined.append(separator);
        }
        joined.append(parts[end]["text"].get_ref<const std::string&>());
        ++end;
      }
      if (end == i) {
        ++i;
        continue;
      }
      std::string original = joined;
      stopped_ = !visit_(scope, joined);
      if (joined == original) {
        i = end;
        continue;
      }
      parts[end - 1]["text"] = std::move(joined);
      parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(i),
                  parts.begin() + static_cast<std::ptrdiff_t>(end - 1));
      ++i;
    }
  }

 private:
  void AllStrings(ContentScope scope, Json& value, size_t depth) {
    if (stopped_ || depth > llm::kMaxJsonDepth) {
      return;
    }
    if (value.is_string()) {
      Text(scope, value);
    } else if (value.is_array() || value.is_object()) {
      for (Json& child : value) {
        AllStrings(scope, child, depth + 1);
      }
    }
  }

  ScopeSet scopes_;
  const TextVisitor& visit_;
  bool stopped_ = false;
};

// Calls `each` for every element of the array member `key` of `value` until the walk stops.
template <typename Each>
void ForEachIn(Walker& walker, Json& value, std::string_view key, const Each& each) {
  Json* array = Member(value, key);
  if (array == nullptr || !array->is_array()) {
    return;
  }
  for (Json& element : *array) {
    if (walker.stopped()) {
      return;
    }
    each(element);
  }
}

// --- Completions -------------------------------------------------------------------------

ContentScope CompletionsScope(std::string_view role) {
  if (role == "tool" || role == "function") {
    return ContentScope::kToolOutput;
  }
  if (role == "system" || role == "developer") {
    return ContentScope::kSystemPrompt;
  }
  return ContentScope::kMessages;
}

void VisitCompletionsMessage(Walker& walker, Json& message) {
  ContentScope scope = CompletionsScope(StringOf(message, "role"));
  if (Json* content = Member(message, "content")) {
    if (content->is_string()) {
      walker.Text(scope, *content);
    } else {
      walker.Runs(scope, *content, " ", HasTextString);
    }
  }
  ForEachIn(walker, message, "tool_calls", [&](Json& call) {
    walker.At(ContentScope::kToolInput, call, {"function", "arguments"});
    walker.At(ContentScope::kToolInput, call, {"custom", "input"});
  });
  walker.At(ContentScope::kToolInput, message, {"function_call", "arguments"});
}

// --- Messages (Anthropic) ----------------------------------------------------------------

bool OneOf(std::string_view value, std::initializer_list<std::string_view> options) {
  for (std::string_view option : options) {
    if (value == option) {
      return true;
    }
  }
  return false;
}

void VisitAnthropicBlock(Walker& walker, Json& block) {
  std::string_view type = StringOf(block, "type");
  if (OneOf(type, {"tool_result", "mcp_tool_result", "code_execution_tool_result",
                   "bash_code_execution_tool_result", "text_editor_code_execution_tool_result",
                   "tool_search_tool_result", "web_fetch_tool_result", "advisor_tool_result"})) {
    walker.At(ContentScope::kToolOutput, block, {"content"});
  } else if (OneOf(type, {"tool_use", "server_tool_use", "mcp_tool_use"})) {
    walker.At(ContentScope::kToolInput, block, {"input"});
  } else if (type == "document") {
    walker.At(ContentScope::kMessages, block, {"source"});
    walker.At(ContentScope::kMessages, block, {"title"});
    walker.At(ContentScope::kMessages, block, {"context"});
  } else if (type == "search_result") {
    walker.At(ContentScope::kMessages, block, {"title"});
    walker.At(ContentScope::kMessages, block, {"content"});
  } else if (type == "compaction") {
    walker.At(ContentScope::kMessages, block, {"content"});
  } else if (type == "mid_conv_system") {
    walker.At(ContentScope::kSystemPrompt, block, {"content"});
  }
  // image, container_upload, thinking, web_search_tool_result, unknown types: skipped.
}

void VisitAnthropicRequest(Walker& walker, Json& request) {
  if (Json* system = Member(request, "system")) {
    if (system->is_string()) {
      walker.Text(ContentScope::kSystemPrompt, *system);
    } else {
      walker.Runs(ContentScope::kSystemPrompt, *system, "\n", IsTypedText);
    }
  }
  ForEachIn(walker, request, "messages", [&](Json& message) {
    Json* content = Member(message, "content");
    if (content == nullptr) {
      return;
    }
    if (content->is_string()) {
      walker.Text(ContentScope::kMessages, *content);
      return;
    }
    if (!content->is_array()) {
      return;
    }
    for (Json& block : *content) {
      if (!IsTypedText(block)) {
        VisitAnthropicBlock(walker, block);
      }
    }
    walker.Runs(ContentScope::kMessages, *content, " ", IsTypedText);
  });
}

// --- Responses ---------------------------------------------------------------------------

void VisitResponsesRoleItem(Walker& walker, Json& item) {
  std::string_view role = StringOf(item, "role");
  ContentScope scope = (role == "system" || role == "developer") ? ContentScope::kSystemPrompt
                                                                 : ContentScope::kMessages;
  Json* content = Member(item, "content");
  if (content == nullptr) {
    return;
  }
  if (content->is_string()) {
    walker.Text(scope, *content);
    return;
  }
  ForEachIn(walker, item, "content", [&](Json& part) {
    if (StringMemberIs(part, "type", "refusal")) {
      walker.At(scope, part, {"refusal"});
    }
  });
  walker.Runs(scope, *content, "\n", IsResponsesText);
}

void VisitResponsesToolItem(Walker& walker, Json& item) {
  std::string_view type = StringOf(item, "type");
  if (OneOf(type, {"function_call_output", "custom_tool_call_output", "local_shell_call_output",
                   "shell_call_output", "apply_patch_call_output"})) {
    walker.At(ContentScope::kToolOutput, item, {"output"});
  } else if (type == "program_output") {
    walker.At(ContentScope::kToolOutput, item, {"result"});
  } else if (OneOf(type, {"function_call", "mcp_call", "mcp_approval_request"})) {
    walker.At(ContentScope::kToolInput, item, {"arguments"});
    walker.At(ContentScope::kToolOutput, item, {"output"});
    walker.At(ContentScope::kToolOutput, item, {"error"});
  } else if (type == "custom_tool_call") {
    walker.At(ContentScope::kToolInput, item, {"input"});
  } else if (type == "program") {
    walker.At(ContentScope::kToolInput, item, {"code"});
  }
  // reasoning, compaction and the item types listed in the header: not visited.
}

void VisitResponsesRequest(Walker& walker, Json& request) {
  if (Json* instructions = Member(request, "instructions")) {
    walker.Text(ContentScope::kSystemPrompt, *instructions);
  }
  Json* input = Member(request, "input");
  if (input == nullptr) {
    return;
  }
  if (input->is_string()) {
    walker.Text(ContentScope::kMessages, *input);
    return;
  }
  ForEachIn(walker, request, "input", [&](Json& item) {
    if (Member(item, "role") != nullptr) {
      VisitResponsesRoleItem(walker, item);
    } else {
      VisitResponsesToolItem(walker, item);
    }
  });
}

// --- Gemini ------------------------------------------------------------------------------

void VisitGeminiToolPart(Walker& walker, Json& part) {
  walker.At(ContentScope::kToolInput, part, {"functionCall", "args"});
  walker.At(ContentScope::kToolOutput, part, {"functionResponse", "response"});
  walker.At(ContentScope::kToolInput, part, {"executableCode", "code"});
  walker.At(ContentScope::kToolOutput, part, {"codeExecutionResult", "output"});
}

void VisitGeminiRequest(Walker& walker, Json& request) {
  if (Json* system = Member(request, "systemInstruction")) {
    if (Json* parts = Member(*system, "parts")) {
      walker.Runs(ContentScope::kSystemPrompt, *parts, "\n", IsGeminiText);
    }
  }
  ForEachIn(walker, request, "contents", [&](Json& content) {
    Json* parts = Member(content, "parts");
    if (parts == nullptr || !parts->is_array()) {
      return;
    }
    for (Json& part : *parts) {
      if (!HasTextString(part)) {
        VisitGeminiToolPart(walker, part);
      }
    }
    walker.Runs(ContentScope::kMessages, *parts, "\n", IsGeminiText);
  });
}

// --- Responses (buffered answers) --------------------------------------------------------

void VisitCompletionsResponse(Walker& walker, Json& response) {
  ForEachIn(walker, response, "choices", [&](Json& choice) {
    Json* message = Member(choice, "message");
    if (Json* content = message == nullptr ? nullptr : Member(*message, "content")) {
      walker.Text(ContentScope::kMessages, *content);
    }
  });
}

void VisitAnthropicResponse(Walker& walker, Json& response) {
  ForEachIn(walker, response, "content", [&](Json& block) {
    if (Json* text = Member(block, "text")) {
      walker.Text(ContentScope::kMessages, *text);
    }
  });
}

void VisitResponsesResponse(Walker& walker, Json& response) {
  ForEachIn(walker, response, "output", [&](Json& item) {
    if (!StringMemberIs(item, "type", "message")) {
      return;
    }
    ForEachIn(walker, item, "content", [&](Json& part) {
      Json* text = Member(part, "text");
      if (!StringMemberIs(part, "type", "output_text") || text == nullptr) {
        return;
      }
      if (walker.Text(ContentScope::kMessages, *text)) {
        // The offsets of annotations and logprobs no longer fit the edited text.
        part["annotations"] = Json::array();
        part["logprobs"] = nullptr;
      }
    });
  });
}

void VisitGeminiResponse(Walker& walker, Json& response) {
  ForEachIn(walker, response, "candidates", [&](Json& candidate) {
    Json* content = Member(candidate, "content");
    if (Json* parts = content == nullptr ? nullptr : Member(*content, "parts")) {
      walker.Runs(ContentScope::kMessages, *parts, "\n", IsGeminiText);
    }
  });
}

}  // namespace

void VisitRequestTexts(llm::InputFormat format, Json& request, ScopeSet scopes,
                       const TextVisitor& visit) {
  Walker walker(scopes, visit);
  switch (format) {
    case llm::InputFormat::kCompletions:
      ForEachIn(walker, request, "messages",
                [&](Json& message) { VisitCompletionsMessage(walker, message); });
      break;
    case llm::InputFormat::kMessages:
      VisitAnthropicRequest(walker, request);
      break;
    case llm::InputFormat::kResponses:
      VisitResponsesRequest(walker, request);
      break;
    case llm::InputFormat::kGemini:
      VisitGeminiRequest(walker, request);
      break;
    default:
      break;
  }
}

void VisitResponseTexts(llm::InputFormat format, Json& response, ScopeSet scopes,
                        const TextVisitor& visit) {
  Walker walker(scopes, visit);
  switch (format) {
    case llm::InputFormat::kCompletions:
      VisitCompletionsResponse(walker, response);
      break;
    case llm::InputFormat::kMessages:
      VisitAnthropicResponse(walker, response);
      break;
    case llm::InputFormat::kResponses:
      VisitResponsesResponse(walker, response);
      break;
    case llm::InputFormat::kGemini:
      VisitGeminiResponse(walker, response);
      break;
    default:
      break;
  }
}

}  // namespace agw::emulator::policy
