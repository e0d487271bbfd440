// CompiledSchema (validate/json_schema.hpp): draft-7 keywords through
// valijson, violations as JSON pointers and keywords that echo neither the
// value nor the schema, the formats and patterns Rampart checks itself, and
// the schemas refused at compile time with their base location.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <chrono>
#include <string>

#include "validate/json_schema.hpp"

namespace {

using rampart::validate::CompiledSchema;
using rampart::validate::SchemaError;
using rampart::validate::SchemaViolation;
namespace json = boost::json;

CompiledSchema compile(std::string_view schema) {
    return CompiledSchema(json::parse(schema), "test.yaml:3:7: routes[0].validation.body.schema");
}

std::vector<SchemaViolation> violations(const CompiledSchema& schema, std::string_view instance) {
    return schema.validate(json::parse(instance));
}

std::string compile_error(std::string_view schema) {
    try {
        compile(schema);
    } catch (const SchemaError& error) {
        return error.what();
    }
    return "(compiled)";
}

const char* const user_schema = R"({
  "type": "object",
  "additionalProperties": false,
  "required": ["name"],
  "properties": {
    "name": {"type": "string", "maxLength": 8},
    "role": {"enum": ["user"]},
    "age": {"type": "integer", "minimum": 0, "maximum": 150},
    "tags": {"type": "array", "maxItems": 2, "items": {"type": "string", "pattern": "^[a-z]+$"}},
    "address": {"type": "object", "properties": {"zip": {"type": "string", "minLength": 5}}}
  }
})";

}  // namespace

TEST(JsonSchema, AcceptsAValidDocument) {
    auto schema = compile(user_schema);
    EXPECT_TRUE(
        violations(schema, R"({"name":"x","role":"user","age":30,"tags":["a","b"]})").empty());
}

TEST(JsonSchema, NamesTheUnexpectedPropertyAsAPointer) {
    auto schema = compile(user_schema);
    auto found = violations(schema, R"({"name":"x","isAdmin":true})");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0], (SchemaViolation{"/isAdmin", "additionalProperties"}));
}

TEST(JsonSchema, NamesEachFailingLocationAndKeyword) {
    auto schema = compile(user_schema);
    auto found = violations(
        schema, R"({"role":"admin","age":151,"tags":["a","B","c"],"address":{"zip":"12"}})");
    auto has = [&](std::string pointer, std::string_view keyword) {
        return std::find(found.begin(), found.end(), SchemaViolation{pointer, keyword}) !=
               found.end();
    };
    EXPECT_TRUE(has("/name", "required"));
    EXPECT_TRUE(has("/role", "enum"));
    EXPECT_TRUE(has("/age", "maximum"));
    EXPECT_TRUE(has("/tags", "maxItems"));
    EXPECT_TRUE(has("/tags/1", "pattern"));
    EXPECT_TRUE(has("/address/zip", "minLength"));
    for (const auto& violation : found) {
        EXPECT_EQ(violation.pointer.find("151"), std::string::npos);
        EXPECT_NE(violation.keyword, "schema") << violation.pointer;
    }
}

TEST(JsonSchema, EscapesPointerTokens) {
    auto schema = compile(R"({"additionalProperties": false})");
    auto found = violations(schema, R"({"a/b~c":1})");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].pointer, "/a~1b~0c");
}

TEST(JsonSchema, TypesAreStrict) {
    auto schema =
        compile(R"({"properties": {"n": {"type": "integer"}, "b": {"type": "boolean"}}})");
    EXPECT_EQ(violations(schema, R"({"n":"5"})"), (std::vector<SchemaViolation>{{"/n", "type"}}));
    EXPECT_EQ(violations(schema, R"({"n":5.5})"), (std::vector<SchemaViolation>{{"/n", "type"}}));
    EXPECT_EQ(violations(schema, R"({"b":1})"), (std::vector<SchemaViolation>{{"/b", "type"}}));
    EXPECT_TRUE(violations(schema, R"({"n":-7,"b":false})").empty());
    // Above int64: valijson's adapter does not read it as an integer.
    EXPECT_EQ(violations(schema, R"({"n":9223372036854775808})"),
              (std::vector<SchemaViolation>{{"/n", "type"}}));
    // 1e20 is a number, not an integer a client may pass off as one.
    EXPECT_EQ(violations(schema, R"({"n":100000000000000000000})"),
              (std::vector<SchemaViolation>{{"/n", "type"}}));
}

TEST(JsonSchema, ChecksTheFormatsValijsonLacks) {
    auto schema = compile(R"({"properties": {
        "id": {"type": "string", "format": "uuid"},
        "mail": {"format": "email"},
        "at": {"format": "date-time"},
        "link": {"format": "uri"}}})");
    EXPECT_TRUE(violations(schema, R"({"id":"123e4567-e89b-12d3-a456-426614174000",
        "mail":"a.b@example.com","at":"2024-02-29T23:59:60.5+01:00","link":"https://x.example/a?b"})")
                    .empty());
    EXPECT_EQ(violations(schema, R"({"id":"1 OR 1=1"})"),
              (std::vector<SchemaViolation>{{"/id", "format"}}));
    EXPECT_EQ(violations(schema, R"({"mail":"a@@b"})"),
              (std::vector<SchemaViolation>{{"/mail", "format"}}));
    EXPECT_EQ(violations(schema, R"({"at":"2023-02-29T00:00:00Z"})"),
              (std::vector<SchemaViolation>{{"/at", "format"}}));
    EXPECT_EQ(violations(schema, R"({"link":"not a uri"})"),
              (std::vector<SchemaViolation>{{"/link", "format"}}));
    // A format constrains strings only.
    EXPECT_TRUE(violations(schema, R"({"mail":5,"at":null})").empty());
}

