#!/usr/bin/env bash
# The test suite runs against PostgreSQL as well as SQLite, always. This makes sure a server
# answers at TEST_DATABASE_URL (default: postgres://postgres@127.0.0.1:5432/postgres):
# it starts the local cluster if it is installed but stopped, installs Debian's package if
# there is none, and otherwise fails loudly. It never lets the tests skip PostgreSQL.
set -euo pipefail
URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

ready() { pg_isready -d "$URL" -t 3 >/dev/null 2>&1; }

if command -v pg_isready >/dev/null && ready; then exit 0; fi

SUDO=""; [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO=sudo

case "$URL" in
  *@127.0.0.1:*|*@localhost:*|*@127.0.0.1/*|*@localhost/*)
    if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
      echo "==> PostgreSQL is not installed; installing Debian's postgresql package"
      $SUDO apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
    fi
    version=$(ls /etc/postgresql | sort -V | tail -n1)
    hba="/etc/postgresql/$version/main/pg_hba.conf"
    # The harness connects as `postgres` over TCP without a password (trust, loopback only).
    if ! grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
      echo "==> allowing trusted loopback connections in $hba"
      $SUDO sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    fi
    echo "==> starting PostgreSQL $version"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
      || $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main reload || true
    for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
    ;;
esac

echo "PostgreSQL is not reachable at TEST_DATABASE_URL=$URL." >&2
echo "The tests run against PostgreSQL as well as SQLite and do not skip it: start a server," >&2
echo "or point TEST_DATABASE_URL at one (a user that may CREATE and DROP DATABASE)." >&2
exit 1
