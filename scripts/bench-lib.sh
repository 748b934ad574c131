# Sourced by scripts/bench, bench-compare, bench-changelog and bench-postgres-pages: the references,
# PostgreSQL's floor, the seeding, one wrk run with the server's CPU, and the SQLite rows, written
# once. The caller sets, before sourcing or before the
# first call: root (the repository), work (a scratch folder), duration and connections (wrk's), pair
# (the reference's seconds), numbers (the list's size), results (a JSON-lines file), pids (an array
# of processes to stop on exit). Nothing here exits on its own but on a failed tool.

# install_missing COMMAND=PACKAGE...: installs, from Debian's packages, each PACKAGE whose COMMAND
# is missing (as root, or through sudo).
install_missing() {
    local pair packages=()
    for pair in "$@"; do
        command -v "${pair%%=*}" >/dev/null && continue
        case " ${packages[*]} " in *" ${pair#*=} "*) ;; *) packages+=("${pair#*=}") ;; esac
    done
    [ ${#packages[@]} -gt 0 ] || return 0
    echo "== installing ${packages[*]}"
    local sudo_=""
    [ "$(id -u)" = 0 ] || sudo_=sudo
    $sudo_ apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq "${packages[@]}" >/dev/null
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# cpu_ticks PID: the process's user plus system CPU so far, all threads, in clock ticks (fields 14
# and 15 of /proc/PID/stat; counted after the ")" closing field 2, which may hold spaces).
cpu_ticks() {
    local stat fields
    stat=$(<"/proc/$1/stat")
    read -ra fields <<<"${stat##*) }"
    echo $((fields[11] + fields[12]))
}
clock_ticks=$(getconf CLK_TCK)

# start_nginx: nginx answering every request with a fixed envelope, the reads' reference; sets
# nginx_port.
start_nginx() {
    nginx_port=$(free_port)
    mkdir -p "$work/nginx"
    cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 100000000;
    client_body_temp_path $work/nginx;
    server {
        listen 127.0.0.1:$nginx_port;
        location / {
            default_type application/json;
            return 200 '{"response":{"status":{"code":200,"message":"İşlem başarılı"}}}';
        }
    }
}
CONF
    nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
    pids+=($!)
    sleep 0.5
}

# start_redis: Redis with appendfsync always (each SADD on disk when answered), the writes'
# reference; sets redis_port.
start_redis() {
    redis_port=$(free_port)
    mkdir -p "$work/redis"
    redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly yes --appendfsync always \
        --dir "$work/redis" --daemonize no >"$work/redis/log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
}

# paired_reference KIND CLIENTS: the reference's req/s now (nginx for reads, durable Redis for
# writes) from as many clients as the row has connections: a row on one connection waits for each
# of its commits, and so does its reference (Redis on one connection waits for each fsync).
paired_reference() {
    local clients=$2
    if [ "$1" = write ]; then
        # One client makes about a twentieth of the requests a second that 64 make.
        redis-benchmark -p "$redis_port" -c "$clients" --threads $((clients < 2 ? 1 : 2)) \
            -n $((pair * (clients == 1 ? 1500 : 30000))) -r 100000000 \
            -t sadd --csv -q 2>/dev/null | tail -n 1 | python3 -c 'import csv,sys; print(float(next(csv.reader(sys.stdin))[1]))'
    else
        ENGEL_BENCH_MODE=fixed wrk -t $((clients < 2 ? 1 : 2)) -c "$clients" -d "${pair}s" --timeout 5s \
            -s "$root/Benchmarks/wrk/engel.lua" \
            "http://127.0.0.1:$nginx_port" | tail -n 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["rps"])'
    fi
}

# pg_floor SCRIPT NAME=VALUE...: what the database alone gives for a PostgreSQL read row (issue 19):
# pgbench runs Benchmarks/postgres-floor/SCRIPT.sql (Engel's statements for that row before issue
# 19, frozen there so the floor stays put) prepared, from as many clients as wrk has connections,
# for the pair's time, against the database on pg_port. Prints {"tps": ..., "p99_ms": ...}.
pg_floor() {
    local script=$1 defines=() value
    shift
    for value in "$@"; do defines+=(-D "$value"); done
    rm -rf "$work/pgbench-log"
    mkdir -p "$work/pgbench-log"
    (cd "$work/pgbench-log" && pgbench -h 127.0.0.1 -p "$pg_port" -U postgres -n -M prepared -c "$connections" -j 2 \
        -T "$pair" -l "${defines[@]}" -f "$root/Benchmarks/postgres-floor/$script.sql" postgres) >"$work/pgbench.out" 2>&1 ||
        { echo "bench: pgbench failed on $script:" >&2; cat "$work/pgbench.out" >&2; exit 1; }
    python3 - "$work/pgbench.out" "$work/pgbench-log" <<'PY'
import glob, json, re, sys
tps = float(re.search(r"^tps = ([0-9.]+)", open(sys.argv[1]).read(), re.M).group(1))
# Each log line: client, transaction, latency in microseconds, script, epoch seconds, microseconds.
latencies = sorted(int(line.split()[2]) for path in glob.glob(f"{sys.argv[2]}/pgbench_log.*") for line in open(path))
p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] / 1000 if latencies else None
print(json.dumps({"tps": tps, "p99_ms": p99}))
PY
}

