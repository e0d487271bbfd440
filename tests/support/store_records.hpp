// Records for a gateway's own store, made the way the CLI makes them, so that integration tests
// can put users in place without going through a prompt.
#pragma once

#include <string>
#include <vector>

#include "store/records.hpp"

namespace rampart::test {

// A user whose password is hashed with the default Argon2id parameters, created now.
store::User make_user(const std::string& id, const std::string& username,
                      const std::string& password, std::vector<std::string> roles = {});

}  // namespace rampart::test
