#!/usr/bin/env bash
# Stops the test rig started by start.sh (same RIG_DIR / PORT_BASE) and waits until its ports
# are free, so an immediate start.sh does not fail with "Address already in use".
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/common.sh"

if alive "$POSTFIX_PID"; then postfix -c "$RIG_DIR/postfix" stop >/dev/null 2>&1 || true; fi
stop_pid "$POSTFIX_PID"
stop_pid "$DOVECOT_PID"
stop_pid "$EMULATOR_PID"
rm -f "$RIG_DIR/rig.env"
wait_ports down 15 $DOVECOT_PORTS $POSTFIX_PORTS "$P_EMULATOR" || die "ports still busy after stopping the rig"
echo "rig: stopped"
