// The validation stage (pipeline/stages/validation.hpp) built from a loaded
// configuration as the snapshot builds it: the configuration errors of its
// section at file:line:column, and its decisions on hand-made Exchanges.
#include <gtest/gtest.h>

#include <chrono>

#include <boost/json/parse.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>
#include "config/loader.hpp"
#include "pipeline/stage_registry.hpp"
#include "pipeline/stages/stage_factories.hpp"

namespace {

using namespace rampart;
using pipeline::Exchange;
using pipeline::Verdict;
namespace http = pipeline::http;
namespace json = boost::json;

const std::string head = R"(listeners:
  - port: 18443
    tls: {self_signed: true}
upstreams:
  app:
    targets: [http://127.0.0.1:9000]
routes:
)";

// Loads `routes` and builds every route's stages; the ConfigError's message, or "".
std::string stage_error_of(const std::string& routes, const std::string& file = "v.yaml") {
    try {
        auto settings = config::load_settings_text(head + routes, file);
        for (const auto& route : settings.routes) {
            pipeline::build_stages(settings, &route, {});
        }
    } catch (const config::ConfigError& error) {
        return error.what();
    }
    return "";
}

const std::string orders_route = R"(  - path: /orders/{id}
    methods: [GET, POST, PATCH]
    upstream: app
    auth: none
    validation:
      body:
        schema:
          type: object
          additionalProperties: false
          properties:
            role: {enum: [user]}
            amount: {type: integer}
      path:
        parameters:
          id: {type: string, format: uuid}
      query:
        parameters:
          limit: {type: integer, minimum: 1, maximum: 100}
          tag: {type: array, items: {type: string, maxLength: 5}}
        duplicates: last
        max_parameters: 4
      headers:
        parameters:
          X-Api-Version: {type: integer, enum: [1, 2]}
        required: [X-Api-Version]
)";

class ValidationStage : public ::testing::Test {
  protected:
    void SetUp() override {
        settings = config::load_settings_text(head + orders_route, "v.yaml");
        for (const auto& built : pipeline::build_stages(settings, &settings.routes[0], {})) {
            if (built->name() == "validation") {
                stage = built;
            }
        }
        ASSERT_TRUE(stage);
    }

    Exchange exchange(http::verb method, std::string query = "", std::string body = "") {
        Exchange made;
        made.request = pipeline::Request{method, "/orders/x", 11};
        made.request.set("X-Api-Version", "2");
        made.request_id = "req-9";
        made.path_parameters = {{"id", "123e4567-e89b-12d3-a456-426614174000"}};
        made.query = query;
        made.upstream_target =
            "/orders/123e4567-e89b-12d3-a456-426614174000" + (query.empty() ? "" : "?" + query);
        if (!body.empty()) {
            made.request.set(http::field::content_type, "application/json");
            made.request.body() = body;
            made.request.prepare_payload();
        }
        return made;
    }

    // The request's verdict through head and body, as the session runs them.
    Verdict run(Exchange& made) {
        if (stage->on_request_head(made) == Verdict::respond) {
            return Verdict::respond;
        }
        return stage->on_request_body(made);
    }

    static json::array errors_of(const Exchange& made) {
        return json::parse(made.response.body()).at("errors").as_array();
    }

    // The first error of the problem body as "in pointer keyword".
    static std::string made_error(const Exchange& made) {
        EXPECT_EQ(made.response.result(), http::status::bad_request);
        auto errors = errors_of(made);
        const auto& first = errors.at(0).as_object();
        return std::string(first.at("in").as_string()) + " " +
               std::string(first.at("pointer").as_string()) + " " +
               std::string(first.at("keyword").as_string());
    }

    config::Settings settings;
    std::shared_ptr<const pipeline::Stage> stage;
};

}  // namespace

