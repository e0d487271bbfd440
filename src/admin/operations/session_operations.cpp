#include "admin/operations/session_operations.hpp"

#include <algorithm>

#include "util/printable.hpp"

namespace rampart::admin {

namespace {

constexpr std::string_view admin_revocation_reason = "admin_revoked";

}  // namespace

OperationResult<std::vector<store::RefreshFamily>> list_sessions(
    const OperationContext& context, std::optional<std::string_view> subject) {
    auto families = context.store.list_families(subject);
    if (!families) {
        return store_failure("listing the sessions", families.error());
    }
    return std::move(*families);
}

OperationResult<RevokedSession> revoke_session(const OperationContext& context,
                                               std::string_view family_id) {
    auto families = list_sessions(context, std::nullopt);
    if (!families) {
        return families.error();
    }
    auto found = std::find_if(families->begin(), families->end(),
                              [&](const auto& family) { return family.family_id == family_id; });
    if (found == families->end()) {
        return not_found("no session has the id \"" + util::printable(family_id) + "\"");
    }
    if (found->revoked_at) {
        return RevokedSession{std::move(*found), false};
    }
    auto revoked =
        context.store.revoke_family(family_id, admin_revocation_reason, context.now,
                                    context.now + access_token_horizon(context.settings));
    if (!revoked) {
        return store_failure("revoking the session", revoked.error());
    }
    return RevokedSession{std::move(*found), true};
}

OperationResult<void> end_all_sessions(const OperationContext& context, std::string_view subject) {
    auto revoked = context.store.revoke_subject(
        subject, session_cutoff(context, std::string(admin_revocation_reason)));
    if (!revoked) {
        return store_failure("ending the sessions", revoked.error());
    }
    return {};
}

}  // namespace rampart::admin
