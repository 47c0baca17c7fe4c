import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { presentedApiKey } from '../common/api-key';
import { ApiKeys, KeyedRequest } from './api-keys';

/** Answers 401 Unauthorized (with `WWW-Authenticate: Bearer`) to what ApiKeys refuses. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly apiKeys: ApiKeys,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<KeyedRequest>();
    if (this.apiKeys.allows(request)) return true;
    this.adapterHost.httpAdapter.setHeader(http.getResponse(), 'WWW-Authenticate', 'Bearer');
    throw new UnauthorizedException(
      presentedApiKey(request.headers) === undefined
        ? 'An API key is required: send X-API-Key or Authorization: Bearer'
        : 'Invalid API key',
    );
  }
}
