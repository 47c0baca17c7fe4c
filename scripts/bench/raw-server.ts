/**
 * Reference for `npm run bench`: a raw `node:http` + `pg` server answering the benchmarked
 * requests with the service's statements (reference-queries.ts) and nothing else.
 * PORT and DATABASE_URL from the environment.
 */
import { randomUUID } from 'node:crypto';
import { createServer, ServerResponse } from 'node:http';
import { createRecord, getRecord, recordIdOf, referencePool } from './reference-queries';

const pool = referencePool();

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

const server = createServer((request, response) => {
  const path = request.url ?? '/';
  const fail = (error: unknown) => send(response, 500, { error: String(error) });
  if (request.method === 'GET' && path === '/health/live') {
    send(response, 200, { status: 'ok' });
  } else if (request.method === 'GET' && recordIdOf(path)) {
    getRecord(pool, recordIdOf(path)!).then(
      (record) => send(response, record ? 200 : 404, record ?? { error: 'NotFound' }),
      fail,
    );
  } else if (request.method === 'POST' && path === '/records') {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        send(response, 400, { error: 'BadRequest' });
        return;
      }
      createRecord(pool, body, `req_${randomUUID().replaceAll('-', '')}`).then((record) => {
        response.setHeader('Location', `/records/${record.id}`);
        send(response, 201, record);
      }, fail);
    });
  } else {
    send(response, 404, { error: 'NotFound' });
  }
});

server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
