import type { Collector } from '../collector.js';
import { apiDumpCollector } from './api-dump.js';
import { configCollector } from './config.js';
import { diagnosticReportCollector } from './diagnostic-report.js';
import { engineCollector } from './engine.js';
import { logsCollector } from './logs.js';
import { memoryCollector } from './memory.js';
import { openFilesCollector, processTreeCollector } from './processes.js';
import { versionsCollector } from './versions.js';

/** Every collector of a support bundle, in manifest order. */
export const COLLECTORS: readonly Collector[] = [
  versionsCollector,
  configCollector,
  diagnosticReportCollector,
  logsCollector,
  processTreeCollector,
  openFilesCollector,
  memoryCollector,
  apiDumpCollector,
  engineCollector,
];
