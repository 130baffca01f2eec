#include "emulator/route/request.h"

#include <algorithm>
#include <cctype>

namespace agw::emulator::route {

bool HeaderNameEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<std::string> GetHeader(const HeaderList& headers, std::string_view name) {
  std::optional<std::string> value;
  for (const auto& [key, item] : headers) {
    if (HeaderNameEquals(key, name)) {
      value = value ? *value + "," + item : item;
    }
  }
  return value;
}

void SetHeader(HeaderList& headers, std::string_view name, std::string value) {
  auto first = std::find_if(headers.begin(), headers.end(),
                            [&](const auto& h) { return HeaderNameEquals(h.first, name); });
  if (first == headers.end()) {
    headers.emplace_back(std::string(name), std::move(value));
    return;
  }
  first->second = std::move(value);
  std::size_t keep = static_cast<std::size_t>(first - headers.begin());
  for (std::size_t i = headers.size(); i-- > keep + 1;) {
    if (HeaderNameEquals(headers[i].first, name)) {
      headers.erase(headers.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
}

void AddHeader(HeaderList& headers, std::string_view name, std::string value) {
  std::optional<std::string> existing = GetHeader(headers, name);
  if (!existing) {
    headers.emplace_back(std::string(name), std::move(value));
    return;
  }
  SetHeader(headers, name, *existing + "," + value);
}

void RemoveHeader(HeaderList& headers, std::string_view name) {
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [&](const auto& h) { return HeaderNameEquals(h.first, name); }),
                headers.end());
}

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

void SplitTarget(std::string_view target, std::string& path, std::string& query) {
  std::size_t mark = target.find('?');
  path = std::string(target.substr(0, mark));
  query = mark == std::string_view::npos ? "" : std::string(target.substr(mark + 1));
  if (path.empty()) {
    path = "/";
  }
}

namespace {

std::string PercentDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
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

}  // namespace

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
    std::string name = PercentDecode(pair.substr(0, equals));
    std::string value =
        equals == std::string_view::npos ? "" : PercentDecode(pair.substr(equals + 1));
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

int TransferEncodingStatus(std::string_view values) {
  std::vector<std::string> codings;
  while (!values.empty()) {
    std::size_t comma = values.find(',');
    std::string_view item = values.substr(0, comma);
    values = comma == std::string_view::npos ? std::string_view() : values.substr(comma + 1);
    item = item.substr(0, item.find(';'));  // transfer parameters do not change the coding
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) {
      item.remove_prefix(1);
    }
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) {
      item.remove_suffix(1);
    }
    if (item.empty()) {
      continue;  // empty list elements are allowed and ignored (RFC 9110 §5.6.1)
    }
    std::string coding(item);
    for (char& c : coding) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    codings.push_back(std::move(coding));
  }
  if (codings.empty()) {
    return 0;
  }
  if (codings.back() != "chunked") {
    return 400;
  }
  if (std::count(codings.begin(), codings.end(), "chunked") > 1) {
    return 400;
  }
  return codings.size() == 1 ? 0 : 501;
}

}  // namespace agw::emulator::route
