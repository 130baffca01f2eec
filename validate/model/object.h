#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "validate/manifest/loader.h"
#include "validate/manifest/source.h"

namespace agw::validate::model {

using manifest::Position;

// Where each field of a decoded object was written, by API field path
// ("spec.rules[0].backendRefs[1].name", "data[tls.crt]"). Later stages use it to point findings
// at the field. It reads the object as written (borrowed from the Manifest, which outlives the
// model) rather than keeping a table: a table of every field of 10,000 routes took 25 MB.
class FieldIndex {
 public:
  FieldIndex() = default;
  explicit FieldIndex(const manifest::Value* object) : object_(object) {}

  // The position of `path`, or of its nearest ancestor that was written (a field the API
  // server defaulted has no text of its own); the object's position when none was.
  Position Find(std::string_view path) const;
  // Whether `path` itself was written (not just an ancestor).
  bool Contains(std::string_view path) const;

 private:
  // The deepest node on `path` that was written; `complete` says whether it is the whole path.
  const manifest::Value* Walk(std::string_view path, bool& complete) const;

  const manifest::Value* object_ = nullptr;
};

struct ObjectMeta {
  std::string name;
  std::string namespace_;  // after -n and the "default" namespace were applied
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

// What every decoded object carries: its identity, metadata and field positions.
struct ObjectBase {
  std::string api_version;
  manifest::ResourceId id;
  ObjectMeta metadata;
  Position position;  // metadata.name
  FieldIndex fields;

  Position PositionOf(std::string_view path) const { return fields.Find(path); }
};

}  // namespace agw::validate::model
