import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { ConfigService } from '@nestjs/config';
import { Environment } from '../config/environment';
import { RecordsController } from './records.controller';
import { RecordsService, RULE_SET } from './records.service';
import { RecordsWorker } from './records.worker';
import { loadRuleSet } from './rules/rules-file';

@Module({
  imports: [IdempotencyModule],
  controllers: [RecordsController],
  providers: [
    RecordsService,
    RecordsWorker,
    {
      // Loaded and validated at start-up: a bad rules file stops the service.
      provide: RULE_SET,
      inject: [ConfigService],
      useFactory: (config: ConfigService<Environment, true>) =>
        loadRuleSet(config.get('RULES_FILE', { infer: true })),
    },
  ],
})
export class RecordsModule {}
