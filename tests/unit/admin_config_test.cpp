// The admin section: principals known by the hash of their token, the source allowlist, and
// errors that name file, line and key.
#include <gtest/gtest.h>

#include <algorithm>

#include "admin/admin_access.hpp"
#include "auth/secret_token.hpp"
#include "config/loader.hpp"
#include "config_error.hpp"

namespace {

using rampart::config::AdminRole;
using rampart::config::load_settings_text;

const std::string base = rampart::test::minimal_configuration + R"(admin:
  token: operator-token-0123456789abcdef0123456789
)";

const std::string viewer_hash = rampart::auth::sha256_hex("viewer-token-0123456789abcdef0123");

std::string error_of(const std::string& text) {
    return rampart::test::config_error_of(text, "admin.yaml");
}

std::string principal(const std::string& name, const std::string& role, const std::string& hash) {
    return "  principals:\n    - name: " + name + "\n      role: " + role +
           "\n      token_sha256: " + hash + "\n";
}

TEST(AdminConfig, DefaultsToLoopbackSourcesAndNoPrincipals) {
    auto settings = load_settings_text(base, "admin.yaml");
    EXPECT_TRUE(settings.admin.principals.empty());
    auto& sources = settings.admin.allowed_sources;
    EXPECT_TRUE(rampart::net::any_contains(sources, boost::asio::ip::make_address("127.0.0.1")));
    EXPECT_TRUE(rampart::net::any_contains(sources, boost::asio::ip::make_address("::1")));
    EXPECT_FALSE(rampart::net::any_contains(sources, boost::asio::ip::make_address("10.1.2.3")));
}

TEST(AdminConfig, ReadsPrincipalsAndSources) {
    auto settings = load_settings_text(
        base + principal("grafana", "viewer", viewer_hash) + "  allowed_sources: [10.0.0.0/8]\n",
        "admin.yaml");
    ASSERT_EQ(settings.admin.principals.size(), 1u);
    EXPECT_EQ(settings.admin.principals[0].name, "grafana");
    EXPECT_EQ(settings.admin.principals[0].role, AdminRole::viewer);
    EXPECT_EQ(settings.admin.principals[0].token_sha256, viewer_hash);
    EXPECT_TRUE(rampart::net::any_contains(settings.admin.allowed_sources,
                                           boost::asio::ip::make_address("10.1.2.3")));
    EXPECT_FALSE(rampart::net::any_contains(settings.admin.allowed_sources,
                                            boost::asio::ip::make_address("127.0.0.1")));
}

TEST(AdminConfig, RefusesBadPrincipalsNamingLineAndKey) {
    auto text = base + principal("grafana", "viewer", "abc123");
    auto line = std::count(text.begin(), text.begin() + text.find("token_sha256"), '\n') + 1;
    auto short_hash = error_of(text);
    EXPECT_NE(short_hash.find("admin.yaml:" + std::to_string(line) + ":"), std::string::npos)
        << short_hash;
    EXPECT_NE(short_hash.find("admin.principals[0].token_sha256"), std::string::npos) << short_hash;

    auto upper_hash = error_of(base + principal("grafana", "viewer", std::string(64, 'A')));
    EXPECT_NE(upper_hash.find("token_sha256"), std::string::npos) << upper_hash;

    auto role = error_of(base + principal("grafana", "root", viewer_hash));
    EXPECT_NE(role.find("admin.principals[0].role"), std::string::npos) << role;
    EXPECT_NE(role.find("viewer, admin"), std::string::npos) << role;

    auto reserved = error_of(base + principal("operator", "viewer", viewer_hash));
    EXPECT_NE(reserved.find("is taken"), std::string::npos) << reserved;

    auto twice = error_of(base + principal("a", "viewer", viewer_hash) + "    - name: b\n" +
                          "      token_sha256: " + viewer_hash + "\n");
    EXPECT_NE(twice.find("same token"), std::string::npos) << twice;

    auto unknown = error_of(base + principal("a", "viewer", viewer_hash) + "      token: x\n");
    EXPECT_NE(unknown.find("token"), std::string::npos) << unknown;
    EXPECT_NE(unknown, "(no error)");
}

