#include "validate/waf_engine.hpp"

#include <modsecurity/intervention.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rule_message.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>

namespace rampart::validate {

namespace {

// Rule ids of Rampart's own rules (1-99999 is the range ModSecurity leaves to local rules).
constexpr std::int64_t unreadable_body_rule = 10002;
constexpr std::int64_t unreadable_multipart_rule = 10003;
constexpr std::int64_t crs_blocking_rule = 949110;

// What every engine runs before the Core Rule Set. The body limits are Rampart's own
// (limits.max_body_bytes and the route's), checked before the filter sees a body, so
// ModSecurity's are set past any body that can reach it.
std::string preamble(const WafSettings& settings) {
    auto paranoia = std::to_string(settings.paranoia);
    return std::string("SecRuleEngine ") +
           (settings.mode == WafMode::block ? "On" : "DetectionOnly") +
           "\n"
           "SecRequestBodyAccess On\n"
           "SecRequestBodyLimit 1073741824\n"
           "SecRequestBodyNoFilesLimit 1073741824\n"
           "SecRequestBodyLimitAction Reject\n"
           "SecResponseBodyAccess Off\n"
           "SecAuditEngine Off\n"
           "SecDefaultAction \"phase:1,log,auditlog,pass\"\n"
           "SecDefaultAction \"phase:2,log,auditlog,pass\"\n"
           // JSON bodies are parsed as JSON (members become ARGS named json.a.b), whatever the
           // +json suffix.
           "SecRule REQUEST_HEADERS:Content-Type \"@rx (?i)^application/(?:[a-z0-9.+-]+\\+)?json\" "
           "\"id:10000,phase:1,t:none,pass,nolog,ctl:requestBodyProcessor=JSON\"\n"
           // What the CRS reads from crs-setup.conf; without it REQUEST-901 refuses everything.
           "SecAction \"id:10001,phase:1,pass,t:none,nolog,setvar:tx.crs_setup_version=334,"
           "setvar:tx.paranoia_level=" +
           paranoia + ",setvar:tx.executing_paranoia_level=" + paranoia +
           ",setvar:tx.inbound_anomaly_score_threshold=" +
           std::to_string(settings.anomaly_threshold) +
           ",setvar:tx.outbound_anomaly_score_threshold=4\"\n"
           // An API's methods and JSON media types: the route table already decides which
           // methods a path takes, and the validation stage which content types it accepts.
           "SecAction \"id:10004,phase:1,pass,t:none,nolog,"
           "setvar:'tx.allowed_methods=GET HEAD POST OPTIONS PUT PATCH DELETE',"
           "setvar:'tx.allowed_request_content_type=|application/x-www-form-urlencoded| "
           "|multipart/form-data| |multipart/related| |application/json| "
           "|application/merge-patch+json| |application/json-patch+json| "
           "|application/problem+json| |application/vnd.api+json| |application/ld+json| "
           "|application/cloudevents+json| |application/cloudevents-batch+json| "
           "|application/octet-stream| |text/plain|'\"\n"
           // A body the filter cannot read cannot be inspected: refused, not waved through.
           "SecRule REQBODY_ERROR \"!@eq 0\" \"id:10002,phase:2,t:none,log,deny,status:400,"
           "msg:'The request body could not be parsed by its declared type'\"\n"
           "SecRule MULTIPART_STRICT_ERROR \"!@eq 0\" \"id:10003,phase:2,t:none,log,deny,"
           "status:400,msg:'The multipart body failed strict validation'\"\n"
           // The CRS 3.3 looks for MongoDB operators only in PHP-style names (a[$ne]=1); a JSON
           // API receives them as member names ({"a":{"$ne":1}}).
           "SecRule ARGS_NAMES \"@rx (?:^|[.\\[])\\$(?:ne|eq|gte?|lte?|n?in|regex|where|exists|"
           "expr|or|and|not|nor|elemMatch|function|accumulator)\\]?$\" "
           "\"id:10010,phase:2,block,t:none,msg:'NoSQL query operator in a parameter name',"
           "tag:'attack-injection-nosql',severity:'CRITICAL',"
           "setvar:'tx.anomaly_score_pl1=+%{tx.critical_anomaly_score}'\"\n"
           // Log4Shell-style lookups, in any header, parameter or the body (CRS 3.3.4 as
           // packaged has no rule for them).
           "SecRule REQUEST_HEADERS|ARGS|ARGS_NAMES|REQUEST_URI|REQUEST_BODY "
           "\"@rx (?i)\\$\\{(?:[^}]{0,15}\\$\\{|jndi|ctx)\" "
           "\"id:10011,phase:2,block,t:none,t:urlDecodeUni,"
           "msg:'JNDI or nested lookup expression',tag:'attack-rce',severity:'CRITICAL',"
           "setvar:'tx.anomaly_score_pl1=+%{tx.critical_anomaly_score}'\"\n"
           // At paranoia 1 the CRS reads only User-Agent, Referer and cookies among the
           // headers; an API's backend may read any header, so SQL and script injection are
           // looked for in every other one too (credentials excepted: they are opaque).
           "SecRule REQUEST_HEADERS|!REQUEST_HEADERS:Authorization|!REQUEST_HEADERS:Cookie|"
           "!REQUEST_HEADERS:User-Agent|!REQUEST_HEADERS:Referer|!REQUEST_HEADERS:X-Api-Key "
           "\"@detectSQLi\" \"id:10012,phase:2,block,t:none,t:urlDecodeUni,"
           "msg:'SQL injection in a request header',tag:'attack-sqli',severity:'CRITICAL',"
           "setvar:'tx.anomaly_score_pl1=+%{tx.critical_anomaly_score}'\"\n"
           "SecRule REQUEST_HEADERS|!REQUEST_HEADERS:Authorization|!REQUEST_HEADERS:Cookie|"
           "!REQUEST_HEADERS:User-Agent|!REQUEST_HEADERS:Referer|!REQUEST_HEADERS:X-Api-Key "
           "\"@detectXSS\" \"id:10013,phase:2,block,t:none,t:urlDecodeUni,t:htmlEntityDecode,"
           "msg:'Script injection in a request header',tag:'attack-xss',severity:'CRITICAL',"
           "setvar:'tx.anomaly_score_pl1=+%{tx.critical_anomaly_score}'\"\n";
}

// The request rules of the CRS that apply to an API: not the application-specific exclusion
// packages (903.*), IP reputation (910, GeoIP) or the DoS rules (912: Rampart limits rates
// itself); the RESPONSE-* files are not loaded, since responses are not inspected.
std::vector<std::filesystem::path> core_rule_set_files() {
    std::vector<std::filesystem::path> files;
    std::error_code error;
    for (const auto& entry :
         std::filesystem::directory_iterator(std::string(core_rule_set_directory), error)) {
        auto name = entry.path().filename().string();
        if (!name.starts_with("REQUEST-") || !name.ends_with(".conf") ||
            name.starts_with("REQUEST-903.") || name.starts_with("REQUEST-910-") ||
            name.starts_with("REQUEST-912-")) {
            continue;
        }
        files.push_back(entry.path());
    }
    if (error || files.empty()) {
        throw std::runtime_error("the OWASP Core Rule Set is not installed (no request rules in " +
                                 std::string(core_rule_set_directory) +
                                 "; install the Debian package modsecurity-crs)");
    }
    std::sort(files.begin(), files.end());
    return files;
}

// ModSecurity formats a text line for every match unless told otherwise; Rampart reads the
// rule ids from the transaction and never logs matched data.
void discard_server_log(void*, const void*) {}

std::shared_ptr<modsecurity::ModSecurity> shared_modsecurity() {
    static auto instance = [] {
        auto created = std::make_shared<modsecurity::ModSecurity>();
        created->setConnectorInformation("rampart");
        created->setServerLogCb(discard_server_log, modsecurity::RuleMessageLogProperty);
        return created;
    }();
    return instance;
}

// ModSecurity's rule parser keeps global state: one load at a time, process-wide.
std::mutex& load_mutex() {
    static std::mutex mutex;
    return mutex;
}

}  // namespace

struct WafEngine::Rules {
    std::shared_ptr<modsecurity::ModSecurity> modsecurity = shared_modsecurity();
    // Read-only once loaded; ModSecurity's Transaction takes a non-const pointer.
    mutable modsecurity::RulesSet rules;
};

WafEngine::WafEngine(const WafSettings& settings)
    : settings_(settings), rules_(std::make_unique<Rules>()) {
    auto& rules = rules_->rules;
    if (rules.load(preamble(settings).c_str()) < 0) {
        throw std::runtime_error("the filter's own rules did not load: " + rules.getParserError());
    }
    for (const auto& file : core_rule_set_files()) {
        if (rules.loadFromUri(file.c_str()) < 0) {
            throw std::runtime_error("the Core Rule Set file " + file.string() +
                                     " did not load: " + rules.getParserError());
        }
    }
    if (!settings.exclusions.empty()) {
        std::string removal = "SecRuleRemoveById";
        for (auto id : settings.exclusions) {
            removal += " " + std::to_string(id);
        }
        if (rules.load(removal.c_str()) < 0) {
            throw std::runtime_error("the exclusions did not apply: " + rules.getParserError());
        }
    }
}

WafEngine::~WafEngine() = default;

std::shared_ptr<const WafEngine> WafEngine::shared_for(const WafSettings& settings) {
    std::lock_guard lock(load_mutex());
    // Engines outlive a reload only while some snapshot's route holds them.
    static std::vector<std::weak_ptr<const WafEngine>> engines;
    std::erase_if(engines, [](const auto& engine) { return engine.expired(); });
    for (const auto& weak : engines) {
        if (auto engine = weak.lock(); engine && engine->settings() == settings) {
            return engine;
        }
    }
    std::shared_ptr<const WafEngine> engine(new WafEngine(settings));
    engines.push_back(engine);
    return engine;
}

WafVerdict WafEngine::inspect(const WafRequest& request) const {
    modsecurity::Transaction transaction(rules_->modsecurity.get(), &rules_->rules, nullptr);
    std::string client(request.client_address);
    transaction.processConnection(client.c_str(), 0, "0.0.0.0", 0);
    std::string target(request.target);
    std::string method(request.method);
    transaction.processURI(target.c_str(), method.c_str(), "1.1");
    if (request.headers != nullptr) {
        for (const auto& field : *request.headers) {
            auto name = field.name_string();
            auto value = field.value();
            transaction.addRequestHeader(
                reinterpret_cast<const unsigned char*>(name.data()), name.size(),
                reinterpret_cast<const unsigned char*>(value.data()), value.size());
        }
    }
    transaction.processRequestHeaders();
    if (!request.body.empty()) {
        transaction.appendRequestBody(reinterpret_cast<const unsigned char*>(request.body.data()),
                                      request.body.size());
    }
    transaction.processRequestBody();

    modsecurity::ModSecurityIntervention intervention;
    modsecurity::intervention::clean(&intervention);
    bool disrupted = transaction.intervention(&intervention);
    int status = intervention.status;
    modsecurity::intervention::free(&intervention);

    WafVerdict verdict;
    bool refusing_rule = false;
    for (const auto& message : transaction.m_rulesMessages) {
        verdict.rule_ids += verdict.rule_ids.empty() ? "" : " ";
        verdict.rule_ids += std::to_string(message.m_ruleId);
        refusing_rule = refusing_rule || message.m_ruleId == crs_blocking_rule ||
                        message.m_ruleId == unreadable_body_rule ||
                        message.m_ruleId == unreadable_multipart_rule;
    }
    if (disrupted) {
        verdict.outcome = status == 400 ? WafOutcome::unreadable : WafOutcome::refused;
    } else if (!verdict.rule_ids.empty()) {
        verdict.outcome = WafOutcome::matched;
        verdict.would_refuse = settings_.mode == WafMode::detect && refusing_rule;
    }
    return verdict;
}

}  // namespace rampart::validate
