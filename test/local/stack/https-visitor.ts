/**
 * A visitor of the local stack over real HTTPS: connects to 127.0.0.1 but names the configured
 * host (SNI and Host header, as `curl --resolve` does), trusts only the stack's certificate, and
 * keeps cookies like a browser.
 */
import { request } from 'node:https';

export interface Page {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export class HttpsVisitor {
  private readonly cookies = new Map<string, string>();

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly ca: string,
  ) {}

  send(method: string, path: string, body?: Buffer, contentType?: string): Promise<Page> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          host: '127.0.0.1',
          port: this.port,
          servername: this.host,
          ca: this.ca,
          method,
          path,
          headers: {
            host: `${this.host}:${this.port}`,
            ...(cookie === '' ? {} : { cookie }),
            ...(body === undefined ? {} : { 'content-type': contentType, 'content-length': body.length }),
          },
        },
        (response) => {
          for (const line of response.headers['set-cookie'] ?? []) {
            const [pair = ''] = line.split(';');
            const at = pair.indexOf('=');
            const name = pair.slice(0, at);
            const value = pair.slice(at + 1);
            if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
            else this.cookies.set(name, value);
          }
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => {
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text });
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  get(path: string): Promise<Page> {
    return this.send('GET', path);
  }

  postForm(path: string, fields: Record<string, string>): Promise<Page> {
    return this.send(
      'POST',
      path,
      Buffer.from(new URLSearchParams(fields).toString()),
      'application/x-www-form-urlencoded',
    );
  }

  async postMultipart(path: string, form: FormData): Promise<Page> {
    const encoded = new Request('http://local/', { method: 'POST', body: form });
    const body = Buffer.from(await encoded.arrayBuffer());
    return this.send('POST', path, body, encoded.headers.get('content-type') ?? '');
  }
}
