#include "emulator/http/headers.h"

#include <algorithm>
#include <cctype>

namespace agw::emulator::http {

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

}  // namespace agw::emulator::http
