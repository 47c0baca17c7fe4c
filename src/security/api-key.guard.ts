import {
  CanActivate,
  ExecutionContext,
  Injectable,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { presentedApiKey } from '../common/api-key';
import { ApiKeys, KeyedRequest } from './api-keys';

const KEYED_READS = 'workflow:keyed-reads';

/** On a controller or handler: its reads (GET, HEAD) need the API key too, when keys are configured. */
export const RequireApiKeyForReads = () => SetMetadata(KEYED_READS, true);

/** Answers 401 Unauthorized (with `WWW-Authenticate: Bearer`) to what ApiKeys refuses. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly apiKeys: ApiKeys,
    private readonly adapterHost: HttpAdapterHost,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<KeyedRequest>();
    const keyedReads = this.reflector.getAllAndOverride<boolean | undefined>(KEYED_READS, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (this.apiKeys.allows(request, keyedReads === true)) return true;
    this.adapterHost.httpAdapter.setHeader(http.getResponse(), 'WWW-Authenticate', 'Bearer');
    throw new UnauthorizedException(
      presentedApiKey(request.headers) === undefined
        ? 'An API key is required: send X-API-Key or Authorization: Bearer'
        : 'Invalid API key',
    );
  }
}
