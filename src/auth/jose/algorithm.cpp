#include "auth/jose/algorithm.hpp"

namespace rampart::auth::jose {

std::string_view algorithm_name(Algorithm algorithm) {
    switch (algorithm) {
        case Algorithm::es256:
            return "ES256";
        case Algorithm::eddsa:
            return "EdDSA";
        case Algorithm::rs256:
            return "RS256";
        case Algorithm::hs256:
            return "HS256";
    }
    return "";
}

std::optional<Algorithm> algorithm_from_name(std::string_view name) {
    if (name == "ES256") {
        return Algorithm::es256;
    }
    if (name == "EdDSA" || name == "Ed25519") {
        return Algorithm::eddsa;
    }
    if (name == "RS256") {
        return Algorithm::rs256;
    }
    if (name == "HS256") {
        return Algorithm::hs256;
    }
    return std::nullopt;
}

}  // namespace rampart::auth::jose
