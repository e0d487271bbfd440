// `rampart clients ...`: confidential OAuth clients of the token service. A client's secret is
// shown once, when it is made; the store keeps only its hash.
#pragma once

#include "cli/cli_support.hpp"

namespace rampart::cli {

// Adds `clients add|list|remove|rotate-secret` to `app`.
void add_clients_command(CLI::App& app, CommandLine& command_line);

}  // namespace rampart::cli
