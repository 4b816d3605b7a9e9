import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('quire doctor (command line)', () => {
  it('documents its options and exit codes', async () => {
    const result = await runCli(['doctor', '--help']);
    expect(result.code).toBe(0);
    for (const option of ['--config', '--kubeconfig', '--context', '--namespace', '--output <format>'])
      expect(result.stdout).toContain(option);
    expect(result.stdout).toContain('Exit code 1 when there is an error');
  });

  it('rejects an output format it does not have', async () => {
    const result = await runCli(['doctor', '--output', 'yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Allowed choices are table, json');
  });

  it('says which kubeconfig it cannot read, before reading anything', async () => {
    const result = await runCli(['doctor', '--kubeconfig', '/nonexistent/kubeconfig']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot read the kubeconfig /nonexistent/kubeconfig');
  });
});
