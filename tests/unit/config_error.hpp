// For configuration tests: a small valid configuration to extend, and what loading a text says
// is wrong.
#pragma once

#include <string>

#include "config/loader.hpp"

namespace rampart::test {

// One HTTPS listener, one upstream "app" and one open route, in 11 lines: a test appends the
// top-level keys it is about.
inline const std::string minimal_configuration = R"(listeners:
  - port: 18443
    tls: {self_signed: true}
upstreams:
  app:
    targets: [http://127.0.0.1:9000]
routes:
  - path: /items
    methods: [GET]
    upstream: app
    auth: none
)";

// The message of the ConfigError that loading `text` as `file_name` throws ("file:line:column:
// key: message"), or "(no error)" when it loads.
inline std::string config_error_of(const std::string& text,
                                   const std::string& file_name = "test.yaml") {
    try {
        config::load_settings_text(text, file_name);
    } catch (const config::ConfigError& error) {
        return error.what();
    }
    return "(no error)";
}

}  // namespace rampart::test
