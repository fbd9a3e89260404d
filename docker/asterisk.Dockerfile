# Asterisk for pbxverify, from a distribution package (Ubuntu 24.04's asterisk 20.x; no source build).
# Build from the repository root:  docker build -f docker/asterisk.Dockerfile -t pbxverify-asterisk .

# --- Asterisk ---
FROM ubuntu:24.04
RUN apt-get update && apt-get install -y --no-install-recommends asterisk asterisk-modules \
    && rm -rf /var/lib/apt/lists/*
# The committed packs are already in Asterisk's layout: pbxverify/<lang>/<id>.wav, pbxverify/silence/<ms>.wav
# (8 kHz mono 16-bit PCM; the same files `pbxverify prompts install --asterisk` copies).
COPY sounds /usr/share/asterisk/sounds/pbxverify
COPY dialplan/asterisk/extensions.conf /etc/asterisk/pbxverify/extensions.conf
COPY dialplan/asterisk/pjsip.conf /etc/asterisk/pbxverify/pjsip-trunk-template.conf
COPY docker/asterisk/extensions.conf docker/asterisk/http.conf docker/asterisk/pjsip.conf docker/asterisk/modules.conf docker/asterisk/rtp.conf /etc/asterisk/
COPY docker/asterisk/entrypoint.sh /usr/local/bin/pbxverify-asterisk
RUN chmod +x /usr/local/bin/pbxverify-asterisk && chown -R asterisk:asterisk /etc/asterisk /usr/share/asterisk/sounds/pbxverify
EXPOSE 8088/tcp 5060/udp 10000-10100/udp
ENTRYPOINT ["/usr/local/bin/pbxverify-asterisk"]
