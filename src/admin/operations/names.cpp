#include "admin/operations/names.hpp"

#include <algorithm>
#include <cctype>

#include "auth/auth_runtime.hpp"
#include "util/ascii.hpp"
#include "util/printable.hpp"

namespace rampart::admin {

namespace {

constexpr std::size_t maximum_username_characters = 64;
constexpr std::size_t maximum_email_characters = 254;
constexpr std::size_t maximum_name_characters = 128;

bool is_alphanumeric(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_username_character(char c) {
    return is_alphanumeric(c) || std::string_view("._@+-").find(c) != std::string_view::npos;
}

bool is_consumer_character(char c) {
    return is_alphanumeric(c) || std::string_view("._@:-").find(c) != std::string_view::npos;
}

bool is_client_id_character(char c) {
    return is_alphanumeric(c) || std::string_view("._-").find(c) != std::string_view::npos;
}

bool is_name_character(char c) {
    return is_alphanumeric(c) || std::string_view("._:/-").find(c) != std::string_view::npos;
}

bool is_control(char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
}

std::string trimmed(std::string_view text) {
    auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    auto last = text.find_last_not_of(" \t");
    return std::string(text.substr(first, last - first + 1));
}

std::string in_quotes(std::string_view text) {
    return "\"" + util::printable(text) + "\"";
}

}  // namespace

OperationResult<void> check_username(std::string_view username) {
    bool valid = !username.empty() && username.size() <= maximum_username_characters &&
                 std::all_of(username.begin(), username.end(), is_username_character) &&
                 is_alphanumeric(username.front());
    if (!valid) {
        return invalid("the username " + in_quotes(username) +
                       " is not valid: use 1 to 64 letters, digits and . _ @ + -, starting with a "
                       "letter or digit");
    }
    return {};
}

OperationResult<void> check_email(std::string_view email) {
    auto at = email.find('@');
    bool printable_ascii = std::all_of(email.begin(), email.end(), [](char c) {
        return c > ' ' && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>';
    });
    bool valid = printable_ascii && email.size() <= maximum_email_characters &&
                 at != std::string_view::npos && at > 0 &&
                 email.find('@', at + 1) == std::string_view::npos &&
                 email.find('.', at + 2) != std::string_view::npos && email.back() != '.';
    if (!valid) {
        return invalid("the email address " + in_quotes(email) + " is not valid");
    }
    return {};
}

OperationResult<void> check_consumer(std::string_view consumer) {
    if (consumer.empty() || consumer.size() > maximum_name_characters ||
        !std::all_of(consumer.begin(), consumer.end(), is_consumer_character)) {
        return invalid("the consumer " + in_quotes(consumer) +
                       " is not valid: use 1 to 128 letters, digits and . _ @ : -");
    }
    return {};
}

OperationResult<void> refuse_first_party_client(std::string_view client_id) {
    if (util::equals_ignoring_case(client_id, auth::first_party_client_id)) {
        return invalid("\"" + std::string(auth::first_party_client_id) +
                       "\" is Rampart's own login client; it is managed by the server");
    }
    return {};
}

OperationResult<void> check_client_id(std::string_view client_id) {
    if (client_id.empty() || client_id.size() > maximum_name_characters ||
        !std::all_of(client_id.begin(), client_id.end(), is_client_id_character)) {
        return invalid("the client id " + in_quotes(client_id) +
                       " is not valid: use 1 to 128 letters, digits and . _ -");
    }
    return refuse_first_party_client(client_id);
}

OperationResult<void> check_display_name(std::string_view name) {
    if (name.size() > maximum_name_characters ||
        std::any_of(name.begin(), name.end(), is_control)) {
        return invalid("the name must be at most 128 characters, without control characters");
    }
    return {};
}

OperationResult<std::vector<std::string>> check_names(std::vector<std::string> names,
                                                      std::string_view what) {
    std::vector<std::string> kept;
    for (auto& name : names) {
        if (name.empty()) {
            return invalid("an empty " + std::string(what) + " name in the list");
        }
        if (name.size() > maximum_name_characters ||
            !std::all_of(name.begin(), name.end(), is_name_character)) {
            return invalid("the " + std::string(what) + " " + in_quotes(name) +
                           " is not valid: use at most 128 letters, digits and . _ : / -");
        }
        if (std::find(kept.begin(), kept.end(), name) == kept.end()) {
            kept.push_back(std::move(name));
        }
    }
    return kept;
}

OperationResult<std::vector<std::string>> split_names(std::string_view text,
                                                      std::string_view what) {
    std::vector<std::string> names;
    if (trimmed(text).empty()) {
        return names;
    }
    std::size_t start = 0;
    while (start <= text.size()) {
        auto comma = text.find(',', start);
        auto end = comma == std::string_view::npos ? text.size() : comma;
        auto name = trimmed(text.substr(start, end - start));
        if (name.empty()) {
            return invalid("an empty " + std::string(what) +
                           " name in the list (write names separated by commas: a,b)");
        }
        names.push_back(std::move(name));
        start = end + 1;
    }
    return check_names(std::move(names), what);
}

}  // namespace rampart::admin
