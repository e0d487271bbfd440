#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <string>

#include "util/strict_json.hpp"

using rampart::util::parse_strict_json;
using rampart::util::StrictJsonError;
using rampart::util::StrictJsonLimits;

namespace {

StrictJsonError error_of(std::string_view text, const StrictJsonLimits& limits = {}) {
    auto parsed = parse_strict_json(text, limits);
    EXPECT_FALSE(parsed) << "accepted: " << text;
    return parsed ? StrictJsonError::syntax : parsed.error();
}

}  // namespace

TEST(StrictJson, ParsesOrdinaryDocuments) {
    auto parsed = parse_strict_json(
        "{\"a\":1,\r\n \"b\":[true,null,-2.5,\"\\u00e9\\n\"],\"c\":{\"a\":18446744073709551615}}");
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->at("a").as_int64(), 1);
    EXPECT_EQ(parsed->at("b").as_array()[3].as_string(), "\xc3\xa9\n");
    EXPECT_EQ(parsed->at("c").at("a").as_uint64(), 18446744073709551615u);
    EXPECT_TRUE(parse_strict_json("\"text\""));
    EXPECT_TRUE(parse_strict_json("[]"));
    EXPECT_TRUE(parse_strict_json(" 42 "));
}

TEST(StrictJson, RefusesDuplicateKeysAtAnyDepthAndInAnySpelling) {
    EXPECT_EQ(error_of(R"({"a":1,"a":2})"), StrictJsonError::duplicate_key);
    EXPECT_EQ(error_of(R"({"x":{"a":1,"b":2,"a":3}})"), StrictJsonError::duplicate_key);
    EXPECT_EQ(error_of(R"({"ab":1,"a\u0062":2})"), StrictJsonError::duplicate_key);
    EXPECT_EQ(error_of(R"([{"k":1},{"k":2,"k":3}])"), StrictJsonError::duplicate_key);
    // The same key in sibling or nested objects is not a duplicate.
    EXPECT_TRUE(parse_strict_json(R"({"a":{"a":1},"b":{"a":2},"c":[{"a":3}]})"));
}

TEST(StrictJson, RefusesNonStandardSyntax) {
    EXPECT_EQ(error_of("[1,2,]"), StrictJsonError::syntax);
    EXPECT_EQ(error_of(R"({"a":1,})"), StrictJsonError::syntax);
    EXPECT_EQ(error_of("// comment\n{}"), StrictJsonError::syntax);
    EXPECT_EQ(error_of("{/* c */}"), StrictJsonError::syntax);
    EXPECT_EQ(error_of("{'a':1}"), StrictJsonError::syntax);
    EXPECT_EQ(error_of("NaN"), StrictJsonError::syntax);
    EXPECT_EQ(error_of(std::string("\"a\0b\"", 5)), StrictJsonError::syntax);
    EXPECT_EQ(error_of("{} {}"), StrictJsonError::trailing_data);
    EXPECT_EQ(error_of("[1] x"), StrictJsonError::trailing_data);
    EXPECT_EQ(error_of(R"({"a":)"), StrictJsonError::incomplete);
    EXPECT_EQ(error_of(""), StrictJsonError::incomplete);
}

TEST(StrictJson, RefusesInvalidUtf8) {
    EXPECT_EQ(error_of("\"\xc0\xaf\""), StrictJsonError::invalid_utf8);      // overlong '/'
    EXPECT_EQ(error_of("\"\x80\""), StrictJsonError::invalid_utf8);          // lone continuation
    EXPECT_EQ(error_of("\"\xed\xa0\x80\""), StrictJsonError::invalid_utf8);  // surrogate
    EXPECT_EQ(error_of("\"\xf4\x90\x80\x80\""), StrictJsonError::invalid_utf8);  // > U+10FFFF
    EXPECT_EQ(error_of("{\"\xff\":1}"), StrictJsonError::invalid_utf8);
    EXPECT_TRUE(parse_strict_json("\"\xe2\x82\xac \xf0\x9f\x98\x80\""));
}

