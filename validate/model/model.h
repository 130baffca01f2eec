#pragma once

#include <vector>

#include "validate/manifest/diagnostic.h"
#include "validate/manifest/loader.h"
#include "validate/model/agentgateway.h"
#include "validate/model/core.h"
#include "validate/model/gateway_api.h"
#include "validate/schema/admission.h"

namespace agw::validate::model {

// The typed objects of a manifest set, in load order. Everything downstream (resolve, the
// emulator) reads these, never raw YAML. Positions borrow from the Manifest it came from.
struct Model {
  std::vector<GatewayClass> gateway_classes;
  std::vector<Gateway> gateways;
  std::vector<ListenerSet> listener_sets;
  std::vector<HTTPRoute> http_routes;
  std::vector<GRPCRoute> grpc_routes;
  std::vector<ReferenceGrant> reference_grants;
  std::vector<Secret> secrets;
  std::vector<Service> services;
  std::vector<Namespace> namespaces;
  std::vector<AgentgatewayBackend> backends;
  std::vector<AgentgatewayPolicy> policies;
  std::vector<AgentgatewayModel> models;
  // Resources of kinds the model does not know (Deployments, ConfigMaps, ...): carried along
  // untouched so later stages can say what was ignored.
  std::vector<const manifest::Resource*> other;
  // Objects the API server would refuse (schema errors), decoded as far as they go so that
  // references to them still resolve; the controller never sees them.
  std::vector<manifest::ResourceId> rejected;
};

// Admits each resource of `manifest` against `catalog` (schema::Admitter, which reports what the
// API server would say to `sink`) and decodes the object as the server stores it, defaults
// applied. Kinds kubectl cannot map are left out. For objects no schema checked, wrong JSON
// types, missing required fields and unknown API versions of known kinds are reported here; the
// object is still decoded as far as it can be. When `stored_objects` is not null it receives
// every resource's object as the server stores it (as written where no schema applies), index
// for index with `manifest.resources`: what `diff` compares, without admitting twice.
Model Decode(const manifest::Manifest& manifest, const schema::CrdCatalog& catalog,
             manifest::DiagnosticSink& sink,
             std::vector<manifest::Value>* stored_objects = nullptr);
// The same with the default catalog (schema::CrdCatalog::Default()).
Model Decode(const manifest::Manifest& manifest, manifest::DiagnosticSink& sink);

}  // namespace agw::validate::model
