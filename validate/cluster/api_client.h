#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "validate/manifest/error.h"

namespace agw::validate::cluster {

// One HTTP answer of the API server.
struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

// Sends GET requests to one API server (the seam between the API logic and the network: tests
// give an in-memory one, curl_transport.h the real one). Implementations hold the connection
// settings and credentials, and their error messages name the server (DescribeServer).
class Transport {
 public:
  virtual ~Transport() = default;
  // `target` is a path and query starting with '/', appended to the server URL (after any path
  // the server URL has). Fails only when no HTTP response came back: connection, TLS, timeout,
  // or a body over the transport's size limit. Every status code is a response.
  virtual Expected<HttpResponse> Get(const std::string& target) = 0;
};

struct GroupVersionKind {
  std::string group;  // "" for the core group
  std::string version;
  std::string kind;

  // "v1" for the core group, else "group/version".
  std::string ApiVersion() const;
  // From an object's apiVersion ("v1", "gateway.networking.k8s.io/v1") and kind.
  static GroupVersionKind Of(std::string_view api_version, std::string kind);
};

// An entry of a discovery document (APIResourceList.resources), subresources left out.
struct ApiResource {
  std::string name;  // the plural resource name used in paths: "httproutes"
  std::string kind;
  bool namespaced = false;
};

struct ApiClientOptions {
  // How errors name the server: DescribeServer(connection).
  std::string server_label = "the API server";
  // Lists are read in pages of this many items (kubectl's --chunk-size default is 500).
  std::size_t page_size = 500;
  // Limits on one List call: a cluster with more objects than this of one kind is not a
  // cluster this tool can diff sensibly, and the caller holds every item in memory.
  std::size_t max_items = 100000;
  std::size_t max_list_bytes = std::size_t{512} << 20;
};

// Reads objects from the Kubernetes API the way kubectl's REST mapper and client do: discovery
// of the group/version maps a kind to its resource and scope, then GET of an object or a
// collection (paged with limit/continue). Borrows `transport`, which must outlive it. Not
// thread-safe (the discovery cache is unguarded): use one per thread.
//
// Error messages (pinned in tests):
//   the server does not serve HTTPRoute in gateway.networking.k8s.io/v1 (is the CRD installed?)
//   <server_label> refused the credentials: 401 Unauthorized
//   <server_label> denied the request: <the Status message, e.g. `httproutes.gateway...
//     "x" is forbidden: User "u" cannot get resource "httproutes" in API group ...`>
//   <server_label> answered GET <target> with 500 Internal Server Error: <Status message>
class ApiClient {
 public:
  ApiClient(Transport& transport, ApiClientOptions options = {});

  // The resource that serves `gvk`, from the group/version's discovery document (/api/v1 or
  // /apis/GROUP/VERSION, fetched once and cached); nullopt when the server does not serve that
  // group/version or that kind in it.
  Expected<std::optional<ApiResource>> FindResource(const GroupVersionKind& gvk);
  // As FindResource, with "does not serve" as an error.
  Expected<ApiResource> Resource(const GroupVersionKind& gvk);

  // The object's JSON as the server sent it, or nullopt when it does not exist (404).
  // `namespace_` is required for namespaced kinds and ignored for cluster-scoped ones.
  Expected<std::optional<std::string>> Get(const GroupVersionKind& gvk, std::string_view namespace_,
                                           std::string_view name);

  // The objects of a kind in `namespace_` ("" for all namespaces; ignored for cluster-scoped
  // kinds) matching `label_selector` (the server evaluates it, e.g. "app=web,tier!=db"), in the
  // server's order. Each item is JSON text starting with apiVersion and kind, which the server
  // leaves out of list items and this fills in from the list (its kind minus "List").
  Expected<std::vector<std::string>> List(const GroupVersionKind& gvk, std::string_view namespace_,
                                          std::string_view label_selector = {});

  // The versions the server serves for `group` ("" is the core group), preferred first; empty
  // when it does not serve the group.
  Expected<std::vector<std::string>> GroupVersions(std::string_view group);

 private:
  Expected<HttpResponse> Fetch(const std::string& target);

  Transport& transport_;
  ApiClientOptions options_;
  // Discovery by "group/version": nullopt for a group/version the server does not serve.
  std::map<std::string, std::optional<std::vector<ApiResource>>> discovery_;
  std::optional<std::string> group_list_;  // the body of /apis, once fetched
};

// The path of a collection or one object: /api/v1/namespaces/NS/secrets/NAME,
// /apis/GROUP/VERSION/RESOURCE (cluster-scoped, or all namespaces when `namespace_` is "").
// Segments are percent-encoded.
std::string ObjectPath(const GroupVersionKind& gvk, const ApiResource& resource,
                       std::string_view namespace_, std::string_view name);

// `text` with every byte that is not alphanumeric or in `also_unreserved` written as %XX
// (uppercase hex); a space as '+' when `space_as_plus`.
std::string PercentEncode(std::string_view text, std::string_view also_unreserved,
                          bool space_as_plus = false);

// Go's url.QueryEscape (space as '+').
std::string QueryEscape(std::string_view text);

// The message for a response that is not a success, as ApiClient words it.
std::string StatusError(const std::string& server_label, const std::string& target,
                        const HttpResponse& response);

}  // namespace agw::validate::cluster