// An escaped surrogate that is not half of a pair is no character either.
TEST(StrictJson, RefusesLoneSurrogateEscapes) {
    EXPECT_EQ(error_of(R"(["\uDFAA"])"), StrictJsonError::invalid_utf8);
    // Boost 1.81 reports a high surrogate without its pair as a syntax error.
    auto unpaired = error_of(R"(["\uDADA"])");
    EXPECT_TRUE(unpaired == StrictJsonError::invalid_utf8 || unpaired == StrictJsonError::syntax);
    EXPECT_EQ(error_of(R"(["\uD888\u1234"])"), StrictJsonError::invalid_utf8);
    EXPECT_TRUE(parse_strict_json(R"(["\uD83D\uDE00"])"));
}

TEST(StrictJson, RefusesExponentsBeyondRange) {
    EXPECT_EQ(error_of("[1e400]"), StrictJsonError::number_out_of_range);
    StrictJsonLimits long_numbers;
    long_numbers.max_number_chars = 1000;
    EXPECT_EQ(error_of("[0.4e" + std::string(400, '9') + "]", long_numbers),
              StrictJsonError::number_out_of_range);
}

TEST(StrictJson, EnforcesEveryLimit) {
    StrictJsonLimits limits;
    limits.max_bytes = 10;
    EXPECT_EQ(error_of("[1,2,3,4,5,6]", limits), StrictJsonError::too_large);

    limits = {};
    limits.max_depth = 3;
    EXPECT_TRUE(parse_strict_json("[[[1]]]", limits));
    EXPECT_EQ(error_of("[[[[1]]]]", limits), StrictJsonError::too_deep);
    EXPECT_EQ(error_of(R"({"a":{"b":{"c":{}}}})", limits), StrictJsonError::too_deep);
    EXPECT_EQ(error_of(std::string(10000, '['), {}), StrictJsonError::too_deep);

    limits = {};
    limits.max_members = 3;
    EXPECT_TRUE(parse_strict_json(R"({"a":1,"b":2,"c":3})", limits));
    EXPECT_EQ(error_of(R"({"a":1,"b":2,"c":3,"d":4})", limits), StrictJsonError::too_many_members);
    EXPECT_EQ(error_of("[1,2,3,4]", limits), StrictJsonError::too_many_members);

    limits = {};
    limits.max_string_bytes = 4;
    EXPECT_TRUE(parse_strict_json(R"("abcd")", limits));
    EXPECT_EQ(error_of(R"("abcde")", limits), StrictJsonError::string_too_long);
    EXPECT_EQ(error_of(R"({"abcde":1})", limits), StrictJsonError::string_too_long);
    EXPECT_EQ(error_of(R"("ab\u0063de")", limits), StrictJsonError::string_too_long);

    limits = {};
    limits.max_number_chars = 5;
    EXPECT_TRUE(parse_strict_json("[12345,-1234,1e300]", limits));
    EXPECT_EQ(error_of("123456", limits), StrictJsonError::number_too_long);
    EXPECT_EQ(error_of("[1.00001]", limits), StrictJsonError::number_too_long);
}

TEST(StrictJson, RefusesNumbersADoubleCannotHold) {
    EXPECT_EQ(error_of("1e400"), StrictJsonError::number_out_of_range);
    EXPECT_EQ(error_of("[-1e400]"), StrictJsonError::number_out_of_range);
    EXPECT_EQ(error_of("0e402"), StrictJsonError::number_out_of_range);  // NaN in Boost 1.81
    auto tiny = parse_strict_json("1e-400");
    ASSERT_TRUE(tiny);
    EXPECT_EQ(tiny->as_double(), 0.0);
    EXPECT_TRUE(parse_strict_json("1e308"));
}

TEST(StrictJson, ErrorTextsNeverQuoteTheInput) {
    auto parsed = parse_strict_json(R"({"secret-token-value":1,"secret-token-value":2})");
    ASSERT_FALSE(parsed);
    std::string_view text = describe(parsed.error());
    EXPECT_EQ(text, "A JSON object has a duplicate key.");
    for (int code = 0; code <= static_cast<int>(StrictJsonError::incomplete); ++code) {
        EXPECT_FALSE(describe(static_cast<StrictJsonError>(code)).empty());
    }
}
