#include "pipeline/rule_context.hpp"

#include <arpa/inet.h>

#include <boost/json/object.hpp>

#include <algorithm>
#include <span>

#include "auth/identity_assertion.hpp"

namespace rampart::pipeline {

namespace {

// inet_ntop rather than address::to_string: no allocation per request.
std::size_t write_address(const boost::asio::ip::address& address, std::array<char, 64>& text) {
    const char* written = nullptr;
    if (address.is_v4()) {
        auto bytes = address.to_v4().to_bytes();
        written = ::inet_ntop(AF_INET, bytes.data(), text.data(), text.size());
    } else {
        auto bytes = address.to_v6().to_bytes();
        written = ::inet_ntop(AF_INET6, bytes.data(), text.data(), text.size());
    }
    return written == nullptr ? 0 : std::char_traits<char>::length(text.data());
}

policy::ClaimValue text_claim(const std::string& text) noexcept {
    return text.empty() ? policy::ClaimValue::absent() : policy::ClaimValue::of_string(text);
}

std::string_view json_string_element(const void* elements, std::size_t index) noexcept {
    const auto& text = static_cast<const boost::json::value*>(elements)[index].get_string();
    return {text.data(), text.size()};
}

// A claim of the verified token's payload, viewed in place: strings, integers,
// booleans and lists of strings; anything else (an object, a fraction, null, a
// list with a non-string element) exists but is unsupported.
policy::ClaimValue token_claim(const boost::json::object& claims, std::string_view name) noexcept {
    const auto* value = claims.if_contains(boost::json::string_view(name.data(), name.size()));
    if (value == nullptr) {
        return policy::ClaimValue::absent();
    }
    if (const auto* text = value->if_string()) {
        return policy::ClaimValue::of_string({text->data(), text->size()});
    }
    if (const auto* integer = value->if_int64()) {
        return policy::ClaimValue::of_integer(*integer);
    }
    if (const auto* boolean = value->if_bool()) {
        return policy::ClaimValue::of_boolean(*boolean);
    }
    if (const auto* list = value->if_array()) {
        if (std::all_of(list->begin(), list->end(),
                        [](const boost::json::value& element) { return element.is_string(); })) {
            return policy::ClaimValue::of_list(
                policy::StringListView(list->data(), list->size(), &json_string_element));
        }
    }
    return policy::ClaimValue::of_unsupported();
}

}  // namespace

RuleContext::RuleContext(const Exchange& exchange) noexcept
    : exchange_(exchange),
      client_ip_length_(write_address(exchange.client_address, client_ip_text_)) {}

policy::ClaimValue RuleContext::subject_claim(std::string_view name) const noexcept {
    if (!exchange_.identity) {
        return policy::ClaimValue::absent();
    }
    const auto& identity = *exchange_.identity;
    if (name == "sub") {
        return text_claim(identity.subject);
    }
    if (name == "roles") {
        return policy::ClaimValue::of_list(
            policy::StringListView(std::span<const std::string>(identity.roles)));
    }
    if (name == "scope") {
        return policy::ClaimValue::of_list(
            policy::StringListView(std::span<const std::string>(identity.scopes)));
    }
    if (name == "client_id") {
        return text_claim(identity.client_id);
    }
    if (name == "consumer") {
        return text_claim(identity.consumer);
    }
    if (name == "username") {
        return text_claim(identity.username);
    }
    if (name == "iss") {
        return text_claim(identity.issuer_name);
    }
    if (name == "credential") {
        return policy::ClaimValue::of_string(auth::credential_name(identity.credential));
    }
    if (identity.claims) {
        return token_claim(*identity.claims, name);
    }
    return policy::ClaimValue::absent();
}

std::string_view RuleContext::request_method() const noexcept {
    auto method = exchange_.request.method_string();
    return {method.data(), method.size()};
}

std::string_view RuleContext::request_path() const noexcept {
    return exchange_.normalized_path;
}

std::string_view RuleContext::client_ip() const noexcept {
    return {client_ip_text_.data(), client_ip_length_};
}

std::optional<std::string_view> RuleContext::header(std::string_view name) const noexcept {
    auto field = exchange_.request.find(boost::beast::string_view(name.data(), name.size()));
    if (field == exchange_.request.end()) {
        return std::nullopt;
    }
    auto value = field->value();
    return std::string_view(value.data(), value.size());
}

std::optional<std::string_view> RuleContext::path_parameter(std::string_view name) const noexcept {
    for (const auto& [parameter, value] : exchange_.path_parameters) {
        if (parameter == name) {
            return std::string_view(value);
        }
    }
    return std::nullopt;
}

std::optional<std::string_view> RuleContext::query_parameter(std::string_view name) const noexcept {
    std::string_view query = exchange_.query;
    std::optional<std::string_view> found;
    while (!query.empty()) {
        auto ampersand = query.find('&');
        auto pair = query.substr(0, ampersand);
        query =
            ampersand == std::string_view::npos ? std::string_view{} : query.substr(ampersand + 1);
        auto equals = pair.find('=');
        if (pair.substr(0, equals) != name) {
            continue;
        }
        if (found) {
            return std::nullopt;  // ?owner=a&owner=b: which one the upstream reads is unknown
        }
        found = equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1);
        if (found->find_first_of("%+") != std::string_view::npos) {
            return std::nullopt;
        }
    }
    return found;
}

std::chrono::sys_seconds RuleContext::now() const noexcept {
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace rampart::pipeline
