// The pieces of the Redis-shared ban list that need no server: how a ban is
// written to Redis and read back, the keys, the Lua scripts, and the
// reconciliation of this instance's copy with what Redis holds. The sync
// loop itself is limit/redis_ban_list.hpp.
//
// Layout under `key_prefix` (rate_limit.store):
//   bans:version        a counter INCRed by every change (never expires)
//   bans:index          a sorted set: member per ban, score = expiry (ms)
//   ban:<member>        the ban as JSON, expiring with the ban (PXAT)
// where <member> is the SHA-256 of the ban's kind and canonical target in
// hex: one key per target, so a ban renewed on two instances stays one ban.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "limit/ban_list.hpp"

namespace rampart::limit {

struct SharedBanKeys {
    std::string version;
    std::string index;
    std::string ban_prefix;  // + member
};

SharedBanKeys shared_ban_keys(std::string_view key_prefix);

// The index member (and key suffix) of a ban's target.
std::string shared_ban_member(BanKind kind, std::string_view target);

// The stored form: JSON with times in milliseconds since the epoch.
std::string encode_shared_ban(const Ban& ban);
// A ban read back, or nothing when the text is not one this version wrote
// (wrong JSON, unknown kind, a target that is not canonical, a bad id): such
// an entry is ignored rather than trusted.
std::optional<Ban> decode_shared_ban(std::string_view text);

// What this instance's copy must change to match Redis. `pending` names the
// bans changed here and not yet written (their ids, and their kind+target as
// members): Redis does not know them yet, so they are left as they are.
struct BanReconciliation {
    std::vector<Ban> to_put;           // new, or different (id, expiry, reason) here
    std::vector<std::string> to_drop;  // ids: lifted or expired elsewhere
};

struct PendingBanChanges {
    std::set<std::string> ids;
    std::set<std::string> members;
    bool empty() const { return ids.empty() && members.empty(); }
};

BanReconciliation reconcile_bans(const std::vector<Ban>& local, const std::vector<Ban>& shared,
                                 const PendingBanChanges& pending);

// Lua, run with EVALSHA (EVAL on NOSCRIPT).
// KEYS: version, index, ban key. ARGV: member, record, expiry (ms). Writes the
// ban with PXAT, indexes it, INCRs the version.
std::string_view ban_add_script();
// KEYS: version, index, ban key. ARGV: member. Deletes, unindexes, INCRs.
std::string_view ban_lift_script();
// KEYS: version, index. ARGV: now (ms), ban key prefix. Drops expired index
// members and returns {version (empty when Redis has no ban state: new,
// flushed or restarted without persistence), record...}. Reads ban keys
// by prefix: one Redis, not a cluster (as for the rate limits).
std::string_view ban_load_script();

}  // namespace rampart::limit
