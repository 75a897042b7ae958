#!/usr/bin/env bash
# Load test of courier-server in memory on loopback, with wrk (Debian's
# `wrk` package): courier location updates, then order placements.
# Rate limits are off (they would answer most of this load with 429), and
# tokens come from the development endpoint.
#
#   bash server/load/run.sh [SECONDS] [CONNECTIONS]
#   LOAD_DELAY_MS=3 bash server/load/run.sh 10 16   # offered ~5,000/s: 16 connections, 3 ms apart
set -euo pipefail
cd "$(dirname "$0")/../.."
secs="${1:-15}"
conns="${2:-64}"
port=18480
base="http://127.0.0.1:$port"
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }
cargo build --release -q -p courier-server
COURIER_JWT_SECRET="load-test-secret-load-test-secret-0123" RUST_LOG=warn \
    ./target/release/courier-server --listen "127.0.0.1:$port" --dev-tokens --no-rate-limits 2>"$work/server.log" &
server=$!
for _ in $(seq 50); do curl -sf "$base/health/live" >/dev/null && break; sleep 0.1; done

token() { curl -sf -X POST "$base/v1/dev/token" -H 'content-type: application/json' \
    -d "{\"sub\":$1,\"role\":\"$2\",\"ttl_secs\":3600}" | sed 's/.*"token":"\([^"]*\)".*/\1/'; }
admin="$(token 1 admin)"
curl -sf -X PUT "$base/v1/restaurants/1" -H "authorization: Bearer $admin" -H 'content-type: application/json' \
    -d '{"name":"Load Pizza","cuisine":"pizza","location":{"lat":37.7749,"lng":-122.4194},"is_open":true,"accepting_orders":true,"delivery_radius_m":5000,"minimum_order_minor":1000,"prep_minutes":15}'
curl -sf -X PUT "$base/v1/restaurants/1/menu" -H "authorization: Bearer $admin" -H 'content-type: application/json' \
    -d '{"version":1,"items":[{"id":1,"name":"Margherita","price_minor":1250,"available":true}]}'

for c in $(seq 1 200); do
    t="$(token "$c" courier)"
    echo "$t" >>"$work/couriers"
    curl -sf -X POST "$base/v1/couriers/me/online" -H "authorization: Bearer $t" -H 'content-type: application/json' \
        -d '{"lat":37.7749,"lng":-122.4194}'
done
for c in $(seq 1 500); do echo "$(token "$c" customer)" >>"$work/customers"; done

echo "== location updates: $conns connections, ${secs}s"
wrk -t2 -c"$conns" -d"${secs}s" --latency -s server/load/location.lua "$base" -- "$work/couriers"
echo "== order placements: $conns connections, ${secs}s"
wrk -t2 -c"$conns" -d"${secs}s" --latency -s server/load/place.lua "$base" -- "$work/customers"
grep -c '"level":"ERROR"' "$work/server.log" | sed 's/^/server errors logged: /' || true
