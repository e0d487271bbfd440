// The stored records as the admin API shows them: public facts only, never a
// password hash, a key or secret hash, or a sealed private key.
#pragma once

#include <boost/json/object.hpp>

#include "store/records.hpp"

namespace rampart::admin {

boost::json::object user_view(const store::User& user);
boost::json::object api_key_view(const store::ApiKey& key);
boost::json::object client_view(const store::OAuthClient& client);
boost::json::object session_view(const store::RefreshFamily& family);
boost::json::object signing_key_view(const store::SigningKey& key, store::Time now);

}  // namespace rampart::admin
