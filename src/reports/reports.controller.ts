import { Controller, Get, Query, UseInterceptors } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiRequestIdHeader } from '../common/api-docs';
import { READ_SOURCE_RESPONSE_HEADER, ReadSourceInterceptor } from '../database/read-source';
import { SummaryQuery } from './dto/summary.query';
import { SummaryResponse } from './dto/summary.response';
import { ReportsService } from './reports.service';

@ApiTags('reports')
@ApiRequestIdHeader()
@ApiProblems('service-unavailable')
@Controller('reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get('summary')
  @UseInterceptors(ReadSourceInterceptor)
  @ApiOperation({ summary: 'Counts by status and by category, optionally filtered' })
  @ApiOkResponse({ type: SummaryResponse, headers: READ_SOURCE_RESPONSE_HEADER })
  @ApiProblems('validation-error', 'malformed-request')
  summary(@Query() query: SummaryQuery): Promise<SummaryResponse> {
    return this.reports.summary(query);
  }
}
