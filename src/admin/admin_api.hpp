// The resources of the admin API under /admin/ (docs/admin-api.md): users,
// API keys, OAuth clients, sessions (refresh-token families) and signing keys,
// as JSON, on the shared operations (admin/operations) the CLI uses too.
// Every change, and every refused change, is a security event naming the
// caller; the credential directory is rebuilt at once, so a revocation made
// here applies to the next request.
#pragma once

#include <string_view>

#include "admin/admin_access.hpp"
#include "admin/admin_responses.hpp"

namespace rampart::net {
class Server;
}

namespace rampart::admin {

class AdminApi {
  public:
    explicit AdminApi(net::Server& server) : server_(server) {}

    // Runs on a blocking-pool thread: a new password is hashed here, and the store is used
    // synchronously. `path` starts after "/admin/". Never throws.
    AdminResponse handle(const AdminRequest& request, std::string_view path, std::string_view query,
                         const AdminCaller& caller, std::string_view client_ip) noexcept;

  private:
    net::Server& server_;
};

}  // namespace rampart::admin
