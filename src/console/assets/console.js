// The operations console: plain DOM code on the service's own API, no build step.
// Everything is text (textContent), never HTML built from data.

const KEY_STORAGE = 'workflow-console.api-key';
const REFRESH_MS = 5000;
const MAX_BULK_RETRY = 1000;

const $ = (selector) => document.querySelector(selector);
const keysRequired = document.querySelector('meta[name="api-keys"]')?.content === 'required';

const state = { offset: 0, total: 0, openId: null };

/** An element with text and attributes. */
function el(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

const formatTime = (iso) => (iso ? new Date(iso).toLocaleString() : '–');

// ---------------------------------------------------------------- the API key

const storedKey = () => sessionStorage.getItem(KEY_STORAGE);

function showKeyState(message) {
  const key = storedKey();
  const ask = keysRequired && (!key || message);
  $('#api-key').hidden = !ask;
  $('#api-key-message').textContent =
    message ?? 'This service needs an API key for actions (reading needs none).';
  $('#api-key-status').hidden = !key || Boolean(ask);
}

$('#api-key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const key = $('#api-key-input').value.trim();
  if (!key) return;
  sessionStorage.setItem(KEY_STORAGE, key);
  $('#api-key-input').value = '';
  showKeyState();
  report('API key kept for this tab.');
});

$('#api-key-forget').addEventListener('click', () => {
  sessionStorage.removeItem(KEY_STORAGE);
  showKeyState();
  report('API key forgotten.');
  if (keysRequired) $('#api-key-input').focus();
});

// ---------------------------------------------------------------- HTTP

class ApiError extends Error {
  constructor(response, body) {
    super(body?.message ?? `${response.status} ${response.statusText}`);
    this.status = response.status;
    this.requestId = response.headers.get('x-request-id') ?? body?.request_id ?? null;
    this.details = body?.details ?? [];
  }
}

async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const key = storedKey();
  if (method !== 'GET' && key) headers['X-API-Key'] = key;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) throw new ApiError(response, parsed);
  return { body: parsed, requestId: response.headers.get('x-request-id') };
}

const describeError = (error) => {
  const details = error.details?.length
    ? `: ${error.details.map((d) => d.message).join('; ')}`
    : '';
  return `${error.message}${details}`;
};

function showError(selector, error) {
  const node = $(selector);
  node.hidden = !error;
  node.textContent = error ? describeError(error) : '';
}

/** One line in the activity log, newest first, with the request id of what it did. */
function report(message, requestId, failed = false) {
  const item = el('li', message, { class: failed ? 'error' : 'ok' });
  if (requestId) {
    item.append(' Request id: ');
    item.append(el('code', requestId, { class: 'request-id' }));
  }
  $('#activity').prepend(item);
  while ($('#activity').children.length > 8) $('#activity').lastElementChild.remove();
}

/** A POST from a button: reports the outcome, asks for a key again when refused. */
async function act(description, method, path, body) {
  if (keysRequired && !storedKey()) {
    showKeyState('Enter the API key first: this service needs one for actions.');
    $('#api-key-input').focus();
    return null;
  }
  try {
    const result = await api(method, path, body);
    return result;
  } catch (error) {
    if (error.status === 401) {
      sessionStorage.removeItem(KEY_STORAGE);
      showKeyState(`The API key was refused (${error.message}). Enter a valid key and try again.`);
      report(`${description}: refused, the API key was not accepted.`, error.requestId, true);
      $('#api-key-input').focus();
    } else {
      report(`${description}: ${describeError(error)}`, error.requestId, true);
    }
    return null;
  }
}

// ---------------------------------------------------------------- overview

async function refreshOverview() {
  const form = new FormData($('#overview-form'));
  const query = new URLSearchParams();
  for (const name of ['date_from', 'date_to']) {
    if (form.get(name)) query.set(name, form.get(name));
  }
  try {
    const { body } = await api('GET', `/reports/summary?${query}`);
    showError('#overview-error', null);
    $('[data-count="total"]').textContent = body.total_records;
    for (const status of ['pending', 'processed', 'failed']) {
      $(`[data-count="${status}"]`).textContent = body.by_status[status];
    }
    const rows = Object.entries(body.by_category)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([category, count]) => {
        const row = el('tr');
        row.append(el('th', category, { scope: 'row' }), el('td', count, { class: 'number' }));
        return row;
      });
    if (rows.length === 0) {
      const row = el('tr');
      row.append(el('td', 'No records', { colspan: '2' }));
      rows.push(row);
    }
    $('#categories tbody').replaceChildren(...rows);
    $('#overview-updated').textContent = `Updated ${new Date().toLocaleTimeString()}.`;
  } catch (error) {
    showError('#overview-error', error);
  }
}

