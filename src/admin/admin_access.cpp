#include "admin/admin_access.hpp"

#include "auth/secret_token.hpp"
#include "util/ascii.hpp"

namespace rampart::admin {

namespace {

constexpr std::string_view bearer_scheme = "Bearer ";
// Longer tokens are not ours; refusing them early bounds the hashing work.
constexpr std::size_t maximum_token_bytes = 512;

}  // namespace

std::optional<AdminCaller> identify_admin_caller(
    std::string_view authorization, std::string_view operator_token,
    const std::vector<config::AdminPrincipal>& principals) {
    if (!util::starts_with_ignoring_case(authorization, bearer_scheme)) {
        return std::nullopt;
    }
    auto token = authorization.substr(bearer_scheme.size());
    if (token.empty() || token.size() > maximum_token_bytes) {
        return std::nullopt;
    }
    std::optional<AdminCaller> caller;
    if (!operator_token.empty() && auth::constant_time_equals(token, operator_token)) {
        caller = AdminCaller{"operator", config::AdminRole::admin};
    }
    auto token_hash = auth::sha256_hex(token);
    for (const auto& principal : principals) {
        if (!principal.token_sha256.empty() &&
            auth::constant_time_equals(token_hash, principal.token_sha256) && !caller) {
            caller = AdminCaller{principal.name, principal.role};
        }
    }
    return caller;
}

std::optional<AdminCaller> identify_admin_caller(
    const net::ClientCertificate& certificate,
    const std::vector<config::AdminPrincipal>& principals) {
    for (const auto& principal : principals) {
        if (!principal.certificate_subject.empty() &&
            principal.certificate_subject == certificate.subject) {
            return AdminCaller{principal.name, principal.role};
        }
    }
    return std::nullopt;
}

bool source_is_allowed(const config::Admin& admin, const boost::asio::ip::address& peer) {
    return net::any_contains(admin.allowed_sources, peer);
}

bool may_perform(const AdminCaller& caller, bool changes_state) {
    return !changes_state || caller.role == config::AdminRole::admin;
}

}  // namespace rampart::admin
