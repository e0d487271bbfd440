// Assertions shared by the integration tests about Rampart's own error responses.
#pragma once

#include "support/raw_connection.hpp"

namespace rampart::test {

// The response is RFC 9457 problem+json whose request_id equals the X-Request-Id header and
// whose status equals the response's (a non-fatal gtest failure otherwise).
void expect_problem(const ParsedResponse& response);

}  // namespace rampart::test
