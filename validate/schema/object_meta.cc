// ValidateObjectMeta: apimachinery's ObjectMeta validation as the API server runs it on a custom
// resource (pkg/api/validation/objectmeta.go, pkg/apis/meta/v1/validation, and the name rules of
// pkg/util/validation), with its messages.

#include <algorithm>
#include <cctype>

#include "validate/schema/format.h"
#include "validate/schema/validator.h"

namespace agw::validate::schema {
namespace {

using manifest::Value;

constexpr char kSubdomainMessage[] =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
constexpr char kLabelMessage[] =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
constexpr char kQualifiedNameRule[] =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
constexpr char kLabelValueMessage[] =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  "
    "or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
constexpr char kDns1035Message[] =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
    "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
constexpr std::size_t kMaxAnnotationsBytes = 256 * 1024;

bool IsSubdomain(std::string_view text) {
  return MatchesWhole(text, R"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)");
}

// IsDNS1123Subdomain's messages.
std::vector<std::string> SubdomainProblems(std::string_view text) {
  std::vector<std::string> problems;
  if (text.size() > 253) {
    problems.push_back("must be no more than 253 characters");
  }
  if (!IsSubdomain(text)) {
    problems.push_back(kSubdomainMessage);
  }
  return problems;
}

// IsDNS1123Label's messages.
std::vector<std::string> LabelProblems(std::string_view text) {
  std::vector<std::string> problems;
  if (text.size() > 63) {
    problems.push_back("must be no more than 63 characters");
  }
  if (!MatchesWhole(text, R"([a-z0-9]([-a-z0-9]*[a-z0-9])?)")) {
    problems.push_back(kLabelMessage);
  }
  return problems;
}

// IsDNS1035Label's messages.
std::vector<std::string> Dns1035Problems(std::string_view text) {
  std::vector<std::string> problems;
  if (text.size() > 63) {
    problems.push_back("must be no more than 63 characters");
  }
  if (!MatchesWhole(text, R"([a-z]([-a-z0-9]*[a-z0-9])?)")) {
    problems.push_back(kDns1035Message);
  }
  return problems;
}

std::vector<std::string> NameProblems(std::string_view text, NameRule rule) {
  switch (rule) {
    case NameRule::kLabel:
      return LabelProblems(text);
    case NameRule::kDns1035Label:
      return Dns1035Problems(text);
    case NameRule::kSubdomain:
      break;
  }
  return SubdomainProblems(text);
}

// IsQualifiedName's messages: an optional DNS subdomain prefix and '/', then a name.
std::vector<std::string> QualifiedNameProblems(std::string_view key) {
  std::vector<std::string> problems;
  std::string_view name = key;
  std::size_t slash = key.find('/');
  if (slash != std::string_view::npos) {
    if (key.find('/', slash + 1) != std::string_view::npos) {
      problems.push_back(std::string("a qualified name ") + kQualifiedNameRule +
                         " with an optional DNS subdomain prefix and '/' (e.g. "
                         "'example.com/MyName')");
      return problems;
    }
    std::string_view prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (prefix.empty()) {
      problems.push_back("prefix part must be non-empty");
    } else {
      for (const std::string& problem : SubdomainProblems(prefix)) {
        problems.push_back("prefix part " + problem);
      }
    }
  }
  if (name.empty()) {
    problems.push_back("name part must be non-empty");
  } else if (name.size() > 63) {
    problems.push_back("name part must be no more than 63 characters");
  }
  if (!MatchesWhole(name, R"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])")) {  // empty too
    problems.push_back(std::string("name part ") + kQualifiedNameRule);
  }
  return problems;
}

std::vector<const manifest::MapEntry*> SortedEntries(const Value* map) {
  std::vector<const manifest::MapEntry*> entries;
  if (map == nullptr || !map->is_map()) {
    return entries;
  }
  for (const manifest::MapEntry& entry : map->entries()) {
    entries.push_back(&entry);
  }
  std::sort(
      entries.begin(), entries.end(),
      [](const manifest::MapEntry* a, const manifest::MapEntry* b) { return a->key < b->key; });
  return entries;
}

FieldError Invalid(const std::string& path, std::string_view value, std::string detail,
                   manifest::Position position) {
  FieldError error;
  error.path = path;
  error.value = GoQuote(value);
  error.detail = std::move(detail);
  error.position = position;
  return error;
}

}  // namespace

std::vector<FieldError> ValidateObjectMeta(const manifest::Value& object, bool namespaced,
                                           NameRule name_rule) {
  std::vector<FieldError> errors;
  const Value* metadata = object.Find("metadata");
  manifest::Position at = metadata != nullptr ? metadata->position() : object.position();
  const Value* name = metadata != nullptr ? metadata->Find("name") : nullptr;
  const Value* generate_name = metadata != nullptr ? metadata->Find("generateName") : nullptr;
  if (name == nullptr || !name->is_string() || name->text().empty()) {
    if (generate_name == nullptr || !generate_name->is_string() || generate_name->text().empty()) {
      FieldError error;
      error.type = FieldError::Type::kRequired;
      error.path = "metadata.name";
      error.detail = "name or generateName is required";
      error.position = at;
      errors.push_back(std::move(error));
    }
  } else {
    for (const std::string& problem : NameProblems(name->text(), name_rule)) {
      errors.push_back(Invalid("metadata.name", name->text(), problem, name->position()));
    }
  }
  const Value* namespace_ = metadata != nullptr ? metadata->Find("namespace") : nullptr;
  if (namespaced && namespace_ != nullptr && namespace_->is_string() &&
      !namespace_->text().empty()) {
    const std::string& text = namespace_->text();
    if (text.size() > 63) {
      errors.push_back(Invalid("metadata.namespace", text, "must be no more than 63 characters",
                               namespace_->position()));
    }
    if (!MatchesWhole(text, R"([a-z0-9]([-a-z0-9]*[a-z0-9])?)")) {
      errors.push_back(Invalid("metadata.namespace", text,
                               IsSubdomain(text) ? "must not contain dots" : kLabelMessage,
                               namespace_->position()));
    }
  }
  for (const manifest::MapEntry* label :
       SortedEntries(metadata != nullptr ? metadata->Find("labels") : nullptr)) {
    for (const std::string& problem : QualifiedNameProblems(label->key)) {
      errors.push_back(Invalid("metadata.labels", label->key, problem, label->key_position));
    }
    if (!label->value.is_string()) {
      continue;  // a decoding error, before any of these
    }
    const std::string& value = label->value.text();
    if (value.size() > 63) {
      errors.push_back(Invalid("metadata.labels", value, "must be no more than 63 characters",
                               label->value.position()));
    }
    if (!MatchesWhole(value, R"((([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?)")) {
      errors.push_back(
          Invalid("metadata.labels", value, kLabelValueMessage, label->value.position()));
    }
  }
  const Value* annotations = metadata != nullptr ? metadata->Find("annotations") : nullptr;
  std::size_t annotation_bytes = 0;
  for (const manifest::MapEntry* annotation : SortedEntries(annotations)) {
    std::string lowered = annotation->key;
    std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const std::string& problem : QualifiedNameProblems(lowered)) {
      errors.push_back(
          Invalid("metadata.annotations", annotation->key, problem, annotation->key_position));
    }
    annotation_bytes += annotation->key.size() + annotation->value.text().size();
  }
  if (annotation_bytes > kMaxAnnotationsBytes) {
    FieldError error;
    error.type = FieldError::Type::kTooLong;
    error.path = "metadata.annotations";
    error.detail = "may not be more than " + std::to_string(kMaxAnnotationsBytes) + " bytes";
    error.position = annotations->position();
    errors.push_back(std::move(error));
  }
  return errors;
}

}  // namespace agw::validate::schema
