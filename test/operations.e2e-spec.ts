import request from 'supertest';
import { version } from '../package.json';
import { useTestApp } from './app';
import { aRecordBody, MISSING_ID } from './builders';

/** The value of one sample in Prometheus text, e.g. sample(text, 'x_total{a="b"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('Operations: /metrics and /version (e2e)', () => {
  const t = useTestApp();

  const scrape = async () => {
    const response = await request(t.http).get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    return response.text;
  };

  describe('GET /metrics', () => {
    it('counts requests by method, route template and status, errors included', async () => {
      const created = await request(t.http).post('/records').send(aRecordBody()).expect(201);
      const before = await scrape();
      const count = (series: string) => sample(before, series) ?? 0;
      const get200 = count('http_requests_total{method="GET",route="/records/:id",status="200"}');
      const get404 = count('http_requests_total{method="GET",route="/records/:id",status="404"}');
      const post400 = count('http_requests_total{method="POST",route="/records",status="400"}');
      const unmatched = count('http_requests_total{method="GET",route="unmatched",status="404"}');

      await request(t.http).get(`/records/${created.body.id}`).expect(200);
      await request(t.http).get(`/records/${created.body.id}`).expect(200);
      await request(t.http).get(`/records/${MISSING_ID}`).expect(404);
      await request(t.http).post('/records').send({}).expect(400);
      await request(t.http).get('/no/such/route').expect(404);

      const after = await scrape();
      const now = (series: string) => sample(after, series);
      expect(now('http_requests_total{method="GET",route="/records/:id",status="200"}')).toBe(
        get200 + 2,
      );
      expect(now('http_requests_total{method="GET",route="/records/:id",status="404"}')).toBe(
        get404 + 1,
      );
      expect(now('http_requests_total{method="POST",route="/records",status="400"}')).toBe(
        post400 + 1,
      );
      expect(now('http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(
        unmatched + 1,
      );
      // The raw URL never becomes a label (that would be one series per record).
      expect(after).not.toContain(created.body.id);
      expect(
        now('http_request_duration_seconds_count{method="GET",route="/records/:id",status="200"}'),
      ).toBe(get200 + 2);
      expect(
        now(
          'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/records/:id",status="200"}',
        ),
      ).toBe(get200 + 2);
    });

    it('counts a body refused before routing (413) as unmatched', async () => {
      const series = 'http_requests_total{method="POST",route="unmatched",status="413"}';
      const before = sample(await scrape(), series) ?? 0;
      await request(t.http)
        .post('/records')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(aRecordBody({ payload: { blob: 'x'.repeat(1024 * 1024) } })))
        .expect(413);
      expect(sample(await scrape(), series)).toBe(before + 1);
    });

    it('exports the processing counters, pool gauges and process metrics', async () => {
      const text = await scrape();
      expect(sample(text, 'workflow_records_created_total')).toEqual(expect.any(Number));
      expect(sample(text, 'workflow_records_processed_total{outcome="processed"}')).toEqual(
        expect.any(Number),
      );
      expect(sample(text, 'workflow_records_processed_total{outcome="failed"}')).toEqual(
        expect.any(Number),
      );
      expect(sample(text, 'workflow_records_retried_total')).toEqual(expect.any(Number));
      expect(sample(text, 'db_pool_max_connections')).toBe(10);
      expect(sample(text, 'db_pool_connections')).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'db_pool_idle_connections')).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'db_pool_waiting_requests')).toBe(0);
      expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(sample(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    });

    it('counts records created, processed by outcome, and retried, once committed', async () => {
      const before = await scrape();
      const counter = (text: string, series: string) => sample(text, series) ?? 0;
      const good = await request(t.http).post('/records').send(aRecordBody()).expect(201);
      const bad = await request(t.http)
        .post('/records')
        .send(aRecordBody({ payload: {} }))
        .expect(201);
      await request(t.http).post(`/records/${good.body.id}/process`).expect(200);
      await request(t.http).post(`/records/${good.body.id}/process`).expect(409);
      await request(t.http).post(`/records/${bad.body.id}/process`).expect(200);
      await request(t.http).post(`/records/${bad.body.id}/retry`).expect(200);
      const after = await scrape();
      const delta = (series: string) => counter(after, series) - counter(before, series);
      expect(delta('workflow_records_created_total')).toBe(2);
      expect(delta('workflow_records_processed_total{outcome="processed"}')).toBe(1);
      expect(delta('workflow_records_processed_total{outcome="failed"}')).toBe(1);
      expect(delta('workflow_records_retried_total')).toBe(1);
    });
  });

  describe('GET /version', () => {
    it('says what is running', async () => {
      const response = await request(t.http).get('/version').expect(200);
      expect(response.body).toEqual({ version, commit: 'unknown', environment: 'test' });
    });
  });

  describe('docs', () => {
    it('documents /metrics as text/plain and /version', async () => {
      const response = await request(t.http).get('/docs-json').expect(200);
      expect(Object.keys(response.body.paths)).toEqual(
        expect.arrayContaining(['/metrics', '/version']),
      );
      expect(Object.keys(response.body.paths['/metrics'].get.responses['200'].content)).toEqual([
        'text/plain',
      ]);
      expect(
        response.body.paths['/version'].get.responses['200'].content['application/json'].schema,
      ).toEqual({ $ref: '#/components/schemas/VersionResponse' });
    });
  });
});
