// Opens the token service's store from the configuration: for now the embedded default, an
// SQLite file in the data directory.
#pragma once

#include <memory>
#include <string>

#include "store/store.hpp"

namespace rampart::store {

inline constexpr const char* embedded_database_file = "rampart.db";

// Opens <data_directory>/rampart.db, creating the directory (mode 0700) and the file (mode 0600)
// when missing, and migrates it. Load time: throws std::runtime_error with a message that names
// the file and says what to do.
std::unique_ptr<Store> open_store(const std::string& data_directory);

}  // namespace rampart::store
