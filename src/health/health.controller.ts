import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ApiProblems } from '../common/api-docs';
import { DrainState } from './drain-state';

const PING_TIMEOUT_MS = 1000;

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly drain: DrainState,
  ) {}

  @Get()
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({ summary: 'Readiness: the database answers and the service is not draining' })
  @ApiOkResponse({
    description: "Terminus's report: every check up",
    schema: {
      type: 'object',
      required: ['status', 'info', 'error', 'details'],
      properties: {
        status: { type: 'string', enum: ['ok'] },
        info: { type: 'object', example: { database: { status: 'up' } } },
        error: { type: 'object', example: {} },
        details: { type: 'object', example: { database: { status: 'up' } } },
      },
    },
  })
  @ApiProblems('service-unavailable')
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
  @ApiOkResponse({
    schema: {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string', enum: ['ok'] } },
      example: { status: 'ok' },
    },
  })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
