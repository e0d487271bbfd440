// Response validation in log-only mode (validate/response_contract.hpp,
// validate/undeclared_members.hpp, and the validation stage's on_response):
// which members a schema declares, which schema a status picks, what is
// skipped, the configuration errors, and the one security event per answer.
#include <gtest/gtest.h>

#include <unistd.h>

#include <boost/json/parse.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "config/loader.hpp"
#include "log_lines.hpp"
#include "observe/log_sink.hpp"
#include "observe/security_events.hpp"
#include "pipeline/stage_registry.hpp"
#include "validate/response_contract.hpp"
#include "validate/undeclared_members.hpp"

namespace {

using namespace rampart;
namespace json = boost::json;
namespace http = pipeline::http;
using validate::ResponseOutcome;

// "keyword pointer" of every undeclared member `instance` has under `schema`.
std::vector<std::string> undeclared(const std::string& schema, const std::string& instance,
                                    std::size_t max_found = 16) {
    auto document = json::parse(schema);
    validate::UndeclaredMembers members(document);
    std::vector<std::string> found;
    for (const auto& violation : members.find(json::parse(instance), max_found)) {
        found.push_back(std::string(violation.keyword) + " " + violation.pointer);
    }
    return found;
}

using Found = std::vector<std::string>;

const std::string order_schema = R"({
  "type": "object",
  "properties": {
    "id": {"type": "integer"},
    "owner": {"type": "object", "properties": {"name": {"type": "string"}}},
    "lines": {"type": "array", "items": {"$ref": "#/definitions/Line"}},
    "tags": {"type": "object", "additionalProperties": {"type": "string"}},
    "meta": {"type": "object"}
  },
  "definitions": {
    "Line": {"type": "object", "properties": {"sku": {"type": "string"},
                                              "children": {"type": "array",
                                                           "items": {"$ref": "#/definitions/Line"}}}}
  }
})";

TEST(UndeclaredMembers, DeclaredMembersAreNotReported) {
    EXPECT_EQ(undeclared(order_schema, R"({"id": 1, "owner": {"name": "a"}, "lines": [{"sku": "x"}],
                                           "tags": {"any": "x"}, "meta": {"free": {"form": 1}}})"),
              Found{});
}

TEST(UndeclaredMembers, ReportsUndeclaredMembersAtEveryDepthEvenWithAdditionalPropertiesOpen) {
    EXPECT_EQ(undeclared(order_schema, R"({"id": 1, "password_hash": "x", "owner": {"name": "a",
                                           "ssn": "123"}})"),
              (Found{"undeclared /password_hash", "undeclared /owner/ssn"}));
}

TEST(UndeclaredMembers, FollowsArraysAndRecursiveReferences) {
    EXPECT_EQ(undeclared(order_schema, R"({"lines": [{"sku": "a"}, {"sku": "b", "cost": 3,
                                           "children": [{"sku": "c", "internal": true}]}]})"),
              (Found{"undeclared /lines/1/cost", "undeclared /lines/1/children/0/internal"}));
}

TEST(UndeclaredMembers, AMapsValuesAreWalkedButItsNamesAreDeclared) {
    auto schema = R"({"type": "object", "properties": {"users": {"type": "object",
        "additionalProperties": {"type": "object", "properties": {"name": {}}}}}})";
    EXPECT_EQ(
        undeclared(schema, R"({"users": {"u1": {"name": "a"}, "u2": {"name": "b", "x": 1}}})"),
        Found{"undeclared /users/u2/x"});
}

TEST(UndeclaredMembers, CombinatorsAndPatternsDeclareNames) {
    auto schema = R"({"allOf": [{"properties": {"a": {}}}, {"$ref": "#/definitions/B"}],
        "anyOf": [{"properties": {"c": {}}}, {"properties": {"d": {}}}],
        "patternProperties": {"^x-": {}},
        "definitions": {"B": {"properties": {"b": {}}}}})";
    EXPECT_EQ(undeclared(schema, R"({"a": 1, "b": 2, "c": 3, "d": 4, "x-trace": 5, "e": 6})"),
              Found{"undeclared /e"});
}

