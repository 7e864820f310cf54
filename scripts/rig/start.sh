#!/usr/bin/env bash
# Starts the mailbridge test rig on 127.0.0.1: the identity emulator (HTTP, default seed),
# Dovecot (IMAP + STARTTLS, IMAPS, POP3 + STLS, POP3S, LMTP; OAuth tokens checked by the
# emulator's introspection) and Postfix (submission with STARTTLS required, SMTPS, and an
# unauthenticated loopback port for injecting mail; SASL through Dovecot; every recipient
# delivered into Dovecot over LMTP). Idempotent: a running rig is reloaded, not restarted.
# Writes $RIG_DIR/rig.env. Env: RIG_DIR (default /tmp/mbrig, keep it short: unix sockets are
# limited to 108 bytes), PORT_BASE (default 10000). Needs root (Dovecot and Postfix switch users).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
. "$HERE/common.sh"
cd "$ROOT"  # node resolves `--import tsx` from the working directory

for bin in dovecot doveadm postfix postconf openssl node; do
  command -v "$bin" >/dev/null || die "'$bin' is not installed. Install the Debian packages with: bash .ci/run (or apt-get install dovecot-core dovecot-imapd dovecot-pop3d dovecot-lmtpd postfix openssl)"
done
for proto in imap pop3 lmtp; do
  [ -x "/usr/lib/dovecot/$proto" ] || die "Dovecot's $proto service is missing: apt-get install dovecot-${proto}d"
done
[ "$(id -u)" = 0 ] || die "run as root: Dovecot and Postfix switch to their own users"

# The sandbox password (packages/sandbox: the identity seed): basic auth works for any rig mailbox with it.
BASIC_PASSWORD='Passw0rd!'
TENANT_ID='8c3f2a1e-5b7d-4e9a-9f10-2d6c4b8a7e01'
EMULATOR_URL="http://127.0.0.1:$P_EMULATOR"

mkdir -p "$RIG_DIR"/{run,state,log,tls,postfix,var/spool,var/data,identity}
install -d -o mail -g mail -m 0770 "$RIG_DIR/mail"
chown postfix:postfix "$RIG_DIR/var/data"

# A private CA and a server certificate for localhost + 127.0.0.1, kept across restarts so a
# CA file a test or a user saved stays valid.
if [ ! -s "$RIG_DIR/tls/server.pem" ]; then
  (
    cd "$RIG_DIR/tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/CN=mailbridge rig CA' \
      -keyout ca.key -out ca.pem -addext basicConstraints=critical,CA:TRUE \
      -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj '/CN=localhost' -keyout server.key -out server.csr 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' > server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile server.ext -out server.pem 2>/dev/null
    rm -f server.csr server.ext ca.srl
    chmod 0644 ca.pem server.pem; chmod 0600 ca.key server.key
  )
fi

render() { # render TEMPLATE OUT: fill in the @VARS@ of a config template
  sed -e "s|@RIG_DIR@|$RIG_DIR|g" -e "s|@PORT_BASE@|$PORT_BASE|g" -e "s|@EMULATOR_URL@|$EMULATOR_URL|g" \
      -e "s|@BASIC_PASSWORD@|$BASIC_PASSWORD|g" -e "s|@P_IMAP@|$P_IMAP|g" -e "s|@P_IMAPS@|$P_IMAPS|g" \
      -e "s|@P_POP3@|$P_POP3|g" -e "s|@P_POP3S@|$P_POP3S|g" -e "s|@P_LMTP@|$P_LMTP|g" \
      -e "s|@P_SUBMISSION@|$P_SUBMISSION|g" -e "s|@P_SMTPS@|$P_SMTPS|g" -e "s|@P_INJECT@|$P_INJECT|g" \
      "$1" > "$2"
}
render "$HERE/dovecot.conf.in" "$RIG_DIR/dovecot.conf"
render "$HERE/dovecot-oauth2.conf.ext.in" "$RIG_DIR/dovecot-oauth2.conf.ext"
render "$HERE/postfix-main.cf.in" "$RIG_DIR/postfix/main.cf"
render "$HERE/postfix-master.cf.in" "$RIG_DIR/postfix/master.cf"
# Postfix waits ~2 s before reading a config file modified in the last second (it may still be
# being edited): backdate them.
touch -d '-1 minute' "$RIG_DIR/postfix/main.cf" "$RIG_DIR/postfix/master.cf"

