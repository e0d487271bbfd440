#include "limit/ban_list.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace rampart::limit {

namespace {

namespace ip = boost::asio::ip;
using std::chrono::seconds;

constexpr std::size_t longest_name = 256;
// Narrower networks than these are refused: a ban of a whole address family
// is a firewall's job, and a slip of the keyboard must not take the gateway off
// the internet.
constexpr unsigned shortest_ipv4_prefix = 8;
constexpr unsigned shortest_ipv6_prefix = 16;
// An IPv6 host picks addresses from its /64 at will: a ban covers the /64 at least.
constexpr unsigned longest_ipv6_prefix = 64;
constexpr std::size_t ipv6_prefix_index = 33;  // prefix_counts_ index of IPv6 /0

std::int64_t nanoseconds_of(BanTime time) noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

bool is_printable_name(std::string_view text) {
    return !text.empty() && text.size() <= longest_name &&
           std::none_of(text.begin(), text.end(),
                        [](unsigned char c) { return c < 0x20 || c == 0x7f || c == ' '; });
}

// One address network, its bytes masked to the prefix.
struct Network {
    bool ipv4 = true;
    unsigned prefix = 32;
    std::array<std::uint8_t, 16> bytes{};  // 4 used for IPv4, 8 (the /64) for IPv6
};

std::size_t byte_count(const Network& network) {
    return network.ipv4 ? 4 : 8;
}

void mask(Network& network) {
    for (std::size_t i = 0; i < byte_count(network); ++i) {
        unsigned first_bit = static_cast<unsigned>(i) * 8;
        if (first_bit >= network.prefix) {
            network.bytes[i] = 0;
        } else if (network.prefix - first_bit < 8) {
            network.bytes[i] &=
                static_cast<std::uint8_t>(0xff << (8 - (network.prefix - first_bit)));
        }
    }
}

std::size_t prefix_index(const Network& network) {
    return network.ipv4 ? network.prefix : ipv6_prefix_index + network.prefix;
}

KeyDigest network_key(const Network& network) noexcept {
    KeyBuilder key;
    std::uint8_t header[3] = {static_cast<std::uint8_t>(BanKind::address),
                              static_cast<std::uint8_t>(network.ipv4 ? 4 : 6),
                              static_cast<std::uint8_t>(network.prefix)};
    key.add_bytes(header, sizeof header);
    key.add_bytes(network.bytes.data(), byte_count(network));
    return key.digest();
}

KeyDigest name_key(BanKind kind, std::string_view form, std::string_view value) noexcept {
    KeyBuilder key;
    std::uint8_t header = static_cast<std::uint8_t>(kind);
    key.add_bytes(&header, 1);
    key.add(form);
    key.add(value);
    return key.digest();
}

// The client's address as the network of one host (IPv4) or one /64 (IPv6).
Network host_network(const ip::address& address) {
    Network network;
    if (address.is_v6() && !address.to_v6().is_v4_mapped()) {
        auto bytes = address.to_v6().to_bytes();
        network.ipv4 = false;
        network.prefix = longest_ipv6_prefix;
        std::memcpy(network.bytes.data(), bytes.data(), 8);
        return network;
    }
    auto bytes = address.is_v4() ? address.to_v4().to_bytes()
                                 : ip::make_address_v4(ip::v4_mapped, address.to_v6()).to_bytes();
    std::memcpy(network.bytes.data(), bytes.data(), 4);
    return network;
}

BanResult<Network> parse_network(std::string_view text) {
    auto slash = text.find('/');
    boost::system::error_code error;
    auto address = ip::make_address(std::string(text.substr(0, slash)), error);
    if (error) {
        return ban_error("target: not an IPv4 or IPv6 address or network");
    }
    Network network = host_network(address);
    if (slash != std::string_view::npos) {
        auto digits = text.substr(slash + 1);
        unsigned prefix = 0;
        if (digits.empty() || digits.size() > 3 ||
            !std::all_of(digits.begin(), digits.end(),
                         [](char c) { return c >= '0' && c <= '9'; })) {
            return ban_error("target: the prefix length must be a number");
        }
        for (char c : digits) {
            prefix = prefix * 10 + static_cast<unsigned>(c - '0');
        }
        if (address.is_v6() && address.to_v6().is_v4_mapped()) {
            prefix = prefix >= 96 ? prefix - 96 : 0;
        }
        network.prefix = prefix;
    }
    if (network.ipv4 && (network.prefix < shortest_ipv4_prefix || network.prefix > 32)) {
        return ban_error("target: an IPv4 ban covers a /8 to a /32");
    }
    if (!network.ipv4) {
        if (network.prefix > 128 || network.prefix < shortest_ipv6_prefix) {
            return ban_error("target: an IPv6 ban covers a /16 to a /64");
        }
        if (network.prefix > longest_ipv6_prefix) {
            return ban_error(
                "target: an IPv6 ban covers a /64 at least (a host chooses its addresses within "
                "one)");
        }
    }
    mask(network);
    return network;
}

std::string network_text(const Network& network) {
    if (network.ipv4) {
        ip::address_v4::bytes_type bytes{};
        std::memcpy(bytes.data(), network.bytes.data(), 4);
        auto text = ip::address_v4(bytes).to_string();
        return network.prefix == 32 ? text : text + "/" + std::to_string(network.prefix);
    }
    ip::address_v6::bytes_type bytes{};
    std::memcpy(bytes.data(), network.bytes.data(), 8);
    return ip::address_v6(bytes).to_string() + "/" + std::to_string(network.prefix);
}

bool is_lower_hex(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// "jti:abc" -> ("jti", "abc").
std::pair<std::string_view, std::string_view> split_token_target(std::string_view target) {
    auto colon = target.find(':');
    return {target.substr(0, colon), target.substr(colon + 1)};
}

BanResult<std::string> canonical_token_target(std::string_view text) {
    static constexpr std::string_view usage =
        "target: a token is banned by jti:<id>, api_key:<id> or sha256:<64 hex digits>, never by "
        "its value";
    auto colon = text.find(':');
    if (colon == std::string_view::npos) {
        return ban_error(std::string(usage));
    }
    auto form = text.substr(0, colon);
    std::string value(text.substr(colon + 1));
    if (form == "sha256") {
        for (auto& c : value) {
            c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
        }
        if (value.size() != 64 || !is_lower_hex(value)) {
            return ban_error(std::string(usage));
        }
    } else if ((form != "jti" && form != "api_key") || !is_printable_name(value)) {
        return ban_error(std::string(usage));
    }
    return std::string(form) + ":" + value;
}

std::string new_ban_id() {
    std::array<unsigned char, 8> random{};
    randombytes_buf(random.data(), random.size());
    std::array<char, 17> hex{};
    sodium_bin2hex(hex.data(), hex.size(), random.data(), random.size());
    return "ban_" + std::string(hex.data(), 16);
}

}  // namespace

std::string_view to_string(BanKind kind) noexcept {
    switch (kind) {
        case BanKind::address:
            return "address";
        case BanKind::consumer:
            return "consumer";
        case BanKind::subject:
            return "subject";
        case BanKind::token:
            return "token";
    }
    return "unknown";
}

std::optional<BanKind> ban_kind_from(std::string_view name) noexcept {
    for (auto kind : {BanKind::address, BanKind::consumer, BanKind::subject, BanKind::token}) {
        if (to_string(kind) == name) {
            return kind;
        }
    }
    return std::nullopt;
}

BanResult<std::string> canonical_ban_target(BanKind kind, std::string_view text) {
    switch (kind) {
        case BanKind::address: {
            auto network = parse_network(text);
            if (!network) {
                return network.error();
            }
            return network_text(*network);
        }
        case BanKind::consumer:
        case BanKind::subject:
            if (!is_printable_name(text)) {
                return ban_error(
                    "target: a name of 1 to 256 characters without spaces or control characters");
            }
            return std::string(text);
        case BanKind::token:
            return canonical_token_target(text);
    }
    return ban_error("kind: unknown");
}

namespace {

// The table key of a canonical target.
KeyDigest key_of(BanKind kind, std::string_view target) {
    if (kind == BanKind::address) {
        return network_key(parse_network(target).value());
    }
    if (kind == BanKind::token) {
        auto [form, value] = split_token_target(target);
        return name_key(kind, form, value);
    }
    return name_key(kind, {}, target);
}

}  // namespace

InProcessBanList::InProcessBanList(BanListOptions options) : options_(options) {
    if (sodium_init() < 0) {
        throw std::runtime_error("libsodium could not be initialised");
    }
}

BanCheck InProcessBanList::check_key(const KeyDigest& key, std::int64_t now_ns) const noexcept {
    BanCheck result;
    auto found = entries_.find(key);
    if (found == entries_.end() || found->second->expires_at_ns <= now_ns) {
        return result;
    }
    const Entry& entry = *found->second;
    result.banned = true;
    auto remaining = std::chrono::nanoseconds(entry.expires_at_ns - now_ns);
    result.retry_after = std::max(seconds(1), std::chrono::ceil<seconds>(remaining));
    result.id_length =
        static_cast<std::uint8_t>(std::min(entry.ban.id.size(), result.id_buffer.size()));
    std::memcpy(result.id_buffer.data(), entry.ban.id.data(), result.id_length);
    auto interval =
        std::chrono::duration_cast<std::chrono::nanoseconds>(options_.report_interval).count();
    auto last = entry.last_report_ns.load(std::memory_order_relaxed);
    if ((last == 0 || now_ns - last >= interval) &&
        entry.last_report_ns.compare_exchange_strong(last, now_ns, std::memory_order_relaxed)) {
        result.report = true;
    }
    return result;
}

BanCheck InProcessBanList::check_address(const ip::address& address, BanTime now) noexcept {
    if (address_bans_.load(std::memory_order_relaxed) == 0) {
        return {};
    }
    auto now_ns = nanoseconds_of(now);
    Network host = host_network(address);
    std::shared_lock lock(mutex_);
    unsigned longest = host.ipv4 ? 32 : longest_ipv6_prefix;
    unsigned shortest = host.ipv4 ? shortest_ipv4_prefix : shortest_ipv6_prefix;
    // Longest prefix first: the most specific ban answers (its own expiry).
    for (unsigned prefix = longest + 1; prefix-- > shortest;) {
        Network network = host;
        network.prefix = prefix;
        if (prefix_counts_[prefix_index(network)] == 0) {
            continue;
        }
        mask(network);
        if (auto result = check_key(network_key(network), now_ns); result.banned) {
            return result;
        }
    }
    return {};
}

BanCheck InProcessBanList::check(BanKind kind, std::string_view value, BanTime now) noexcept {
    if (count_.load(std::memory_order_relaxed) == 0) {
        return {};
    }
    if (kind == BanKind::token) {
        auto [form, rest] = split_token_target(value);
        return check_token(form, rest, now);
    }
    auto key = name_key(kind, {}, value);
    std::shared_lock lock(mutex_);
    return check_key(key, nanoseconds_of(now));
}

BanCheck InProcessBanList::check_token(std::string_view form, std::string_view value,
                                       BanTime now) noexcept {
    if (count_.load(std::memory_order_relaxed) == 0 || value.empty()) {
        return {};
    }
    auto key = name_key(BanKind::token, form, value);
    std::shared_lock lock(mutex_);
    return check_key(key, nanoseconds_of(now));
}

BanResult<Ban> InProcessBanList::add(const BanRequest& request, BanTime now) {
    auto target = canonical_ban_target(request.kind, request.target);
    if (!target) {
        return target.error();
    }
    auto ttl = request.ttl.count() == 0 ? options_.default_ttl : request.ttl;
    if (ttl < seconds(1) || ttl > options_.max_ttl) {
        return ban_error("ttl: from 1 second to the maximum TTL (" +
                         std::to_string(options_.max_ttl.count()) + " seconds)");
    }
    if (request.reason.size() > 1024 || request.created_by.size() > 256) {
        return ban_error("reason: at most 1024 characters");
    }
    Ban ban;
    ban.kind = request.kind;
    ban.target = std::move(*target);
    ban.reason = request.reason;
    ban.created_by = request.created_by;
    ban.created_at = now;
    ban.expires_at = now + ttl;
    ban.persistent = request.persistent;
    ban.id = new_ban_id();
    std::unique_lock lock(mutex_);
    auto key = key_of(ban.kind, ban.target);
    if (auto found = entries_.find(key); found != entries_.end()) {
        // The same target again: one ban, renewed, under its first id.
        Entry& entry = *found->second;
        ban.id = entry.ban.id;
        ban.persistent = ban.persistent || entry.ban.persistent;
        entry.ban = ban;
        entry.expires_at_ns = nanoseconds_of(ban.expires_at);
        return ban;
    }
    if (auto inserted = insert(ban, now); !inserted) {
        return inserted.error();
    }
    return ban;
}

void InProcessBanList::restore(const Ban& ban, BanTime now) {
    if (ban.expires_at <= now || !canonical_ban_target(ban.kind, ban.target)) {
        return;
    }
    std::unique_lock lock(mutex_);
    if (entries_.contains(key_of(ban.kind, ban.target)) || ids_.contains(ban.id)) {
        return;
    }
    (void)insert(ban, now);
}

bool InProcessBanList::put(const Ban& ban, BanTime now) {
    if (ban.expires_at <= now || !canonical_ban_target(ban.kind, ban.target)) {
        return false;
    }
    std::unique_lock lock(mutex_);
    auto key = key_of(ban.kind, ban.target);
    if (auto other = ids_.find(ban.id); other != ids_.end() && !(other->second == key)) {
        erase_locked(entries_.find(other->second));  // the id named another target here
    }
    if (auto found = entries_.find(key); found != entries_.end()) {
        Entry& entry = *found->second;
        if (entry.ban.id != ban.id) {
            ids_.erase(entry.ban.id);
            ids_.emplace(ban.id, key);
        }
        entry.ban = ban;
        entry.expires_at_ns = nanoseconds_of(ban.expires_at);
        return true;
    }
    return insert(ban, now).has_value();
}

BanResult<void> InProcessBanList::insert(Ban ban, BanTime now) {
    if (entries_.size() >= options_.max_entries) {
        sweep_locked(nanoseconds_of(now), nullptr);
        if (entries_.size() >= options_.max_entries) {
            return ban_error("the ban list is full");
        }
    }
    auto key = key_of(ban.kind, ban.target);
    auto entry = std::make_unique<Entry>();
    entry->expires_at_ns = nanoseconds_of(ban.expires_at);
    entry->ban = std::move(ban);
    const Ban& stored = entry->ban;
    ids_.emplace(stored.id, key);
    if (stored.kind == BanKind::address) {
        ++prefix_counts_[prefix_index(parse_network(stored.target).value())];
        address_bans_.fetch_add(1, std::memory_order_relaxed);
    } else if (stored.kind == BanKind::token && stored.target.starts_with("sha256:")) {
        token_digest_bans_.fetch_add(1, std::memory_order_relaxed);
    }
    entries_.emplace(key, std::move(entry));
    count_.fetch_add(1, std::memory_order_relaxed);
    return {};
}

void InProcessBanList::erase_locked(Table::iterator position) {
    const Ban& ban = position->second->ban;
    ids_.erase(ban.id);
    if (ban.kind == BanKind::address) {
        --prefix_counts_[prefix_index(parse_network(ban.target).value())];
        address_bans_.fetch_sub(1, std::memory_order_relaxed);
    } else if (ban.kind == BanKind::token && ban.target.starts_with("sha256:")) {
        token_digest_bans_.fetch_sub(1, std::memory_order_relaxed);
    }
    entries_.erase(position);
    count_.fetch_sub(1, std::memory_order_relaxed);
}

void InProcessBanList::sweep_locked(std::int64_t now_ns, std::vector<Ban>* expired) {
    for (auto it = entries_.begin(); it != entries_.end();) {
        auto next = std::next(it);
        if (it->second->expires_at_ns <= now_ns) {
            if (expired != nullptr) {
                expired->push_back(it->second->ban);
            }
            erase_locked(it);
        }
        it = next;
    }
}

std::optional<Ban> InProcessBanList::lift(std::string_view id) {
    std::unique_lock lock(mutex_);
    auto found_id = ids_.find(std::string(id));
    if (found_id == ids_.end()) {
        return std::nullopt;
    }
    auto found = entries_.find(found_id->second);
    Ban lifted = found->second->ban;
    erase_locked(found);
    return lifted;
}

std::optional<Ban> InProcessBanList::find(std::string_view id, BanTime now) const {
    std::shared_lock lock(mutex_);
    auto found_id = ids_.find(std::string(id));
    if (found_id == ids_.end()) {
        return std::nullopt;
    }
    const Entry& entry = *entries_.at(found_id->second);
    if (entry.expires_at_ns <= nanoseconds_of(now)) {
        return std::nullopt;
    }
    return entry.ban;
}

std::vector<Ban> InProcessBanList::list(BanTime now) const {
    std::vector<Ban> bans;
    auto now_ns = nanoseconds_of(now);
    {
        std::shared_lock lock(mutex_);
        bans.reserve(entries_.size());
        for (const auto& [key, entry] : entries_) {
            if (entry->expires_at_ns > now_ns) {
                bans.push_back(entry->ban);
            }
        }
    }
    std::sort(bans.begin(), bans.end(), [](const Ban& a, const Ban& b) {
        return a.expires_at != b.expires_at ? a.expires_at < b.expires_at : a.id < b.id;
    });
    return bans;
}

std::vector<Ban> InProcessBanList::remove_expired(BanTime now) {
    std::vector<Ban> expired;
    std::unique_lock lock(mutex_);
    sweep_locked(nanoseconds_of(now), &expired);
    return expired;
}

}  // namespace rampart::limit
