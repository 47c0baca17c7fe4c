/**
 * Reference for `npm run bench`: a bare Nest 11 app (one controller, no logger, no
 * validation, no middleware) on the service's adapter (HTTP_ADAPTER: express, the
 * default, or fastify), answering the benchmarked requests with the service's
 * statements (reference-queries.ts). PORT and DATABASE_URL from the environment.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import {
  Body,
  Controller,
  Get,
  Inject,
  Module,
  NotFoundException,
  Param,
  Post,
  Res,
} from '@nestjs/common';
import { AbstractHttpAdapter, NestFactory } from '@nestjs/core';
import type { Pool } from 'pg';
import { createRecord, getRecord, referencePool } from './reference-queries';

const POOL = Symbol('POOL');

@Controller()
class ReferenceController {
  constructor(@Inject(POOL) private readonly pool: Pool) {}

  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  @Get('records/:id')
  async get(@Param('id') id: string) {
    const record = await getRecord(this.pool, id);
    if (!record) throw new NotFoundException();
    return record;
  }

  @Post('records')
  async create(
    @Body() body: unknown,
    @Res({ passthrough: true }) response: { header: (name: string, value: string) => void },
  ) {
    const record = await createRecord(this.pool, body, `req_${randomUUID().replaceAll('-', '')}`);
    response.header('Location', `/records/${record.id}`);
    return record;
  }
}

@Module({
  controllers: [ReferenceController],
  providers: [{ provide: POOL, useFactory: referencePool }],
})
class ReferenceModule {}

/** The adapter as the service picks it: platform-fastify only when asked for. */
async function adapter(): Promise<AbstractHttpAdapter | undefined> {
  if (process.env.HTTP_ADAPTER !== 'fastify') return undefined;
  // Named through a variable: the package is there only once the service has the adapter.
  const platform = '@nestjs/platform-fastify';
  const { FastifyAdapter } = (await import(platform)) as {
    FastifyAdapter: new () => AbstractHttpAdapter;
  };
  return new FastifyAdapter();
}

async function main(): Promise<void> {
  const httpAdapter = await adapter();
  const app = httpAdapter
    ? await NestFactory.create(ReferenceModule, httpAdapter, { logger: false })
    : await NestFactory.create(ReferenceModule, { logger: false });
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT), '127.0.0.1');
}

void main();
