// OpenAPI schema objects as draft-7 JSON Schema (validate/openapi_schema.hpp):
// nullable, 3.0's boolean exclusive bounds, integer formats, readOnly and
// writeOnly, component references moved into `definitions` (recursion stays a
// reference), references that are refused, and notes naming their location.
// Each converted schema is compiled and run, so the translation is checked
// by what it accepts and refuses, not by its text alone.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>
#include <vector>

#include "validate/json_schema.hpp"
#include "validate/openapi_schema.hpp"

namespace {

using rampart::validate::CompiledSchema;
using rampart::validate::OpenApiError;
using rampart::validate::OpenApiSchemaConverter;
using rampart::validate::OpenApiVersion;
using rampart::validate::SchemaDirection;
namespace json = boost::json;

const json::value components = json::parse(R"({
  "Category": {"type": "object", "required": ["name"], "additionalProperties": false,
               "properties": {"name": {"type": "string"},
                              "children": {"type": "array",
                                           "items": {"$ref": "#/components/schemas/Category"}}}},
  "User": {"type": "object", "required": ["id", "email", "secret"],
           "properties": {"id": {"type": "string", "readOnly": true},
                          "email": {"type": "string", "format": "email"},
                          "secret": {"type": "string", "writeOnly": true}}},
  "Tag": {"type": "string", "maxLength": 3}
})");

struct Converted {
    json::value schema;
    std::vector<std::string> notes;
};

Converted convert(std::string_view schema, OpenApiVersion version = OpenApiVersion::v3_0,
                  SchemaDirection direction = SchemaDirection::request) {
    Converted converted;
    OpenApiSchemaConverter converter(&components, version, "shop.yaml");
    converted.schema = converter.convert(json::parse(schema),
                                         "paths./x.post.requestBody.content."
                                         "application/json.schema",
                                         direction, converted.notes);
    return converted;
}

bool accepts(const json::value& schema, std::string_view instance) {
    CompiledSchema compiled(schema, "test");
    return compiled.validate(json::parse(instance)).empty();
}

std::string conversion_error(std::string_view schema) {
    try {
        convert(schema);
    } catch (const OpenApiError& error) {
        return error.what();
    }
    return "(converted)";
}

TEST(OpenApiSchema, NullableAddsNullToTheTypeAndTheEnum) {
    auto converted = convert(R"({"type": "string", "nullable": true, "enum": ["a", "b"]})");
    EXPECT_EQ(json::serialize(converted.schema),
              R"({"type":["string","null"],"enum":["a","b",null]})");
    EXPECT_TRUE(accepts(converted.schema, "null"));
    EXPECT_TRUE(accepts(converted.schema, R"("a")"));
    EXPECT_FALSE(accepts(converted.schema, R"("c")"));
    EXPECT_FALSE(accepts(convert(R"({"type": "string"})").schema, "null"));
}

TEST(OpenApiSchema, NullableReferenceAcceptsNullOrTheComponent) {
    auto converted = convert(R"({"$ref": "#/components/schemas/Tag", "nullable": true})");
    EXPECT_TRUE(accepts(converted.schema, "null"));
    EXPECT_TRUE(accepts(converted.schema, R"("abc")"));
    EXPECT_FALSE(accepts(converted.schema, R"("abcd")"));
}

TEST(OpenApiSchema, BooleanExclusiveBoundsBecomeNumbers) {
    auto converted = convert(
        R"({"type": "integer", "minimum": 0, "exclusiveMinimum": true, "maximum": 10,
            "exclusiveMaximum": false})");
    EXPECT_EQ(json::serialize(converted.schema),
              R"({"type":"integer","exclusiveMinimum":0,"maximum":10})");
    EXPECT_FALSE(accepts(converted.schema, "0"));
    EXPECT_TRUE(accepts(converted.schema, "1"));
    EXPECT_TRUE(accepts(converted.schema, "10"));
    EXPECT_FALSE(accepts(converted.schema, "11"));
}

TEST(OpenApiSchema, NumericExclusiveBoundsOf31StayAsTheyAre) {
    auto converted = convert(R"({"type": "number", "exclusiveMaximum": 5})", OpenApiVersion::v3_1);
    EXPECT_FALSE(accepts(converted.schema, "5"));
    EXPECT_TRUE(accepts(converted.schema, "4.5"));
    EXPECT_TRUE(converted.notes.empty());
}

TEST(OpenApiSchema, IntegerFormatsAreBoundsAndByteIsBase64) {
    auto int32 = convert(R"({"type": "integer", "format": "int32"})");
    EXPECT_TRUE(accepts(int32.schema, "2147483647"));
    EXPECT_FALSE(accepts(int32.schema, "2147483648"));
    EXPECT_FALSE(accepts(int32.schema, "-2147483649"));
    auto bounded = convert(R"({"type": "integer", "format": "int32", "minimum": 1})");
    EXPECT_FALSE(accepts(bounded.schema, "0"));
    auto bytes = convert(R"({"type": "string", "format": "byte"})");
    EXPECT_TRUE(accepts(bytes.schema, R"("aGVsbG8=")"));
    EXPECT_FALSE(accepts(bytes.schema, R"("not base64!")"));
}

