// `rampart users ...`: the token service's user accounts, worked on in the store directly.
// Passwords are read from a prompt or standard input, never from the command line.
#pragma once

#include "cli/cli_support.hpp"

namespace rampart::cli {

// Adds `users add|list|show|disable|enable|set-roles|set-password` to `app`.
void add_users_command(CLI::App& app, CommandLine& command_line);

}  // namespace rampart::cli
