#include "config/abuse_settings.hpp"

namespace rampart::config {

namespace {

using namespace std::chrono_literals;

std::chrono::seconds whole_seconds(Duration duration) {
    return std::chrono::duration_cast<std::chrono::seconds>(duration);
}

BanSettings read_bans(const Section& section) {
    BanSettings bans;
    bans.max_entries = static_cast<std::size_t>(
        section.integer("max_entries", static_cast<std::int64_t>(bans.max_entries), 1, 10'000'000));
    bans.max_ttl = whole_seconds(section.duration("max_ttl", bans.max_ttl, 1s, 24h * 365));
    bans.default_ttl =
        whole_seconds(section.duration("default_ttl", bans.default_ttl, 1s, 24h * 365));
    if (bans.default_ttl > bans.max_ttl) {
        section.fail("default_ttl", "must not be longer than max_ttl");
    }
    bans.report_interval =
        whole_seconds(section.duration("report_interval", bans.report_interval, 1s, 24h));
    section.finish();
    return bans;
}

TokenMisuseSettings read_token_misuse(const Section& section, const BanSettings& bans) {
    TokenMisuseSettings misuse;
    misuse.max_addresses = static_cast<unsigned>(section.integer("max_addresses", 1, 1000));
    misuse.window = whole_seconds(section.duration("window", misuse.window, 1s, 24h));
    misuse.action = section.choice("action",
                                   {{"event", TokenMisuseAction::event},
                                    {"revoke", TokenMisuseAction::revoke},
                                    {"ban", TokenMisuseAction::ban}},
                                   TokenMisuseAction::event);
    misuse.ban_ttl = whole_seconds(section.duration("ban_ttl", misuse.ban_ttl, 1s, 24h * 365));
    if (misuse.ban_ttl > bans.max_ttl) {
        section.fail("ban_ttl", "must not be longer than abuse.bans.max_ttl");
    }
    misuse.max_tracked = static_cast<std::size_t>(section.integer(
        "max_tracked", static_cast<std::int64_t>(misuse.max_tracked), 1, 10'000'000));
    section.finish();
    return misuse;
}

}  // namespace

AbuseSettings read_abuse_settings(const Section& root) {
    AbuseSettings abuse;
    auto section = root.optional_section("abuse");
    if (!section) {
        return abuse;
    }
    if (auto bans = section->optional_section("bans")) {
        abuse.bans = read_bans(*bans);
    }
    if (auto misuse = section->optional_section("token_misuse")) {
        abuse.token_misuse = read_token_misuse(*misuse, abuse.bans);
    }
    section->finish();
    return abuse;
}

}  // namespace rampart::config