TEST(OpenApiSchema, KnownFormatsStayAnnotationsGoUnknownOnesAreNoted) {
    auto email = convert(R"({"type": "string", "format": "email"})");
    EXPECT_FALSE(accepts(email.schema, R"("nobody")"));
    auto annotations = convert(R"({"type": "object", "properties": {
        "price": {"type": "number", "format": "double"},
        "password": {"type": "string", "format": "password"}}})");
    EXPECT_TRUE(annotations.notes.empty());
    auto unknown = convert(R"({"type": "object", "properties": {
        "phone": {"type": "string", "format": "phone"}}})");
    ASSERT_EQ(unknown.notes.size(), 1u);
    EXPECT_EQ(unknown.notes[0],
              "shop.yaml: paths./x.post.requestBody.content.application/json.schema.properties."
              "phone.format: format \"phone\" is not checked (unknown to Rampart)");
    EXPECT_TRUE(accepts(unknown.schema, R"({"phone": "x"})"));
}

TEST(OpenApiSchema, AnnotationsAndExtensionsAreDropped) {
    auto converted = convert(R"({"type": "string", "description": "d", "example": "e",
        "deprecated": true, "xml": {"name": "n"}, "x-internal": true, "title": "t"})");
    EXPECT_EQ(json::serialize(converted.schema), R"({"type":"string"})");
    EXPECT_TRUE(converted.notes.empty());
}

TEST(OpenApiSchema, ReadOnlyIsNotRequiredInRequestsNorWriteOnlyInResponses) {
    auto request = convert(R"({"$ref": "#/components/schemas/User"})");
    EXPECT_TRUE(accepts(request.schema, R"({"email": "a@example.com", "secret": "s"})"));
    EXPECT_FALSE(accepts(request.schema, R"({"email": "a@example.com"})"));
    auto response = convert(R"({"$ref": "#/components/schemas/User"})", OpenApiVersion::v3_0,
                            SchemaDirection::response);
    EXPECT_TRUE(accepts(response.schema, R"({"id": "1", "email": "a@example.com"})"));
    EXPECT_FALSE(accepts(response.schema, R"({"email": "a@example.com"})"));
}

TEST(OpenApiSchema, RecursiveComponentsStayReferencesInDefinitions) {
    auto converted = convert(R"({"$ref": "#/components/schemas/Category"})");
    const auto& definitions = converted.schema.at("definitions").as_object();
    EXPECT_EQ(definitions.size(), 1u);
    EXPECT_EQ(
        json::serialize(definitions.at("Category").at("properties").at("children").at("items")),
        R"({"$ref":"#/definitions/Category"})");
    EXPECT_TRUE(
        accepts(converted.schema,
                R"({"name": "a", "children": [{"name": "b", "children": [{"name": "c"}]}]})"));
    EXPECT_FALSE(accepts(converted.schema,
                         R"({"name": "a", "children": [{"name": "b", "children": [{}]}]})"));
}

TEST(OpenApiSchema, OnlyReachedComponentsAreCopied) {
    auto converted = convert(R"({"type": "array", "items": {"$ref": "#/components/schemas/Tag"}})");
    EXPECT_EQ(converted.schema.at("definitions").as_object().size(), 1u);
    EXPECT_FALSE(accepts(converted.schema, R"(["abcd"])"));
}

TEST(OpenApiSchema, ReferencesToOtherDocumentsAreRefusedByLocation) {
    EXPECT_EQ(conversion_error(R"({"type": "object", "properties": {
                  "owner": {"$ref": "https://example.com/schemas/user.json"}}})"),
              "shop.yaml: paths./x.post.requestBody.content.application/json.schema.properties."
              "owner.$ref: \"https://example.com/schemas/user.json\" is not supported: only "
              "references to #/components/schemas/ of the same document are (other files and "
              "URLs are never fetched)");
    EXPECT_NE(conversion_error(R"({"$ref": "common.yaml#/User"})").find("never fetched"),
              std::string::npos);
    EXPECT_NE(conversion_error(R"({"$ref": "#/paths/~1users"})").find("not supported"),
              std::string::npos);
    EXPECT_EQ(conversion_error(R"({"$ref": "#/components/schemas/Missing"})"),
              "shop.yaml: components.schemas: has no schema \"Missing\"");
}

TEST(OpenApiSchema, KeywordsDraft7CannotSayAreNotedByLocation) {
    auto converted =
        convert(R"({"type": "object", "unevaluatedProperties": false})", OpenApiVersion::v3_1);
    ASSERT_EQ(converted.notes.size(), 1u);
    EXPECT_EQ(converted.notes[0],
              "shop.yaml: paths./x.post.requestBody.content.application/json.schema."
              "unevaluatedProperties: not enforced (draft-7 JSON Schema has no equivalent)");
}

TEST(OpenApiSchema, PrefixItemsAndDependentRequiredOf31AreTranslated) {
    auto tuple = convert(R"({"type": "array", "prefixItems": [{"type": "integer"}],
                             "items": {"type": "string"}})",
                         OpenApiVersion::v3_1);
    EXPECT_TRUE(accepts(tuple.schema, R"([1, "a", "b"])"));
    EXPECT_FALSE(accepts(tuple.schema, R"(["a"])"));
    EXPECT_FALSE(accepts(tuple.schema, R"([1, 2])"));
    auto dependent = convert(R"({"type": "object", "dependentRequired": {"card": ["cvc"]}})",
                             OpenApiVersion::v3_1);
    EXPECT_FALSE(accepts(dependent.schema, R"({"card": "4111"})"));
    EXPECT_TRUE(accepts(dependent.schema, R"({"card": "4111", "cvc": "123"})"));
}

TEST(OpenApiSchema, ASchemaThatIsNotAMapIsRefused) {
    EXPECT_EQ(conversion_error(R"({"type": "object", "properties": {"a": 3}})"),
              "shop.yaml: paths./x.post.requestBody.content.application/json.schema.properties.a: "
              "must be a schema (a map)");
}

}  // namespace