# 1. The identity emulator: Dovecot asks it about every token, so it comes first.
if ! alive "$EMULATOR_PID"; then
  wait_ports down 10 "$P_EMULATOR" || die "port $P_EMULATOR is taken by another process (PORT_BASE=$PORT_BASE)"
  rm -f "$EMULATOR_PID"
  detached "$RIG_DIR/log/identity.log" env RIG_DIR="$RIG_DIR" node --import tsx "$HERE/identity.ts" \
    --port "$P_EMULATOR" --data-dir "$RIG_DIR/identity" --pid-file "$EMULATOR_PID"
  wait_ports up 30 "$P_EMULATOR" || die "the identity emulator did not start; see $RIG_DIR/log/identity.log"
fi

# 2. Dovecot.
DOVEADM="doveadm -c $RIG_DIR/dovecot.conf"
if alive "$DOVECOT_PID"; then
  $DOVEADM reload
else
  # A stale anvil-auth-penalty socket makes the first login wait ~5 s for a refused connect.
  find "$RIG_DIR/run" -mindepth 1 -delete
  wait_ports down 10 $DOVECOT_PORTS || die "a Dovecot port ($DOVECOT_PORTS) is taken by another process"
  detached "$RIG_DIR/log/dovecot.stderr" dovecot -c "$RIG_DIR/dovecot.conf"
  wait_ports up 15 $DOVECOT_PORTS || die "Dovecot did not start; see $RIG_DIR/log/dovecot.log and dovecot.stderr"
fi

# 3. Postfix (needs Dovecot's auth socket).
PF="postfix -c $RIG_DIR/postfix"
if alive "$POSTFIX_PID"; then
  $PF reload >/dev/null 2>&1 || die "postfix reload failed; see $RIG_DIR/log/postfix.log"
else
  wait_ports down 10 $POSTFIX_PORTS || die "a Postfix port ($POSTFIX_PORTS) is taken by another process"
  $PF start >>"$RIG_DIR/log/postfix.stderr" 2>&1 </dev/null || die "postfix start failed; see $RIG_DIR/log/postfix.log"
  wait_ports up 15 $POSTFIX_PORTS || die "Postfix did not start; see $RIG_DIR/log/postfix.log"
fi

cat > "$RIG_DIR/rig.env.tmp" <<ENV
MAILRIG_DIR=$RIG_DIR
MAILRIG_HOST=127.0.0.1
MAILRIG_IMAP_PORT=$P_IMAP
MAILRIG_IMAPS_PORT=$P_IMAPS
MAILRIG_POP3_PORT=$P_POP3
MAILRIG_POP3S_PORT=$P_POP3S
MAILRIG_LMTP_PORT=$P_LMTP
MAILRIG_SMTP_SUBMISSION_PORT=$P_SUBMISSION
MAILRIG_SMTPS_PORT=$P_SMTPS
MAILRIG_SMTP_INJECT_PORT=$P_INJECT
MAILRIG_CA_FILE=$RIG_DIR/tls/ca.pem
MAILRIG_EMULATOR_URL=$EMULATOR_URL
MAILRIG_TENANT_ID=$TENANT_ID
MAILRIG_BASIC_PASSWORD='$BASIC_PASSWORD'
MAILRIG_DOVEADM='$DOVEADM'
ENV
mv "$RIG_DIR/rig.env.tmp" "$RIG_DIR/rig.env"
echo "rig: up (RIG_DIR=$RIG_DIR, PORT_BASE=$PORT_BASE); env in $RIG_DIR/rig.env"
