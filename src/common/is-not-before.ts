import { registerDecorator, ValidationArguments } from 'class-validator';

/** The decorated date must not be earlier than the sibling property `other`. */
export function IsNotBefore(other: string): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isNotBefore',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [other],
      validator: {
        validate: (value: unknown, args: ValidationArguments) => {
          const from = Date.parse(String((args.object as Record<string, unknown>)[other]));
          const to = Date.parse(String(value));
          return Number.isNaN(from) || Number.isNaN(to) || from <= to;
        },
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} must not be before ${other}`,
      },
    });
}
