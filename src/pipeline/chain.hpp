// The ordered stages of one route, compiled when the configuration loads.
#pragma once

#include <memory>
#include <vector>

#include "pipeline/stage.hpp"

namespace rampart::pipeline {

class Chain {
public:
    Chain() = default;
    explicit Chain(std::vector<std::shared_ptr<const Stage>> stages);

    // Runs the stages in order until one responds.
    boost::asio::awaitable<Verdict> run_request_head(Exchange& exchange) const;
    Verdict run_request_body(Exchange& exchange) const;
    // Runs every stage's response hook, last stage first.
    void run_response(Exchange& exchange) const;

    const std::vector<std::shared_ptr<const Stage>>& stages() const { return stages_; }
    bool has_asynchronous_stage() const { return has_asynchronous_stage_; }
    // The synchronous fast path, for chains without asynchronous stages.
    Verdict run_request_head_synchronously(Exchange& exchange) const;

private:
    std::vector<std::shared_ptr<const Stage>> stages_;
    bool has_asynchronous_stage_ = false;
};

}  // namespace rampart::pipeline
