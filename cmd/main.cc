// kubectl-agentgateway: a kubectl plugin (`kubectl agentgateway ...`) that validates and serves
// Gateway API + agentgateway manifests offline. This file only dispatches to subcommands.

#include <CLI/CLI.hpp>
#include <iostream>

#include "cmd/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "Validate and run Gateway API + agentgateway manifests offline.\n"
      "Used as a kubectl plugin: flags go after the plugin name, e.g.\n"
      "  kubectl agentgateway validate -f manifests/",
      "kubectl-agentgateway"};
  app.require_subcommand(1);
  app.fallthrough(false);

  int exit_code = agw::cmd::kExitClean;
  agw::cmd::AddValidateCommand(app, exit_code);
  agw::cmd::AddStatusCommand(app, exit_code);
  agw::cmd::AddRoutesCommand(app, exit_code);
  agw::cmd::AddRunCommand(app, exit_code);
  agw::cmd::AddTranslateCommand(app, exit_code);
  agw::cmd::AddDiffCommand(app, exit_code);
  agw::cmd::AddVersionCommand(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e, std::cout, std::cerr);
    return agw::cmd::kExitUsage;
  }
  return exit_code;
}
