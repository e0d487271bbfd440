#include "store/open_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace rampart::store {

std::unique_ptr<Store> open_store(const std::string& data_directory) {
    namespace fs = std::filesystem;
    if (data_directory.empty()) {
        throw std::runtime_error("the data directory is not set");
    }
    fs::path directory(data_directory);
    std::error_code error;
    if (!fs::exists(directory, error)) {
        if (!fs::create_directories(directory, error) && error) {
            throw std::runtime_error("cannot create the data directory " + data_directory + ": " +
                                     error.message());
        }
        fs::permissions(directory, fs::perms::owner_all, fs::perm_options::replace, error);
        if (error) {
            throw std::runtime_error("cannot restrict the data directory " + data_directory + ": " +
                                     error.message());
        }
    } else if (!fs::is_directory(directory, error)) {
        throw std::runtime_error("the data directory " + data_directory + " is not a directory");
    }
    std::string path = (directory / embedded_database_file).string();
    try {
        return std::make_unique<sqlite::SqliteStore>(path);
    } catch (const std::runtime_error& failure) {
        throw std::runtime_error(std::string("cannot open the store: ") + failure.what());
    }
}

}  // namespace rampart::store