$('#overview-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void refreshOverview();
});

// ---------------------------------------------------------------- records

/** The table's filters as the API takes them (datetime-local read as local time). */
function recordFilters() {
  const form = new FormData($('#records-form'));
  const filters = {};
  for (const name of ['status', 'category', 'source']) {
    const value = String(form.get(name) ?? '').trim();
    if (value) filters[name] = value;
  }
  for (const name of ['created_after', 'created_before']) {
    const value = String(form.get(name) ?? '');
    if (value) {
      const at = new Date(value);
      filters[name] = Number.isNaN(at.getTime()) ? value : at.toISOString();
    }
  }
  return filters;
}

function actionButtons(record, onDone) {
  const buttons = [];
  if (record.status === 'pending') {
    const process = el('button', 'Process', {
      type: 'button',
      'aria-label': `Process record ${record.id}`,
    });
    process.addEventListener('click', () => runAction(record, 'process', onDone));
    buttons.push(process);
  }
  if (record.status === 'failed') {
    const retry = el('button', 'Retry', {
      type: 'button',
      'aria-label': `Retry record ${record.id}`,
    });
    retry.addEventListener('click', () => runAction(record, 'retry', onDone));
    buttons.push(retry);
  }
  return buttons;
}

async function runAction(record, action, onDone) {
  const verb = action === 'process' ? 'Process' : 'Retry';
  const result = await act(
    `${verb} record ${record.id}`,
    'POST',
    `/records/${record.id}/${action}`,
  );
  if (result) {
    const outcome =
      result.body.status === 'failed' ? `failed: ${result.body.error}` : result.body.status;
    report(`${verb} record ${record.id}: now ${outcome}.`, result.requestId);
  }
  await Promise.all([loadRecords(), refreshOverview(), refreshThroughput(), onDone?.()]);
}

async function loadRecords() {
  const form = new FormData($('#records-form'));
  const limit = Number(form.get('limit'));
  const query = new URLSearchParams({
    ...recordFilters(),
    sort_by: String(form.get('sort_by')),
    sort_order: String(form.get('sort_order')),
    limit: String(limit),
    offset: String(state.offset),
  });
  try {
    const { body } = await api('GET', `/records?${query}`);
    showError('#records-error', null);
    state.total = body.total;
    const rows = body.items.map((record) => {
      const row = el('tr', undefined, { 'data-id': record.id, 'data-status': record.status });
      const open = el('button', 'Open', {
        type: 'button',
        'aria-label': `Open record ${record.id}`,
      });
      open.addEventListener('click', () => openRecord(record.id));
      const outcome =
        record.status === 'failed'
          ? el('td', record.error, { class: 'error-text' })
          : el('td', record.classification ? `${record.classification} (${record.score})` : '–');
      const actions = el('td', undefined, { class: 'actions' });
      actions.append(open, ...actionButtons(record));
      row.append(
        el('td', formatTime(record.created_at)),
        el('td', undefined, { class: 'status' }),
        el('td', record.category),
        el('td', record.source),
        outcome,
        el('td', record.attempts, { class: 'number' }),
        actions,
      );
      row.children[1].append(el('span', record.status, { class: `badge ${record.status}` }));
      return row;
    });
    if (rows.length === 0) {
      const row = el('tr');
      row.append(el('td', 'No records match these filters.', { colspan: '7' }));
      rows.push(row);
    }
    $('#records-table tbody').replaceChildren(...rows);
    const first = body.items.length ? state.offset + 1 : 0;
    const last = state.offset + body.items.length;
    $('#page-position').textContent = `${first}–${last} of ${body.total}`;
    $('#records-caption').textContent = `Records ${first}–${last} of ${body.total}`;
    $('#page-previous').disabled = state.offset === 0;
    $('#page-next').disabled = last >= body.total;
  } catch (error) {
    showError('#records-error', error);
  }
}

