import { Module } from '@nestjs/common';
import { ConsoleController } from './console.controller';

/** GET /console: the operations console, served by the service itself. */
@Module({ controllers: [ConsoleController] })
export class ConsoleModule {}
