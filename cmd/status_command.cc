#include <algorithm>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cmd/commands.h"
#include "cmd/json_output.h"
#include "cmd/pipeline.h"
#include "validate/manifest/yaml_writer.h"

namespace agw::cmd {
namespace {

using Json = nlohmann::ordered_json;

struct StatusOptions {
  InputFlags inputs;
  std::string output = "table";
};

// One object with the status the controller would write, in the order kubectl lists kinds.
struct Entry {
  std::string api_version;
  std::string kind;
  const validate::model::ObjectBase* object;
  Json status;
  // For the table.
  std::string accepted = "-", programmed = "-", resolved = "-", attached = "-", message;
};

std::string Summarize(const std::vector<validate::resolve::Condition>& conditions,
                      std::string_view type) {
  const validate::resolve::Condition* condition =
      validate::resolve::FindCondition(conditions, type);
  return condition == nullptr ? "-" : condition->status;
}

// The first condition that is not healthy, as "Reason: message".
void NoteProblem(Entry& entry, const std::vector<validate::resolve::Condition>& conditions) {
  if (!entry.message.empty()) {
    return;
  }
  for (const validate::resolve::Condition& condition : conditions) {
    bool healthy = condition.type == "Conflicted" ? !condition.is_true() : condition.is_true();
    if (!healthy) {
      std::string message = condition.message;
      std::replace(message.begin(), message.end(), '\n', ' ');
      entry.message = condition.reason + ": " + message;
      return;
    }
  }
}

std::string Aggregate(const std::vector<std::string>& values) {
  if (values.empty()) {
    return "-";
  }
  int true_count = static_cast<int>(std::count(values.begin(), values.end(), "True"));
  if (true_count == static_cast<int>(values.size())) {
    return "True";
  }
  if (true_count == 0) {
    return "False";
  }
  return std::to_string(true_count) + "/" + std::to_string(values.size());
}

std::vector<Entry> Collect(const validate::resolve::StatusSet& status) {
  std::vector<Entry> entries;
  for (const auto& s : status.gateway_classes) {
    Entry e{s.object->api_version, "GatewayClass", s.object, validate::resolve::ToJson(s)};
    e.accepted = Summarize(s.conditions, "Accepted");
    NoteProblem(e, s.conditions);
    entries.push_back(std::move(e));
  }
  for (const auto& s : status.gateways) {
    Entry e{s.object->api_version, "Gateway", s.object, validate::resolve::ToJson(s)};
    e.accepted = Summarize(s.conditions, "Accepted");
    e.programmed = Summarize(s.conditions, "Programmed");
    int routes = 0;
    std::vector<std::string> resolved;
    for (const auto& listener : s.listeners) {
      routes += listener.attached_routes;
      resolved.push_back(Summarize(listener.conditions, "ResolvedRefs"));
      NoteProblem(e, listener.conditions);
    }
    NoteProblem(e, s.conditions);
    e.resolved = Aggregate(resolved);
    e.attached = std::to_string(routes) + (routes == 1 ? " route" : " routes");
    entries.push_back(std::move(e));
  }
  // AgentgatewayModels carry route status (parents), so they read like routes.
  std::vector<const validate::resolve::RouteStatus*> routes;
  for (const auto* list : {&status.routes, &status.models}) {
    for (const auto& s : *list) {
      routes.push_back(&s);
    }
  }
  for (const validate::resolve::RouteStatus* route : routes) {
    const validate::resolve::RouteStatus& s = *route;
    Entry e{s.object->api_version, s.kind, s.object, validate::resolve::ToJson(s)};
    std::vector<std::string> accepted, resolved;
    for (const auto& parent : s.parents) {
      accepted.push_back(Summarize(parent.conditions, "Accepted"));
      resolved.push_back(Summarize(parent.conditions, "ResolvedRefs"));
      NoteProblem(e, parent.conditions);
    }
    e.accepted = Aggregate(accepted);
    e.resolved = Aggregate(resolved);
    e.attached =
        std::to_string(s.parents.size()) + (s.parents.size() == 1 ? " parent" : " parents");
    entries.push_back(std::move(e));
  }
  for (const auto& s : status.backends) {
    Entry e{s.object->api_version, "AgentgatewayBackend", s.object, validate::resolve::ToJson(s)};
    e.accepted = Summarize(s.conditions, "Accepted");
    NoteProblem(e, s.conditions);
    entries.push_back(std::move(e));
  }
  for (const auto& s : status.policies) {
    Entry e{s.object->api_version, "AgentgatewayPolicy", s.object, validate::resolve::ToJson(s)};
    std::vector<std::string> accepted, attached;
    for (const auto& ancestor : s.ancestors) {
      accepted.push_back(Summarize(ancestor.conditions, "Accepted"));
      attached.push_back(Summarize(ancestor.conditions, "Attached"));
      NoteProblem(e, ancestor.conditions);
    }
    e.accepted = Aggregate(accepted);
    e.attached = Aggregate(attached);
    entries.push_back(std::move(e));
  }
  return entries;
}

// The Gateways and routes of the inputs the controller writes no status for, so that the table
// lists every one of them with the reason (the cluster would show them without status).
void AddIgnored(const Pipeline& pipeline, std::vector<Entry>& entries) {
  // Each kind after its own, as Collect orders them.
  auto insert_after = [&](std::vector<std::string> kinds, Entry entry) {
    auto at = std::find_if(entries.begin(), entries.end(), [&](const Entry& e) {
      return std::find(kinds.begin(), kinds.end(), e.kind) == kinds.end();
    });
    entries.insert(at, std::move(entry));
  };
  auto has_status = [&](const validate::model::ObjectBase* object) {
    return std::any_of(entries.begin(), entries.end(),
                       [&](const Entry& entry) { return entry.object == object; });
  };
  std::vector<IgnoredGateway> ignored = IgnoredGateways(pipeline);
  std::vector<Entry> routes;
  for (const validate::model::HTTPRoute& route : pipeline.model.http_routes) {
    if (has_status(&route)) {
      continue;
    }
    Entry e{route.api_version, "HTTPRoute", &route, Json()};
    e.attached = "0 parents";
    e.message = "Ignored: no parentRef names a Gateway of agentgateway";
    for (const validate::model::ParentReference& parent : route.parent_refs) {
      std::string ns = parent.namespace_.value_or(route.metadata.namespace_);
      for (const IgnoredGateway& gateway : ignored) {
        if (parent.kind == "Gateway" && gateway.gateway->metadata.name == parent.name &&
            gateway.gateway->metadata.namespace_ == ns) {
          e.message = "Ignored: its Gateway " + ns + "/" + parent.name + " is ignored";
        }
      }
    }
    routes.push_back(std::move(e));
  }
  for (Entry& route : routes) {
    insert_after({"GatewayClass", "Gateway", "HTTPRoute"}, std::move(route));
  }
  for (const IgnoredGateway& gateway : ignored) {
    Entry e{gateway.gateway->api_version, "Gateway", gateway.gateway, Json()};
    const std::string& class_name = gateway.gateway->gateway_class_name;
    // Short enough for the table; `validate` gives the whole finding.
    e.message = gateway.hint.empty()
                    ? "Ignored: " + gateway.reason
                    : "Ignored: class " + class_name + " is not agentgateway's (--gateway-class " +
                          class_name + ")";
    insert_after({"GatewayClass", "Gateway"}, std::move(e));
  }
}

Json ItemJson(const Entry& entry) {
  Json item;
  item["apiVersion"] = entry.api_version;
  item["kind"] = entry.kind;
  item["metadata"]["name"] = entry.object->metadata.name;
  if (!entry.object->metadata.namespace_.empty()) {
    item["metadata"]["namespace"] = entry.object->metadata.namespace_;
  }
  item["status"] = entry.status;
  return item;
}

void PrintTable(const std::vector<Entry>& entries) {
  std::vector<std::vector<std::string>> rows = {
      {"KIND", "NAMESPACE", "NAME", "ACCEPTED", "PROGRAMMED", "RESOLVED", "ATTACHED", "MESSAGE"}};
  for (const Entry& e : entries) {
    std::string message = e.message.size() > 120 ? e.message.substr(0, 117) + "..." : e.message;
    rows.push_back(
        {e.kind, e.object->metadata.namespace_.empty() ? "-" : e.object->metadata.namespace_,
         e.object->metadata.name, e.accepted, e.programmed, e.resolved, e.attached, message});
  }
  std::vector<std::size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) {
        line += std::string(widths[i] - row[i].size() + 3, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    std::cout << line << "\n";
  }
}

int RunStatus(const StatusOptions& options) {
  Expected<std::unique_ptr<Pipeline>> ran = RunPipeline(options.inputs);
  if (!ran) {
    std::cerr << "error: " << ran.error().message << "\n";
    return kExitOperational;
  }
  std::unique_ptr<Pipeline> pipeline = std::move(*ran);
  std::vector<Entry> entries = Collect(pipeline->resolution.status);
  if (options.output == "table") {
    AddIgnored(*pipeline, entries);
    PrintTable(entries);
  } else {
    Json list;
    list["apiVersion"] = "v1";
    list["kind"] = "List";
    list["items"] = Json::array();
    for (const Entry& entry : entries) {
      list["items"].push_back(ItemJson(entry));
    }
    std::cout << (options.output == "json" ? DumpJson(list) + "\n"
                                           : validate::manifest::ToYaml(list));
  }
  // Loading errors hide objects (or parts of them) from the status: say so.
  if (pipeline->input_errors > 0) {
    std::cerr << "warning: " << pipeline->input_errors
              << " input error(s) leave objects out of this status; run `validate` to see them\n";
  }
  if (ReportUnreadable(*pipeline)) {
    return kExitOperational;
  }
  return kExitClean;
}

}  // namespace

void AddStatusCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<StatusOptions>();
  CLI::App* command = app.add_subcommand(
      "status",
      "Print the status the agentgateway controller would write for each object: a table by "
      "default, or the status blocks as on the cluster (-o yaml|json)");
  AddInputFlags(*command, options->inputs);
  command->add_option("-o,--output", options->output, "Output format: table, yaml or json")
      ->check(CLI::IsMember({"table", "yaml", "json"}));
  command->callback([options, &exit_code] { exit_code = RunStatus(*options); });
}

}  // namespace agw::cmd
