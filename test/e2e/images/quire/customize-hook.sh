#!/bin/sh
# mmdebstrap customize hook (argument: the rootfs): the staged node binary and app (stage.sh, its
# directory in QUIRE_IMAGE_STAGE), and the app's user, uid/gid 10001 as in the Dockerfile.
set -eu
root=$1
stage=${QUIRE_IMAGE_STAGE:?QUIRE_IMAGE_STAGE is not set}
install -m 0755 "$stage/node" "$root/usr/local/bin/node"
cp -a "$stage/app" "$root/opt/quire"
chown -R 0:0 "$root/opt/quire"
chroot "$root" groupadd --gid 10001 quire
chroot "$root" useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin quire
