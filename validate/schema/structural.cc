// ValidateStructure: kube-openapi's SchemaValidator as the API server runs it on a custom
// resource (k8s.io/kube-openapi pkg/validation/validate; the conversion to field errors in
// apiextensions-apiserver pkg/apiserver/validation/validation.go).

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "validate/schema/format.h"
#include "validate/schema/suggest.h"
#include "validate/schema/validator.h"

namespace agw::validate::schema {
namespace {

using manifest::Value;

// Errors and kube-openapi's match count, which decides which failing anyOf/oneOf branch's
// errors are shown: the branch that matched the most (the first on a tie).
struct Result {
  std::vector<FieldError> errors;
  int match_count = 0;

  void Merge(Result other) {
    for (FieldError& error : other.errors) {
      errors.push_back(std::move(error));
    }
    match_count += other.match_count;
  }
  bool valid() const { return errors.empty(); }
};

FieldError MakeError(FieldError::Type type, const std::string& path, std::string value,
                     std::string detail, const Value& at) {
  FieldError error;
  error.type = type;
  error.path = path;
  error.value = std::move(value);
  error.detail = std::move(detail);
  error.position = at.position();
  return error;
}

std::string ChildName(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// Unicode code points, as Go's utf8.RuneCountInString counts the length of a string.
std::int64_t CodePoints(std::string_view text) {
  std::int64_t count = 0;
  for (unsigned char byte : text) {
    if ((byte & 0xC0) != 0x80) {
      ++count;
    }
  }
  return count;
}

// 2^53 - 1: the largest integer a float64 holds exactly, swag's limit for "a JSON integer".
constexpr double kMaxJsonInteger = 9007199254740991.0;

bool IsJsonInteger(double value) {
  return std::abs(value) <= kMaxJsonInteger && std::trunc(value) == value;
}

// Whether `data` equals the enum value `expected`, converted to the data's type as kube-openapi
// converts it (a number enum matches a number of either kind).
bool EnumMatches(const Json& expected, const Value& data) {
  switch (data.type()) {
    case Value::Type::kNull:
      return expected.is_null();
    case Value::Type::kBool:
      return expected.is_boolean() && expected.get<bool>() == data.bool_value();
    case Value::Type::kInt:
      if (expected.is_number_integer()) {
        return expected.get<std::int64_t>() == data.int_value();
      }
      return expected.is_number_float() &&
             static_cast<std::int64_t>(expected.get<double>()) == data.int_value();
    case Value::Type::kFloat:
      return expected.is_number() && expected.get<double>() == data.float_value();
    case Value::Type::kString:
      return expected.is_string() && expected.get_ref<const std::string&>() == data.text();
    case Value::Type::kSequence:
    case Value::Type::kMap:
      return Value::FromJson(expected, {}).ToJson() == data.ToJson();
  }
  return false;
}

// An enum value in `supported values: ...`: strings Go-quoted, anything else JSON-encoded, then
// quoted.
std::string SupportedValue(const Json& value) {
  return GoQuote(value.is_string() ? value.get<std::string>() : value.dump());
}

class StructuralValidator {
 public:
  Result Validate(const Schema& schema, const Value& data, const std::string& path) {
    Result result;
    if (data.is_null()) {
      // On null only the type and enum checks run, and only the type check counts.
      if (HasTypeCheck(schema)) {
        result = CheckType(schema, data, path);
      }
      result.Merge(CheckEnum(schema, data, path));
      return result;
    }
    auto run = [&](Result step) {
      result.match_count += 1;
      result.Merge(std::move(step));
    };
    if (HasTypeCheck(schema)) {
      run(CheckType(schema, data, path));
    }
    run(CheckComposition(schema, data, path));
    if (data.is_string()) {
      run(CheckString(schema, data, path));
      if (!CheckedFormat(schema).empty()) {
        run(CheckFormat(schema, data, path));
      }
    }
    if (data.is_number()) {
      run(CheckNumber(schema, data, path));
    }
    if (data.is_sequence()) {
      run(CheckArray(schema, data, path));
    }
    run(CheckEnum(schema, data, path));
    if (data.is_map()) {
      run(CheckObject(schema, data, path));
    }
    result.match_count += 1;
    return result;
  }

 private:
  static std::string CheckedFormat(const Schema& schema) {
    return IsCheckedFormat(schema.format) ? schema.format : std::string();
  }

  static bool HasTypeCheck(const Schema& schema) {
    return schema.type != Schema::Type::kUnset || schema.int_or_string ||
           !CheckedFormat(schema).empty();
  }

  static std::vector<std::string> TypeNames(const Schema& schema) {
    if (schema.int_or_string) {
      return {"integer", "string"};
    }
    if (schema.type == Schema::Type::kUnset) {
      return {};
    }
    return {std::string(schema.TypeName())};
  }

  static Result TypeError(const Value& data, const std::string& path, const std::string& expected,
                          const std::string& actual) {
    return {
        {MakeError(FieldError::Type::kTypeInvalid, path, GoQuote(actual),
                   path + " in body must be of type " + expected + ": " + GoQuote(actual), data)},
        0};
  }

  // kube-openapi's typeValidator: 1 to the match count when the type is right.
  static Result CheckType(const Schema& schema, const Value& data, const std::string& path) {
    std::vector<std::string> types = TypeNames(schema);
    std::string expected;
    for (const std::string& type : types) {
      expected += (expected.empty() ? "" : ",") + type;
    }
    auto has = [&](std::string_view name) {
      return std::find(types.begin(), types.end(), name) != types.end();
    };
    std::string format = CheckedFormat(schema);
    if (data.is_null()) {
      if (types.empty() || schema.nullable) {
        return {{}, 1};
      }
      return TypeError(data, path, expected, "null");
    }
    std::string actual(data.JsonTypeName());
    if (!data.is_string() && !data.is_sequence() && !format.empty()) {
      if (has(actual)) {
        return {{}, 1};
      }
      std::string data_format = data.is_int() ? "int64" : data.is_number() ? "float64" : "";
      if (data_format == format) {
        return {{}, 1};
      }
      return TypeError(data, path, format, data_format);
    }
    if (!format.empty() && !has("number") && !has("integer") &&
        (data.is_string() || data.is_sequence())) {
      return {{}, 1};
    }
    if (types.empty() || has(actual)) {
      return {{}, 1};
    }
    if (data.type() == Value::Type::kFloat && has("integer") && IsJsonInteger(data.float_value())) {
      return {{}, 1};
    }
    if (data.is_int() && has("number")) {
      return {{}, 1};
    }
    return TypeError(data, path, expected, actual);
  }

  static FieldError Composite(const Value& data, const std::string& path, std::string message) {
    // A nil field path: these are plain errors in kube-openapi.
    return MakeError(FieldError::Type::kInvalid, "", "\"\"", GoQuote(path) + " " + message, data);
  }

  // allOf, anyOf, oneOf and not, in that order of messages: anyOf, oneOf, allOf, not.
  Result CheckComposition(const Schema& schema, const Value& data, const std::string& path) {
    Result result;
    result.match_count = 1;
    if (!schema.any_of.empty()) {
      std::optional<Result> best;
      bool matched = false;
      for (const Schema& branch : schema.any_of) {
        Result tried = Validate(branch, data, path);
        if (tried.valid()) {
          result.match_count += tried.match_count;
          matched = true;
          break;
        }
        if (!best || tried.match_count > best->match_count) {
          best = std::move(tried);
        }
      }
      if (!matched) {
        result.errors.push_back(Composite(data, path, "must validate at least one schema (anyOf)"));
        if (best) {
          result.Merge(std::move(*best));
        }
      }
    }
    if (!schema.one_of.empty()) {
      std::optional<Result> best;
      int valid = 0;
      Result first_valid;
      for (const Schema& branch : schema.one_of) {
        Result tried = Validate(branch, data, path);
        if (tried.valid()) {
          if (++valid == 1) {
            first_valid = std::move(tried);
          }
        } else if (!best || tried.match_count > best->match_count) {
          best = std::move(tried);
        }
      }
      if (valid == 0) {
        result.errors.push_back(Composite(
            data, path, "must validate one and only one schema (oneOf). Found none valid"));
        if (best) {
          result.Merge(std::move(*best));
        }
      } else if (valid > 1) {
        result.errors.push_back(Composite(data, path,
                                          "must validate one and only one schema (oneOf). Found " +
                                              std::to_string(valid) + " valid alternatives"));
      } else {
        result.match_count += first_valid.match_count;
      }
    }
    if (!schema.all_of.empty()) {
      int valid = 0;
      for (const Schema& branch : schema.all_of) {
        Result tried = Validate(branch, data, path);
        if (tried.valid()) {
          ++valid;
        }
        result.Merge(std::move(tried));
      }
      if (valid < static_cast<int>(schema.all_of.size())) {
        result.errors.push_back(Composite(data, path,
                                          std::string("must validate all the schemas (allOf)") +
                                              (valid == 0 ? ". None validated" : "")));
      }
    }
    if (schema.not_schema && Validate(*schema.not_schema, data, path).valid()) {
      result.errors.push_back(Composite(data, path, "must not validate the schema (not)"));
    }
    return result;
  }

  // maxLength, minLength, pattern: the first that fails.
  static Result CheckString(const Schema& schema, const Value& data, const std::string& path) {
    const std::string& text = data.text();
    FieldError error;
    error.path = path;
    error.position = data.position();
    std::int64_t length = CodePoints(text);
    if (schema.max_length && length > *schema.max_length) {
      error.type = FieldError::Type::kTooLong;
      error.detail = "may not be more than " + std::to_string(*schema.max_length) + " bytes";
      return {{std::move(error)}, 0};
    }
    error.value = GoQuote(text);
    if (schema.min_length && length < *schema.min_length) {
      error.detail = path + " in body should be at least " + std::to_string(*schema.min_length) +
                     " chars long";
      return {{std::move(error)}, 0};
    }
    if (schema.pattern_regex && !RE2::PartialMatch(text, *schema.pattern_regex)) {
      error.detail = path + " in body should match '" + schema.pattern + "'";
      return {{std::move(error)}, 0};
    }
    return {};
  }

  static Result CheckFormat(const Schema& schema, const Value& data, const std::string& path) {
    if (FormatAccepts(schema.format, data.text())) {
      return {};
    }
    return {
        {MakeError(FieldError::Type::kTypeInvalid, path, GoQuote(data.text()),
                   path + " in body must be of type " + schema.format + ": " + GoQuote(data.text()),
                   data)},
        0};
  }

  // multipleOf, minimum, maximum. Integer data compares with (and prints) the bounds cut to
  // integers, as kube-openapi does.
  static Result CheckNumber(const Schema& schema, const Value& data, const std::string& path) {
    Result result;
    result.match_count = 1;
    bool integer = data.is_int();
    auto bound = [&](double value) {
      return integer ? std::to_string(static_cast<std::int64_t>(value)) : GoFloat(value);
    };
    auto compare = [&](double limit) {  // data - limit, in the data's own arithmetic
      if (integer) {
        std::int64_t cut = static_cast<std::int64_t>(limit);
        return data.int_value() < cut ? -1 : data.int_value() > cut ? 1 : 0;
      }
      double value = data.float_value();
      return value < limit ? -1 : value > limit ? 1 : 0;
    };
    auto fail = [&](const std::string& detail) {
      result.errors.push_back(
          MakeError(FieldError::Type::kInvalid, path,
                    integer ? std::to_string(data.int_value()) : GoFloat(data.float_value()),
                    path + " in body " + detail, data));
    };
    if (schema.multiple_of) {
      double factor = *schema.multiple_of;
      double quotient = data.float_value() / factor;
      if (factor <= 0 || (integer && static_cast<std::int64_t>(factor) <= 0)) {
        result.errors.push_back(MakeError(
            FieldError::Type::kInvalid, path, "\"\"",
            "factor MultipleOf declared for " + path + " must be positive: " + bound(factor),
            data));
      } else if (std::trunc(quotient) != quotient) {
        fail("should be a multiple of " + bound(factor));
      }
    }
    if (schema.minimum) {
      int order = compare(*schema.minimum);
      if (schema.exclusive_minimum ? order <= 0 : order < 0) {
        fail(std::string("should be greater than ") +
             (schema.exclusive_minimum ? "" : "or equal to ") + bound(*schema.minimum));
      }
    }
    if (schema.maximum) {
      int order = compare(*schema.maximum);
      if (schema.exclusive_maximum ? order >= 0 : order > 0) {
        fail(std::string("should be less than ") +
             (schema.exclusive_maximum ? "" : "or equal to ") + bound(*schema.maximum));
      }
    }
    return result;
  }

  // The items, then minItems and maxItems.
  Result CheckArray(const Schema& schema, const Value& data, const std::string& path) {
    Result result;
    result.match_count = 1;
    if (schema.items) {
      const std::vector<Value>& items = data.items();
      for (std::size_t i = 0; i < items.size(); ++i) {
        result.Merge(Validate(*schema.items, items[i], path + "[" + std::to_string(i) + "]"));
      }
    }
    auto count = static_cast<std::int64_t>(data.items().size());
    if (schema.min_items && count < *schema.min_items) {
      result.errors.push_back(MakeError(
          FieldError::Type::kInvalid, path, std::to_string(count),
          path + " in body should have at least " + std::to_string(*schema.min_items) + " items",
          data));
    }
    if (schema.max_items && count > *schema.max_items) {
      result.errors.push_back(
          MakeError(FieldError::Type::kTooMany, path, std::to_string(count),
                    "must have at most " + std::to_string(*schema.max_items) + " items", data));
    }
    return result;
  }

  static Result CheckEnum(const Schema& schema, const Value& data, const std::string& path) {
    if (schema.enum_values.empty()) {
      return {};
    }
    for (const Json& value : schema.enum_values) {
      if (EnumMatches(value, data)) {
        return {};
      }
    }
    FieldError error;
    error.type = FieldError::Type::kNotSupported;
    error.path = path;
    error.value = GoValue(data);
    error.detail = "supported values: ";
    bool first = true;
    for (const Json& value : schema.enum_values) {
      if (!first) {
        error.detail += ", ";
      }
      first = false;
      error.detail += SupportedValue(value);
    }
    error.position = data.position();
    error.hint = EnumHint(schema, data);
    return {{std::move(error)}, 0};
  }

  // "did you mean "PathPrefix"?" for a string close to one of the enum's strings, or one that
  // a single enum string contains ("Prefix").
  static std::string EnumHint(const Schema& schema, const Value& data) {
    if (!data.is_string() || data.text().size() < 3) {
      return {};
    }
    std::vector<std::string_view> strings;
    for (const Json& value : schema.enum_values) {
      if (value.is_string()) {
        strings.push_back(value.get_ref<const std::string&>());
      }
    }
    std::string closest = ClosestName(data.text(), strings);
    if (closest.empty()) {
      std::string word = Lowered(data.text());
      for (std::string_view candidate : strings) {
        if (Lowered(candidate).find(word) == std::string::npos) {
          continue;
        }
        if (!closest.empty()) {
          return {};  // more than one: no single guess
        }
        closest = candidate;
      }
    }
    return closest.empty() ? std::string() : "did you mean " + GoQuote(closest) + "?";
  }

  static std::string Lowered(std::string_view text) {
    std::string lowered(text);
    for (char& c : lowered) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return lowered;
  }

  // min/maxProperties, the keys of additionalProperties, the properties, then required.
  Result CheckObject(const Schema& schema, const Value& data, const std::string& path) {
    Result result;
    auto count = static_cast<std::int64_t>(data.entries().size());
    if (schema.min_properties && count < *schema.min_properties) {
      result.errors.push_back(MakeError(FieldError::Type::kInvalid, path, std::to_string(count),
                                        path + " in body should have at least " +
                                            std::to_string(*schema.min_properties) + " properties",
                                        data));
    }
    if (schema.max_properties && count > *schema.max_properties) {
      result.errors.push_back(MakeError(
          FieldError::Type::kTooMany, path, std::to_string(count),
          "must have at most " + std::to_string(*schema.max_properties) + " items", data));
    }
    // Keys and properties in name order (the server's order is that of a Go map: random).
    std::vector<const manifest::MapEntry*> entries;
    for (const manifest::MapEntry& entry : data.entries()) {
      entries.push_back(&entry);
    }
    std::sort(
        entries.begin(), entries.end(),
        [](const manifest::MapEntry* a, const manifest::MapEntry* b) { return a->key < b->key; });
    if (schema.additional_properties) {
      for (const manifest::MapEntry* entry : entries) {
        if (schema.Property(entry->key) != nullptr) {
          continue;
        }
        result.Merge(
            Validate(*schema.additional_properties, entry->value, ChildName(path, entry->key)));
      }
    }
    for (const manifest::MapEntry* entry : entries) {
      if (const Schema* property = schema.Property(entry->key)) {
        result.Merge(Validate(*property, entry->value, ChildName(path, entry->key)));
      }
    }
    for (const std::string& name : schema.required) {
      if (data.Find(name) != nullptr) {
        continue;
      }
      result.errors.push_back(
          MakeError(FieldError::Type::kRequired, ChildName(path, name), "", "", data));
    }
    return result;
  }
};

}  // namespace

std::vector<FieldError> ValidateStructure(const Schema& root, const manifest::Value& object) {
  Result result = StructuralValidator().Validate(root, object, "");
  std::vector<FieldError> errors;
  std::set<std::string> seen;
  for (FieldError& error : result.errors) {
    if (seen.insert(error.Render()).second) {
      errors.push_back(std::move(error));
    }
  }
  return errors;
}

}  // namespace agw::validate::schema
