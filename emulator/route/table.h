#pragma once

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "emulator/route/request.h"
#include "validate/resolve/resolve.h"

namespace re2 {
class RE2;
}

namespace agw::emulator::route {

// How one HTTPRoute match is compiled for the data plane.
struct CompiledMatch {
  enum class PathKind { kExact = 0, kPrefix = 1, kRegex = 2 };  // precedence order
  PathKind path_kind = PathKind::kPrefix;
  std::string path;  // PathPrefix without its trailing '/'
  std::shared_ptr<const re2::RE2> path_regex;
  std::optional<std::string> method;
  struct ValueMatch {
    std::string name;
    std::string value;
    std::shared_ptr<const re2::RE2> regex;  // set for RegularExpression
  };
  std::vector<ValueMatch> headers;
  std::vector<ValueMatch> query;

  bool Matches(const Request& request) const;
  // The path part of Matches.
  bool PathMatches(const Request& request) const;
  // The first condition besides the path that `request` does not meet ("method POST",
  // "header x-env: prod", "query parameter debug=1"); empty when it meets them all.
  std::string Unmet(const Request& request) const;
};

// One (route, rule, match) entry of a listener, in the order the data plane tries them.
struct RouteEntry {
  const validate::resolve::ResolvedRoute* route = nullptr;
  const validate::resolve::ResolvedRule* rule = nullptr;
  const validate::model::HTTPRouteMatch* match = nullptr;  // the match as written
  std::size_t match_index = 0;
  std::string hostname;  // the route hostname it is indexed under ("" for none)
  CompiledMatch compiled;
};

struct ListenerRoutes {
  const validate::resolve::ResolvedListener* listener = nullptr;
  std::string hostname;  // "" for a listener without one
  // Entries per hostname bucket, each sorted by precedence: "exact host", "*.suffix" for
  // wildcards (stored as the suffix after "*."), and "" for routes without hostnames.
  std::map<std::string, std::vector<RouteEntry>> exact;
  std::map<std::string, std::vector<RouteEntry>> wildcard;
  std::vector<RouteEntry> any_host;
};

struct Decision {
  enum class Outcome { kRoute, kNoListener, kNoRoute };
  Outcome outcome = Outcome::kNoListener;
  const ListenerRoutes* listener = nullptr;
  const RouteEntry* entry = nullptr;
};

// A port of one Gateway: on a cluster every Gateway has its own address, so two Gateways that
// both listen on port 80 are two different binds.
struct Bind {
  const validate::model::Gateway* gateway = nullptr;
  int port = 0;

  bool operator<(const Bind& other) const {
    return std::tie(gateway, port) < std::tie(other.gateway, other.port);
  }
  // "namespace/name:port"
  std::string ToString() const;
};

// The routing table of every programmed listener, built once per configuration and then only
// read (it is shared by all connections and swapped whole on reload). Borrows the
// ResolvedConfig, which must outlive it.
class RouteTable {
 public:
  // Builds the table. A match whose regular expression RE2 cannot compile is left out and
  // described in `problems` (the data plane rejects such a route).
  static std::unique_ptr<RouteTable> Compile(const validate::resolve::ResolvedConfig& config,
                                             std::vector<std::string>* problems = nullptr);

  // The binds of the configuration, ordered by Gateway (namespace/name), then port.
  std::vector<Bind> Binds() const;

  // Listener selection by hostname (exact, then the longest wildcard, then a listener without
  // hostname), then route selection: exact-host routes, then wildcard-host routes from the
  // longest suffix, then hostname-less routes; the first bucket with a matching entry wins,
  // and inside a bucket the precedence order of controller.md 9.2 decides.
  Decision Match(const Bind& bind, const Request& request) const;

  // Every listener of `bind` with its entries in match order (for `routes` and /routes).
  const std::vector<ListenerRoutes>& Listeners(const Bind& bind) const;

 private:
  std::map<Bind, std::vector<ListenerRoutes>> listeners_;
};

}  // namespace agw::emulator::route