TEST(UndeclaredMembers, SchemaDependenciesAndConditionalsDeclareNames) {
    auto schema = R"({"properties": {"card": {}},
        "dependencies": {"card": {"properties": {"billing": {}}}, "x": ["card"]},
        "if": {"required": ["kind"]}, "then": {"properties": {"kind": {}}},
        "else": {"properties": {"legacy": {}}}})";
    EXPECT_EQ(undeclared(schema, R"({"card": 1, "billing": 2, "kind": 3, "legacy": 4, "x": 5})"),
              Found{"undeclared /x"});
}

TEST(UndeclaredMembers, ObjectsWithoutPropertiesAndTuplesAreHandled) {
    EXPECT_EQ(undeclared(R"({"type": "object"})", R"({"anything": 1})"), Found{});
    EXPECT_EQ(undeclared(R"(true)", R"({"anything": 1})"), Found{});
    auto tuple = R"({"type": "array", "items": [{"properties": {"a": {}}}],
                    "additionalItems": {"properties": {"b": {}}}})";
    EXPECT_EQ(undeclared(tuple, R"([{"a": 1, "b": 1}, {"b": 2, "a": 2}])"),
              (Found{"undeclared /0/b", "undeclared /1/a"}));
}

TEST(UndeclaredMembers, PointersAreEscapedAndTheCountIsBounded) {
    EXPECT_EQ(undeclared(R"({"properties": {}})", R"({"a/b": 1, "c~d": 2})"),
              (Found{"undeclared /a~1b", "undeclared /c~0d"}));
    EXPECT_EQ(undeclared(R"({"properties": {}})", R"({"a": 1, "b": 2, "c": 3})", 2).size(), 2u);
}

TEST(UndeclaredMembers, AReferenceCycleEnds) {
    auto schema = R"({"$ref": "#/definitions/A", "definitions": {
        "A": {"allOf": [{"$ref": "#/definitions/A"}], "properties": {"a": {}}}}})";
    EXPECT_EQ(undeclared(schema, R"({"a": 1, "b": 2})"), Found{"undeclared /b"});
}

// ------------------------------------------------------------ configuration and checks

const std::string head = R"(listeners:
  - port: 18443
    tls: {self_signed: true}
upstreams:
  app:
    targets: [http://127.0.0.1:9000]
routes:
  - path: /orders
    methods: [GET]
    upstream: app
    auth: none
    validation:
)";

std::shared_ptr<const validate::ResponseContract> contract_of(const std::string& validation) {
    auto settings = config::load_settings_text(head + validation, "r.yaml");
    auto section = settings.routes.at(0).stage_sections.at(0).section("validation");
    return validate::read_response_contract(
        validate::LayeredSection(section.optional_section("response"), std::nullopt));
}

std::string contract_error_of(const std::string& validation) {
    try {
        contract_of(validation);
    } catch (const config::ConfigError& error) {
        return error.what();
    }
    return "(no error)";
}

const std::string order_contract = R"(      response:
        mode: log
        schemas:
          200:
            type: object
            properties:
              id: {type: integer}
          2xx: {type: object, properties: {accepted: {type: boolean}}}
          default: {type: object, properties: {error: {type: string}}}
)";

validate::ResponseCheck check(const validate::ResponseContract& contract, unsigned status,
                              std::string_view body,
                              std::string_view content_type = "application/json; charset=utf-8",
                              std::string_view encoding = "") {
    const auto* schema = contract.schema_for(status);
    EXPECT_NE(schema, nullptr) << status;
    return contract.check(*schema, {status, content_type, encoding, body});
}

std::vector<std::string> found_in(const validate::ResponseCheck& result) {
    std::vector<std::string> found;
    for (const auto& violation : result.violations) {
        found.push_back(std::string(violation.keyword) + " " + violation.pointer);
    }
    return found;
}

