import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { runCli } from '../support/cli.js';
import { synthObjects } from '../support/manifests.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'quire-cli-'));

describe('quire init', () => {
  it('writes a commented quire.yaml that holds exactly the defaults', async () => {
    const dir = fresh();
    const result = await runCli(['init'], dir);
    expect(result.code).toBe(0);
    const text = readFileSync(join(dir, 'quire.yaml'), 'utf8');
    expect(parse(text)).toEqual(defaultConfig());
    expect(text).toContain('# Public host name of the site.\n  host: cccr-miniproject.com');
    expect(text.match(/^\s*# /gm)?.length).toBeGreaterThan(50);
  });

  it('refuses to overwrite without --force and leaves the file alone', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'quire.yaml'), 'workload: wordpress\n');
    const refused = await runCli(['init'], dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('quire.yaml already exists; edit it, or pass --force');
    expect(readFileSync(join(dir, 'quire.yaml'), 'utf8')).toBe('workload: wordpress\n');
    expect((await runCli(['init', '--force'], dir)).code).toBe(0);
    expect(parse(readFileSync(join(dir, 'quire.yaml'), 'utf8'))).toEqual(defaultConfig());
  });
});

describe('quire synth', () => {
  it('writes one file per part in a stable order, with secrets kept private and stable', async () => {
    const dir = fresh();
    const first = await runCli(['synth'], dir);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /20-database\.yaml\s+13\s+Secret, ConfigMap, Service x3, StatefulSet, PodDisruptionBudget x2, Job, ServiceAccount, Role, RoleBinding, Deployment/,
    );
    const out = join(dir, 'dist/manifests');
    expect(readdirSync(out)).toEqual([
      '00-namespace.yaml',
      '20-database.yaml',
      '30-web.yaml',
      '40-edge.yaml',
      '50-network-policies.yaml',
      '60-monitoring.yaml',
      '70-logging.yaml',
    ]);
    expect(statSync(join(out, '20-database.yaml')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, '.quire/secrets.json')).mode & 0o777).toBe(0o600);
    const before = readFileSync(join(out, '20-database.yaml'), 'utf8');
    const edge = readFileSync(join(out, '40-edge.yaml'), 'utf8');
    expect((await runCli(['synth'], dir)).code).toBe(0);
    expect(readFileSync(join(out, '20-database.yaml'), 'utf8')).toBe(before);
    expect(readFileSync(join(out, '40-edge.yaml'), 'utf8')).toBe(edge);
  });

  it('makes a new certificate when the host changes, and keeps the passwords', async () => {
    const dir = fresh();
    await runCli(['synth'], dir);
    const passwords = readFileSync(join(dir, 'dist/manifests/20-database.yaml'), 'utf8');
    const certificate = readFileSync(join(dir, 'dist/manifests/40-edge.yaml'), 'utf8');
    writeFileSync(join(dir, 'quire.yaml'), 'ingress: {host: blog.example.com}\n');
    await runCli(['synth'], dir);
    expect(readFileSync(join(dir, 'dist/manifests/20-database.yaml'), 'utf8')).toBe(passwords);
    expect(readFileSync(join(dir, 'dist/manifests/40-edge.yaml'), 'utf8')).not.toBe(certificate);
  });

  it('writes JSON on request, prints with --stdout, and writes nothing with --dry-run', async () => {
    const dir = fresh();
    expect((await runCli(['synth', '--output', 'json', '--out', 'j'], dir)).code).toBe(0);
    const database = JSON.parse(readFileSync(join(dir, 'j/20-database.json'), 'utf8')) as { kind: string }[];
    expect(database.map((object) => object.kind)).toContain('StatefulSet');
    const printed = await runCli(['synth', '--stdout'], dir);
    expect(parseAllDocuments(printed.stdout).length).toBe(synthObjects().length);
    const dry = await runCli(['synth', '--dry-run', '--out', 'never'], dir);
    expect(dry.stdout).toContain('configuration is valid; nothing written (--dry-run)');
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('replaces a previous output as a whole (no stale files from a disabled part)', async () => {
    const dir = fresh();
    await runCli(['synth'], dir);
    writeFileSync(join(dir, 'quire.yaml'), 'logging: {enabled: false}\n');
    await runCli(['synth'], dir);
    expect(existsSync(join(dir, 'dist/manifests/70-logging.yaml'))).toBe(false);
  });

  it('shows usage with examples and rejects unknown options with exit code 2', async () => {
    const help = await runCli(['synth', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: quire synth [options]');
    expect(help.stdout).toContain('--config <file>');
    expect(help.stdout).toContain('Examples:');
    const bad = await runCli(['synth', '--outt', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown option '--outt'");
    const format = await runCli(['synth', '--output', 'xml']);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('Allowed choices are yaml, json');
  });

  it('says what is wrong with a damaged state file', async () => {
    const dir = fresh();
    await runCli(['synth', '--state-dir', 'state'], dir);
    writeFileSync(join(dir, 'state/secrets.json'), '{"version": 7}');
    const result = await runCli(['synth', '--state-dir', 'state'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('state/secrets.json is damaged');
  });
});

describe('quire chart', () => {
  it('writes the chart with documented values and a schema', async () => {
    const dir = fresh();
    const result = await runCli(['chart', '--out', 'charts'], dir);
    expect(result.code).toBe(0);
    const chart = join(dir, 'charts/quire');
    expect(readdirSync(chart).sort()).toEqual([
      '.helmignore',
      'Chart.yaml',
      'templates',
      'values.schema.json',
      'values.yaml',
    ]);
    expect(readdirSync(join(chart, 'templates'))).toContain('NOTES.txt');
    expect(parse(readFileSync(join(chart, 'Chart.yaml'), 'utf8'))).toMatchObject({
      apiVersion: 'v2',
      name: 'quire',
    });
    const values = parse(readFileSync(join(chart, 'values.yaml'), 'utf8')) as Record<string, unknown>;
    const expected: Partial<ReturnType<typeof defaultConfig>> = defaultConfig();
    delete expected.name;
    delete expected.namespace;
    delete expected.cluster;
    expect(values).toEqual(expected);
  });

  it("takes the configuration's values as the chart's defaults", async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'custom.yaml'), 'workload: wordpress\ndatabase: {replicas: 3}\n');
    expect((await runCli(['chart', '--config', 'custom.yaml'], dir)).code).toBe(0);
    const values = readFileSync(join(dir, 'dist/chart/quire/values.yaml'), 'utf8');
    expect(parse(values)).toMatchObject({ workload: 'wordpress', database: { replicas: 3, name: 'quire' } });
    expect(values).toContain('## @param database.replicas');
  });
});

describe('quire schema', () => {
  it('prints the JSON Schema of quire.yaml', async () => {
    const result = await runCli(['schema']);
    const schema = JSON.parse(result.stdout) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual([
      'name',
      'namespace',
      'workload',
      'web',
      'database',
      'ingress',
      'storage',
      'monitoring',
      'logging',
      'cluster',
    ]);
  });
});
