import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { TransformerPackage } from '@nestjs/common/interfaces/external/transformer-package.interface';
import {
  ClassConstructor,
  ClassTransformOptions,
  instanceToPlain,
  plainToInstance,
} from 'class-transformer';
import { ValidateIf } from 'class-validator';
import { FieldError, RequestValidationError } from './problem';

/**
 * A field that may be left out: every rule applies unless it is absent (`undefined`).
 * class-validator's IsOptional skips `null` too, so an explicit `null` would pass every
 * rule and replace the default (`{"limit": null}` became `LIMIT NULL`: no limit at all);
 * here `null` is validated, and the pipe refuses it as "<field> must not be null".
 * Use it instead of IsOptional in request DTOs (eslint refuses IsOptional there).
 */
export const IsOmittable = (): PropertyDecorator =>
  ValidateIf((_object, value) => value !== undefined);

export const notNullMessage = (field: string): string => `${field} must not be null`;

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const hasPayload = (value: unknown): value is { payload: unknown } =>
  isObject(value) && Object.hasOwn(value, 'payload');

/** The objects of a body that carry a payload: the body itself, or each item of its `records`. */
function payloadHolders(value: unknown): { payload: unknown }[] {
  if (hasPayload(value)) return [value];
  if (isObject(value) && Array.isArray(value.records)) return value.records.filter(hasPayload);
  return [];
}

/**
 * Takes the payloads out of a body (a record, or a batch's records), runs `work` on what is
 * left, and puts them back where they were: a payload is opaque JSON, never walked.
 */
function withoutPayloads<T>(value: unknown, work: () => T): T {
  const holders = payloadHolders(value);
  const payloads = holders.map((holder) => holder.payload);
  for (const holder of holders) delete (holder as { payload?: unknown }).payload;
  try {
    return work();
  } finally {
    holders.forEach((holder, i) => (holder.payload = payloads[i]));
  }
}

/** The same payloads, from a transformed body, back on the instance built from it. */
function restorePayloads(plain: unknown, instance: unknown): void {
  if (hasPayload(plain)) {
    (instance as { payload: unknown }).payload = plain.payload;
  } else if (isObject(plain) && Array.isArray(plain.records) && isObject(instance)) {
    const items = instance.records;
    if (!Array.isArray(items)) return;
    plain.records.forEach((item, i) => {
      if (hasPayload(item) && isObject(items[i])) items[i].payload = item.payload;
    });
  }
}

/**
 * class-transformer, except that a body's `payload` (or each batch item's) is handed over
 * as parsed: it is opaque JSON, and walking it would rebuild it (keys such as
 * "constructor" even make class-transformer throw).
 */
const payloadPreservingTransformer: TransformerPackage = {
  plainToInstance: <T>(
    metatype: ClassConstructor<T>,
    value: unknown,
    options?: ClassTransformOptions,
  ) => {
    const instance = withoutPayloads(value, () => plainToInstance(metatype, value, options));
    restorePayloads(value, instance);
    return instance;
  },
  classToPlain: instanceToPlain,
};

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    // An array item is named as in JSON paths: records[3].payload.
    const field = !parent
      ? error.property
      : /^\d+$/.test(error.property)
        ? `${parent}[${error.property}]`
        : `${parent}.${error.property}`;
    // No field takes null: one message for it, whichever rule noticed first.
    if (error.value === null) return [{ field, message: notNullMessage(field) }];
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * The one validation pipe: strict DTOs (unknown fields are refused), the contract's
 * 400 body with per-field details, and a record's payload kept exactly as sent.
 */
@Injectable()
export class AppValidationPipe extends ValidationPipe {
  constructor() {
    super({
      transform: true,
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      stopAtFirstError: true,
      transformerPackage: payloadPreservingTransformer,
      exceptionFactory: (errors) => new RequestValidationError(flatten(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (
      metadata.type === 'body' &&
      this.toValidate(metadata) &&
      (value === null || typeof value !== 'object' || Array.isArray(value))
    ) {
      throw new RequestValidationError([
        { field: 'body', message: 'request body must be a JSON object' },
      ]);
    }
    return super.transform(value, metadata);
  }

  /**
   * Nest deletes `__proto__`, `constructor` and `prototype` keys at every depth
   * against prototype pollution. A payload is opaque data, never merged into an
   * object, so its keys are kept as the client sent them (dropping them would
   * silently change what is stored); the rest of the body is stripped as usual.
   */
  protected override stripProtoKeys(value: unknown): void {
    withoutPayloads(value, () => super.stripProtoKeys(value));
  }
}
