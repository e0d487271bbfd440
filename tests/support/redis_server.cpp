#include "support/redis_server.hpp"

#include <signal.h>

#include <array>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "support/ports.hpp"

namespace rampart::test {

namespace {

constexpr const char* redis_server_binary = "/usr/bin/redis-server";
constexpr const char* redis_cli_binary = "/usr/bin/redis-cli";

}  // namespace

RedisServer::RedisServer(std::string password)
    : port_(free_port()), password_(std::move(password)) {
    start();
}

RedisServer::~RedisServer() {
    stop();
}

void RedisServer::start() {
    if (process_) {
        return;
    }
    std::vector<std::string> arguments{"--port",       std::to_string(port_),
                                       "--bind",       "127.0.0.1",
                                       "--save",       "",
                                       "--appendonly", "no",
                                       "--dir",        directory_.path(),
                                       "--logfile",    ""};
    if (!password_.empty()) {
        arguments.insert(arguments.end(), {"--requirepass", password_});
    }
    process_ = std::make_unique<Process>(redis_server_binary, arguments, directory_.path());
    if (!process_->wait_for_port(port_, std::chrono::seconds(10))) {
        auto errors = process_->output() + process_->errors();
        process_.reset();
        throw std::runtime_error("redis-server did not start on port " + std::to_string(port_) +
                                 " (is it installed? scripts/install-deps.sh): " + errors);
    }
}

void RedisServer::stop() {
    if (!process_) {
        return;
    }
    process_->signal(SIGCONT);  // a paused one too
    process_->signal(SIGKILL);
    (void)process_->wait_for_exit(std::chrono::seconds(5));
    process_.reset();
}

void RedisServer::pause() {
    if (process_) {
        process_->signal(SIGSTOP);
    }
}

void RedisServer::resume() {
    if (process_) {
        process_->signal(SIGCONT);
    }
}

std::string RedisServer::command(const std::string& arguments) const {
    std::string line = std::string(redis_cli_binary) + " -h 127.0.0.1 -p " + std::to_string(port_);
    if (!password_.empty()) {
        line += " --no-auth-warning -a " + password_;
    }
    line += " " + arguments + " 2>&1";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(line.c_str(), "r"), ::pclose);
    if (!pipe) {
        return {};
    }
    std::string output;
    std::array<char, 256> buffer;
    while (auto size = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) {
        output.append(buffer.data(), size);
    }
    while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) {
        output.pop_back();
    }
    return output;
}

}  // namespace rampart::test
