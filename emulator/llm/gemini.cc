#include "emulator/llm/gemini.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "emulator/llm/chat_json.h"
#include "emulator/llm/json_codec.h"
#include "emulator/llm/prompt.h"
#include "emulator/llm/request_info.h"
#include "emulator/llm/sse.h"
#include "emulator/llm/sse_stream.h"

namespace agw::emulator::llm {

namespace {

using chat::Find;
using chat::Member;
using chat::StringOr;

// Gemini has no place for a tool call id, but Gemini 3 wants each functionCall's
// thoughtSignature echoed on the next turn; OpenAI clients echo tool_call ids faithfully, so
// the signature travels inside the id after this marker.
constexpr std::string_view kThoughtSignatureMarker = "__thought__";

bool BoolOr(const Json& object, const char* key, bool fallback) {
  const Json& value = Member(object, key);
  return value.is_boolean() ? value.get<bool>() : fallback;
}

// The first of two spellings a client may use (camelCase native, snake_case OpenAI-style).
const Json* FindEither(const Json& object, const char* key, const char* other) {
  const Json* found = Find(object, key);
  return found != nullptr ? found : Find(object, other);
}

std::pair<std::string_view, std::string_view> SplitToolCallId(std::string_view id) {
  size_t marker = id.find(kThoughtSignatureMarker);
  if (marker == std::string_view::npos) {
    return {id, {}};
  }
  std::string_view signature = id.substr(marker + kThoughtSignatureMarker.size());
  if (signature.empty()) {
    return {id, {}};
  }
  return {id.substr(0, marker), signature};
}

std::string JoinToolCallId(std::string base, std::string_view signature) {
  if (!signature.empty()) {
    base.append(kThoughtSignatureMarker).append(signature);
  }
  return base;
}

// ---------------------------------------------------------------------------------------------
// Request: OpenAI message content -> Gemini parts.

Json TextPart(std::string_view text) { return Json{{"text", text}}; }

bool IsTextPart(const Json& part) { return part.contains("text"); }

std::string_view CanonicalMime(std::string_view mime) {
  return mime == "image/jpg" ? std::string_view("image/jpeg") : mime;
}

std::optional<std::string> MimeFromExtension(std::string_view extension) {
  std::string lower(extension);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static const std::map<std::string, std::string, std::less<>> kMimes = {
      {"png", "image/png"},   {"jpg", "image/jpeg"},      {"jpeg", "image/jpeg"},
      {"webp", "image/webp"}, {"gif", "image/gif"},       {"heic", "image/heic"},
      {"heif", "image/heif"}, {"pdf", "application/pdf"}, {"mp3", "audio/mpeg"},
      {"wav", "audio/wav"},   {"mp4", "video/mp4"},       {"mov", "video/quicktime"},
      {"webm", "video/webm"}, {"txt", "text/plain"}};
  auto found = kMimes.find(lower);
  if (found == kMimes.end()) {
    return std::nullopt;
  }
  return found->second;
}

// The MIME type implied by the extension of a URI's or file name's last segment.
std::optional<std::string> MimeFromName(std::string_view name) {
  size_t slash = name.rfind('/');
  std::string_view last = slash == std::string_view::npos ? name : name.substr(slash + 1);
  size_t dot = last.rfind('.');
  if (dot == std::string_view::npos) {
    return std::nullopt;
  }
  return MimeFromExtension(last.substr(dot + 1));
}

// A MIME type the client stated next to the URL: a full type, or an extension-like token.
std::optional<std::string> MimeHint(const Json& holder) {
  for (const char* key : {"format", "mime_type", "content_type"}) {
    std::string_view hint = StringOr(holder, key);
    if (hint.empty()) {
      continue;
    }
    if (hint.find('/') != std::string_view::npos) {
      return std::string(hint);
    }
    return MimeFromExtension(hint);
  }
  return std::nullopt;
}

struct DataUrl {
  std::string_view mime;
  std::string_view data;
};

// `data:<mime>[;params];base64,<data>`; anything else (including non-base64) is not one.
std::optional<DataUrl> ParseDataUrl(std::string_view url) {
  constexpr std::string_view kPrefix = "data:";
  constexpr std::string_view kBase64 = ";base64";
  if (url.substr(0, kPrefix.size()) != kPrefix) {
    return std::nullopt;
  }
  url.remove_prefix(kPrefix.size());
  size_t comma = url.find(',');
  if (comma == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view meta = url.substr(0, comma);
  if (meta.size() < kBase64.size()) {
    return std::nullopt;
  }
  std::string_view tail = meta.substr(meta.size() - kBase64.size());
  bool base64 = std::equal(tail.begin(), tail.end(), kBase64.begin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  });
  if (!base64) {
    return std::nullopt;
  }
  std::string_view mime = meta.substr(0, meta.find(';'));
  return DataUrl{mime, url.substr(comma + 1)};
}

Json InlineDataPart(std::string_view mime, std::string_view data) {
  return Json{{"inlineData", {{"mimeType", CanonicalMime(mime)}, {"data", data}}}};
}

Json FileDataPart(std::string_view mime, std::string_view uri) {
  return Json{{"fileData", {{"mimeType", CanonicalMime(mime)}, {"fileUri", uri}}}};
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

Translated<Json> ImagePart(const Json& image_url) {
  std::string url(StringOr(image_url, "url"));
  if (std::optional<DataUrl> inline_data = ParseDataUrl(url)) {
    return InlineDataPart(inline_data->mime, inline_data->data);
  }
  if (StartsWith(url, "gs://")) {
    // Vertex will not guess the type of a gs:// object.
    std::optional<std::string> mime = MimeHint(image_url);
    if (!mime) {
      mime = MimeFromName(url);
    }
    if (!mime) {
      return tl::unexpected("gs:// image_url (" + url +
                            ") has no recognised extension or MIME hint; pass image_url.format "
                            "(or mime_type/content_type), or use an object with a known "
                            "extension");
    }
    return FileDataPart(*mime, url);
  }
  return tl::unexpected("native Gemini path rejects http(s) image_url (" + url +
                        "); upload to gs:// or send inline data:");
}

Translated<Json> FilePart(const Json& file) {
  std::string_view file_data = StringOr(file, "file_data");
  std::string_view file_id = StringOr(file, "file_id");
  std::string_view filename = StringOr(file, "filename");
  auto hinted_mime = [&]() {
    std::optional<std::string> mime = MimeHint(file);
    return mime ? mime : MimeFromName(filename);
  };
  if (std::optional<DataUrl> inline_data = ParseDataUrl(file_data)) {
    if (!inline_data->mime.empty()) {
      return InlineDataPart(inline_data->mime, inline_data->data);
    }
    std::optional<std::string> mime = hinted_mime();
    if (!mime) {
      return tl::unexpected(std::string(
          "data: file_data has no media type; pass file.filename with a known extension (or "
          "mime_type/content_type)"));
    }
    return InlineDataPart(*mime, inline_data->data);
  }
  for (std::string_view uri : {file_data, file_id}) {
    if (!StartsWith(uri, "gs://")) {
      continue;
    }
    std::optional<std::string> mime = hinted_mime();
    if (!mime) {
      mime = MimeFromName(uri);
    }
    if (!mime) {
      return tl::unexpected("gs:// file (" + std::string(uri) +
                            ") has no recognised extension or MIME hint; pass file.filename (or "
                            "mime_type/content_type), or use an object with a known extension");
    }
    return FileDataPart(*mime, uri);
  }
  // Bare base64; a malformed data: URL must not get here, or its header would become data.
  if (!file_data.empty() && file_data.find("://") == std::string_view::npos &&
      !StartsWith(file_data, "data:")) {
    std::optional<std::string> mime = hinted_mime();
    if (!mime) {
      return tl::unexpected(std::string(
          "raw base64 file_data has no MIME source; pass file.filename with a known extension "
          "(or mime_type/content_type), or wrap it in a data: URI"));
    }
    return InlineDataPart(*mime, file_data);
  }
  if (!file_id.empty()) {
    return tl::unexpected("native Gemini path cannot resolve OpenAI file_id (" +
                          std::string(file_id) +
                          "); Vertex has no OpenAI Files store. Send file.file_data as an inline "
                          "data: URI, or reference a gs:// object");
  }
  return tl::unexpected(
      std::string("file content part has neither an inline data: file_data nor a gs:// reference"));
}

Translated<std::vector<Json>> UserParts(const Json& content) {
  std::vector<Json> parts;
  if (content.is_string()) {
    // An explicit "" stays; the " " filler is only for turns with no text part at all.
    parts.push_back(TextPart(content.get_ref<const std::string&>()));
    return parts;
  }
  if (!content.is_array()) {
    return parts;
  }
  for (const Json& item : content) {
    std::string_view type = StringOr(item, "type");
    Translated<Json> part;
    if (type == "text") {
      if (!item.contains("text") || !item["text"].is_string()) {
        continue;
      }
      part = TextPart(item["text"].get_ref<const std::string&>());
    } else if (type == "image_url") {
      part = ImagePart(Member(item, "image_url"));
    } else if (type == "file") {
      part = FilePart(Member(item, "file"));
    } else {
      continue;
    }
    if (!part) {
      return tl::unexpected(part.error());
    }
    parts.push_back(std::move(*part));
  }
  return parts;
}

// The text of OpenAI message content: the string, or the text parts run together.
std::optional<std::string> ContentText(const Json* content) {
  if (content == nullptr) {
    return std::nullopt;
  }
  if (content->is_string()) {
    return content->get<std::string>();
  }
  if (!content->is_array()) {
    return std::nullopt;
  }
  std::string text;
  for (const Json& part : *content) {
    if (StringOr(part, "type") == "text") {
      text.append(StringOr(part, "text"));
    }
  }
  return text;
}

Json FunctionCallPart(const Json& tool_call) {
  const Json& function = Member(tool_call, "function");
  Json args = Json::object();
  if (std::string_view arguments = StringOr(function, "arguments"); !arguments.empty()) {
    Json parsed = ReadJson(arguments);
    if (!parsed.is_discarded()) {
      args = std::move(parsed);
    }
  }
  // No id on the wire: Vertex rejects it on functionCall parts.
  Json part = {{"functionCall", {{"name", StringOr(function, "name")}, {"args", args}}}};
  auto [base, signature] = SplitToolCallId(StringOr(tool_call, "id"));
  if (!signature.empty()) {
    part["thoughtSignature"] = signature;
  }
  return part;
}

// One Gemini content entry while it is being built; a functionResponse part remembers which
// call it answers until the responses are put in call order.
struct PendingPart {
  Json json;
  std::optional<std::string> answers_call;
  bool IsFunctionResponse() const { return json.contains("functionResponse"); }
};

struct PendingContent {
  std::string role;
  std::vector<PendingPart> parts;
  bool HasFunctionResponse() const {
    return std::any_of(parts.begin(), parts.end(),
                       [](const PendingPart& p) { return p.IsFunctionResponse(); });
  }
  bool HasText() const {
    return std::any_of(parts.begin(), parts.end(),
                       [](const PendingPart& p) { return IsTextPart(p.json); });
  }
};

// Appends a turn. Gemini wants user/model turns to alternate, so a turn of the same role is
// merged into the previous one, except that function responses keep a user entry of their
// own (Gemini 3 rejects a functionResponse with sibling parts). A user turn with no text
// (an image alone) gets a " " text part, which Gemini requires.
void PushContent(std::vector<PendingContent>& contents, std::string_view role,
                 std::vector<PendingPart> parts) {
  if (parts.empty()) {
    return;
  }
  PendingContent incoming{std::string(role), std::move(parts)};
  bool responses = incoming.HasFunctionResponse();
  bool needs_filler = role == "user" && !responses && !incoming.HasText();
  if (!contents.empty() && contents.back().role == role &&
      contents.back().HasFunctionResponse() == responses) {
    PendingContent& last = contents.back();
    if (needs_filler && !last.HasText()) {
      incoming.parts.push_back({TextPart(" "), {}});
    }
    for (PendingPart& part : incoming.parts) {
      last.parts.push_back(std::move(part));
    }
    return;
  }
  if (needs_filler) {
    incoming.parts.push_back({TextPart(" "), {}});
  }
  contents.push_back(std::move(incoming));
}

std::vector<PendingPart> Pending(std::vector<Json> parts) {
  std::vector<PendingPart> pending;
  for (Json& part : parts) {
    pending.push_back({std::move(part), {}});
  }
  return pending;
}

// Where each tool call sits in its assistant turn, by id (signature stripped).
struct CallSlot {
  std::string name;
  size_t index;
};

// Vertex pairs functionResponse with functionCall by position, so each group of responses is
// put in the order of the calls it answers, whatever order the client sent them in.
void OrderFunctionResponses(std::vector<PendingContent>& contents,
                            const std::map<std::string, CallSlot>& calls) {
  auto slot_of = [&](const PendingPart& part) {
    if (!part.answers_call) {
      return std::numeric_limits<size_t>::max();
    }
    auto found = calls.find(*part.answers_call);
    return found == calls.end() ? std::numeric_limits<size_t>::max() : found->second.index;
  };
  for (PendingContent& content : contents) {
    std::vector<PendingPart> responses;
    for (const PendingPart& part : content.parts) {
      if (part.IsFunctionResponse()) {
        responses.push_back(part);
      }
    }
    std::stable_sort(
        responses.begin(), responses.end(),
        [&](const PendingPart& a, const PendingPart& b) { return slot_of(a) < slot_of(b); });
    auto next = responses.begin();
    for (PendingPart& part : content.parts) {
      if (part.IsFunctionResponse()) {
        part = *next++;
      }
    }
  }
}

struct Conversation {
  std::vector<std::string> system_texts;
  std::vector<PendingContent> contents;
};

Translated<Conversation> MessagesToContents(const Json& messages) {
  Conversation out;
  std::map<std::string, CallSlot> calls;
  if (!messages.is_array()) {
    return out;
  }
  for (const Json& message : messages) {
    std::string_view role = StringOr(message, "role");
    const Json* content = Find(message, "content");
    if (role == "system" || role == "developer") {
      std::optional<std::string> text = ContentText(content);
      if (text && !text->empty()) {
        out.system_texts.push_back(std::move(*text));
      }
    } else if (role == "user") {
      Translated<std::vector<Json>> parts =
          content == nullptr ? std::vector<Json>{} : UserParts(*content);
      if (!parts) {
        return tl::unexpected(parts.error());
      }
      PushContent(out.contents, "user", Pending(std::move(*parts)));
    } else if (role == "assistant") {
      std::vector<Json> parts;
      if (content != nullptr && content->is_string() && !content->empty()) {
        parts.push_back(TextPart(content->get_ref<const std::string&>()));
      } else if (content != nullptr && content->is_array()) {
        for (const Json& item : *content) {
          if (StringOr(item, "type") == "text" && item.contains("text")) {
            parts.push_back(TextPart(StringOr(item, "text")));
          }
        }
      }
      if (const Json* tool_calls = Find(message, "tool_calls");
          tool_calls != nullptr && tool_calls->is_array()) {
        for (size_t i = 0; i < tool_calls->size(); ++i) {
          const Json& call = (*tool_calls)[i];
          std::string_view id = StringOr(call, "id");
          std::string_view name = StringOr(Member(call, "function"), "name");
          if (!id.empty() && !name.empty()) {
            calls[std::string(SplitToolCallId(id).first)] = {std::string(name), i};
          }
          parts.push_back(FunctionCallPart(call));
        }
      }
      PushContent(out.contents, "model", Pending(std::move(parts)));
    } else if (role == "tool" || role == "function") {
      std::optional<std::string> call_id;
      std::string name(StringOr(message, "name"));
      if (std::string_view id = StringOr(message, "tool_call_id"); !id.empty()) {
        call_id = std::string(SplitToolCallId(id).first);
        if (auto found = calls.find(*call_id); found != calls.end()) {
          name = found->second.name;
        }
      }
      std::optional<std::string> text = ContentText(content);
      Json response = text ? Json{{"content", *text}} : Json::object();
      Json part = {{"functionResponse", {{"name", name}, {"response", response}}}};
      PushContent(out.contents, "user", {{std::move(part), call_id}});
    }
  }
  OrderFunctionResponses(out.contents, calls);
  return out;
}

Json ContentsJson(const std::vector<PendingContent>& contents) {
  Json json = Json::array();
  for (const PendingContent& content : contents) {
    Json parts = Json::array();
    for (const PendingPart& part : content.parts) {
      parts.push_back(part.json);
    }
    json.push_back({{"role", content.role}, {"parts", std::move(parts)}});
  }
  if (json.empty()) {
    // Vertex answers "contents is required" to an empty list.
    json.push_back({{"role", "user"}, {"parts", Json::array({TextPart(" ")})}});
  }
  return json;
}

// ---------------------------------------------------------------------------------------------
// Request: JSON Schema -> the subset Gemini accepts in responseSchema and function parameters.

constexpr std::array<std::string_view, 19> kAllowedSchemaKeys = {"type",
                                                                 "format",
                                                                 "description",
                                                                 "title",
                                                                 "nullable",
                                                                 "enum",
                                                                 "items",
                                                                 "properties",
                                                                 "required",
                                                                 "anyOf",
                                                                 "default",
                                                                 "minLength",
                                                                 "maxLength",
                                                                 "pattern",
                                                                 "minimum",
                                                                 "maximum",
                                                                 "exclusiveMinimum",
                                                                 "exclusiveMaximum",
                                                                 "propertyOrdering"};

template <typename Visit>
void ForEachChildSchema(Json& node, Visit visit) {
  if (node.contains("items")) {
    visit(node["items"]);
  }
  if (node.contains("properties") && node["properties"].is_object()) {
    for (auto& [name, child] : node["properties"].items()) {
      visit(child);
    }
  }
  for (const char* key : {"anyOf", "allOf"}) {
    if (node.contains(key) && node[key].is_array()) {
      for (Json& child : node[key]) {
        visit(child);
      }
    }
  }
}

// Replaces `$ref`s with their definitions (keys next to the `$ref` win). A reference to a
// definition already being expanded stays as it is: Gemini has no recursion, but expansion
// must end.
void InlineRefs(Json& node, const Json& defs, std::vector<std::string>& expanding) {
  if (node.is_array()) {
    for (Json& child : node) {
      InlineRefs(child, defs, expanding);
    }
    return;
  }
  if (!node.is_object()) {
    return;
  }
  if (node.contains("$ref") && node["$ref"].is_string()) {
    std::string ref = node["$ref"].get<std::string>();
    std::string name = ref.substr(ref.rfind('/') + 1);
    if (std::find(expanding.begin(), expanding.end(), name) != expanding.end()) {
      return;
    }
    if (!defs.contains(name)) {
      return;
    }
    Json resolved = defs[name];
    if (resolved.is_object()) {
      for (auto& [key, value] : node.items()) {
        if (key != "$ref") {
          resolved[key] = value;
        }
      }
    }
    expanding.push_back(name);
    InlineRefs(resolved, defs, expanding);
    expanding.pop_back();
    node = std::move(resolved);
    return;
  }
  node.erase("$defs");
  node.erase("definitions");
  ForEachChildSchema(node, [&](Json& child) { InlineRefs(child, defs, expanding); });
}

std::string_view JsonKindAsSchemaType(const Json& value) {
  if (value.is_string()) {
    return "string";
  }
  if (value.is_boolean()) {
    return "boolean";
  }
  if (value.is_number_float()) {
    return "number";
  }
  if (value.is_number()) {
    return "integer";
  }
  if (value.is_array()) {
    return "array";
  }
  return "object";
}

bool IsNullSchema(const Json& member) { return StringOr(member, "type") == "null"; }

// allOf members are merged into the node: properties and required are unioned, other keys
// keep the first value seen.
bool FlattenAllOf(Json& node) {
  if (!node.contains("allOf") || !node["allOf"].is_array()) {
    return false;
  }
  Json members = std::move(node["allOf"]);
  node.erase("allOf");
  for (Json& member : members) {
    if (!member.is_object()) {
      continue;
    }
    for (auto& [key, value] : member.items()) {
      if (key == "properties" && value.is_object()) {
        Json& properties = node["properties"];
        if (properties.is_null()) {
          properties = Json::object();
        }
        if (!properties.is_object()) {
          continue;
        }
        for (auto& [name, schema] : value.items()) {
          if (!properties.contains(name)) {
            properties[name] = schema;
          }
        }
      } else if (key == "required" && value.is_array()) {
        Json& required = node["required"];
        if (required.is_null()) {
          required = Json::array();
        }
        if (!required.is_array()) {
          continue;
        }
        for (const Json& item : value) {
          if (std::find(required.begin(), required.end(), item) == required.end()) {
            required.push_back(item);
          }
        }
      } else if (!node.contains(key)) {
        node[key] = value;
      }
    }
  }
  return true;
}

bool ConstToEnum(Json& node) {
  if (!node.contains("const")) {
    return false;
  }
  Json value = std::move(node["const"]);
  node.erase("const");
  if (!node.contains("type")) {
    node["type"] = JsonKindAsSchemaType(value);
  }
  node["enum"] = Json::array({std::move(value)});
  return true;
}

// `type: [a, "null"]` -> `type: a, nullable: true`; several non-null types become an anyOf.
bool SplitTypeList(Json& node) {
  if (!node.contains("type") || !node["type"].is_array()) {
    return false;
  }
  Json types = std::move(node["type"]);
  node.erase("type");
  Json non_null = Json::array();
  for (const Json& type : types) {
    if (!type.is_string()) {
      continue;
    }
    if (type == "null") {
      node["nullable"] = true;
    } else {
      non_null.push_back(type);
    }
  }
  if (non_null.size() == 1) {
    node["type"] = non_null[0];
  } else if (non_null.size() > 1) {
    Json any_of = Json::array();
    for (const Json& type : non_null) {
      any_of.push_back({{"type", type}});
    }
    node["anyOf"] = std::move(any_of);
  }
  return true;
}

// An anyOf with a null member means nullable; a single remaining member is merged up (the
// node's own keys win). Real unions are left alone.
bool CollapseAnyOf(Json& node) {
  if (!node.contains("anyOf") || !node["anyOf"].is_array()) {
    return false;
  }
  const Json& members = node["anyOf"];
  bool has_null = std::any_of(members.begin(), members.end(), IsNullSchema);
  if (members.size() != 1 && !has_null) {
    return false;
  }
  Json non_null = Json::array();
  for (const Json& member : members) {
    if (!IsNullSchema(member)) {
      non_null.push_back(member);
    }
  }
  node.erase("anyOf");
  if (has_null) {
    node["nullable"] = true;
  }
  if (non_null.size() == 1 && non_null[0].is_object()) {
    for (auto& [key, value] : non_null[0].items()) {
      if (!node.contains(key)) {
        node[key] = value;
      }
    }
  } else if (non_null.size() > 1) {
    node["anyOf"] = std::move(non_null);
  }
  return true;
}

void CleanSchemaNode(Json& node) {
  if (node.is_array()) {
    for (Json& child : node) {
      CleanSchemaNode(child);
    }
    return;
  }
  if (!node.is_object()) {
    return;
  }
  // Each rewrite can surface keywords another one handles (an anyOf member carrying an
  // allOf), so they run until nothing changes; the bound only guards against a bug.
  for (int round = 0; round < 64; ++round) {
    bool changed = FlattenAllOf(node);
    changed |= ConstToEnum(node);
    changed |= SplitTypeList(node);
    changed |= CollapseAnyOf(node);
    if (!changed) {
      break;
    }
  }
  std::string_view type = StringOr(node, "type");
  if (type == "array" && !node.contains("items")) {
    node["items"] = {{"type", "object"}};
  }
  if (node.contains("enum")) {
    // Gemini takes enum on strings only; an untyped enum is taken to be a string one.
    if (!node.contains("type")) {
      node["type"] = "string";
    } else if (type != "string") {
      node.erase("enum");
    }
  }
  node.erase("additionalProperties");
  if (!node.contains("type") && !node.contains("anyOf") && !node.contains("enum")) {
    node["type"] = "object";
  }
  if (std::string_view format = StringOr(node, "format");
      node.contains("format") && format != "enum" && format != "date-time") {
    node.erase("format");
  }
  ForEachChildSchema(node, CleanSchemaNode);
  for (auto it = node.begin(); it != node.end();) {
    bool allowed = std::find(kAllowedSchemaKeys.begin(), kAllowedSchemaKeys.end(), it.key()) !=
                   kAllowedSchemaKeys.end();
    it = allowed ? std::next(it) : node.erase(it);
  }
}

Json GeminiSchema(const Json& schema) {
  Json out = schema;
  Json defs = Json::object();
  if (out.is_object()) {
    for (const char* key : {"$defs", "definitions"}) {
      if (out.contains(key) && out[key].is_object()) {
        defs.update(out[key]);
      }
      out.erase(key);
    }
  }
  std::vector<std::string> expanding;
  InlineRefs(out, defs, expanding);
  CleanSchemaNode(out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Request: tools and generation settings.

Json Tools(const Json& body) {
  Json declarations = Json::array();
  const Json* tools = Find(body, "tools");
  if (tools == nullptr || !tools->is_array()) {
    return declarations;
  }
  for (const Json& tool : *tools) {
    const Json* function = Find(tool, "function");
    if (function == nullptr) {
      continue;
    }
    Json declaration = {{"name", StringOr(*function, "name")}};
    if (const Json* description = Find(*function, "description"); description != nullptr) {
      declaration["description"] = *description;
    }
    if (const Json* parameters = Find(*function, "parameters"); parameters != nullptr) {
      declaration["parameters"] = GeminiSchema(*parameters);
    }
    declarations.push_back(std::move(declaration));
  }
  if (declarations.empty()) {
    return declarations;
  }
  return Json::array({{{"functionDeclarations", std::move(declarations)}}});
}

std::optional<Json> ToolConfig(const Json& body) {
  const Json* choice = Find(body, "tool_choice");
  if (choice == nullptr) {
    return std::nullopt;
  }
  Json config;
  if (choice->is_string()) {
    const std::string& mode = choice->get_ref<const std::string&>();
    config["mode"] = mode == "none" ? "NONE" : mode == "required" ? "ANY" : "AUTO";
  } else if (choice->is_object()) {
    config["mode"] = "ANY";
    std::string_view name = StringOr(Member(*choice, "function"), "name");
    if (!name.empty()) {
      config["allowedFunctionNames"] = Json::array({name});
    }
  } else {
    return std::nullopt;
  }
  return Json{{"functionCallingConfig", std::move(config)}};
}

std::optional<std::string_view> ThinkingLevel(std::string_view effort) {
  if (effort == "minimal" || effort == "low" || effort == "medium") {
    return effort;
  }
  if (effort == "high" || effort == "xhigh" || effort == "max") {
    return "high";
  }
  return std::nullopt;
}

std::optional<Json> ThinkingConfig(const Json& body, std::string_view model) {
  if (const Json* explicit_config = FindEither(body, "thinking_config", "thinkingConfig")) {
    return *explicit_config;
  }
  std::string_view effort = StringOr(body, "reasoning_effort");
  if (effort.empty()) {
    return std::nullopt;
  }
  // Gemini 3 takes named levels, Gemini 2.5 token budgets.
  if (model.find("gemini-3") != std::string_view::npos) {
    std::optional<std::string_view> level = ThinkingLevel(effort);
    if (!level) {
      return std::nullopt;
    }
    return Json{{"thinkingLevel", *level}, {"includeThoughts", true}};
  }
  std::optional<int64_t> budget = chat::ThinkingBudget(effort);
  if (!budget) {
    return std::nullopt;
  }
  return Json{{"thinkingBudget", *budget}, {"includeThoughts", true}};
}

Json GenerationConfig(const Json& body, std::string_view model) {
  Json config = Json::object();
  auto copy = [&](const char* from, const char* to) {
    if (const Json* value = Find(body, from); value != nullptr) {
      config[to] = *value;
    }
  };
  copy("temperature", "temperature");
  copy("top_p", "topP");
  copy("top_k", "topK");
  copy("frequency_penalty", "frequencyPenalty");
  copy("presence_penalty", "presencePenalty");
  if (const Json* max = FindEither(body, "max_completion_tokens", "max_tokens")) {
    config["maxOutputTokens"] = *max;
  }
  if (const Json* stop = Find(body, "stop"); stop != nullptr) {
    Json sequences = Json::array();
    if (stop->is_string()) {
      sequences.push_back(*stop);
    }
    if (stop->is_array()) {
      for (const Json& item : *stop) {
        if (item.is_string()) {
          sequences.push_back(item);
        }
      }
    }
    if (!sequences.empty()) {
      config["stopSequences"] = std::move(sequences);
    }
  }
  copy("n", "candidateCount");
  copy("seed", "seed");
  if (const Json* format = Find(body, "response_format"); format != nullptr) {
    std::string_view type = StringOr(*format, "type");
    if (type == "json_object" || type == "json_schema") {
      config["responseMimeType"] = "application/json";
    }
    const Json* schema =
        type == "json_schema" ? Find(Member(*format, "json_schema"), "schema") : nullptr;
    if (schema != nullptr) {
      config["responseSchema"] = GeminiSchema(*schema);
    }
  }
  if (std::optional<Json> thinking = ThinkingConfig(body, model)) {
    config["thinkingConfig"] = std::move(*thinking);
  }
  return config;
}

// ---------------------------------------------------------------------------------------------
// Responses: shared reading of generateContent output.

struct UsageCounts {
  int64_t prompt = 0;
  int64_t completion = 0;
  int64_t total = 0;
  std::optional<int64_t> cached;
  std::optional<int64_t> thoughts;
};

std::optional<int64_t> OptionalCount(const Json& usage, const char* key) {
  const Json* value = Find(usage, key);
  return value != nullptr ? chat::AsCount(*value) : std::nullopt;
}

// Output counts thoughts too, as OpenAI's completion_tokens includes reasoning.
UsageCounts CountUsage(const Json& usage) {
  UsageCounts counts;
  counts.prompt = OptionalCount(usage, "promptTokenCount").value_or(0);
  counts.thoughts = OptionalCount(usage, "thoughtsTokenCount");
  counts.completion =
      OptionalCount(usage, "candidatesTokenCount").value_or(0) + counts.thoughts.value_or(0);
  counts.total =
      OptionalCount(usage, "totalTokenCount").value_or(counts.prompt + counts.completion);
  counts.cached = OptionalCount(usage, "cachedContentTokenCount");
  return counts;
}

void RecordUsage(const Json& usage, ResponseInfo& info) {
  UsageCounts counts = CountUsage(usage);
  info.input_tokens = counts.prompt;
  info.output_tokens = counts.completion;
  info.total_tokens = counts.total;
  info.cached_input_tokens = counts.cached;
  info.reasoning_tokens = counts.thoughts;
}

Json OpenAIUsage(const Json& usage) {
  UsageCounts counts = CountUsage(usage);
  Json json = {{"prompt_tokens", counts.prompt},
               {"completion_tokens", counts.completion},
               {"total_tokens", counts.total}};
  if (counts.cached) {
    json["prompt_tokens_details"] = {{"cached_tokens", *counts.cached}};
  }
  if (counts.thoughts) {
    json["completion_tokens_details"] = {{"reasoning_tokens", *counts.thoughts}};
  }
  return json;
}

struct DecodedCall {
  std::optional<std::string> id;
  std::string name;
  Json args;
  std::string thought_signature;
};

struct DecodedParts {
  std::string text;
  std::string reasoning;
  std::vector<DecodedCall> calls;
};

DecodedParts DecodeParts(const Json& candidate) {
  DecodedParts out;
  const Json* parts = Find(Member(candidate, "content"), "parts");
  if (parts == nullptr || !parts->is_array()) {
    return out;
  }
  for (const Json& part : *parts) {
    if (part.contains("text")) {
      bool thought = BoolOr(part, "thought", false);
      (thought ? out.reasoning : out.text).append(StringOr(part, "text"));
    } else if (const Json* call = Find(part, "functionCall"); call != nullptr) {
      DecodedCall decoded;
      if (const Json* id = Find(*call, "id"); id != nullptr && id->is_string()) {
        decoded.id = id->get<std::string>();
      }
      decoded.name = StringOr(*call, "name");
      decoded.args = Member(*call, "args").is_null() ? Json::object() : Member(*call, "args");
      decoded.thought_signature = StringOr(part, "thoughtSignature");
      out.calls.push_back(std::move(decoded));
    }
  }
  return out;
}

// The call's own id, else one made from the response id; any signature rides along.
std::string ToolCallId(const DecodedCall& call, std::string_view seed, size_t index) {
  std::string base = call.id ? *call.id : "call_" + std::string(seed) + "_" + std::to_string(index);
  return JoinToolCallId(std::move(base), call.thought_signature);
}

std::string_view MapFinishReason(std::string_view reason) {
  // clang-format off
  static constexpr std::array<std::string_view, 11> kFiltered = {
      "SAFETY", "RECITATION", "LANGUAGE", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII",
      "UNEXPECTED_TOOL_CALL", "TOO_MANY_TOOL_CALLS", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT",
      "IMAGE_RECITATION"};
  // clang-format on
  if (reason == "MAX_TOKENS") {
    return "length";
  }
  if (std::find(kFiltered.begin(), kFiltered.end(), reason) != kFiltered.end()) {
    return "content_filter";
  }
  return "stop";
}

// A plain stop after a function call means the model wants the tools run.
std::string_view FinishReason(std::string_view reason, bool saw_tool_call) {
  std::string_view mapped = MapFinishReason(reason);
  return saw_tool_call && mapped == "stop" ? "tool_calls" : mapped;
}

bool PromptBlocked(const Json& response) {
  return Find(Member(response, "promptFeedback"), "blockReason") != nullptr;
}

// The tool calls of a response as the log records them: the message, with arguments parsed.
Json OutputMessage(const Json& tool_calls, std::string_view finish_reason) {
  Json content = Json::array();
  for (const Json& call : tool_calls) {
    const Json& function = call["function"];
    Json arguments = ReadJson(StringOr(function, "arguments"));
    if (arguments.is_discarded()) {
      arguments = function["arguments"];
    }
    content.push_back({{"type", "tool_call"},
                       {"id", call["id"]},
                       {"name", function["name"]},
                       {"arguments", std::move(arguments)}});
  }
  return {{"role", "assistant"}, {"content", std::move(content)}, {"finish_reason", finish_reason}};
}

Json ToolCallJson(const DecodedCall& call, std::string id) {
  return {{"id", std::move(id)},
          {"type", "function"},
          {"function", {{"name", call.name}, {"arguments", WriteJson(call.args)}}}};
}

Json Choice(size_t index, const Json& candidate, const std::string& response_id) {
  DecodedParts decoded = DecodeParts(candidate);
  // Candidates other than the first restart call numbering, so their ids carry the index.
  std::string seed = index == 0 ? response_id : response_id + "_" + std::to_string(index);
  Json tool_calls = Json::array();
  for (size_t i = 0; i < decoded.calls.size(); ++i) {
    tool_calls.push_back(ToolCallJson(decoded.calls[i], ToolCallId(decoded.calls[i], seed, i)));
  }
  Json message = {{"role", "assistant"}};
  bool has_calls = !tool_calls.empty();
  if (!decoded.text.empty() || (!has_calls && decoded.reasoning.empty())) {
    message["content"] = decoded.text;
  }
  if (!decoded.reasoning.empty()) {
    message["reasoning_content"] = decoded.reasoning;
  }
  if (has_calls) {
    message["tool_calls"] = std::move(tool_calls);
  }
  std::string_view finish = FinishReason(StringOr(candidate, "finishReason"), has_calls);
  return {{"index", index}, {"message", std::move(message)}, {"finish_reason", finish}};
}

Translated<Json> ParseBody(std::string_view body) {
  Json parsed = ReadJson(body);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return tl::unexpected(std::string("failed to parse response: not a JSON object"));
  }
  return parsed;
}

// ---------------------------------------------------------------------------------------------
// Streaming.

// Gemini SSE chunks -> OpenAI chunks, one out per chunk in. Role goes on the first chunk only,
// function calls arrive whole and get sequential indices, and usage (cumulative on every Gemini
// chunk) is shown only on the terminal chunk so clients see one final total.
class GeminiStreamTranslator : public SseJsonStream {
 public:
  GeminiStreamTranslator(std::string request_model, const Stamper& stamper)
      : SseJsonStream(/*forwards_upstream=*/false),
        request_model_(std::move(request_model)),
        created_(stamper.UnixSeconds()) {}

 protected:
  void OnEvent(const SseEvent&, const Json* chunk, std::string& out) override {
    if (chunk == nullptr) {
      return;  // an unreadable chunk is skipped
    }
    Record(*chunk);
    std::optional<Json> translated = TranslateChunk(*chunk);
    if (translated) {
      out.append(EncodeSseData(WriteJson(*translated)));
    }
  }

  // Gemini ends its streams without a sentinel; OpenAI clients wait for one.
  void OnEnd(std::string& out) override { out.append(EncodeSseData("[DONE]")); }

 private:
  void Record(const Json& chunk) {
    if (std::string_view model = StringOr(chunk, "modelVersion");
        !model.empty() && !info_.provider_model) {
      info_.provider_model = std::string(model);
    }
    if (const Json* usage = Find(chunk, "usageMetadata"); usage != nullptr) {
      RecordUsage(*usage, info_);
    }
  }

  std::optional<Json> TranslateChunk(const Json& chunk) {
    if (id_.empty()) {
      std::string_view response_id = StringOr(chunk, "responseId");
      id_ = response_id.empty() ? "vertex-gemini-" + std::to_string(created_)
                                : std::string(response_id);
    }
    if (model_.empty()) {
      model_ = StringOr(chunk, "modelVersion");
    }

    Json delta = {{"content", nullptr}};
    if (!role_sent_) {
      role_sent_ = true;
      delta["role"] = "assistant";
    }
    // Only the first candidate is streamed; models seldom stream several.
    const Json* candidates = Find(chunk, "candidates");
    const Json* candidate = candidates != nullptr && candidates->is_array() && !candidates->empty()
                                ? &(*candidates)[0]
                                : nullptr;
    DecodedParts decoded = candidate != nullptr ? DecodeParts(*candidate) : DecodedParts{};
    Json tool_calls = Json::array();
    for (const DecodedCall& call : decoded.calls) {
      size_t index = next_tool_index_++;
      Json tool_call = ToolCallJson(call, ToolCallId(call, id_, index));
      tool_calls_.push_back(tool_call);
      tool_call["index"] = index;
      tool_calls.push_back(std::move(tool_call));
    }
    std::optional<std::string_view> finish;
    if (candidate != nullptr && Find(*candidate, "finishReason") != nullptr) {
      finish = FinishReason(StringOr(*candidate, "finishReason"), !tool_calls_.empty());
    } else if (candidate == nullptr && PromptBlocked(chunk)) {
      finish = "content_filter";
    }
    if (!decoded.text.empty()) {
      delta["content"] = decoded.text;
      completion_ += decoded.text;
    }
    if (!decoded.reasoning.empty()) {
      delta["reasoning_content"] = decoded.reasoning;
    }
    bool has_delta = delta.contains("role") || !decoded.text.empty() ||
                     !decoded.reasoning.empty() || !tool_calls.empty();
    if (!tool_calls.empty()) {
      delta["tool_calls"] = std::move(tool_calls);
    }
    if (finish) {
      RecordFinish(*finish);
    }

    const Json* usage = Find(chunk, "usageMetadata");
    bool show_usage = usage != nullptr && (finish || !has_delta);
    if (!has_delta && !finish && !show_usage) {
      return std::nullopt;
    }
    Json choices = Json::array();
    if (has_delta || finish) {
      Json choice = {{"index", 0}, {"delta", std::move(delta)}};
      if (finish) {
        choice["finish_reason"] = *finish;
      }
      choices.push_back(std::move(choice));
    }
    return Json{{"id", id_},
                {"choices", std::move(choices)},
                {"created", created_},
                {"model", model_.empty() ? request_model_ : model_},
                {"service_tier", nullptr},
                {"system_fingerprint", nullptr},
                {"object", "chat.completion.chunk"},
                {"usage", show_usage ? OpenAIUsage(*usage) : Json(nullptr)}};
  }

  void RecordFinish(std::string_view finish) {
    info_.completion = std::vector<std::string>{completion_};
    if (!tool_calls_.empty()) {
      info_.output_messages = Json::array({OutputMessage(tool_calls_, finish)});
    }
  }

  std::string request_model_;
  int64_t created_;
  std::string id_;
  std::string model_;
  bool role_sent_ = false;
  size_t next_tool_index_ = 0;
  Json tool_calls_ = Json::array();
  std::string completion_;
};

// Native clients get Gemini's own bytes; the chunks are only read for usage.
class GeminiNativeStreamTranslator : public SseJsonStream {
 public:
  GeminiNativeStreamTranslator() : SseJsonStream(/*forwards_upstream=*/true) {}

 protected:
  void OnEvent(const SseEvent&, const Json* object, std::string&) override {
    if (object == nullptr) {
      return;
    }
    const Json& chunk = *object;
    if (std::string_view model = StringOr(chunk, "modelVersion");
        !model.empty() && !info_.provider_model) {
      info_.provider_model = std::string(model);
    }
    if (const Json* usage = Find(chunk, "usageMetadata"); usage != nullptr) {
      RecordUsage(*usage, info_);
    }
    const Json* candidates = Find(chunk, "candidates");
    if (candidates == nullptr || !candidates->is_array() || candidates->empty()) {
      return;
    }
    std::string text = DecodeParts((*candidates)[0]).text;
    if (text.empty()) {
      return;
    }
    if (!info_.completion) {
      info_.completion = std::vector<std::string>{""};
    }
    info_.completion->front() += text;
  }
};

// ---------------------------------------------------------------------------------------------
// Native bodies.

Json GeminiParams(const Json& body) {
  Json params = Json::object();
  const Json& config = Member(body, "generationConfig");
  for (auto [from, to] : {std::pair{"temperature", "temperature"},
                          {"topP", "top_p"},
                          {"frequencyPenalty", "frequency_penalty"},
                          {"presencePenalty", "presence_penalty"}}) {
    if (const Json* value = Find(config, from); value != nullptr && value->is_number()) {
      params[to] = chat::AsFloat32(value->get<double>());
    }
  }
  if (const Json* seed = Find(config, "seed"); seed != nullptr) {
    params["seed"] = *seed;
  }
  if (const Json* max = Find(config, "maxOutputTokens"); max != nullptr) {
    params["max_tokens"] = *max;
  }
  return params;
}

// Native tool calls, as the log records them; only candidates that made calls appear.
std::optional<Json> NativeOutputMessages(const Json& response) {
  Json messages = Json::array();
  const Json* candidates = Find(response, "candidates");
  if (candidates == nullptr || !candidates->is_array()) {
    return std::nullopt;
  }
  for (const Json& candidate : *candidates) {
    DecodedParts decoded = DecodeParts(candidate);
    if (decoded.calls.empty()) {
      continue;
    }
    Json content = Json::array();
    for (const DecodedCall& call : decoded.calls) {
      content.push_back({{"type", "tool_call"},
                         {"id", call.id.value_or("")},
                         {"name", call.name},
                         {"arguments", call.args}});
    }
    Json message = {{"role", "assistant"}, {"content", std::move(content)}};
    if (const Json* finish = Find(candidate, "finishReason"); finish != nullptr) {
      message["finish_reason"] = *finish;
    }
    messages.push_back(std::move(message));
  }
  if (messages.empty()) {
    return std::nullopt;
  }
  return messages;
}

}  // namespace

Translated<RequestTranslation> GeminiRequest(const Json& client_body,
                                             const ProviderOptions& options) {
  if (!client_body.is_object()) {
    return tl::unexpected(std::string("failed to parse request: body is not a JSON object"));
  }
  Translated<Conversation> conversation = MessagesToContents(Member(client_body, "messages"));
  if (!conversation) {
    return tl::unexpected(conversation.error());
  }
  std::string model =
      options.model.empty() ? std::string(StringOr(client_body, "model")) : options.model;

  Json body = {{"contents", ContentsJson(conversation->contents)}};
  // A cached context already holds the system instruction and tools; Gemini rejects a request
  // that sends them again.
  std::string_view cached_content = StringOr(client_body, "cachedContent");
  if (cached_content.empty()) {
    cached_content = StringOr(client_body, "cached_content");
  }
  if (cached_content.empty()) {
    if (!conversation->system_texts.empty()) {
      std::string system;
      for (const std::string& text : conversation->system_texts) {
        if (!system.empty()) {
          system.push_back('\n');
        }
        system += text;
      }
      body["systemInstruction"] = {{"parts", Json::array({TextPart(system)})}};
    }
    if (Json tools = Tools(client_body); !tools.empty()) {
      body["tools"] = std::move(tools);
    }
    if (std::optional<Json> tool_config = ToolConfig(client_body)) {
      body["toolConfig"] = std::move(*tool_config);
    }
  }
  if (Json config = GenerationConfig(client_body, model); !config.empty()) {
    body["generationConfig"] = std::move(config);
  }
  if (const Json* safety = FindEither(client_body, "safetySettings", "safety_settings");
      safety != nullptr && safety->is_array() && !safety->empty()) {
    body["safetySettings"] = *safety;
  }
  if (!cached_content.empty()) {
    body["cachedContent"] = cached_content;
  }
  if (const Json* labels = Find(client_body, "labels"); labels != nullptr && labels->is_object()) {
    body["labels"] = *labels;
  }
  return RequestTranslation{std::move(body),
                            CompletionsRequestInfo(client_body, "", options.record_prompt)};
}

Translated<ResponseTranslation> GeminiResponse(std::string_view upstream_body,
                                               const Stamper& stamper) {
  Translated<Json> parsed = ParseBody(upstream_body);
  if (!parsed) {
    return tl::unexpected(parsed.error());
  }
  const Json& upstream = *parsed;
  int64_t now_millis = stamper.UnixMillis();
  std::string id(StringOr(upstream, "responseId"));
  if (id.empty()) {
    id = "vertex-gemini-" + std::to_string(now_millis);
  }

  Json choices = Json::array();
  const Json* candidates = Find(upstream, "candidates");
  if (candidates == nullptr || !candidates->is_array() || candidates->empty()) {
    // No candidates: the prompt was blocked, or the model said nothing.
    choices.push_back({{"index", 0},
                       {"message", {{"role", "assistant"}, {"content", ""}}},
                       {"finish_reason", PromptBlocked(upstream) ? "content_filter" : "stop"}});
  } else {
    for (size_t i = 0; i < candidates->size(); ++i) {
      choices.push_back(Choice(i, (*candidates)[i], id));
    }
  }
  Json body = {{"id", id},
               {"object", "chat.completion"},
               {"created", now_millis / 1000},
               {"model", StringOr(upstream, "modelVersion")},
               {"choices", choices}};
  ResponseInfo info;
  if (const Json* usage = Find(upstream, "usageMetadata"); usage != nullptr) {
    body["usage"] = OpenAIUsage(*usage);
    RecordUsage(*usage, info);
  }
  info.provider_model = body["model"].get<std::string>();
  const Json& first = choices[0];
  if (first["message"].contains("tool_calls")) {
    info.output_messages = Json::array(
        {OutputMessage(first["message"]["tool_calls"], StringOr(first, "finish_reason"))});
  }
  return ResponseTranslation{std::move(body), std::move(info)};
}

std::unique_ptr<StreamTranslator> MakeGeminiStreamTranslator(std::string request_model,
                                                             const Stamper& stamper) {
  return std::make_unique<GeminiStreamTranslator>(std::move(request_model), stamper);
}

std::string GeminiError(int /*status*/, std::string_view upstream_body) {
  Json parsed = ReadJson(upstream_body);
  if (parsed.is_array() && !parsed.empty()) {
    parsed = parsed[0];
  }
  const Json* error = parsed.is_discarded() ? nullptr : Find(parsed, "error");
  if (error == nullptr || !error->is_object()) {
    return std::string(upstream_body);
  }
  std::string_view google_status = StringOr(*error, "status");
  Json translated = {{"type", chat::GoogleErrorType(google_status)},
                     {"message", StringOr(*error, "message")}};
  if (!google_status.empty()) {
    translated["code"] = google_status;
  }
  return WriteJson(Json{{"event_id", nullptr}, {"error", std::move(translated)}});
}

Translated<RequestTranslation> GeminiNativeRequest(const Json& client_body,
                                                   const ProviderOptions& options) {
  if (!client_body.is_object()) {
    return tl::unexpected(std::string("failed to parse request: body is not a JSON object"));
  }
  RequestTranslation out;
  out.body = client_body;
  // The model travels in the path; Vertex rejects it as an unknown body field.
  out.info.request_model = StringOr(client_body, "model");
  out.body.erase("model");
  out.info.input_format = InputFormat::kGemini;
  out.info.params = GeminiParams(client_body);
  out.info.prompt = options.record_prompt ? GeminiPrompt(client_body) : Json();
  return out;
}

Translated<ResponseTranslation> GeminiNativeResponse(std::string_view upstream_body) {
  Translated<Json> parsed = ParseBody(upstream_body);
  if (!parsed) {
    return tl::unexpected(parsed.error());
  }
  ResponseTranslation out;
  out.body = std::move(*parsed);
  if (const Json* candidates = Find(out.body, "candidates");
      candidates != nullptr && candidates->is_array() && candidates->empty()) {
    out.body.erase("candidates");
  }
  if (const Json* usage = Find(out.body, "usageMetadata"); usage != nullptr) {
    RecordUsage(*usage, out.info);
  }
  if (std::string_view model = StringOr(out.body, "modelVersion"); !model.empty()) {
    out.info.provider_model = std::string(model);
  }
  out.info.output_messages = NativeOutputMessages(out.body);
  return out;
}

std::unique_ptr<StreamTranslator> MakeGeminiNativeStreamTranslator() {
  return std::make_unique<GeminiNativeStreamTranslator>();
}

}  // namespace agw::emulator::llm
