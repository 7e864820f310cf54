#!/usr/bin/env bash
# The cost of starting the CLI: `mailbridge --help` and two typical commands that touch no server, each run
# RUNS times (default 5) from the built dist/ (`npx tsc -p tsconfig.json` first); prints the median CPU time
# (user + system) and the median wall time. CPU time is the figure to compare on a shared machine: wall time
# there mostly measures the other processes. Usage: bash bench/cli-start.sh [DIR containing dist/ and package.json]
set -euo pipefail
dir="$(cd "${1:-$(dirname "$0")/..}" && pwd)"
runs="${RUNS:-5}"
home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
export MAILBRIDGE_HOME="$home"
cli=(node "$dir/dist/cli/main.js")
printf 'x' | "${cli[@]}" resource add r1 --kind imap --tenant 00000000-0000-0000-0000-000000000001 \
  --client-id 00000000-0000-0000-0000-000000000002 --user a@example.com --client-secret-stdin >/dev/null

measure() {
  local times
  times="$(for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %U %S' "${cli[@]}" "$@" 2>&1 >/dev/null | tail -n 1
  done)"
  local cpu wall
  cpu="$(awk '{print $2 + $3}' <<<"$times" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')"
  wall="$(awk '{print $1}' <<<"$times" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')"
  printf '| `mailbridge %s` | %.2f s | %.2f s |\n' "$*" "$cpu" "$wall"
}

echo "| command | CPU (median of $runs) | wall (median of $runs) |"
echo '|---|---|---|'
measure --help
measure token status r1
measure resource list
