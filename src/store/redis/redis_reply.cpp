#include "store/redis/redis_reply.hpp"

#include <climits>
#include <new>
#include <stdexcept>
#include <vector>

namespace rampart::store::redis {

void append_command(std::string& output, std::span<const std::string_view> arguments) {
    // RESP by hand would be short too, but the codec is hiredis's job.
    constexpr std::size_t inline_arguments = 24;
    const char* inline_pointers[inline_arguments];
    std::size_t inline_lengths[inline_arguments];
    std::vector<const char*> heap_pointers;
    std::vector<std::size_t> heap_lengths;
    const char** pointers = inline_pointers;
    std::size_t* lengths = inline_lengths;
    if (arguments.size() > inline_arguments) {
        heap_pointers.resize(arguments.size());
        heap_lengths.resize(arguments.size());
        pointers = heap_pointers.data();
        lengths = heap_lengths.data();
    }
    for (std::size_t index = 0; index < arguments.size(); ++index) {
        pointers[index] = arguments[index].data();
        lengths[index] = arguments[index].size();
    }
    char* formatted = nullptr;
    int length =
        redisFormatCommandArgv(&formatted, static_cast<int>(arguments.size()), pointers, lengths);
    if (length < 0 || formatted == nullptr) {
        throw std::bad_alloc();
    }
    output.append(formatted, static_cast<std::size_t>(length));
    redisFreeCommand(formatted);
}

bool is_error_reply(const redisReply& reply) noexcept {
    return reply.type == REDIS_REPLY_ERROR;
}

std::string_view error_code(const redisReply& reply) noexcept {
    if (!is_error_reply(reply) || reply.str == nullptr) {
        return {};
    }
    std::string_view text(reply.str, reply.len);
    return text.substr(0, text.find(' '));
}

ReplyReader::ReplyReader() : reader_(redisReaderCreate()) {
    if (reader_ == nullptr) {
        throw std::bad_alloc();
    }
}

ReplyReader::~ReplyReader() {
    redisReaderFree(reader_);
}

bool ReplyReader::feed(const char* data, std::size_t size) {
    return redisReaderFeed(reader_, data, size) == REDIS_OK;
}

ReplyPointer ReplyReader::next(bool& broken) {
    void* reply = nullptr;
    if (redisReaderGetReply(reader_, &reply) != REDIS_OK) {
        broken = true;
        return nullptr;
    }
    return ReplyPointer(static_cast<redisReply*>(reply));
}

void ReplyReader::reset() {
    auto* fresh = redisReaderCreate();
    if (fresh == nullptr) {
        throw std::bad_alloc();
    }
    redisReaderFree(reader_);
    reader_ = fresh;
}

}  // namespace rampart::store::redis