# The Engel server's pid while its rows run; empty for the references.
server_pid=""

# run_wrk LABEL KIND URL MODE [env...]: one wrk run (an Engel row after its paired reference);
# appends its JSON line, labelled (and tagged with row_tags, a JSON fragment such as
# '"binary":"old","round":1,'), to the results, with the server's CPU per request when an Engel
# server is running. A PostgreSQL read row also measures its pgbench floor just before it
# (pg_floor_args="SCRIPT NAME=VALUE...").
run_wrk() {
    local label=$1 kind=$2 url=$3 mode=$4
    shift 4
    local line reference=null before="" after="" cpu=null floor=null
    # A row may ask for fewer connections (row_connections=N run_wrk ...); wrk needs a thread each.
    local row_connections=${row_connections:-$connections}
    case "$kind" in read | write | floor) reference=$(paired_reference "$kind" "$row_connections") ;; esac
    # shellcheck disable=SC2086
    [ -n "${pg_floor_args:-}" ] && floor=$(pg_floor $pg_floor_args)
    [ -n "$server_pid" ] && before=$(cpu_ticks "$server_pid")
    local threads=$((row_connections < 2 ? row_connections : 2))
    line=$(env "$@" ENGEL_BENCH_MODE="$mode" ENGEL_BENCH_THREADS="$threads" wrk -t "$threads" -c "$row_connections" -d "${duration}s" --timeout 5s \
        -s "$root/Benchmarks/wrk/engel.lua" "$url" | tail -n 1)
    if [ -n "$server_pid" ]; then
        after=$(cpu_ticks "$server_pid")
        cpu=$(python3 -c 'import json,sys; n = json.loads(sys.argv[1])["requests"]
print(round((int(sys.argv[3]) - int(sys.argv[2])) * 1e6 / int(sys.argv[4]) / n, 1) if n else "null")' \
            "$line" "$before" "$after" "$clock_ticks")
    fi
    local shown_cpu=""
    [ -n "$server_pid" ] && shown_cpu="; server CPU: $cpu us/request"
    local shown_floor=""
    [ "$floor" != null ] && shown_floor="; pgbench floor just before: $floor"
    echo "   $label: $line (reference just before: $reference req/s$shown_cpu$shown_floor)"
    echo "{${row_tags:-}\"label\":\"$label\",\"kind\":\"$kind\",\"reference\":$reference,\"floor\":$floor,\"cpu_us_per_request\":$cpu,\"cpu_ticks\":${before:-null},\"cpu_ticks_after\":${after:-null},\"result\":$line}" >>"$results"
}

# seed_list BINARY DATABASE FOLDER: an account "bench" with $numbers numbers, seeded by BINARY in 10
# loads a second apart (so date filters cut the list); FOLDER gets account.json and each load's
# start (load0.time ... load9.time).
seed_list() {
    local binary=$1 database=$2 folder=$3
    mkdir -p "$folder"
    [ -f "$work/numbers/part9.txt" ] || python3 - "$work/numbers" "$numbers" <<'PY'
import sys
folder, total = sys.argv[1], int(sys.argv[2])
import os
os.makedirs(folder, exist_ok=True)
part = total // 10
for index in range(10):
    with open(f"{folder}/part{index}.txt", "w") as f:
        start = index * part
        end = total if index == 9 else start + part
        f.write("\n".join(str(905320000000 + n) for n in range(start, end)))
        f.write("\n")
PY
    "$binary" account create bench --json --database "$database" >"$folder/account.json"
    local started=$SECONDS
    local index
    for index in 0 1 2 3 4 5 6 7 8 9; do
        date +%s >"$folder/load$index.time"
        "$binary" account load bench "$work/numbers/part$index.txt" --database "$database" >/dev/null
        sleep 1.1
    done
    echo "   seeded $numbers numbers in $((SECONDS - started)) s (10 loads, ~1 s apart)"
    # The seeding's dirty pages would otherwise be written back during the first loads.
    sync
}

