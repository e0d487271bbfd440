// `rampart policy test`: what the configuration decides for a request, without a server and
// without the network. The request is routed as the gateway routes it (the same path
// normalisation and router), and the route's authorization stage (the same code that runs in
// the gateway) judges an identity made from the given claims; the output names the route, the
// decision and the requirement or rule that decided it, with its file:line. With --cases, a list
// of requests and their expected decisions is checked, for policy tests in CI.
#pragma once

#include "cli/cli_support.hpp"

namespace rampart::cli {

// Adds `policy test` to `app`.
void add_policy_command(CLI::App& app, CommandLine& command_line);

}  // namespace rampart::cli
