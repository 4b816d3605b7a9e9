/**
 * Who runs the nodes. The pods run as the image's mysql user and mariadbd refuses to run as root,
 * so as root the runner drops to Debian's `mysql` user with setpriv; as anyone else the nodes run
 * as that user.
 */
import { spawnSync } from 'node:child_process';
import { LocalMariaDbError } from './errors.js';

export interface RunUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** Whether the runner itself is root (and drops to `name`). */
  readonly dropsFromRoot: boolean;
  /** Prepended to every command. */
  readonly prefix: readonly string[];
}

/** The user the nodes run as. */
export function localRunUser(): RunUser {
  const uid = process.getuid?.() ?? -1;
  if (uid !== 0) {
    return {
      name: spawnSync('id', ['-un'], { encoding: 'utf8' }).stdout.trim() || String(uid),
      uid,
      gid: process.getgid?.() ?? -1,
      dropsFromRoot: false,
      prefix: [],
    };
  }
  const id = (flag: string): number | undefined => {
    const result = spawnSync('id', [flag, 'mysql'], { encoding: 'utf8' });
    return result.status === 0 ? Number(result.stdout.trim()) : undefined;
  };
  const mysqlUid = id('-u');
  const mysqlGid = id('-g');
  if (mysqlUid === undefined || mysqlGid === undefined) {
    throw new LocalMariaDbError(
      'LOCAL_DB_TOOL_MISSING',
      'running as root, MariaDB must run as the mysql user, and there is none; ' +
        'install mariadb-server, which creates it: apt-get install -y mariadb-server',
      2,
    );
  }
  return {
    name: 'mysql',
    uid: mysqlUid,
    gid: mysqlGid,
    dropsFromRoot: true,
    prefix: ['setpriv', '--reuid=mysql', '--regid=mysql', '--init-groups', '--'],
  };
}

/** How a uid is named in messages: its user name with the number, or the number alone. */
export function describeUser(uid: number): string {
  const result = spawnSync('id', ['-nu', String(uid)], { encoding: 'utf8' });
  return result.status === 0 ? `${result.stdout.trim()} (uid ${uid})` : `uid ${uid} (no such user)`;
}
