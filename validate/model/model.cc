#include "validate/model/model.h"

#include <algorithm>
#include <exception>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "validate/model/decode.h"

namespace agw::validate::model {
namespace internal {

void DecodeMeta(const Reader& root, ObjectBase& object) {
  Reader metadata = root.Object("metadata");
  object.metadata.labels = metadata.StringMap("labels");
  object.metadata.annotations = metadata.StringMap("annotations");
}

}  // namespace internal

namespace {

using internal::DecodeMeta;

struct KindHandler {
  std::vector<std::string> versions;
  // Decodes `root` into a new object appended to `model`; `fields` is the index the Reader
  // has been recording into, handed over to the object once decoding is done.
  std::function<void(const Reader&, FieldIndex&, const manifest::Resource&, Model&)> decode;
};

template <typename T>
void Fill(const Reader& root, const manifest::Resource& resource, T& object) {
  object.api_version = resource.api_version;
  object.id = resource.id;
  object.metadata.name = resource.id.name;
  object.metadata.namespace_ = resource.id.namespace_;
  object.position = resource.position;
  DecodeMeta(root, object);
}

// Adds a handler that decodes into the vector `member` of Model with `decode`.
template <typename T>
KindHandler Handler(std::vector<std::string> versions, std::vector<T> Model::*member,
                    void (*decode)(const Reader&, T&)) {
  return KindHandler{std::move(versions),
                     [member, decode](const Reader& root, FieldIndex& fields,
                                      const manifest::Resource& resource, Model& model) {
                       T object;
                       Fill(root, resource, object);
                       if (decode != nullptr) {
                         decode(root, object);
                       }
                       object.fields = fields;
                       (model.*member).push_back(std::move(object));
                     }};
}

const std::map<std::pair<std::string, std::string>, KindHandler>& Handlers() {
  static const auto* handlers = [] {
    using namespace internal;
    const std::string gw = kGatewayApiGroup;
    const std::string agw = kAgentgatewayGroup;
    auto* h = new std::map<std::pair<std::string, std::string>, KindHandler>;
    (*h)[{gw, "GatewayClass"}] =
        Handler({"v1", "v1beta1"}, &Model::gateway_classes, &DecodeGatewayClass);
    (*h)[{gw, "Gateway"}] = Handler({"v1", "v1beta1"}, &Model::gateways, &DecodeGateway);
    // ListenerSet is v1 from Gateway API v1.5 (the experimental XListenerSet is another group).
    (*h)[{gw, "ListenerSet"}] = Handler({"v1"}, &Model::listener_sets, &DecodeListenerSet);
    (*h)[{gw, "HTTPRoute"}] = Handler({"v1", "v1beta1"}, &Model::http_routes, &DecodeHTTPRoute);
    (*h)[{gw, "GRPCRoute"}] = Handler({"v1"}, &Model::grpc_routes, &DecodeGRPCRoute);
    // ReferenceGrant is v1beta1 in Gateway API v1.4 and also v1 from v1.5.
    (*h)[{gw, "ReferenceGrant"}] =
        Handler({"v1beta1", "v1"}, &Model::reference_grants, &DecodeReferenceGrant);
    (*h)[{"", "Secret"}] = Handler({"v1"}, &Model::secrets, &DecodeSecret);
    (*h)[{"", "Service"}] = Handler({"v1"}, &Model::services, &DecodeService);
    (*h)[{"", "Namespace"}] = Handler<Namespace>({"v1"}, &Model::namespaces, nullptr);
    (*h)[{agw, "AgentgatewayBackend"}] = Handler({"v1alpha1"}, &Model::backends, &DecodeBackend);
    (*h)[{agw, "AgentgatewayPolicy"}] = Handler({"v1alpha1"}, &Model::policies, &DecodePolicy);
    (*h)[{agw, "AgentgatewayModel"}] = Handler({"v1alpha1"}, &Model::models, &DecodeModel);
    return h;
  }();
  return *handlers;
}

}  // namespace

Model Decode(const manifest::Manifest& manifest, manifest::DiagnosticSink& sink) {
  return Decode(manifest, schema::CrdCatalog::Default(), sink);
}

namespace {

// Sizes the vectors of `model` for resources [begin, end) of `manifest`, once: growing them by
// doubling held up to twice the objects at a time.
void Reserve(const manifest::Manifest& manifest, std::size_t begin, std::size_t end, Model& model) {
  // Vectors sized once: growing them by doubling held up to twice the objects at a time.
  std::map<std::pair<std::string_view, std::string_view>, std::size_t> counts;
  for (std::size_t i = begin; i < end; ++i) {
    const manifest::Resource& resource = manifest.resources[i];
    ++counts[{resource.id.group, resource.id.kind}];
  }
  auto count = [&](std::string_view group, std::string_view kind) {
    auto found = counts.find({group, kind});
    return found == counts.end() ? 0 : found->second;
  };
  model.http_routes.reserve(count(kGatewayApiGroup, "HTTPRoute"));
  model.grpc_routes.reserve(count(kGatewayApiGroup, "GRPCRoute"));
  model.gateways.reserve(count(kGatewayApiGroup, "Gateway"));
  model.backends.reserve(count(kAgentgatewayGroup, "AgentgatewayBackend"));
  model.policies.reserve(count(kAgentgatewayGroup, "AgentgatewayPolicy"));
  model.models.reserve(count(kAgentgatewayGroup, "AgentgatewayModel"));
  model.secrets.reserve(count("", "Secret"));
  model.services.reserve(count("", "Service"));
}

// Admits and decodes resources [begin, end) of `manifest` into `model`.
void DecodeRange(const manifest::Manifest& manifest, std::size_t begin, std::size_t end,
                 const schema::CrdCatalog& catalog, manifest::DiagnosticSink& sink, Model& model,
                 std::vector<manifest::Value>* stored_objects) {
  schema::Admitter admitter(catalog, sink);
  for (std::size_t i = begin; i < end; ++i) {
    const manifest::Resource& resource = manifest.resources[i];
    // One resource at a time: the stored object is dropped once decoded.
    schema::AdmittedResource admitted = admitter.Admit(resource);
    schema::AdmissionOutcome outcome = admitted.outcome;
    // The slot is written whatever happens next; each index by one thread only.
    auto keep_stored = [&] {
      if (stored_objects != nullptr) {
        (*stored_objects)[i] = std::move(admitted.object);
      }
    };
    if (outcome == schema::AdmissionOutcome::kUnmapped) {
      keep_stored();
      continue;  // kubectl never sends it: reported by Admit
    }
    auto it = Handlers().find({resource.id.group, resource.id.kind});
    if (it == Handlers().end()) {
      model.other.push_back(&resource);
      keep_stored();
      continue;
    }
    const KindHandler& handler = it->second;
    std::string version = manifest::VersionOf(resource.api_version);
    bool checked = outcome != schema::AdmissionOutcome::kNotChecked;
    // Versions the CRD serves were mapped by Admit; without a CRD, the model's own list decides.
    if (!checked && std::find(handler.versions.begin(), handler.versions.end(), version) ==
                        handler.versions.end()) {
      const manifest::Value* api_version = resource.object.Find("apiVersion");
      manifest::Diagnostic d;
      d.code = "unknown-version";
      d.message = "no matches for kind \"" + resource.id.kind + "\" in version \"" +
                  resource.api_version + "\"";
      d.position = api_version ? api_version->position() : resource.position;
      d.field_path = "apiVersion";
      d.resource = resource.id.ToString();
      std::string served;
      for (const std::string& v : handler.versions) {
        served += (served.empty() ? "" : ", ") +
                  (resource.id.group.empty() ? v : resource.id.group + "/" + v);
      }
      d.hint = "served versions: " + served;
      sink.Add(std::move(d));
      keep_stored();
      continue;
    }
    // The object as the API server stores it (defaults applied), or as written when no schema
    // checked it.
    manifest::Value stored = std::move(admitted.object);
    FieldIndex fields(&resource.object);
    Reader::Context context{sink, fields, resource.id.ToString(), !checked};
    Reader root(&stored, "", context);
    handler.decode(root, fields, resource, model);
    // The model holds copies, never pointers into `stored`, so it can be handed over.
    if (stored_objects != nullptr) {
      (*stored_objects)[i] = std::move(stored);
    }
    if (outcome == schema::AdmissionOutcome::kRejected) {
      model.rejected.push_back(resource.id);
    }
  }
}

template <typename T>
void Append(std::vector<T>& to, std::vector<T>& from) {
  to.reserve(to.size() + from.size());
  for (T& item : from) {
    to.push_back(std::move(item));
  }
}

// Resources are admitted and decoded independently, so a large manifest set is split in two
// halves decoded on two cores and joined in order: the model and the findings are those of one
// thread, except that "not checked" notes said by both halves are said once.
constexpr std::size_t kParallelFromResources = 2000;

}  // namespace

Model Decode(const manifest::Manifest& manifest, const schema::CrdCatalog& catalog,
             manifest::DiagnosticSink& sink, std::vector<manifest::Value>* stored_objects) {
  std::size_t count = manifest.resources.size();
  if (stored_objects != nullptr) {
    stored_objects->clear();
    stored_objects->resize(count);
  }
  Model model;
  Reserve(manifest, 0, count, model);
  if (count < kParallelFromResources || std::thread::hardware_concurrency() < 2) {
    DecodeRange(manifest, 0, count, catalog, sink, model, stored_objects);
    return model;
  }
  std::size_t half = count / 2;
  Model second;
  Reserve(manifest, half, count, second);
  manifest::DiagnosticSink second_sink;
  std::exception_ptr second_failure;
  std::thread worker([&] {
    try {
      DecodeRange(manifest, half, count, catalog, second_sink, second, stored_objects);
    } catch (...) {
      second_failure = std::current_exception();  // rethrown on the caller's thread
    }
  });
  try {
    DecodeRange(manifest, 0, half, catalog, sink, model, stored_objects);
  } catch (...) {
    worker.join();
    throw;
  }
  worker.join();
  if (second_failure) {
    std::rethrow_exception(second_failure);
  }
  std::set<std::string> said;
  for (const manifest::Diagnostic& d : sink.diagnostics()) {
    if (d.code == "not-checked" || d.code == "unknown-group") {
      said.insert(d.message);
    }
  }
  for (manifest::Diagnostic& d : second_sink.mutable_diagnostics()) {
    if ((d.code == "not-checked" || d.code == "unknown-group") && said.count(d.message) > 0) {
      continue;
    }
    sink.Add(std::move(d));
  }
  Append(model.gateway_classes, second.gateway_classes);
  Append(model.gateways, second.gateways);
  Append(model.listener_sets, second.listener_sets);
  Append(model.http_routes, second.http_routes);
  Append(model.grpc_routes, second.grpc_routes);
  Append(model.reference_grants, second.reference_grants);
  Append(model.secrets, second.secrets);
  Append(model.services, second.services);
  Append(model.namespaces, second.namespaces);
  Append(model.backends, second.backends);
  Append(model.policies, second.policies);
  Append(model.models, second.models);
  Append(model.other, second.other);
  Append(model.rejected, second.rejected);
  return model;
}

}  // namespace agw::validate::model
