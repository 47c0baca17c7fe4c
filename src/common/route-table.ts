import { Injectable, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';

interface Route {
  pattern: RegExp;
  methods: Set<string>;
}

const asList = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : [''];

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `/records/:id/process` -> a pattern matching `/records/abc/process` (and `/records/abc/process/`). */
function templatePattern(template: string): RegExp {
  const segments = template
    .split('/')
    .filter(Boolean)
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : escape(segment)));
  // Case-insensitive with an optional trailing slash, as Express routes by default.
  return new RegExp(`^/${segments.join('/')}/?$`, 'i');
}

/**
 * The route templates of the app's controllers and the methods each serves, read from
 * Nest's own route metadata (so it holds on any HTTP adapter). Built on first use:
 * only a request that matched no route (a 404) ever asks.
 */
@Injectable()
export class RouteTable {
  private routes?: Route[];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  /** The methods `path` is served with (HEAD wherever GET), sorted; empty for an unknown path. */
  allowedMethods(path: string): string[] {
    const allowed = new Set<string>();
    for (const route of (this.routes ??= this.build())) {
      if (route.pattern.test(path)) for (const method of route.methods) allowed.add(method);
    }
    if (allowed.has('GET')) allowed.add('HEAD');
    return [...allowed].sort();
  }

  private build(): Route[] {
    const byTemplate = new Map<string, Set<string>>();
    for (const wrapper of this.discovery.getControllers()) {
      const { metatype } = wrapper;
      if (!metatype || !wrapper.instance) continue;
      const prefixes = asList(Reflect.getMetadata(PATH_METADATA, metatype));
      const prototype = Object.getPrototypeOf(wrapper.instance) as object;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = (prototype as Record<string, unknown>)[name] as object;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        const verbs =
          method === RequestMethod.ALL
            ? ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']
            : [RequestMethod[method]];
        for (const prefix of prefixes) {
          for (const path of asList(Reflect.getMetadata(PATH_METADATA, handler))) {
            const template = `/${[prefix, path].join('/')}`.replace(/\/+/g, '/');
            const methods = byTemplate.get(template) ?? new Set<string>();
            for (const verb of verbs) methods.add(verb);
            byTemplate.set(template, methods);
          }
        }
      }
    }
    return [...byTemplate].map(([template, methods]) => ({
      pattern: templatePattern(template),
      methods,
    }));
  }
}
