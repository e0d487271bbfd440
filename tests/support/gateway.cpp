#include "support/gateway.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/ports.hpp"

namespace rampart::test {

namespace {

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    for (auto position = text.find(from); position != std::string::npos;
         position = text.find(from, position + to.size())) {
        text.replace(position, from.size(), to);
    }
    return text;
}

bool wait_for_text(const std::function<std::string()>& read, std::string_view text,
                   std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (read().find(text) == std::string::npos) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
}

}  // namespace

std::string in_directory(const std::string& config_text, const std::string& directory) {
    return replace_all(config_text, "{{dir}}", directory);
}

std::string gateway_config(std::uint16_t port, std::uint16_t admin_port, std::uint16_t upstream_port,
                           const std::string& routes, const std::string& extra,
                           const std::string& admin_extra) {
    std::ostringstream config;
    config << "data_directory: {{dir}}/data\n"
           << "workers: 2\n"
           << "listeners:\n"
           << "  - name: public\n"
           << "    address: 127.0.0.1\n"
           << "    port: " << port << "\n"
           << "    tls: {self_signed: true}\n"
           << "admin:\n"
           << "  address: 127.0.0.1\n"
           << "  port: " << admin_port << "\n"
           << "  token: " << test_admin_token << "\n"
           << admin_extra
           << "logging:\n"
           << "  access_log: {path: '{{dir}}/access.log'}\n"
           << "  security_log: {path: '{{dir}}/security.log'}\n"
           << "drain_timeout: 5s\n"
           << "upstreams:\n"
           << "  app:\n"
           << "    targets: [http://127.0.0.1:" << upstream_port << "]\n"
           << "    connect_timeout: 1s\n"
           << "    response_timeout: 5s\n"
           << extra << "\n"
           << "routes:\n"
           << routes;
    return config.str();
}

std::string simple_route(const std::string& path, const std::string& methods, const std::string& more) {
    return "  - path: " + path + "\n    methods: " + methods + "\n    upstream: app\n    auth: none\n" +
           more;
}

Gateway::Gateway(std::uint16_t port, std::uint16_t admin_port, const std::string& config_text,
                 const std::map<std::string, std::string>& environment)
    : port_(port), admin_port_(admin_port) {
    rewrite_config(config_text);
    process_ = std::make_unique<Process>(rampart_binary(),
                                         std::vector<std::string>{"serve", "--config", config_path()},
                                         directory_.path(), environment);
    if (!process_->wait_for_port(port_) || !process_->wait_for_port(admin_port_)) {
        throw std::runtime_error("rampart did not start: " + process_->errors() + process_->output());
    }
}

std::string Gateway::config_path() const { return directory_.path() + "/rampart.yaml"; }

std::string Gateway::certificate_path() const { return directory_.path() + "/data/tls/self-signed.crt"; }

void Gateway::rewrite_config(const std::string& config_text) {
    auto text = replace_all(config_text, "{{dir}}", directory_.path());
    auto temporary = config_path() + ".tmp";
    std::ofstream(temporary) << text;
    std::rename(temporary.c_str(), config_path().c_str());
}

std::string Gateway::security_log() const { return read_file(directory_.path() + "/security.log"); }

std::string Gateway::access_log() const { return read_file(directory_.path() + "/access.log"); }

bool Gateway::wait_for_security_log(std::string_view text, std::chrono::milliseconds timeout) const {
    return wait_for_text([this] { return security_log(); }, text, timeout);
}

bool Gateway::wait_for_access_log(std::string_view text, std::chrono::milliseconds timeout) const {
    return wait_for_text([this] { return access_log(); }, text, timeout);
}

GatewayStack::GatewayStack(const std::string& routes, const std::string& extra,
                           const std::string& admin_extra) {
    while (admin_port == port) {
        admin_port = free_port();
    }
    gateway = std::make_unique<Gateway>(
        port, admin_port, gateway_config(port, admin_port, upstream.port(), routes, extra, admin_extra));
}

}  // namespace rampart::test
