// The administrative operations on the store (users, API keys, clients,
// sessions, signing keys), shared by the CLI and the admin API so that both
// apply the same rules. Each operation checks its input first and changes
// nothing when it refuses; errors are values that say what was wrong in words
// an operator can act on, and never hold a secret.
#pragma once

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>

#include "config/settings.hpp"
#include "store/store.hpp"

namespace rampart::admin {

enum class OperationErrorKind {
    invalid,    // the request itself is wrong: nothing was changed
    not_found,  // it names no record
    conflict,   // it clashes with what is stored (a taken name, a rotation under way)
    failed,     // the store failed: the message says which operation
};

struct OperationError {
    OperationErrorKind kind;
    std::string message;
};

template <class T>
using OperationResult = boost::system::result<T, OperationError>;

[[noreturn]] inline void throw_exception_from_error(const OperationError& error,
                                                    const boost::source_location&) {
    throw std::runtime_error(error.message);
}

OperationError invalid(std::string message);
OperationError not_found(std::string message);
OperationError conflict(std::string message);
// "<what>: <the store's reason>"; a store not_found or conflict keeps its kind.
OperationError store_failure(std::string_view what, const store::StoreError& error);

// What every operation works on. `now` is in whole seconds, as the store keeps times.
struct OperationContext {
    const config::Settings& settings;
    store::Store& store;
    store::Time now;
};

// Now, in whole seconds.
store::Time whole_seconds_now();

// How long an access token issued now can still be accepted: its lifetime plus the JWT leeway.
// Revocations that end sessions are kept this long.
std::chrono::seconds access_token_horizon(const config::Settings& settings);

// Ends every session of a subject at `now`, recorded with `reason`.
store::SessionCutoff session_cutoff(const OperationContext& context, std::string reason);

// "usr_" + 16 random base32 characters, for example.
std::string random_id(std::string_view prefix);

}  // namespace rampart::admin
