// Configuration errors name the file, the line and the key path; defaults
// are filled in; groups pass their settings down to their routes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "config/loader.hpp"
#include "config_error.hpp"

using rampart::config::ConfigError;
using rampart::config::load_settings_file;
using rampart::config::load_settings_text;

namespace {

const std::string listeners = R"(listeners:
  - port: 18443
    tls: {self_signed: true}
upstreams:
  app:
    targets: [http://127.0.0.1:9000]
)";

using rampart::test::config_error_of;

std::string error_of(const std::string& text) {
    return config_error_of(text);
}

}  // namespace

TEST(ConfigLoader, MinimalConfigurationGetsSafeDefaults) {
    auto settings = load_settings_text(listeners + R"(routes:
  - path: /items
    methods: [GET]
    upstream: app
    auth: none
)",
                                       "test.yaml");
    ASSERT_EQ(settings.routes.size(), 1u);
    EXPECT_EQ(settings.limits.max_request_target_bytes, 8192u);
    EXPECT_EQ(settings.limits.max_header_bytes, 16384u);
    EXPECT_EQ(settings.limits.max_header_fields, 100u);
    EXPECT_EQ(settings.limits.max_body_bytes, 1024u * 1024u);
    EXPECT_EQ(settings.limits.header_timeout, std::chrono::seconds(10));
    EXPECT_EQ(settings.admin.address, "127.0.0.1");
    EXPECT_EQ(settings.admin.port, 9901);
    EXPECT_EQ(settings.listeners[0].tls->profile, rampart::config::TlsProfile::intermediate);
    EXPECT_EQ(settings.routes[0].name, "/items");
    EXPECT_GE(settings.workers, 1u);
}

TEST(ConfigLoader, UnknownKeyNamesFileLineAndPath) {
    auto message = error_of(listeners + R"(routes:
  - path: /items
    methods: [GET]
    upstream: app
    auth: none
    timout: 5s
)");
    EXPECT_NE(message.find("test.yaml:12:5: routes[0].timout: unknown key"), std::string::npos)
        << message;
}

TEST(ConfigLoader, WrongTypeAndOutOfRangeAreErrors) {
    auto message = error_of(listeners + R"(limits:
  max_header_fields: lots
routes: []
)");
    EXPECT_NE(message.find("test.yaml:8:22: limits.max_header_fields: must be an integer"),
              std::string::npos)
        << message;
    message = error_of(listeners + R"(limits:
  header_timeout: 2h
routes: []
)");
    EXPECT_NE(message.find("limits.header_timeout: must be between"), std::string::npos) << message;
    message = error_of(listeners + R"(limits:
  max_body_bytes: 1 MiB
routes: []
)");
    EXPECT_NE(message.find("limits.max_body_bytes: must be a size"), std::string::npos) << message;
}

TEST(ConfigLoader, RouteWithoutAuthIsRefused) {
    auto message = error_of(listeners + R"(routes:
  - path: /items
    methods: [GET]
    upstream: app
)");
    EXPECT_NE(message.find("routes[0].auth: is required"), std::string::npos) << message;
}

TEST(ConfigLoader, UnknownUpstreamAndMethodAreRefused) {
    auto message = error_of(listeners + R"(routes:
  - path: /items
    methods: [GET]
    upstream: missing
    auth: none
)");
    EXPECT_NE(message.find("test.yaml:8: routes: upstream \"missing\" is not defined"),
              std::string::npos)
        << message;
    message = error_of(listeners + R"(routes:
  - path: /items
    methods: [GET, TRACE]
    upstream: app
    auth: none
)");
    EXPECT_NE(
        message.find("test.yaml:9:20: routes[0].methods[1]: unknown or refused method \"TRACE\""),
        std::string::npos)
        << message;
}

