import { Module } from '@nestjs/common';
import { RecordCountsRepository } from './record-counts.repository';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';

@Module({
  controllers: [ReportsController],
  providers: [ReportsService, RecordCountsRepository],
  exports: [RecordCountsRepository],
})
export class ReportsModule {}
