#include "admin/record_views.hpp"

#include <boost/json/array.hpp>

#include "admin/operations/signing_key_operations.hpp"
#include "observe/security_events.hpp"

namespace rampart::admin {

namespace {

boost::json::value time_value(std::optional<store::Time> time) {
    if (!time) {
        return nullptr;
    }
    return boost::json::string(observe::UtcTimestamp(*time).text());
}

boost::json::array names_value(const std::vector<std::string>& names) {
    return boost::json::array(names.begin(), names.end());
}

}  // namespace

boost::json::object user_view(const store::User& user) {
    return {{"id", user.id},
            {"username", user.username},
            {"email", user.email ? boost::json::value(*user.email) : boost::json::value(nullptr)},
            {"roles", names_value(user.roles)},
            {"disabled", user.disabled},
            {"failed_login_count", user.failed_login_count},
            {"locked_until", time_value(user.locked_until)},
            {"created_at", time_value(user.created_at)},
            {"password_changed_at", time_value(user.password_changed_at)}};
}

boost::json::object api_key_view(const store::ApiKey& key) {
    return {{"id", key.id},
            {"prefix", key.prefix},
            {"consumer", key.consumer},
            {"scopes", names_value(key.scopes)},
            {"roles", names_value(key.roles)},
            {"created_at", time_value(key.created_at)},
            {"expires_at", time_value(key.expires_at)},
            {"revoked_at", time_value(key.revoked_at)}};
}

boost::json::object client_view(const store::OAuthClient& client) {
    return {{"client_id", client.client_id},
            {"name", client.name},
            {"type", client.secret_hash ? "confidential" : "public"},
            {"grants", names_value(client.allowed_grant_types)},
            {"scopes", names_value(client.allowed_scopes)},
            {"roles", names_value(client.roles)},
            {"may_introspect", client.may_introspect},
            {"disabled", client.disabled},
            {"created_at", time_value(client.created_at)}};
}

boost::json::object session_view(const store::RefreshFamily& family) {
    return {{"id", family.family_id},
            {"client_id", family.client_id},
            {"subject", family.subject},
            {"subject_kind", family.subject_kind == store::SubjectKind::user ? "user" : "client"},
            {"created_at", time_value(family.created_at)},
            {"expires_at", time_value(family.family_expires_at)},
            {"revoked_at", time_value(family.revoked_at)},
            {"revoke_reason", family.revoked_at ? boost::json::value(family.revoke_reason)
                                                : boost::json::value(nullptr)}};
}

boost::json::object signing_key_view(const store::SigningKey& key, store::Time now) {
    return {{"kid", key.kid},
            {"algorithm", key.algorithm},
            {"state", signing_key_state(key, now)},
            {"publish_at", time_value(key.publish_at)},
            {"activate_at", time_value(key.activate_at)},
            {"retire_at", time_value(key.retire_at)},
            {"remove_at", time_value(key.remove_at)}};
}

}  // namespace rampart::admin
