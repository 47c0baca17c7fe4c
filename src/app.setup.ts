import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { UnsupportedMediaTypeException } from '@nestjs/common';
import { json } from 'express';
import typeIs from 'type-is';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { ProblemDoc } from './common/api-docs';
import { assignRequestId } from './common/request-id';

export const BODY_LIMIT = '1mb';

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * A body that is not JSON is refused (415), rather than read as an empty one.
 * `Content-Length: 0` (what fetch sends on a POST without a body, such as
 * /records/{id}/process) is no body at all, whatever its type.
 */
function rejectNonJsonBodies(
  request: Parameters<typeof typeIs.hasBody>[0],
  _response: unknown,
  next: (error?: unknown) => void,
): void {
  // An empty body (Content-Length: 0, as many clients send on a bare POST) needs no type.
  const hasContent =
    request.headers['transfer-encoding'] !== undefined ||
    Number(request.headers['content-length']) > 0;
  if (hasContent && !typeIs(request, JSON_TYPES)) {
    next(new UnsupportedMediaTypeException('Content-Type must be application/json'));
    return;
  }
  next();
}

/**
 * Builds the application exactly as it runs: main.ts and the e2e tests share this,
 * so the tests exercise the real middleware order. Express specifics live here only.
 */
export async function createApp(): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  // Order matters: the request id first, so even a body the parser rejects is answered with one.
  app.use(assignRequestId);
  app.use(json({ limit: BODY_LIMIT, type: JSON_TYPES }));
  app.use(rejectNonJsonBodies);

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Workflow Service')
      .setDescription(
        'Takes in records from many sources, processes each exactly once (pending -> processed | failed), and reports on them. Errors are RFC 9457 problem documents (application/problem+json).',
      )
      .setVersion(process.env.npm_package_version ?? '0.1.0')
      .build(),
    { extraModels: [ProblemDoc] },
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