TEST_F(ValidationStage, RunsAfterAuthorizationAndOnlyWhereConfigured) {
    EXPECT_EQ(pipeline::validation_stage_factory().order, 50);
    EXPECT_EQ(pipeline::validation_stage_factory().key, "validation");
    auto plain = config::load_settings_text(
        head + R"(  - {path: /x, methods: [GET], upstream: app, auth: none}
)",
        "v.yaml");
    for (const auto& built : pipeline::build_stages(plain, &plain.routes[0], {})) {
        EXPECT_NE(built->name(), "validation");
    }
}

TEST_F(ValidationStage, PassesAValidRequest) {
    auto made =
        exchange(http::verb::patch, "limit=10&tag=a&tag=b", R"({"role":"user","amount":5})");
    EXPECT_EQ(run(made), Verdict::proceed) << made.response.body();
}

TEST_F(ValidationStage, BodySchemaErrorsNamePointersAndKeywordsOnly) {
    auto made = exchange(http::verb::patch, "", R"({"role":"admin","isAdmin":true})");
    ASSERT_EQ(run(made), Verdict::respond);
    EXPECT_EQ(made.response.result(), http::status::bad_request);
    EXPECT_EQ(made.response[http::field::content_type], "application/problem+json");
    auto body = made.response.body();
    EXPECT_NE(body.find(R"({"in":"body","pointer":"/isAdmin","keyword":"additionalProperties"})"),
              std::string::npos)
        << body;
    EXPECT_NE(body.find(R"({"in":"body","pointer":"/role","keyword":"enum"})"), std::string::npos);
    EXPECT_EQ(body.find("admin\""), std::string::npos) << "the value is not echoed: " << body;
    EXPECT_EQ(body.find("user"), std::string::npos) << "the schema is not quoted: " << body;
    EXPECT_NE(body.find("req-9"), std::string::npos);
}

TEST_F(ValidationStage, JsonLimitsAndSyntaxAreNamed) {
    auto duplicate = exchange(http::verb::post, "", R"({"role":"user","role":"admin"})");
    ASSERT_EQ(run(duplicate), Verdict::respond);
    EXPECT_EQ(errors_of(duplicate)[0].at("keyword"), "duplicate_key");
    auto deep = exchange(http::verb::post, "", std::string(40, '[') + std::string(40, ']'));
    ASSERT_EQ(run(deep), Verdict::respond);
    EXPECT_EQ(errors_of(deep)[0].at("keyword"), "max_depth");
    auto surrogate = exchange(http::verb::post, "", R"({"role":"\udead"})");
    ASSERT_EQ(run(surrogate), Verdict::respond);
    EXPECT_EQ(errors_of(surrogate)[0].at("keyword"), "utf8");
    auto trailing = exchange(http::verb::post, "", R"({"role":"user"}x)");
    ASSERT_EQ(run(trailing), Verdict::respond);
    EXPECT_EQ(errors_of(trailing)[0].at("keyword"), "trailing_data");
}

TEST_F(ValidationStage, MediaTypesAndBodylessMethods) {
    auto xml = exchange(http::verb::post, "", "<a/>");
    xml.request.set(http::field::content_type, "application/xml");
    ASSERT_EQ(run(xml), Verdict::respond);
    EXPECT_EQ(xml.response.result(), http::status::unsupported_media_type);
    auto untyped = exchange(http::verb::post, "", "{}");
    untyped.request.erase(http::field::content_type);
    ASSERT_EQ(run(untyped), Verdict::respond);
    EXPECT_EQ(untyped.response.result(), http::status::unsupported_media_type);
    auto unacceptable = exchange(http::verb::get);
    unacceptable.request.set(http::field::accept, "application/xml");
    ASSERT_EQ(run(unacceptable), Verdict::respond);
    EXPECT_EQ(unacceptable.response.result(), http::status::not_acceptable);
    auto get_with_body = exchange(http::verb::get, "", "{}");
    ASSERT_EQ(run(get_with_body), Verdict::respond);
    EXPECT_EQ(get_with_body.response.result(), http::status::bad_request);
    auto post_without_body = exchange(http::verb::post);
    ASSERT_EQ(run(post_without_body), Verdict::respond);
    EXPECT_EQ(errors_of(post_without_body)[0].at("keyword"), "required");
}

