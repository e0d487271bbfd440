#include "admin/operations/ban_operations.hpp"

namespace rampart::admin {

namespace {

store::StoredBan to_record(const limit::Ban& ban) {
    auto seconds = [](limit::BanTime time) {
        return std::chrono::time_point_cast<std::chrono::seconds>(time);
    };
    return store::StoredBan{ban.id,
                            std::string(limit::to_string(ban.kind)),
                            ban.target,
                            ban.reason,
                            ban.created_by,
                            seconds(ban.created_at),
                            seconds(ban.expires_at)};
}

std::optional<limit::Ban> from_record(const store::StoredBan& record) {
    auto kind = limit::ban_kind_from(record.kind);
    if (!kind) {
        return std::nullopt;
    }
    return limit::Ban{record.id,         *kind,
                      record.target,     record.reason,
                      record.created_by, record.created_at,
                      record.expires_at, true};
}

}  // namespace

OperationResult<limit::Ban> add_ban(limit::BanList& bans, store::Store& store,
                                    const limit::BanRequest& request, limit::BanTime now) {
    auto added = bans.add(request, now);
    if (!added) {
        return invalid(added.error().message);
    }
    if (added->persistent) {
        if (auto saved = store.save_ban(to_record(*added)); !saved) {
            bans.lift(added->id);
            return store_failure("saving the ban", saved.error());
        }
    }
    return *added;
}

OperationResult<limit::Ban> lift_ban(limit::BanList& bans, store::Store& store,
                                     std::string_view id) {
    auto lifted = bans.lift(id);
    auto deleted = store.delete_ban(id);
    if (!deleted && deleted.error().code != store::StoreErrorCode::not_found) {
        return store_failure("deleting the ban", deleted.error());
    }
    if (!lifted) {
        return not_found("no ban in force has this id");
    }
    return *lifted;
}

std::size_t restore_bans(limit::BanList& bans, store::Store& store, limit::BanTime now) {
    auto stored = store.list_bans(std::chrono::time_point_cast<std::chrono::seconds>(now));
    if (!stored) {
        return 0;
    }
    for (const auto& record : *stored) {
        if (auto ban = from_record(record)) {
            bans.restore(*ban, now);
        }
    }
    return bans.size();
}

}  // namespace rampart::admin