TEST(JsonSchema, APatternThatBacktracksCatastrophicallyFailsQuickly) {
    auto schema = compile(R"({"type": "string", "pattern": "^(a+)+$"})");
    // 2^64 paths to try without Boost.Regex's bound on backtracking: the test would not end.
    std::string evil = "\"" + std::string(64, 'a') + "!\"";
    EXPECT_EQ(violations(schema, evil), (std::vector<SchemaViolation>{{"", "pattern"}}));
    EXPECT_TRUE(violations(schema, "\"aaaa\"").empty());
}

// std::regex recurses once per character and overflows the stack on such a
// string; Boost.Regex either matches or gives up (and the value is refused).
TEST(JsonSchema, ALongStringUnderAPatternDoesNotOverflowTheStack) {
    auto schema = compile(R"({"type": "string", "pattern": "^(a|b)*$"})");
    std::string long_value = "\"" + std::string(1 << 20, 'a') + "\"";
    auto found = violations(schema, long_value);
    EXPECT_TRUE(found.empty() || found == (std::vector<SchemaViolation>{{"", "pattern"}}));
    EXPECT_TRUE(violations(schema, "\"abba\"").empty());
    EXPECT_EQ(violations(schema, "\"abc\"").size(), 1u);
}

// valijson truncated doubles to int64 (undefined beyond 2^63, and 10.5 passed as a multiple of 5).
TEST(JsonSchema, MultipleOfIsExactForEveryNumber) {
    auto schema = compile(R"({"multipleOf": 5})");
    EXPECT_TRUE(violations(schema, "10").empty());
    EXPECT_TRUE(violations(schema, "-15").empty());
    EXPECT_TRUE(violations(schema, "20.0").empty());
    EXPECT_EQ(violations(schema, "10.5"), (std::vector<SchemaViolation>{{"", "multipleOf"}}));
    EXPECT_EQ(violations(schema, "7"), (std::vector<SchemaViolation>{{"", "multipleOf"}}));
    // Beyond int64: every double above 2^53 is an even integer.
    EXPECT_TRUE(violations(compile(R"({"multipleOf": 2})"), "1e300").empty());
    EXPECT_NE(compile_error(R"({"multipleOf": 0})").find("/multipleOf: must be a number above 0"),
              std::string::npos);
    EXPECT_NE(compile_error(R"({"multipleOf": -2})").find("must be a number above 0"),
              std::string::npos);
}

TEST(JsonSchema, CombinatorsReportTheirKeyword) {
    auto schema = compile(R"({"anyOf": [{"type": "string"}, {"type": "integer"}]})");
    auto found = violations(schema, "true");
    ASSERT_FALSE(found.empty());
    EXPECT_NE(std::find(found.begin(), found.end(), SchemaViolation{"", "anyOf"}), found.end());
    auto negated = compile(R"({"not": {"type": "string"}})");
    EXPECT_EQ(violations(negated, "\"x\""), (std::vector<SchemaViolation>{{"", "not"}}));
    EXPECT_TRUE(violations(negated, "1").empty());
}

TEST(JsonSchema, LimitsTheNumberOfViolations) {
    auto schema = compile(R"({"additionalProperties": {"type": "string"}})");
    std::string many = "{";
    for (int i = 0; i < 50; ++i) {
        many += (i ? "," : "") + std::string("\"k") + std::to_string(i) + "\":1";
    }
    many += "}";
    EXPECT_EQ(schema.validate(json::parse(many), 5).size(), 5u);
}

TEST(JsonSchema, RefusesBadSchemasAtCompileTimeNamingTheLocation) {
    auto unknown_format = compile_error(R"({"properties": {"id": {"format": "uuuid"}}})");
    EXPECT_NE(unknown_format.find("test.yaml:3:7: routes[0].validation.body.schema"),
              std::string::npos)
        << unknown_format;
    EXPECT_NE(unknown_format.find("/properties/id/format"), std::string::npos) << unknown_format;
    EXPECT_NE(unknown_format.find("uuuid"), std::string::npos);
    EXPECT_NE(compile_error(R"({"pattern": "(unclosed"})").find("not a valid regular expression"),
              std::string::npos);
    EXPECT_NE(compile_error(R"({"patternProperties": {"[": {}}})").find("regular expression"),
              std::string::npos);
    EXPECT_NE(compile_error(R"({"type": "strnig"})").find("invalid JSON Schema"),
              std::string::npos);
    EXPECT_NE(compile_error(R"({"$ref": "https://127.0.0.1:1/remote.json"})").find("test.yaml:3:7"),
              std::string::npos);
    EXPECT_NE(compile_error("[1, 2]").find("must be a map"), std::string::npos);
    // Data is not schema: a "format" inside an example or enum is just a value.
    EXPECT_EQ(
        compile_error(R"({"enum": [{"format": "nonsense"}], "examples": [{"pattern": "("}]})"),
        "(compiled)");
}
