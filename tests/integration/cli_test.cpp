// The administrative commands (users, apikeys, clients, keys) of the real `rampart` binary, on a
// store in a temporary data directory, checked through their output and through the database
// file itself (with the sqlite3 shell): secrets are shown once and never stored.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "auth/secret_token.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

extern char** environ;

using namespace rampart::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* sqlite_shell = "/usr/bin/sqlite3";
const std::string good_password = "correct horse battery staple";
const std::string other_good_password = "a different long passphrase";
// On /usr/share/john/password.lst, and long enough to pass the length check.
const std::string common_password = "winniethepooh";

const std::regex api_key_pattern("^rk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$");
const std::regex client_secret_pattern("^rcs_[A-Za-z0-9_-]{43}$");

struct Result {
    int status = -1;
    std::string output;
    std::string errors;
};

std::string read_file(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    std::ostringstream content;
    content << file.rdbuf();
    return content.str();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);) {
        lines.push_back(line);
    }
    return lines;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// The line of a table whose first column is `first`, or "" when there is none.
std::string row_of(const std::string& table, const std::string& first) {
    for (const auto& line : lines_of(table)) {
        if (line.starts_with(first + " ")) {
            return line;
        }
    }
    return "";
}

std::vector<std::string> columns_of(const std::string& line) {
    std::vector<std::string> columns;
    std::istringstream stream(line);
    for (std::string column; stream >> column;) {
        columns.push_back(column);
    }
    return columns;
}

class CliTest : public ::testing::Test {
  protected:
    TempDir directory;
    std::string data_directory = directory.path() + "/data";
    std::string database = data_directory + "/rampart.db";

