#!/bin/sh
# mmdebstrap customize hook shared by every image (argument: the rootfs directory).
# Leaves no host-specific or build-time state in the image.
set -eu
root=$1

# The container runtime mounts its own; empty files keep the mount points.
: >"$root/etc/resolv.conf"
: >"$root/etc/hostname"
# Kubernetes and Docker mount their own /etc/hosts too; this one (what netbase would install)
# keeps "localhost" resolvable where nothing is mounted, e.g. under a bare `ctr run`:
# mariadb-install-db 10.11 refuses to run when neither the host name nor localhost resolves.
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"

# /run as a fresh boot would have it (the image hooks add their own directories after this).
find "$root/run" -xdev -mindepth 1 -delete
install -d -m 1777 "$root/run/lock"

# Logs and backups of the package installation.
find "$root/var/log" -xdev -type f -delete
rm -f "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old
rm -rf "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/*
