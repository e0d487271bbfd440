// JSON pointers as the configuration names fields (RFC 6901, refusing what
// would only hide a typo): parsing, escapes, and the escaping of names back.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "util/json_pointer.hpp"

namespace {

using rampart::util::JsonPointerError;
using rampart::util::parse_json_pointer;
using Segments = std::vector<std::string>;

}  // namespace

TEST(JsonPointer, ParsesMemberNames) {
    EXPECT_EQ(parse_json_pointer("/name").value(), Segments{"name"});
    EXPECT_EQ(parse_json_pointer("/address/city").value(), (Segments{"address", "city"}));
    EXPECT_EQ(parse_json_pointer("/items/0").value(), (Segments{"items", "0"}));
    EXPECT_EQ(parse_json_pointer("/ spaced name").value(), Segments{" spaced name"});
    EXPECT_EQ(parse_json_pointer("/r\xC3\xB4le").value(), Segments{"r\xC3\xB4le"});
}

// RFC 6901 §4: ~1 is '/', ~0 is '~', and "~01" is "~1", not "/".
TEST(JsonPointer, UnescapesTildeSequences) {
    EXPECT_EQ(parse_json_pointer("/a~1b").value(), Segments{"a/b"});
    EXPECT_EQ(parse_json_pointer("/m~0n").value(), Segments{"m~n"});
    EXPECT_EQ(parse_json_pointer("/~01").value(), Segments{"~1"});
    EXPECT_EQ(parse_json_pointer("/~10").value(), Segments{"/0"});
}

TEST(JsonPointer, RefusesWhatWouldHideATypo) {
    EXPECT_EQ(parse_json_pointer("").error(), JsonPointerError::empty);
    EXPECT_EQ(parse_json_pointer("name").error(), JsonPointerError::missing_leading_slash);
    EXPECT_EQ(parse_json_pointer("#/name").error(), JsonPointerError::missing_leading_slash);
    EXPECT_EQ(parse_json_pointer("/").error(), JsonPointerError::empty_segment);
    EXPECT_EQ(parse_json_pointer("/a//b").error(), JsonPointerError::empty_segment);
    EXPECT_EQ(parse_json_pointer("/a/").error(), JsonPointerError::empty_segment);
    EXPECT_EQ(parse_json_pointer("/a~").error(), JsonPointerError::bad_escape);
    EXPECT_EQ(parse_json_pointer("/a~2").error(), JsonPointerError::bad_escape);
    EXPECT_EQ(parse_json_pointer("/~/x").error(), JsonPointerError::bad_escape);
}

TEST(JsonPointer, BoundsTheDepth) {
    std::string deepest;
    for (std::size_t level = 0; level < rampart::util::max_json_pointer_segments; ++level) {
        deepest += "/a";
    }
    EXPECT_EQ(parse_json_pointer(deepest).value().size(), rampart::util::max_json_pointer_segments);
    EXPECT_EQ(parse_json_pointer(deepest + "/a").error(), JsonPointerError::too_deep);
}

TEST(JsonPointer, DescriptionsNeverQuoteThePointer) {
    for (auto error : {JsonPointerError::empty, JsonPointerError::missing_leading_slash,
                       JsonPointerError::empty_segment, JsonPointerError::bad_escape,
                       JsonPointerError::too_deep}) {
        EXPECT_FALSE(rampart::util::describe(error).empty());
    }
}

TEST(JsonPointer, EscapedSegmentsParseBack) {
    for (std::string name : {"plain", "a/b", "m~n", "~1", "/~", "0"}) {
        std::string pointer = "/items";
        rampart::util::append_json_pointer_segment(pointer, name);
        EXPECT_EQ(parse_json_pointer(pointer).value(), (Segments{"items", name})) << pointer;
    }
}
