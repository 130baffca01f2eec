#include <optional>

#include "validate/model/decode.h"

namespace agw::model::internal {
namespace {

// Go's base64.StdEncoding as encoding/json applies it to []byte fields: padding required,
// '\r' and '\n' skipped. On failure returns the offset Go reports ("at input byte N").
struct Base64Result {
  std::string bytes;
  std::optional<std::size_t> error_offset;
};

Base64Result DecodeBase64(std::string_view text) {
  auto digit = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  Base64Result result;
  std::uint32_t quantum = 0;
  int count = 0;
  int padding = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r' || c == '\n') {
      continue;
    }
    if (c == '=') {
      // Padding may only complete the final quantum.
      if (count < 2 || padding + count >= 4) {
        result.error_offset = i;
        return result;
      }
      ++padding;
      if (count + padding == 4) {
        for (std::size_t j = i + 1; j < text.size(); ++j) {
          if (text[j] != '\r' && text[j] != '\n') {
            result.error_offset = j;
            return result;
          }
        }
      }
      continue;
    }
    int value = digit(c);
    if (value < 0 || padding > 0) {
      result.error_offset = i;
      return result;
    }
    quantum = (quantum << 6) | static_cast<std::uint32_t>(value);
    if (++count == 4) {
      result.bytes.push_back(static_cast<char>((quantum >> 16) & 0xff));
      result.bytes.push_back(static_cast<char>((quantum >> 8) & 0xff));
      result.bytes.push_back(static_cast<char>(quantum & 0xff));
      quantum = 0;
      count = 0;
    }
  }
  if (count == 0) {
    return result;
  }
  if (count + padding != 4) {
    result.error_offset = text.size();
    return result;
  }
  quantum <<= 6 * padding;
  result.bytes.push_back(static_cast<char>((quantum >> 16) & 0xff));
  if (count == 3) {
    result.bytes.push_back(static_cast<char>((quantum >> 8) & 0xff));
  }
  return result;
}

}  // namespace

void DecodeSecret(const Reader& root, Secret& out) {
  out.type = root.StringOr("type", "Opaque");
  std::map<std::string, std::string> encoded = root.StringMap("data");
  for (const auto& [key, text] : encoded) {
    Base64Result decoded = DecodeBase64(text);
    if (decoded.error_offset) {
      root.Error("invalid-base64", "data[" + key + "]",
                 root.Object("data").value()->Find(key)->position(),
                 "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at "
                 "input byte " +
                     std::to_string(*decoded.error_offset));
      continue;
    }
    out.data[key] = std::move(decoded.bytes);
  }
  for (auto& [key, value] : root.StringMap("stringData")) {
    out.data[key] = std::move(value);
  }
}

void DecodeService(const Reader& root, Service& out) {
  Reader spec = root.Object("spec");
  out.type = spec.StringOr("type", "ClusterIP");
  out.external_name = spec.String("externalName");
  out.selector = spec.StringMap("selector");
  for (const Reader& item : spec.Objects("ports")) {
    ServicePort port;
    port.name = item.String("name");
    if (!item.Has("port")) {
      item.RequiredError("port");
    }
    port.port = item.Int32("port").value_or(0);
    port.protocol = item.StringOr("protocol", "TCP");
    port.app_protocol = item.String("appProtocol");
    // targetPort is an int-or-string; unset means the same number as `port`.
    const Value* target = item.value()->Find("targetPort");
    if (target == nullptr || target->is_null()) {
      port.target_port = std::to_string(port.port);
    } else if (target->is_int() || target->is_string()) {
      port.target_port = target->is_int() ? std::to_string(target->int_value()) : target->text();
    } else {
      item.Error("invalid-type", item.path() + ".targetPort", target->position(),
                 item.path() + ".targetPort: Invalid value: \"" +
                     std::string(target->JsonTypeName()) +
                     "\": must be an integer or a port name");
    }
    out.ports.push_back(std::move(port));
  }
}

}  // namespace agw::model::internal
