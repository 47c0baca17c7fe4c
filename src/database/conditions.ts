/**
 * A WHERE clause built from optional filters, with numbered parameters: the one
 * builder the repositories use for their dynamic reads.
 */
export class Conditions {
  private readonly clauses: string[] = [];

  constructor(readonly params: unknown[] = []) {}

  /** Adds `column op $n` when `value` is set. Columns and operators are never user input. */
  where(column: string, op: '=' | '>=' | '<', value: unknown): this {
    if (value !== undefined && value !== null) {
      this.clauses.push(`${column} ${op} ${this.param(value)}`);
    }
    return this;
  }

  /** Adds a clause built by the repository (its parameters through param()); never user input. */
  raw(clause: string): this {
    this.clauses.push(clause);
    return this;
  }

  /** A placeholder for one more parameter. */
  param(value: unknown): string {
    return `$${this.params.push(value)}`;
  }

  /** Another WHERE clause of the same statement, numbering its parameters after these. */
  scope(): Conditions {
    return new Conditions(this.params);
  }

  get sql(): string {
    return this.clauses.length ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
}
