#include <optional>

#include "validate/manifest/base64.h"
#include "validate/model/decode.h"

namespace agw::validate::model::internal {

void DecodeSecret(const Reader& root, Secret& out) {
  // Kubernetes defaults empty values as well as absent ones (SetDefaults_Secret/_Service).
  out.type = root.StringOr("type", "");
  if (out.type.empty()) {
    out.type = "Opaque";
  }
  std::map<std::string, std::string> encoded = root.StringMap("data");
  for (const auto& [key, text] : encoded) {
    manifest::Base64Result decoded = manifest::DecodeBase64(text);
    if (decoded.error_offset) {
      continue;  // the API server refuses the Secret (schema::CheckCoreKind says so)
    }
    out.data[key] = std::move(decoded.bytes);
  }
  for (auto& [key, value] : root.StringMap("stringData")) {
    out.data[key] = std::move(value);
  }
}

void DecodeService(const Reader& root, Service& out) {
  Reader spec = root.Object("spec");
  out.type = spec.StringOr("type", "");
  if (out.type.empty()) {
    out.type = "ClusterIP";
  }
  out.external_name = spec.String("externalName");
  out.selector = spec.StringMap("selector");
  for (const Reader& item : spec.Objects("ports")) {
    ServicePort port;
    port.name = item.String("name");
    if (!item.Has("port")) {
      item.RequiredError("port");
    }
    port.port = item.Int32("port").value_or(0);
    port.protocol = item.StringOr("protocol", "");
    if (port.protocol.empty()) {
      port.protocol = "TCP";
    }
    port.app_protocol = item.String("appProtocol");
    // targetPort is an int-or-string; unset means the same number as `port`.
    const Value* target = item.value()->Find("targetPort");
    bool unset = target == nullptr || target->is_null() ||
                 (target->is_int() && target->int_value() == 0) ||
                 (target->is_string() && target->text().empty());
    if (unset) {
      port.target_port = std::to_string(port.port);
    } else if (target->is_int() || target->is_string()) {
      port.target_port = target->is_int() ? std::to_string(target->int_value()) : target->text();
    }  // any other type: the API server refuses the Service (schema::CheckCoreKind)
    out.ports.push_back(std::move(port));
  }
}

}  // namespace agw::validate::model::internal