TEST(ResponseContract, PicksTheExactStatusThenItsClassThenDefault) {
    auto contract = contract_of(order_contract);
    ASSERT_TRUE(contract);
    EXPECT_EQ(contract->schema_for(200)->status_key, "200");
    EXPECT_EQ(contract->schema_for(201)->status_key, "2XX");
    EXPECT_EQ(contract->schema_for(404)->status_key, "default");
    auto only_200 = contract_of("      response: {schemas: {200: {type: object}}}\n");
    EXPECT_EQ(only_200->schema_for(201), nullptr);
}

TEST(ResponseContract, ReportsWrongTypesAndUndeclaredMembersButNotValues) {
    auto contract = contract_of(order_contract);
    auto result = check(*contract, 200, R"({"id": "secret-value", "internal_cost": 12})");
    EXPECT_EQ(result.outcome, ResponseOutcome::violation);
    EXPECT_EQ(result.reason, "schema");
    EXPECT_EQ(found_in(result), (Found{"type /id", "undeclared /internal_cost"}));
    EXPECT_EQ(check(*contract, 200, R"({"id": 7})").outcome, ResponseOutcome::valid);
    EXPECT_EQ(found_in(check(*contract, 201, R"({"id": 7})")), Found{"undeclared /id"});
}

TEST(ResponseContract, UndeclaredPropertiesAllowChecksTheSchemaOnly) {
    auto contract = contract_of(
        "      response:\n"
        "        undeclared_properties: allow\n"
        "        schemas: {200: {properties: {id: {type: integer}}}}\n");
    EXPECT_EQ(check(*contract, 200, R"({"id": 1, "extra": 2})").outcome, ResponseOutcome::valid);
    EXPECT_EQ(found_in(check(*contract, 200, R"({"id": "x", "extra": 2})")), Found{"type /id"});
}

TEST(ResponseContract, SkipsWhatItCannotReadAndFlagsBrokenJson) {
    auto contract =
        contract_of("      response: {max_body_bytes: 16, schemas: {200: {type: object}}}\n");
    auto outcome = [&](std::string_view body, std::string_view type, std::string_view encoding) {
        auto result = check(*contract, 200, body, type, encoding);
        return std::string(validate::outcome_label(result.outcome)) + " " +
               std::string(result.reason);
    };
    EXPECT_EQ(outcome("", "application/json", ""), "skipped empty");
    EXPECT_EQ(outcome(R"({"a": "0123456789abc"})", "application/json", ""), "skipped too_large");
    EXPECT_EQ(outcome("{}", "application/json", "gzip"), "skipped encoded");
    EXPECT_EQ(outcome("<html/>", "text/html", ""), "skipped not_json");
    EXPECT_EQ(outcome(R"({"a": )", "application/json", ""), "invalid invalid_json");
    EXPECT_EQ(outcome(R"({"a":1,"a":2})", "application/problem+json", ""), "invalid invalid_json");
    EXPECT_EQ(outcome("{}", "application/vnd.api+json", "identity"), "valid valid");
}

TEST(ResponseContract, EnabledFalseTurnsItOffAfterCheckingIt) {
    EXPECT_FALSE(contract_of("      response: {enabled: false, schemas: {200: {type: object}}}\n"));
    EXPECT_EQ(
        contract_error_of("      response: {enabled: false, schemas: {200: {pattern: \"(\"}}}\n")
            .substr(0, 7),
        "r.yaml:");
}

TEST(ResponseContract, ConfigErrorsNameFileLineAndKey) {
    EXPECT_EQ(contract_error_of("      response: {mode: enforce, schemas: {200: {}}}\n"),
              "r.yaml:13:24: routes[0].validation.response.mode: must be one of: log (got "
              "\"enforce\")");
    EXPECT_EQ(contract_error_of("      response: {schemas: {600: {}}}\n"),
              "r.yaml:13:28: routes[0].validation.response.schemas.600: must be a status code "
              "(100 to 599), a class such as 2XX, or default");
    EXPECT_EQ(contract_error_of("      response: {mode: log}\n"),
              "r.yaml:13:17: routes[0].validation.response.schemas: is required: a map of "
              "status codes (200, 2XX or default) to JSON Schemas");
    EXPECT_EQ(
        contract_error_of("      response: {schemas: {200: {}}, undeclared_properties: no}\n"),
        "r.yaml:13:61: routes[0].validation.response.undeclared_properties: must be one "
        "of: report, allow (got \"no\")");
    EXPECT_EQ(contract_error_of("      response: {schemas: {2xx: {}, 2XX: {}}}\n"),
              "r.yaml:13:37: routes[0].validation.response.schemas.2XX: is given twice");
    EXPECT_NE(contract_error_of("      response: {schemas: {200: {pattern: \"(\"}}}\n")
                  .find("r.yaml:13:33: routes[0].validation.response.schemas.200"),
              std::string::npos);
}

