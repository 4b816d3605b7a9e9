/**
 * The free-space check before a data directory is written and the recognition of a full disk in
 * a failed step's output (the lines are MariaDB's and the OS's own).
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assertSpace,
  diskFullError,
  footprintBytes,
  DiskFullError,
  filesystemOf,
  reportsNoSpace,
} from '../../../src/local/mariadb/disk-space.js';

const dir = mkdtempSync(join(tmpdir(), 'quire-disk-space-'));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('disk space of a data directory', () => {
  it('recognises a full disk as InnoDB, MyISAM and the OS report it, and nothing else', () => {
    expect(
      reportsNoSpace(
        '2026-12-01  9:27:45 0 [ERROR] InnoDB: preallocating 100663296 bytes for file ./ib_logfile101 failed with error 28',
      ),
    ).toBe(true);
    expect(
      reportsNoSpace(`Error writing file './mariadb-bin.000002' (Errcode: 28 "No space left on device")`),
    ).toBe(true);
    expect(reportsNoSpace('mbstream: write: No space left on device')).toBe(true);
    expect(reportsNoSpace('[ERROR] InnoDB: Operating system error number 13 in a file operation.')).toBe(
      false,
    );
    expect(reportsNoSpace('Got error 280 from storage engine')).toBe(false);
  });

  it("turns a failed step's output into a DiskFullError only when it reports a full disk", () => {
    const output = 'mbstream: write: No space left on device\nclone.sh: mbstream failed';
    const error = diskFullError(dir, 'the clone', output, '--- clone.sh:\nthe last lines');
    expect(error).toBeInstanceOf(DiskFullError);
    expect(error?.message).toMatch(
      new RegExp(`^not enough disk space for ${dir}: the clone ran out of space, `),
    );
    expect(error?.logTail).toBe('--- clone.sh:\nthe last lines');
    expect(diskFullError(dir, 'init.sh', output)?.logTail).toBe(output);
    expect(diskFullError(dir, 'init.sh', 'mariadbd: Got error 280 from storage engine')).toBeUndefined();
  });

  it('names the filesystem, the space needed and the fix when it does not fit', () => {
    const filesystem = filesystemOf(dir);
    expect(filesystem.freeBytes).toBeGreaterThan(0);
    expect(dir.startsWith(filesystem.mountPoint)).toBe(true);
    expect(() => {
      assertSpace(dir, 1, 'one byte');
    }).not.toThrow();
    let error: unknown;
    try {
      assertSpace(dir, filesystem.freeBytes + 2 ** 40, 'a huge clone');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DiskFullError);
    expect(error).toMatchObject({ code: 'LOCAL_DB_DISK_FULL', exitCode: 2 });
    expect((error as Error).message).toMatch(
      new RegExp(
        `^not enough disk space for ${dir}: a huge clone needs about \\d+ MiB, but its filesystem \\(${filesystem.type} on ${filesystem.mountPoint.replaceAll('/', '\\/')}\\) has [\\d.]+ MiB free; free space on `,
      ),
    );
  });

  it('counts what a clone takes on disk: not the binary and relay logs', () => {
    const data = join(dir, 'data');
    mkdirSync(join(data, 'mysql'), { recursive: true });
    writeFileSync(join(data, 'ibdata1'), Buffer.alloc(1000));
    writeFileSync(join(data, 'mysql', 'user.MAD'), Buffer.alloc(200));
    writeFileSync(join(data, 'mariadb-bin.000001'), Buffer.alloc(5000));
    writeFileSync(join(data, 'mariadb-bin.index'), 'x');
    writeFileSync(join(data, 'relay-bin.000002'), Buffer.alloc(5000));
    expect(footprintBytes(data)).toBe(1200);
  });
});
