#pragma once

// What agentgateway gives a runtime CEL expression, as environments for the type checker
// (checker.h): its variables (request, response, llm, jwt, source, ...) with their fields, which
// of them exist in the phase where an expression runs, and its functions beyond standard CEL
// (json, default, coalesce, base64.encode, the header-view and query methods, ip/cidr, ...).
// The facts are agentgateway's runtime CEL context (crates/agentgateway/src/cel/types.rs
// `Executor::new_*`, schema/cel.md, crates/celx): see notes spec 2.2 to 2.4.
//
// Numbers keep agentgateway's runtime types: a field Rust holds unsigned (response.code,
// source.port, the llm token counts) is a CEL uint, so `response.code >= 500` checks while
// `response.code / 100` does not (the runtime has no uint/int arithmetic).
//
// Thread-safe: the environments are built once, on first use, and never change.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "validate/cel/checker.h"

namespace agw::validate::cel {

// The contexts agentgateway evaluates expressions in (spec 2.3).
enum class AttributePhase : std::uint8_t {
  kFrontend,    // before routing: tracing sampling
  kRequest,     // request policies: authorization, rate limits, request transformations, ...
  kResponse,    // response policies: response transformations, retry condition, token costs
  kLlmRequest,  // LLM policies: AI transformations, prompt guard webhook headers
  kMcp,         // MCP authorization
  kNetwork,     // connection-level: frontend network authorization
  kLogging,     // after the response: access logs, tracing attributes, metrics, health
  kResources,   // tracing resource attributes (process environment only)
};

inline constexpr AttributePhase kAttributePhases[] = {
    AttributePhase::kFrontend,   AttributePhase::kRequest,   AttributePhase::kResponse,
    AttributePhase::kLlmRequest, AttributePhase::kMcp,       AttributePhase::kNetwork,
    AttributePhase::kLogging,    AttributePhase::kResources,
};

// The phase's name in messages: "frontend", "request", "response", "LLM request",
// "MCP authorization", "network", "logging", "tracing resources".
std::string_view PhaseName(AttributePhase phase);

// The environment of `phase`: the standard environment, agentgateway's functions, the
// variables of the phase, and the variables of other phases declared absent. The reference
// stays valid for the life of the program.
const Env& AgentgatewayEnv(AttributePhase phase);

// Whether `name` is one of agentgateway's top-level variables.
bool IsAgentgatewayVariable(std::string_view name);
// agentgateway's top-level variables, in the order of its schema (request, response, ...).
std::vector<std::string> AgentgatewayVariables();

// The phases that provide variable `name`, in the order of AttributePhase.
std::vector<AttributePhase> PhasesProviding(std::string_view name);

// Mistakes in the declaration tables (a signature or field type that does not parse, a field
// naming an undeclared object type); empty for sound tables. For tests.
std::vector<std::string> AgentgatewayDeclarationErrors();

}  // namespace agw::validate::cel
