#include "limit/redis_gcra_script.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <array>

namespace rampart::limit {

namespace {

constexpr std::string_view script_text = R"lua(-- rampart GCRA v1
-- KEYS: n counter keys, then n refusal-marker keys.
-- ARGV: per limit, its emission interval and its burst (microseconds, units).
if redis.replicate_commands then redis.replicate_commands() end
local count = #KEYS / 2
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local reply = {}
local next_tat = {}
local refused = false
for i = 1, count do
  local interval = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local tolerance = interval * burst
  local tat = tonumber(redis.call('GET', KEYS[i])) or now
  if tat < now then tat = now end
  local new_tat = tat + interval
  local ahead = new_tat - now
  if ahead > tolerance then
    refused = true
    local report = 0
    local ttl = math.max(1, math.ceil(tolerance / 1000))
    if redis.call('SET', KEYS[count + i], '1', 'NX', 'PX', ttl) then report = 1 end
    reply[#reply + 1] = 0
    reply[#reply + 1] = 0
    reply[#reply + 1] = ahead - tolerance
    reply[#reply + 1] = report
  else
    next_tat[i] = new_tat
    reply[#reply + 1] = 1
    reply[#reply + 1] = math.floor((tolerance - ahead) / interval)
    reply[#reply + 1] = ahead
    reply[#reply + 1] = 0
  end
end
if not refused then
  for i = 1, count do
    local ttl = math.max(1, math.ceil((next_tat[i] - now) / 1000))
    redis.call('SET', KEYS[i], string.format('%.0f', next_tat[i]), 'PX', ttl)
  end
end
return reply
)lua";

constexpr std::int64_t nanoseconds_per_microsecond = 1000;

std::string hex(const unsigned char* bytes, std::size_t size) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string text;
    text.reserve(size * 2);
    for (std::size_t index = 0; index < size; ++index) {
        text.push_back(digits[bytes[index] >> 4]);
        text.push_back(digits[bytes[index] & 0x0f]);
    }
    return text;
}

}  // namespace

std::string_view gcra_script() {
    return script_text;
}

const std::string& gcra_script_sha1() {
    static const std::string sha1 = [] {
        std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
        SHA1(reinterpret_cast<const unsigned char*>(script_text.data()), script_text.size(),
             digest.data());
        return hex(digest.data(), digest.size());
    }();
    return sha1;
}

std::string redis_counter_key(std::string_view prefix, const KeyDigest& key, bool report_marker) {
    std::string text;
    text.reserve(prefix.size() + 2 * key.bytes.size() + 2);
    text.append(prefix);
    text.append(hex(key.bytes.data(), key.bytes.size()));
    if (report_marker) {
        text.append(":r");
    }
    return text;
}

std::int64_t script_emission_interval_microseconds(const GcraPolicy& policy) {
    return std::max<std::int64_t>(1, (policy.emission_interval + nanoseconds_per_microsecond / 2) /
                                         nanoseconds_per_microsecond);
}

bool read_gcra_script_reply(const redisReply& reply, std::span<LimitOutcome> outcomes) {
    constexpr std::size_t fields_per_limit = 4;
    if (reply.type != REDIS_REPLY_ARRAY || reply.elements != outcomes.size() * fields_per_limit) {
        return false;
    }
    for (std::size_t index = 0; index < reply.elements; ++index) {
        if (reply.element[index] == nullptr || reply.element[index]->type != REDIS_REPLY_INTEGER) {
            return false;
        }
    }
    for (std::size_t index = 0; index < outcomes.size(); ++index) {
        const auto* fields = reply.element + index * fields_per_limit;
        auto admitted = fields[0]->integer;
        auto remaining = fields[1]->integer;
        auto microseconds = fields[2]->integer;
        if ((admitted != 0 && admitted != 1) || remaining < 0 || microseconds < 0 ||
            microseconds > max_tolerance / nanoseconds_per_microsecond) {
            return false;
        }
        LimitOutcome outcome;
        outcome.decision.admitted = admitted == 1;
        outcome.decision.remaining = remaining;
        auto duration = microseconds * nanoseconds_per_microsecond;
        if (outcome.decision.admitted) {
            outcome.decision.reset_after = duration;
        } else {
            outcome.decision.retry_after = duration;
            outcome.report_refusal = fields[3]->integer == 1;
        }
        outcomes[index] = outcome;
    }
    return true;
}

}  // namespace rampart::limit
