#include "validate/cluster/api_client.h"

#include <nlohmann/json.hpp>
#include <utility>

namespace agw::validate::cluster {

namespace {

using Json = nlohmann::ordered_json;

// A status code's reason phrase, as Go's http.StatusText gives it.
std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 413:
      return "Request Entity Too Large";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

// object[key] when it is a string, else `fallback` (nlohmann's value() throws on a type
// mismatch, and the server's JSON is not ours to trust).
std::string StringField(const Json& object, const char* key, std::string fallback = "") {
  if (!object.is_object()) {
    return fallback;
  }
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}

std::optional<Json> ParseJson(const std::string& text) {
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return std::nullopt;
  }
  return json;
}

// The message of a metav1.Status body; else a bounded, printable excerpt of the body.
std::string StatusMessage(const HttpResponse& response) {
  if (std::optional<Json> json = ParseJson(response.body);
      json && json->is_object() && StringField(*json, "kind") == "Status") {
    auto message = json->find("message");
    return message != json->end() && message->is_string() ? message->get<std::string>() : "";
  }
  std::string excerpt;
  for (char c : response.body) {
    if (excerpt.size() >= 200) {
      excerpt += "...";
      break;
    }
    excerpt += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  }
  std::size_t end = excerpt.find_last_not_of(' ');
  return end == std::string::npos ? "" : excerpt.substr(0, end + 1);
}

std::string NotServed(const GroupVersionKind& gvk) {
  if (gvk.group.empty()) {
    return "the server does not serve " + gvk.kind + " in " + gvk.ApiVersion();
  }
  return "the server does not serve " + gvk.kind + " in " + gvk.ApiVersion() +
         " (is the CRD installed?)";
}

std::string EscapeSegment(std::string_view text) { return PercentEncode(text, "-._~"); }

std::string DiscoveryPath(const GroupVersionKind& gvk) {
  return gvk.group.empty() ? "/api/" + EscapeSegment(gvk.version)
                           : "/apis/" + EscapeSegment(gvk.group) + "/" + EscapeSegment(gvk.version);
}

// An item of a list with apiVersion and kind first, taken from the item when it has them.
std::string WithTypeMeta(Json& item, const std::string& api_version, const std::string& kind) {
  Json out = Json::object();
  out["apiVersion"] = item.contains("apiVersion") ? item["apiVersion"] : Json(api_version);
  out["kind"] = item.contains("kind") ? item["kind"] : Json(kind);
  for (auto& [key, value] : item.items()) {
    if (key != "apiVersion" && key != "kind") {
      out[key] = std::move(value);
    }
  }
  return out.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

std::string GroupVersionKind::ApiVersion() const {
  return group.empty() ? version : group + "/" + version;
}

GroupVersionKind GroupVersionKind::Of(std::string_view api_version, std::string kind) {
  GroupVersionKind gvk;
  std::size_t slash = api_version.rfind('/');
  if (slash == std::string_view::npos) {
    gvk.version = std::string(api_version);
  } else {
    gvk.group = std::string(api_version.substr(0, slash));
    gvk.version = std::string(api_version.substr(slash + 1));
  }
  gvk.kind = std::move(kind);
  return gvk;
}

std::string PercentEncode(std::string_view text, std::string_view also_unreserved,
                          bool space_as_plus) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || also_unreserved.find(static_cast<char>(c)) != std::string_view::npos) {
      out += static_cast<char>(c);
    } else if (c == ' ' && space_as_plus) {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string QueryEscape(std::string_view text) { return PercentEncode(text, "-._~", true); }

std::string ObjectPath(const GroupVersionKind& gvk, const ApiResource& resource,
                       std::string_view namespace_, std::string_view name) {
  std::string path = DiscoveryPath(gvk);
  if (resource.namespaced && !namespace_.empty()) {
    path += "/namespaces/" + EscapeSegment(namespace_);
  }
  path += "/" + EscapeSegment(resource.name);
  if (!name.empty()) {
    path += "/" + EscapeSegment(name);
  }
  return path;
}

std::string StatusError(const std::string& server_label, const std::string& target,
                        const HttpResponse& response) {
  std::string message = StatusMessage(response);
  std::string status = std::to_string(response.status);
  if (std::string_view reason = ReasonPhrase(response.status); !reason.empty()) {
    status += " " + std::string(reason);
  }
  if (response.status == 401) {
    // The API server's 401 message is always "Unauthorized": say it once.
    bool plain = message.empty() || message == "Unauthorized";
    return server_label + " refused the credentials: " + status + (plain ? "" : ": " + message);
  }
  if (response.status == 403 && !message.empty()) {
    return server_label + " denied the request: " + message;
  }
  return server_label + " answered GET " + target + " with " + status +
         (message.empty() ? "" : ": " + message);
}

ApiClient::ApiClient(Transport& transport, ApiClientOptions options)
    : transport_(transport), options_(std::move(options)) {}

Expected<HttpResponse> ApiClient::Fetch(const std::string& target) {
  return transport_.Get(target);
}

Expected<std::optional<ApiResource>> ApiClient::FindResource(const GroupVersionKind& gvk) {
  const std::string key = gvk.ApiVersion();
  auto cached = discovery_.find(key);
  if (cached == discovery_.end()) {
    const std::string target = DiscoveryPath(gvk);
    Expected<HttpResponse> response = Fetch(target);
    if (!response) {
      return tl::unexpected(response.error());
    }
    std::optional<std::vector<ApiResource>> resources;
    if (response->status == 200) {
      std::optional<Json> json = ParseJson(response->body);
      if (!json || !json->is_object()) {
        return MakeError(options_.server_label + " answered GET " + target +
                         " with something that is not a discovery document");
      }
      resources.emplace();
      auto list = json->find("resources");
      if (list != json->end() && list->is_array()) {
        for (const Json& entry : *list) {
          if (!entry.is_object() || !entry.value("name", Json()).is_string() ||
              !entry.value("kind", Json()).is_string()) {
            continue;
          }
          ApiResource resource;
          resource.name = entry["name"].get<std::string>();
          resource.kind = entry["kind"].get<std::string>();
          resource.namespaced = entry.value("namespaced", Json(false)) == Json(true);
          if (resource.name.find('/') == std::string::npos) {  // not httproutes/status
            resources->push_back(std::move(resource));
          }
        }
      }
    } else if (response->status != 404) {
      return MakeError(StatusError(options_.server_label, target, *response));
    }
    cached = discovery_.emplace(key, std::move(resources)).first;
  }
  if (!cached->second) {
    return std::optional<ApiResource>();
  }
  for (const ApiResource& resource : *cached->second) {
    if (resource.kind == gvk.kind) {
      return std::optional<ApiResource>(resource);
    }
  }
  return std::optional<ApiResource>();
}

Expected<ApiResource> ApiClient::Resource(const GroupVersionKind& gvk) {
  Expected<std::optional<ApiResource>> found = FindResource(gvk);
  if (!found) {
    return tl::unexpected(found.error());
  }
  if (!*found) {
    return MakeError(NotServed(gvk));
  }
  return **found;
}

Expected<std::optional<std::string>> ApiClient::Get(const GroupVersionKind& gvk,
                                                    std::string_view namespace_,
                                                    std::string_view name) {
  Expected<ApiResource> resource = Resource(gvk);
  if (!resource) {
    return tl::unexpected(resource.error());
  }
  if (name.empty()) {
    return MakeError("cannot get a " + gvk.kind + " without a name");
  }
  if (resource->namespaced && namespace_.empty()) {
    return MakeError("cannot get " + gvk.kind + " \"" + std::string(name) +
                     "\" without a namespace: " + gvk.kind + " is namespaced");
  }
  const std::string target = ObjectPath(gvk, *resource, namespace_, name);
  Expected<HttpResponse> response = Fetch(target);
  if (!response) {
    return tl::unexpected(response.error());
  }
  if (response->status == 404) {
    return std::optional<std::string>();
  }
  if (response->status != 200) {
    return MakeError(StatusError(options_.server_label, target, *response));
  }
  std::optional<Json> object = ParseJson(response->body);
  if (!object || !object->is_object()) {
    return MakeError(options_.server_label + " answered GET " + target +
                     " with something that is not a JSON object");
  }
  return std::optional<std::string>(std::move(response->body));
}

Expected<std::vector<std::string>> ApiClient::List(const GroupVersionKind& gvk,
                                                   std::string_view namespace_,
                                                   std::string_view label_selector) {
  Expected<ApiResource> resource = Resource(gvk);
  if (!resource) {
    return tl::unexpected(resource.error());
  }
  const std::string path = ObjectPath(gvk, *resource, namespace_, "");
  std::vector<std::string> items;
  std::size_t bytes = 0;
  std::string continue_token;
  do {
    std::string target = path + "?";
    if (!label_selector.empty()) {
      target += "labelSelector=" + QueryEscape(label_selector) + "&";
    }
    target += "limit=" + std::to_string(options_.page_size);
    if (!continue_token.empty()) {
      target += "&continue=" + QueryEscape(continue_token);
    }
    Expected<HttpResponse> response = Fetch(target);
    if (!response) {
      return tl::unexpected(response.error());
    }
    if (response->status == 404) {
      return MakeError(NotServed(gvk));
    }
    if (response->status != 200) {
      return MakeError(StatusError(options_.server_label, target, *response));
    }
    bytes += response->body.size();
    if (bytes > options_.max_list_bytes) {
      return MakeError("the " + gvk.kind + " list from " + options_.server_label + " exceeds " +
                       std::to_string(options_.max_list_bytes >> 20) + " MiB");
    }
    std::optional<Json> list = ParseJson(response->body);
    if (!list || !list->is_object() || !list->value("items", Json()).is_array()) {
      if (list && list->is_object() && list->value("items", Json()).is_null()) {
        list->operator[]("items") = Json::array();  // an empty list may say "items": null
      } else {
        return MakeError(options_.server_label + " answered GET " + target +
                         " with something that is not a list");
      }
    }
    std::string api_version = StringField(*list, "apiVersion", gvk.ApiVersion());
    std::string kind = StringField(*list, "kind", gvk.kind + "List");
    if (kind.size() > 4 && kind.compare(kind.size() - 4, 4, "List") == 0) {
      kind.resize(kind.size() - 4);
    } else {
      kind = gvk.kind;
    }
    for (Json& item : (*list)["items"]) {
      if (items.size() >= options_.max_items) {
        return MakeError("the " + gvk.kind + " list from " + options_.server_label +
                         " has more than " + std::to_string(options_.max_items) + " items");
      }
      if (item.is_object()) {
        items.push_back(WithTypeMeta(item, api_version, kind));
      }
    }
    continue_token.clear();
    if (auto metadata = list->find("metadata"); metadata != list->end() && metadata->is_object()) {
      if (auto next = metadata->find("continue"); next != metadata->end() && next->is_string()) {
        continue_token = next->get<std::string>();
      }
    }
  } while (!continue_token.empty());
  return items;
}

Expected<std::vector<std::string>> ApiClient::GroupVersions(std::string_view group) {
  std::vector<std::string> versions;
  if (group.empty()) {
    Expected<HttpResponse> response = Fetch("/api");
    if (!response) {
      return tl::unexpected(response.error());
    }
    if (response->status != 200) {
      return MakeError(StatusError(options_.server_label, "/api", *response));
    }
    std::optional<Json> json = ParseJson(response->body);
    if (json && json->is_object() && json->value("versions", Json()).is_array()) {
      for (const Json& version : (*json)["versions"]) {
        if (version.is_string()) {
          versions.push_back(version.get<std::string>());
        }
      }
    }
    return versions;
  }
  if (!group_list_) {
    Expected<HttpResponse> response = Fetch("/apis");
    if (!response) {
      return tl::unexpected(response.error());
    }
    if (response->status != 200) {
      return MakeError(StatusError(options_.server_label, "/apis", *response));
    }
    group_list_ = std::move(response->body);
  }
  std::optional<Json> json = ParseJson(*group_list_);
  if (!json || !json->is_object() || !json->value("groups", Json()).is_array()) {
    return MakeError(options_.server_label +
                     " answered GET /apis with something that is not "
                     "an APIGroupList");
  }
  for (const Json& entry : (*json)["groups"]) {
    if (!entry.is_object() || StringField(entry, "name") != group) {
      continue;
    }
    std::string preferred;
    if (auto it = entry.find("preferredVersion"); it != entry.end() && it->is_object()) {
      preferred = StringField(*it, "version");
    }
    if (!preferred.empty()) {
      versions.push_back(preferred);
    }
    if (auto list = entry.find("versions"); list != entry.end() && list->is_array()) {
      for (const Json& version : *list) {
        std::string name = StringField(version, "version");
        if (!name.empty() && name != preferred) {
          versions.push_back(name);
        }
      }
    }
  }
  return versions;
}

}  // namespace agw::validate::cluster
