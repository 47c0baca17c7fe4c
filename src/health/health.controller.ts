import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { DrainState } from './drain-state';

const PING_TIMEOUT_MS = 1000;

@ApiTags('health')
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly drain: DrainState,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: the database answers and the service is not draining' })
  @ApiServiceUnavailableResponse({ description: 'Database unreachable, or shutting down' })
  async check() {
    if (this.drain.draining) throw new ServiceUnavailableException('Service is shutting down');
    try {
      return await this.health.check([
        () => this.database.pingCheck('database', { timeout: PING_TIMEOUT_MS }),
      ]);
    } catch (error) {
      // Terminus says only "Service Unavailable Exception": say which check failed.
      if (error instanceof ServiceUnavailableException) {
        throw new ServiceUnavailableException(
          `The database did not answer within ${PING_TIMEOUT_MS} ms`,
        );
      }
      throw error;
    }
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process runs (no database call)' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
