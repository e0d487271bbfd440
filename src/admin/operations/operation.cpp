#include "admin/operations/operation.hpp"

#include <sodium.h>

#include <cstdint>

namespace rampart::admin {

OperationError invalid(std::string message) {
    return {OperationErrorKind::invalid, std::move(message)};
}

OperationError not_found(std::string message) {
    return {OperationErrorKind::not_found, std::move(message)};
}

OperationError conflict(std::string message) {
    return {OperationErrorKind::conflict, std::move(message)};
}

OperationError store_failure(std::string_view what, const store::StoreError& error) {
    auto kind = OperationErrorKind::failed;
    if (error.code == store::StoreErrorCode::not_found) {
        kind = OperationErrorKind::not_found;
    } else if (error.code == store::StoreErrorCode::conflict) {
        kind = OperationErrorKind::conflict;
    }
    return {kind, std::string(what) + ": " + error.message};
}

store::Time whole_seconds_now() {
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::chrono::seconds access_token_horizon(const config::Settings& settings) {
    using std::chrono::duration_cast;
    using std::chrono::seconds;
    return duration_cast<seconds>(settings.auth.token_service.access_token_lifetime) +
           duration_cast<seconds>(settings.auth.jwt.leeway);
}

store::SessionCutoff session_cutoff(const OperationContext& context, std::string reason) {
    return store::SessionCutoff{context.now, context.now + access_token_horizon(context.settings),
                                std::move(reason)};
}

std::string random_id(std::string_view prefix) {
    static constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    if (sodium_init() < 0) {
        throw std::runtime_error("libsodium could not be initialised");
    }
    std::string id(prefix);
    for (int i = 0; i < 16; ++i) {
        id.push_back(alphabet[randombytes_uniform(static_cast<std::uint32_t>(alphabet.size()))]);
    }
    return id;
}

}  // namespace rampart::admin
