#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "emulator/gateway/ai_backends.h"
#include "emulator/gateway/snapshot.h"
#include "emulator/route/request.h"
#include "emulator/route/table.h"
#include "validate/manifest/error.h"

// `translate`: one request driven through the per-request core without sockets. The decisions
// are `run`'s (Decide, DecideLlm, LlmAnswer); what would be sent and answered is collected as
// values, with credentials redacted, for the command to render.
namespace agw::emulator::gateway {

// An HTTP response as the client would see it.
struct HttpAnswer {
  int status = 0;
  http::HeaderList headers;
  std::string body;
};

// A request as it would leave for the upstream.
struct UpstreamCall {
  std::string method;
  std::string url;
  http::HeaderList headers;  // in the order they are sent, credentials redacted
  std::string body;
};

struct DryRunInput {
  route::Request request;  // as it arrives at the listener (Host and content-length included)
  std::string body;
  std::optional<std::string> response;  // a provider's answer to translate back (JSON or SSE)
  int response_status = 200;
  std::string provider;  // a provider of a priority group by name; empty: the first of the first
};

// Everything one dry run found out.
struct DryRun {
  std::string bind;   // "ns/gateway:port"
  std::string route;  // "ns/name"; empty when no route matched
  int rule = -1;
  std::string listener;
  std::string match;    // the rule's match that took the request, described
  std::string backend;  // "AgentgatewayBackend ns/name", "Service ns/name:port"
  std::optional<nlohmann::ordered_json> provider;  // the provider, call formats and credential
  std::optional<UpstreamCall> upstream;
  // Set when the gateway answers by itself and nothing goes upstream (no route, 400, 501).
  std::optional<HttpAnswer> gateway_answer;
  std::string gateway_answer_reason;
  std::optional<HttpAnswer> client_response;  // the client's answer to `DryRunInput::response`
  std::optional<nlohmann::ordered_json> usage;
  std::vector<std::string> notes;
};

// The bind a dry-run request arrives on: the only one of `table` left after `gateway`
// ("NAMESPACE/NAME" or "NAME"; empty: any) and `port` (0: any). The error lists the binds.
Expected<route::Bind> ChooseBind(const route::RouteTable& table, const std::string& gateway,
                                 int port);

// The client request as it arrives at `bind`: its Host is the one among `headers`, else `host`,
// else the listener's first hostname (a wildcard's "*" taken as "www") or "localhost"; then the
// other headers, a JSON content type unless one was given, and the body's length. A request to
// an HTTPS listener is an https request.
route::Request ArrivingRequest(const route::RouteTable& table, const route::Bind& bind,
                               std::string method, std::string_view target, const std::string& host,
                               const http::HeaderList& headers, std::size_t body_size);

// Runs `input` through `snapshot` as it arrives on `bind`. Fails only when `input.provider`
// names no provider of the backend.
Expected<DryRun> RunDry(const Snapshot& snapshot, const route::Bind& bind, const DryRunInput& input,
                        const AiOptions& options);

// Replaces credential values in what is printed. A header that carries credentials is always
// replaced; any other text that happens to contain the backend's key is too.
class Redactor {
 public:
  // `key` is the backend's credential ("" for none); `source` says where it comes from.
  Redactor(std::string key, const std::string& source);
  explicit Redactor(const AiProvider& provider);

  void RedactHeaders(http::HeaderList& headers, bool sigv4) const;
  // Replaces the backend's key wherever it appears in `text`. Keys too short to be real are
  // left alone: replacing a 3-letter test key would mangle every body that contains it.
  std::string Scrub(std::string text) const;

 private:
  bool ContainsKey(std::string_view value) const;

  std::string key_;
  std::string source_;
};

}  // namespace agw::emulator::gateway
