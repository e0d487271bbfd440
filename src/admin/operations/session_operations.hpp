// Login sessions (refresh-token families): list them, revoke one, or end
// every session of a subject. A revoked family's access tokens die with it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "admin/operations/operation.hpp"

namespace rampart::admin {

// All families, or those of one subject (a user id or a client id); oldest first.
OperationResult<std::vector<store::RefreshFamily>> list_sessions(
    const OperationContext& context, std::optional<std::string_view> subject);

struct RevokedSession {
    store::RefreshFamily family;  // as it was before
    bool changed = false;         // false: it was already revoked
};

OperationResult<RevokedSession> revoke_session(const OperationContext& context,
                                               std::string_view family_id);

// Revokes every family of the subject and refuses the access tokens issued to it until now.
OperationResult<void> end_all_sessions(const OperationContext& context, std::string_view subject);

}  // namespace rampart::admin
