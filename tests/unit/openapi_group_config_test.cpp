// A route group's `openapi` key (validate/openapi_group.hpp) as the loader reads
// it: routes under the group's prefix with the group's upstream, the group's
// auth where the document has no security, scopes added to the group's
// require, and errors that name the config file, line and key and the place
// in the document.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "config_error.hpp"
#include "pipeline/stage_registry.hpp"

namespace rampart::test {
namespace {

class OpenApiGroupConfig : public ::testing::Test {
  protected:
    void SetUp() override {
        directory_ = std::filesystem::temp_directory_path() /
                     ("rampart-openapi-" + std::to_string(::getpid()));
        std::filesystem::create_directories(directory_);
    }
    void TearDown() override { std::filesystem::remove_all(directory_); }

    std::string write_spec(const std::string& text) {
        auto path = directory_ / "spec.yaml";
        std::ofstream(path) << text;
        return path.string();
    }

    std::string group(const std::string& spec, const std::string& more = "") {
        return minimal_configuration + "  - prefix: /api\n    upstream: app\n" + more +
               "    openapi: " + spec + "\n";
    }

    std::filesystem::path directory_;
};

const std::string secured = R"(openapi: 3.0.3
paths:
  /orders/{id}:
    get:
      security: [{oauth: [orders:read]}]
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses: {}
    delete:
      responses: {}
components:
  securitySchemes:
    oauth: {type: oauth2, flows: {}}
)";

TEST_F(OpenApiGroupConfig, RoutesTakeThePrefixUpstreamAndTheGroupsAuth) {
    auto spec = write_spec(secured);
    auto settings = config::load_settings_text(
        group(spec, "    auth: api_key\n    require: {roles: [clerk]}\n") +
            "token_service: {issuer: https://localhost}\n",
        "test.yaml");
    ASSERT_EQ(settings.routes.size(), 3u + 8u);  // /items, two imported, the token service's
    const auto& get = settings.routes[1];
    EXPECT_EQ(get.path, "/api/orders/{id}");
    EXPECT_EQ(get.methods, std::vector<std::string>{"GET"});
    EXPECT_EQ(get.upstream, "app");
    EXPECT_EQ(get.location, spec + " paths./orders/{id}.get");
    EXPECT_EQ(get.authorization.requirement.scopes, std::vector<std::string>{"orders:read"});
    EXPECT_EQ(get.authorization.requirement.roles, std::vector<std::string>{"clerk"})
        << "the group's require is kept";
    const auto& remove = settings.routes[2];
    EXPECT_TRUE(remove.auth.accepts(config::AuthMethod::api_key)) << "no security: the group's";
    EXPECT_EQ(remove.authorization.requirement.roles, std::vector<std::string>{"clerk"});
}

TEST_F(OpenApiGroupConfig, AnOperationWithoutSecurityNeedsTheGroupsAuth) {
    auto spec = write_spec(secured);
    EXPECT_EQ(config_error_of(group(spec) + "token_service: {issuer: https://localhost}\n"),
              "test.yaml:14:14: routes[1].openapi: " + spec +
                  ": paths./orders/{id}.delete.auth: is required: a route states its "
                  "authentication, or `auth: none` explicitly");
}

TEST_F(OpenApiGroupConfig, AnUnreadableOrInvalidDocumentIsAnErrorAtTheKey) {
    EXPECT_EQ(config_error_of(group("/nonexistent/spec.yaml")),
              "test.yaml:14:14: routes[1].openapi: cannot read \"/nonexistent/spec.yaml\": No "
              "such file or directory");
    auto spec = write_spec("openapi: 2.0\npaths: {}\n");
    EXPECT_EQ(config_error_of(group(spec)),
              "test.yaml:14:14: routes[1].openapi: " + spec +
                  ": openapi: must be a version 3.0.x or 3.1.x, as a string (got \"\")");
}

TEST_F(OpenApiGroupConfig, AHeadBesideAGetIsLeftToTheGetRoute) {
    auto spec = write_spec(
        "openapi: 3.1.0\nsecurity: []\npaths:\n  /a:\n    get: {responses: {}}\n"
        "    head: {responses: {}}\n");
    auto settings = config::load_settings_text(group(spec), "test.yaml");
    ASSERT_EQ(settings.routes.size(), 2u);
    EXPECT_EQ(settings.routes[1].methods, std::vector<std::string>{"GET"});
    ASSERT_EQ(settings.load_notes.size(), 1u);
    EXPECT_EQ(settings.load_notes[0], spec +
                                          ": paths./a.head: not imported: the GET route "
                                          "answers HEAD (with GET's validation)");
}

}  // namespace
}  // namespace rampart::test

namespace rampart::test {
namespace {

namespace http = pipeline::http;

const std::string typed = R"(openapi: 3.0.3
security: []
paths:
  /orders/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses: {}
)";

// The imported route's validation stage, as the snapshot builds it.
std::shared_ptr<const pipeline::Stage> imported_validation(const config::Settings& settings) {
    for (const auto& built : pipeline::build_stages(settings, &settings.routes.at(1), {})) {
        if (built->name() == "validation") {
            return built;
        }
    }
    return nullptr;
}

pipeline::Verdict head_of(const pipeline::Stage& stage, std::string id, std::string query) {
    pipeline::Exchange exchange;
    exchange.request = pipeline::Request{http::verb::get, "/api/orders/" + id, 11};
    exchange.path_parameters = {{"id", id}};
    exchange.query = query;
    exchange.upstream_target = "/api/orders/" + id + (query.empty() ? "" : "?" + query);
    return stage.on_request_head(exchange);
}

TEST_F(OpenApiGroupConfig, TheGroupsValidationFillsInWhatTheDocumentCannotSay) {
    auto spec = write_spec(typed);
    auto settings = config::load_settings_text(
        group(spec, "    auth: none\n    validation: {query: {unknown: reject}}\n"), "test.yaml");
    auto stage = imported_validation(settings);
    ASSERT_TRUE(stage);
    EXPECT_EQ(head_of(*stage, "7", ""), pipeline::Verdict::proceed);
    EXPECT_EQ(head_of(*stage, "seven", ""), pipeline::Verdict::respond)
        << "the document's path schema";
    EXPECT_EQ(head_of(*stage, "7", "debug=1"), pipeline::Verdict::respond)
        << "the group's query policy";
}

TEST_F(OpenApiGroupConfig, AGroupValidationKeyIsCheckedAtItsOwnLine) {
    auto spec = write_spec(typed);
    auto settings = config::load_settings_text(
        group(spec, "    auth: none\n    validation: {query: {unknown: maybe}}\n"), "test.yaml");
    std::string error = "(no error)";
    try {
        imported_validation(settings);
    } catch (const config::ConfigError& caught) {
        error = caught.what();
    }
    EXPECT_EQ(error,
              "test.yaml:15:35: routes[1].validation.query.unknown: must be one of: allow, "
              "reject (got \"maybe\")");
}

}  // namespace
}  // namespace rampart::test
