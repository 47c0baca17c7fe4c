import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { RequestValidationError } from '../common/problem';

/** Where a page ended: the last item's sort value (as text) and its id. */
export interface CursorKey {
  value: string;
  id: string;
}

/**
 * Opaque, tamper-evident list cursors (pure): `<body>.<mac>`, both base64url, where the
 * body holds the position and a digest of the query it was made for (filters and sort),
 * and the mac is an HMAC-SHA256 of the body under the configured key (CURSOR_SECRET).
 * A cursor another key made, or one changed by a byte, fails the mac; one made for other
 * filters or another sort fails the digest. Either is a 400 naming `cursor`.
 */
export class RecordCursors {
  constructor(private readonly secret: string) {}

  /** What a list cursor is bound to: the filters (instants parsed) and the sort. */
  static listBinding(query: {
    status?: string;
    category?: string;
    source?: string;
    createdFrom?: Date;
    createdBefore?: Date;
    sortBy: string;
    sortOrder: string;
  }): string {
    return RecordCursors.binding([
      query.status ?? null,
      query.category ?? null,
      query.source ?? null,
      query.createdFrom?.toISOString() ?? null,
      query.createdBefore?.toISOString() ?? null,
      query.sortBy,
      query.sortOrder,
    ]);
  }

  /** A digest of what a cursor is bound to: any JSON-able description of the query. */
  static binding(query: unknown): string {
    return createHash('sha256').update(JSON.stringify(query)).digest('base64url').slice(0, 22);
  }

  encode(key: CursorKey, binding: string): string {
    const body = Buffer.from(JSON.stringify([key.value, key.id, binding])).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  decode(token: string, binding: string): CursorKey {
    const [body, mac, ...rest] = token.split('.');
    const expected = Buffer.from(this.mac(body ?? ''));
    const given = Buffer.from(mac ?? '');
    if (rest.length > 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw invalid('cursor is not one this service made (or it was changed)');
    }
    const [value, id, boundTo] = JSON.parse(Buffer.from(body, 'base64url').toString()) as [
      string,
      string,
      string,
    ];
    if (boundTo !== binding) {
      throw invalid('cursor was made for other filters or another sort; send the same ones');
    }
    return { value, id };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}

const invalid = (message: string) => new RequestValidationError([{ field: 'cursor', message }]);
