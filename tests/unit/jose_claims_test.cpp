// Claim validation with an injected clock. Every wrong type is an error.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <chrono>
#include <string>

#include "auth/jose/claims.hpp"
#include "util/strict_json.hpp"

namespace {

namespace json = boost::json;
using rampart::auth::jose::ClaimError;
using rampart::auth::jose::ClaimRules;
using rampart::auth::jose::TokenKind;
using rampart::auth::jose::validate_claims;

constexpr std::int64_t now = 1'800'000'000;

ClaimRules rules() {
    ClaimRules rules;
    rules.issuer = "https://auth.example.com";
    rules.audiences = {"orders-api", "billing-api"};
    rules.leeway = std::chrono::seconds(60);
    rules.max_lifetime = std::chrono::seconds(3600);
    rules.required_typ = "at+jwt";
    rules.now = std::chrono::sys_seconds(std::chrono::seconds(now));
    return rules;
}

json::object good_payload() {
    return json::object{{"iss", "https://auth.example.com"},
                        {"sub", "user-42"},
                        {"aud", "orders-api"},
                        {"exp", now + 600},
                        {"iat", now - 10},
                        {"nbf", now - 10},
                        {"jti", "t-1"},
                        {"scope", "orders:read  orders:write"},
                        {"roles", json::array{"admin", "auditor"}},
                        {"client_id", "web"},
                        {"rampart_kind", "user"},
                        {"sid", "family-7"}};
}

const json::object typ_header{{"alg", "ES256"}, {"typ", "at+jwt"}};

ClaimError error_of(const json::object& payload, const ClaimRules& claim_rules = rules(),
                    const json::object& header = typ_header) {
    auto claims = validate_claims(header, payload, claim_rules);
    EXPECT_FALSE(claims) << "accepted";
    return claims ? ClaimError::rules_invalid : claims.error();
}

// A payload with one member replaced by raw JSON text, parsed strictly so
// that "1e300" or "1.0" reach validation exactly as a token would carry them.
json::object with_member(std::string_view name, std::string_view raw_json) {
    json::object payload = good_payload();
    payload.erase(name);
    auto value = rampart::util::parse_strict_json(raw_json);
    EXPECT_TRUE(value);
    payload[name] = *value;
    return payload;
}

json::object without(std::string_view name) {
    json::object payload = good_payload();
    payload.erase(name);
    return payload;
}

TEST(JoseClaims, AcceptsAGoodTokenAndReadsEveryClaim) {
    auto claims = validate_claims(typ_header, good_payload(), rules());
    ASSERT_TRUE(claims) << describe(claims.error());
    EXPECT_EQ(claims->subject, "user-42");
    EXPECT_EQ(claims->issuer, "https://auth.example.com");
    EXPECT_EQ(claims->jti, "t-1");
    EXPECT_EQ(claims->exp, now + 600);
    EXPECT_EQ(claims->iat, now - 10);
    EXPECT_EQ(claims->nbf, now - 10);
    EXPECT_EQ(claims->scopes, (std::vector<std::string>{"orders:read", "orders:write"}));
    EXPECT_EQ(claims->roles, (std::vector<std::string>{"admin", "auditor"}));
    EXPECT_EQ(claims->client_id, "web");
    EXPECT_EQ(claims->token_kind, TokenKind::user);
    EXPECT_EQ(claims->session_family, "family-7");
    EXPECT_EQ(claims->payload, good_payload());
}

TEST(JoseClaims, ExpiryHonoursTheLeewayAndNoMore) {
    auto expired = good_payload();
    expired["exp"] = now - 61;
    expired["iat"] = now - 600;
    expired["nbf"] = now - 600;
    EXPECT_EQ(error_of(expired), ClaimError::expired);
    auto within_leeway = expired;
    within_leeway["exp"] = now - 30;
    EXPECT_TRUE(validate_claims(typ_header, within_leeway, rules()));
    EXPECT_EQ(error_of(without("exp")), ClaimError::exp_missing);
}

TEST(JoseClaims, NotBeforeAndIssuedAtMayNotBeInTheFuture) {
    auto future_nbf = good_payload();
    future_nbf["nbf"] = now + 120;
    EXPECT_EQ(error_of(future_nbf), ClaimError::not_yet_valid);
    auto future_iat = good_payload();
    future_iat["iat"] = now + 120;
    EXPECT_EQ(error_of(future_iat), ClaimError::issued_in_future);
    auto slightly_early = good_payload();
    slightly_early["nbf"] = now + 30;
    slightly_early["iat"] = now + 30;
    EXPECT_TRUE(validate_claims(typ_header, slightly_early, rules()));
}

TEST(JoseClaims, TimesMustBeIntegerNumbersInRange) {
    for (std::string_view exp :
         {R"("1800000600")", "1800000600.0", "1.8000006e9", "1e300", "-5", "253402300800",
          "18446744073709551615", "true", "null", "[1800000600]"}) {
        EXPECT_EQ(error_of(with_member("exp", exp)), ClaimError::exp_invalid) << exp;
    }
    EXPECT_EQ(error_of(with_member("nbf", R"("0")")), ClaimError::nbf_invalid);
    EXPECT_EQ(error_of(with_member("nbf", "-1")), ClaimError::nbf_invalid);
    EXPECT_EQ(error_of(with_member("iat", "1799999990.5")), ClaimError::iat_invalid);
}

TEST(JoseClaims, LifetimeIsBounded) {
    auto long_lived = good_payload();
    long_lived["exp"] = now + 3600 * 24;
    EXPECT_EQ(error_of(long_lived), ClaimError::lifetime_too_long);
    auto no_iat = without("iat");
    no_iat["exp"] = now + 7200;
    EXPECT_EQ(error_of(no_iat), ClaimError::lifetime_too_long);
}

TEST(JoseClaims, IssuerIsComparedByteForByte) {
    EXPECT_EQ(error_of(without("iss")), ClaimError::iss_missing);
    for (std::string_view issuer : {"https://auth.example.com/", "https://AUTH.example.com",
                                    "https://evil.example.com", ""}) {
        auto payload = good_payload();
        payload["iss"] = issuer;
        EXPECT_EQ(error_of(payload), ClaimError::iss_mismatch) << issuer;
    }
    EXPECT_EQ(error_of(with_member("iss", "1")), ClaimError::iss_mismatch);
}

TEST(JoseClaims, AudienceMustNameUs) {
    EXPECT_EQ(error_of(without("aud")), ClaimError::aud_missing);
    EXPECT_EQ(error_of(with_member("aud", R"("other-api")")), ClaimError::aud_mismatch);
    EXPECT_EQ(error_of(with_member("aud", R"(["other-api","third"])")), ClaimError::aud_mismatch);
    EXPECT_EQ(error_of(with_member("aud", "1")), ClaimError::aud_invalid);
    EXPECT_EQ(error_of(with_member("aud", "[]")), ClaimError::aud_invalid);
    EXPECT_EQ(error_of(with_member("aud", R"(["orders-api",1])")), ClaimError::aud_invalid);
    EXPECT_TRUE(validate_claims(typ_header, with_member("aud", R"(["x","billing-api"])"), rules()));
}

TEST(JoseClaims, TypFollowsRfc9068) {
    const json::object jwt_header{{"alg", "ES256"}, {"typ", "JWT"}};
    EXPECT_EQ(error_of(good_payload(), rules(), jwt_header), ClaimError::typ_mismatch);
    EXPECT_EQ(error_of(good_payload(), rules(), json::object{{"alg", "ES256"}}),
              ClaimError::typ_missing);
    for (std::string_view typ : {"at+jwt", "AT+JWT", "application/at+jwt", "Application/AT+JWT"}) {
        json::object header{{"alg", "ES256"}, {"typ", typ}};
        EXPECT_TRUE(validate_claims(header, good_payload(), rules())) << typ;
    }
    auto untyped = rules();
    untyped.required_typ.clear();
    EXPECT_TRUE(validate_claims(jwt_header, good_payload(), untyped));
}

TEST(JoseClaims, WrongTypesAreErrorsNeverCoerced) {
    EXPECT_EQ(error_of(with_member("scope", R"(["orders:read"])")), ClaimError::scope_invalid);
    EXPECT_EQ(error_of(with_member("roles", R"("admin")")), ClaimError::roles_invalid);
    EXPECT_EQ(error_of(with_member("roles", R"(["admin",1])")), ClaimError::roles_invalid);
    EXPECT_EQ(error_of(with_member("sub", "42")), ClaimError::sub_invalid);
    EXPECT_EQ(error_of(without("sub")), ClaimError::sub_missing);
    EXPECT_EQ(error_of(with_member("jti", "1")), ClaimError::jti_invalid);
    EXPECT_EQ(error_of(with_member("client_id", "{}")), ClaimError::client_id_invalid);
    EXPECT_EQ(error_of(with_member("sid", "false")), ClaimError::sid_invalid);
    EXPECT_EQ(error_of(with_member("rampart_kind", R"("admin")")), ClaimError::kind_invalid);
    auto client = with_member("rampart_kind", R"("client")");
    EXPECT_EQ(validate_claims(typ_header, client, rules())->token_kind, TokenKind::client);
    auto minimal = without("scope");
    minimal.erase("roles");
    minimal.erase("rampart_kind");
    auto claims = validate_claims(typ_header, minimal, rules());
    ASSERT_TRUE(claims);
    EXPECT_TRUE(claims->scopes.empty());
    EXPECT_TRUE(claims->roles.empty());
    EXPECT_FALSE(claims->token_kind);
}

TEST(JoseClaims, RulesThemselvesAreChecked) {
    auto too_lenient = rules();
    too_lenient.leeway = std::chrono::seconds(61);
    EXPECT_EQ(error_of(good_payload(), too_lenient), ClaimError::rules_invalid);
    auto no_issuer = rules();
    no_issuer.issuer.clear();
    EXPECT_EQ(error_of(good_payload(), no_issuer), ClaimError::rules_invalid);
    auto no_audience = rules();
    no_audience.audiences.clear();
    EXPECT_EQ(error_of(good_payload(), no_audience), ClaimError::rules_invalid);
}

}  // namespace
