#include "emulator/route/request.h"

#include <algorithm>
#include <cctype>

namespace agw::emulator::route {

std::string Request::Hostname() const {
  std::string host = authority;
  if (!host.empty() && host.front() == '[') {  // [::1]:8080
    std::size_t close = host.find(']');
    host = host.substr(0, close == std::string::npos ? host.size() : close + 1);
  } else if (std::size_t colon = host.rfind(':'); colon != std::string::npos) {
    host.resize(colon);
  }
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return host;
}

std::string Request::PathAndQuery() const { return query.empty() ? path : path + "?" + query; }

}  // namespace agw::emulator::route