$('#records-form').addEventListener('submit', (event) => {
  event.preventDefault();
  state.offset = 0;
  void loadRecords();
});
$('#page-previous').addEventListener('click', () => {
  state.offset = Math.max(0, state.offset - Number(new FormData($('#records-form')).get('limit')));
  void loadRecords();
});
$('#page-next').addEventListener('click', () => {
  state.offset += Number(new FormData($('#records-form')).get('limit'));
  void loadRecords();
});

// ---------------------------------------------------------------- one record

async function openRecord(id) {
  state.openId = id;
  $('#detail').hidden = false;
  try {
    const [{ body: record }, { body: events }] = await Promise.all([
      api('GET', `/records/${id}`),
      api('GET', `/records/${id}/events`),
    ]);
    showError('#detail-error', null);
    $('#detail-heading').textContent = `Record ${record.id}`;
    const fields = [
      ['Status', record.status],
      ['Category', record.category],
      ['Source', record.source],
      ['Created', formatTime(record.created_at)],
      ['Updated', formatTime(record.updated_at)],
      ['Processed', formatTime(record.processed_at)],
      ['Classification', record.classification ?? '–'],
      ['Score', record.score ?? '–'],
      ['Error', record.error ?? '–'],
      ['Attempts', record.attempts],
    ];
    $('#detail-fields').replaceChildren(
      ...fields.flatMap(([name, value]) => [el('dt', name), el('dd', value)]),
    );
    $('#detail-payload').textContent = JSON.stringify(record.payload, null, 2);
    $('#detail-events tbody').replaceChildren(
      ...events.map((event) => {
        const row = el('tr');
        row.append(
          el('td', formatTime(event.at)),
          el('td', `${event.from_status ?? 'created'} → ${event.to_status}`),
          el('td', undefined),
          el('td', event.error ?? '–'),
        );
        row.children[2].append(el('code', event.request_id));
        return row;
      }),
    );
    $('.detail-actions').replaceChildren(...actionButtons(record, () => openRecord(id)));
  } catch (error) {
    showError('#detail-error', error);
  }
  $('#detail-heading').focus();
}

$('#detail-close').addEventListener('click', () => {
  $('#detail').hidden = true;
  state.openId = null;
  $('#records-heading').focus();
});

// ---------------------------------------------------------------- bulk retry

function confirm(text) {
  const dialog = $('#confirm');
  $('#confirm-text').textContent = text;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), {
      once: true,
    });
    dialog.returnValue = '';
    dialog.showModal();
    $('#confirm-cancel').focus();
  });
}

$('#bulk-retry').addEventListener('click', async () => {
  const { status, ...filters } = recordFilters();
  if (status && status !== 'failed') {
    report(
      `Bulk retry only sends failed records back; the status filter is ${status}.`,
      null,
      true,
    );
    return;
  }
  let total;
  try {
    const query = new URLSearchParams({ ...filters, status: 'failed', limit: '1' });
    total = (await api('GET', `/records?${query}`)).body.total;
  } catch (error) {
    showError('#records-error', error);
    return;
  }
  if (total === 0) {
    report('No failed records match these filters: nothing to retry.');
    return;
  }
  const limit = Math.min(total, MAX_BULK_RETRY);
  const more = total > limit ? ` (the oldest ${limit} of them now; run it again for the rest)` : '';
  const described = Object.entries(filters)
    .map(([name, value]) => `${name} ${value}`)
    .join(', ');
  const ok = await confirm(
    `Retry ${total} failed record${total === 1 ? '' : 's'}${
      described ? ` matching ${described}` : ''
    }${more}? They go back to pending.`,
  );
  if (!ok) {
    report('Bulk retry cancelled.');
    return;
  }
  const result = await act('Bulk retry', 'POST', '/records/retry', { ...filters, limit });
  if (result) {
    report(`Bulk retry: ${result.body.retried} record(s) sent back to pending.`, result.requestId);
  }
  await Promise.all([loadRecords(), refreshOverview(), refreshThroughput()]);
});

// ---------------------------------------------------------------- throughput chart
// GET /reports/timeseries drawn as SVG: per bucket, bars for created (hatched),
// processed (solid) and failed (dotted), and the failure share (failed of processed +
// failed) as a dashed line on the right axis. Patterns and labels, not colour alone.
// One tab stop: the arrow keys move between buckets; hover or focus shows the numbers.

