// What a policy rule sees of one request (policy/evaluation_context.hpp),
// read from the Exchange without copying: the verified identity as the
// subject's claims, the request's method, normalised path, client address,
// headers, path parameters and query parameters, and the time.
//
// Claims: sub, roles, scope (a list), client_id, consumer, username, iss (the
// configured issuer name) and credential (access_token, api_key, basic,
// mtls) from the identity; any other name is read from the verified JWT's
// payload (an external issuer's `email`, `tenant`), viewed in place. A claim
// that is not there is absent, so a rule that needs it denies. Query
// parameters are matched undecoded: a value with '%' or '+', or a parameter
// sent twice, is absent rather than compared in a form the upstream might read
// differently.
#pragma once

#include <array>

#include "pipeline/exchange.hpp"
#include "policy/evaluation_context.hpp"

namespace rampart::pipeline {

class RuleContext final : public policy::EvaluationContext {
  public:
    explicit RuleContext(const Exchange& exchange) noexcept;

    policy::ClaimValue subject_claim(std::string_view name) const noexcept override;
    std::string_view request_method() const noexcept override;
    std::string_view request_path() const noexcept override;
    std::string_view client_ip() const noexcept override;
    std::optional<std::string_view> header(std::string_view name) const noexcept override;
    std::optional<std::string_view> path_parameter(std::string_view name) const noexcept override;
    std::optional<std::string_view> query_parameter(std::string_view name) const noexcept override;
    std::chrono::sys_seconds now() const noexcept override;

  private:
    const Exchange& exchange_;
    std::array<char, 64> client_ip_text_{};  // long enough for any IPv6 address
    std::size_t client_ip_length_ = 0;
};

}  // namespace rampart::pipeline
