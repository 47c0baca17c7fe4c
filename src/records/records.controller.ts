import {
  applyDecorators,
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
  UseInterceptors,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiIdempotencyKeyHeader,
  ApiProblems,
  ApiRequestIdHeader,
  REPLAYED_RESPONSE_HEADER,
} from '../common/api-docs';
import { Context, RequestContext } from '../common/request-context.decorator';
import { READ_SOURCE_RESPONSE_HEADER, ReadSourceInterceptor } from '../database/read-source';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import { CreateRecordDto } from './dto/create-record.dto';
import {
  BATCH_BODY_LIMIT_BYTES,
  BATCH_ROUTE,
  CreateRecordsBatchDto,
  MAX_BATCH_RECORDS,
  RecordBatchResponse,
} from './dto/create-records-batch.dto';
import { ListRecordsQuery } from './dto/list-records.query';
import { RetryFailedDto, RetryFailedResponse } from './dto/retry-failed.dto';
import { RecordEventResponse, RecordPageResponse, RecordResponse } from './dto/record.response';
import { RecordsService } from './records.service';

/** A status-changing POST: 200 with the record, or 404 / 409. */
const ApiTransition = (summary: string, description: string) =>
  applyDecorators(
    HttpCode(200),
    UseInterceptors(IdempotencyInterceptor),
    ApiIdempotencyKeyHeader(),
    ApiOperation({ summary, description }),
    ApiOkResponse({ type: RecordResponse, headers: REPLAYED_RESPONSE_HEADER }),
    ApiProblems(
      'malformed-request',
      'cross-site-request',
      'unsupported-media-type',
      'record-not-found',
      'invalid-transition',
      'request-in-flight',
      'idempotency-key-reused',
    ),
  );

/** What a POST with a JSON body and an optional Idempotency-Key can be refused with. */
const ApiJsonBodyProblems = () =>
  ApiProblems(
    'validation-error',
    'malformed-request',
    'cross-site-request',
    'payload-too-large',
    'unsupported-media-type',
    'request-in-flight',
    'idempotency-key-reused',
  );

/** The URL of the page after `query`'s: the same filters, sort and limit, and the cursor. */
function nextPageUrl(query: ListRecordsQuery, cursor: string): string {
  const params = new URLSearchParams();
  const kept = {
    status: query.status,
    category: query.category,
    source: query.source,
    created_after: query.created_after,
    created_before: query.created_before,
    sort_by: query.sort_by,
    sort_order: query.sort_order,
    limit: String(query.limit),
  };
  for (const [name, value] of Object.entries(kept))
    if (value !== undefined) params.set(name, value);
  params.set('cursor', cursor);
  return `/records?${params.toString()}`;
}

