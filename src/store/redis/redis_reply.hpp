// hiredis as the RESP codec: commands formatted by redisFormatCommandArgv,
// replies parsed by its reader. Owning wrappers so nothing leaks on an error
// path.
#pragma once

#include <hiredis/hiredis.h>

#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace rampart::store::redis {

struct ReplyDeleter {
    void operator()(redisReply* reply) const noexcept { freeReplyObject(reply); }
};
using ReplyPointer = std::unique_ptr<redisReply, ReplyDeleter>;

// Appends one command in RESP to `output`. Arguments are binary-safe.
void append_command(std::string& output, std::span<const std::string_view> arguments);

bool is_error_reply(const redisReply& reply) noexcept;
// The error reply's first word ("NOSCRIPT", "WRONGPASS"); empty for other replies.
std::string_view error_code(const redisReply& reply) noexcept;

// Incremental reply parser: feed bytes as they arrive, take replies out.
class ReplyReader {
  public:
    ReplyReader();
    ~ReplyReader();
    ReplyReader(const ReplyReader&) = delete;
    ReplyReader& operator=(const ReplyReader&) = delete;

    // False on a protocol error (the connection must close).
    bool feed(const char* data, std::size_t size);
    // A complete reply, or null when more bytes are needed; sets `broken`
    // on a protocol error.
    ReplyPointer next(bool& broken);
    // Forgets buffered bytes (a new connection starts clean).
    void reset();

  private:
    redisReader* reader_;
};

}  // namespace rampart::store::redis
