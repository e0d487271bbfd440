// POST /oauth2/revoke (RFC 7009): a refresh token revokes its whole family,
// an access token goes on the jti denylist until it expires. Only the
// owning client can revoke; every outcome is 200 so the endpoint is no
// oracle (REV-02).
#include "auth/endpoints/endpoint_support.hpp"
#include "auth/endpoints/endpoints.hpp"
#include "auth/endpoints/token_issuance.hpp"
#include "auth/jose/jws.hpp"
#include "auth/secret_token.hpp"
#include "observe/security_events.hpp"

namespace rampart::auth::endpoints {

namespace {

namespace http = pipeline::http;

class RevocationHandler final : public pipeline::Handler {
  public:
    RevocationHandler(const config::Settings& settings, AuthRuntime& runtime)
        : settings_(settings), runtime_(runtime) {}
    std::string_view name() const override { return "revoke"; }

    boost::asio::awaitable<void> handle(pipeline::Exchange& exchange) const override {
        auto request = co_await read_client_request(exchange, runtime_, true);
        if (!request) {
            co_return;
        }
        const auto& form = request->form;
        const auto& client = request->client;
        auto token = parameter(form, "token");
        if (!token) {
            set_oauth_error(exchange, "invalid_request");
            co_return;
        }
        if (auto hint = parameter(form, "token_type_hint");
            hint && *hint != "access_token" && *hint != "refresh_token") {
            set_oauth_error(exchange, "unsupported_token_type");
            co_return;
        }
        std::string revoked;
        // Whatever the hint says, both kinds are searched (RFC 7009 §2.1).
        bool ran = co_await runtime_.blocking_pool().run(
            [&] { revoked = revoke(std::string(*token), client.client->client_id); });
        if (!ran) {
            set_busy(exchange);
            co_return;
        }
        if (!revoked.empty()) {
            exchange.security_events->emit(
                "token_revoked", &exchange,
                {{"client_id", client.client->client_id}, {"kind", revoked}});
        }
        exchange.response = pipeline::Response{http::status::ok, 11};
        exchange.response.set(http::field::cache_control, "no-store");
    }

  private:
    // On the blocking pool; returns what was revoked ("refresh_family",
    // "access_token") or empty.
    std::string revoke(const std::string& token, const std::string& client_id) const {
        auto& store = runtime_.store();
        auto now = now_seconds();
        auto refresh = store.find_refresh_token(sha256_hex(token));
        if (refresh) {
            if (refresh->client_id != client_id ||
                !store.revoke_family(refresh->family_id, "revoked_by_client", now,
                                     revocation_keep_until(settings_, now))) {
                return {};
            }
            runtime_.refresh();
            return "refresh_family";
        }
        auto directory = runtime_.directory();
        if (!directory->keys) {
            return {};
        }
        auto verified = jose::verify_compact(token, directory->keys->published());
        if (!verified) {
            return {};
        }
        const auto& payload = verified->payload;
        const auto* jti = payload.if_contains("jti");
        const auto* exp = payload.if_contains("exp");
        const auto* owner = payload.if_contains("client_id");
        const auto* issuer = payload.if_contains("iss");
        if (jti == nullptr || !jti->is_string() || exp == nullptr || !exp->is_int64() ||
            owner == nullptr || !owner->is_string() || owner->as_string() != client_id ||
            issuer == nullptr || !issuer->is_string() ||
            issuer->as_string() != settings_.auth.token_service.issuer) {
            return {};
        }
        auto expires = store::Time(std::chrono::seconds(exp->as_int64())) +
                       std::chrono::duration_cast<std::chrono::seconds>(settings_.auth.jwt.leeway);
        if (!store.add_access_token_revocation({std::string(jti->as_string()), expires})) {
            return {};
        }
        runtime_.refresh();
        return "access_token";
    }

    const config::Settings& settings_;
    AuthRuntime& runtime_;
};

}  // namespace

std::shared_ptr<const pipeline::Handler> make_revocation_handler(const config::Settings& settings,
                                                                 AuthRuntime* runtime) {
    return std::make_shared<RevocationHandler>(settings, *runtime);
}

}  // namespace rampart::auth::endpoints