const SVG_NS = 'http://www.w3.org/2000/svg';
const CHART = { width: 960, height: 280, left: 44, right: 44, top: 12, bottom: 34 };
const SERIES = ['created', 'processed', 'failed'];
const throughput = { points: [], bucket: 'hour', active: 0 };

function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

/** failed / (processed + failed), or null when nothing finished. */
const failureShare = (point) =>
  point.processed + point.failed === 0 ? null : point.failed / (point.processed + point.failed);
const percent = (share) => (share === null ? 'no outcomes' : `${(share * 100).toFixed(1)}% failed`);

function bucketLabel(start, bucket, long = false) {
  const at = new Date(start);
  if (bucket === 'day') {
    return at.toLocaleDateString(undefined, {
      timeZone: 'UTC',
      month: 'short',
      day: 'numeric',
      ...(long && { year: 'numeric', weekday: 'short' }),
    });
  }
  const time = at.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return long ? `${at.toLocaleDateString()} ${time}` : time;
}

/** One bucket's numbers, as the readout and each bucket's accessible name say them. */
function describePoint(point, bucket) {
  return (
    `${bucketLabel(point.start, bucket, true)} (${bucket}): ${point.created} created, ` +
    `${point.processed} processed, ${point.failed} failed (${percent(failureShare(point))}), ` +
    `${point.retried} retried`
  );
}

/** A round axis maximum at or above `max`. */
function niceMax(max) {
  if (max <= 4) return 4;
  const step = 10 ** Math.floor(Math.log10(max));
  return Math.ceil(max / step) * step;
}

function chartPatterns() {
  const defs = svg('defs');
  const hatch = svg('pattern', {
    id: 'pattern-created',
    width: 5,
    height: 5,
    patternUnits: 'userSpaceOnUse',
    patternTransform: 'rotate(45)',
  });
  hatch.append(
    svg('rect', { width: 5, height: 5, class: 'pattern-ground' }),
    svg('rect', { width: 2, height: 5, class: 'pattern-ink created' }),
  );
  const dots = svg('pattern', {
    id: 'pattern-failed',
    width: 4,
    height: 4,
    patternUnits: 'userSpaceOnUse',
  });
  dots.append(
    svg('rect', { width: 4, height: 4, class: 'pattern-ground' }),
    svg('circle', { cx: 2, cy: 2, r: 1.3, class: 'pattern-ink failed' }),
  );
  defs.append(hatch, dots);
  return defs;
}

function drawThroughput() {
  const { points, bucket } = throughput;
  const chart = $('#throughput-chart');
  const plotWidth = CHART.width - CHART.left - CHART.right;
  const plotHeight = CHART.height - CHART.top - CHART.bottom;
  const baseline = CHART.top + plotHeight;
  const yMax = niceMax(Math.max(0, ...points.flatMap((p) => SERIES.map((name) => p[name]))));
  const y = (value) => baseline - (value / yMax) * plotHeight;
  const slot = plotWidth / Math.max(points.length, 1);
  const barWidth = Math.max(1, (slot * 0.8) / SERIES.length);

  const axes = svg('g', { class: 'axis' });
  for (let i = 0; i <= 4; i++) {
    const value = (yMax * i) / 4;
    axes.append(
      svg('line', {
        class: 'grid',
        x1: CHART.left,
        x2: CHART.width - CHART.right,
        y1: y(value),
        y2: y(value),
      }),
      svg('text', { x: CHART.left - 6, y: y(value) + 4, 'text-anchor': 'end' }, value),
      svg('text', { x: CHART.width - CHART.right + 6, y: y(value) + 4 }, `${25 * i}%`),
    );
  }
  const labelEvery = Math.ceil(points.length / 12);
  const buckets = points.map((point, index) => {
    const x = CHART.left + index * slot;
    const group = svg('g', {
      class: 'bucket',
      tabindex: index === throughput.active ? 0 : -1,
      role: 'img',
      'aria-label': describePoint(point, bucket),
      'data-index': index,
      'data-start': point.start,
      'data-created': point.created,
      'data-processed': point.processed,
      'data-failed': point.failed,
      'data-retried': point.retried,
    });
    group.append(svg('rect', { class: 'hit', x, y: CHART.top, width: slot, height: plotHeight }));
    SERIES.forEach((name, n) => {
      group.append(
        svg('rect', {
          class: `bar ${name}`,
          'data-series': name,
          x: x + slot * 0.1 + n * barWidth,
          y: y(point[name]),
          width: barWidth,
          height: baseline - y(point[name]),
        }),
      );
    });
    if (index % labelEvery === 0) {
      axes.append(
        svg(
          'text',
          { x: x + slot / 2, y: baseline + 16, 'text-anchor': 'middle' },
          bucketLabel(point.start, bucket),
        ),
      );
    }
    group.addEventListener('mouseenter', () => activate(index, false));
    group.addEventListener('focus', () => activate(index, false));
    return group;
  });

  const share = points
    .map((point, index) => [index, failureShare(point)])
    .filter(([, value]) => value !== null)
    .map(([index, value]) => [CHART.left + (index + 0.5) * slot, baseline - value * plotHeight]);
  const line = svg('g', { class: 'share', 'aria-hidden': 'true' });
  if (share.length > 1) {
    line.append(
      svg('polyline', { class: 'share-line', points: share.map((xy) => xy.join(',')).join(' ') }),
    );
  }
  for (const [cx, cy] of share) line.append(svg('circle', { class: 'share-dot', cx, cy, r: 2.5 }));

  chart.replaceChildren(chartPatterns(), axes, ...buckets, line);
  showReadout();
}

