// Times the x-kubernetes-validations rules of one CRD against documents, after compilation:
// the figure issue 13 sets a target for (all AgentgatewayBackend rules against every document
// of agentgateway_backend_valid.yaml under 5 ms). Run by bench/cel_bench.sh.
//
//   agw_cel_rules_bench [--runs N] [--agentgateway-version V] [--gateway-api-version V] FILE...
//
// Loads FILE... as `validate -f` does, takes each resource whose CRD has rules, applies its
// defaults (the server's order), then evaluates every rule of every document N times and prints
// the compile time, the counts and min / median / max of the runs in milliseconds.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "validate/manifest/file_system.h"
#include "validate/manifest/loader.h"
#include "validate/schema/catalog.h"
#include "validate/schema/validator.h"

namespace {

using Clock = std::chrono::steady_clock;

double Milliseconds(Clock::duration elapsed) {
  return std::chrono::duration<double, std::milli>(elapsed).count();
}

struct Document {
  const agw::validate::schema::Schema* schema = nullptr;
  agw::validate::manifest::Value object;
};

}  // namespace

int main(int argc, char** argv) {
  int runs = 20;
  std::string gateway_api_version;
  std::string agentgateway_version = "main";
  agw::validate::manifest::LoadOptions load;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--agentgateway-version" && i + 1 < argc) {
      agentgateway_version = argv[++i];
    } else if (arg == "--gateway-api-version" && i + 1 < argc) {
      gateway_api_version = argv[++i];
    } else {
      load.paths.emplace_back(arg);
    }
  }
  if (load.paths.empty()) {
    std::fprintf(stderr,
                 "usage: agw_cel_rules_bench [--runs N] [--agentgateway-version V] "
                 "[--gateway-api-version V] FILE...\n");
    return 2;
  }
  auto catalog =
      agw::validate::schema::CrdCatalog::WithBuiltinSets(gateway_api_version, agentgateway_version);
  if (!catalog) {
    std::fprintf(stderr, "%s\n", catalog.error().c_str());
    return 2;
  }
  agw::validate::manifest::DiskFileSystem files;
  agw::validate::manifest::DiagnosticSink sink;
  agw::validate::manifest::Manifest manifest = agw::validate::manifest::Load(load, files, sink);

  // Compiling a CRD happens on its first Find: time it apart from the evaluation.
  std::vector<Document> documents;
  double compile_ms = 0;
  for (const agw::validate::manifest::Resource& resource : manifest.resources) {
    Clock::time_point start = Clock::now();
    std::shared_ptr<const agw::validate::schema::Crd> crd =
        catalog->Find(resource.id.group, resource.id.kind);
    compile_ms += Milliseconds(Clock::now() - start);
    if (!crd) {
      continue;
    }
    const agw::validate::schema::CrdVersion* version =
        crd->Version(agw::validate::manifest::VersionOf(resource.api_version));
    if (version == nullptr || !version->schema || !version->has_rules) {
      continue;
    }
    Document document{version->schema.get(), resource.object};
    agw::validate::schema::ApplyDefaults(*document.schema, document.object);
    documents.push_back(std::move(document));
  }
  if (documents.empty()) {
    std::fprintf(stderr, "no document of a CRD with rules in the inputs\n");
    return 1;
  }

  std::size_t evaluations = 0, failures = 0;
  agw::validate::schema::RuleObserver count =
      [&](const agw::validate::schema::ValidationRule&, const agw::validate::cel::Value&,
          const agw::validate::cel::Value&) { ++evaluations; };
  for (const Document& document : documents) {
    failures +=
        agw::validate::schema::ValidateRules(*document.schema, document.object, count).size();
  }

  std::vector<double> times;
  for (int run = 0; run < runs; ++run) {
    Clock::time_point start = Clock::now();
    std::size_t errors = 0;
    for (const Document& document : documents) {
      errors += agw::validate::schema::ValidateRules(*document.schema, document.object).size();
    }
    times.push_back(Milliseconds(Clock::now() - start));
    if (errors != failures) {
      return 3;  // evaluation must not depend on the run
    }
  }
  std::sort(times.begin(), times.end());
  std::printf(
      "documents %zu, rule evaluations %zu, rule failures %zu, first-use compile %.2f ms\n"
      "evaluation ms over %d runs: min %.3f / median %.3f / max %.3f\n",
      documents.size(), evaluations, failures, compile_ms, runs, times.front(),
      times[times.size() / 2], times.back());
  return 0;
}
