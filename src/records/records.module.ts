import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Environment } from '../config/environment';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { ReportsModule } from '../reports/reports.module';
import { RecordsController } from './records.controller';
import { RecordsRepository } from './records.repository';
import { RecordsService, RULE_SET } from './records.service';
import { RecordsWorker } from './records.worker';
import { loadRuleSet } from './rules/rules-file';

@Module({
  imports: [IdempotencyModule, ReportsModule],
  controllers: [RecordsController],
  providers: [
    RecordsService,
    RecordsRepository,
    RecordsWorker,
    {
      // Loaded and validated at start-up: a bad rules file stops the service.
      provide: RULE_SET,
      inject: [ConfigService],
      useFactory: (config: ConfigService<Environment, true>) =>
        loadRuleSet(config.get('RULES_FILE', { infer: true })),
    },
  ],
  exports: [RecordsRepository],
})
export class RecordsModule {}
