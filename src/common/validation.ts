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

const hasPayload = (value: unknown): value is { payload: unknown } =>
  value !== null &&
  typeof value === 'object' &&
  !Array.isArray(value) &&
  Object.hasOwn(value, 'payload');

/**
 * class-transformer, except that a body's `payload` is handed over as parsed:
 * it is opaque JSON, and walking it would rebuild it (keys such as "constructor"
 * even make class-transformer throw).
 */
const payloadPreservingTransformer: TransformerPackage = {
  plainToInstance: <T>(
    metatype: ClassConstructor<T>,
    value: unknown,
    options?: ClassTransformOptions,
  ) => {
    if (!hasPayload(value)) return plainToInstance(metatype, value, options);
    const { payload, ...rest } = value;
    return Object.assign(plainToInstance(metatype, rest, options) as object, { payload }) as T;
  },
  classToPlain: instanceToPlain,
};

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
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
    if (hasPayload(value)) {
      const body: { payload?: unknown } = value;
      const { payload } = body;
      delete body.payload;
      super.stripProtoKeys(body);
      body.payload = payload;
      return;
    }
    super.stripProtoKeys(value);
  }
}
