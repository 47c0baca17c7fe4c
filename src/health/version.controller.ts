import { Controller, Get } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Environment } from '../config/environment';
import { SERVICE_VERSION } from '../config/service-version';

export class VersionResponse {
  @ApiProperty({ example: '0.1.0', description: 'The version in package.json' })
  version: string;

  @ApiProperty({ example: '3f2c1e9', description: 'GIT_COMMIT at build or start, or "unknown"' })
  commit: string;

  @ApiProperty({ example: 'production', description: 'APP_ENV' })
  environment: string;
}

@ApiTags('operations')
@Controller('version')
export class VersionController {
  private readonly answer: VersionResponse;

  constructor(config: ConfigService<Environment, true>) {
    this.answer = {
      version: SERVICE_VERSION,
      commit: config.get('GIT_COMMIT', { infer: true }),
      environment: config.get('APP_ENV', { infer: true }),
    };
  }

  @Get()
  @ApiOperation({ summary: 'What is running: version, commit and environment' })
  @ApiOkResponse({ type: VersionResponse })
  version(): VersionResponse {
    return this.answer;
  }
}
