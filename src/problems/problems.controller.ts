import { Controller, Get, Header, NotFoundException, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../common/api-docs';
import { PROBLEM_KINDS } from '../common/problem';
import { isProblemType, problemIndexPage, problemPage } from './problem-pages';

const HTML = 'text/html; charset=utf-8';
const htmlResponse = (description: string) =>
  ApiOkResponse({ description, content: { 'text/html': { schema: { type: 'string' } } } });

/** The pages that the `type` of every problem document names (RFC 9457). */
@ApiTags('problems')
@Controller('problems')
export class ProblemsController {
  @Get()
  @Header('Content-Type', HTML)
  @Header('Cache-Control', 'public, max-age=3600')
  @ApiOperation({ summary: 'Every problem type, linked to its page' })
  @ApiProduces('text/html')
  @htmlResponse('An HTML page listing the problem types')
  index(): string {
    return problemIndexPage();
  }

  @Get(':type')
  @Header('Content-Type', HTML)
  @Header('Cache-Control', 'public, max-age=3600')
  @ApiOperation({ summary: 'What a problem type means and what to do about it' })
  @ApiParam({
    name: 'type',
    description: "The last segment of a problem document's `type`.",
    enum: Object.keys(PROBLEM_KINDS),
  })
  @ApiProduces('text/html')
  @htmlResponse('An HTML page')
  @ApiProblems('route-not-found')
  page(@Param('type') type: string): string {
    if (!isProblemType(type)) throw new NotFoundException('No such problem type');
    return problemPage(type);
  }
}
