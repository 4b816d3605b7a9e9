#!/bin/sh
# mmdebstrap essential hook (argument: the rootfs): before mariadb-server is installed, create
# the mysql user and group with the ids of the official mariadb image (999:999). Debian's
# postinst keeps an existing system user; left to itself it would pick a dynamic id.
set -eu
root=$1
grep -q '^mysql:' "$root/etc/group" || {
  echo 'mysql:x:999:' >>"$root/etc/group"
  echo 'mysql:!::' >>"$root/etc/gshadow"
}
grep -q '^mysql:' "$root/etc/passwd" || {
  echo 'mysql:x:999:999:MariaDB Server:/var/lib/mysql:/bin/false' >>"$root/etc/passwd"
  echo 'mysql:!:19000::::::' >>"$root/etc/shadow"
}
# As the official image does: a data directory that looks initialised keeps the postinst from
# running mariadb-install-db at build time (the customize hook empties it again).
mkdir -p "$root/var/lib/mysql/mysql"
touch "$root/var/lib/mysql/mysql/user.frm"
