#pragma once

// Decoders shared by the model's translation units. Internal to validate/model.

#include "validate/model/agentgateway.h"
#include "validate/model/core.h"
#include "validate/model/gateway_api.h"
#include "validate/model/reader.h"

namespace agw::validate::model::internal {

void DecodeMeta(const Reader& root, ObjectBase& object);

std::vector<ParentReference> DecodeParentRefs(const Reader& spec);

BackendObjectReference DecodeBackendObjectReference(const Reader& reader);
HTTPHeaderFilter DecodeHeaderFilter(const Reader& reader);
HTTPCORSFilter DecodeCors(const Reader& reader);
LabelSelector DecodeLabelSelector(const Reader& reader);

void DecodeGatewayClass(const Reader& root, GatewayClass& out);
void DecodeGateway(const Reader& root, Gateway& out);
void DecodeListenerSet(const Reader& root, ListenerSet& out);
void DecodeHTTPRoute(const Reader& root, HTTPRoute& out);
void DecodeGRPCRoute(const Reader& root, GRPCRoute& out);
void DecodeReferenceGrant(const Reader& root, ReferenceGrant& out);
void DecodeSecret(const Reader& root, Secret& out);
void DecodeService(const Reader& root, Service& out);
void DecodeBackend(const Reader& root, AgentgatewayBackend& out);
void DecodePolicy(const Reader& root, AgentgatewayPolicy& out);
void DecodeModel(const Reader& root, AgentgatewayModel& out);

}  // namespace agw::validate::model::internal
