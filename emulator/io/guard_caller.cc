// libcurl for the remote prompt guards' calls (otlp_exporter.cc is the other libcurl user).
#include "emulator/io/guard_caller.h"

#include <curl/curl.h>

#include <algorithm>
#include <exception>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <utility>
#include <variant>

namespace agw::emulator::io {
namespace {

// curl_global_init must run before any other curl call; this libcurl is built thread-safe
// (CURL_VERSION_THREADSAFE), so the cluster client's own once-only init may run alongside.
void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// "webhook guards/checker:8080" or "openAIModeration": how errors name the guard.
std::string GuardName(const policy::Guard& guard) {
  if (const auto* webhook = std::get_if<policy::WebhookGuard>(&guard.spec)) {
    const policy::GuardBackendRef& ref = webhook->backend_ref;
    std::string name = "webhook " + ref.namespace_name + "/" + ref.name;
    if (ref.port) {
      name += ":" + std::to_string(*ref.port);
    }
    return name;
  }
  return std::string(policy::GuardKindName(guard.kind));
}

// "2 MiB", or "1000 bytes" for a limit that is not a whole number of MiB.
std::string Size(std::size_t bytes) {
  return bytes % (1 << 20) == 0 ? std::to_string(bytes >> 20) + " MiB"
                                : std::to_string(bytes) + " bytes";
}

bool HasHeader(const http::HeaderList& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (http::HeaderNameEquals(key, name)) {
      return true;
    }
  }
  return false;
}

// A header line curl can send as given: no CR, LF or NUL that would split or cut it.
bool SafeForCurl(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

struct Reply {
  std::string body;
  std::size_t limit = 0;
  bool too_large = false;
};

size_t WriteReply(char* data, size_t size, size_t count, void* reply_pointer) {
  auto* reply = static_cast<Reply*>(reply_pointer);
  std::size_t bytes = size * count;
  if (reply->body.size() + bytes > reply->limit) {
    reply->too_large = true;
    return 0;  // curl stops with CURLE_WRITE_ERROR
  }
  reply->body.append(data, bytes);
  return bytes;
}

struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// Appends a header line; false when curl could not allocate it.
bool Append(std::unique_ptr<curl_slist, ListDeleter>& list, const std::string& line) {
  curl_slist* extended = curl_slist_append(list.get(), line.c_str());
  if (extended == nullptr) {
    return false;
  }
  list.release();
  list.reset(extended);
  return true;
}

}  // namespace

CurlGuardCaller::CurlGuardCaller(GuardTargetResolver target, GuardKeyResolver bearer_key,
                                 GuardCallerOptions options)
    : target_(std::move(target)), bearer_key_(std::move(bearer_key)), options_(options) {}

Expected<policy::GuardHttpReply> CurlGuardCaller::Call(const policy::Guard& guard,
                                                       const policy::GuardHttpCall& call) const {
  // On the first call, not at construction: every `run` makes a caller, and libcurl's global
  // init (TLS libraries and all) costs megabytes of memory a run without remote guards never needs.
  InitCurlOnce();
  const std::string name = GuardName(guard);
  std::optional<std::string> base;
  try {
    base = target_ ? target_(guard) : std::nullopt;
  } catch (const std::exception&) {
    base.reset();
  }
  if (!base) {
    return MakeError(name + ": no address for the guard's target");
  }
  if (base->rfind("http://", 0) != 0 && base->rfind("https://", 0) != 0) {
    return MakeError(name + ": the target " + *base + " is not an http:// or https:// URL");
  }
  while (!base->empty() && base->back() == '/') {
    base->pop_back();
  }
  const std::string url = *base + call.path;

  std::unique_ptr<curl_slist, ListDeleter> headers;
  bool listed = true;
  for (const auto& [key, value] : call.headers) {
    if (key.empty() || !SafeForCurl(key) || !SafeForCurl(value)) {
      continue;
    }
    // "Name;" is curl's spelling of a header with an empty value.
    listed = listed && Append(headers, value.empty() ? key + ";" : key + ": " + value);
  }
  // Without these, curl adds `Accept: */*`, `Expect: 100-continue` for large bodies and a form
  // content-type for a call without one; agentgateway sends none of them.
  for (std::string_view suppressed : {"Accept", "Expect", "Content-Type"}) {
    if (!HasHeader(call.headers, suppressed)) {
      listed = listed && Append(headers, std::string(suppressed) + ":");
    }
  }
  if (guard.kind == policy::GuardKind::kOpenAIModeration && bearer_key_) {
    std::optional<std::string> key;
    try {
      key = bearer_key_(guard);
    } catch (const std::exception&) {
      key.reset();
    }
    if (key && SafeForCurl(*key)) {
      listed = listed && Append(headers, "Authorization: Bearer " + *key);
    }
  }
  std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
  if (!listed || easy == nullptr) {
    return MakeError(name + ": cannot set up libcurl");
  }

  Reply reply;
  reply.limit = options_.max_reply_bytes;
  char error[CURL_ERROR_SIZE] = {0};
  CURL* handle = easy.get();
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(handle, CURLOPT_PROXY, "");  // "" also stops curl reading *_proxy variables
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
  curl_easy_setopt(handle, CURLOPT_POSTFIELDS, call.body.data());
  if (call.method != "POST") {
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  }
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &WriteReply);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &reply);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error);

  CURLcode code = curl_easy_perform(handle);
  if (code != CURLE_OK) {
    if (reply.too_large) {
      return MakeError(name + ": the reply is longer than " + Size(reply.limit));
    }
    if (code == CURLE_OPERATION_TIMEDOUT) {
      return MakeError(name + ": no reply within " + std::to_string(options_.timeout.count()) +
                       " ms");
    }
    if (code == CURLE_COULDNT_CONNECT) {
      return MakeError(name + ": cannot connect to " + *base);
    }
    return MakeError(
        name + ": " +
        (error[0] != '\0' ? std::string(error) : std::string(curl_easy_strerror(code))));
  }
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  return policy::GuardHttpReply{static_cast<int>(status), std::move(reply.body)};
}

