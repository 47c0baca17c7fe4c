import { Module } from '@nestjs/common';
import { RecordActivityRepository } from '../records/record-activity.repository';
import { RecordCountsRepository } from './record-counts.repository';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';

@Module({
  controllers: [ReportsController],
  providers: [ReportsService, RecordCountsRepository, RecordActivityRepository],
  exports: [RecordCountsRepository],
})
export class ReportsModule {}
