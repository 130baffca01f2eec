#include "validate/cluster/kubeconfig.h"

#include <set>
#include <utility>

#include "validate/manifest/base64.h"
#include "validate/manifest/diagnostic.h"
#include "validate/manifest/source.h"
#include "validate/manifest/value.h"
#include "validate/manifest/yaml_reader.h"

namespace agw::validate::cluster {

namespace {

using manifest::Value;

// The reserved cluster extension that client-go hands to exec plugins (client_config.go).
constexpr std::string_view kExecExtensionName = "client.authentication.k8s.io/exec";

std::string_view TypeNoun(const Value& value) {
  switch (value.type()) {
    case Value::Type::kBool:
      return "a boolean";
    case Value::Type::kInt:
      return "an integer";
    case Value::Type::kFloat:
      return "a number";
    case Value::Type::kString:
      return "a string";
    case Value::Type::kSequence:
      return "a list";
    case Value::Type::kMap:
      return "a map";
    case Value::Type::kNull:
      break;
  }
  return "null";
}

// Decodes the Value tree into the kubeconfig structs with Go's encoding/json rules (the file
// goes YAML -> JSON -> Go structs in client-go): null leaves a field unset, a value of the wrong
// type is an error, unknown fields are ignored. The first error is kept.
class Decoder {
 public:
  explicit Decoder(std::string path) : path_(std::move(path)) {}

  const std::optional<Error>& error() const { return error_; }

  void Fail(const Value& at, const std::string& field, const std::string& problem) {
    if (error_) {
      return;
    }
    std::string where = at.position().known() ? at.position().ToString() : path_;
    error_ = Error{"cannot load kubeconfig " + where + ": " + field + ": " + problem};
  }

  // True when `value` may be read as `want` (null counts as absent and returns false).
  bool Expect(const Value* value, Value::Type want, const std::string& field) {
    if (value == nullptr || value->is_null()) {
      return false;
    }
    if (value->type() != want) {
      std::string_view noun = want == Value::Type::kString ? "a string"
                              : want == Value::Type::kBool ? "a boolean"
                              : want == Value::Type::kMap  ? "a map"
                                                           : "a list";
      Fail(*value, field,
           "expected " + std::string(noun) + ", found " + std::string(TypeNoun(*value)));
      return false;
    }
    return true;
  }

  void String(const Value& map, std::string_view key, const std::string& prefix, std::string& out) {
    const Value* value = map.Find(key);
    if (Expect(value, Value::Type::kString, prefix + std::string(key))) {
      out = value->text();
    }
  }

  void Bool(const Value& map, std::string_view key, const std::string& prefix, bool& out) {
    const Value* value = map.Find(key);
    if (Expect(value, Value::Type::kBool, prefix + std::string(key))) {
      out = value->bool_value();
    }
  }

  // A []byte field: base64 in JSON, as Go's encoding/json decodes it.
  void Bytes(const Value& map, std::string_view key, const std::string& prefix, std::string& out) {
    const Value* value = map.Find(key);
    std::string field = prefix + std::string(key);
    if (!Expect(value, Value::Type::kString, field)) {
      return;
    }
    manifest::Base64Result decoded = manifest::DecodeBase64(value->text());
    if (decoded.error_offset) {
      Fail(*value, field,
           "illegal base64 data at input byte " + std::to_string(*decoded.error_offset));
      return;
    }
    out = std::move(decoded.bytes);
  }

  void Strings(const Value& map, std::string_view key, const std::string& prefix,
               std::vector<std::string>& out) {
    const Value* value = map.Find(key);
    std::string field = prefix + std::string(key);
    if (!Expect(value, Value::Type::kSequence, field)) {
      return;
    }
    for (std::size_t i = 0; i < value->items().size(); ++i) {
      const Value& item = value->items()[i];
      if (Expect(&item, Value::Type::kString, field + "[" + std::to_string(i) + "]")) {
        out.push_back(item.text());
      }
    }
  }

