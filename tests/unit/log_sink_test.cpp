#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "config/yaml_reader.hpp"
#include "observe/log_sink.hpp"

namespace {

namespace fs = std::filesystem;
using rampart::config::ConfigError;
using rampart::observe::LogSink;
using rampart::observe::make_log_safe;

class TemporaryDirectory {
  public:
    TemporaryDirectory() {
        std::string pattern = (fs::temp_directory_path() / "rampart-log-test-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data());
    }
    ~TemporaryDirectory() { fs::remove_all(path_); }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

  private:
    fs::path path_;
};

rampart::config::LogSink file_sink(const std::string& path) {
    rampart::config::LogSink settings;
    settings.path = path;
    return settings;
}

std::vector<std::string> read_lines(const std::string& file) {
    std::ifstream stream(file);
    std::vector<std::string> lines;
    for (std::string line; std::getline(stream, line);) {
        lines.push_back(line);
    }
    return lines;
}

unsigned file_mode(const std::string& path) {
    struct stat status {};
    ::stat(path.c_str(), &status);
    return status.st_mode & 07777;
}

TEST(LogSink, ManyThreadsLinesArriveWholeAndInOrder) {
    TemporaryDirectory directory;
    auto path = directory.file("access.log");
    constexpr int thread_count = 8;
    constexpr int lines_per_thread = 3000;
    {
        LogSink sink(file_sink(path));
        std::vector<std::thread> producers;
        for (int thread = 0; thread < thread_count; ++thread) {
            producers.emplace_back([&sink, thread] {
                std::string padding(thread * 17 + 3, 'a' + thread);
                for (int sequence = 0; sequence < lines_per_thread; ++sequence) {
                    sink.write(std::to_string(thread) + " " + std::to_string(sequence) + " " +
                               padding);
                }
            });
        }
        for (auto& producer : producers) {
            producer.join();
        }
        EXPECT_EQ(sink.dropped_lines(), 0u);
    }  // the destructor drains the queue
    auto lines = read_lines(path);
    ASSERT_EQ(lines.size(), static_cast<std::size_t>(thread_count * lines_per_thread));
    std::vector<int> next_sequence(thread_count, 0);
    for (const auto& line : lines) {
        std::istringstream fields(line);
        int thread = -1;
        int sequence = -1;
        std::string padding;
        fields >> thread >> sequence >> padding;
        ASSERT_GE(thread, 0);
        ASSERT_LT(thread, thread_count);
        EXPECT_EQ(sequence, next_sequence[thread]) << line;
        EXPECT_EQ(padding, std::string(thread * 17 + 3, 'a' + thread)) << line;
        next_sequence[thread] = sequence + 1;
    }
}

TEST(LogSink, CreatesFileWithMode0600AndAppends) {
    TemporaryDirectory directory;
    auto path = directory.file("security.log");
    ::umask(022);
    {
        LogSink sink(file_sink(path));
        sink.write("first");
    }
    EXPECT_EQ(file_mode(path), 0600u);
    {
        LogSink sink(file_sink(path));
        sink.write("second");
    }
    EXPECT_EQ(read_lines(path), (std::vector<std::string>{"first", "second"}));
}

TEST(LogSink, RefusesMissingDirectoryAndWorldReadableFile) {
    TemporaryDirectory directory;
    auto missing = directory.file("no-such-directory/access.log");
    try {
        LogSink sink(file_sink(missing));
        FAIL() << "expected a ConfigError";
    } catch (const ConfigError& error) {
        EXPECT_NE(std::string(error.what()).find(missing), std::string::npos) << error.what();
        EXPECT_NE(std::string(error.what()).find("does not exist"), std::string::npos);
    }
    auto shared = directory.file("shared.log");
    std::ofstream(shared) << "";
    ::chmod(shared.c_str(), 0644);
    EXPECT_THROW({ LogSink sink{file_sink(shared)}; }, ConfigError);
}

TEST(LogSink, FlushWaitsForEverythingQueued) {
    TemporaryDirectory directory;
    auto path = directory.file("access.log");
    LogSink sink(file_sink(path));
    for (int index = 0; index < 5000; ++index) {
        sink.write("line " + std::to_string(index));
    }
    sink.flush();
    auto lines = read_lines(path);
    ASSERT_EQ(lines.size(), 5000u);
    EXPECT_EQ(lines.back(), "line 4999");
}

// A FIFO nobody reads fills up after 64 KiB: the writer thread blocks in
// write(2), the tiny queue fills, and further lines must be dropped, not wait.
TEST(LogSink, DropsAndCountsLinesWhenTheQueueIsFull) {
    TemporaryDirectory directory;
    auto path = directory.file("stalled.fifo");
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
    int reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);
    ASSERT_GE(reader, 0);

