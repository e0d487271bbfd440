// The rampart command line: serve, check, version, import-openapi, and the administrative
// commands (src/cli/) that work on the store directly: users, apikeys, clients, keys; `bans`,
// which works through the running server's admin API; and
// `policy test`, which judges requests against the configuration without a server.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <sys/stat.h>

#include "cli/api_keys_command.hpp"
#include "cli/bans_command.hpp"
#include "cli/cli_support.hpp"
#include "cli/clients_command.hpp"
#include "cli/import_openapi_command.hpp"
#include "cli/keys_command.hpp"
#include "cli/policy_command.hpp"
#include "cli/users_command.hpp"
#include "config/loader.hpp"
#include "config/snapshot.hpp"
#include "limit/limit_definition.hpp"
#include "limit/redis_ban_list.hpp"
#include "limit/redis_store.hpp"
#include "limit/redis_token_uses.hpp"
#include "limit/token_use_tracker.hpp"
#include "net/server.hpp"
#include "observe/metrics.hpp"
#include "util/request_id.hpp"

namespace {

using namespace rampart;

void create_private_directory(const std::filesystem::path& directory) {
    std::filesystem::create_directories(directory);
    ::chmod(directory.c_str(), 0700);
}

// The admin token: from the configuration, or generated once into the data
// directory (mode 0600) and shown once, on the run that created it.
std::string resolve_admin_token(const config::Settings& settings) {
    if (!settings.admin.token.empty()) {
        return settings.admin.token;
    }
    auto path = std::filesystem::path(settings.data_directory) / "admin-token";
    if (std::ifstream in(path); in) {
        std::string token;
        std::getline(in, token);
        if (token.size() >= 32) {
            return token;
        }
    }
    create_private_directory(settings.data_directory);
    auto token = util::new_request_id() + util::new_request_id();
    auto temporary = path.string() + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        ::chmod(temporary.c_str(), 0600);
        out << token << "\n";
    }
    std::filesystem::rename(temporary, path);
    std::cout << "rampart: generated the admin token into " << path.string()
              << " (mode 0600); it is shown only this once:\n  " << token << "\n";
    return token;
}

void print_load_notes(const config::Settings& settings) {
    for (const auto& note : settings.load_notes) {
        std::cout << "rampart: note: " << note << "\n";
    }
}

void print_listeners(const config::Settings& settings) {
    for (const auto& listener : settings.listeners) {
        std::cout << "rampart: " << (listener.tls ? "https" : "http (redirect only)") << " on "
                  << listener.address << ":" << listener.port << "\n";
    }
    if (settings.admin.enabled) {
        std::cout << "rampart: admin on http://" << settings.admin.address << ":"
                  << settings.admin.port << " (/healthz /readyz /metrics /admin/reload)\n";
    }
}

// In process, or shared through Redis. Redis keys digests with the shared
// secret: set before the stages are built, as they make digests then.
std::unique_ptr<limit::RateLimitStore> make_rate_limit_store(const config::Settings& settings) {
    auto process = limit::read_process_rate_limits(*settings.global_stage_section);
    limit::InProcessStoreOptions options{.max_keys = process.max_keys};
    if (!process.redis) {
        return std::make_unique<limit::InProcessStore>(options);
    }
    limit::use_shared_key_secret(process.redis->key_secret);
    return std::make_unique<limit::RedisStore>(*process.redis, settings.workers, options);
}

// In process, or shared through the rate limits' Redis (shared mode).
std::unique_ptr<limit::BanList> make_ban_list(const config::Settings& settings) {
    const auto& ban_settings = settings.abuse.bans;
    limit::BanListOptions options{.max_entries = ban_settings.max_entries,
                                  .default_ttl = ban_settings.default_ttl,
                                  .max_ttl = ban_settings.max_ttl,
                                  .report_interval = ban_settings.report_interval};
    auto process = limit::read_process_rate_limits(*settings.global_stage_section);
    if (process.redis) {
        return std::make_unique<limit::RedisBanList>(options, *process.redis);
    }
    return std::make_unique<limit::InProcessBanList>(options);
}