TEST_F(ValidationStage, ParametersAreCoercedAndBounded) {
    auto too_big = exchange(http::verb::get, "limit=100000");
    ASSERT_EQ(run(too_big), Verdict::respond);
    EXPECT_EQ(made_error(too_big), "query /limit maximum");
    auto not_integer = exchange(http::verb::get, "limit=ten");
    ASSERT_EQ(run(not_integer), Verdict::respond);
    EXPECT_EQ(made_error(not_integer), "query /limit type");
    auto long_tag = exchange(http::verb::get, "tag=a&tag=toolong");
    ASSERT_EQ(run(long_tag), Verdict::respond);
    EXPECT_EQ(made_error(long_tag), "query /tag/1 maxLength");
    auto bad_id = exchange(http::verb::get);
    bad_id.path_parameters = {{"id", "1 OR 1=1"}};
    ASSERT_EQ(run(bad_id), Verdict::respond);
    EXPECT_EQ(made_error(bad_id), "path /id format");
    auto no_version = exchange(http::verb::get);
    no_version.request.erase("X-Api-Version");
    ASSERT_EQ(run(no_version), Verdict::respond);
    EXPECT_EQ(made_error(no_version), "header /x-api-version required");
    auto two_versions = exchange(http::verb::get);
    two_versions.request.insert("x-api-version", "1");
    ASSERT_EQ(run(two_versions), Verdict::respond);
    EXPECT_EQ(made_error(two_versions), "header /x-api-version duplicate");
    auto too_many = exchange(http::verb::get, "a=1&b=2&c=3&d=4&e=5");
    ASSERT_EQ(run(too_many), Verdict::respond);
    EXPECT_EQ(too_many.response.result(), http::status::bad_request);
}

// duplicates: last keeps the last occurrence, validates it, and forwards only it.
TEST_F(ValidationStage, DuplicatePolicyLastRewritesTheForwardedQuery) {
    auto made = exchange(http::verb::get, "limit=100000&x=1&limit=10");
    ASSERT_EQ(run(made), Verdict::proceed) << made.response.body();
    EXPECT_EQ(made.upstream_target, "/orders/123e4567-e89b-12d3-a456-426614174000?x=1&limit=10");
    EXPECT_EQ(made.query, "x=1&limit=10");
    auto bad_last = exchange(http::verb::get, "limit=10&limit=100000");
    EXPECT_EQ(run(bad_last), Verdict::respond);
}

