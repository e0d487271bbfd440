#include "pipeline/chain.hpp"

#include <boost/asio/this_coro.hpp>

namespace rampart::pipeline {

boost::asio::awaitable<Verdict> Stage::on_request_head_async(Exchange& exchange) const {
    co_return on_request_head(exchange);
}

Chain::Chain(std::vector<std::shared_ptr<const Stage>> stages) : stages_(std::move(stages)) {
    for (const auto& stage : stages_) {
        has_asynchronous_stage_ = has_asynchronous_stage_ || stage->is_asynchronous();
    }
}

Verdict Chain::run_request_head_synchronously(Exchange& exchange) const {
    for (const auto& stage : stages_) {
        if (stage->on_request_head(exchange) == Verdict::respond) {
            return Verdict::respond;
        }
    }
    return Verdict::proceed;
}

boost::asio::awaitable<Verdict> Chain::run_request_head(Exchange& exchange) const {
    for (const auto& stage : stages_) {
        auto verdict = stage->is_asynchronous() ? co_await stage->on_request_head_async(exchange)
                                                : stage->on_request_head(exchange);
        if (verdict == Verdict::respond) {
            co_return Verdict::respond;
        }
    }
    co_return Verdict::proceed;
}

Verdict Chain::run_request_body(Exchange& exchange) const {
    for (const auto& stage : stages_) {
        if (stage->on_request_body(exchange) == Verdict::respond) {
            return Verdict::respond;
        }
    }
    return Verdict::proceed;
}

void Chain::run_response(Exchange& exchange) const {
    for (auto stage = stages_.rbegin(); stage != stages_.rend(); ++stage) {
        (*stage)->on_response(exchange);
    }
}

}  // namespace rampart::pipeline
