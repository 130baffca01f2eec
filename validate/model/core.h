#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "validate/model/object.h"

// Core Kubernetes objects the controller reads (v1 Secret, Service, Namespace).
namespace agw::validate::model {

struct Secret : ObjectBase {
  std::string type = "Opaque";
  // `data` base64-decoded, then `stringData` written over it, as the API server merges them.
  // Values are credentials: never log or print them.
  std::map<std::string, std::string> data;
};

struct ServicePort {
  std::optional<std::string> name;
  std::int32_t port = 0;
  std::string protocol = "TCP";
  std::optional<std::string> app_protocol;
  std::string target_port;  // number or port name; defaults to `port`
};

struct Service : ObjectBase {
  std::string type = "ClusterIP";  // ClusterIP | NodePort | LoadBalancer | ExternalName
  std::vector<ServicePort> ports;
  std::optional<std::string> external_name;
  std::map<std::string, std::string> selector;
};

struct Namespace : ObjectBase {};

}  // namespace agw::validate::model
