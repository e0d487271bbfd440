#include "limit/ban_events.hpp"

#include <string>

namespace rampart::limit {

void report_ban(observe::SecurityEvents& events, std::string_view event, const Ban& ban,
                const pipeline::Exchange* exchange) noexcept {
    try {
        auto ttl = std::to_string(
            std::chrono::duration_cast<std::chrono::seconds>(ban.expires_at - ban.created_at)
                .count());
        events.emit(event, exchange,
                    {{"ban_id", ban.id},
                     {"kind", to_string(ban.kind)},
                     {"target", ban.target},
                     {"ban_reason", ban.reason},
                     {"created_by", ban.created_by},
                     {"ttl_seconds", ttl}});
    } catch (...) {
        // No memory for the text: the event is lost, the ban stands.
    }
}

}  // namespace rampart::limit
