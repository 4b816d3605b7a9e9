#!/bin/bash
# Entrypoint of quire.local/wordpress:6. Like the official wordpress image's, it writes the
# WordPress config when the container starts and then runs the command (apache2-foreground):
#   - /run/wordpress/wp-config.php (loaded by Debian's wp-config.php for every host) reads the
#     WORDPRESS_* environment at each request, so no setting or password is written to disk;
#   - the eight keys and salts fall back to random values made here when their variables are
#     not set (set them, as Quire's Deployment does, so that every replica shares them).
# Runs as root or as any uid that can write /run/wordpress (www-data, 33, in Quire's pods).
set -euo pipefail

config_dir=${WORDPRESS_CONFIG_DIR:-/run/wordpress}
config=$config_dir/wp-config.php
template=/usr/local/share/quire/wp-config-docker.php

if [[ ${1:-} == apache2* || ${1:-} == php-fpm ]]; then
  if [[ ! -s $config ]]; then
    missing=()
    for name in WORDPRESS_DB_HOST WORDPRESS_DB_USER WORDPRESS_DB_NAME; do
      file_name=${name}_FILE
      [[ -n ${!name:-} || -n ${!file_name:-} ]] || missing+=("$name")
    done
    if [[ ${#missing[@]} -gt 0 ]]; then
      echo "docker-entrypoint: ${missing[*]} not set; WordPress will use the defaults of $template" >&2
    fi
    tmp=$(mktemp "$config_dir/.wp-config.XXXXXX")
    # One random value per key that the environment may not give.
    script=''
    for key in AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT; do
      random=$(head -c 48 /dev/urandom | sha256sum | cut -d' ' -f1)
      script+="s/QUIRE_RANDOM_$key'/$random'/;"
    done
    sed -e "$script" "$template" >"$tmp"
    # mktemp makes it 0600: readable by the owner, and through the group by Apache's workers when
    # Apache starts as root and switches to www-data.
    chmod 0640 "$tmp"
    if [[ $(id -u) -eq 0 ]]; then
      chown root:www-data "$tmp"
    fi
    mv -f "$tmp" "$config"
    echo "docker-entrypoint: wrote $config" >&2
  fi
fi

exec "$@"
