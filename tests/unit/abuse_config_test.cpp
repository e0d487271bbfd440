// The `abuse:` section (config/abuse_settings.hpp): defaults, values, and errors that name the
// file, the line and the key.
#include <gtest/gtest.h>

#include "config/loader.hpp"
#include "config_error.hpp"

namespace {

using namespace rampart;
using namespace std::chrono_literals;
using test::config_error_of;
using test::minimal_configuration;

TEST(AbuseConfig, DefaultsWithoutTheSection) {
    auto settings = config::load_settings_text(minimal_configuration, "test.yaml");
    EXPECT_EQ(settings.abuse.bans.max_entries, 100'000u);
    EXPECT_EQ(settings.abuse.bans.default_ttl, 1h);
    EXPECT_EQ(settings.abuse.bans.max_ttl, 7 * 24h);
    EXPECT_EQ(settings.abuse.token_misuse.max_addresses, 0u);
}

TEST(AbuseConfig, ValuesAreRead) {
    auto settings = config::load_settings_text(
        minimal_configuration +
            "abuse:\n  bans: {max_entries: 10, default_ttl: 5m, max_ttl: 1d}\n"
            "  token_misuse: {max_addresses: 3, window: 2m, action: ban, "
            "ban_ttl: 30m}\n",
        "test.yaml");
    EXPECT_EQ(settings.abuse.bans.max_entries, 10u);
    EXPECT_EQ(settings.abuse.bans.default_ttl, 5min);
    EXPECT_EQ(settings.abuse.token_misuse.max_addresses, 3u);
    EXPECT_EQ(settings.abuse.token_misuse.window, 2min);
    EXPECT_EQ(settings.abuse.token_misuse.action, config::TokenMisuseAction::ban);
    EXPECT_EQ(settings.abuse.token_misuse.ban_ttl, 30min);
}

TEST(AbuseConfig, ErrorsNameTheKey) {
    auto unknown = config_error_of(minimal_configuration + "abuse:\n  bans: {colour: red}\n");
    EXPECT_TRUE(unknown.starts_with("test.yaml:13:")) << unknown;
    EXPECT_NE(unknown.find("abuse.bans.colour: unknown key"), std::string::npos) << unknown;
    EXPECT_NE(config_error_of(minimal_configuration +
                              "abuse:\n  token_misuse: {max_addresses: 2, action: lock}\n")
                  .find("abuse.token_misuse.action: must be one of: event, revoke, ban"),
              std::string::npos);
    EXPECT_NE(
        config_error_of(minimal_configuration + "abuse:\n  bans: {default_ttl: 2d, max_ttl: 1d}\n")
            .find("abuse.bans.default_ttl"),
        std::string::npos);
    EXPECT_NE(config_error_of(minimal_configuration + "abuse:\n  token_misuse: {window: 1m}\n")
                  .find("abuse.token_misuse.max_addresses"),
              std::string::npos);
}

}  // namespace
