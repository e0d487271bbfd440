// A real `rampart serve` process for integration tests: writes the given
// configuration into a fresh directory, starts the binary, waits until its
// public and admin ports accept connections, and kills it when destroyed.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <chrono>
#include <string>
#include <string_view>

#include "support/ports.hpp"
#include "support/process.hpp"
#include "support/recording_upstream.hpp"
#include "support/temp_dir.hpp"

namespace rampart::test {

// A complete configuration: one HTTPS listener on `port` with the self-signed
// certificate, the admin listener on `admin_port` with a known token, one
// upstream "app" at 127.0.0.1:upstream_port, then `routes` (YAML for the
// `routes:` list, indented two spaces) and `extra` (more top-level YAML); `admin_extra` is
// more YAML for the `admin:` section, indented two spaces.
std::string gateway_config(std::uint16_t port, std::uint16_t admin_port, std::uint16_t upstream_port,
                           const std::string& routes, const std::string& extra = "",
                           const std::string& admin_extra = "");

// A route list entry proxying `path` for `methods` to "app", with `auth: none`.
std::string simple_route(const std::string& path, const std::string& methods = "[GET]",
                         const std::string& more = "");

// Replaces the "{{dir}}" placeholder of gateway_config's text.
std::string in_directory(const std::string& config_text, const std::string& directory);

inline const std::string test_admin_token = "test-admin-token-0123456789abcdef0123456789";

class Gateway {
public:
    // Starts rampart with the text from gateway_config (or any full config);
    // the "{{dir}}" placeholder is replaced by the gateway's directory.
    Gateway(std::uint16_t port, std::uint16_t admin_port, const std::string& config_text,
            const std::map<std::string, std::string>& environment = {});

    std::uint16_t port() const { return port_; }
    std::uint16_t admin_port() const { return admin_port_; }
    const TempDir& directory() const { return directory_; }
    Process& process() { return *process_; }
    std::string config_path() const;
    std::string certificate_path() const;  // the self-signed certificate, for verification
    // Replaces the configuration file (for reload tests).
    void rewrite_config(const std::string& config_text);
    // Lines of the security-event log (written to <dir>/security.log).
    std::string security_log() const;
    std::string access_log() const;
    // The logs are written asynchronously: these poll until `text` appears.
    // The wait ends as soon as it does; 5 s leaves room for a loaded CI
    // machine (no test waits for a line to stay absent).
    bool wait_for_security_log(std::string_view text,
                               std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
    bool wait_for_access_log(std::string_view text,
                             std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

private:
    std::uint16_t port_;
    std::uint16_t admin_port_;
    TempDir directory_;
    std::unique_ptr<Process> process_;
};

// A gateway in front of its own recording upstream, on free ports, with
// gateway_config(..., routes, extra, admin_extra).
struct GatewayStack {
    explicit GatewayStack(const std::string& routes, const std::string& extra = "",
                          const std::string& admin_extra = "");

    RecordingUpstream upstream;
    std::uint16_t port = free_port();
    std::uint16_t admin_port = free_port();
    std::unique_ptr<Gateway> gateway;
};

}  // namespace rampart::test
