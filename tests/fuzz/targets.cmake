# The libFuzzer targets; tests/fuzz/CMakeLists.txt builds them with clang and
# the main build's ctest runs each for a bounded time (run-bounded.sh).
set(RAMPART_FUZZ_TARGETS fuzz_request_head fuzz_path_normalizer fuzz_jose fuzz_policy_rule
    fuzz_json_pointer fuzz_json_limits fuzz_openapi_import fuzz_config)

# The library files the fuzz targets link: the fuzz build compiles only these (a
# quarter of the library). A target that needs another file fails to link, naming
# the missing symbol: add the file that defines it here.
set(RAMPART_FUZZ_SOURCES
    src/auth/jose/algorithm.cpp src/auth/jose/base64url.cpp src/auth/jose/claims.cpp
    src/auth/jose/jwk.cpp src/auth/jose/jwks.cpp src/auth/jose/jws.cpp
    src/config/abuse_loader.cpp src/config/anomaly_loader.cpp src/config/auth_loader.cpp
    src/config/authorization_loader.cpp src/config/identity_header_loader.cpp
    src/config/identity_header_settings.cpp src/config/loader.cpp src/config/yaml_reader.cpp
    src/limit/gcra.cpp src/limit/limit_definition.cpp src/limit/limit_key.cpp
    src/limit/store_settings.cpp
    src/net/cidr.cpp src/net/framing.cpp src/net/path_normalizer.cpp
    src/net/request_head_validator.cpp
    src/observe/log_sink.cpp src/observe/security_events.cpp
    src/pipeline/chain.cpp src/pipeline/field_set.cpp src/pipeline/stage_section.cpp src/pipeline/problem.cpp
    src/pipeline/router.cpp
    src/pipeline/stages/cors.cpp src/pipeline/stages/deprecation.cpp
    src/pipeline/stages/error_masking.cpp src/pipeline/stages/ip_filter.cpp
    src/pipeline/stages/properties.cpp src/pipeline/stages/security_headers.cpp
    src/pipeline/stages/stage_events.cpp
    src/policy/rule.cpp src/policy/rule_evaluator.cpp src/policy/rule_lexer.cpp
    src/policy/rule_parser.cpp src/policy/rule_syntax.cpp src/policy/rule_types.cpp
    src/util/boost_compiled.cpp src/util/json_pointer.cpp src/util/strict_json.cpp src/util/utf8.cpp
    src/validate/json_schema.cpp src/validate/media_type.cpp src/validate/openapi_group.cpp
    src/validate/openapi_import.cpp src/validate/openapi_schema.cpp src/validate/openapi_yaml.cpp src/validate/yaml_json.cpp
    src/validate/schema_source.cpp src/validate/string_formats.cpp)
