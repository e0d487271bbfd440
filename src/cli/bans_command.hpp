// `rampart bans list|add|lift`: temporary bans, through the running server's
// admin API (docs/admin-api.md), not the store: automatic bans (credential
// stuffing, token misuse) live only in the server's memory, and a ban must
// reach the request path at once. The admin address and token come from the
// configuration (admin.token, else <data_directory>/admin-token), or from
// RAMPART_ADMIN_URL and RAMPART_ADMIN_TOKEN.
#pragma once

#include "cli/cli_support.hpp"

namespace rampart::cli {

// Adds `bans list|add|lift` to `app`.
void add_bans_command(CLI::App& app, CommandLine& command_line);

}  // namespace rampart::cli