 private:
  std::string path_;
  std::optional<Error> error_;
};

void DecodeCluster(Decoder& d, const Value& map, const std::string& prefix, KubeconfigCluster& c) {
  d.String(map, "server", prefix, c.server);
  d.String(map, "tls-server-name", prefix, c.tls_server_name);
  d.Bool(map, "insecure-skip-tls-verify", prefix, c.insecure_skip_tls_verify);
  d.String(map, "certificate-authority", prefix, c.certificate_authority);
  d.Bytes(map, "certificate-authority-data", prefix, c.certificate_authority_data);
  d.String(map, "proxy-url", prefix, c.proxy_url);
  d.Bool(map, "disable-compression", prefix, c.disable_compression);
  const Value* extensions = map.Find("extensions");
  if (!d.Expect(extensions, Value::Type::kSequence, prefix + "extensions")) {
    return;
  }
  for (const Value& extension : extensions->items()) {
    const Value* name = extension.Find("name");
    const Value* body = extension.Find("extension");
    if (name != nullptr && name->is_string() && name->text() == kExecExtensionName &&
        body != nullptr && !body->is_null()) {
      c.exec_extension_json =
          body->ToJson().dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    }
  }
}

void DecodeExec(Decoder& d, const Value& map, const std::string& prefix, ExecConfig& e) {
  d.String(map, "apiVersion", prefix, e.api_version);
  d.String(map, "command", prefix, e.command);
  d.Strings(map, "args", prefix, e.args);
  d.String(map, "installHint", prefix, e.install_hint);
  d.Bool(map, "provideClusterInfo", prefix, e.provide_cluster_info);
  d.String(map, "interactiveMode", prefix, e.interactive_mode);
  const Value* env = map.Find("env");
  if (!d.Expect(env, Value::Type::kSequence, prefix + "env")) {
    return;
  }
  for (std::size_t i = 0; i < env->items().size(); ++i) {
    const Value& item = env->items()[i];
    std::string item_prefix = prefix + "env[" + std::to_string(i) + "]";
    if (!d.Expect(&item, Value::Type::kMap, item_prefix)) {
      continue;
    }
    ExecEnvVar var;
    d.String(item, "name", item_prefix + ".", var.name);
    d.String(item, "value", item_prefix + ".", var.value);
    e.env.push_back(std::move(var));
  }
}

void DecodeUser(Decoder& d, const Value& map, const std::string& prefix, KubeconfigUser& u) {
  d.String(map, "client-certificate", prefix, u.client_certificate);
  d.Bytes(map, "client-certificate-data", prefix, u.client_certificate_data);
  d.String(map, "client-key", prefix, u.client_key);
  d.Bytes(map, "client-key-data", prefix, u.client_key_data);
  d.String(map, "token", prefix, u.token);
  d.String(map, "tokenFile", prefix, u.token_file);
  d.String(map, "username", prefix, u.username);
  d.String(map, "password", prefix, u.password);
  d.String(map, "as", prefix, u.impersonate);
  d.String(map, "as-uid", prefix, u.impersonate_uid);
  d.Strings(map, "as-groups", prefix, u.impersonate_groups);
  if (const Value* extra = map.Find("as-user-extra");
      d.Expect(extra, Value::Type::kMap, prefix + "as-user-extra")) {
    for (const manifest::MapEntry& entry : extra->entries()) {
      d.Strings(*extra, entry.key, prefix + "as-user-extra.", u.impersonate_user_extra[entry.key]);
    }
  }
  if (const Value* provider = map.Find("auth-provider");
      d.Expect(provider, Value::Type::kMap, prefix + "auth-provider")) {
    d.String(*provider, "name", prefix + "auth-provider.", u.auth_provider);
    if (u.auth_provider.empty()) {
      u.auth_provider = "(unnamed)";
    }
  }
  if (const Value* exec = map.Find("exec"); d.Expect(exec, Value::Type::kMap, prefix + "exec")) {
    u.exec.emplace();
    DecodeExec(d, *exec, prefix + "exec.", *u.exec);
  }
}

void DecodeContext(Decoder& d, const Value& map, const std::string& prefix, KubeconfigContext& c) {
  d.String(map, "cluster", prefix, c.cluster);
  d.String(map, "user", prefix, c.user);
  d.String(map, "namespace", prefix, c.namespace_);
}

// Reads a `[{name: N, <body_key>: {...}}]` list into `out`; a name used twice in one file is an
// error, as client-go's conversion makes it.
template <typename Entry, typename DecodeBody>
void DecodeNamedList(Decoder& d, const Value& root, std::string_view list_key,
                     std::string_view body_key, const std::string& origin,
                     std::map<std::string, Entry>& out, DecodeBody decode_body) {
  const Value* list = root.Find(list_key);
  if (!d.Expect(list, Value::Type::kSequence, std::string(list_key))) {
    return;
  }
  for (std::size_t i = 0; i < list->items().size(); ++i) {
    const Value& item = list->items()[i];
    std::string prefix = std::string(list_key) + "[" + std::to_string(i) + "]";
    if (!d.Expect(&item, Value::Type::kMap, prefix)) {
      continue;
    }
    std::string name;
    d.String(item, "name", prefix + ".", name);
    Entry entry;
    entry.origin = origin;
    if (const Value* body = item.Find(body_key);
        d.Expect(body, Value::Type::kMap, prefix + "." + std::string(body_key))) {
      decode_body(d, *body, prefix + "." + std::string(body_key) + ".", entry);
    }
    if (!out.emplace(name, std::move(entry)).second) {
      d.Fail(item, prefix + ".name", "duplicate name \"" + name + "\" in " + std::string(list_key));
    }
  }
}

// Go's filepath.Clean for '/'-separated paths.
std::string CleanPath(const std::string& path) {
  if (path.empty()) {
    return ".";
  }
  bool absolute = path.front() == '/';
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) {
      end = path.size();
    }
    std::string part = path.substr(start, end - start);
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!absolute) {
        parts.push_back(part);
      }
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = end + 1;
  }
  std::string result = absolute ? "/" : "";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    result += (i == 0 ? "" : "/") + parts[i];
  }
  return result.empty() ? "." : result;
}

