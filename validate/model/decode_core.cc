#include <optional>

#include "validate/model/decode.h"

namespace agw::model::internal {
namespace {

// Go's base64.StdEncoding as encoding/json applies it to []byte fields: padding required,
// '\r' and '\n' skipped. On failure `error_offset` is the byte Go reports ("at input byte N"):
// the bad character, the misplaced '=', the start of an unfinished group, or the end of the
// input when padding is missing.
struct Base64Result {
  std::string bytes;
  std::optional<std::size_t> error_offset;
};

int Base64Digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

Base64Result DecodeBase64(std::string_view text) {
  Base64Result result;
  auto skip_newlines = [&](std::size_t& i) {
    while (i < text.size() && (text[i] == '\n' || text[i] == '\r')) {
      ++i;
    }
  };
  std::size_t si = 0;
  while (true) {
    // One group of four characters.
    int digits[4] = {0, 0, 0, 0};
    int j = 0;
    bool end = false;
    for (; j < 4; ++j) {
      if (si == text.size()) {
        if (j == 0) {
          return result;
        }
        result.error_offset = si - j;  // unfinished group
        return result;
      }
      char c = text[si++];
      if (c == '\n' || c == '\r') {
        --j;
        continue;
      }
      if (c != '=') {
        int digit = Base64Digit(c);
        if (digit < 0) {
          result.error_offset = si - 1;
          return result;
        }
        digits[j] = digit;
        continue;
      }
      // Padding: only as the third or fourth character of the last group.
      if (j < 2) {
        result.error_offset = si - 1;
        return result;
      }
      if (j == 2) {
        skip_newlines(si);
        if (si == text.size()) {
          result.error_offset = text.size();  // "==" expected
          return result;
        }
        if (text[si] != '=') {
          result.error_offset = si - 1;
          return result;
        }
        ++si;
      }
      skip_newlines(si);
      if (si < text.size()) {
        result.error_offset = si;  // data after the padding
        return result;
      }
      end = true;
      break;
    }
    std::uint32_t quantum = (digits[0] << 18) | (digits[1] << 12) | (digits[2] << 6) | digits[3];
    int bytes = end ? j - 1 : 3;
    for (int k = 0; k < bytes; ++k) {
      result.bytes.push_back(static_cast<char>((quantum >> (16 - 8 * k)) & 0xff));
    }
    if (end) {
      return result;
    }
  }
}

}  // namespace

void DecodeSecret(const Reader& root, Secret& out) {
  // Kubernetes defaults empty values as well as absent ones (SetDefaults_Secret/_Service).
  out.type = root.StringOr("type", "");
  if (out.type.empty()) {
    out.type = "Opaque";
  }
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
  out.type = spec.StringOr("type", "");
  if (out.type.empty()) {
    out.type = "ClusterIP";
  }
  out.external_name = spec.String("externalName");
  out.selector = spec.StringMap("selector");
  for (const Reader& item : spec.Objects("ports")) {
    ServicePort port;
    port.name = item.String("name");
    if (!item.Has("port")) {
      item.RequiredError("port");
    }
    port.port = item.Int32("port").value_or(0);
    port.protocol = item.StringOr("protocol", "");
    if (port.protocol.empty()) {
      port.protocol = "TCP";
    }
    port.app_protocol = item.String("appProtocol");
    // targetPort is an int-or-string; unset means the same number as `port`.
    const Value* target = item.value()->Find("targetPort");
    bool unset = target == nullptr || target->is_null() ||
                 (target->is_int() && target->int_value() == 0) ||
                 (target->is_string() && target->text().empty());
    if (unset) {
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
