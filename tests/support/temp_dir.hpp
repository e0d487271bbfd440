// A private directory under /tmp for one test's files (configs, keys, logs), removed with
// everything in it when the test ends.
#pragma once

#include <string>
#include <string_view>

namespace rampart::test {

class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }

    // Writes `content` to path()/name (mode 0600, parent directories created) and returns the
    // full path. Keys and configs both go through here, so nothing is world-readable.
    std::string write(std::string_view name, std::string_view content) const;

  private:
    std::string path_;
};

}  // namespace rampart::test
