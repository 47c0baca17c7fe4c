import { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { Server } from 'node:http';
import { apiDocumentOptions, createApiDocument } from './api-document';
import { AppModule, AppOptions } from './app.module';
import { createExpressApp } from './bootstrap/express';
import { createFastifyApp } from './bootstrap/fastify';
import { hardenHttpServer } from './common/client-errors';
import { RequestLogging } from './common/request-logging';
import { Environment, validateEnvironment } from './config/environment';

/**
 * Builds the application exactly as it runs: main.ts and the e2e tests share this,
 * so the tests exercise the real middleware order. The adapter (HTTP_ADAPTER) and its
 * specifics live in src/bootstrap/ (one file per adapter); the rest is adapter-neutral.
 * `overrides` take precedence over the environment's configuration.
 */
export async function createApp(
  overrides: Record<string, string> = {},
  options: AppOptions = {},
): Promise<INestApplication> {
  const module = AppModule.configured(overrides, options);
  const { HTTP_ADAPTER } = validateEnvironment({ ...process.env, ...overrides });
  const app =
    HTTP_ADAPTER === 'fastify' ? await createFastifyApp(module) : await createExpressApp(module);
  app.useLogger(app.get(Logger));
  const config = app.get(ConfigService<Environment, true>);
  hardenHttpServer(
    app.getHttpServer(),
    {
      headersTimeoutMs: config.get('HTTP_HEADERS_TIMEOUT_MS', { infer: true }),
      requestTimeoutMs: config.get('HTTP_REQUEST_TIMEOUT_MS', { infer: true }),
    },
    app.get(RequestLogging).root,
  );

  const document = createApiDocument(app, apiDocumentOptions(config));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}

/**
 * Initialises the app and readies its HTTP server for in-process requests (supertest),
 * without listening: Fastify registers its routes only when ready.
 */
export async function initApp(app: INestApplication): Promise<void> {
  await app.init();
  const instance = app.getHttpAdapter().getInstance() as { ready?: () => PromiseLike<unknown> };
  if (app.getHttpAdapter().getType() === 'fastify') await instance.ready?.();
}

/** Listens on every interface (Fastify alone would listen on localhost only). */
export async function listen(app: INestApplication, port: number): Promise<Server> {
  const server: Server =
    app.getHttpAdapter().getType() === 'fastify'
      ? await app.listen(port, '0.0.0.0')
      : await app.listen(port);
  return server;
}
