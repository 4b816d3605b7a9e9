import { Writable } from 'node:stream';
import { Exec, type V1Status } from '@kubernetes/client-node';
import type { ClusterConnection } from './connection.js';

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly success: boolean;
}

function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  return {
    stream: new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        done();
      },
    }),
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}

/** Run a command in a pod's container (like `kubectl exec`) and collect its output. */
export async function execInPod(
  connection: ClusterConnection,
  namespace: string,
  pod: string,
  container: string,
  command: string[],
  timeoutMs = 20_000,
): Promise<ExecResult> {
  const stdout = collector();
  const stderr = collector();
  return new Promise<ExecResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${command.join(' ')} in ${pod} took longer than ${timeoutMs / 1000}s`));
    }, timeoutMs);
    new Exec(connection.kubeConfig)
      .exec(
        namespace,
        pod,
        container,
        command,
        stdout.stream,
        stderr.stream,
        null,
        false,
        (status: V1Status) => {
          clearTimeout(timer);
          resolve({ stdout: stdout.text(), stderr: stderr.text(), success: status.status === 'Success' });
        },
      )
      .catch((error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      });
  });
}
