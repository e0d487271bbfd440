// The GCRA of gcra.hpp as one Redis Lua script, so that one decision over
// every limit of a request is atomic on the Redis server: all limits admit
// and each counts the request, or none counts it (the contract of
// RateLimitStore::decide). Several Rampart instances sharing the Redis then
// admit exactly the limit together.
//
// Time is the Redis server's (TIME), so instances whose clocks disagree still
// agree on every counter. Lua numbers are doubles, exact to 2^53: the script
// counts in microseconds since the epoch (about 2^51 today), so an emission
// interval is rounded to a whole microsecond (at least one). Each counter key
// expires when its TAT has passed (its budget is full again: the same as no
// key), so idle keys cost nothing.
//
// Reply: four integers per limit, in order: admitted (0 or 1), remaining,
// microseconds (reset_after when admitted, retry_after when refused), and
// report (1 on the first refusal of that key within its budget span: the
// store keeps a marker key for it, so a flood logs once, as in-process).
#pragma once

#include <hiredis/hiredis.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "limit/rate_limit_store.hpp"

namespace rampart::limit {

std::string_view gcra_script();
// Its SHA1 in lowercase hex, as EVALSHA wants it.
const std::string& gcra_script_sha1();

// A counter's Redis key: the prefix and the digest in hex; `report_marker`
// names the key that remembers the last reported refusal.
std::string redis_counter_key(std::string_view prefix, const KeyDigest& key, bool report_marker);

// The emission interval and burst as the script reads them (ARGV pairs).
std::int64_t script_emission_interval_microseconds(const GcraPolicy& policy);

// Reads the script's reply into `outcomes` (one per check). False when the
// reply does not have the expected shape (an error reply, a wrong count, a
// non-integer): the caller treats that as a failure of the store.
bool read_gcra_script_reply(const redisReply& reply, std::span<LimitOutcome> outcomes);

}  // namespace rampart::limit
