// `rampart apikeys ...`: API keys for consumers. A key is shown once, when it is created; the
// store keeps only the hash of its secret.
#pragma once

#include "cli/cli_support.hpp"

namespace rampart::cli {

// Adds `apikeys create|list|revoke|rotate` to `app`.
void add_api_keys_command(CLI::App& app, CommandLine& command_line);

}  // namespace rampart::cli
