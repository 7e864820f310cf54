# Shared by start.sh and stop.sh: paths, ports and process helpers of the test rig.
RIG_DIR="${RIG_DIR:-/tmp/mbrig}"
PORT_BASE="${PORT_BASE:-10000}"
# Every port is PORT_BASE + a fixed offset that recalls the real one. The emulator is on +90,
# not +80: 10080 is on the WHATWG "bad ports" list and Node's fetch() refuses it.
P_EMULATOR=$((PORT_BASE + 90))
P_IMAP=$((PORT_BASE + 143)); P_IMAPS=$((PORT_BASE + 993))
P_POP3=$((PORT_BASE + 110)); P_POP3S=$((PORT_BASE + 995))
P_LMTP=$((PORT_BASE + 24))
P_SUBMISSION=$((PORT_BASE + 587)); P_SMTPS=$((PORT_BASE + 465)); P_INJECT=$((PORT_BASE + 25))
DOVECOT_PORTS="$P_IMAP $P_IMAPS $P_POP3 $P_POP3S $P_LMTP"
POSTFIX_PORTS="$P_SUBMISSION $P_SMTPS $P_INJECT"

DOVECOT_PID="$RIG_DIR/run/master.pid"
POSTFIX_PID="$RIG_DIR/var/spool/pid/master.pid"
EMULATOR_PID="$RIG_DIR/identity.pid"

die() { echo "rig: $*" >&2; exit 1; }

# True when the pid in FILE names a live process. `kill -0` is not enough: where PID 1 reaps
# late, a stopped daemon stays a zombie that kill -0 still reports as alive.
alive() {
  local pid state
  [ -s "$1" ] || return 1
  pid=$(tr -dc '0-9' <"$1")
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  state=$(sed -E 's/^[0-9]+ \(.*\) ([A-Z]).*/\1/' "/proc/$pid/stat")
  [ "$state" != Z ] && [ "$state" != X ]
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_ports up|down SECONDS PORT...: a stopped Dovecot keeps its ports for about a second.
wait_ports() {
  local want=$1 deadline=$((SECONDS + $2)) port; shift 2
  for port in "$@"; do
    while :; do
      if [ "$want" = up ]; then listening "$port" && break; else listening "$port" || break; fi
      [ "$SECONDS" -lt "$deadline" ] || return 1
      sleep 0.05
    done
  done
}

# Runs a daemon with stdio on a log file and every other fd closed: Dovecot keeps the stderr it
# was started with, so a caller piping our output (`start.sh | tee`, `$(start.sh)`) would hang.
detached() {
  local log=$1; shift
  (
    for fd in /proc/self/fd/*; do
      fd=${fd##*/}
      [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null
    done
    exec setsid "$@" </dev/null >>"$log" 2>&1
  ) &
}

# stop_pid FILE: SIGTERM, then wait up to 10 s for the process to be gone (zombies count as gone).
stop_pid() {
  alive "$1" || return 0
  kill -TERM "$(tr -dc '0-9' <"$1")" 2>/dev/null || true
  local deadline=$((SECONDS + 10))
  while alive "$1" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.05; done
  alive "$1" && kill -KILL "$(tr -dc '0-9' <"$1")" 2>/dev/null || true
}
