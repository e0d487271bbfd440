// identity_headers: the names a client may never send, in any spelling, and the configuration
// errors for headers that cannot carry an identity.
#include <gtest/gtest.h>

#include "config/identity_header_settings.hpp"
#include "config/loader.hpp"
#include "config_error.hpp"

namespace {

using rampart::config::IdentityField;
using rampart::config::is_identity_header;
using rampart::test::config_error_of;

const std::string base = rampart::test::minimal_configuration;

rampart::config::Settings load(const std::string& extra) {
    return rampart::config::load_settings_text(base + extra, "test.yaml");
}

TEST(IdentityHeaderConfig, DefaultsRefuseEverySpellingOfTheIdentityHeaders) {
    auto settings = load("");
    const auto& headers = settings.identity_headers;
    ASSERT_EQ(headers.set.size(), 4u);
    EXPECT_EQ(headers.set[0].name, "X-User-Id");
    EXPECT_EQ(headers.set[0].field, IdentityField::subject);
    for (auto name : {"X-User-Id", "x-user-id", "X_USER_ID", "x_user-id", "X-User-Roles",
                      "x-scopes", "X-Consumer", "X-Forwarded-User", "remote_user",
                      "X-Authenticated-User", "X-Remote-User", "x_rampart_identity"}) {
        EXPECT_TRUE(is_identity_header(name, headers)) << name;
    }
    for (auto name : {"X-User", "X-User-Idx", "Authorization", "X-Request-Id"}) {
        EXPECT_FALSE(is_identity_header(name, headers)) << name;
    }
}

TEST(IdentityHeaderConfig, ConfiguredHeadersReplaceTheDefaults) {
    auto settings = load(
        "identity_headers:\n"
        "  set: {X-Caller: subject, X-Caller-Roles: roles}\n"
        "  strip: [X-Debug-User]\n");
    const auto& headers = settings.identity_headers;
    ASSERT_EQ(headers.set.size(), 2u);
    EXPECT_EQ(headers.set[1].field, IdentityField::roles);
    EXPECT_TRUE(is_identity_header("x_caller", headers));
    EXPECT_TRUE(is_identity_header("X-DEBUG-USER", headers));
    EXPECT_FALSE(is_identity_header("X-User-Id", headers));  // no longer configured
}

TEST(IdentityHeaderConfig, ASignedIdentityAddsItsHeader) {
    auto settings = load("token_service: {}\nidentity_headers:\n  signed: {lifetime: 30s}\n");
    EXPECT_TRUE(settings.identity_headers.signed_identity.enabled);
    EXPECT_EQ(settings.identity_headers.signed_identity.lifetime, std::chrono::seconds(30));
    EXPECT_TRUE(is_identity_header("x_rampart_identity", settings.identity_headers));
}

TEST(IdentityHeaderConfig, RefusesHeadersThatCannotCarryAnIdentity) {
    auto reserved = config_error_of(base + "identity_headers:\n  set: {Authorization: subject}\n");
    EXPECT_NE(reserved.find("identity_headers.set.Authorization"), std::string::npos) << reserved;
    EXPECT_NE(reserved.find("gateway or HTTP owns"), std::string::npos) << reserved;

    auto twice = config_error_of(base + "identity_headers:\n  set: {X-A: subject, x_a: roles}\n");
    EXPECT_NE(twice.find("named twice"), std::string::npos) << twice;

    auto field = config_error_of(base + "identity_headers:\n  set: {X-A: password}\n");
    EXPECT_NE(field.find("identity_headers.set.X-A"), std::string::npos) << field;
    EXPECT_NE(field.find("must be one of"), std::string::npos) << field;

    auto unsigned_service = config_error_of(base + "identity_headers:\n  signed: {}\n");
    EXPECT_NE(unsigned_service.find("test.yaml:13:"), std::string::npos) << unsigned_service;
    EXPECT_NE(unsigned_service.find("token_service"), std::string::npos) << unsigned_service;

    auto lifetime =
        config_error_of(base + "token_service: {}\nidentity_headers:\n  signed: {lifetime: 1h}\n");
    EXPECT_NE(lifetime.find("identity_headers.signed.lifetime"), std::string::npos) << lifetime;

    auto unknown = config_error_of(base + "identity_headers:\n  sett: {}\n");
    EXPECT_NE(unknown.find("identity_headers.sett"), std::string::npos) << unknown;
}

}  // namespace
