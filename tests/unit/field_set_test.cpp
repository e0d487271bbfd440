// Sets of fields named by JSON pointers (pipeline/field_set.hpp): which
// fields of a body are not writable, which fields of an answer are kept or
// removed, with nested members, arrays of objects and several roles' sets
// combined.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>
#include <vector>

#include "pipeline/field_set.hpp"
#include "util/json_pointer.hpp"

namespace {

using rampart::pipeline::FieldSet;
namespace json = boost::json;
using Names = std::vector<std::string>;

FieldSet fields(std::initializer_list<const char*> pointers) {
    FieldSet set;
    for (const auto* pointer : pointers) {
        set.add(rampart::util::parse_json_pointer(pointer).value());
    }
    return set;
}

Names unwritable(const char* body, std::initializer_list<const FieldSet*> sets,
                 std::size_t max_names = 16) {
    std::vector<const FieldSet::Node*> nodes;
    for (const auto* set : sets) {
        nodes.push_back(&set->root());
    }
    return rampart::pipeline::unwritable_fields(json::parse(body), nodes, max_names);
}

std::string readable(const char* document, std::initializer_list<const FieldSet*> sets) {
    std::vector<const FieldSet::Node*> nodes;
    for (const auto* set : sets) {
        nodes.push_back(&set->root());
    }
    auto value = json::parse(document);
    rampart::pipeline::keep_readable_fields(value, nodes);
    return json::serialize(value);
}

std::string without(const char* document, const FieldSet& denied) {
    auto value = json::parse(document);
    rampart::pipeline::remove_fields(value, denied.root());
    return json::serialize(value);
}

}  // namespace

TEST(FieldSet, WritableTopLevelAndNestedFields) {
    auto customer = fields({"/name", "/address/city"});
    EXPECT_EQ(unwritable(R"({"name":"Alice","address":{"city":"Oslo"}})", {&customer}), Names{});
    EXPECT_EQ(unwritable(R"({"name":"A","role":"admin","balance":1e9})", {&customer}),
              (Names{"/role", "/balance"}));
    EXPECT_EQ(unwritable(R"({"address":{"city":"Oslo","country":"NO"}})", {&customer}),
              Names{"/address/country"});
    // A scalar where only parts are writable replaces them all.
    EXPECT_EQ(unwritable(R"({"address":"Oslo"})", {&customer}), Names{"/address"});
    EXPECT_EQ(unwritable(R"({"address":null})", {&customer}), Names{"/address"});
    EXPECT_EQ(unwritable("{}", {&customer}), Names{});
}

TEST(FieldSet, ArraysOfObjectsAreCheckedElementByElement) {
    auto lines = fields({"/lines/quantity", "/note"});
    EXPECT_EQ(unwritable(R"({"lines":[{"quantity":1},{"quantity":2}]})", {&lines}), Names{});
    EXPECT_EQ(
        unwritable(R"({"lines":[{"quantity":1},{"quantity":2,"price":0},{"price":1}]})", {&lines}),
        Names{"/lines/price"})
        << "named once, without an index";
    EXPECT_EQ(unwritable(R"([{"note":"a"},{"note":"b","owner":"x"}])", {&lines}), Names{"/owner"});
    EXPECT_EQ(unwritable(R"({"lines":[1,2]})", {&lines}), Names{"/lines"});
}

TEST(FieldSet, RolesCombineAsAUnion) {
    auto customer = fields({"/name"});
    auto support = fields({"/email", "/address/city"});
    const char* body = R"({"name":"A","email":"a@example.com","address":{"city":"x"}})";
    EXPECT_EQ(unwritable(body, {&customer}), (Names{"/email", "/address"}));
    EXPECT_EQ(unwritable(body, {&customer, &support}), Names{});
    auto everything = FieldSet::everything();
    EXPECT_EQ(unwritable(R"({"role":"admin"})", {&customer, &everything}), Names{});
    EXPECT_EQ(unwritable(R"({"role":"admin","name":"x"})", {}), (Names{"/role", "/name"}))
        << "no set: nothing is writable";
}

TEST(FieldSet, NamesAreEscapedAndBounded) {
    auto none = fields({"/name"});
    EXPECT_EQ(unwritable(R"({"a/b":1,"c~d":2})", {&none}), (Names{"/a~1b", "/c~0d"}));
    EXPECT_EQ(unwritable(R"({"a":1,"b":2,"c":3})", {&none}, 2), (Names{"/a", "/b"}));
}

TEST(FieldSet, ShorterPointersCoverLongerOnes) {
    auto set = fields({"/address/city", "/address"});
    EXPECT_TRUE(set.root().member("address")->whole);
    EXPECT_EQ(unwritable(R"({"address":{"street":"x"}})", {&set}), Names{});
    auto reversed = fields({"/address", "/address/city"});
    EXPECT_TRUE(reversed.root().member("address")->whole);
    EXPECT_TRUE(reversed.root().member("address")->members.empty());
}

TEST(FieldSet, KeepsOnlyReadableFieldsInOrder) {
    auto customer = fields({"/name", "/id", "/address/city"});
    EXPECT_EQ(
        readable(R"({"id":1,"name":"A","password_hash":"x","address":{"city":"O","zip":"1"}})",
                 {&customer}),
        R"({"id":1,"name":"A","address":{"city":"O"}})");
    EXPECT_EQ(readable(R"([{"id":1,"secret":2},{"id":3}])", {&customer}), R"([{"id":1},{"id":3}])");
    EXPECT_EQ(readable(R"({"id":1,"address":"Main St"})", {&customer}), R"({"id":1})")
        << "a scalar where only parts are readable is dropped";
    auto support = fields({"/address"});
    EXPECT_EQ(readable(R"({"id":1,"address":{"city":"O","zip":"1"},"x":0})", {&customer, &support}),
              R"({"id":1,"address":{"city":"O","zip":"1"}})");
    auto everything = FieldSet::everything();
    EXPECT_EQ(readable(R"({"x":0})", {&customer, &everything}), R"({"x":0})");
    EXPECT_EQ(readable(R"({"x":0,"id":1})", {}), "{}") << "no set: nothing is readable";
}

TEST(FieldSet, RemovesDeniedFieldsEverywhere) {
    auto denied = fields({"/password_hash", "/internal_notes", "/owner/email"});
    EXPECT_EQ(without(R"({"id":1,"password_hash":"x","internal_notes":"y","b":2})", denied),
              R"({"id":1,"b":2})");
    EXPECT_EQ(without(R"([{"id":1,"password_hash":"x"},{"id":2},7])", denied),
              R"([{"id":1},{"id":2},7])");
    EXPECT_EQ(without(R"({"owner":{"id":1,"email":"e"},"password_hash":null})", denied),
              R"({"owner":{"id":1}})");
    EXPECT_EQ(without(R"({"owner":[{"email":"e","n":1}]})", denied), R"({"owner":[{"n":1}]})");
    EXPECT_EQ(without(R"({"owner":"someone"})", denied), R"({"owner":"someone"})");
}