namespace {

// "$NAME" or "${NAME}": the credential is that environment variable's value.
std::optional<std::string> FromEnvironment(const std::string& text) {
  std::string name;
  if (text.size() > 3 && text.compare(0, 2, "${") == 0 && text.back() == '}') {
    name = text.substr(2, text.size() - 3);
  } else if (text.size() > 1 && text[0] == '$') {
    name = text.substr(1);
  } else {
    return text;
  }
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) {
    return std::nullopt;
  }
  return std::string(value);
}

std::string WithoutBearer(std::string value) {
  if (value.rfind("Bearer ", 0) == 0) {
    value.erase(0, 7);
  }
  return value;
}

}  // namespace

namespace {

// --mock-providers without a moderation URL: moderation checks are answered here, as the mock
// providers answer chat, and flag nothing (a result per input, every category false).
class MockModerationCaller : public policy::GuardCaller {
 public:
  explicit MockModerationCaller(std::shared_ptr<const policy::GuardCaller> others)
      : others_(std::move(others)) {}

  Expected<policy::GuardHttpReply> Call(const policy::Guard& guard,
                                        const policy::GuardHttpCall& call) const override {
    if (guard.kind != policy::GuardKind::kOpenAIModeration) {
      return others_->Call(guard, call);
    }
    nlohmann::json request = nlohmann::json::parse(call.body, nullptr, false);
    std::size_t inputs = 1;
    if (request.is_object() && request.contains("input") && request["input"].is_array()) {
      inputs = std::max<std::size_t>(1, request["input"].size());
    }
    nlohmann::json reply = {{"id", "modr-mock"},
                            {"model", request.is_object() && request.contains("model")
                                          ? request["model"]
                                          : nlohmann::json("omni-moderation-latest")},
                            {"results", nlohmann::json::array()}};
    for (std::size_t i = 0; i < inputs && i < 1024; ++i) {
      reply["results"].push_back({{"flagged", false},
                                  {"categories", nlohmann::json::object()},
                                  {"category_scores", nlohmann::json::object()}});
    }
    return policy::GuardHttpReply{200, reply.dump()};
  }

 private:
  std::shared_ptr<const policy::GuardCaller> others_;
};

}  // namespace

std::shared_ptr<const policy::GuardCaller> MakeRunGuardCaller(const gateway::ServiceMap& services,
                                                              const gateway::AiOptions& ai) {
  std::string moderation_url = "https://api.openai.com";
  if (auto url = ai.provider_urls.find(kModerationProviderKey); url != ai.provider_urls.end()) {
    moderation_url = url->second.endpoint.ToString() + url->second.path_prefix;
  }
  GuardTargetResolver target =
      [services, moderation_url](const policy::Guard& guard) -> std::optional<std::string> {
    if (guard.kind == policy::GuardKind::kOpenAIModeration) {
      return moderation_url;
    }
    const auto* webhook = std::get_if<policy::WebhookGuard>(&guard.spec);
    if (webhook == nullptr || !webhook->backend_ref.port) {
      return std::nullopt;
    }
    const policy::GuardBackendRef& ref = webhook->backend_ref;
    std::optional<gateway::Endpoint> endpoint =
        services.Find(ref.namespace_name, ref.name, *ref.port);
    if (!endpoint) {
      return std::nullopt;
    }
    return endpoint->ToString();
  };
  GuardKeyResolver key =
      [secret_env = ai.secret_env](const policy::Guard& guard) -> std::optional<std::string> {
    const validate::manifest::Value* policies = guard.raw.Find("policies");
    const validate::manifest::Value* auth = policies == nullptr ? nullptr : policies->Find("auth");
    if (auth == nullptr) {
      return std::nullopt;
    }
    if (const auto* inline_key = auth->Find("key"); inline_key != nullptr) {
      std::optional<std::string> value = FromEnvironment(inline_key->text());
      return value ? std::optional(WithoutBearer(*value)) : std::nullopt;
    }
    const validate::manifest::Value* secret = auth->Find("secretRef");
    const validate::manifest::Value* name = secret == nullptr ? nullptr : secret->Find("name");
    if (name == nullptr) {
      return std::nullopt;
    }
    for (const auto& [secret_name, variable] : secret_env) {
      std::size_t slash = secret_name.find('/');
      if (slash != std::string::npos && secret_name.substr(slash + 1) == name->text()) {
        const char* value = std::getenv(variable.c_str());
        return value == nullptr ? std::nullopt : std::optional(WithoutBearer(value));
      }
    }
    return std::nullopt;
  };
  auto caller = std::make_shared<CurlGuardCaller>(std::move(target), std::move(key));
  if (ai.mock_providers && ai.provider_urls.count(kModerationProviderKey) == 0) {
    return std::make_shared<MockModerationCaller>(std::move(caller));
  }
  return caller;
}

}  // namespace agw::emulator::io
