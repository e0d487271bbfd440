#include "limit/store_settings.hpp"

#include <boost/asio/ip/address.hpp>

#include <charconv>

#include "store/redis/redis_connection.hpp"

namespace rampart::limit {

namespace {

using namespace std::chrono_literals;

// The SipHash key is derived from it; below 16 bytes it would be guessable.
constexpr std::size_t shortest_key_secret = 16;

// "127.0.0.1:6379" or "[::1]:6379"; the port defaults to 6379.
void read_address(const config::Section& store, RedisStoreSettings& settings) {
    auto text = store.string("address", "127.0.0.1:6379");
    std::string host = text;
    std::string port_text;
    if (text.starts_with('[')) {
        auto close = text.find(']');
        if (close != std::string::npos) {
            host = text.substr(1, close - 1);
            if (close + 1 < text.size() && text[close + 1] == ':') {
                port_text = text.substr(close + 2);
            } else if (close + 1 != text.size()) {
                host.clear();
            }
        }
    } else if (auto colon = text.rfind(':'); colon != std::string::npos) {
        host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
    }
    boost::system::error_code error;
    (void)boost::asio::ip::make_address(host, error);
    unsigned port = 6379;
    if (!port_text.empty()) {
        auto [end, parse_error] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (parse_error != std::errc() || end != port_text.data() + port_text.size()) {
            port = 0;
        }
    }
    if (host.empty() || error || port == 0 || port > 65535) {
        store.fail("address",
                   "must be an IP address and port, e.g. 127.0.0.1:6379 or [::1]:6379 (a host "
                   "name is not resolved: got \"" +
                       text + "\")");
    }
    settings.address = host;
    settings.port = static_cast<std::uint16_t>(port);
}

}  // namespace

std::string_view failure_mode_name(RedisFailureMode mode) {
    switch (mode) {
        case RedisFailureMode::closed:
            return "closed";
        case RedisFailureMode::open:
            return "open";
        case RedisFailureMode::local:
            return "local";
    }
    return "local";
}

std::optional<RedisStoreSettings> read_store_settings(const config::Section& rate_limit) {
    auto store = rate_limit.optional_section("store");
    if (!store) {
        return std::nullopt;
    }
    auto type = store->string("type", "in_process");
    if (type == "in_process") {
        store->finish();
        return std::nullopt;
    }
    if (type != "redis") {
        store->fail("type", "must be one of: in_process, redis (got \"" + type + "\")");
    }
    RedisStoreSettings settings;
    read_address(*store, settings);
    settings.password = store->optional_secret("password");
    settings.database = static_cast<int>(store->integer("database", 0, 0, 15));
    settings.key_prefix = store->string("key_prefix", settings.key_prefix);
    if (settings.key_prefix.size() > 64) {
        store->fail("key_prefix", "may be at most 64 characters");
    }
    if (!store->has("key_secret")) {
        store->fail("key_secret",
                    "is required with type: redis: the same secret of at least 16 bytes on every "
                    "instance, e.g. ${RAMPART_RATE_LIMIT_KEY} or file:/run/secrets/rate-limit-key "
                    "(make one with: openssl rand -hex 32)");
    }
    settings.key_secret = store->secret("key_secret");
    if (settings.key_secret.size() < shortest_key_secret) {
        store->fail("key_secret",
                    "must be at least 16 bytes (make one with: openssl rand -hex 32)");
    }
    settings.timeout = store->duration("timeout", 50ms, 1ms, 10s);
    settings.connect_timeout = store->duration("connect_timeout", 1s, 1ms, 60s);
    settings.instances = static_cast<int>(store->integer("instances", 1, 1, 1000));
    settings.on_failure = store->choice<RedisFailureMode>("on_redis_failure",
                                                          {{"closed", RedisFailureMode::closed},
                                                           {"open", RedisFailureMode::open},
                                                           {"local", RedisFailureMode::local}},
                                                          RedisFailureMode::local);
    store->finish();
    return settings;
}

store::redis::ConnectionOptions redis_connection_options(
    const RedisStoreSettings& settings, std::chrono::milliseconds command_timeout) {
    store::redis::ConnectionOptions options;
    options.endpoint = {boost::asio::ip::make_address(settings.address), settings.port};
    options.password = settings.password;
    options.database = settings.database;
    options.connect_timeout = settings.connect_timeout;
    options.command_timeout = command_timeout;
    return options;
}

}  // namespace rampart::limit