function showReadout() {
  const point = throughput.points[throughput.active];
  for (const group of $('#throughput-chart').querySelectorAll('.bucket')) {
    const on = Number(group.dataset.index) === throughput.active;
    group.classList.toggle('active', on);
    group.setAttribute('tabindex', on ? '0' : '-1');
  }
  $('#throughput-readout').textContent = point ? describePoint(point, throughput.bucket) : '';
}

function activate(index, focus) {
  throughput.active = Math.min(Math.max(index, 0), throughput.points.length - 1);
  showReadout();
  if (focus) $(`#throughput-chart .bucket[data-index="${throughput.active}"]`)?.focus();
}

$('#throughput-chart').addEventListener('keydown', (event) => {
  const moves = { ArrowLeft: -1, ArrowRight: 1, Home: -Infinity, End: Infinity };
  if (!(event.key in moves)) return;
  event.preventDefault();
  const move = moves[event.key];
  const target = Number.isFinite(move)
    ? throughput.active + move
    : move < 0
      ? 0
      : throughput.points.length - 1;
  activate(target, true);
});

/** The window the select asks for: the last 24 hours by hour, or the last 30 days by day. */
function throughputQuery() {
  const bucket = new FormData($('#throughput-form')).get('window') === 'day' ? 'day' : 'hour';
  if (bucket === 'hour') return new URLSearchParams({ bucket });
  const first = new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10);
  return new URLSearchParams({ bucket, date_from: first });
}

async function refreshThroughput() {
  try {
    const { body } = await api('GET', `/reports/timeseries?${throughputQuery()}`);
    showError('#throughput-error', null);
    const changed =
      body.bucket !== throughput.bucket || body.points.length !== throughput.points.length;
    throughput.bucket = body.bucket;
    throughput.points = body.points;
    // A new window starts on its newest bucket; a refresh keeps the one looked at.
    if (changed) throughput.active = body.points.length - 1;
    const total = { created: 0, processed: 0, failed: 0, retried: 0 };
    for (const point of body.points)
      for (const name of Object.keys(total)) total[name] += point[name];
    $('#throughput-totals').textContent =
      `From ${new Date(body.date_from).toLocaleString()} to ${new Date(body.date_to).toLocaleString()}: ` +
      `${total.created} created, ${total.processed} processed, ${total.failed} failed ` +
      `(failure share ${percent(failureShare(total))}), ${total.retried} retried.`;
    const focused = document.activeElement?.closest?.('#throughput-chart');
    drawThroughput();
    if (focused) activate(throughput.active, true);
  } catch (error) {
    showError('#throughput-error', error);
  }
}

$('#throughput-form').addEventListener('change', () => void refreshThroughput());
// ---------------------------------------------------------------- webhooks
// The Webhooks panel (its own block: endpoints, their recent deliveries, redeliver).
// Every /webhooks route, reads included, needs the API key when keys are configured.

const webhooks = { openId: null };

