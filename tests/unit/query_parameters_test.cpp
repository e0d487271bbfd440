// Query strings (validate/query_string.hpp) and the coercion of parameter text
// to the schema's type (validate/parameter_coercion.hpp), INP-08.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "validate/parameter_coercion.hpp"
#include "validate/query_string.hpp"

namespace {

using namespace rampart::validate;
namespace json = boost::json;

}  // namespace

TEST(QueryString, DecodesNamesAndValuesInOrder) {
    std::string raw = "limit=10&q=a+b%20c&flag&limit=20&empty=";
    auto parsed = parse_query_string(raw, {});
    ASSERT_TRUE(parsed);
    ASSERT_EQ(parsed->size(), 5u);
    EXPECT_EQ((*parsed)[0].name, "limit");
    EXPECT_EQ((*parsed)[0].value, "10");
    EXPECT_EQ((*parsed)[1].value, "a b c");
    EXPECT_EQ((*parsed)[1].encoded, "q=a+b%20c");
    EXPECT_EQ((*parsed)[2].name, "flag");
    EXPECT_EQ((*parsed)[2].encoded, "flag");
    EXPECT_EQ((*parsed)[3].value, "20");
    EXPECT_EQ((*parsed)[4].value, "");
}

// Characters RFC 3986 reserves but APIs send unencoded are taken as they are.
TEST(QueryString, TakesBracketsAndBracesUnencoded) {
    auto parsed = parse_query_string("filter[name]=x|y&q={\"a\":1}&k=a=b", {});
    ASSERT_TRUE(parsed);
    ASSERT_EQ(parsed->size(), 3u);
    EXPECT_EQ((*parsed)[0].name, "filter[name]");
    EXPECT_EQ((*parsed)[0].value, "x|y");
    EXPECT_EQ((*parsed)[1].value, "{\"a\":1}");
    EXPECT_EQ((*parsed)[2].name, "k");
    EXPECT_EQ((*parsed)[2].value, "a=b");
    EXPECT_EQ(parse_query_string("a=%4", {}).error(), QueryError::malformed);
}

TEST(QueryString, EnforcesItsLimits) {
    QueryLimits limits;
    limits.max_length = 16;
    limits.max_parameters = 3;
    EXPECT_EQ(parse_query_string("a=1&b=2&c=3&d=4", limits).error(),
              QueryError::too_many_parameters);
    EXPECT_TRUE(parse_query_string("a=1&b=2&c=3", limits));
    EXPECT_EQ(parse_query_string(std::string(17, 'a'), limits).error(), QueryError::too_long);
    EXPECT_EQ(parse_query_string("a=%zz", {}).error(), QueryError::malformed);
    EXPECT_EQ(parse_query_string("a=%C0%AF", {}).error(), QueryError::invalid_utf8);
    EXPECT_TRUE(parse_query_string("", {})->empty());
}

TEST(ParameterCoercion, ReadsTheDeclaredTypes) {
    auto shape = shape_of(json::parse(R"({"type": "integer", "maximum": 100})"));
    EXPECT_EQ(shape.scalar_types, std::vector<ScalarType>{ScalarType::integer});
    EXPECT_FALSE(shape.is_array);
    auto either = shape_of(json::parse(R"({"type": ["string", "boolean"]})"));
    EXPECT_EQ(either.scalar_types,
              (std::vector<ScalarType>{ScalarType::boolean, ScalarType::string}));
    auto list = shape_of(json::parse(R"({"type": "array", "items": {"type": "number"}})"));
    EXPECT_TRUE(list.is_array);
    EXPECT_EQ(list.item_types, std::vector<ScalarType>{ScalarType::number});
    EXPECT_TRUE(shape_of(json::parse("{}")).scalar_types.empty());
}

TEST(ParameterCoercion, ConvertsOnlyExactSpellings) {
    std::vector<ScalarType> integer{ScalarType::integer};
    EXPECT_EQ(*coerce("100", integer), json::value(100));
    EXPECT_EQ(*coerce("-3", integer), json::value(-3));
    EXPECT_EQ(*coerce("18446744073709551615", integer), json::value(18446744073709551615u));
    for (auto text : {"", "1e2", "+1", " 1", "1 ", "0x10", "1.5", "01", "1 OR 1=1", "NaN",
                      "99999999999999999999999"}) {
        EXPECT_FALSE(coerce(text, integer)) << text;
    }
    std::vector<ScalarType> number{ScalarType::number};
    EXPECT_EQ(*coerce("2.5", number), json::value(2.5));
    EXPECT_EQ(*coerce("1e2", number), json::value(100.0));
    EXPECT_FALSE(coerce("Infinity", number));
    EXPECT_FALSE(coerce("1e400", number));
    std::vector<ScalarType> boolean{ScalarType::boolean};
    EXPECT_EQ(*coerce("true", boolean), json::value(true));
    EXPECT_FALSE(coerce("1", boolean));
    EXPECT_FALSE(coerce("True", boolean));
    EXPECT_EQ(*coerce("x", {}), json::value("x"));
    EXPECT_EQ(*coerce("7", {ScalarType::integer, ScalarType::string}), json::value(7));
    EXPECT_EQ(*coerce("seven", {ScalarType::integer, ScalarType::string}), json::value("seven"));
}
