#include "observe/log_sink.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace rampart::observe {

namespace {

using config::ConfigError;

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";  // U+FFFD

bool in_range(unsigned char byte, unsigned char low, unsigned char high) {
    return byte >= low && byte <= high;
}

// Length of the well-formed UTF-8 sequence at text[position] (RFC 3629,
// table 3-7 of Unicode), or 0 when it is malformed.
std::size_t utf8_sequence_length(std::string_view text, std::size_t position) {
    auto byte_at = [&](std::size_t offset) -> unsigned char {
        return position + offset < text.size() ? static_cast<unsigned char>(text[position + offset])
                                               : 0;
    };
    unsigned char lead = byte_at(0);
    if (lead < 0x80) {
        return 1;
    }
    unsigned char second_low = 0x80;
    unsigned char second_high = 0xBF;
    std::size_t length = 0;
    if (in_range(lead, 0xC2, 0xDF)) {
        length = 2;
    } else if (in_range(lead, 0xE0, 0xEF)) {
        length = 3;
        second_low = lead == 0xE0 ? 0xA0 : 0x80;   // no overlong forms
        second_high = lead == 0xED ? 0x9F : 0xBF;  // no surrogates
    } else if (in_range(lead, 0xF0, 0xF4)) {
        length = 4;
        second_low = lead == 0xF0 ? 0x90 : 0x80;
        second_high = lead == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
    } else {
        return 0;
    }
    if (!in_range(byte_at(1), second_low, second_high)) {
        return 0;
    }
    for (std::size_t offset = 2; offset < length; ++offset) {
        if (!in_range(byte_at(offset), 0x80, 0xBF)) {
            return 0;
        }
    }
    return length;
}

// U+0080..U+009F: a terminal in 8-bit mode reads U+009B as CSI.
bool is_c1_control(std::string_view text, std::size_t position, std::size_t length) {
    return length == 2 && static_cast<unsigned char>(text[position]) == 0xC2 &&
           static_cast<unsigned char>(text[position + 1]) <= 0x9F;
}

bool is_plain_ascii(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char character) { return static_cast<unsigned char>(character) < 0x80; });
}

int open_log_file(const std::string& path, std::string& error_message) {
    auto parent = std::filesystem::path(path).parent_path();
    std::error_code ignored;
    if (!parent.empty() && !std::filesystem::is_directory(parent, ignored)) {
        error_message = path + ": the directory " + parent.string() + " does not exist";
        return -1;
    }
    int descriptor = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (descriptor < 0) {
        error_message = path + ": cannot open the log file: " + std::strerror(errno);
        return -1;
    }
    struct stat status {};
    if (::fstat(descriptor, &status) != 0) {
        error_message = path + ": cannot stat the log file: " + std::strerror(errno);
        ::close(descriptor);
        return -1;
    }
    // Logs hold client addresses and security events: not for other users.
    if ((status.st_mode & S_IRWXO) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(status.st_mode & 07777));
        error_message = path + ": the log file is accessible to other users (mode " + mode +
                        "); run chmod 600 on it";
        ::close(descriptor);
        return -1;
    }
    return descriptor;
}

}  // namespace

std::string_view make_log_safe(std::string_view text, std::string& scratch) {
    if (is_plain_ascii(text)) {
        return text;
    }
    scratch.clear();
    scratch.reserve(text.size() + 8);
    std::size_t position = 0;
    while (position < text.size()) {
        std::size_t length = utf8_sequence_length(text, position);
        if (length == 0 || is_c1_control(text, position, length)) {
            scratch += replacement_character;
            position += length == 0 ? 1 : length;
            continue;
        }
        scratch.append(text.substr(position, length));
        position += length;
    }
    return scratch;
}

LogSink::LogSink(const config::LogSink& settings) : LogSink(settings, Limits{}) {}

LogSink::LogSink(const config::LogSink& settings, Limits limits)
    : path_(settings.path), enabled_(settings.enabled), limits_(limits) {
    if (!enabled_) {
        return;
    }
    if (path_ == "stdout") {
        descriptor_ = STDOUT_FILENO;
    } else if (path_ == "stderr") {
        descriptor_ = STDERR_FILENO;
    } else {
        std::string error_message;
        descriptor_ = open_log_file(path_, error_message);
        if (descriptor_ < 0) {
            throw ConfigError(error_message);
        }
        owns_descriptor_ = true;
    }
    queue_.reserve(std::min<std::size_t>(limits_.max_queued_lines, 1024));
    writer_ = std::thread([this] { run_writer(); });
}

