// For unit tests that run a stage against a real security-log sink: the lines
// the sink wrote to its file.
#pragma once

#include <fstream>
#include <string>
#include <vector>

namespace rampart::test {

inline std::vector<std::string> read_log_lines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

}  // namespace rampart::test
