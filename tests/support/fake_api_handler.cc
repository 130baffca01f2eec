// What the fake API server answers (no sockets): discovery, GET and LIST over the stored
// objects, and the API server's Status bodies for 401, 403 and 404.
#include <algorithm>
#include <cctype>
#include <optional>

#include "tests/support/fake_api_internal.h"
#include "tests/support/fake_label_selector.h"

namespace agw::test {

namespace {

using Json = nlohmann::ordered_json;

Json Status(int code, const std::string& reason, const std::string& message, Json details) {
  Json status;
  status["kind"] = "Status";
  status["apiVersion"] = "v1";
  status["metadata"] = Json::object();
  status["status"] = "Failure";
  status["message"] = message;
  status["reason"] = reason;
  if (!details.is_null()) {
    status["details"] = std::move(details);
  }
  status["code"] = code;
  return status;
}

FakeApiReply JsonReply(int code, const Json& body) {
  return {code, "application/json", body.dump()};
}

FakeApiReply PageNotFound() { return {404, "text/plain; charset=utf-8", "404 page not found\n"}; }

std::string PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(text[i + 1]) &&
        std::isxdigit(text[i + 2])) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (text[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string Header(const FakeApiCall& call, std::string_view name) {
  for (const auto& [key, value] : call.headers) {
    if (key == name) {
      return value;
    }
  }
  return "";
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// "httproutes.gateway.networking.k8s.io" or "secrets", as the server names a resource.
std::string QualifiedResource(const FakeApiResource& resource) {
  return resource.group.empty() ? resource.plural : resource.plural + "." + resource.group;
}

Json Details(const FakeApiResource& resource, const std::string& name) {
  Json details;
  if (!name.empty()) {
    details["name"] = name;
  }
  if (!resource.group.empty()) {
    details["group"] = resource.group;
  }
  details["kind"] = resource.plural;
  return details;
}

Json ResourceList(const FakeApiState& state, const std::string& group, const std::string& version) {
  Json list;
  list["kind"] = "APIResourceList";
  list["apiVersion"] = "v1";
  list["groupVersion"] = group.empty() ? version : group + "/" + version;
  list["resources"] = Json::array();
  for (const FakeApiResource& r : state.options.resources) {
    if (r.group != group || r.version != version) {
      continue;
    }
    Json entry;
    entry["name"] = r.plural;
    entry["singularName"] = Lower(r.kind);
    entry["namespaced"] = r.namespaced;
    entry["kind"] = r.kind;
    entry["verbs"] = {"create", "delete", "deletecollection", "get",
                      "list",   "patch",  "update",           "watch"};
    list["resources"].push_back(entry);
    if (r.plural != "secrets" && r.plural != "configmaps") {
      Json status;
      status["name"] = r.plural + "/status";
      status["singularName"] = "";
      status["namespaced"] = r.namespaced;
      status["kind"] = r.kind;
      status["verbs"] = {"get", "patch", "update"};
      list["resources"].push_back(status);
    }
  }
  return list;
}

Json GroupList(const FakeApiState& state) {
  Json list;
  list["kind"] = "APIGroupList";
  list["apiVersion"] = "v1";
  list["groups"] = Json::array();
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::string>> versions;
  for (const FakeApiResource& r : state.options.resources) {
    if (r.group.empty()) {
      continue;
    }
    if (!versions.count(r.group)) {
      order.push_back(r.group);
    }
    auto& list_of = versions[r.group];
    if (std::find(list_of.begin(), list_of.end(), r.version) == list_of.end()) {
      list_of.push_back(r.version);
    }
  }
  for (const std::string& group : order) {
    Json entry;
    entry["name"] = group;
    entry["versions"] = Json::array();
    for (const std::string& version : versions[group]) {
      entry["versions"].push_back({{"groupVersion", group + "/" + version}, {"version", version}});
    }
    entry["preferredVersion"] = entry["versions"][0];
    list["groups"].push_back(entry);
  }
  return list;
}

const FakeApiResource* FindResource(const FakeApiState& state, const std::string& group,
                                    const std::string& version, const std::string& plural) {
  for (const FakeApiResource& r : state.options.resources) {
    if (r.group == group && r.version == version && r.plural == plural) {
      return &r;
    }
  }
  return nullptr;
}

// GET of one object or a collection of `resource`.
FakeApiReply Serve(FakeApiState& state, const FakeApiResource& resource, const std::string& version,
                   const std::string& namespace_, const std::string& name,
                   const std::map<std::string, std::string>& query, const std::string& user,
                   bool forbidden) {
  const std::string api_version = resource.group.empty() ? version : resource.group + "/" + version;
  if (forbidden) {
    std::string scope = resource.namespaced && !namespace_.empty()
                            ? "in the namespace \"" + namespace_ + "\""
                            : "at the cluster scope";
    std::string subject = QualifiedResource(resource) + (name.empty() ? "" : " \"" + name + "\"");
    std::string message = subject + " is forbidden: User \"" + user + "\" cannot " +
                          (name.empty() ? "list" : "get") + " resource \"" + resource.plural +
                          "\" in API group \"" + resource.group + "\" " + scope;
    return JsonReply(403, Status(403, "Forbidden", message, Details(resource, name)));
  }
  auto& objects = state.objects[resource.group + "/" + resource.plural];
  if (!name.empty()) {
    auto it = objects.find({resource.namespaced ? namespace_ : "", name});
    if (it == objects.end()) {
      return JsonReply(
          404, Status(404, "NotFound", QualifiedResource(resource) + " \"" + name + "\" not found",
                      Details(resource, name)));
    }
    Json object = it->second;
    object["apiVersion"] = api_version;
    return JsonReply(200, object);
  }
  std::optional<std::vector<LabelRequirement>> selector =
      ParseLabelSelector(query.count("labelSelector") ? query.at("labelSelector") : "");
  if (!selector) {
    return JsonReply(
        400, Status(400, "BadRequest", "unable to parse requirement: " + query.at("labelSelector"),
                    Json()));
  }
  std::vector<Json> items;
  for (const auto& [key, object] : objects) {
    if ((namespace_.empty() || key.first == namespace_) && MatchesLabels(*selector, object)) {
      Json item = object;
      item.erase("apiVersion");
      item.erase("kind");
      items.push_back(std::move(item));
    }
  }
  std::size_t offset = query.count("continue") ? std::stoul("0" + query.at("continue")) : 0;
  std::size_t limit = query.count("limit") ? std::stoul("0" + query.at("limit")) : 0;
  Json list;
  list["kind"] = resource.kind + "List";
  list["apiVersion"] = api_version;
  list["metadata"] = {{"resourceVersion", "1000"}};
  list["items"] = Json::array();
  std::size_t end = limit == 0 ? items.size() : std::min(items.size(), offset + limit);
  for (std::size_t i = std::min(offset, items.size()); i < end; ++i) {
    list["items"].push_back(items[i]);
  }
  if (end < items.size()) {
    list["metadata"]["continue"] = std::to_string(end);
    list["metadata"]["remainingItemCount"] = items.size() - end;
  }
  return JsonReply(200, list);
}

FakeApiReply Route(FakeApiState& state, const std::vector<std::string>& segments,
                   const std::map<std::string, std::string>& query, const std::string& user,
                   bool forbidden) {
  if (segments == std::vector<std::string>{"api"}) {
    return JsonReply(200,
                     {{"kind", "APIVersions"},
                      {"versions", {"v1"}},
                      {"serverAddressByClientCIDRs",
                       {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", "172.18.0.2:6443"}}}}});
  }
  if (segments == std::vector<std::string>{"apis"}) {
    return JsonReply(200, GroupList(state));
  }
  std::string group;
  std::string version;
  std::size_t rest = 0;
  if (segments.size() >= 2 && segments[0] == "api" && segments[1] == "v1") {
    version = "v1";
    rest = 2;
  } else if (segments.size() >= 3 && segments[0] == "apis") {
    group = segments[1];
    version = segments[2];
    rest = 3;
  } else {
    return PageNotFound();
  }
  std::vector<std::string> tail(segments.begin() + static_cast<std::ptrdiff_t>(rest),
                                segments.end());
  if (tail.empty()) {
    Json list = ResourceList(state, group, version);
    return list["resources"].empty() ? PageNotFound() : JsonReply(200, list);
  }
  std::string namespace_;
  if (tail.size() >= 3 && tail[0] == "namespaces") {
    namespace_ = tail[1];
    tail.erase(tail.begin(), tail.begin() + 2);
  }
  const FakeApiResource* resource = FindResource(state, group, version, tail[0]);
  if (resource == nullptr || tail.size() > 2 || (!namespace_.empty() && !resource->namespaced) ||
      (namespace_.empty() && resource->namespaced && tail.size() == 2)) {
    return PageNotFound();
  }
  return Serve(state, *resource, version, namespace_, tail.size() == 2 ? tail[1] : "", query, user,
               forbidden);
}

}  // namespace

std::vector<FakeApiResource> StandardFakeApiResources() {
  std::vector<FakeApiResource> resources = {
      {"", "v1", "Secret", "secrets", true},
      {"", "v1", "Service", "services", true},
      {"", "v1", "Namespace", "namespaces", false},
      {"", "v1", "ConfigMap", "configmaps", true},
  };
  for (const char* version : {"v1", "v1beta1"}) {
    const std::string gateway = "gateway.networking.k8s.io";
    resources.push_back({gateway, version, "Gateway", "gateways", true});
    resources.push_back({gateway, version, "HTTPRoute", "httproutes", true});
    resources.push_back({gateway, version, "GRPCRoute", "grpcroutes", true});
    resources.push_back({gateway, version, "ReferenceGrant", "referencegrants", true});
    resources.push_back({gateway, version, "GatewayClass", "gatewayclasses", false});
  }
  resources.push_back(
      {"agentgateway.dev", "v1alpha1", "AgentgatewayBackend", "agentgatewaybackends", true});
  resources.push_back(
      {"agentgateway.dev", "v1alpha1", "AgentgatewayPolicy", "agentgatewaypolicies", true});
  resources.push_back({"apiextensions.k8s.io", "v1", "CustomResourceDefinition",
                       "customresourcedefinitions", false});
  return resources;
}

FakeApiReply HandleFakeApiRequest(FakeApiState& state, const FakeApiCall& call) {
  std::lock_guard lock(state.mu);
  FakeApiRequest record;
  record.method = call.method;
  std::size_t question = call.target.find('?');
  record.path = PercentDecode(call.target.substr(0, question), false);
  record.query = question == std::string::npos ? "" : call.target.substr(question + 1);
  record.host = Header(call, "host");
  record.user_agent = Header(call, "user-agent");
  record.accept = Header(call, "accept");
  record.sni = call.sni;
  record.impersonate_user = Header(call, "impersonate-user");
  for (const auto& [key, value] : call.headers) {
    if (key == "impersonate-group") {
      record.impersonate_groups.push_back(value);
    }
  }
  std::string authorization = Header(call, "authorization");
  record.authorization = authorization.substr(0, authorization.find(' '));
  record.client_certificate = !call.client_certificate_user.empty();

  // The union authenticator: a verified client certificate or a known bearer token.
  bool forbidden = false;
  FakeApiAuth mode = state.options.auth;
  if (mode != FakeApiAuth::kBearerToken && !call.client_certificate_user.empty()) {
    record.user = call.client_certificate_user;
  } else if (mode != FakeApiAuth::kClientCertificate && record.authorization == "Bearer") {
    auto token = state.tokens.find(authorization.substr(7));
    if (token != state.tokens.end()) {
      record.user = token->second.user;
      forbidden = token->second.forbidden;
    }
  }
  FakeApiReply reply;
  if (record.user.empty()) {
    reply = JsonReply(401, Status(401, "Unauthorized", "Unauthorized", Json()));
  } else if (call.method != "GET") {
    reply = JsonReply(405, Status(405, "MethodNotAllowed",
                                  "the server does not allow this method on the requested resource",
                                  Json::object()));
  } else {
    std::map<std::string, std::string> query;
    for (const std::string& pair : Split(record.query, '&')) {
      std::size_t equals = pair.find('=');
      if (!pair.empty()) {
        query[PercentDecode(pair.substr(0, equals), true)] =
            equals == std::string::npos ? "" : PercentDecode(pair.substr(equals + 1), true);
      }
    }
    std::vector<std::string> segments = Split(record.path, '/');
    segments.erase(segments.begin());  // before the leading '/'
    while (!segments.empty() && segments.back().empty()) {
      segments.pop_back();
    }
    reply = Route(state, segments, query, record.user, forbidden);
  }
  record.status = reply.status;
  state.requests.push_back(std::move(record));
  return reply;
}

bool AddFakeApiObject(FakeApiState& state, const std::string& json) {
  Json object = Json::parse(json, nullptr, false);
  if (!object.is_object()) {
    return false;
  }
  std::string api_version = object.value("apiVersion", "");
  std::string kind = object.value("kind", "");
  std::size_t slash = api_version.rfind('/');
  std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
  Json metadata = object.value("metadata", Json::object());
  std::string name = metadata.value("name", "");
  std::string namespace_ = metadata.value("namespace", "");
  std::lock_guard lock(state.mu);
  for (const FakeApiResource& r : state.options.resources) {
    if (r.group == group && r.kind == kind && !name.empty()) {
      if (r.namespaced && namespace_.empty()) {
        return false;
      }
      state.objects[group + "/" + r.plural][{r.namespaced ? namespace_ : "", name}] = object;
      return true;
    }
  }
  return false;
}

}  // namespace agw::test
