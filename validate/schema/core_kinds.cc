// CheckCoreKind: the validation of core/v1 kinds in kubernetes pkg/apis/core/validation
// (ValidateSecret, ValidateConfigMap, ValidateService, ValidateNamespace) and the typed JSON
// decoding that precedes it, limited to the fields this tool reads.

#include "validate/schema/core_kinds.h"

#include <limits>
#include <map>
#include <optional>
#include <set>

#include "validate/manifest/base64.h"
#include "validate/schema/format.h"
#include "validate/schema/validator.h"

namespace agw::validate::schema {
namespace {

using manifest::Value;

constexpr std::size_t kMaxSecretBytes = 1024 * 1024;  // core.MaxSecretSize
constexpr char kConfigKeyMessage[] =
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
    "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
constexpr char kPortRangeMessage[] = "must be between 1 and 65535, inclusive";

FieldError Error(FieldError::Type type, std::string path, std::string value, std::string detail,
                 manifest::Position position) {
  FieldError error;
  error.type = type;
  error.path = std::move(path);
  error.value = std::move(value);
  error.detail = std::move(detail);
  error.position = position;
  return error;
}

// IsConfigMapKey's messages.
std::vector<std::string> ConfigKeyProblems(std::string_view key) {
  std::vector<std::string> problems;
  if (key.size() > 253) {
    problems.push_back("must be no more than 253 characters");
  }
  if (!MatchesWhole(key, "[-._a-zA-Z0-9]+")) {
    problems.push_back(kConfigKeyMessage);
  }
  if (key == ".") {
    problems.push_back("must not be '.'");
  } else if (key == "..") {
    problems.push_back("must not be '..'");
  } else if (key.substr(0, 2) == "..") {
    problems.push_back("must not start with '..'");
  }
  return problems;
}

// IsValidPortName's messages (an IANA service name).
std::vector<std::string> PortNameProblems(std::string_view name) {
  std::vector<std::string> problems;
  if (name.size() > 15) {
    problems.push_back("must be no more than 15 characters");
  }
  if (!MatchesWhole(name, "[-a-z0-9]+")) {
    problems.push_back("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  }
  if (!MatchesWhole(name, ".*[a-z].*")) {
    problems.push_back("must contain at least one letter (a-z)");
  }
  if (name.find("--") != std::string_view::npos) {
    problems.push_back("must not contain consecutive hyphens");
  }
  if (!name.empty() && (name.front() == '-' || name.back() == '-')) {
    problems.push_back("must not begin or end with a hyphen");
  }
  return problems;
}

std::vector<std::string> DnsLabelProblems(std::string_view text) {
  std::vector<std::string> problems;
  if (text.size() > 63) {
    problems.push_back("must be no more than 63 characters");
  }
  if (!MatchesWhole(text, "[a-z0-9]([-a-z0-9]*[a-z0-9])?")) {
    problems.push_back(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
        "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
        "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
  }
  return problems;
}

// The typed decoding of the fields read here (encoding/json as the API server runs it): the
// first value of the wrong JSON type stops the request with a 400.
class TypedDecoder {
 public:
  TypedDecoder(std::string_view kind) : kind_(kind) {}

  // `go_field` is "<Go struct>.<json path without indexes>", as Go's UnmarshalTypeError says it.
  void Expect(const Value* value, std::string_view json_type, std::string_view go_field,
              std::string_view go_type, const std::string& path) {
    if (value == nullptr || value->is_null() || error_) {
      return;
    }
    std::string actual = JsonKind(*value);
    bool ok = actual == json_type;
    if (ok && go_type == "int32" && value->is_int()) {
      std::int64_t number = value->int_value();
      if (number < std::numeric_limits<std::int32_t>::min() ||
          number > std::numeric_limits<std::int32_t>::max()) {
        actual = "number " + value->text();
        ok = false;
      }
    } else if (ok && go_type == "int32" && !value->is_int()) {
      actual = "number " + value->text();
      ok = false;
    }
    if (ok) {
      return;
    }
    error_ =
        DecodingError{Prefix() + "json: cannot unmarshal " + actual + " into Go struct field " +
                          std::string(go_field) + " of type " + std::string(go_type),
                      path, value->position()};
  }
  // A map of strings: the map itself, then each value.
  void ExpectStringMap(const Value* map, std::string_view go_field, std::string_view value_type,
                       const std::string& path) {
    Expect(map, "object", go_field, "map[string]" + std::string(value_type), path);
    if (map == nullptr || !map->is_map()) {
      return;
    }
    for (const manifest::MapEntry& entry : map->entries()) {
      Expect(&entry.value, "string", go_field, value_type, path + "[" + entry.key + "]");
    }
  }
  void Fail(std::string message, std::string path, manifest::Position position) {
    if (!error_) {
      error_ = DecodingError{Prefix() + message, std::move(path), position};
    }
  }
  bool failed() const { return error_.has_value(); }
  std::optional<DecodingError> Take() { return std::move(error_); }

 private:
  static std::string JsonKind(const Value& value) {
    switch (value.type()) {
      case Value::Type::kBool:
        return "bool";
      case Value::Type::kInt:
      case Value::Type::kFloat:
        return "number";
      case Value::Type::kString:
        return "string";
      case Value::Type::kSequence:
        return "array";
      case Value::Type::kMap:
        return "object";
      case Value::Type::kNull:
        break;
    }
    return "null";
  }
  std::string Prefix() const {
    return kind_ + " in version \"v1\" cannot be handled as a " + kind_ + ": ";
  }

  std::string kind_;
  std::optional<DecodingError> error_;
};

const Value* Member(const Value* map, std::string_view key) {
  return map != nullptr && map->is_map() ? map->Find(key) : nullptr;
}

std::string StringOf(const Value* value) {
  return value != nullptr && value->is_string() ? value->text() : std::string();
}

void CheckKeys(const Value* map, const std::string& path, std::vector<FieldError>& errors) {
  if (map == nullptr || !map->is_map()) {
    return;
  }
  for (const manifest::MapEntry& entry : map->entries()) {
    for (const std::string& problem : ConfigKeyProblems(entry.key)) {
      errors.push_back(Error(FieldError::Type::kInvalid, path + "[" + entry.key + "]",
                             GoQuote(entry.key), problem, entry.key_position));
    }
  }
}

CoreKindCheck CheckSecret(const Value& object) {
  CoreKindCheck check;
  TypedDecoder decoder("Secret");
  const Value* data = Member(&object, "data");
  const Value* string_data = Member(&object, "stringData");
  decoder.Expect(Member(&object, "type"), "string", "Secret.type", "v1.SecretType", "type");
  decoder.ExpectStringMap(data, "Secret.data", "[]uint8", "data");
  decoder.ExpectStringMap(string_data, "Secret.stringData", "string", "stringData");
  // Every key of data and stringData, with its decoded size; stringData wins on a shared key.
  std::map<std::string, std::size_t> sizes;
  if (!decoder.failed() && data != nullptr && data->is_map()) {
    for (const manifest::MapEntry& entry : data->entries()) {
      if (!entry.value.is_string()) {
        continue;
      }
      manifest::Base64Result decoded = manifest::DecodeBase64(entry.value.text());
      if (decoded.error_offset) {
        decoder.Fail("illegal base64 data at input byte " + std::to_string(*decoded.error_offset),
                     "data[" + entry.key + "]", entry.value.position());
        break;
      }
      sizes[entry.key] = decoded.bytes.size();
    }
  }
  if (auto error = decoder.Take()) {
    check.decoding.push_back(std::move(*error));
    return check;
  }
  if (string_data != nullptr && string_data->is_map()) {
    for (const manifest::MapEntry& entry : string_data->entries()) {
      sizes[entry.key] = entry.value.text().size();
    }
  }
  check.errors = ValidateObjectMeta(object, true, NameRule::kSubdomain);
  // Keys are checked as the server sees them: stringData merged into data.
  Value merged = Value::Map(object.position());
  for (const Value* map : {data, string_data}) {
    if (map == nullptr || !map->is_map()) {
      continue;
    }
    for (const manifest::MapEntry& entry : map->entries()) {
      merged.Set(entry.key, entry.value, entry.key_position);
    }
  }
  CheckKeys(&merged, "data", check.errors);
  std::size_t total = 0;
  for (const auto& [key, size] : sizes) {
    total += size;
  }
  manifest::Position at = data != nullptr ? data->position() : object.position();
  if (total > kMaxSecretBytes) {
    check.errors.push_back(
        Error(FieldError::Type::kTooLong, "data", "",
              "may not be more than " + std::to_string(kMaxSecretBytes) + " bytes", at));
  }
  const Value* type_value = Member(&object, "type");
  std::string type = StringOf(type_value);
  // A key the type requires is missing: the finding points at the type that requires it.
  manifest::Position type_at = type_value != nullptr ? type_value->position() : at;
  auto require = [&](std::string_view key) {
    if (sizes.count(std::string(key)) == 0) {
      check.errors.push_back(
          Error(FieldError::Type::kRequired, "data[" + std::string(key) + "]", "", "", type_at));
    }
  };
  if (type == "kubernetes.io/tls") {
    require("tls.crt");
    require("tls.key");
  } else if (type == "kubernetes.io/basic-auth") {
    if (sizes.count("username") == 0 && sizes.count("password") == 0) {
      require("username");
      require("password");
    }
  } else if (type == "kubernetes.io/ssh-auth") {
    require("ssh-privatekey");
  } else if (type == "kubernetes.io/dockerconfigjson") {
    require(".dockerconfigjson");
  } else if (type == "kubernetes.io/dockercfg") {
    require(".dockercfg");
  }
  return check;
}

CoreKindCheck CheckConfigMap(const Value& object) {
  CoreKindCheck check;
  TypedDecoder decoder("ConfigMap");
  const Value* data = Member(&object, "data");
  const Value* binary = Member(&object, "binaryData");
  decoder.ExpectStringMap(data, "ConfigMap.data", "string", "data");
  decoder.ExpectStringMap(binary, "ConfigMap.binaryData", "[]uint8", "binaryData");
  if (auto error = decoder.Take()) {
    check.decoding.push_back(std::move(*error));
    return check;
  }
  check.errors = ValidateObjectMeta(object, true, NameRule::kSubdomain);
  CheckKeys(data, "data", check.errors);
  CheckKeys(binary, "binaryData", check.errors);
  if (data != nullptr && data->is_map() && binary != nullptr && binary->is_map()) {
    for (const manifest::MapEntry& entry : data->entries()) {
      if (binary->Find(entry.key) != nullptr) {
        check.errors.push_back(Error(FieldError::Type::kInvalid, "data[" + entry.key + "]",
                                     GoQuote(entry.key), "duplicate of key present in binaryData",
                                     entry.key_position));
      }
    }
  }
  return check;
}

CoreKindCheck CheckService(const Value& object) {
  CoreKindCheck check;
  TypedDecoder decoder("Service");
  const Value* spec = Member(&object, "spec");
  decoder.Expect(spec, "object", "Service.spec", "v1.ServiceSpec", "spec");
  const Value* type = Member(spec, "type");
  const Value* external_name = Member(spec, "externalName");
  const Value* cluster_ip = Member(spec, "clusterIP");
  const Value* ports = Member(spec, "ports");
  decoder.Expect(type, "string", "ServiceSpec.spec.type", "v1.ServiceType", "spec.type");
  decoder.Expect(external_name, "string", "ServiceSpec.spec.externalName", "string",
                 "spec.externalName");
  decoder.Expect(cluster_ip, "string", "ServiceSpec.spec.clusterIP", "string", "spec.clusterIP");
  decoder.ExpectStringMap(Member(spec, "selector"), "ServiceSpec.spec.selector", "string",
                          "spec.selector");
  decoder.Expect(ports, "array", "ServiceSpec.spec.ports", "[]v1.ServicePort", "spec.ports");
  std::vector<const Value*> port_items;
  if (ports != nullptr && ports->is_sequence()) {
    for (std::size_t i = 0; i < ports->items().size(); ++i) {
      const Value& port = ports->items()[i];
      std::string path = "spec.ports[" + std::to_string(i) + "]";
      decoder.Expect(&port, "object", "ServiceSpec.spec.ports", "v1.ServicePort", path);
      if (!port.is_map()) {
        continue;
      }
      port_items.push_back(&port);
      decoder.Expect(port.Find("name"), "string", "ServicePort.spec.ports.name", "string",
                     path + ".name");
      decoder.Expect(port.Find("protocol"), "string", "ServicePort.spec.ports.protocol",
                     "v1.Protocol", path + ".protocol");
      decoder.Expect(port.Find("port"), "number", "ServicePort.spec.ports.port", "int32",
                     path + ".port");
      const Value* target = port.Find("targetPort");
      if (target != nullptr && !target->is_null() && !target->is_string() && !target->is_int()) {
        decoder.Fail("json: cannot unmarshal " + std::string(target->JsonTypeName()) +
                         " into Go value of type int32",
                     path + ".targetPort", target->position());
      }
    }
  }
  if (auto error = decoder.Take()) {
    check.decoding.push_back(std::move(*error));
    return check;
  }
  std::vector<FieldError>& errors = check.errors;
  errors = ValidateObjectMeta(object, true, NameRule::kDns1035Label);
  manifest::Position spec_at = spec != nullptr ? spec->position() : object.position();
  std::string service_type = StringOf(type);
  if (service_type.empty()) {
    service_type = "ClusterIP";  // SetDefaults_Service
  }
  bool headless = StringOf(cluster_ip) == "None";
  if (port_items.empty() && !headless && service_type != "ExternalName") {
    errors.push_back(Error(FieldError::Type::kRequired, "spec.ports", "", "",
                           ports != nullptr ? ports->position() : spec_at));
  }
  if (service_type == "ExternalName") {
    std::string name = StringOf(external_name);
    if (name.empty()) {
      errors.push_back(Error(FieldError::Type::kRequired, "spec.externalName", "", "", spec_at));
    } else if (name.size() > 253 ||
               !MatchesWhole(
                   name, R"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)")) {
      errors.push_back(Error(
          FieldError::Type::kInvalid, "spec.externalName", GoQuote(name),
          name.size() > 253
              ? "must be no more than 253 characters"
              : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                "characters, '-' or '.', and must start and end with an alphanumeric character "
                "(e.g. 'example.com', regex used for validation is "
                "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
          external_name->position()));
    }
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < port_items.size(); ++i) {
    const Value& port = *port_items[i];
    std::string path = "spec.ports[" + std::to_string(i) + "]";
    const Value* name = port.Find("name");
    std::string port_name = StringOf(name);
    if (port_items.size() > 1 && port_name.empty()) {
      errors.push_back(Error(FieldError::Type::kRequired, path + ".name", "", "", port.position()));
    } else if (!port_name.empty()) {
      for (const std::string& problem : DnsLabelProblems(port_name)) {
        errors.push_back(Error(FieldError::Type::kInvalid, path + ".name", GoQuote(port_name),
                               problem, name->position()));
      }
      if (!names.insert(port_name).second) {
        errors.push_back(Error(FieldError::Type::kDuplicate, path + ".name", GoQuote(port_name), "",
                               name->position()));
      }
    }
    const Value* number = port.Find("port");
    std::int64_t port_number = number != nullptr && number->is_int() ? number->int_value() : 0;
    if (port_number < 1 || port_number > 65535) {
      errors.push_back(Error(FieldError::Type::kInvalid, path + ".port",
                             std::to_string(port_number), kPortRangeMessage,
                             number != nullptr ? number->position() : port.position()));
    }
    const Value* protocol = port.Find("protocol");
    std::string protocol_name = StringOf(protocol);
    if (!protocol_name.empty() && protocol_name != "TCP" && protocol_name != "UDP" &&
        protocol_name != "SCTP") {
      FieldError error =
          Error(FieldError::Type::kNotSupported, path + ".protocol", GoQuote(protocol_name),
                R"(supported values: "SCTP", "TCP", "UDP")", protocol->position());
      errors.push_back(std::move(error));
    }
    const Value* target = port.Find("targetPort");
    if (target != nullptr && target->is_int() && target->int_value() != 0 &&
        (target->int_value() < 1 || target->int_value() > 65535)) {
      errors.push_back(Error(FieldError::Type::kInvalid, path + ".targetPort",
                             std::to_string(target->int_value()), kPortRangeMessage,
                             target->position()));
    } else if (target != nullptr && target->is_string() && !target->text().empty()) {
      for (const std::string& problem : PortNameProblems(target->text())) {
        errors.push_back(Error(FieldError::Type::kInvalid, path + ".targetPort",
                               GoQuote(target->text()), problem, target->position()));
      }
    }
  }
  if (service_type != "ClusterIP" && service_type != "ExternalName" &&
      service_type != "LoadBalancer" && service_type != "NodePort") {
    FieldError error =
        Error(FieldError::Type::kNotSupported, "spec.type", GoQuote(service_type),
              R"(supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort")",
              type != nullptr ? type->position() : spec_at);
    errors.push_back(std::move(error));
  }
  return check;
}

CoreKindCheck CheckNamespace(const Value& object) {
  CoreKindCheck check;
  check.errors = ValidateObjectMeta(object, false, NameRule::kLabel);
  return check;
}

}  // namespace

bool IsCheckedCoreKind(std::string_view group, std::string_view kind) {
  return group.empty() &&
         (kind == "Secret" || kind == "ConfigMap" || kind == "Service" || kind == "Namespace");
}

CoreKindCheck CheckCoreKind(std::string_view kind, const manifest::Value& object) {
  if (kind == "Secret") {
    return CheckSecret(object);
  }
  if (kind == "ConfigMap") {
    return CheckConfigMap(object);
  }
  if (kind == "Service") {
    return CheckService(object);
  }
  if (kind == "Namespace") {
    return CheckNamespace(object);
  }
  return {};
}

}  // namespace agw::validate::schema
