#include "emulator/http/target.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace agw::emulator::http {

void SplitTarget(std::string_view target, std::string& path, std::string& query) {
  std::size_t mark = target.find('?');
  path = std::string(target.substr(0, mark));
  query = mark == std::string_view::npos ? "" : std::string(target.substr(mark + 1));
  if (path.empty()) {
    path = "/";
  }
}

std::string PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() &&
               std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    std::size_t equals = pair.find('=');
    std::string name = PercentDecode(pair.substr(0, equals), /*plus_is_space=*/true);
    std::string value = equals == std::string_view::npos
                            ? ""
                            : PercentDecode(pair.substr(equals + 1), /*plus_is_space=*/true);
    auto it =
        std::find_if(params.begin(), params.end(), [&](const auto& p) { return p.first == name; });
    if (it != params.end()) {
      it->second = std::move(value);
    } else {
      params.emplace_back(std::move(name), std::move(value));
    }
  }
  return params;
}

}  // namespace agw::emulator::http
