# The libFuzzer targets; tests/fuzz/CMakeLists.txt builds them with clang and
# the main build's ctest runs each for a bounded time (run-bounded.sh).
set(RAMPART_FUZZ_TARGETS fuzz_request_head fuzz_path_normalizer fuzz_jose fuzz_policy_rule
    fuzz_json_pointer fuzz_json_limits fuzz_openapi_import)
