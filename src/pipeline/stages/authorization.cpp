#include "pipeline/stages/authorization.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "observe/security_events.hpp"
#include "pipeline/problem.hpp"
#include "pipeline/rule_context.hpp"
#include "policy/rule.hpp"

namespace rampart::pipeline {

namespace {

constexpr std::string_view denial_event = "authorization_denied";
constexpr std::string_view shadow_denial_event = "authorization_shadow_denied";

std::string join(const std::vector<std::string>& names) {
    std::string text;
    for (const auto& name : names) {
        text += (text.empty() ? "" : " ") + name;
    }
    return text;
}

// A permission the route requires, with every role that grants it: checking
// an identity is then a hash lookup per role it holds.
struct RequiredPermission {
    std::string name;
    std::unordered_set<std::string> granting_roles;
};

RequiredPermission compile_permission(const std::string& permission,
                                      const config::RolePermissions& roles) {
    RequiredPermission required{permission, {}};
    for (const auto& [role, patterns] : roles) {
        if (std::any_of(patterns.begin(), patterns.end(), [&](const std::string& pattern) {
                return config::pattern_grants(pattern, permission);
            })) {
            required.granting_roles.insert(role);
        }
    }
    return required;
}

bool holds_any(const std::vector<std::string>& held,
               const std::unordered_set<std::string>& wanted) {
    return std::any_of(held.begin(), held.end(),
                       [&](const std::string& name) { return wanted.contains(name); });
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

// One requirement compiled: what `require` (or its `shadow`) lists.
class CompiledRequirement {
  public:
    CompiledRequirement(const config::RouteRequirement& requirement,
                        const config::RolePermissions& roles) {
        required_roles_.insert(requirement.roles.begin(), requirement.roles.end());
        required_roles_text_ = join(requirement.roles);
        for (const auto& permission : requirement.permissions) {
            required_permissions_.push_back(compile_permission(permission, roles));
        }
        required_scopes_ = requirement.scopes;
        policy_rule_ = requirement.rule;
    }

    // What fails for this identity, the first failing kind only; nothing
    // when it passes. Allocates only then.
    std::optional<AuthorizationDenial> check(const Exchange& exchange) const {
        const auto& identity = *exchange.identity;
        if (!required_roles_.empty() && !holds_any(identity.roles, required_roles_)) {
            return AuthorizationDenial{"missing_role", required_roles_text_};
        }
        for (const auto& permission : required_permissions_) {
            if (!holds_any(identity.roles, permission.granting_roles)) {
                return AuthorizationDenial{"missing_permission", missing_permissions(identity)};
            }
        }
        for (const auto& scope : required_scopes_) {
            if (!contains(identity.scopes, scope)) {
                return AuthorizationDenial{"missing_scope", missing_scopes(identity)};
            }
        }
        if (policy_rule_ && !policy_rule_->allows(RuleContext(exchange))) {
            return AuthorizationDenial{"rule_denied", std::string(policy_rule_->text())};
        }
        return std::nullopt;
    }

  private:
    std::string missing_permissions(const Identity& identity) const {
        std::vector<std::string> missing;
        for (const auto& permission : required_permissions_) {
            if (!holds_any(identity.roles, permission.granting_roles)) {
                missing.push_back(permission.name);
            }
        }
        return join(missing);
    }

    std::string missing_scopes(const Identity& identity) const {
        std::vector<std::string> missing;
        for (const auto& scope : required_scopes_) {
            if (!contains(identity.scopes, scope)) {
                missing.push_back(scope);
            }
        }
        return join(missing);
    }

    std::unordered_set<std::string> required_roles_;  // any one of them
    std::string required_roles_text_;
    std::vector<RequiredPermission> required_permissions_;     // every one
    std::vector<std::string> required_scopes_;                 // every one
    std::shared_ptr<const policy::CompiledRule> policy_rule_;  // must be true too; may be null
};

class AuthorizationStage final : public Stage {
  public:
    AuthorizationStage(std::string route_name, const config::RouteAuthorization& authorization,
                       const config::RolePermissions& roles)
        : route_name_(std::move(route_name)),
          rule_(authorization.rule),
          enforced_(authorization.requirement, roles),
          shadow_rule_(authorization.shadow_rule) {
        if (authorization.shadow) {
            shadow_.emplace(*authorization.shadow, roles);
        }
        // RFC 6750 §3.1: the scope attribute names what the resource needs.
        insufficient_scope_challenge_ =
            "Bearer realm=\"rampart\", error=\"insufficient_scope\", scope=\"" +
            join(authorization.requirement.scopes) + "\"";
    }

    std::string_view name() const override { return "authorization"; }

    Verdict on_request_head(Exchange& exchange) const override {
        if (auto denial = evaluate(exchange)) {
            return deny(exchange, *denial);
        }
        // A rule being rolled out: what it would have refused is logged,
        // nothing is enforced.
        if (shadow_) {
            if (auto denial = shadow_->check(exchange)) {
                report(exchange, shadow_denial_event, *denial, shadow_rule_);
            }
        }
        return Verdict::proceed;
    }

    // The first enforced requirement the request fails, or nothing when it passes.
    std::optional<AuthorizationDenial> evaluate(const Exchange& exchange) const {
        // Authentication runs first and sets the identity or answers 401;
        // without one something is wrong, and that fails closed (AUTHZ-07).
        if (!exchange.identity) {
            return AuthorizationDenial{"no_identity", {}};
        }
        return enforced_.check(exchange);
    }

  private:
    // The client learns only that it may not; the log says which rule and
    // what was missing.
    Verdict deny(Exchange& exchange, const AuthorizationDenial& denial) const {
        set_problem(exchange, http::status::forbidden, "This request is not allowed.");
        bool bearer =
            exchange.identity && exchange.identity->credential == CredentialKind::access_token;
        // Only when a scope is all that is missing: a new token with more
        // scope would help, which is what the challenge tells the client.
        if (bearer && denial.reason == "missing_scope") {
            exchange.response.set(http::field::www_authenticate, insufficient_scope_challenge_);
        }
        report(exchange, denial_event, denial, rule_);
        return Verdict::respond;
    }

    // Names only: of the route, the rule, the roles, permissions or scopes
    // and the subject; never anything of the credential itself.
    void report(Exchange& exchange, std::string_view event, const AuthorizationDenial& denial,
                std::string_view rule) const {
        if (exchange.security_events == nullptr) {
            return;
        }
        std::string_view subject;
        if (exchange.identity) {
            subject = exchange.identity->subject;
        }
        exchange.security_events->emit(event, &exchange,
                                       {{"route", route_name_},
                                        {"reason", denial.reason},
                                        {"missing", denial.missing},
                                        {"rule", rule},
                                        {"subject", subject}});
    }

    std::string route_name_;
    std::string rule_;
    CompiledRequirement enforced_;
    std::optional<CompiledRequirement> shadow_;  // logged, never enforced
    std::string shadow_rule_;
    std::string insufficient_scope_challenge_;
};

}  // namespace

std::optional<AuthorizationDenial> explain_authorization(const Stage& stage,
                                                         const Exchange& exchange) {
    const auto* authorization = dynamic_cast<const AuthorizationStage*>(&stage);
    if (authorization == nullptr) {
        return std::nullopt;
    }
    return authorization->evaluate(exchange);
}

StageFactory authorization_stage_factory() {
    return {"", 36, [](const StageBuildContext& context) -> std::shared_ptr<const Stage> {
                if (context.route == nullptr ||
                    context.route->authorization.mode == config::AuthorizationMode::unset) {
                    return nullptr;
                }
                // `authorize: authenticated` compiles to empty requirements:
                // the stage then only insists that there is an identity.
                return std::make_shared<AuthorizationStage>(context.route->name,
                                                            context.route->authorization,
                                                            context.settings.authorization.roles);
            }};
}

}  // namespace rampart::pipeline
