#!/bin/sh
# Writes ari.conf from the environment (the password never lives in the image), then runs Asterisk.
set -eu
: "${ARI_USER:=pbxverify}"
: "${ARI_PASSWORD:?set ARI_PASSWORD}"
cat > /etc/asterisk/ari.conf <<CONF
[general]
enabled = yes
pretty = no
allowed_origins =

[${ARI_USER}]
type = user
read_only = no
password = ${ARI_PASSWORD}
password_format = plain
CONF
chown asterisk:asterisk /etc/asterisk/ari.conf
chmod 600 /etc/asterisk/ari.conf
exec /usr/sbin/asterisk -f -U asterisk -G asterisk