TEST(AdminConfig, RefusesBadSources) {
    auto bad = error_of(base + "  allowed_sources: [127.0.0.1, not-a-network]\n");
    EXPECT_NE(bad.find("admin.allowed_sources[1]"), std::string::npos) << bad;
    auto empty = error_of(base + "  allowed_sources: []\n");
    EXPECT_NE(empty.find("at least one network"), std::string::npos) << empty;
}

TEST(AdminAccess, IdentifiesTheOperatorAndPrincipalsByToken) {
    std::vector<rampart::config::AdminPrincipal> principals{
        {"grafana", AdminRole::viewer, viewer_hash, ""}};
    const std::string operator_token = "operator-token-0123456789abcdef0123456789";

    auto operator_caller = rampart::admin::identify_admin_caller("Bearer " + operator_token,
                                                                 operator_token, principals);
    ASSERT_TRUE(operator_caller);
    EXPECT_EQ(operator_caller->name, "operator");
    EXPECT_EQ(operator_caller->role, AdminRole::admin);

    auto viewer = rampart::admin::identify_admin_caller("bearer viewer-token-0123456789abcdef0123",
                                                        operator_token, principals);
    ASSERT_TRUE(viewer);
    EXPECT_EQ(viewer->name, "grafana");
    EXPECT_FALSE(rampart::admin::may_perform(*viewer, true));
    EXPECT_TRUE(rampart::admin::may_perform(*viewer, false));
    EXPECT_TRUE(rampart::admin::may_perform(*operator_caller, true));

    EXPECT_FALSE(rampart::admin::identify_admin_caller("Bearer " + operator_token + "x",
                                                       operator_token, principals));
    EXPECT_FALSE(rampart::admin::identify_admin_caller("Basic YWRtaW46YWRtaW4=", operator_token,
                                                       principals));
    EXPECT_FALSE(rampart::admin::identify_admin_caller("Bearer ", operator_token, principals));
    // The hash itself is not a credential.
    EXPECT_FALSE(
        rampart::admin::identify_admin_caller("Bearer " + viewer_hash, operator_token, principals));
    // No operator token configured: an empty bearer never matches it.
    EXPECT_FALSE(rampart::admin::identify_admin_caller("Bearer x", "", {}));
}

}  // namespace

namespace {

TEST(AdminConfig, CertificatePrincipalsNeedAnAdminListenerThatVerifiesClients) {
    auto certificate_principal = std::string(
        "  principals:\n    - name: ops\n      role: admin\n"
        "      certificate_subject: CN=ops,O=Example\n");
    auto without_tls = error_of(base + certificate_principal);
    EXPECT_NE(without_tls.find("admin.principals[0].certificate_subject"), std::string::npos)
        << without_tls;
    EXPECT_NE(without_tls.find("client_ca"), std::string::npos) << without_tls;

    auto both = error_of(base + principal("ops", "admin", viewer_hash) +
                         "      certificate_subject: CN=ops\n");
    EXPECT_NE(both.find("exactly one of token_sha256 and certificate_subject"), std::string::npos)
        << both;
    auto neither = error_of(base + "  principals:\n    - name: ops\n      role: admin\n");
    EXPECT_NE(neither.find("exactly one"), std::string::npos) << neither;

    auto settings = load_settings_text(
        base + "  tls: {self_signed: true, client_ca: /etc/ca.pem}\n" + certificate_principal,
        "admin.yaml");
    ASSERT_EQ(settings.admin.principals.size(), 1u);
    EXPECT_EQ(settings.admin.principals[0].certificate_subject, "CN=ops,O=Example");
    EXPECT_TRUE(settings.admin.principals[0].token_sha256.empty());
    ASSERT_TRUE(settings.admin.tls);
}

}  // namespace
