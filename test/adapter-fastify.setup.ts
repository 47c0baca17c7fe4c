// The e2e suite's Jest project for fastify: test/app.ts and the spawned services read this.
process.env.HTTP_ADAPTER = 'fastify';