turkey_time() { python3 -c "import sys,datetime; print((datetime.datetime.utcfromtimestamp(int(sys.argv[1])) + datetime.timedelta(hours=3)).strftime('%Y-%m-%d %H:%M:%S'))" "$1"; }

# serve_list BINARY DATABASE FOLDER LOG: serves the seeded list on a free port and waits until it
# answers; sets url, server (its pid), common (wrk's key, hash and list size) and the date filter's
# bounds (filter_start, filter_end: loads 4 to 7).
serve_list() {
    local binary=$1 database=$2 folder=$3 log=$4 key hash port
    key=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key"])' "$folder/account.json")
    hash=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hash"])' "$folder/account.json")
    port=$(free_port)
    ENGEL_LOG_LEVEL=warning "$binary" serve --port "$port" --database "$database" >"$log" 2>&1 &
    server=$!
    pids+=("$server")
    local started_ns
    started_ns=$(date +%s%N)
    for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
    echo "   ready in $(( ($(date +%s%N) - started_ns) / 1000000 )) ms (opening the store and loading what it keeps in memory)"
    # The CPU column needs the server process itself, not a shell or wrapper around it (checked once
    # it answers: just after the fork, before the exec, the pid still runs bash).
    local running
    running=$(readlink -f "/proc/$server/exe" 2>/dev/null) || running="nothing (it has exited)"
    if [ "$running" != "$(readlink -f "$binary")" ]; then
        echo "bench: pid $server runs $running, not $binary" >&2
        exit 1
    fi
    url="http://127.0.0.1:$port"
    common=(ENGEL_BENCH_KEY="$key" ENGEL_BENCH_HASH="$hash" ENGEL_BENCH_SEEDED_COUNT="$numbers")
    filter_start=$(turkey_time "$(($(cat "$folder/load4.time") + 1))")
    filter_end=$(turkey_time "$(($(cat "$folder/load7.time") + 1))")
}

# The rows of the side-by-side table, in the order they run (the delete row last: it empties the
# list's shares it walks).
list_rows="unknown first-page last-page middle-page date-filter add-listed add-new add-new-1 delete"

# list_row ROW [PART PARTS]: one row against the server serve_list started (url, common, filter
# bounds). A row run again on the same list takes PART (0 to PARTS-1) of what it writes: its own new
# numbers, its own numbers to delete, so no run meets what an earlier one wrote.
list_row() {
    local row=$1 part=${2:-0} parts=${3:-1}
    case "$row" in
    unknown) run_wrk "404 envelope (HTTP and middleware only)" floor "$url" unknown "${common[@]}" ;;
    first-page) run_wrk "get-blacklist first page" read "$url" first-page "${common[@]}" ;;
    last-page)
        run_wrk "get-blacklist last page" read "$url" last-page "${common[@]}" \
            ENGEL_BENCH_LAST_PAGE=$(((numbers + 99) / 100)) ;;
    middle-page)
        # Halfway down the list: as far as a page can be from either end.
        run_wrk "get-blacklist middle page" read "$url" last-page "${common[@]}" \
            ENGEL_BENCH_LAST_PAGE=$((numbers / 200 + 1)) ;;
    date-filter)
        run_wrk "get-blacklist date filter" read "$url" filtered "${common[@]}" \
            ENGEL_BENCH_FILTER_START="$filter_start" ENGEL_BENCH_FILTER_END="$filter_end" ENGEL_BENCH_FILTER_PAGE=1000 ;;
    add-listed) run_wrk "add (already listed)" write "$url" add-listed "${common[@]}" ;;
    # Each wrk thread takes a million new numbers from the offset.
    add-new) run_wrk "add (new numbers)" write "$url" add-new "${common[@]}" ENGEL_BENCH_NEW_OFFSET=$((part * 4000000)) ;;
    add-new-1)
        # Each add on one connection waits for a commit of its own, as every add would if commits
        # were not shared: beside the row above, what group commit buys.
        row_connections=1 run_wrk "add (new numbers), 1 connection" write "$url" add-new "${common[@]}" \
            ENGEL_BENCH_NEW_OFFSET=$((50000000 + part * 1000000)) ;;
    delete) run_wrk "delete" write "$url" delete "${common[@]}" ENGEL_BENCH_DELETE_PART="$part" ENGEL_BENCH_DELETE_PARTS="$parts" ;;
    *) echo "bench: unknown row $row" >&2; exit 2 ;;
    esac
}
