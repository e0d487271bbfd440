// `rampart import-openapi SPEC --upstream URL [--out FILE]`: routes, parameter
// and body validation and authentication from an OpenAPI 3.0 or 3.1 document,
// written as a configuration fragment (validate/openapi_import.hpp).
#pragma once

#include "cli/cli_support.hpp"

namespace rampart::cli {

void add_import_openapi_command(CLI::App& app, CommandLine& command_line);

}  // namespace rampart::cli
