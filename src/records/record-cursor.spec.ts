import { RequestValidationError } from '../common/problem';
import { RecordCursors } from './record-cursor';

describe('RecordCursors', () => {
  const cursors = new RecordCursors('a-secret-of-sixteen+');
  const key = { value: '2026-01-01T00:00:00.123456Z', id: '0190a8e2-0000-7000-8000-000000000001' };
  const binding = RecordCursors.listBinding({
    category: 'order',
    sortBy: 'created_at',
    sortOrder: 'desc',
  });

  const refusal = (run: () => unknown): string => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(RequestValidationError);
      const [detail] = (error as RequestValidationError).details;
      expect(detail.field).toBe('cursor');
      return detail.message;
    }
    throw new Error('not refused');
  };

  it('gives back the position it encoded, in an opaque URL-safe token', () => {
    const token = cursors.encode(key, binding);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(cursors.decode(token, binding)).toEqual(key);
  });

  it('refuses a token changed in any byte, made under another key, or malformed', () => {
    const token = cursors.encode(key, binding);
    for (let i = 0; i < token.length; i++) {
      const changed = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
      expect(refusal(() => cursors.decode(changed, binding))).toMatch(/not one this service made/);
    }
    const other = new RecordCursors('another-secret-16chars').encode(key, binding);
    expect(refusal(() => cursors.decode(other, binding))).toMatch(/not one this service made/);
    for (const bad of ['', '.', 'abc', `${token}.x`]) {
      expect(refusal(() => cursors.decode(bad, binding))).toMatch(/not one this service made/);
    }
  });

  it('refuses a cursor made for other filters or another sort', () => {
    const token = cursors.encode(key, binding);
    const others = [
      { category: 'refund', sortBy: 'created_at', sortOrder: 'desc' },
      { sortBy: 'created_at', sortOrder: 'desc' },
      { category: 'order', sortBy: 'created_at', sortOrder: 'asc' },
      { category: 'order', sortBy: 'source', sortOrder: 'desc' },
      { category: 'order', createdFrom: new Date(0), sortBy: 'created_at', sortOrder: 'desc' },
    ];
    for (const query of others) {
      expect(refusal(() => cursors.decode(token, RecordCursors.listBinding(query)))).toMatch(
        /other filters or another sort/,
      );
    }
  });
});
