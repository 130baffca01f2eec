// Issue 17: frontend policies. Which Gateway policy a request gets, how a request is sampled
// and its traceparent rewritten, the spans of a finished request, and the access-log filter.

#include "emulator/gateway/frontend.h"

#include <catch2/catch.hpp>
#include <random>

#include "emulator/gateway/cel_attributes.h"
#include "emulator/gateway/snapshot.h"
#include "validate/manifest/file_system.h"
#include "validate/resolve/pipeline.h"

namespace agw::emulator::gateway {
namespace {

constexpr char kManifests[] = R"yaml(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: agentgateway
  listeners:
  - {name: http, protocol: HTTP, port: 80}
  - {name: admin, protocol: HTTP, port: 81}
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayPolicy
metadata: {name: gateway-wide, namespace: default}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
  frontend:
    tracing:
      url: http://127.0.0.1:4318
      protocol: HTTP
      randomSampling: "request.headers['x-trace'] == 'yes'"
      attributes:
        add: [{name: tier, expression: "request.headers['x-tier']"}]
      resources: [{name: service.name, expression: "'checkout'"}]
    accessLog:
      filter: "response.code >= 500"
      attributes:
        add: [{name: who, expression: "source.address"}]
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayPolicy
metadata: {name: admin-only, namespace: default}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw, sectionName: admin}]
  frontend:
    accessLog:
      filter: "true"
)yaml";

std::shared_ptr<const Snapshot> Load() {
  validate::manifest::InMemoryFileSystem files;
  files.AddFile("m.yaml", kManifests);
  validate::manifest::LoadOptions load;
  load.paths = {"m.yaml"};
  return MakeSnapshot(
      validate::resolve::RunPipeline(load, files, validate::resolve::ResolveOptions{}));
}

policy::AttributeContext ContextOf(const route::Request& request) {
  ConnectionFacts connection;
  connection.gateway = "default/gw";
  connection.source_address = "10.1.2.3";
  connection.source_port = 5555;
  return RequestAttributes(request, connection, nullptr, std::chrono::system_clock::now());
}

TEST_CASE("a listener's own frontend policy wins over the Gateway's field by field") {
  auto snapshot = Load();
  FrontendPolicies http = snapshot->frontend.For("default/gw", {"http"});
  REQUIRE(http.tracing != nullptr);
  REQUIRE(http.access_log != nullptr);
  CHECK(http.access_log->filter->text() == "response.code >= 500");
  FrontendPolicies admin = snapshot->frontend.For("default/gw", {"admin"});
  CHECK(admin.tracing == http.tracing);
  REQUIRE(admin.access_log != nullptr);
  CHECK(admin.access_log->filter->text() == "true");
  CHECK(snapshot->frontend.For("default/other", {"http"}).tracing == nullptr);
}

TEST_CASE("randomSampling decides and a sampled request carries the new traceparent") {
  auto snapshot = Load();
  auto tracing = snapshot->frontend.For("default/gw", {"http"}).tracing;
  std::mt19937_64 random(7);
  route::Request quiet;
  RequestTrace untraced = StartTrace(tracing, quiet.headers, ContextOf(quiet), random,
                                     std::chrono::system_clock::now());
  CHECK_FALSE(untraced.decision.sampled);
  CHECK(quiet.headers.empty());

  route::Request traced;
  traced.headers = {{"x-trace", "yes"}, {"x-tier", "gold"}};
  RequestTrace trace = StartTrace(tracing, traced.headers, ContextOf(traced), random,
                                  std::chrono::system_clock::now());
  REQUIRE(trace.decision.exported());
  REQUIRE(trace.upstream_span);
  // The upstream call continues the CLIENT span, in the same trace.
  CHECK(http::GetHeader(traced.headers, "traceparent") ==
        policy::FormatTraceParent(*trace.upstream_span));
  CHECK(trace.upstream_span->trace_id == trace.decision.span.trace_id);

  AccessRecord record;
  record.method = "GET";
  record.target = "/a?b=1";
  record.status = 200;
  record.upstream_status = 200;
  FinishedRequest finished;
  finished.record = &record;
  finished.host = "example.com";
  finished.source = "10.1.2.3:5555";
  finished.path_match = policy::PathMatchFacts{policy::PathMatchFacts::Kind::kPrefix, "/a"};
  finished.end = std::chrono::system_clock::now();
  policy::AttributeContext context = ContextOf(traced);
  AddLoggingAttributes(context, record, finished.end);
  std::vector<policy::otlp::Span> spans = FinishTrace(trace, finished, context);
  REQUIRE(spans.size() == 2);
  CHECK(spans[0].name == "GET /a/*");
  CHECK(spans[0].kind == policy::otlp::SpanKind::kServer);
  CHECK(spans[1].kind == policy::otlp::SpanKind::kClient);
  CHECK(spans[1].parent_span_id == spans[0].span_id);
  auto tier = std::find_if(spans[0].attributes.begin(), spans[0].attributes.end(),
                           [](const auto& kv) { return kv.key == "tier"; });
  REQUIRE(tier != spans[0].attributes.end());
  CHECK(std::get<std::string>(tier->value) == "gold");
  auto name = std::find_if(tracing->resource.begin(), tracing->resource.end(),
                           [](const auto& kv) { return kv.key == "service.name"; });
  REQUIRE(name != tracing->resource.end());
  CHECK(std::get<std::string>(name->value) == "checkout");
}

TEST_CASE("the access-log filter drops lines and attributes.add adds fields") {
  auto snapshot = Load();
  auto access_log = snapshot->frontend.For("default/gw", {"http"}).access_log;
  route::Request request;
  AccessRecord record;
  record.status = 200;
  policy::AttributeContext ok = ContextOf(request);
  AddLoggingAttributes(ok, record, std::chrono::system_clock::now());
  CHECK_FALSE(AccessLogFields(*access_log, ok).has_value());
  record.status = 503;
  policy::AttributeContext failed = ContextOf(request);
  AddLoggingAttributes(failed, record, std::chrono::system_clock::now());
  auto fields = AccessLogFields(*access_log, failed);
  REQUIRE(fields.has_value());
  REQUIRE(fields->size() == 1);
  CHECK(fields->at(0).first == "who");
  CHECK(fields->at(0).second == "10.1.2.3");
}

}  // namespace
}  // namespace agw::emulator::gateway
