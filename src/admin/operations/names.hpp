// What the names of administered things may look like: usernames, email
// addresses, consumers, client ids, and role, scope and grant names. One
// set of rules for the CLI and the admin API.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "admin/operations/operation.hpp"

namespace rampart::admin {

// 1 to 64 letters, digits and . _ @ + -, starting with a letter or digit.
OperationResult<void> check_username(std::string_view username);
// A plausible address: one '@' between non-empty parts, a dot in the domain, printable ASCII
// without spaces. Whether it receives mail is not ours to check.
OperationResult<void> check_email(std::string_view email);
// 1 to 128 letters, digits and . _ @ : -.
OperationResult<void> check_consumer(std::string_view consumer);
// 1 to 128 letters, digits and . _ -; never Rampart's own login client.
OperationResult<void> check_client_id(std::string_view client_id);
// Refuses Rampart's own login client: the server makes and keeps it.
OperationResult<void> refuse_first_party_client(std::string_view client_id);
// At most 128 characters, no control characters.
OperationResult<void> check_display_name(std::string_view name);

// Each name 1 to 128 letters, digits and . _ : / -; repeats dropped, order kept. `what` names
// the list in errors ("role", "scope").
OperationResult<std::vector<std::string>> check_names(std::vector<std::string> names,
                                                      std::string_view what);
// "a,b, c" -> check_names({"a", "b", "c"}); an empty text is an empty list.
OperationResult<std::vector<std::string>> split_names(std::string_view text, std::string_view what);

}  // namespace rampart::admin
