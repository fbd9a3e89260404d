#!/bin/sh
# Installs pbxverify's FreeSWITCH files into a FreeSWITCH configuration folder (docs/freeswitch.md §2):
#   - copies this folder to <conf>/pbxverify/;
#   - adds the include lines to <conf>/freeswitch.xml, each below the stock line it belongs to:
#     pbxverify/vars.pbxverify.xml below vars.xml, pbxverify/autoload_configs/*.xml below
#     autoload_configs/*.xml, pbxverify/dialplan/*.xml below dialplan/*.xml;
#   - moves FreeSWITCH's own autoload_configs/event_socket.conf.xml to
#     <conf>/event_socket.conf.xml.before-pbxverify (pbxverify's event socket replaces it).
# With --qa, also the QA parts, never for production: the test callees (pbxverify/qa/dialplan/*.xml,
# context qa) and the SIP profile pbxverify-qa on 127.0.0.1:5085 (pbxverify/qa/sip_profiles/*.xml,
# included in autoload_configs/sofia.conf.xml). Without --qa, QA parts of an earlier run are removed.
# A second run changes nothing. Restart FreeSWITCH afterwards.
#
#   dialplan/freeswitch/install.sh /etc/freeswitch [--qa]
set -eu

usage() { echo "usage: $0 <freeswitch conf folder> [--qa]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
CONF=$1
QA=0
if [ $# = 2 ]; then [ "$2" = --qa ] || usage; QA=1; fi
MAIN=$CONF/freeswitch.xml
SOFIA=$CONF/autoload_configs/sofia.conf.xml
[ -f "$MAIN" ] || { echo "$0: $MAIN not found: give FreeSWITCH's configuration folder (e.g. /etc/freeswitch)" >&2; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)

inc() { printf '<X-PRE-PROCESS cmd="include" data="%s"/>' "$1"; }

# add_below FILE ANCHOR LINE: LINE below the first line containing ANCHOR, indented like it; once.
add_below() {
  grep -qF "$3" "$1" && return 0
  grep -qF "$2" "$1" || { echo "$0: no line with $2 in $1: add $3 there yourself (docs/freeswitch.md §2)" >&2; exit 1; }
  awk -v anchor="$2" -v line="$3" '
    { print }
    !done && index($0, anchor) { match($0, /^[ \t]*/); print substr($0, 1, RLENGTH) line; done = 1 }
  ' "$1" >"$1.pbxverify.tmp"
  mv "$1.pbxverify.tmp" "$1"
  echo "added to $1: $3"
}

# drop FILE TEXT: removes the lines containing TEXT.
drop() {
  [ -f "$1" ] && grep -qF "$2" "$1" || return 0
  grep -vF "$2" "$1" >"$1.pbxverify.tmp" || true
  mv "$1.pbxverify.tmp" "$1"
  echo "removed from $1: the lines with $2"
}

mkdir -p "$CONF/pbxverify"
if [ "$HERE" != "$(cd "$CONF/pbxverify" && pwd)" ]; then
  cp -R "$HERE/." "$CONF/pbxverify/"
  echo "copied $HERE to $CONF/pbxverify"
fi

add_below "$MAIN" 'data="vars.xml"' "$(inc pbxverify/vars.pbxverify.xml)"
add_below "$MAIN" 'data="autoload_configs/*.xml"' "$(inc 'pbxverify/autoload_configs/*.xml')"
add_below "$MAIN" 'data="dialplan/*.xml"' "$(inc 'pbxverify/dialplan/*.xml')"

if [ -f "$CONF/autoload_configs/event_socket.conf.xml" ]; then
  mv "$CONF/autoload_configs/event_socket.conf.xml" "$CONF/event_socket.conf.xml.before-pbxverify"
  echo "moved FreeSWITCH's autoload_configs/event_socket.conf.xml to $CONF/event_socket.conf.xml.before-pbxverify"
fi

if [ $QA = 1 ]; then
  [ -f "$SOFIA" ] || { echo "$0: $SOFIA not found: the QA SIP profile goes inside its <profiles>" >&2; exit 1; }
  add_below "$MAIN" "$(inc 'pbxverify/dialplan/*.xml')" "$(inc 'pbxverify/qa/dialplan/*.xml')"
  add_below "$SOFIA" 'data="../sip_profiles/*.xml"' "$(inc '../pbxverify/qa/sip_profiles/*.xml')"
else
  drop "$MAIN" 'data="pbxverify/qa/'
  drop "$SOFIA" 'data="../pbxverify/qa/'
  if [ -d "$CONF/pbxverify/qa" ] && [ "$HERE" != "$(cd "$CONF/pbxverify" && pwd)" ]; then rm -rf "$CONF/pbxverify/qa"; echo "removed $CONF/pbxverify/qa (QA only)"; fi
fi
echo "pbxverify installed in $CONF$([ $QA = 1 ] && echo ' with the QA callees and SIP profile pbxverify-qa'); restart FreeSWITCH"