async function webhookGet(path) {
  const headers = { Accept: 'application/json' };
  const key = storedKey();
  if (key) headers['X-API-Key'] = key;
  const response = await fetch(path, { headers });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response, body);
  return body;
}

const describeOutcome = (outcome) =>
  outcome
    ? `${outcome.status}${outcome.status_code ? ` (${outcome.status_code})` : ''}${
        outcome.error ? `: ${outcome.error}` : ''
      }`
    : 'no attempt yet';

async function loadWebhooks() {
  if (keysRequired && !storedKey()) {
    showError('#webhooks-error', new Error('Enter the API key to see the webhooks.'));
    return;
  }
  let page;
  try {
    page = await webhookGet('/webhooks');
  } catch (error) {
    showError('#webhooks-error', error);
    return;
  }
  showError('#webhooks-error', null);
  const rows = page.items.map((endpoint) => {
    const row = el('tr', undefined, { 'data-webhook-id': endpoint.id });
    row.append(el('td', endpoint.url, { class: 'webhook-url' }));
    row.append(el('td', endpoint.events.join(', ')));
    row.append(
      el(
        'td',
        endpoint.enabled
          ? 'yes'
          : `no${endpoint.disabled_reason ? `: ${endpoint.disabled_reason}` : ''}`,
        { class: endpoint.enabled ? 'webhook-enabled' : 'webhook-disabled' },
      ),
    );
    row.append(el('td', describeOutcome(endpoint.last_outcome), { class: 'webhook-outcome' }));
    const actions = el('td');
    const show = el('button', 'Deliveries', { type: 'button', class: 'webhook-deliveries' });
    show.addEventListener('click', () => void showDeliveries(endpoint.id, endpoint.url));
    actions.append(show);
    row.append(actions);
    return row;
  });
  if (rows.length === 0) {
    rows.push(el('tr'));
    rows[0].append(el('td', 'No webhook endpoints.', { colspan: '5' }));
  }
  $('#webhooks-table tbody').replaceChildren(...rows);
}

async function showDeliveries(endpointId, url) {
  webhooks.openId = endpointId;
  let page;
  try {
    page = await webhookGet(`/webhooks/${encodeURIComponent(endpointId)}/deliveries?limit=25`);
  } catch (error) {
    showError('#webhooks-error', error);
    return;
  }
  $('#webhook-deliveries').hidden = false;
  $('#webhook-deliveries-heading').textContent = `Deliveries to ${url}`;
  const rows = page.items.map((delivery) => {
    const row = el('tr', undefined, { 'data-delivery-id': delivery.id });
    row.append(el('td', formatTime(delivery.created_at)));
    row.append(el('td', `${delivery.event_type} (${delivery.event_id})`));
    row.append(el('td', delivery.status, { class: `delivery-status ${delivery.status}` }));
    row.append(el('td', delivery.attempts, { class: 'number' }));
    const answer = [delivery.last_status_code, delivery.last_error].filter((part) => part !== null);
    row.append(el('td', answer.length ? answer.join(': ') : '–', { class: 'delivery-answer' }));
    row.append(el('td', formatTime(delivery.next_attempt_at)));
    const actions = el('td');
    const again = el('button', 'Redeliver', { type: 'button', class: 'redeliver' });
    again.addEventListener('click', () => void redeliver(delivery.id, url));
    actions.append(again);
    row.append(actions);
    return row;
  });
  if (rows.length === 0) {
    rows.push(el('tr'));
    rows[0].append(el('td', 'No deliveries yet.', { colspan: '7' }));
  }
  $('#webhook-deliveries-table tbody').replaceChildren(...rows);
}

async function redeliver(deliveryId, url) {
  const result = await act(
    'Redeliver',
    'POST',
    `/webhooks/deliveries/${encodeURIComponent(deliveryId)}/redeliver`,
  );
  if (!result) return;
  report(`Redelivery of ${result.body.event_id} to ${url} queued.`, result.requestId);
  await showDeliveries(webhooks.openId, url);
}

$('#webhooks-refresh').addEventListener('click', () => void loadWebhooks());

// ---------------------------------------------------------------- start

showKeyState();
void refreshOverview();
void refreshThroughput();
void loadRecords();
void loadWebhooks();
setInterval(() => {
  if (document.visibilityState !== 'visible') return;
  void refreshOverview();
  void refreshThroughput();
}, REFRESH_MS);
