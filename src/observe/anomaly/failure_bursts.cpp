#include "observe/anomaly/failure_bursts.hpp"

#include <algorithm>
#include <string_view>

namespace rampart::observe::anomaly {

std::size_t FailureBursts::AddressKeyHash::operator()(const AddressKey& key) const noexcept {
    return std::hash<std::string_view>{}(
        std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
}

FailureBursts::FailureBursts(const config::FailureBurstSettings& settings)
    : settings_(settings),
      max_entries_per_stripe_(std::max<std::size_t>(settings.max_clients / stripe_count, 1)) {}

// IPv4 as its mapped IPv6 form; IPv6 cut to its /64, which one subscriber
// usually holds whole (as the rate limits count).
FailureBursts::AddressKey FailureBursts::key_of(const boost::asio::ip::address& client) noexcept {
    auto v6 = client.is_v4()
                  ? boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, client.to_v4())
                  : client.to_v6();
    AddressKey key = v6.to_bytes();
    if (!v6.is_v4_mapped()) {
        std::fill(key.begin() + 8, key.end(), 0);
    }
    return key;
}

FailureBursts::Entry* FailureBursts::find_or_add(Stripe& stripe, const AddressKey& key,
                                                 std::int64_t window_index) {
    auto found = stripe.entries.find(key);
    if (found != stripe.entries.end()) {
        return &found->second;
    }
    if (stripe.entries.size() >= max_entries_per_stripe_) {
        // Entries older than the previous window count nothing any more. The
        // scan runs at most once per window per stripe, so a flood of new
        // addresses cannot make every failure pay for it.
        if (stripe.last_purge_window == window_index) {
            return nullptr;
        }
        stripe.last_purge_window = window_index;
        std::erase_if(stripe.entries, [window_index](const auto& entry) {
            return entry.second.window_index < window_index - 1;
        });
        if (stripe.entries.size() >= max_entries_per_stripe_) {
            return nullptr;
        }
    }
    Entry entry;
    entry.window_index = window_index;
    return &stripe.entries.emplace(key, entry).first->second;
}

std::optional<FailureBurst> FailureBursts::count(Counter& counter, double previous_weight,
                                                 std::uint32_t threshold,
                                                 std::string_view kind) noexcept {
    if (counter.current < UINT32_MAX) {
        ++counter.current;
    }
    double estimate = counter.previous * previous_weight + counter.current;
    if (counter.in_burst) {
        counter.in_burst = estimate >= threshold / 2.0;
        return std::nullopt;
    }
    if (estimate < threshold) {
        return std::nullopt;
    }
    counter.in_burst = true;
    return FailureBurst{kind, static_cast<std::uint32_t>(estimate), threshold};
}

std::optional<FailureBurst> FailureBursts::record(const boost::asio::ip::address& client,
                                                  unsigned status, Clock::time_point now) noexcept {
    if (status < 400 || status > 499) {
        return std::nullopt;
    }
    auto window = std::chrono::duration_cast<std::chrono::nanoseconds>(settings_.window).count();
    auto since_epoch =
        std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
    std::int64_t window_index = since_epoch / window;
    // How much of the previous window still lies inside the sliding one.
    double previous_weight = 1.0 - static_cast<double>(since_epoch % window) / window;

    auto key = key_of(client);
    auto& stripe = stripes_[AddressKeyHash{}(key) % stripe_count];
    std::lock_guard lock(stripe.mutex);
    Entry* entry = nullptr;
    try {
        entry = find_or_add(stripe, key, window_index);
    } catch (...) {
        entry = nullptr;  // out of memory
    }
    if (entry == nullptr) {
        untracked_failures_.fetch_add(1, std::memory_order_relaxed);
        return std::nullopt;
    }
    if (entry->window_index != window_index) {
        bool adjacent = entry->window_index == window_index - 1;
        for (Counter* counter : {&entry->unauthorized, &entry->client_errors}) {
            counter->previous = adjacent ? counter->current : 0;
            counter->current = 0;
        }
        entry->window_index = window_index;
    }
    std::optional<FailureBurst> burst;
    if (status == 401) {
        burst = count(entry->unauthorized, previous_weight, settings_.threshold_401, "401");
    }
    auto any = count(entry->client_errors, previous_weight, settings_.threshold_4xx, "4xx");
    return burst ? burst : any;
}

std::size_t FailureBursts::tracked_clients() const {
    std::size_t total = 0;
    for (const auto& stripe : stripes_) {
        std::lock_guard lock(stripe.mutex);
        total += stripe.entries.size();
    }
    return total;
}

}  // namespace rampart::observe::anomaly