@ApiTags('records')
@ApiRequestIdHeader()
@ApiProblems('service-unavailable')
@Controller('records')
export class RecordsController {
  constructor(
    private readonly records: RecordsService,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Post()
  @UseInterceptors(IdempotencyInterceptor)
  @ApiIdempotencyKeyHeader()
  @ApiOperation({ summary: 'Create a record (status pending)' })
  @ApiCreatedResponse({
    type: RecordResponse,
    headers: {
      Location: {
        description: '/records/{id}',
        required: true,
        schema: { type: 'string', pattern: '^/records/[0-9a-f-]{36}$' },
      },
      ...REPLAYED_RESPONSE_HEADER,
    },
  })
  @ApiJsonBodyProblems()
  async create(
    @Body() dto: CreateRecordDto,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<RecordResponse> {
    const record = await this.records.create(dto, context);
    // Through the adapter: an Express response and a Fastify reply set headers differently.
    this.adapterHost.httpAdapter.setHeader(response, 'Location', `/records/${record.id}`);
    return record;
  }

  @Post(BATCH_ROUTE.slice('/records/'.length))
  @UseInterceptors(IdempotencyInterceptor)
  @ApiIdempotencyKeyHeader()
  @ApiOperation({
    summary: `Create 1-${MAX_BATCH_RECORDS} records at once, all or none`,
    description:
      'Each record is validated as `POST /records` validates one; an invalid one is named in ' +
      'the 400 details (`records[3].payload`) and nothing is created. Every record gets its ' +
      'creation event under this request id. One `Idempotency-Key` covers the whole batch. ' +
      `The body may be up to ${BATCH_BODY_LIMIT_BYTES / 1024 / 1024} MiB (a single create's: ` +
      '1 MiB); past it, 413.',
  })
  @ApiCreatedResponse({ type: RecordBatchResponse, headers: REPLAYED_RESPONSE_HEADER })
  @ApiJsonBodyProblems()
  createBatch(
    @Body() dto: CreateRecordsBatchDto,
    @Context() context: RequestContext,
  ): Promise<RecordBatchResponse> {
    return this.records.createBatch(dto, context);
  }

  @Post('retry')
  @HttpCode(200)
  @UseInterceptors(IdempotencyInterceptor)
  @ApiIdempotencyKeyHeader()
  @ApiOperation({
    summary: 'Send failed records matching a filter back to pending (bulk retry)',
    description:
      'Up to `limit` failed records, oldest first, each with its `failed -> pending` event under ' +
      'this request id, as a single retry. Records that a concurrent retry holds are skipped, ' +
      'never retried twice.',
  })
  @ApiOkResponse({ type: RetryFailedResponse, headers: REPLAYED_RESPONSE_HEADER })
  @ApiJsonBodyProblems()
  retryFailed(
    @Body() dto: RetryFailedDto,
    @Context() context: RequestContext,
  ): Promise<RetryFailedResponse> {
    return this.records.retryFailed(dto, context);
  }

  @Get()
  @UseInterceptors(ReadSourceInterceptor)
  @ApiOperation({
    summary: 'List records, filtered, sorted and paged (ties broken by id)',
    description:
      'Paged by `offset`, or by `cursor`: every page carries `next_cursor` (null on the last) ' +
      'and, when more items follow, a `Link: <...>; rel="next"` header with the next page\'s URL. ' +
      'Walking the cursors visits every matching record once, even while records are written.',
  })
  @ApiOkResponse({
    type: RecordPageResponse,
    headers: {
      ...READ_SOURCE_RESPONSE_HEADER,
      Link: {
        description: 'RFC 8288: `</records?...&cursor=...>; rel="next"` when more items follow.',
        required: false,
        schema: { type: 'string' },
      },
    },
  })
  @ApiProblems('validation-error', 'malformed-request')
  async list(
    @Query() query: ListRecordsQuery,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<RecordPageResponse> {
    const page = await this.records.list(query);
    if (page.next_cursor !== null) {
      this.adapterHost.httpAdapter.setHeader(
        response,
        'Link',
        `<${nextPageUrl(query, page.next_cursor)}>; rel="next"`,
      );
    }
    return page;
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a record' })
  @ApiOkResponse({ type: RecordResponse })
  @ApiProblems('record-not-found')
  findOne(@Param('id') id: string): Promise<RecordResponse> {
    return this.records.findOne(id);
  }

  @Get(':id/events')
  @UseInterceptors(ReadSourceInterceptor)
  @ApiOperation({ summary: "A record's transitions, oldest first" })
  @ApiOkResponse({ type: [RecordEventResponse], headers: READ_SOURCE_RESPONSE_HEADER })
  @ApiProblems('record-not-found')
  events(@Param('id') id: string): Promise<RecordEventResponse[]> {
    return this.records.events(id);
  }

  @Post(':id/process')
  @ApiTransition(
    'Process a pending record exactly once',
    'Answers 200 with the record processed or failed; 409 for every other caller.',
  )
  process(@Param('id') id: string, @Context() context: RequestContext): Promise<RecordResponse> {
    return this.records.process(id, context);
  }

  @Post(':id/retry')
  @ApiTransition(
    'Send a failed record back to pending',
    'Answers 200 with the record, pending again; 409 if it is not failed.',
  )
  retry(@Param('id') id: string, @Context() context: RequestContext): Promise<RecordResponse> {
    return this.records.retry(id, context);
  }
}