TEST(ConfigLoader, PlainListenerOnlyRedirects) {
    auto message = error_of(R"(listeners:
  - port: 8080
routes: []
)");
    EXPECT_NE(message.find("only redirects to HTTPS"), std::string::npos) << message;
    message = error_of(R"(listeners:
  - port: 8080
    redirect_to_https_port: 8443
routes: []
)");
    EXPECT_NE(message.find("at least one listener needs tls"), std::string::npos) << message;
}

TEST(ConfigLoader, GroupsPassPrefixUpstreamAndAuthDown) {
    auto settings = load_settings_text(listeners + R"(routes:
  - prefix: /api/v1
    upstream: app
    auth: none
    max_body_bytes: 4KiB
    routes:
      - path: /users/{id}
        methods: [GET, DELETE]
      - prefix: /admin
        routes:
          - path: /stats
            methods: [GET]
            max_body_bytes: 0
)",
                                       "test.yaml");
    ASSERT_EQ(settings.routes.size(), 2u);
    EXPECT_EQ(settings.routes[0].path, "/api/v1/users/{id}");
    EXPECT_EQ(settings.routes[0].upstream, "app");
    EXPECT_EQ(settings.routes[0].max_body_bytes, 4096u);
    EXPECT_EQ(settings.routes[1].path, "/api/v1/admin/stats");
    EXPECT_EQ(settings.routes[1].max_body_bytes, 0u);
    EXPECT_EQ(settings.routes[1].stage_sections.size(), 3u);  // route, inner group, outer group
}

TEST(ConfigLoader, EnvironmentSubstitutionAndSecretFiles) {
    ::setenv("RAMPART_TEST_PORT", "19443", 1);
    auto directory = std::filesystem::temp_directory_path() / "rampart-config-test";
    std::filesystem::create_directories(directory);
    auto token_file = directory / "token";
    std::ofstream(token_file) << std::string(40, 'x') << "\n";
    auto settings = load_settings_text(R"(listeners:
  - port: ${RAMPART_TEST_PORT}
    tls: {self_signed: true}
admin:
  token: file:)" + token_file.string() + R"(
upstreams:
  app:
    targets: ["http://127.0.0.1:${RAMPART_TEST_UPSTREAM_PORT:-9000}"]
routes:
  - {path: /, methods: [GET], upstream: app, auth: none}
)",
                                       "test.yaml");
    EXPECT_EQ(settings.listeners[0].port, 19443);
    EXPECT_EQ(settings.admin.token, std::string(40, 'x'));
    EXPECT_EQ(settings.upstreams[0].targets[0].port, 9000);

    auto message = error_of(R"(listeners:
  - port: ${RAMPART_TEST_UNDEFINED_VARIABLE}
    tls: {self_signed: true}
routes: []
)");
    EXPECT_NE(message.find("test.yaml:2:11: listeners[0].port: environment variable "
                           "${RAMPART_TEST_UNDEFINED_VARIABLE} is not set"),
              std::string::npos)
        << message;
    std::filesystem::remove_all(directory);
}

// A secret file is a short regular file: a device or a large file is refused
// at once, naming the key, instead of hanging or exhausting the loader.
TEST(ConfigLoader, SecretFilesMustBeSmallRegularFiles) {
    auto directory = std::filesystem::temp_directory_path() / "rampart-secret-file-test";
    std::filesystem::create_directories(directory);
    auto large_file = directory / "large";
    std::ofstream(large_file) << std::string(65 * 1024, 'x');
    auto config_with = [](const std::string& path) {
        return listeners + "admin:\n  token: file:" + path + "\nroutes: []\n";
    };
    auto device = error_of(config_with("/dev/zero"));
    EXPECT_NE(device.find("admin.token: secret file /dev/zero is not a readable regular file"),
              std::string::npos)
        << device;
    auto large = error_of(config_with(large_file.string()));
    EXPECT_NE(
        large.find("admin.token: secret file " + large_file.string() + " is larger than 64 KiB"),
        std::string::npos)
        << large;
    auto missing = error_of(config_with((directory / "missing").string()));
    EXPECT_NE(missing.find("admin.token: secret file"), std::string::npos) << missing;
    std::filesystem::remove_all(directory);
}

