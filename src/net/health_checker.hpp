// Active health checks: a GET of each target's health path at an interval,
// on the control thread. A target fails out after unhealthy_threshold failed
// checks in a row and comes back after healthy_threshold good ones. The
// checks of a snapshot stop when a reload replaces it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>

#include "config/snapshot.hpp"

namespace rampart::net {

// `still_current` says whether the snapshot is still the running one.
void start_active_health_checks(boost::asio::io_context& io,
                                std::shared_ptr<const config::Snapshot> snapshot,
                                std::function<bool()> still_current);

}  // namespace rampart::net
