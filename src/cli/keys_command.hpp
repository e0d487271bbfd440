// `rampart keys ...`: the token service's signing keys. Listing shows public facts only; a
// rotation publishes a new key now, which starts signing after signing.publish_lead.
#pragma once

#include "cli/cli_support.hpp"

namespace rampart::cli {

// Adds `keys list|rotate` to `app`.
void add_keys_command(CLI::App& app, CommandLine& command_line);

}  // namespace rampart::cli