// ------------------------------------------------------------ the stage

std::shared_ptr<const pipeline::Stage> validation_stage(const config::Settings& settings) {
    for (const auto& built : pipeline::build_stages(settings, &settings.routes.at(0), {})) {
        if (built->name() == "validation") {
            return built;
        }
    }
    return nullptr;
}

pipeline::Exchange upstream_answer(unsigned status, std::string body,
                                   http::verb method = http::verb::get) {
    pipeline::Exchange exchange;
    exchange.request = pipeline::Request{method, "/orders", 11};
    exchange.request_id = "req-7";
    exchange.normalized_path = "/orders";
    exchange.response.result(status);
    exchange.response.set(http::field::content_type, "application/json");
    exchange.response.body() = std::move(body);
    exchange.response.prepare_payload();
    exchange.response_from_upstream = true;
    return exchange;
}

bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

TEST(ResponseValidationStage, LogsOneEventPerResponseAndLeavesTheAnswerAlone) {
    auto settings = config::load_settings_text(head + order_contract, "r.yaml");
    auto stage = validation_stage(settings);
    ASSERT_TRUE(stage);
    auto directory = std::filesystem::temp_directory_path() /
                     ("rampart-response-contract-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(directory);
    auto log_path = (directory / "security.log").string();
    const std::string body = R"({"id": "4111-1111-1111-1111", "card_cvv": "737"})";
    {
        observe::LogSink sink(config::LogSink{true, log_path});
        observe::SecurityEvents events(&sink);
        auto bad = upstream_answer(200, body);
        bad.security_events = &events;
        stage->on_response(bad);
        EXPECT_EQ(bad.response.body(), body);
        EXPECT_EQ(bad.response.result_int(), 200u);
        auto good = upstream_answer(200, R"({"id": 1})");
        good.security_events = &events;
        stage->on_response(good);
        auto broken = upstream_answer(503, "{");
        broken.security_events = &events;
        stage->on_response(broken);
        auto generated = upstream_answer(200, body);  // Rampart's own answer: not checked
        generated.response_from_upstream = false;
        generated.security_events = &events;
        stage->on_response(generated);
        auto head_request = upstream_answer(200, body, http::verb::head);
        head_request.security_events = &events;
        stage->on_response(head_request);
        sink.flush();
    }
    auto lines = rampart::test::read_log_lines(log_path);
    std::filesystem::remove_all(directory);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_TRUE(contains(lines[0], R"("event":"response_contract_violation")")) << lines[0];
    EXPECT_TRUE(contains(lines[0], R"("route":"/orders")")) << lines[0];
    EXPECT_TRUE(contains(lines[0], R"("status":"200")")) << lines[0];
    EXPECT_TRUE(contains(lines[0], R"("reason":"schema")")) << lines[0];
    EXPECT_TRUE(contains(lines[0], R"("violations":"type /id; undeclared /card_cvv")")) << lines[0];
    EXPECT_FALSE(contains(lines[0], "4111")) << lines[0];
    EXPECT_FALSE(contains(lines[0], "737")) << lines[0];
    EXPECT_TRUE(contains(lines[1], R"("status":"503")")) << lines[1];
    EXPECT_TRUE(contains(lines[1], R"("schema":"default")")) << lines[1];
    EXPECT_TRUE(contains(lines[1], R"("reason":"invalid_json")")) << lines[1];
}

}  // namespace
