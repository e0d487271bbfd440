#include "support/problem_assertions.hpp"

#include <gtest/gtest.h>

#include <boost/json/value_to.hpp>

#include <string>

namespace rampart::test {

void expect_problem(const ParsedResponse& response) {
    EXPECT_EQ(response.get("content-type"), "application/problem+json");
    auto request_id = response.get("x-request-id");
    EXPECT_FALSE(request_id.empty());
    try {
        auto body = response.json();
        EXPECT_EQ(boost::json::value_to<std::string>(body.at("request_id")), request_id);
        EXPECT_EQ(boost::json::value_to<unsigned>(body.at("status")), response.status);
    } catch (const std::exception& error) {
        ADD_FAILURE() << "not a problem+json body (" << error.what() << "): " << response.body;
    }
}

}  // namespace rampart::test
