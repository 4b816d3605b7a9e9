#!/bin/sh
# mmdebstrap customize hook (argument: the rootfs). The official prom/mysqld-exporter image
# has its binary at /bin/mysqld_exporter; keep that path working too (/bin is /usr/bin).
set -eu
root=$1
ln -sfT /usr/bin/prometheus-mysqld-exporter "$root/usr/bin/mysqld_exporter"
