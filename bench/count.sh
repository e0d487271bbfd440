#!/bin/bash
# bench/count.sh: what one proxied request costs Rampart and nginx in counts
# that do not depend on the machine's load: user-space instructions
# (valgrind's callgrind), heap allocations and system calls (perf's syscall
# tracepoints). Both proxies terminate TLS 1.3 in front of the same upstream
# with the settings of bench/run.sh (bench/rampart-bench.yaml,
# bench/conf/nginx-proxy-tls.conf, nginx without a master process). Wall-clock
# ratios come from bench/run.sh on a quiet machine; this script is for finding
# and checking per-request work while the machine is busy.
#
#   bench/count.sh [BUILD_DIR]        (default: build)
#
# bench/keepalive_client.py opens CONNECTIONS connections, sends one warm-up
# request on each, then the counters start, then exactly REQUESTS requests per
# connection run, then the counters stop: handshakes, connection set-up and
# close are not counted. Figures are per request of that window.
#
# Knobs (environment): CONNECTIONS=64 REQUESTS=100 (per connection)
#   TARGETS="nginx-tls rampart-tls"  MODES="instructions syscalls"
#   RUN_DIR=/tmp/rampart-count  BASE_PORT=18900 (ports BASE_PORT+1..+5)
# Needs valgrind, perf (linux-perf), nginx and python3 (installed from Debian
# when missing and run as root); kernel tracepoints for the syscall counts
# (root, or perf_event_paranoid <= 1).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
BUILD_DIR=${1:-build}
case $BUILD_DIR in /*) ;; *) BUILD_DIR=$REPO_DIR/$BUILD_DIR ;; esac
RAMPART=$BUILD_DIR/rampart
[ -x "$RAMPART" ] || { echo "count.sh: no $RAMPART: build it first" >&2; exit 2; }

CONNECTIONS=${CONNECTIONS:-64}
REQUESTS=${REQUESTS:-100}
TARGETS=${TARGETS:-"nginx-tls rampart-tls"}
MODES=${MODES:-"instructions syscalls"}
RUN_DIR=${RUN_DIR:-/tmp/rampart-count}
BASE_PORT=${BASE_PORT:-18900}
UPSTREAM_PORT=$((BASE_PORT + 1))
STATUS_PORT=$((BASE_PORT + 2))
NGINX_TLS_PORT=$((BASE_PORT + 3))
RAMPART_TLS_PORT=$((BASE_PORT + 4))
RAMPART_ADMIN_PORT=$((BASE_PORT + 5))
EXPECTED_BODY='{"id":123,"name":"widget","price":9.99}'
# The system calls broken down per request; the total counts every one.
SYSCALLS="read write readv writev sendto recvfrom sendmsg recvmsg epoll_wait epoll_pwait epoll_ctl
          getrandom getpid futex timerfd_settime setsockopt ioctl mmap munmap madvise brk"

log() { printf '[count %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

# Like bench/run.sh, installs the Debian packages it needs when run as root.
missing=()
for pair in valgrind:valgrind callgrind_control:valgrind perf:linux-perf nginx:nginx python3:python3 \
            openssl:openssl ss:iproute2; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair##*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || die "missing Debian packages: ${missing[*]} (run as root to install them)"
    log "installing from Debian: ${missing[*]}"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

declare -a STARTED_PIDS=()
stop_all() {
    local pid i
    for pid in "${STARTED_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    STARTED_PIDS=()
}
trap 'status=$?; trap - EXIT; stop_all; exit $status' EXIT

port_busy() { [ -n "$(ss -Hltn "sport = :$1")" ]; }

# start PORT LOGFILE command...: starts a server as our child; sets STARTED_PID
start() {
    local port=$1 logfile=$2 i
    shift 2
    port_busy "$port" && die "port $port is in use; set BASE_PORT"
    "$@" >>"$logfile" 2>&1 &
    STARTED_PID=$!
    STARTED_PIDS+=("$STARTED_PID")
    for i in $(seq 600); do  # valgrind starts slowly
        kill -0 "$STARTED_PID" 2>/dev/null || { tail -20 "$logfile" >&2; die "$* exited at start"; }
        port_busy "$port" && return
        sleep 0.1
    done
    die "$* did not listen on port $port"
}

stop_last() {
    local pid=${STARTED_PIDS[-1]} i
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset 'STARTED_PIDS[-1]'
}

render() {
    sed -e "s#@RUN_DIR@#$RUN_DIR#g" -e "s/@UPSTREAM_PORT@/$UPSTREAM_PORT/g" \
        -e "s/@STATUS_PORT@/$STATUS_PORT/g" -e "s/@NGINX_TLS_PORT@/$NGINX_TLS_PORT/g" \
        -e "s/@RAMPART_TLS_PORT@/$RAMPART_TLS_PORT/g" -e "s/@RAMPART_ADMIN_PORT@/$RAMPART_ADMIN_PORT/g" \
        "$1" >"$2"
    ! grep -n '@[A-Z_]*@' "$2" || die "unsubstituted placeholder in $2"
}

prepare() {
    rm -rf "$RUN_DIR"
    mkdir -p "$RUN_DIR/tls" "$RUN_DIR/nginx-upstream" "$RUN_DIR/nginx-proxy-tls" "$RUN_DIR/rampart/data"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 2 \
        -subj /CN=localhost -addext 'subjectAltName=IP:127.0.0.1,DNS:localhost' \
        -keyout "$RUN_DIR/tls/private-key.pem" -out "$RUN_DIR/tls/certificate.pem" 2>/dev/null
    chmod 600 "$RUN_DIR/tls/private-key.pem"
    render "$BENCH_DIR/conf/nginx-upstream.conf" "$RUN_DIR/nginx-upstream/nginx.conf"
    render "$BENCH_DIR/conf/nginx-proxy-tls.conf" "$RUN_DIR/nginx-proxy-tls/nginx.conf"
    render "$BENCH_DIR/rampart-bench.yaml" "$RUN_DIR/rampart/rampart.yaml"
    "$RAMPART" check --config "$RUN_DIR/rampart/rampart.yaml" >/dev/null
}

target_port() { [ "$1" = nginx-tls ] && echo "$NGINX_TLS_PORT" || echo "$RAMPART_TLS_PORT"; }

# The proxy under test as a command line, optionally under a wrapper.
target_command() {
    case $1 in
        nginx-tls) echo nginx -g "'daemon off; master_process off;'" -p "$RUN_DIR/nginx-proxy-tls/" \
                        -e "$RUN_DIR/nginx-proxy-tls/error.log" -c "$RUN_DIR/nginx-proxy-tls/nginx.conf" ;;
        rampart-tls) echo "$RAMPART" serve --config "$RUN_DIR/rampart/rampart.yaml" ;;
    esac
}

client() {  # client PORT BEFORE AFTER
    python3 "$BENCH_DIR/keepalive_client.py" --port "$1" --ca "$RUN_DIR/tls/certificate.pem" \
        --expect "$EXPECTED_BODY" --connections "$CONNECTIONS" --requests "$REQUESTS" \
        --before "$2" --after "$3"
}

# Sums the call counts of the named functions over every call site in a
# callgrind dump (calls=COUNT lines follow cfn= lines).
callgrind_calls() {  # callgrind_calls FILE REGEX
    # fn= and cfn= share one table of compressed names: "(id) name" defines, "(id)" refers.
    awk -v pattern="$2" '
        function lookup(text,    id) {
            if (match(text, /^\([0-9]+\)/)) {
                id = substr(text, 1, RLENGTH); text = substr(text, RLENGTH + 1); sub(/^ /, "", text)
                if (text != "") names[id] = text
                return names[id]
            }
            return text
        }
        /^fn=/ { lookup(substr($0, 4)); next }
        /^cfn=/ { callee = lookup(substr($0, 5)); next }
        /^calls=/ { split(substr($0, 7), parts, " "); if (callee ~ pattern) total += parts[1]; next }
        END { print total + 0 }' "$1"
}

# With glibc, operator new calls malloc; tcmalloc's operator new allocates by
# itself (callgrind names it "operator new[](unsigned long)", an alias of tc_new),
# so it is counted too when the binary links tcmalloc.
allocation_functions() {  # allocation_functions TARGET
    local functions='malloc|calloc|realloc|memalign|aligned_alloc|posix_memalign'
    # grep -q would stop reading early: ldd then fails with SIGPIPE, and pipefail with it.
    if [ "$1" = rampart-tls ] && ldd "$RAMPART" | grep tcmalloc >/dev/null; then
        functions="$functions|operator new(\\[\\])?\\(unsigned long(, std::align_val_t)?\\)"
    fi
    echo "^($functions)\$"
}

measure_instructions() {  # measure_instructions TARGET
    local target=$1 dir=$RUN_DIR/$1 pid out requests total
    mkdir -p "$dir"
    rm -f "$dir"/callgrind.out.*
    # shellcheck disable=SC2046
    eval start "$(target_port "$target")" "$dir/valgrind.log" valgrind --tool=callgrind \
        --callgrind-out-file="$dir/callgrind.out.%p" $(target_command "$target")
    pid=$STARTED_PID
    requests=$(client "$(target_port "$target")" "callgrind_control -z $pid >/dev/null" \
        "callgrind_control -d $pid >/dev/null") || die "$target: the client failed"
    out=$(ls -t "$dir"/callgrind.out."$pid".* 2>/dev/null | head -1)
    [ -n "$out" ] || die "$target: no callgrind dump"
    total=$(awk '/^(summary|totals):/ { print $2; exit }' "$out")
    stop_last
    awk -v t="$target" -v n="$requests" -v i="$total" \
        -v m="$(callgrind_calls "$out" "$(allocation_functions "$target")")" \
        -v f="$(callgrind_calls "$out" '^free$')" \
        -v w="$(callgrind_calls "$out" '^SSL_write(_ex)?$')" \
        -v r="$(callgrind_calls "$out" '^SSL_read(_ex)?$')" \
        'BEGIN { printf "%s\tinstructions_per_request\t%.0f\n%s\tmallocs_per_request\t%.2f\n%s\tfrees_per_request\t%.2f\n%s\tssl_writes_per_request\t%.2f\n%s\tssl_reads_per_request\t%.2f\n",
                 t, i / n, t, m / n, t, f / n, t, w / n, t, r / n }' | tee -a "$RUN_DIR/results.tsv"
    log "$target: callgrind dump $out ($requests requests)"
}

measure_syscalls() {  # measure_syscalls TARGET
    local target=$1 dir=$RUN_DIR/$1 pid events requests name
    mkdir -p "$dir"
    events=raw_syscalls:sys_enter
    for name in $SYSCALLS; do
        [ -d "/sys/kernel/tracing/events/syscalls/sys_enter_$name" ] ||
            [ -d "/sys/kernel/debug/tracing/events/syscalls/sys_enter_$name" ] || continue
        events+=",syscalls:sys_enter_$name"
    done
    eval start "$(target_port "$target")" "$dir/server.log" "$(target_command "$target")"
    pid=$STARTED_PID
    requests=$(client "$(target_port "$target")" \
        "perf stat -x '\t' -e $events -p $pid -o $dir/perf-stat.txt & echo \$! >$dir/perf.pid; sleep 1" \
        "kill -INT \$(cat $dir/perf.pid); while kill -0 \$(cat $dir/perf.pid) 2>/dev/null; do sleep 0.1; done") ||
        die "$target: the client failed"
    stop_last
    awk -F'\t' -v t="$target" -v n="$requests" '
        $3 ~ /sys_enter/ && $1 + 0 > 0 { name = $3; sub(/^.*sys_enter_?/, "", name); if (name == "") name = "all"
                                         printf "%s\tsyscalls_per_request:%s\t%.3f\n", t, name, $1 / n }' \
        "$dir/perf-stat.txt" | tee -a "$RUN_DIR/results.tsv"
}

main() {
    prepare
    : >"$RUN_DIR/results.tsv"
    start "$UPSTREAM_PORT" "$RUN_DIR/nginx-upstream/stdout.log" nginx -g 'daemon off;' \
        -p "$RUN_DIR/nginx-upstream/" -e "$RUN_DIR/nginx-upstream/error.log" -c "$RUN_DIR/nginx-upstream/nginx.conf"
    local target mode
    for target in $TARGETS; do
        for mode in $MODES; do
            log "$target: $mode, $CONNECTIONS connections x $REQUESTS requests"
            "measure_$mode" "$target"
        done
    done
    log "done; $RUN_DIR/results.tsv"
}

main "$@"