std::string JoinPath(const std::string& base, const std::string& path) {
  return CleanPath(base + "/" + path);
}

// filepath.Abs(filepath.Dir(origin)).
std::string BaseDirectory(const std::string& origin, const std::string& working_directory) {
  std::size_t slash = origin.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : origin.substr(0, slash);
  if (!dir.empty() && dir.front() != '/' && !working_directory.empty()) {
    dir = JoinPath(working_directory, dir);
  }
  return CleanPath(dir);
}

void Resolve(std::string& path, const std::string& base) {
  if (!path.empty() && path.front() != '/') {
    path = JoinPath(base, path);
  }
}

}  // namespace

Expected<Kubeconfig> ParseKubeconfig(const std::string& path, std::string_view text) {
  Kubeconfig config;
  config.files.push_back(path);
  manifest::SourceFile file(path, text);
  manifest::DiagnosticSink sink;
  std::vector<manifest::Document> documents = manifest::ParseDocuments(file, sink);
  for (const manifest::Diagnostic& diagnostic : sink.diagnostics()) {
    if (diagnostic.severity == manifest::Severity::kError) {
      return MakeError("cannot load kubeconfig " + diagnostic.position.ToString() + ": " +
                       diagnostic.message);
    }
  }
  if (documents.empty()) {
    return config;
  }
  const Value& root = documents.front().root;
  Decoder d(path);
  if (!root.is_map()) {
    d.Fail(root, "(top level)", "expected a map, found " + std::string(TypeNoun(root)));
    return tl::unexpected(*d.error());
  }
  d.String(root, "current-context", "", config.current_context);
  if (!config.current_context.empty()) {
    config.current_context_origin = path;
  }
  DecodeNamedList(d, root, "clusters", "cluster", path, config.clusters, DecodeCluster);
  DecodeNamedList(d, root, "users", "user", path, config.users, DecodeUser);
  DecodeNamedList(d, root, "contexts", "context", path, config.contexts, DecodeContext);
  if (d.error()) {
    return tl::unexpected(*d.error());
  }
  return config;
}

