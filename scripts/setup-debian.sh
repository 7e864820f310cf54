#!/usr/bin/env bash
# Installs the Debian packages the tests run against: the real mail servers (Dovecot with
# OAuth2, Postfix) and the headless browser. Idempotent and quick when all are present.
# Installing must not start system-wide daemons on the standard mail ports, hence the
# temporary policy-rc.d and Postfix's "No configuration".
set -euo pipefail
# swaks (with libnet-ssleay-perl for its TLS) and msmtp: the SMTP gateway's outside clients; isync (mbsync) the IMAP gateway's (test/gateway).
# fonts-noto-cjk: the Japanese console screenshots (test/e2e/console-screenshots.test.ts).
# tinyproxy and squid-openssl (squid with ssl-bump): the HTTP proxies of test/net (plain CONNECT, Basic auth, a
# refusing proxy, and a TLS-intercepting one); the tests start their own on loopback, never the system services.
pkgs=(dovecot-core dovecot-imapd dovecot-pop3d dovecot-lmtpd postfix chromium fonts-noto-cjk openssl curl libxml2-utils postgresql nkf systemd swaks libnet-ssleay-perl msmtp isync tinyproxy squid-openssl)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "mailbridge tests need these Debian packages: ${missing[*]}. Fix: run as root, or: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
made_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1
fi
trap '[ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
echo "installing Debian packages: ${missing[*]}" >&2
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
