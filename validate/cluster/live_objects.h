#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "validate/cluster/api_client.h"
#include "validate/manifest/error.h"
#include "validate/manifest/loader.h"

namespace agw::validate::cluster {

// One object as the cluster holds it.
struct LiveObject {
  // "live:<Kind>/<namespace>/<name>" ("live:<Kind>/<name>" when cluster-scoped): the file name
  // findings about it carry.
  std::string label;
  std::string json;  // as the server sent it, apiVersion and kind first
};

struct LiveObjects {
  std::vector<LiveObject> objects;
  // What the cluster could not be asked about: "the server does not serve HTTPRoute in
  // gateway.networking.k8s.io/v1 (is the CRD installed?)", once per kind.
  std::vector<std::string> notes;
};

// Reads from the cluster what `kubectl diff -f` compares with: each object of `resources` that
// exists (a missing one is simply absent: applying creates it), and, when `prune_selector` is
// not empty, every live object of the same kinds and namespaces that matches the label
// selector (what `kubectl apply --prune -l SELECTOR` would delete when the manifests no longer
// hold it; only the kinds the manifests use are listed). Objects are in request order, each
// once. A kind the server does not serve is a note, not an error. Errors: connection,
// credentials, permissions (the ApiClient's messages).
Expected<LiveObjects> FetchLiveObjects(ApiClient& api,
                                       const std::vector<manifest::Resource>& resources,
                                       std::string_view prune_selector = {});

// The CustomResourceDefinitions the cluster has for `groups` (spec.group), as JSON texts.
Expected<std::vector<std::string>> FetchCrds(ApiClient& api,
                                             const std::vector<std::string>& groups);

}  // namespace agw::validate::cluster
