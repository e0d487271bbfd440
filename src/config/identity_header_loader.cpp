#include "config/identity_header_loader.hpp"

#include <set>

#include "util/ascii.hpp"

namespace rampart::config {

namespace {

using namespace std::chrono_literals;

// Headers whose meaning the gateway or HTTP itself owns: an identity header may not take one.
constexpr std::string_view reserved_names[] = {"host",
                                               "authorization",
                                               "cookie",
                                               "content-length",
                                               "content-type",
                                               "transfer-encoding",
                                               "connection",
                                               "te",
                                               "upgrade",
                                               "x-forwarded-for",
                                               "x-forwarded-proto",
                                               "x-forwarded-host",
                                               "x-request-id",
                                               "forwarded",
                                               "expect",
                                               "proxy-authorization"};

void check_header_name(const Section& section, std::string_view key, const std::string& name,
                       std::set<std::string, std::less<>>& seen) {
    if (!util::is_token(name) || name.size() > 64) {
        section.fail(key, "\"" + name + "\" is not a header name");
    }
    auto normalized = normalized_header_name(name);
    for (auto reserved : reserved_names) {
        if (normalized == reserved) {
            section.fail(key, "\"" + name + "\" is a header the gateway or HTTP owns");
        }
    }
    if (!seen.insert(normalized).second) {
        section.fail(key, "\"" + name + "\" is named twice (letter case and _ do not count)");
    }
}

IdentityField read_field(const Section& section, const std::string& key) {
    return section.choice<IdentityField>(key,
                                         {{"subject", IdentityField::subject},
                                          {"username", IdentityField::username},
                                          {"client_id", IdentityField::client_id},
                                          {"consumer", IdentityField::consumer},
                                          {"roles", IdentityField::roles},
                                          {"scopes", IdentityField::scopes},
                                          {"issuer", IdentityField::issuer},
                                          {"credential", IdentityField::credential}},
                                         IdentityField::subject);
}

}  // namespace

IdentityHeaderSettings read_identity_headers(const Section& section, bool token_service_enabled) {
    IdentityHeaderSettings settings;
    std::set<std::string, std::less<>> seen;
    if (auto set = section.optional_section("set")) {
        settings.set.clear();
        for (auto it = set->node().begin(); it != set->node().end(); ++it) {
            auto name = it->first.Scalar();
            check_header_name(*set, name, name, seen);
            settings.set.push_back({name, read_field(*set, name)});
        }
    } else {
        for (const auto& header : settings.set) {
            seen.insert(normalized_header_name(header.name));
        }
    }
    if (section.has("strip")) {
        settings.strip = section.strings("strip");
        for (const auto& name : settings.strip) {
            check_header_name(section, "strip", name, seen);
        }
    }
    if (auto signed_identity = section.optional_section("signed")) {
        auto& signed_settings = settings.signed_identity;
        signed_settings.enabled = signed_identity->boolean("enabled", true);
        signed_settings.header = signed_identity->string("header", signed_settings.header);
        signed_settings.lifetime = std::chrono::duration_cast<std::chrono::seconds>(
            signed_identity->duration("lifetime", 60s, 5s, 5min));
        check_header_name(*signed_identity, "header", signed_settings.header, seen);
        if (signed_settings.enabled && !token_service_enabled) {
            signed_identity->fail("enabled",
                                  "a signed identity is signed with the token service's key: "
                                  "configure token_service");
        }
        signed_identity->finish();
    }
    section.finish();
    compile_identity_header_names(settings);
    return settings;
}

}  // namespace rampart::config
