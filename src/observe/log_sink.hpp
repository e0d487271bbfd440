// An asynchronous JSON-lines writer shared by the access log and the security
// event log. Worker threads hand it finished lines and return at once; a
// dedicated thread writes them in batches (one writev(2) for many lines). A
// slow disk or a stalled stdout pipe must never stall request handling, so
// when the bounded queue is full a line is dropped and counted instead
// (rampart_log_lines_dropped_total).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/settings.hpp"

namespace rampart::observe {

// Makes text safe to put in a JSON log value: invalid UTF-8 and C1 control
// characters (which some terminals obey like ANSI escapes) become U+FFFD. The
// JSON serializer escapes the rest (CR, LF, quotes, ESC). Returns `text`
// itself when nothing needs changing, so the common ASCII case copies nothing.
std::string_view make_log_safe(std::string_view text, std::string& scratch);

class LogSink {
  public:
    struct Limits {
        std::size_t max_queued_lines = 64 * 1024;
        std::size_t max_queued_bytes = 64 * 1024 * 1024;
    };

    // Opens the destination: "stdout", "stderr", or a file opened for append
    // and created with mode 0600. Throws config::ConfigError when the parent
    // directory is missing, the file cannot be opened, or an existing file is
    // accessible to other users. A disabled sink accepts and discards lines.
    explicit LogSink(const config::LogSink& settings);
    LogSink(const config::LogSink& settings, Limits limits);
    ~LogSink();  // writes everything queued, then stops the writer thread

    LogSink(const LogSink&) = delete;
    LogSink& operator=(const LogSink&) = delete;

    // Appends '\n' and queues the line. Never blocks on I/O and never throws;
    // drops (and counts) the line when the queue is full.
    void write(std::string line) noexcept;

    // Waits until every line queued before the call has been written.
    void flush();

    // Log rotation: reopens the file by its path (after logrotate moved it).
    // On failure keeps writing to the old file and returns false with the
    // reason in *error_message. Does nothing for stdout and stderr.
    bool reopen(std::string* error_message = nullptr);

    std::uint64_t dropped_lines() const noexcept {
        return dropped_lines_.load(std::memory_order_relaxed);
    }
    const std::string& path() const noexcept { return path_; }

  private:
    void run_writer();
    void write_batch(std::vector<std::string>& batch);
    void adopt_replacement_descriptor();

    std::string path_;
    bool enabled_ = true;
    bool owns_descriptor_ = false;
    int descriptor_ = -1;  // touched by the writer thread only, once it runs
    Limits limits_;

    std::mutex mutex_;
    std::condition_variable work_available_;
    std::condition_variable progress_made_;
    std::vector<std::string> queue_;
    std::size_t queued_bytes_ = 0;
    std::uint64_t accepted_lines_ = 0;  // lines ever queued
    std::uint64_t handled_lines_ = 0;   // lines ever written (or lost to a write error)
    int replacement_descriptor_ = -1;   // from reopen(), adopted by the writer
    bool writer_waiting_ = false;
    bool stopping_ = false;

    std::atomic<std::uint64_t> dropped_lines_{0};
    std::thread writer_;
};

}  // namespace rampart::observe
