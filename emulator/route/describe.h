#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "emulator/route/table.h"

namespace agw::emulator::route {

// "PathPrefix /v1 method=POST header:x-env=prod query:debug~^1$" (~ marks a regex).
std::string DescribeMatch(const validate::model::HTTPRouteMatch& match);
// "Service ns/svc:8080 70%, invalid (500): backend(...) not found 30%".
std::string DescribeBackends(const validate::resolve::ResolvedRule& rule);

// The effective route table: per bind and listener, the entries in the order the data plane
// tries them. Text for people, JSON for tools (`routes -o json`, the admin /routes page).
std::string DescribeTable(const RouteTable& table);
nlohmann::ordered_json TableJson(const RouteTable& table);

}  // namespace agw::emulator::route
