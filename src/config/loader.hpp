// Reads rampart.yaml (or the embedded default) into typed Settings. Every
// problem is a ConfigError naming file, line, column and key path.
#pragma once

#include <string>

#include "config/settings.hpp"

namespace rampart::config {

Settings load_settings_file(const std::string& file);
Settings load_settings_text(const std::string& text, const std::string& file_name);

// The configuration `rampart serve` runs without --config: HTTPS on
// 127.0.0.1:8443 with a self-signed certificate, admin on 127.0.0.1:9901, in
// front of the demo upstream on 127.0.0.1:9000.
const std::string& embedded_default_configuration();

}  // namespace rampart::config
