#!/bin/sh
# mmdebstrap customize hook (argument: the rootfs): Apache serves Debian's WordPress at /, in the
# foreground, logging to stdout/stderr, and can run as www-data (uid 33) as well as root.
set -eu
root=$1
files=$(dirname "$0")/files

install -m 0755 "$files/docker-entrypoint.sh" "$files/apache2-foreground" "$root/usr/local/bin/"
install -d -m 0755 "$root/usr/local/share/quire"
install -m 0644 "$files/wp-config-docker.php" "$root/usr/local/share/quire/"

# WordPress reads /etc/wordpress/config-default.php for any host (Debian's wp-config.php, which
# also sets ABSPATH, WP_CONTENT_DIR=/var/lib/wordpress/wp-content and loads wp-settings.php).
# The entrypoint writes the real file at start, in a directory www-data can write.
ln -sfT /run/wordpress/wp-config.php "$root/etc/wordpress/config-default.php"

# The site: WordPress at / with its rewrite rules (no writable .htaccess needed), the content
# directory (uploads, plugins, themes) at /wp-content.
install -m 0644 "$files/wordpress-site.conf" "$root/etc/apache2/sites-available/wordpress.conf"
install -m 0644 "$files/remoteip.conf" "$root/etc/apache2/conf-available/remoteip.conf"
install -m 0644 "$files/servername.conf" "$root/etc/apache2/conf-available/servername.conf"
chroot "$root" a2dissite -q 000-default
chroot "$root" a2ensite -q wordpress
chroot "$root" a2enmod -q rewrite expires remoteip
chroot "$root" a2enconf -q remoteip servername
chroot "$root" a2disconf -q serve-cgi-bin
# Client addresses come from X-Forwarded-For (remoteip): log %a, not %h (as the official image).
find "$root/etc/apache2" -type f -name '*.conf' \
  -exec sed -ri 's/([[:space:]]*LogFormat[[:space:]]+"[^"]*)%h([^"]*")/\1%a\2/g' {} +

# Runtime directories any uid may use, and logs to the container's stdout/stderr (as the
# official php:apache image: chmod 1777, owner www-data). These are the directories of
# /etc/apache2/envvars; /var/run and /var/lock are absolute symlinks to /run and /run/lock, so
# they are made from inside the chroot, never through a host path.
# shellcheck disable=SC2016 # expanded by the shell in the chroot
chroot "$root" sh -eu -c '
  APACHE_CONFDIR=/etc/apache2
  . /etc/apache2/envvars
  for d in "$APACHE_RUN_DIR" "$APACHE_LOCK_DIR" "$APACHE_LOG_DIR" /run/wordpress; do
    rm -rf "$d"
    install -d -o www-data -g www-data -m 1777 "$d"
  done
  chmod 0750 /run/wordpress
  ln -sfT /dev/stderr "$APACHE_LOG_DIR/error.log"
  ln -sfT /dev/stdout "$APACHE_LOG_DIR/access.log"
  ln -sfT /dev/stdout "$APACHE_LOG_DIR/other_vhosts_access.log"
'

# WordPress writes plugins, themes and uploads under its content directory.
chown -R -h 33:33 "$root/var/lib/wordpress/wp-content"

# The stock page of the default site is not served.
rm -rf "$root/var/www/html"
install -d -m 0755 "$root/var/www/html"
