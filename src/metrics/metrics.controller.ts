import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Registry } from 'prom-client';

@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: Registry) {}

  @Get()
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Prometheus metrics',
    description:
      'Prometheus text format: http_requests_total and http_request_duration_seconds by method, route template and status; workflow_records_created_total, workflow_records_processed_total{outcome}, workflow_records_retried_total; db_pool_* (pool size, idle, waiting); and the default Node.js process metrics.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'Prometheus text exposition format 0.0.4',
    content: {
      'text/plain': {
        schema: {
          type: 'string',
          example:
            '# HELP http_requests_total HTTP requests answered, by method, route template and status\n# TYPE http_requests_total counter\nhttp_requests_total{method="GET",route="/records/:id",status="200"} 3\n',
        },
      },
    },
  })
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
