#!/usr/bin/env bash
# Provisions the servers the test suite starts by itself (redis-server and redis-sentinel; PostgreSQL, Chromium
# and Kannel as the capabilities that use them land), and the tools the README's examples use
# (curl, jq: test/e2e/readme-examples.test.ts runs them). Run by `npm test` (pretest) and `.ci/run`.
#
# Each line of NEEDS is "<Debian package> <how to find it>": a path glob or a command on PATH.
# Missing packages are installed with apt-get when this runs as root on Debian (apt-get update
# first). When they cannot be installed, it stops at once with ONE line naming what to install,
# rather than letting dozens of tests fail without saying why.
# PBXVERIFY_TEST_DEPS=skip turns this off (a machine provisioned some other way);
# PBXVERIFY_TEST_DEPS=check only checks and never installs.
set -uo pipefail

NEEDS=(
  "redis-server redis-server"
  "redis-sentinel redis-sentinel"
  "curl curl"
  "jq jq"
  "postgresql /usr/lib/postgresql/*/bin/initdb"
  "kannel /usr/sbin/bearerbox"
  "kannel-extras /usr/lib/kannel/test/fakesmsc"
)

[[ ${PBXVERIFY_TEST_DEPS:-} == skip ]] && exit 0

found() {
  local probe=$1
  if [[ $probe == /* ]]; then
    compgen -G "$probe" >/dev/null
  else
    command -v "$probe" >/dev/null 2>&1
  fi
}

missing=()
for need in "${NEEDS[@]}"; do
  read -r pkg probe <<<"$need"
  found "$probe" || missing+=("$pkg")
done
((${#missing[@]} == 0)) && exit 0

if [[ ${PBXVERIFY_TEST_DEPS:-} != check && $EUID == 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "test-deps: installing ${missing[*]} (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  if apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null 2>&1 &&
    apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    still=()
    for need in "${NEEDS[@]}"; do
      read -r pkg probe <<<"$need"
      found "$probe" || still+=("$pkg")
    done
    ((${#still[@]} == 0)) && exit 0
    missing=("${still[@]}")
  fi
fi

echo "test-deps: the tests need Debian packages that are missing and could not be installed here; run: sudo apt-get install ${missing[*]}" >&2
exit 1
