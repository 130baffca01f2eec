#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "validate/manifest/diagnostic.h"
#include "validate/manifest/value.h"
#include "validate/model/object.h"

namespace agw::validate::model {

using manifest::Value;

// Reads typed fields from a Value, reporting wrong JSON types the way the API server words
// them (unless the schema checks already did). A null field is treated as absent (the API
// server prunes nulls before defaulting).
class Reader {
 public:
  struct Context {
    manifest::DiagnosticSink& sink;
    const FieldIndex& fields;
    std::string resource;  // "Kind namespace/name", attached to findings
    // Whether wrong types and missing required fields are reported here: only for objects the
    // API server's checks (validate/schema) did not see, so that no error is reported twice.
    bool report_schema_errors = true;
  };

  Reader(const Value* value, std::string path, Context& context);

  bool present() const { return value_ != nullptr; }
  const std::string& path() const { return path_; }
  Position position() const;
  const Value* value() const { return value_; }

  // An object field; absent (present() == false) when missing, null or of the wrong type.
  Reader Object(std::string_view key) const;
  // Items of an array field, each checked to be an object.
  std::vector<Reader> Objects(std::string_view key) const;

  std::optional<std::string> String(std::string_view key) const;
  std::string StringOr(std::string_view key, std::string fallback) const;
  // Reports "<path>: Required value" when missing.
  std::string RequiredString(std::string_view key) const;
  std::optional<std::int64_t> Int(std::string_view key) const;
  std::optional<std::int32_t> Int32(std::string_view key) const;
  std::optional<bool> Bool(std::string_view key) const;
  std::vector<std::string> Strings(std::string_view key) const;
  std::map<std::string, std::string> StringMap(std::string_view key) const;
  // The field as written (any type), for parts of the API kept untyped.
  std::optional<Value> Raw(std::string_view key) const;
  bool Has(std::string_view key) const;

  void RequiredError(std::string_view key) const;
  void Error(std::string_view code, std::string_view field_path, Position position,
             std::string message) const;

 private:
  // The child value at `key`, null treated as absent; records its position.
  const Value* Field(std::string_view key) const;
  // Checks a child's JSON type; reports and returns false on mismatch.
  bool Expect(const Value& child, std::string_view child_path, Value::Type type,
              std::string_view type_name) const;
  std::string ChildPath(std::string_view key) const;

  const Value* value_;
  std::string path_;
  Context* context_;
};

}  // namespace agw::validate::model
