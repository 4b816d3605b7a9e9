#!/bin/sh
# mmdebstrap customize hook (argument: the rootfs): the layout of the official mariadb image.
set -eu
root=$1

# The user must have kept the fixed ids.
[ "$(grep '^mysql:' "$root/etc/passwd" | cut -d: -f3,4)" = 999:999 ] || {
  echo "mariadb image: user mysql is not 999:999" >&2
  exit 1
}

# An empty data directory owned by mysql, and a socket/lock directory anyone may use.
rm -rf "$root/var/lib/mysql"
install -d -o 999 -g 999 -m 0755 "$root/var/lib/mysql"
install -d -o 999 -g 999 -m 1777 "$root/run/mysqld"

# Like the official image: comment out the settings that do not suit a container (bind-address,
# log files, user) and skip host name resolution. Quire's pods use --defaults-file and never read
# /etc/mysql; this is for anyone who runs the image on its own.
find "$root/etc/mysql" -name '*.cnf' -type f -exec sed -Ei 's/^(bind-address|log|user\s)/#&/' {} +
printf '[mariadb]\nhost-cache-size=0\nskip-name-resolve\n' >"$root/etc/mysql/mariadb.conf.d/05-skipcache.cnf"
rm -f "$root/etc/mysql/mariadb.conf.d/50-mysqld_safe.cnf"