TEST(ConfigLoader, SecretsNeverAppearInErrors) {
    auto message = error_of(listeners + R"(admin:
  token: short-secret-value
routes: []
)");
    EXPECT_NE(message.find("admin.token: must be at least 32 characters"), std::string::npos)
        << message;
    EXPECT_EQ(message.find("short-secret-value"), std::string::npos) << message;
}

TEST(ConfigLoader, UpstreamTargetsMustBeOriginsOnly) {
    auto message = error_of(R"(listeners:
  - port: 18443
    tls: {self_signed: true}
upstreams:
  app:
    targets: [http://user@127.0.0.1:9000/path]
routes: []
)");
    EXPECT_NE(
        message.find("test.yaml:6:15: upstreams.app.targets[0]: must be scheme://host[:port] only"),
        std::string::npos)
        << message;
}

TEST(ConfigLoader, SyntaxErrorAndMissingFileNameTheFile) {
    auto message = error_of("listeners: [\n  - port: 1\n");
    EXPECT_NE(message.find("test.yaml:"), std::string::npos) << message;
    try {
        load_settings_file("/nonexistent/rampart.yaml");
        FAIL() << "a missing file must be an error";
    } catch (const ConfigError& error) {
        EXPECT_NE(std::string(error.what()).find("/nonexistent/rampart.yaml"), std::string::npos);
    }
}

TEST(ConfigLoader, EmbeddedDefaultLoads) {
    auto settings =
        load_settings_text(rampart::config::embedded_default_configuration(), "(embedded)");
    EXPECT_EQ(settings.listeners.at(0).port, 8443);
    EXPECT_TRUE(settings.listeners.at(0).tls->self_signed);
    EXPECT_GE(settings.routes.size(), 10u);
}

TEST(ConfigLoader, RepeatedKeyIsAnError) {
    auto message = error_of(listeners + R"(routes:
  - path: /items
    methods: [GET]
    upstream: app
    auth: none
    upstream: other
)");
    EXPECT_NE(message.find("test.yaml:12:5: routes[0].upstream: is given twice"), std::string::npos)
        << message;
}

// Groups aliasing groups (found while writing fuzz_config): four lines that would be read as
// 25^3 routes, or as many empty groups, are refused after 1000 uses through aliases, not read
// for minutes.
TEST(ConfigLoader, AliasedGroupsAreBounded) {
    auto group_of = [](int level) {
        std::string line = "  - &g" + std::to_string(level) + " {prefix: /p, routes: [";
        for (int i = 0; i < 25; ++i) {
            line += (i == 0 ? "*g" : ", *g") + std::to_string(level - 1);
        }
        return line + "]}\n";
    };
    for (std::string innermost : {"{path: /x, methods: [GET]}", ""}) {
        auto message = error_of(listeners + "routes:\n  - &g0 {prefix: /a, upstream: app, " +
                                "auth: none, routes: [" + innermost + "]}\n" + group_of(1) +
                                group_of(2) + group_of(3));
        // Named at the list of the group being read when the count is reached.
        EXPECT_TRUE(message.starts_with("test.yaml:")) << message;
        EXPECT_NE(message.find("].routes: uses routes and groups through YAML aliases more than "
                               "1000 times in all"),
                  std::string::npos)
            << message;
    }
}

TEST(ConfigLoader, AliasedGroupUnderTwoPrefixesLoads) {
    auto settings = load_settings_text(listeners + R"(routes:
  - prefix: /v1
    routes: [&items {path: /items, methods: [GET], upstream: app, auth: none}]
  - prefix: /v2
    routes: [*items]
)",
                                       "test.yaml");
    ASSERT_EQ(settings.routes.size(), 2u);
    EXPECT_EQ(settings.routes[0].path, "/v1/items");
    EXPECT_EQ(settings.routes[1].path, "/v2/items");
}
