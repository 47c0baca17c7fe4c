// The e2e suite's Jest project for express: test/app.ts and the spawned services read this.
process.env.HTTP_ADAPTER = 'express';
