#include "support/temp_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace rampart::test {

namespace {

[[noreturn]] void throw_errno(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

}  // namespace

TempDir::TempDir() {
    std::string pattern = "/tmp/rampart-test-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (!::mkdtemp(buffer.data())) {
        throw_errno("mkdtemp " + pattern);
    }
    path_ = buffer.data();
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::write(std::string_view name, std::string_view content) const {
    std::filesystem::path full_path = std::filesystem::path(path_) / name;
    std::filesystem::create_directories(full_path.parent_path());
    int file = ::open(full_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (file < 0) {
        throw_errno("open " + full_path.string());
    }
    // open() keeps the mode of an existing file; a rewritten file must be 0600 too.
    ::fchmod(file, 0600);
    while (!content.empty()) {
        ssize_t written = ::write(file, content.data(), content.size());
        if (written < 0 && errno == EINTR) {
            continue;
        }
        if (written < 0) {
            ::close(file);
            throw_errno("write " + full_path.string());
        }
        content.remove_prefix(static_cast<std::size_t>(written));
    }
    ::close(file);
    return full_path.string();
}

}  // namespace rampart::test
