/**
 * Writes the OpenAPI document the service serves at /docs-json, for `redocly lint`
 * (npm run lint:openapi), once per configuration that changes it. No database needed:
 * the app is created in Nest's preview mode, which reads the modules and controllers
 * without running any provider (no TypeORM connection, no embedded PostgreSQL).
 *
 *   ts-node --transpile-only scripts/openapi-document.ts [outDir]   (default dist/openapi)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { ApiDocumentOptions, createApiDocument } from '../src/api-document';
import { AppModule } from '../src/app.module';

const VARIANTS: Record<string, ApiDocumentOptions> = {
  'openapi.json': { apiKeys: false, rateLimit: false },
  'openapi-api-keys-rate-limit.json': { apiKeys: true, rateLimit: true },
};

async function main(): Promise<void> {
  const outDir = process.argv[2] ?? join('dist', 'openapi');
  const app = await NestFactory.create(AppModule.configured(), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  mkdirSync(outDir, { recursive: true });
  for (const [file, options] of Object.entries(VARIANTS)) {
    const path = join(outDir, file);
    writeFileSync(path, `${JSON.stringify(createApiDocument(app, options), null, 2)}\n`);
    console.log(`wrote ${path}`);
  }
  await app.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