TEST(ValidationConfig, ErrorsNameFileLineAndKey) {
    auto route = [](const std::string& validation) {
        return "  - path: /orders/{id}\n    methods: [GET, POST]\n    upstream: app\n"
               "    auth: none\n    validation:\n" +
               validation;
    };
    EXPECT_EQ(stage_error_of(route("      body:\n        schema: {type: strnig}\n")).substr(0, 41),
              "v.yaml:14:17: routes[0].validation.body.s");
    auto unknown_format =
        stage_error_of(route("      path:\n        parameters:\n          id: {format: uuuid}\n"));
    EXPECT_NE(unknown_format.find("v.yaml:15:15: routes[0].validation.path.parameters.id"),
              std::string::npos)
        << unknown_format;
    EXPECT_NE(unknown_format.find("unsupported format \"uuuid\""), std::string::npos);
    auto not_in_path =
        stage_error_of(route("      path:\n        parameters:\n          user: {type: string}\n"));
    EXPECT_NE(not_in_path.find("v.yaml:15:17: routes[0].validation.path.parameters.user: the "
                               "route's path \"/orders/{id}\" has no {user}"),
              std::string::npos)
        << not_in_path;
    EXPECT_NE(stage_error_of(route("      qurey: {}\n"))
                  .find("v.yaml:13:7: routes[0].validation.qurey: unknown key"),
              std::string::npos);
    EXPECT_NE(
        stage_error_of(route("      query: {duplicates: sometimes}\n"))
            .find("routes[0].validation.query.duplicates: must be one of: reject, first, last"),
        std::string::npos);
    EXPECT_NE(stage_error_of(route("      content_types: [json]\n"))
                  .find("v.yaml:13:23: routes[0].validation.content_types[0]"),
              std::string::npos);
    EXPECT_NE(stage_error_of(route("      content_types: [text/plain]\n      body: {schema: {}}\n"))
                  .find("a body schema needs JSON content_types only"),
              std::string::npos);
    EXPECT_NE(stage_error_of(route("      json: {max_depth: 0}\n"))
                  .find("routes[0].validation.json.max_depth"),
              std::string::npos);
    EXPECT_NE(stage_error_of(route("      body: {schema: {file: missing.json}}\n"))
                  .find("routes[0].validation.body.schema.file: cannot read the schema file"),
              std::string::npos);
    EXPECT_NE(stage_error_of(route("      query:\n        parameters: {limit: {type: integer}}\n"
                                   "        required: [limt]\n"))
                  .find("\"limt\" is not one of the parameters"),
              std::string::npos);
    EXPECT_NE(stage_error_of(route("      body:\n        schema:\n          type: object\n"
                                   "          type: array\n"))
                  .find("is given twice"),
              std::string::npos);
}

// Aliases of aliases (a "billion laughs" schema): 25 levels of two uses each
// would be 2^25 objects. Refused with the file, line and key, and promptly.
TEST(ValidationConfig, ASchemaThatAliasesExpandBeyondTheValueLimitIsRefused) {
    std::string properties = "            p0: &s0 {type: string}\n";
    for (int level = 1; level <= 25; ++level) {
        auto name = std::to_string(level);
        auto previous = std::to_string(level - 1);
        properties += "            p" + name + ": &s" + name +
                      " {type: object, properties: {a: *s" + previous + ", b: *s" + previous +
                      "}}\n";
    }
    auto started = std::chrono::steady_clock::now();
    auto message = stage_error_of(
        "  - path: /orders\n    methods: [POST]\n    upstream: app\n    auth: none\n"
        "    validation:\n      body:\n        schema:\n          type: object\n"
        "          properties:\n" +
        properties);
    auto elapsed = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(message.rfind("v.yaml:", 0), 0u) << message;
    EXPECT_NE(message.find("has more than 100000 values"), std::string::npos) << message;
    EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST(ValidationConfig, SchemasLoadFromFilesBesideTheConfiguration) {
    char pattern[] = "/tmp/rampart-validation-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    std::string directory = pattern;
    std::filesystem::create_directories(directory + "/schemas");
    std::ofstream(directory + "/schemas/order.json")
        << R"({"type":"object","required":["amount"],"properties":{"amount":{"type":"integer"}}})";
    std::ofstream(directory + "/schemas/broken.json") << R"({"type":"object",})";
    std::ofstream(directory + "/schemas/id.yaml") << "type: string\nformat: uuid\n";
    auto file = directory + "/rampart.yaml";
    auto route = [](const std::string& validation) {
        return "  - path: /orders/{id}\n    methods: [POST]\n    upstream: app\n"
               "    auth: none\n    validation:\n" +
               validation;
    };
    EXPECT_EQ(stage_error_of(route("      body: {schema: {file: schemas/order.json}}\n"
                                   "      path: {parameters: {id: {file: schemas/id.yaml}}}\n"),
                             file),
              "");
    auto broken =
        stage_error_of(route("      body: {schema: {file: schemas/broken.json}}\n"), file);
    EXPECT_NE(broken.find("rampart.yaml:13:29: routes[0].validation.body.schema.file: "
                          "\"schemas/broken.json\" is not a valid JSON schema file"),
              std::string::npos)
        << broken;
    std::filesystem::remove_all(directory);
}
