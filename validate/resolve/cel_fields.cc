// The controller's CEL syntax checks (controller.md 5.2 "CEL syntax"): every CEL field is
// parsed with an empty cel-go environment (`isCEL`), and a field that does not parse becomes
// a translation error naming the field and quoting the expression. The expression is still
// sent to the data plane, so these errors make a policy PartiallyValid, not Invalid.

#include <algorithm>

#include "validate/cel/parser.h"
#include "validate/resolve/resolver.h"

namespace agw::validate::resolve::internal {

using manifest::Value;

bool IsCel(std::string_view expression) { return cel::Parse(expression).has_value(); }

void CheckCel(const Value* value, const std::string& path, const std::string& what,
              std::vector<Problem>& problems) {
  // A Go nil pointer (absent or null field) is not checked.
  if (value == nullptr || value->is_null() || !value->is_scalar()) {
    return;
  }
  if (!IsCel(value->text())) {
    problems.push_back({"TranslationError",
                        what + " is not a valid CEL expression: " + value->text(), path,
                        value->position()});
  }
}

void CheckCelMap(const Value* map, const std::string& path, const std::string& what,
                 std::vector<Problem>& problems) {
  if (map == nullptr || !map->is_map()) {
    return;
  }
  // castCELMap iterates in key order (maps.SeqStable).
  std::vector<const manifest::MapEntry*> entries;
  for (const manifest::MapEntry& entry : map->entries()) {
    entries.push_back(&entry);
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto* a, const auto* b) { return a->key < b->key; });
  for (const manifest::MapEntry* entry : entries) {
    CheckCel(&entry->value, path + "[" + entry->key + "]", what + " " + GoQuote(entry->key),
             problems);
  }
}

void CheckCelList(const Value* list, const std::string& path, const std::string& what,
                  std::vector<Problem>& problems) {
  if (list == nullptr || !list->is_sequence()) {
    return;
  }
  for (std::size_t i = 0; i < list->items().size(); ++i) {
    CheckCel(&list->items()[i], path + "[" + std::to_string(i) + "]", what, problems);
  }
}

void CheckNamedCel(const Value* list, std::string_view value_key, const std::string& path,
                   const std::string& what, std::vector<Problem>& problems) {
  if (list == nullptr || !list->is_sequence()) {
    return;
  }
  for (std::size_t i = 0; i < list->items().size(); ++i) {
    const Value& item = list->items()[i];
    std::string item_path = path + "[" + std::to_string(i) + "]";
    CheckCel(item.Find(value_key), item_path + "." + std::string(value_key),
             what + " " + GoQuote(ValueText(&item, "name")), problems);
  }
}

bool CheckTransformationCel(const Value& transformation, const std::string& path,
                            std::vector<Problem>& problems) {
  // convertTransformSpec for the request, then the response. Set and add values, the body and
  // each metadata value; each has its own wording in the controller.
  bool yields = false;
  for (const char* direction : {"request", "response"}) {
    const Value* spec = transformation.Find(direction);
    if (spec == nullptr || !spec->is_map()) {
      continue;
    }
    std::string spec_path = path + "." + direction;
    for (const char* list : {"set", "add"}) {
      const Value* headers = ValueItems(spec, list);
      for (std::size_t i = 0; headers != nullptr && i < headers->items().size(); ++i) {
        yields = true;
        const Value* value = headers->items()[i].Find("value");
        if (value == nullptr || value->is_null() || IsCel(value->text())) {
          continue;
        }
        // The controller words the two differently (traffic_plugin.go convertTransformSpec).
        std::string message = std::string(list) == "set"
                                  ? "header value is not a valid CEL expression: "
                                  : "invalid header value: ";
        problems.push_back({"TranslationError", message + value->text(),
                            spec_path + "." + list + "[" + std::to_string(i) + "].value",
                            value->position()});
      }
    }
    yields = yields || spec->Find("remove") != nullptr;
    if (const Value* body = spec->Find("body"); body != nullptr && !body->is_null()) {
      yields = true;
      if (!IsCel(body->text())) {
        problems.push_back({"TranslationError",
                            "body value is not a valid CEL expression: " + body->text(),
                            spec_path + ".body", body->position()});
      }
    }
    if (const Value* metadata = spec->Find("metadata");
        metadata != nullptr && metadata->is_map() && !metadata->entries().empty()) {
      yields = true;
      std::vector<const manifest::MapEntry*> entries;
      for (const manifest::MapEntry& entry : metadata->entries()) {
        entries.push_back(&entry);
      }
      // Go ranges over the map in random order; key order keeps the output stable.
      std::sort(entries.begin(), entries.end(),
                [](const auto* a, const auto* b) { return a->key < b->key; });
      for (const manifest::MapEntry* entry : entries) {
        if (!IsCel(entry->value.text())) {
          problems.push_back(
              {"TranslationError",
               "metadata value is not a valid CEL expression: " + entry->value.text(),
               spec_path + ".metadata[" + entry->key + "]", entry->value.position()});
        }
      }
    }
  }
  return yields;
}

void CheckExtAuthCel(const Value& ext_auth, const std::string& path,
                     std::vector<Problem>& problems) {
  // buildExtAuthSpec, after the backendRef: the gRPC or (else) HTTP protocol fields, then the
  // cache. A cache ttl that is a Go duration is not CEL.
  if (const Value* grpc = ext_auth.Find("grpc"); grpc != nullptr && grpc->is_map()) {
    CheckCelMap(grpc->Find("requestMetadata"), path + ".grpc.requestMetadata",
                "extAuth grpc requestMetadata", problems);
  } else if (const Value* http = ext_auth.Find("http"); http != nullptr && http->is_map()) {
    std::string http_path = path + ".http";
    CheckCel(http->Find("path"), http_path + ".path", "extAuth http path", problems);
    CheckCel(http->Find("redirect"), http_path + ".redirect", "extAuth http redirect", problems);
    CheckCel(http->Find("body"), http_path + ".body", "extAuth http body", problems);
    CheckCelMap(http->Find("addRequestHeaders"), http_path + ".addRequestHeaders",
                "extAuth http addRequestHeaders", problems);
    CheckCelMap(http->Find("responseMetadata"), http_path + ".responseMetadata",
                "extAuth http responseMetadata", problems);
  }
  if (const Value* cache = ext_auth.Find("cache"); cache != nullptr && cache->is_map()) {
    CheckCelList(cache->Find("key"), path + ".cache.key", "extAuth cache key", problems);
    const Value* ttl = cache->Find("ttl");
    if (ttl != nullptr && ttl->is_scalar() && CheckGoDuration(ttl->text())) {
      CheckCel(ttl, path + ".cache.ttl", "extAuth cache ttl", problems);
    }
  }
}

}  // namespace agw::validate::resolve::internal
