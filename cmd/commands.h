#pragma once

#include <CLI/CLI.hpp>

namespace agw::cmd {

// Exit codes shared by every subcommand.
inline constexpr int kExitClean = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitOperational = 3;

// Each subcommand registers its flags on `app` and, when it runs, stores its exit code.
void AddValidateCommand(CLI::App& app, int& exit_code);
void AddStatusCommand(CLI::App& app, int& exit_code);
void AddRoutesCommand(CLI::App& app, int& exit_code);
void AddRunCommand(CLI::App& app, int& exit_code);
void AddTranslateCommand(CLI::App& app, int& exit_code);
void AddDiffCommand(CLI::App& app, int& exit_code);
void AddVersionCommand(CLI::App& app, int& exit_code);

}  // namespace agw::cmd
