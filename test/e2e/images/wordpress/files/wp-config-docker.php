<?php
/*
 * WordPress settings from the environment: the contract of the official `wordpress` image
 * (WORDPRESS_DB_HOST, WORDPRESS_DB_NAME, WORDPRESS_DB_USER, WORDPRESS_DB_PASSWORD, the eight
 * WORDPRESS_*_KEY / *_SALT values, WORDPRESS_TABLE_PREFIX, WORDPRESS_DEBUG,
 * WORDPRESS_CONFIG_EXTRA; each may also be given as <NAME>_FILE, a file holding the value).
 *
 * docker-entrypoint.sh copies this file to /run/wordpress/wp-config.php at start, putting random
 * values in place of the QUIRE_RANDOM_* markers. Debian's /usr/share/wordpress/wp-config.php
 * loads it through /etc/wordpress/config-default.php for any host name, then sets ABSPATH,
 * WP_CONTENT_DIR and loads wp-settings.php itself.
 */

if (!function_exists('quire_getenv')) {
	function quire_getenv($name, $default) {
		$file = getenv($name . '_FILE');
		if ($file !== false && $file !== '') {
			return rtrim(file_get_contents($file), "\r\n");
		}
		$value = getenv($name);
		return $value === false ? $default : $value;
	}
}

define('DB_NAME', quire_getenv('WORDPRESS_DB_NAME', 'wordpress'));
define('DB_USER', quire_getenv('WORDPRESS_DB_USER', 'wordpress'));
define('DB_PASSWORD', quire_getenv('WORDPRESS_DB_PASSWORD', ''));
// host, host:port or host:/path/to/socket, as WordPress itself accepts.
define('DB_HOST', quire_getenv('WORDPRESS_DB_HOST', 'mysql'));
// 'utf8' as in the official image; WordPress moves it up to utf8mb4 where the server has it.
define('DB_CHARSET', quire_getenv('WORDPRESS_DB_CHARSET', 'utf8'));
define('DB_COLLATE', quire_getenv('WORDPRESS_DB_COLLATE', ''));

define('AUTH_KEY', quire_getenv('WORDPRESS_AUTH_KEY', 'QUIRE_RANDOM_AUTH_KEY'));
define('SECURE_AUTH_KEY', quire_getenv('WORDPRESS_SECURE_AUTH_KEY', 'QUIRE_RANDOM_SECURE_AUTH_KEY'));
define('LOGGED_IN_KEY', quire_getenv('WORDPRESS_LOGGED_IN_KEY', 'QUIRE_RANDOM_LOGGED_IN_KEY'));
define('NONCE_KEY', quire_getenv('WORDPRESS_NONCE_KEY', 'QUIRE_RANDOM_NONCE_KEY'));
define('AUTH_SALT', quire_getenv('WORDPRESS_AUTH_SALT', 'QUIRE_RANDOM_AUTH_SALT'));
define('SECURE_AUTH_SALT', quire_getenv('WORDPRESS_SECURE_AUTH_SALT', 'QUIRE_RANDOM_SECURE_AUTH_SALT'));
define('LOGGED_IN_SALT', quire_getenv('WORDPRESS_LOGGED_IN_SALT', 'QUIRE_RANDOM_LOGGED_IN_SALT'));
define('NONCE_SALT', quire_getenv('WORDPRESS_NONCE_SALT', 'QUIRE_RANDOM_NONCE_SALT'));

$table_prefix = quire_getenv('WORDPRESS_TABLE_PREFIX', 'wp_');

define('WP_DEBUG', (bool) quire_getenv('WORDPRESS_DEBUG', ''));

// Behind a TLS-terminating proxy (an Ingress), links must be https:// (the official image does
// this by default too).
if (isset($_SERVER['HTTP_X_FORWARDED_PROTO']) && strpos($_SERVER['HTTP_X_FORWARDED_PROTO'], 'https') !== false) {
	$_SERVER['HTTPS'] = 'on';
}

// PHP given by the deployer, run as the official image runs it.
if ($quire_config_extra = quire_getenv('WORDPRESS_CONFIG_EXTRA', '')) {
	eval($quire_config_extra);
}
unset($quire_config_extra);