    // Runs `executable` with `input` on its standard input (a file: not a terminal), the data
    // directory in RAMPART_DATA_DIRECTORY, and no master key from the environment.
    Result run(const std::string& executable, const std::vector<std::string>& arguments,
               const std::string& input = "") {
        auto number = std::to_string(++runs_);
        auto input_path = directory.write("stdin." + number, input);
        auto output_path = directory.path() + "/stdout." + number;
        auto errors_path = directory.path() + "/stderr." + number;

        std::vector<std::string> argv_strings{executable};
        argv_strings.insert(argv_strings.end(), arguments.begin(), arguments.end());
        std::vector<std::string> environment;
        for (char** entry = environ; *entry; ++entry) {
            std::string_view variable = *entry;
            if (!variable.starts_with("RAMPART_")) {
                environment.emplace_back(variable);
            }
        }
        environment.push_back("RAMPART_DATA_DIRECTORY=" + data_directory);
        auto argv = pointers(argv_strings);
        auto envp = pointers(environment);

        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, input_path.c_str(), O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output_path.c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, errors_path.c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0600);
        pid_t pid = -1;
        int error =
            posix_spawn(&pid, executable.c_str(), &actions, nullptr, argv.data(), envp.data());
        posix_spawn_file_actions_destroy(&actions);
        if (error != 0) {
            ADD_FAILURE() << "cannot start " << executable << ": " << std::strerror(error);
            return {};
        }
        Result result;
        result.status = wait_for(pid);
        result.output = read_file(output_path);
        result.errors = read_file(errors_path);
        return result;
    }

    Result rampart(const std::vector<std::string>& arguments, const std::string& input = "") {
        return run(rampart_binary(), arguments, input);
    }

    // The output of the sqlite3 shell on the store's file.
    std::string sql(const std::string& statement) {
        auto result = run(sqlite_shell, {database, statement});
        EXPECT_EQ(result.status, 0) << result.errors;
        return result.output;
    }
    std::string dump() { return sql(".dump"); }

    void add_user(const std::string& username, const std::vector<std::string>& more = {}) {
        std::vector<std::string> arguments{"users", "add", username};
        arguments.insert(arguments.end(), more.begin(), more.end());
        auto added = rampart(arguments, good_password + "\n");
        ASSERT_EQ(added.status, 0) << added.errors;
    }

    // The only line of standard output, which must be a secret of `pattern`.
    static std::string single_secret(const Result& result, const std::regex& pattern) {
        auto lines = lines_of(result.output);
        EXPECT_EQ(lines.size(), 1u) << result.output;
        if (lines.size() != 1 || !std::regex_match(lines[0], pattern)) {
            ADD_FAILURE() << "no secret in: " << result.output;
            return "(none)";
        }
        return lines[0];
    }

    std::string token_service_config(bool enabled = true) {
        return directory.write("rampart.yaml", "data_directory: " + data_directory + R"(
listeners:
  - port: 18443
    tls: {self_signed: true}
upstreams:
  app:
    targets: [http://127.0.0.1:9000]
routes:
  - path: /items
    methods: [GET]
    upstream: app
    auth: none
token_service:
  issuer: https://auth.example
  enabled: )" + std::string(enabled ? "true" : "false") +
                                                   "\n");
    }

  private:
    static std::vector<char*> pointers(std::vector<std::string>& strings) {
        std::vector<char*> result;
        for (auto& string : strings) {
            result.push_back(string.data());
        }
        result.push_back(nullptr);
        return result;
    }

    // The exit status, waiting at most 30 s (then the child is killed and the test fails).
    static int wait_for(pid_t pid) {
        auto deadline = std::chrono::steady_clock::now() + 30s;
        int status = 0;
        while (::waitpid(pid, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(pid, SIGKILL);
                ::waitpid(pid, &status, 0);
                ADD_FAILURE() << "the command did not finish within 30 s";
                return -1;
            }
            std::this_thread::sleep_for(5ms);
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

    int runs_ = 0;
};

TEST_F(CliTest, AddedUserIsListedWithoutItsHashAndStoredHashed) {
    add_user("alice", {"--email", "alice@example.com", "--roles", "admin,ops"});

    auto list = rampart({"users", "list"});
    ASSERT_EQ(list.status, 0) << list.errors;
    auto rows = lines_of(list.output);
    ASSERT_EQ(rows.size(), 2u) << list.output;
    EXPECT_EQ(columns_of(rows[0]),
              (std::vector<std::string>{"ID", "USERNAME", "EMAIL", "ROLES", "DISABLED"}));
    auto row = columns_of(rows[1]);
    ASSERT_EQ(row.size(), 5u) << list.output;
    EXPECT_TRUE(std::regex_match(row[0], std::regex("^usr_[a-z2-7]{16}$"))) << row[0];
    EXPECT_EQ(row[1], "alice");
    EXPECT_EQ(row[2], "alice@example.com");
    EXPECT_EQ(row[3], "admin,ops");
    EXPECT_EQ(row[4], "no");
    EXPECT_FALSE(contains(list.output, "argon2")) << list.output;

    auto show = rampart({"users", "show", "alice"});
    ASSERT_EQ(show.status, 0) << show.errors;
    EXPECT_TRUE(contains(show.output, row[0])) << show.output;
    EXPECT_FALSE(contains(show.output, "argon2")) << show.output;

    auto stored = dump();
    EXPECT_TRUE(contains(stored, "$argon2id$v=19$m=19456,t=2,p=1$")) << stored;
    EXPECT_FALSE(contains(stored, good_password));
    EXPECT_EQ(sql("SELECT count(*) FROM users"), "1\n");
}

TEST_F(CliTest, WeakPasswordsAreRefusedAndNoUserIsCreated) {
    struct Case {
        std::string username;
        std::string password;
        std::string reason;
    };
    for (const auto& [username, password, reason] :
         std::vector<Case>{{"bob", common_password, "common passwords"},
                           {"bob", "too short", "at least 12 characters"},
                           {"robertsmithson", "RobertSmithson", "username"},
                           {"robertsmithson", "robertsmithson-2026", "username"}}) {
        auto added = rampart({"users", "add", username}, password + "\n");
        EXPECT_NE(added.status, 0) << password;
        EXPECT_TRUE(contains(added.errors, reason)) << added.errors;
        EXPECT_EQ(lines_of(added.errors).size(), 1u) << added.errors;
        EXPECT_FALSE(contains(added.errors, password)) << added.errors;
    }
    EXPECT_EQ(sql("SELECT count(*) FROM users"), "0\n");
    auto list = rampart({"users", "list"});
    EXPECT_FALSE(contains(list.output, "bob")) << list.output;
}

TEST_F(CliTest, DuplicateUsernameOrEmailIsRefused) {
    add_user("carol", {"--email", "carol@example.com"});
    auto same_name = rampart({"users", "add", "CAROL"}, good_password + "\n");
    EXPECT_NE(same_name.status, 0);
    EXPECT_TRUE(contains(same_name.errors, "already exists")) << same_name.errors;
    auto same_email =
        rampart({"users", "add", "carol2", "--email", "Carol@Example.com"}, good_password + "\n");
    EXPECT_NE(same_email.status, 0);
    EXPECT_TRUE(contains(same_email.errors, "already exists")) << same_email.errors;
    EXPECT_EQ(sql("SELECT count(*) FROM users"), "1\n");
}

TEST_F(CliTest, PasswordIsNeverTakenFromTheCommandLine) {
    for (const auto& arguments : std::vector<std::vector<std::string>>{
             {"users", "add", "dave", "--password", good_password},
             {"users", "add", "dave", good_password},
             {"users", "set-password", "dave", good_password}}) {
        auto refused = rampart(arguments, "");
        EXPECT_NE(refused.status, 0);
        EXPECT_FALSE(refused.errors.empty());
    }
    auto no_input = rampart({"users", "add", "dave"}, "");
    EXPECT_NE(no_input.status, 0);
    EXPECT_TRUE(contains(no_input.errors, "no password on standard input")) << no_input.errors;
    EXPECT_EQ(sql("SELECT count(*) FROM users"), "0\n");
}

TEST_F(CliTest, DisableEndsEverySessionAndEnableRestores) {
    add_user("erin");
    auto id = sql("SELECT id FROM users WHERE username = 'erin'");
    id.pop_back();

    auto disabled = rampart({"users", "disable", "erin"});
    ASSERT_EQ(disabled.status, 0) << disabled.errors;
    auto show = rampart({"users", "show", "erin"});
    EXPECT_TRUE(std::regex_search(show.output, std::regex("disabled: +yes"))) << show.output;
    // access_token_lifetime (10 min) + jwt leeway (60 s).
    EXPECT_EQ(
        sql("SELECT keep_until - not_before FROM subject_revocations WHERE subject = '" + id + "'"),
        "660\n");

    auto enabled = rampart({"users", "enable", "erin"});
    ASSERT_EQ(enabled.status, 0) << enabled.errors;
    show = rampart({"users", "show", "erin"});
    EXPECT_TRUE(std::regex_search(show.output, std::regex("disabled: +no"))) << show.output;

    auto unknown = rampart({"users", "disable", "nobody"});
    EXPECT_NE(unknown.status, 0);
    EXPECT_TRUE(contains(unknown.errors, "no user is named \"nobody\"")) << unknown.errors;
}

TEST_F(CliTest, SetRolesAndSetPassword) {
    add_user("frank", {"--roles", "reader"});
    auto set = rampart({"users", "set-roles", "frank", "writer, admin,writer"});
    ASSERT_EQ(set.status, 0) << set.errors;
    auto show = rampart({"users", "show", "frank"});
    EXPECT_TRUE(std::regex_search(show.output, std::regex("roles: +writer,admin\n")))
        << show.output;

    auto bad = rampart({"users", "set-roles", "frank", "ok,not ok!"});
    EXPECT_NE(bad.status, 0);
    EXPECT_TRUE(contains(bad.errors, "not valid")) << bad.errors;
    show = rampart({"users", "show", "frank"});
    EXPECT_TRUE(std::regex_search(show.output, std::regex("roles: +writer,admin\n")))
        << show.output;

    auto hash_before = sql("SELECT password_hash FROM users");
    auto weak = rampart({"users", "set-password", "frank"}, common_password + "\n");
    EXPECT_NE(weak.status, 0);
    EXPECT_EQ(sql("SELECT password_hash FROM users"), hash_before);

    auto changed = rampart({"users", "set-password", "frank"}, other_good_password + "\n");
    ASSERT_EQ(changed.status, 0) << changed.errors;
    auto hash_after = sql("SELECT password_hash FROM users");
    EXPECT_NE(hash_after, hash_before);
    EXPECT_TRUE(hash_after.starts_with("$argon2id$")) << hash_after;
    EXPECT_FALSE(contains(dump(), other_good_password));
    EXPECT_EQ(sql("SELECT count(*) FROM subject_revocations"), "1\n");
}

TEST_F(CliTest, ApiKeyIsShownOnceAndStoredAsAHash) {
    auto created = rampart({"apikeys", "create", "--consumer", "billing", "--scopes",
                            "orders:read,orders:write", "--expires-in", "30d"});
    ASSERT_EQ(created.status, 0) << created.errors;
    auto key = single_secret(created, api_key_pattern);
    EXPECT_TRUE(contains(created.errors, "shown only this once")) << created.errors;
    auto id = key.substr(3, 12);
    auto secret = key.substr(16);

    auto list = rampart({"apikeys", "list"});
    ASSERT_EQ(list.status, 0) << list.errors;
    EXPECT_FALSE(contains(list.output, secret)) << list.output;
    auto row = columns_of(row_of(list.output, id));
    ASSERT_EQ(row.size(), 8u) << list.output;
    EXPECT_EQ(row[1], "rk_" + id);
    EXPECT_EQ(row[2], "billing");
    EXPECT_EQ(row[3], "orders:read,orders:write");
    EXPECT_NE(row[6], "-");  // expires
    EXPECT_EQ(row[7], "-");  // not revoked

    auto stored = dump();
    EXPECT_FALSE(contains(stored, secret));
    EXPECT_TRUE(contains(stored, rampart::auth::sha256_hex(secret)));

    auto revoked = rampart({"apikeys", "revoke", id});
    ASSERT_EQ(revoked.status, 0) << revoked.errors;
    row = columns_of(row_of(rampart({"apikeys", "list"}).output, id));
    ASSERT_EQ(row.size(), 8u);
    EXPECT_NE(row[7], "-");

    auto rotate_revoked = rampart({"apikeys", "rotate", id});
    EXPECT_NE(rotate_revoked.status, 0);
    EXPECT_TRUE(contains(rotate_revoked.errors, "is revoked")) << rotate_revoked.errors;
    EXPECT_EQ(sql("SELECT count(*) FROM api_keys"), "1\n");
}

TEST_F(CliTest, RotatedApiKeyReplacesTheOldOneAfterTheOverlap) {
    auto created = rampart({"apikeys", "create", "--consumer", "shop", "--roles", "buyer"});
    ASSERT_EQ(created.status, 0) << created.errors;
    auto old_id = single_secret(created, api_key_pattern).substr(3, 12);
    EXPECT_EQ(sql("SELECT expires_at IS NULL FROM api_keys"), "1\n");

    auto rotated = rampart({"apikeys", "rotate", old_id});
    ASSERT_EQ(rotated.status, 0) << rotated.errors;
    auto new_key = single_secret(rotated, api_key_pattern);
    auto new_id = new_key.substr(3, 12);
    EXPECT_NE(new_id, old_id);
    EXPECT_FALSE(contains(dump(), new_key.substr(16)));

    // The old key lives on for api_keys.rotation_overlap (24 h by default), the new one has no
    // expiry like the old one had, and keeps its consumer and roles.
    auto overlap =
        sql("SELECT expires_at - strftime('%s','now') FROM api_keys WHERE id = '" + old_id + "'");
    ASSERT_FALSE(overlap.empty());
    EXPECT_NEAR(std::stol(overlap), 24 * 3600, 5) << overlap;
    EXPECT_EQ(
        sql("SELECT consumer, roles, expires_at IS NULL FROM api_keys WHERE id = '" + new_id + "'"),
        sql("SELECT consumer, roles, 1 FROM api_keys WHERE id = '" + old_id + "'"));
    auto list = rampart({"apikeys", "list"});
    EXPECT_NE(columns_of(row_of(list.output, old_id))[6], "-") << list.output;
    EXPECT_EQ(columns_of(row_of(list.output, new_id))[6], "-") << list.output;
}

TEST_F(CliTest, ClientSecretIsShownOnceAndStoredAsAHash) {
    auto added =
        rampart({"clients", "add", "billing-service", "--grants",
                 "client_credentials,refresh_token", "--scopes", "orders:read", "--introspect"});
    ASSERT_EQ(added.status, 0) << added.errors;
    auto secret = single_secret(added, client_secret_pattern);
    auto stored = dump();
    EXPECT_FALSE(contains(stored, secret));
    EXPECT_TRUE(contains(stored, rampart::auth::sha256_hex(secret)));

    auto list = rampart({"clients", "list"});
    ASSERT_EQ(list.status, 0) << list.errors;
    auto row = columns_of(row_of(list.output, "billing-service"));
    ASSERT_EQ(row.size(), 9u) << list.output;
    EXPECT_EQ(row[2], "confidential");
    EXPECT_EQ(row[3], "client_credentials,refresh_token");
    EXPECT_EQ(row[4], "orders:read");
    EXPECT_EQ(row[6], "yes");
    EXPECT_FALSE(contains(list.output, rampart::auth::sha256_hex(secret)));

    auto rotated = rampart({"clients", "rotate-secret", "billing-service"});
    ASSERT_EQ(rotated.status, 0) << rotated.errors;
    auto new_secret = single_secret(rotated, client_secret_pattern);
    EXPECT_NE(new_secret, secret);
    EXPECT_TRUE(contains(dump(), rampart::auth::sha256_hex(new_secret)));
    EXPECT_FALSE(contains(dump(), rampart::auth::sha256_hex(secret)));

    auto removed = rampart({"clients", "remove", "billing-service"});
    ASSERT_EQ(removed.status, 0) << removed.errors;
    EXPECT_EQ(row_of(rampart({"clients", "list"}).output, "billing-service"), "");
}

TEST_F(CliTest, BadClientIdsAndGrantsAreRefused) {
    for (const auto& arguments :
         std::vector<std::vector<std::string>>{{"clients", "add", "rampart-login"},
                                               {"clients", "add", "bad id"},
                                               {"clients", "add", "caf\xc3\xa9"},
                                               {"clients", "add", std::string(129, 'a')},
                                               {"clients", "add", "app", "--grants", "implicit"},
                                               {"clients", "add", "app", "--grants", ""},
                                               {"clients", "remove", "rampart-login"},
                                               {"clients", "remove", "missing"},
                                               {"clients", "rotate-secret", "missing"}}) {
        auto refused = rampart(arguments);
        EXPECT_NE(refused.status, 0) << arguments[2];
        EXPECT_EQ(lines_of(refused.errors).size(), 1u) << refused.errors;
        EXPECT_TRUE(refused.output.empty()) << refused.output;
    }
    EXPECT_EQ(sql("SELECT count(*) FROM oauth_clients"), "0\n");

    ASSERT_EQ(rampart({"clients", "add", std::string(128, 'a')}).status, 0);
    auto duplicate = rampart({"clients", "add", std::string(128, 'a')});
    EXPECT_NE(duplicate.status, 0);
    EXPECT_TRUE(contains(duplicate.errors, "already exists")) << duplicate.errors;

    // PWD-12: the password grant is allowed per client (the service must enable it too).
    auto password_client = rampart({"clients", "add", "app", "--grants", "password,refresh_token"});
    ASSERT_EQ(password_client.status, 0) << password_client.errors;
    EXPECT_TRUE(contains(row_of(rampart({"clients", "list"}).output, "app"), "password"));
}

TEST_F(CliTest, KeyRotationPublishesANewKeyAndRetiresTheOld) {
    auto config = token_service_config();
    auto first = rampart({"keys", "rotate", "--config", config});
    ASSERT_EQ(first.status, 0) << first.errors;
    auto list = rampart({"keys", "list", "--config", config});
    ASSERT_EQ(list.status, 0) << list.errors;
    auto rows = lines_of(list.output);
    ASSERT_EQ(rows.size(), 2u) << list.output;
    auto old_key = columns_of(rows[1]);
    ASSERT_EQ(old_key.size(), 7u) << list.output;
    EXPECT_EQ(old_key[1], "ES256");
    EXPECT_EQ(old_key[2], "active");
    EXPECT_EQ(old_key[5], "-");  // not retiring
    EXPECT_TRUE(contains(first.output, old_key[0])) << first.output;

    auto rotated = rampart({"keys", "rotate", "--config", config});
    ASSERT_EQ(rotated.status, 0) << rotated.errors;
    list = rampart({"keys", "list", "--config", config});
    auto retiring = columns_of(row_of(list.output, old_key[0]));
    ASSERT_EQ(retiring.size(), 7u) << list.output;
    EXPECT_EQ(retiring[2], "active");
    EXPECT_NE(retiring[5], "-");  // retire_at
    EXPECT_NE(retiring[6], "-");  // remove_at
    std::string new_kid;
    for (const auto& row : lines_of(list.output)) {
        auto columns = columns_of(row);
        if (columns.size() == 7 && columns[0] != "KID" && columns[0] != old_key[0]) {
            new_kid = columns[0];
            EXPECT_EQ(columns[2], "published");
            EXPECT_EQ(columns[4], retiring[5]);  // it signs when the old key retires
        }
    }
    ASSERT_FALSE(new_kid.empty()) << list.output;
    EXPECT_TRUE(contains(rotated.output, new_kid)) << rotated.output;
    EXPECT_FALSE(contains(list.output, "\"d\"")) << list.output;  // no private JWK member

    auto again = rampart({"keys", "rotate", "--config", config});
    EXPECT_NE(again.status, 0);
    EXPECT_TRUE(contains(again.errors, "rotation is under way")) << again.errors;
    EXPECT_EQ(sql("SELECT count(*) FROM signing_keys"), "2\n");
}

TEST_F(CliTest, KeyRotationNeedsTheTokenServiceAndItsMasterKey) {
    ASSERT_EQ(rampart({"keys", "rotate", "--config", token_service_config()}).status, 0);
    auto disabled = rampart({"keys", "rotate", "--config", token_service_config(false)});
    EXPECT_NE(disabled.status, 0);
    EXPECT_TRUE(contains(disabled.errors, "token service is not enabled")) << disabled.errors;
    EXPECT_EQ(sql("SELECT count(*) FROM signing_keys"), "1\n");

    auto config = token_service_config();
    // Without the master key the store's keys are sealed with, nothing is created or replaced.
    auto master_key_file = data_directory + "/master.key";
    std::filesystem::remove(master_key_file);
    auto missing_key = rampart({"keys", "rotate", "--config", config});
    EXPECT_NE(missing_key.status, 0);
    EXPECT_TRUE(contains(missing_key.errors, "no master key was found")) << missing_key.errors;
    EXPECT_FALSE(std::filesystem::exists(master_key_file));

    directory.write("data/master.key", rampart::auth::random_token(32) + "\n");
    auto wrong_key = rampart({"keys", "rotate", "--config", config});
    EXPECT_NE(wrong_key.status, 0);
    EXPECT_TRUE(contains(wrong_key.errors, "the master key is not the one")) << wrong_key.errors;
    EXPECT_EQ(sql("SELECT count(*) FROM signing_keys"), "1\n");
}

TEST_F(CliTest, BadArgumentsAreRefusedWithAMessage) {
    for (const auto& arguments : std::vector<std::vector<std::string>>{
             {"users"},
             {"users", "add"},
             {"users", "show", "nobody"},
             {"users", "add", "-bad"},
             {"users", "add", "white space"},
             {"users", "add", "gina", "--email", "not-an-address"},
             {"users", "add", "gina", "--roles", "a,,b"},
             {"users", "list", "--config", "/nonexistent/rampart.yaml"},
             {"apikeys", "create"},
             {"apikeys", "create", "--consumer", "x", "--expires-in", "forever"},
             {"apikeys", "create", "--consumer", "x", "--expires-in", "10s"},
             {"apikeys", "create", "--consumer", "bad consumer"},
             {"apikeys", "revoke", "nope"},
             {"apikeys", "revoke", "abcdefghijkl"},
             {"apikeys", "rotate", "abcdefghijkl"},
             {"keys", "shuffle"}}) {
        auto refused = rampart(arguments, good_password + "\n");
        std::string command;
        for (const auto& argument : arguments) {
            command += argument + " ";
        }
        EXPECT_NE(refused.status, 0) << command;
        EXPECT_FALSE(refused.errors.empty()) << command;
        EXPECT_TRUE(refused.output.empty()) << command << ": " << refused.output;
    }
    EXPECT_EQ(sql("SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM api_keys)"), "0\n");
}

}  // namespace
