// Bans an administrator makes, lists and lifts (admin API /admin/bans; the
// CLI's `rampart bans` goes through that API, because automatic bans live in
// the running server's memory). An administrator's ban is also kept in the
// store, so that it survives a restart; automatic bans are not.
#pragma once

#include <vector>

#include "admin/operations/operation.hpp"
#include "limit/ban_list.hpp"

namespace rampart::admin {

// Adds the ban to the list and, when `request.persistent`, to the store. A
// store failure takes it off the list again: what is listed is what survives.
OperationResult<limit::Ban> add_ban(limit::BanList& bans, store::Store& store,
                                    const limit::BanRequest& request, limit::BanTime now);

// Lifts the ban `id` from the list and the store; not_found when neither holds it.
OperationResult<limit::Ban> lift_ban(limit::BanList& bans, store::Store& store,
                                     std::string_view id);

// Loads the stored bans into the list at start; returns how many are in force.
std::size_t restore_bans(limit::BanList& bans, store::Store& store, limit::BanTime now);

}  // namespace rampart::admin
