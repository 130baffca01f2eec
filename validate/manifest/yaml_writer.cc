#include "validate/manifest/yaml_writer.h"

#include <yaml-cpp/emitter.h>

#include "validate/manifest/yaml_reader.h"

namespace agw::validate::manifest {
namespace {

void Emit(YAML::Emitter& out, const nlohmann::ordered_json& json) {
  switch (json.type()) {
    case nlohmann::json::value_t::object:
      if (json.empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
      }
      out << YAML::BeginMap;
      for (const auto& [key, value] : json.items()) {
        out << YAML::Key << key << YAML::Value;
        Emit(out, value);
      }
      out << YAML::EndMap;
      return;
    case nlohmann::json::value_t::array:
      if (json.empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
      }
      out << YAML::BeginSeq;
      for (const auto& item : json) {
        Emit(out, item);
      }
      out << YAML::EndSeq;
      return;
    case nlohmann::json::value_t::string: {
      const std::string& text = json.get_ref<const std::string&>();
      if (text.find('\n') != std::string::npos) {
        out << YAML::Literal << text;
      } else if (text.empty() || !PlainScalarReadsAsString(text)) {
        // "True" must stay a string (condition status), not become a boolean.
        out << YAML::DoubleQuoted << text;
      } else {
        out << text;  // yaml-cpp quotes what would otherwise read as another type
      }
      return;
    }
    case nlohmann::json::value_t::boolean:
      out << json.get<bool>();
      return;
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      out << json.get<std::int64_t>();
      return;
    case nlohmann::json::value_t::number_float:
      out << json.get<double>();
      return;
    default:
      out << YAML::Null;
      return;
  }
}

}  // namespace

std::string ToYaml(const nlohmann::ordered_json& json) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetSeqFormat(YAML::Block);
  Emit(out, json);
  std::string text = out.c_str();
  if (!text.empty() && text.back() != '\n') {
    text.push_back('\n');
  }
  return text;
}

}  // namespace agw::validate::manifest
