#include "auth/jose/claims.hpp"

#include "util/ascii.hpp"

namespace rampart::auth::jose {

namespace {

namespace json = boost::json;
using boost::system::result;

// 9999-12-31T23:59:59Z: beyond it a time claim is nonsense, and staying far
// below INT64_MAX keeps "exp + leeway" from overflowing.
constexpr std::int64_t max_time_claim = 253402300799;

// A NumericDate Rampart accepts: an integer JSON number (not a string, not a
// fraction, not an exponent form that became a double) within range.
std::optional<std::int64_t> numeric_date(const json::value& value) {
    if (value.is_int64()) {
        std::int64_t seconds = value.get_int64();
        if (seconds >= 0 && seconds <= max_time_claim) {
            return seconds;
        }
    } else if (value.is_uint64()) {
        std::uint64_t seconds = value.get_uint64();
        if (seconds <= static_cast<std::uint64_t>(max_time_claim)) {
            return static_cast<std::int64_t>(seconds);
        }
    }
    return std::nullopt;
}

// An absent time claim is an empty optional; a malformed one is `invalid`.
result<std::optional<std::int64_t>, ClaimError> optional_time(const json::object& payload,
                                                              std::string_view name,
                                                              ClaimError invalid) {
    const json::value* value = payload.if_contains(name);
    if (value == nullptr) {
        return std::optional<std::int64_t>();
    }
    auto seconds = numeric_date(*value);
    if (!seconds) {
        return invalid;
    }
    return seconds;
}

result<std::optional<std::string_view>, ClaimError> optional_string(const json::object& payload,
                                                                    std::string_view name,
                                                                    ClaimError invalid) {
    const json::value* value = payload.if_contains(name);
    if (value == nullptr) {
        return std::optional<std::string_view>();
    }
    if (!value->is_string()) {
        return invalid;
    }
    return std::optional<std::string_view>(std::string_view(value->get_string()));
}

// RFC 9068 §4: "at+jwt" and "application/at+jwt" are the same media type,
// and media types compare case-insensitively.
std::string_view without_application_prefix(std::string_view media_type) {
    constexpr std::string_view prefix = "application/";
    if (util::starts_with_ignoring_case(media_type, prefix)) {
        media_type.remove_prefix(prefix.size());
    }
    return media_type;
}

result<void, ClaimError> check_typ(const json::object& header, const ClaimRules& rules) {
    if (rules.required_typ.empty()) {
        return {};
    }
    auto typ = optional_string(header, "typ", ClaimError::typ_mismatch);
    if (!typ) {
        return typ.error();
    }
    if (!*typ) {
        return ClaimError::typ_missing;
    }
    if (!util::equals_ignoring_case(without_application_prefix(**typ),
                                    without_application_prefix(rules.required_typ))) {
        return ClaimError::typ_mismatch;
    }
    return {};
}

result<void, ClaimError> check_audience(const json::object& payload, const ClaimRules& rules) {
    const json::value* audience = payload.if_contains("aud");
    if (audience == nullptr) {
        return ClaimError::aud_missing;
    }
    auto is_ours = [&rules](std::string_view candidate) {
        for (const auto& accepted : rules.audiences) {
            if (candidate == accepted) {
                return true;
            }
        }
        return false;
    };
    if (audience->is_string()) {
        return is_ours(audience->get_string()) ? result<void, ClaimError>()
                                               : ClaimError::aud_mismatch;
    }
    if (!audience->is_array() || audience->get_array().empty()) {
        return ClaimError::aud_invalid;
    }
    bool found = false;
    for (const json::value& entry : audience->get_array()) {
        if (!entry.is_string()) {
            return ClaimError::aud_invalid;
        }
        found = found || is_ours(entry.get_string());
    }
    if (!found) {
        return ClaimError::aud_mismatch;
    }
    return {};
}

struct TimeClaims {
    std::int64_t exp;
    std::optional<std::int64_t> iat;
    std::optional<std::int64_t> nbf;
};

result<TimeClaims, ClaimError> check_times(const json::object& payload, const ClaimRules& rules) {
    std::int64_t now = rules.now ? rules.now->time_since_epoch().count()
                                 : std::chrono::duration_cast<std::chrono::seconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count();
    std::int64_t leeway = rules.leeway.count();
    if (!payload.contains("exp")) {
        return ClaimError::exp_missing;
    }
    auto exp = optional_time(payload, "exp", ClaimError::exp_invalid);
    if (!exp) {
        return exp.error();
    }
    auto nbf = optional_time(payload, "nbf", ClaimError::nbf_invalid);
    if (!nbf) {
        return nbf.error();
    }
    auto iat = optional_time(payload, "iat", ClaimError::iat_invalid);
    if (!iat) {
        return iat.error();
    }
    TimeClaims times{**exp, *iat, *nbf};
    if (now >= times.exp + leeway) {
        return ClaimError::expired;
    }
    if (times.nbf && *times.nbf > now + leeway) {
        return ClaimError::not_yet_valid;
    }
    if (times.iat && *times.iat > now + leeway) {
        return ClaimError::issued_in_future;
    }
    std::int64_t issued = times.iat.value_or(now);
    if (times.exp - issued > rules.max_lifetime.count()) {
        return ClaimError::lifetime_too_long;
    }
    return times;
}

result<std::vector<std::string>, ClaimError> scopes_of(const json::object& payload) {
    auto scope = optional_string(payload, "scope", ClaimError::scope_invalid);
    if (!scope) {
        return scope.error();
    }
    std::vector<std::string> scopes;
    std::string_view rest = scope->value_or("");
    while (!rest.empty()) {
        std::size_t space = rest.find(' ');
        if (space != 0) {
            scopes.emplace_back(rest.substr(0, space));
        }
        if (space == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(space + 1);
    }
    return scopes;
}

result<std::vector<std::string>, ClaimError> roles_of(const json::object& payload) {
    std::vector<std::string> roles;
    const json::value* value = payload.if_contains("roles");
    if (value == nullptr) {
        return roles;
    }
    if (!value->is_array()) {
        return ClaimError::roles_invalid;
    }
    for (const json::value& role : value->get_array()) {
        if (!role.is_string()) {
            return ClaimError::roles_invalid;
        }
        roles.emplace_back(role.get_string());
    }
    return roles;
}

result<std::optional<TokenKind>, ClaimError> kind_of(const json::object& payload) {
    auto kind = optional_string(payload, token_kind_claim, ClaimError::kind_invalid);
    if (!kind) {
        return kind.error();
    }
    if (!*kind) {
        return std::optional<TokenKind>();
    }
    if (**kind == "user") {
        return std::optional<TokenKind>(TokenKind::user);
    }
    if (**kind == "client") {
        return std::optional<TokenKind>(TokenKind::client);
    }
    return ClaimError::kind_invalid;
}

result<void, ClaimError> check_rules(const ClaimRules& rules) {
    if (rules.issuer.empty() || rules.audiences.empty() || rules.leeway.count() < 0 ||
        rules.leeway > max_leeway || rules.max_lifetime.count() <= 0) {
        return ClaimError::rules_invalid;
    }
    return {};
}

result<void, ClaimError> check_issuer(const json::object& payload, const ClaimRules& rules) {
    auto issuer = optional_string(payload, "iss", ClaimError::iss_mismatch);
    if (!issuer) {
        return issuer.error();
    }
    if (!*issuer) {
        return ClaimError::iss_missing;
    }
    if (**issuer != rules.issuer) {
        return ClaimError::iss_mismatch;
    }
    return {};
}

// The optional string claims, each a string when present.
result<void, ClaimError> read_identifiers(const json::object& payload, VerifiedClaims& claims) {
    auto subject = optional_string(payload, "sub", ClaimError::sub_invalid);
    if (!subject) {
        return subject.error();
    }
    if (!*subject || (*subject)->empty()) {
        return ClaimError::sub_missing;
    }
    claims.subject = std::string(**subject);
    auto jti = optional_string(payload, "jti", ClaimError::jti_invalid);
    auto client_id = optional_string(payload, "client_id", ClaimError::client_id_invalid);
    auto sid = optional_string(payload, "sid", ClaimError::sid_invalid);
    for (const auto* checked : {&jti, &client_id, &sid}) {
        if (!*checked) {
            return checked->error();
        }
    }
    claims.jti = std::string(jti->value_or(""));
    claims.client_id = std::string(client_id->value_or(""));
    claims.session_family = std::string(sid->value_or(""));
    return {};
}

}  // namespace

std::string_view describe(ClaimError error) {
    switch (error) {
        case ClaimError::rules_invalid:
            return "The claim rules are invalid.";
        case ClaimError::exp_missing:
            return "The token has no exp.";
        case ClaimError::exp_invalid:
            return "The token exp is not an integer time.";
        case ClaimError::expired:
            return "The token has expired.";
        case ClaimError::nbf_invalid:
            return "The token nbf is not an integer time.";
        case ClaimError::not_yet_valid:
            return "The token is not valid yet.";
        case ClaimError::iat_invalid:
            return "The token iat is not an integer time.";
        case ClaimError::issued_in_future:
            return "The token was issued in the future.";
        case ClaimError::lifetime_too_long:
            return "The token lifetime is too long.";
        case ClaimError::iss_missing:
            return "The token has no iss.";
        case ClaimError::iss_mismatch:
            return "The token issuer is not the expected one.";
        case ClaimError::aud_missing:
            return "The token has no aud.";
        case ClaimError::aud_invalid:
            return "The token aud is malformed.";
        case ClaimError::aud_mismatch:
            return "The token is for another audience.";
        case ClaimError::typ_missing:
            return "The token header has no typ.";
        case ClaimError::typ_mismatch:
            return "The token typ is not the expected one.";
        case ClaimError::sub_missing:
            return "The token has no sub.";
        case ClaimError::sub_invalid:
            return "The token sub is not a string.";
        case ClaimError::jti_invalid:
            return "The token jti is not a string.";
        case ClaimError::scope_invalid:
            return "The token scope is not a string.";
        case ClaimError::roles_invalid:
            return "The token roles are not an array of strings.";
        case ClaimError::client_id_invalid:
            return "The token client_id is not a string.";
        case ClaimError::kind_invalid:
            return "The token kind is not user or client.";
        case ClaimError::sid_invalid:
            return "The token sid is not a string.";
    }
    return "The token claims are invalid.";
}

result<VerifiedClaims, ClaimError> validate_claims(const json::object& header,
                                                   const json::object& payload,
                                                   const ClaimRules& rules) {
    if (auto checked = check_rules(rules); !checked) {
        return checked.error();
    }
    if (auto checked = check_typ(header, rules); !checked) {
        return checked.error();
    }
    auto times = check_times(payload, rules);
    if (!times) {
        return times.error();
    }
    if (auto checked = check_issuer(payload, rules); !checked) {
        return checked.error();
    }
    if (auto checked = check_audience(payload, rules); !checked) {
        return checked.error();
    }
    VerifiedClaims claims;
    if (auto read = read_identifiers(payload, claims); !read) {
        return read.error();
    }
    auto scopes = scopes_of(payload);
    if (!scopes) {
        return scopes.error();
    }
    auto roles = roles_of(payload);
    if (!roles) {
        return roles.error();
    }
    auto kind = kind_of(payload);
    if (!kind) {
        return kind.error();
    }
    claims.issuer = rules.issuer;
    claims.exp = times->exp;
    claims.iat = times->iat;
    claims.nbf = times->nbf;
    claims.scopes = std::move(*scopes);
    claims.roles = std::move(*roles);
    claims.token_kind = *kind;
    claims.payload = payload;
    return claims;
}

}  // namespace rampart::auth::jose