LogSink::~LogSink() {
    if (writer_.joinable()) {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        work_available_.notify_one();
        writer_.join();
    }
    if (replacement_descriptor_ >= 0) {
        ::close(replacement_descriptor_);
    }
    if (owns_descriptor_ && descriptor_ >= 0) {
        ::close(descriptor_);
    }
}

void LogSink::write(std::string line) noexcept {
    if (!enabled_) {
        return;
    }
    try {
        line.push_back('\n');
        bool wake_writer = false;
        {
            std::lock_guard lock(mutex_);
            if (queue_.size() >= limits_.max_queued_lines ||
                queued_bytes_ + line.size() > limits_.max_queued_bytes) {
                dropped_lines_.fetch_add(1, std::memory_order_relaxed);
                return;
            }
            queued_bytes_ += line.size();
            queue_.push_back(std::move(line));
            ++accepted_lines_;
            wake_writer = writer_waiting_;
        }
        // Notifying only a sleeping writer keeps a busy one batching.
        if (wake_writer) {
            work_available_.notify_one();
        }
    } catch (...) {
        // Only an allocation can fail here; losing the line beats failing the request.
        dropped_lines_.fetch_add(1, std::memory_order_relaxed);
    }
}

void LogSink::flush() {
    if (!enabled_) {
        return;
    }
    std::unique_lock lock(mutex_);
    std::uint64_t target = accepted_lines_;
    lock.unlock();
    work_available_.notify_one();
    lock.lock();
    progress_made_.wait(lock, [&] { return handled_lines_ >= target; });
}

bool LogSink::reopen(std::string* error_message) {
    if (!enabled_ || !owns_descriptor_) {
        return true;
    }
    std::string error;
    int descriptor = open_log_file(path_, error);
    if (descriptor < 0) {
        if (error_message != nullptr) {
            *error_message = error;
        }
        return false;
    }
    {
        std::lock_guard lock(mutex_);
        if (replacement_descriptor_ >= 0) {
            ::close(replacement_descriptor_);  // two reopens before the writer woke up
        }
        replacement_descriptor_ = descriptor;
    }
    work_available_.notify_one();
    return true;
}

void LogSink::run_writer() {
    std::vector<std::string> batch;
    batch.reserve(queue_.capacity());
    std::unique_lock lock(mutex_);
    while (true) {
        writer_waiting_ = true;
        work_available_.wait(
            lock, [&] { return stopping_ || !queue_.empty() || replacement_descriptor_ >= 0; });
        writer_waiting_ = false;
        adopt_replacement_descriptor();
        if (queue_.empty() && stopping_) {
            return;
        }
        // Swapping keeps both vectors' capacity: no allocation in steady state.
        batch.swap(queue_);
        queued_bytes_ = 0;
        lock.unlock();
        write_batch(batch);
        std::size_t written = batch.size();
        batch.clear();
        lock.lock();
        handled_lines_ += written;
        progress_made_.notify_all();
    }
}

// Called with the mutex held.
void LogSink::adopt_replacement_descriptor() {
    if (replacement_descriptor_ < 0) {
        return;
    }
    ::close(descriptor_);
    descriptor_ = replacement_descriptor_;
    replacement_descriptor_ = -1;
}

void LogSink::write_batch(std::vector<std::string>& batch) {
    constexpr std::size_t max_vectors = IOV_MAX < 1024 ? IOV_MAX : 1024;
    iovec vectors[max_vectors];
    std::size_t next_line = 0;
    while (next_line < batch.size()) {
        std::size_t count = std::min(max_vectors, batch.size() - next_line);
        for (std::size_t index = 0; index < count; ++index) {
            vectors[index].iov_base = batch[next_line + index].data();
            vectors[index].iov_len = batch[next_line + index].size();
        }
        iovec* pending = vectors;
        std::size_t pending_count = count;
        while (pending_count > 0) {
            ssize_t written = ::writev(descriptor_, pending, static_cast<int>(pending_count));
            if (written < 0 && errno == EINTR) {
                continue;
            }
            if (written < 0) {
                // A full disk or a closed pipe: these lines are lost; count them.
                dropped_lines_.fetch_add(pending_count, std::memory_order_relaxed);
                break;
            }
            // Skip what a partial write took, possibly ending mid-line.
            auto remaining = static_cast<std::size_t>(written);
            while (pending_count > 0 && remaining >= pending->iov_len) {
                remaining -= pending->iov_len;
                ++pending;
                --pending_count;
            }
            if (pending_count > 0) {
                pending->iov_base = static_cast<char*>(pending->iov_base) + remaining;
                pending->iov_len -= remaining;
            }
        }
        next_line += count;
    }
}

}  // namespace rampart::observe
