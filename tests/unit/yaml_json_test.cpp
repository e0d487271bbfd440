// The YAML-to-JSON reading shared by configuration schemas and OpenAPI
// documents: scalar typing, keys, and the bounds that keep aliases of aliases
// from expanding without end.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <stdexcept>
#include <string>

#include "validate/openapi_schema.hpp"
#include "validate/openapi_yaml.hpp"
#include "validate/yaml_json.hpp"

namespace {

namespace json = boost::json;
using rampart::validate::YamlJsonLimits;

struct Refused : std::runtime_error {
    using std::runtime_error::runtime_error;
};

json::value read(const std::string& text, YamlJsonLimits limits = {}) {
    return rampart::validate::yaml_node_to_json(
        YAML::Load(text), "doc", limits,
        [](const YAML::Node& node, const std::string& path, const std::string& message) {
            throw Refused(std::to_string(node.Mark().line + 1) + " " + path + ": " + message);
        });
}

std::string refusal(const std::string& text, YamlJsonLimits limits = {}) {
    try {
        read(text, limits);
    } catch (const Refused& error) {
        return error.what();
    }
    return "";
}

// a1 names a0 twice, a2 names a1 twice, ...: 2^levels leaves from a few lines.
std::string aliases_of_aliases(int levels) {
    std::string text = "a0: &a0 [x]\n";
    for (int level = 1; level <= levels; ++level) {
        auto previous = "*a" + std::to_string(level - 1);
        text += "a" + std::to_string(level) + ": &a" + std::to_string(level) + " [" + previous +
                ", " + previous + "]\n";
    }
    return text;
}

TEST(YamlJson, PlainScalarsAreTypedAndQuotedOnesAreStrings) {
    EXPECT_EQ(json::serialize(read("{a: 1, b: true, c: ~, d: text, e: '1', f: \"true\", g: 1.5}")),
              R"({"a":1,"b":true,"c":null,"d":"text","e":"1","f":"true","g":1.5E0})");
}

TEST(YamlJson, KeysMustBePlainAndGivenOnce) {
    EXPECT_EQ(refusal("a: 1\na: 2\n"), "2 doc.a: is given twice");
    EXPECT_EQ(refusal("? [x]\n: 1\n"), "1 doc: keys must be plain strings");
}

TEST(YamlJson, AliasesCountAtEachUse) {
    EXPECT_NO_THROW(read(aliases_of_aliases(5)));
    auto message = refusal(aliases_of_aliases(30), YamlJsonLimits{128, 1000});
    EXPECT_NE(message.find("has more than 1000 values (a YAML alias counts each time it is used)"),
              std::string::npos)
        << message;
    EXPECT_NE(refusal("a: [[[[x]]]]\n", YamlJsonLimits{3, 1000}).find("is nested too deeply"),
              std::string::npos);
}

TEST(YamlJson, AnOpenApiDocumentOfAliasesOfAliasesIsRefusedWithItsLine) {
    try {
        rampart::validate::parse_openapi_document(aliases_of_aliases(30), "spec.yaml", 1000);
        FAIL() << "accepted";
    } catch (const rampart::validate::OpenApiError& error) {
        EXPECT_EQ(std::string(error.what()).rfind("spec.yaml:", 0), 0u) << error.what();
        EXPECT_NE(std::string(error.what()).find("has more than 1000 values"), std::string::npos)
            << error.what();
    }
}

}  // namespace