    constexpr int line_count = 300;
    auto sink = std::make_unique<LogSink>(file_sink(path), LogSink::Limits{4, 1024 * 1024});
    for (int index = 0; index < line_count; ++index) {
        sink->write(std::string(1000, 'x'));  // returns at once even though nothing is read
    }
    std::uint64_t dropped = sink->dropped_lines();
    EXPECT_GT(dropped, 150u);

    ::fcntl(reader, F_SETFL, 0);  // blocking reads from here on
    std::string received;
    std::thread drain([&] {
        char buffer[65536];
        ssize_t count;
        while ((count = ::read(reader, buffer, sizeof buffer)) > 0) {
            received.append(buffer, static_cast<std::size_t>(count));
        }
    });
    sink.reset();  // drains what was accepted, closes the FIFO: the reader sees EOF
    drain.join();
    ::close(reader);
    std::size_t received_lines = 0;
    for (char character : received) {
        received_lines += character == '\n' ? 1 : 0;
    }
    EXPECT_EQ(received.size(), received_lines * 1001);
    EXPECT_EQ(received_lines + dropped, static_cast<std::size_t>(line_count));
}

TEST(LogSink, ReopenFollowsRotation) {
    TemporaryDirectory directory;
    auto path = directory.file("access.log");
    LogSink sink(file_sink(path));
    sink.write("before rotation");
    sink.flush();
    fs::rename(path, path + ".1");
    std::string error;
    ASSERT_TRUE(sink.reopen(&error)) << error;
    sink.write("after rotation");
    sink.flush();
    EXPECT_EQ(read_lines(path + ".1"), std::vector<std::string>{"before rotation"});
    EXPECT_EQ(read_lines(path), std::vector<std::string>{"after rotation"});
    EXPECT_EQ(file_mode(path), 0600u);

    fs::remove_all(path);
    ::chmod(directory.file("").c_str(), 0500);  // the new file cannot be created
    if (::geteuid() != 0) {
        EXPECT_FALSE(sink.reopen(&error));
        EXPECT_NE(error.find(path), std::string::npos) << error;
    }
    ::chmod(directory.file("").c_str(), 0700);
}

TEST(LogSink, DisabledSinkWritesNothing) {
    TemporaryDirectory directory;
    auto settings = file_sink(directory.file("off.log"));
    settings.enabled = false;
    LogSink sink(settings);
    sink.write("ignored");
    sink.flush();
    EXPECT_FALSE(fs::exists(directory.file("off.log")));
}

TEST(MakeLogSafe, ReplacesInvalidUtf8AndC1Controls) {
    std::string scratch;
    std::string_view ascii = "plain \x1b[2J text";
    EXPECT_EQ(make_log_safe(ascii, scratch).data(), ascii.data());  // no copy

    EXPECT_EQ(make_log_safe("caf\xC3\xA9 \xF0\x9F\x94\x92", scratch),
              "caf\xC3\xA9 \xF0\x9F\x94\x92");
    EXPECT_EQ(make_log_safe("a\xFF"
                            "b",
                            scratch),
              "a\xEF\xBF\xBD"
              "b");
    EXPECT_EQ(make_log_safe("\xC0\xAF", scratch), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
    EXPECT_EQ(make_log_safe("\xED\xA0\x80", scratch),
              "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
    EXPECT_EQ(make_log_safe("x\xC2\x9B"
                            "31m",
                            scratch),
              "x\xEF\xBF\xBD"
              "31m");  // C1 CSI
    EXPECT_EQ(make_log_safe("cut \xE2\x82", scratch), "cut \xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
