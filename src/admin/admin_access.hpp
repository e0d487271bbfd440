// Who may use the admin API (ADM-01, ADM-02): the operator's token (role
// admin; generated on first run when the configuration has none) or a
// configured principal's token or verified client certificate, from an
// allowed source address. A viewer reads; only an admin changes anything.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.hpp"
#include "net/client_certificate.hpp"

namespace rampart::admin {

struct AdminCaller {
    std::string name;  // "operator" for the admin token; the principal's name otherwise
    config::AdminRole role = config::AdminRole::viewer;
};

// The caller that `authorization` ("Bearer <token>") proves, or none. Every comparison takes the
// same time whether or not it matches, and every principal is compared.
std::optional<AdminCaller> identify_admin_caller(
    std::string_view authorization, std::string_view operator_token,
    const std::vector<config::AdminPrincipal>& principals);

// The principal whose certificate_subject is the verified client certificate's subject, or none.
std::optional<AdminCaller> identify_admin_caller(
    const net::ClientCertificate& certificate,
    const std::vector<config::AdminPrincipal>& principals);

bool source_is_allowed(const config::Admin& admin, const boost::asio::ip::address& peer);

// GET and HEAD read; everything else changes.
bool may_perform(const AdminCaller& caller, bool changes_state);

}  // namespace rampart::admin
