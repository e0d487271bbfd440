#include "limit/shared_ban_state.hpp"

#include <sodium.h>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <map>

namespace rampart::limit {

namespace json = boost::json;

namespace {

std::int64_t milliseconds_of(BanTime time) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

BanTime time_of_milliseconds(std::int64_t milliseconds) {
    return BanTime(
        std::chrono::duration_cast<BanClock::duration>(std::chrono::milliseconds(milliseconds)));
}

bool is_ban_id(std::string_view id) {
    return id.size() == 20 && id.starts_with("ban_") &&
           std::all_of(id.begin() + 4, id.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

const json::string* string_field(const json::object& object, std::string_view name) {
    auto* value = object.if_contains(name);
    return value != nullptr ? value->if_string() : nullptr;
}

std::optional<std::int64_t> integer_field(const json::object& object, std::string_view name) {
    auto* value = object.if_contains(name);
    if (value == nullptr || !value->is_int64()) {
        return std::nullopt;
    }
    return value->as_int64();
}

// Which ban a member of the local copy stands for, by member.
std::map<std::string, const Ban*> by_member(const std::vector<Ban>& bans) {
    std::map<std::string, const Ban*> members;
    for (const auto& ban : bans) {
        members.emplace(shared_ban_member(ban.kind, ban.target), &ban);
    }
    return members;
}

}  // namespace

SharedBanKeys shared_ban_keys(std::string_view key_prefix) {
    std::string prefix(key_prefix);
    return {prefix + "bans:version", prefix + "bans:index", prefix + "ban:"};
}

std::string shared_ban_member(BanKind kind, std::string_view target) {
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init(&state);
    auto kind_name = to_string(kind);
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(kind_name.data()),
                              kind_name.size());
    const unsigned char separator = 0;
    crypto_hash_sha256_update(&state, &separator, 1);
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(target.data()),
                              target.size());
    std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
    crypto_hash_sha256_final(&state, digest.data());
    std::array<char, 2 * crypto_hash_sha256_BYTES + 1> hex{};
    sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
    return std::string(hex.data(), hex.size() - 1);
}

std::string encode_shared_ban(const Ban& ban) {
    json::object object;
    object["id"] = ban.id;
    object["kind"] = to_string(ban.kind);
    object["target"] = ban.target;
    object["reason"] = ban.reason;
    object["created_by"] = ban.created_by;
    object["created_at_ms"] = milliseconds_of(ban.created_at);
    object["expires_at_ms"] = milliseconds_of(ban.expires_at);
    object["persistent"] = ban.persistent;
    return json::serialize(object);
}

std::optional<Ban> decode_shared_ban(std::string_view text) {
    boost::system::error_code error;
    auto value = json::parse(text, error);
    if (error || !value.is_object()) {
        return std::nullopt;
    }
    const auto& object = value.as_object();
    auto* id = string_field(object, "id");
    auto* kind_name = string_field(object, "kind");
    auto* target = string_field(object, "target");
    auto* reason = string_field(object, "reason");
    auto* created_by = string_field(object, "created_by");
    auto created_at = integer_field(object, "created_at_ms");
    auto expires_at = integer_field(object, "expires_at_ms");
    auto* persistent = object.if_contains("persistent");
    if (id == nullptr || kind_name == nullptr || target == nullptr || reason == nullptr ||
        created_by == nullptr || !created_at || !expires_at || persistent == nullptr ||
        !persistent->is_bool() || !is_ban_id(*id) || reason->size() > 1024 ||
        created_by->size() > 256 || *expires_at <= *created_at) {
        return std::nullopt;
    }
    auto kind = ban_kind_from(*kind_name);
    if (!kind) {
        return std::nullopt;
    }
    auto canonical = canonical_ban_target(*kind, *target);
    if (!canonical || *canonical != std::string_view(*target)) {
        return std::nullopt;
    }
    Ban ban;
    ban.id = std::string(*id);
    ban.kind = *kind;
    ban.target = std::move(*canonical);
    ban.reason = std::string(*reason);
    ban.created_by = std::string(*created_by);
    ban.created_at = time_of_milliseconds(*created_at);
    ban.expires_at = time_of_milliseconds(*expires_at);
    ban.persistent = persistent->as_bool();
    return ban;
}

BanReconciliation reconcile_bans(const std::vector<Ban>& local, const std::vector<Ban>& shared,
                                 const PendingBanChanges& pending) {
    BanReconciliation changes;
    auto local_members = by_member(local);
    auto shared_members = by_member(shared);
    for (const auto& [member, ban] : shared_members) {
        if (pending.ids.contains(ban->id) || pending.members.contains(member)) {
            continue;  // changed here since: our change is on its way to Redis
        }
        auto found = local_members.find(member);
        // Milliseconds are what Redis keeps: compare at that precision.
        if (found == local_members.end() || found->second->id != ban->id ||
            milliseconds_of(found->second->expires_at) != milliseconds_of(ban->expires_at) ||
            found->second->reason != ban->reason) {
            changes.to_put.push_back(*ban);
        }
    }
    for (const auto& [member, ban] : local_members) {
        if (pending.ids.contains(ban->id) || pending.members.contains(member)) {
            continue;
        }
        if (!shared_members.contains(member)) {
            changes.to_drop.push_back(ban->id);
        }
    }
    return changes;
}

std::string_view ban_add_script() {
    return R"lua(
redis.call('SET', KEYS[3], ARGV[2], 'PXAT', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return redis.call('INCR', KEYS[1])
)lua";
}

std::string_view ban_lift_script() {
    return R"lua(
redis.call('DEL', KEYS[3])
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('INCR', KEYS[1])
)lua";
}

std::string_view ban_load_script() {
    return R"lua(
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
local result = {redis.call('GET', KEYS[1]) or ''}
for _, member in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local record = redis.call('GET', ARGV[2] .. member)
  if record then
    result[#result + 1] = record
  end
end
return result
)lua";
}

}  // namespace rampart::limit
