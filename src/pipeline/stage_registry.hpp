// Every stage type, its configuration key and its place in the chain. Adding a
// stage means one file under pipeline/stages/, one entry in the table in
// stage_registry.cpp, and its keys in docs/configuration.md.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "config/settings.hpp"
#include "pipeline/stage.hpp"

namespace rampart::auth {
class AuthRuntime;
}
namespace rampart::limit {
class RateLimitStore;
class BanList;
class TokenUseTracker;
}  // namespace rampart::limit

namespace rampart::pipeline {

// Long-lived runtime objects some stages need (they outlive every snapshot).
// Null members when building for `rampart check`: such stages are compiled,
// never run.
struct StageServices {
    auth::AuthRuntime* auth = nullptr;
    unsigned workers = 1;
    // Rate-limit counters, shared by every route and kept across reloads.
    limit::RateLimitStore* rate_limits = nullptr;
    // Temporary bans, enforced before routing decisions and after authentication.
    limit::BanList* bans = nullptr;
    // Which client addresses each token was used from (abuse.token_misuse).
    limit::TokenUseTracker* token_uses = nullptr;
};

struct StageBuildContext {
    const config::Settings& settings;
    // The route being compiled; null for the default chain that answers
    // requests matching no route.
    const config::Route* route;
    // The stage's section: from the route if it has the key, else from its
    // innermost group that has it, else from the top level. Absent when
    // nobody configured the stage.
    std::optional<config::Section> section;
    const StageServices& services;
};

struct StageFactory {
    // Configuration key, valid on routes, groups and the top level; empty for
    // a stage that reads the route's own settings (authentication reads `auth`).
    std::string_view key;
    int order;  // lower runs earlier on the request path
    // Returns the compiled stage, or null when it has nothing to do for this
    // route. Throws config::ConfigError for bad settings.
    std::function<std::shared_ptr<const Stage>(const StageBuildContext&)> build;
};

std::span<const StageFactory> registered_stages();

// Builds the ordered chain of stages for one route (or the default chain).
std::vector<std::shared_ptr<const Stage>> build_stages(const config::Settings& settings,
                                                       const config::Route* route,
                                                       const StageServices& services);

}  // namespace rampart::pipeline