Kubeconfig MergeKubeconfigs(std::vector<Kubeconfig> files, const std::string& working_directory) {
  Kubeconfig merged;
  for (Kubeconfig& file : files) {
    merged.files.insert(merged.files.end(), file.files.begin(), file.files.end());
    // map::insert keeps an existing entry: the first file to define a name wins it whole.
    merged.clusters.insert(std::make_move_iterator(file.clusters.begin()),
                           std::make_move_iterator(file.clusters.end()));
    merged.users.insert(std::make_move_iterator(file.users.begin()),
                        std::make_move_iterator(file.users.end()));
    merged.contexts.insert(std::make_move_iterator(file.contexts.begin()),
                           std::make_move_iterator(file.contexts.end()));
    if (merged.current_context.empty() && !file.current_context.empty()) {
      merged.current_context = file.current_context;
      merged.current_context_origin = file.current_context_origin;
    }
  }
  // loader.go ResolveLocalPaths: only these fields are file references.
  for (auto& [name, cluster] : merged.clusters) {
    std::string base = BaseDirectory(cluster.origin, working_directory);
    Resolve(cluster.certificate_authority, base);
  }
  for (auto& [name, user] : merged.users) {
    std::string base = BaseDirectory(user.origin, working_directory);
    Resolve(user.client_certificate, base);
    Resolve(user.client_key, base);
    Resolve(user.token_file, base);
    if (user.exec && user.exec->command.find('/') != std::string::npos) {
      Resolve(user.exec->command, base);
    }
  }
  return merged;
}

std::vector<std::string> KubeconfigSearchPath(const KubeconfigLoadOptions& options,
                                              const Environment& environment) {
  if (!options.explicit_path.empty()) {
    return {options.explicit_path};
  }
  std::vector<std::string> paths;
  std::optional<std::string> list = Lookup(environment, "KUBECONFIG");
  if (list && !list->empty()) {
    std::set<std::string> seen;
    std::size_t start = 0;
    while (start <= list->size()) {
      std::size_t end = list->find(':', start);
      if (end == std::string::npos) {
        end = list->size();
      }
      std::string path = list->substr(start, end - start);
      if (!path.empty() && seen.insert(path).second) {
        paths.push_back(path);
      }
      start = end + 1;
    }
    return paths;
  }
  // client-go's homedir.HomeDir() on Unix is $HOME.
  std::string home = Lookup(environment, "HOME").value_or("");
  paths.push_back(home + "/.kube/config");
  return paths;
}

Expected<Kubeconfig> LoadKubeconfig(const KubeconfigLoadOptions& options,
                                    const Environment& environment,
                                    const manifest::FileSystem& file_system) {
  std::vector<Kubeconfig> files;
  for (const std::string& given : KubeconfigSearchPath(options, environment)) {
    const std::string path = given.front() != '/' && !options.working_directory.empty()
                                 ? JoinPath(options.working_directory, given)
                                 : given;
    manifest::FileSystem::Kind kind = file_system.Stat(path);
    if (kind == manifest::FileSystem::Kind::kMissing) {
      if (!options.explicit_path.empty()) {
        return MakeError("the kubeconfig file " + given +
                         " given with --kubeconfig does not exist");
      }
      continue;
    }
    if (kind == manifest::FileSystem::Kind::kDirectory) {
      return MakeError("cannot load kubeconfig " + path + ": it is a directory");
    }
    Expected<std::string> text = file_system.ReadFile(path);
    if (!text) {
      return MakeError("cannot load kubeconfig: " + text.error().message);
    }
    Expected<Kubeconfig> parsed = ParseKubeconfig(path, *text);
    if (!parsed) {
      return tl::unexpected(parsed.error());
    }
    files.push_back(std::move(*parsed));
  }
  return MergeKubeconfigs(std::move(files), options.working_directory);
}

}  // namespace agw::validate::cluster
