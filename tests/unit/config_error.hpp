// For configuration tests: what loading a text says is wrong.
#pragma once

#include <string>

#include "config/loader.hpp"

namespace rampart::test {

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