int serve(const std::string& config_file) {
    auto settings = cli::load_settings(config_file);
    create_private_directory(settings.data_directory);
    net::ServerOptions options{config_file, resolve_admin_token(settings)};
    auto metrics = std::make_unique<observe::Metrics>(settings.workers);
    auto auth = std::make_unique<auth::AuthRuntime>(settings);
    auto rate_limits = make_rate_limit_store(settings);
    auto bans = make_ban_list(settings);
    auth->attach_ban_list(bans.get());
    auto token_uses =
        std::make_unique<limit::TokenUseTracker>(settings.abuse.token_misuse.max_tracked);
    if (auto process = limit::read_process_rate_limits(*settings.global_stage_section);
        process.redis && settings.abuse.token_misuse.max_addresses > 0) {
        token_uses->share_through(std::make_unique<limit::RedisTokenUses>(*process.redis));
    }
    pipeline::StageServices services{auth.get(), settings.workers, rate_limits.get(), bans.get(),
                                     token_uses.get()};
    auto snapshot = config::Snapshot::build(std::move(settings), *metrics, 1, services);
    net::Server server(snapshot, options, std::move(metrics), std::move(auth),
                       std::move(rate_limits), std::move(bans), std::move(token_uses));
    print_load_notes(snapshot->settings());
    print_listeners(snapshot->settings());
    std::cout << "rampart: " << snapshot->routes().size() << " routes, "
              << snapshot->settings().workers << " workers; ready" << std::endl;
    return server.run();
}

int check(const std::string& config_file) {
    auto settings = cli::load_settings(config_file);
    observe::Metrics metrics(1);
    // Compiled without runtime services: nothing is opened or served.
    auto snapshot =
        config::Snapshot::build(std::move(settings), metrics, 1, pipeline::StageServices{});
    std::cout << "configuration OK: " << (config_file.empty() ? "(embedded default)" : config_file)
              << "\n";
    print_load_notes(snapshot->settings());
    print_listeners(snapshot->settings());
    std::cout << "routes:\n";
    for (const auto& route : snapshot->routes()) {
        std::ostringstream methods;
        for (const auto& method : route.settings->methods) {
            methods << (methods.tellp() > 0 ? "," : "") << method;
        }
        std::cout << "  " << methods.str() << " " << route.settings->path;
        if (route.settings->host) {
            std::cout << " (host " << *route.settings->host << ")";
        }
        std::cout << " -> "
                  << (route.settings->handler.empty() ? route.settings->upstream
                                                      : "(" + route.settings->handler + ")")
                  << "  [" << route.name << "; stages:";
        for (const auto& stage : route.chain.stages()) {
            std::cout << " " << stage->name();
        }
        std::cout << "; body limit " << route.body_limit << " B]\n";
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Rampart: a security gateway for HTTP/JSON APIs"};
    app.require_subcommand(0, 1);
    cli::CommandLine command_line;
    auto& config_file = command_line.config_file;
    auto* serve_command =
        app.add_subcommand("serve", "Run the gateway (the default without a subcommand)");
    serve_command
        ->add_option("-c,--config", config_file, "Configuration file (default: the embedded demo)")
        ->check(CLI::ExistingFile);
    auto* check_command =
        app.add_subcommand("check", "Validate a configuration and print its routes");
    check_command->add_option("-c,--config", config_file, "Configuration file")
        ->required()
        ->check(CLI::ExistingFile);
    auto* version_command = app.add_subcommand("version", "Print the version");
    cli::add_users_command(app, command_line);
    cli::add_api_keys_command(app, command_line);
    cli::add_clients_command(app, command_line);
    cli::add_keys_command(app, command_line);
    cli::add_bans_command(app, command_line);
    cli::add_policy_command(app, command_line);
    cli::add_import_openapi_command(app, command_line);
    CLI11_PARSE(app, argc, argv);

    try {
        if (command_line.action) {
            return command_line.action();
        }
        if (*version_command) {
            std::cout << "rampart " RAMPART_VERSION "\n";
            return 0;
        }
        if (*check_command) {
            return check(config_file);
        }
        return serve(config_file);
    } catch (const config::ConfigError& error) {
        std::cerr << "rampart: configuration error: " << error.what() << "\n";
        return 2;
    } catch (const std::exception& error) {
        std::cerr << "rampart: " << error.what() << "\n";
        return 1;
    }
}
