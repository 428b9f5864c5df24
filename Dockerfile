# syntax=docker/dockerfile:1
# sgdns container: the same build as scripts/run.sh (Release, Ninja, tests off)
# and the same zone, listening on all IPv4 addresses instead of loopback.
#
#   docker build -t sgdns .
#   docker run --rm -p 5353:5353/udp -p 5353:5353/tcp sgdns
#   kdig @127.0.0.1 -p 5353 www.streamgate.example A
#
# Extra arguments to `docker run` are appended to the sgdns command line
# (e.g. --log-level debug, --axfr-allow 192.0.2.0/24).
#
# The admin API listens on the container's loopback only: reach it with
# `docker exec CONTAINER /opt/sgdns/sgdns ctl status`. To publish it, ask for it
# explicitly (a later --admin wins), ideally with TLS and a read token:
#   docker run -p 8053:8053 sgdns --admin 0.0.0.0:8053

# ---- build stage --------------------------------------------------------
FROM debian:12 AS build
ENV DEBIAN_FRONTEND=noninteractive
WORKDIR /src
# The package list lives in scripts/deps.sh only; install it before copying the
# sources so that this layer is cached across source changes.
COPY scripts/deps.sh scripts/deps.sh
RUN bash scripts/deps.sh build && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSGDNS_TESTS=OFF \
 && cmake --build build-release -j2 \
 && mkdir -p /out/geoip /out/zones \
 && install -m 0755 build-release/sgdns /out/sgdns \
 && cp -a zones/. /out/zones/ \
 && if [ -d geoip ]; then cp -a geoip/. /out/geoip/; fi \
 && if [ -f sgdns.json ]; then cp sgdns.json /out/sgdns.json; fi

# ---- runtime stage ------------------------------------------------------
FROM debian:12-slim
ENV DEBIAN_FRONTEND=noninteractive
COPY scripts/deps.sh /tmp/deps.sh
RUN apt-get update \
 && apt-get install -y --no-install-recommends $(bash /tmp/deps.sh list-runtime) \
 && rm -rf /var/lib/apt/lists/* /tmp/deps.sh \
 && groupadd --system sgdns \
 && useradd --system --gid sgdns --home-dir /opt/sgdns --no-create-home --shell /usr/sbin/nologin sgdns
COPY --from=build /out/ /opt/sgdns/
WORKDIR /opt/sgdns
USER sgdns
# 5353: DNS over UDP and TCP. The admin API (8053) stays on loopback unless --admin says otherwise.
EXPOSE 5353/udp 5353/tcp
STOPSIGNAL SIGTERM
# As scripts/run.sh: the demo configuration (zone, GeoIP data, dynamic records) on all addresses, and the
# admin API on loopback with a token made at first start (`docker exec CONTAINER cat /tmp/admin.token`).
# `exec` makes sgdns PID 1, so SIGTERM from `docker stop` reaches it.
ENTRYPOINT ["/bin/sh", "-c", "[ -s /tmp/admin.token ] || (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \\n' > /tmp/admin.token); exec /opt/sgdns/sgdns --config sgdns.json --listen 0.0.0.0:5353 --admin 127.0.0.1:8053 --admin-token-file /tmp/admin.token --state-file /tmp/overrides.json \"$@\"", "sgdns"]
