import { Controller, Get, Header } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiExcludeController } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Environment } from '../config/environment';

/** Copied next to the compiled controller by nest-cli.json's `assets`. */
const ASSETS = join(__dirname, 'assets');
const asset = (name: string): string => readFileSync(join(ASSETS, name), 'utf8');

/**
 * The console's own policy, stricter than the service-wide one (which lets the Swagger
 * UI at /docs use inline styles): scripts, styles and API calls from this service only,
 * nothing inline, nothing framed.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/**
 * The operations console: a page and its two assets, read once at start-up and
 * answered as strings (adapter-neutral). Not part of the API, so not in its document.
 */
@ApiExcludeController()
@Controller('console')
export class ConsoleController {
  private readonly page: string;
  private readonly script = asset('console.js');
  private readonly styles = asset('console.css');

  constructor(config: ConfigService<Environment, true>) {
    // The page says whether actions need a key (never which keys): it asks for one only then.
    const keys = config.get('API_KEYS', { infer: true }).length > 0 ? 'required' : 'none';
    this.page = asset('index.html').replace('{{API_KEYS}}', keys);
  }

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  @Header('Content-Security-Policy', CONSOLE_CSP)
  index(): string {
    return this.page;
  }

  @Get('console.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  javascript(): string {
    return this.script;
  }

  @Get('console.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  stylesheet(): string {
    return this.styles;
  }
}
