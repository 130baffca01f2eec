#pragma once

// "Did you mean" for references that resolve to nothing: the name in the inputs the user most
// likely meant. Pure: names in, advice out.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agw::validate::resolve {

// An object a reference could have meant; namespace_ is empty for cluster-scoped kinds and for
// names that are not objects (listener names).
struct NamedObject {
  std::string namespace_;
  std::string name;
};

// Names longer than this are never compared (Kubernetes names are at most 253 characters).
inline constexpr std::size_t kMaxSuggestedNameLength = 253;

// The optimal-string-alignment distance between `a` and `b` (insertions, deletions,
// substitutions, and transpositions of two adjacent characters), ASCII case ignored.
std::size_t NameDistance(std::string_view a, std::string_view b);

// Whether `candidate` is close enough to `name` to be offered for it: at most max(1, |name| / 3)
// edits and fewer edits than either name has characters; or, with `segments`, one name is the
// other with a segment added at either end after '-', '.' or '_' ("xai-secret" for
// "xai-secret-old"), the shorter having at least 3 characters. Returns the rank (lower is
// closer), nullopt when not close: the edit distance, or the edit threshold + 1 for a segment
// match.
std::optional<std::size_t> Closeness(std::string_view name, std::string_view candidate,
                                     bool segments = true);

// The object a reference to `ns`/`name` most likely meant, as one clause of a hint:
//   did you mean "openai"?                          a close name in `ns`
//   did you mean namespace team-a (openai exists there)?   the same name in another namespace
//   did you mean "openai" in namespace team-a?      a close name in another namespace
// Closer names win; at equal distance `ns` wins, then the smaller namespace and name. Empty when
// nothing is close, or when `ns`/`name` itself is among the candidates. `segments` as for
// Closeness: off where names that wrap one another are distinct on purpose (GatewayClasses:
// "enterprise-agentgateway" is no typo of "agentgateway").
std::string DidYouMean(std::string_view ns, std::string_view name,
                       const std::vector<NamedObject>& candidates, bool segments = true);

// `names` joined with ", " after `label` ("listeners of Gateway ns/gw: http, https"), each once,
// in the order given; at most `limit` of them, then ", and N more".
std::string ListNames(std::string_view label, const std::vector<std::string>& names,
                      std::size_t limit = 10);

// Two hint clauses as one hint ("did you mean "x"? requests that pick this backend get ..."),
// either may be empty.
std::string JoinHints(std::string first, const std::string& second);

}  // namespace agw::validate::resolve
