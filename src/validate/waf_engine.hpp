// The injection filter: libmodsecurity3 running the OWASP Core Rule Set that
// Debian ships (modsecurity-crs), in anomaly-scoring mode, plus a few rules of
// Rampart's own for what the CRS 3.3 misses in JSON APIs (NoSQL operators as
// JSON member names, JNDI lookups). One engine is compiled per distinct
// setting (mode, paranoia, threshold, exclusions) and shared by every route and
// worker that uses it; ModSecurity allows concurrent transactions on one loaded
// rule set, but not concurrent loading, which is serialised here.
#pragma once

#include <boost/beast/http/fields.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::validate {

enum class WafMode {
    block,   // a request whose anomaly score reaches the threshold is refused
    detect,  // matches are reported, nothing is refused
};

struct WafSettings {
    WafMode mode = WafMode::block;
    int paranoia = 1;           // the CRS paranoia level, 1 (fewest false positives) to 4
    int anomaly_threshold = 5;  // the CRS inbound anomaly score that blocks (a critical match is 5)
    std::vector<std::uint32_t> exclusions;  // rule ids removed, sorted, without repeats

    bool operator==(const WafSettings&) const = default;
};

// What the filter sees of a request: what the upstream would get.
struct WafRequest {
    std::string_view method;
    std::string_view target;  // path and query, as sent upstream
    std::string_view client_address;
    const boost::beast::http::fields* headers = nullptr;
    std::string_view body;
};

enum class WafOutcome {
    clean,       // no rule matched
    matched,     // rules matched below the threshold, or in detect mode
    refused,     // block mode: the anomaly score reached the threshold
    unreadable,  // block mode: the body could not be parsed by its declared type (fail closed)
};

struct WafVerdict {
    WafOutcome outcome = WafOutcome::clean;
    // The ids of the matched rules, space-separated in match order ("942100 949110"), for the
    // security log. Never the matched data.
    std::string rule_ids;
    bool would_refuse = false;  // detect mode: block mode would have refused it
};

class WafEngine {
  public:
    // The engine for `settings`: an existing one while any route still holds it, else newly
    // loaded (a few hundred milliseconds). Throws std::runtime_error saying why the rules could
    // not be loaded (the Core Rule Set is missing, an exclusion is malformed).
    static std::shared_ptr<const WafEngine> shared_for(const WafSettings& settings);

    ~WafEngine();
    WafEngine(const WafEngine&) = delete;
    WafEngine& operator=(const WafEngine&) = delete;

    const WafSettings& settings() const { return settings_; }

    // Runs the request through the rules; safe to call from any number of threads at once.
    WafVerdict inspect(const WafRequest& request) const;

  private:
    struct Rules;
    explicit WafEngine(const WafSettings& settings);

    WafSettings settings_;
    std::unique_ptr<Rules> rules_;
};

// Where the Core Rule Set's request rules are read from (Debian's modsecurity-crs).
inline constexpr std::string_view core_rule_set_directory = "/usr/share/modsecurity-crs/rules";

}  // namespace rampart::validate
