// Request ids: the format every log and problem body relies on, and
// uniqueness across batch refills and across threads.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "util/request_id.hpp"

namespace {

using rampart::util::is_acceptable_request_id;
using rampart::util::new_request_id;

bool is_lower_case_hex(const std::string& text) {
    return text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST(RequestId, Is32LowerCaseHexCharacters) {
    auto id = new_request_id();
    EXPECT_EQ(id.size(), 32u);
    EXPECT_TRUE(is_lower_case_hex(id)) << id;
    EXPECT_TRUE(is_acceptable_request_id(id));
}

TEST(RequestId, NeverRepeatsAcrossBatchRefills) {
    constexpr int count = 5000;  // about 20 batches of 256
    std::set<std::string> seen;
    for (int i = 0; i < count; ++i) {
        auto id = new_request_id();
        ASSERT_TRUE(is_lower_case_hex(id) && id.size() == 32) << id;
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), static_cast<std::size_t>(count));
}

TEST(RequestId, ThreadsDrawDifferentIds) {
    constexpr int per_thread = 600;
    std::vector<std::string> first;
    std::vector<std::string> second;
    std::thread one([&] {
        for (int i = 0; i < per_thread; ++i) {
            first.push_back(new_request_id());
        }
    });
    std::thread two([&] {
        for (int i = 0; i < per_thread; ++i) {
            second.push_back(new_request_id());
        }
    });
    one.join();
    two.join();
    std::set<std::string> all(first.begin(), first.end());
    all.insert(second.begin(), second.end());
    EXPECT_EQ(all.size(), static_cast<std::size_t>(2 * per_thread));
}

TEST(RequestId, AcceptsOnlyBoundedSafeIdsFromProxies) {
    EXPECT_TRUE(is_acceptable_request_id("req-42.a_B"));
    EXPECT_FALSE(is_acceptable_request_id(""));
    EXPECT_FALSE(is_acceptable_request_id(std::string(129, 'a')));
    EXPECT_TRUE(is_acceptable_request_id(std::string(128, 'a')));
    EXPECT_FALSE(is_acceptable_request_id("a\"}{\"evil\":1"));
    EXPECT_FALSE(is_acceptable_request_id("id with space"));
}

}  // namespace
