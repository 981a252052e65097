-- The analysis job queue: db-scheduler's table in its documented schema (AnalysisJobs), with the
-- H2 type for the task data. IF NOT EXISTS: see V1.
CREATE TABLE IF NOT EXISTS lcds_scheduled_tasks (
  task_name VARCHAR(100) NOT NULL,
  task_instance VARCHAR(200) NOT NULL,
  task_data VARBINARY(65536),
  execution_time TIMESTAMP WITH TIME ZONE NOT NULL,
  picked BOOLEAN NOT NULL,
  picked_by VARCHAR(100),
  last_success TIMESTAMP WITH TIME ZONE,
  last_failure TIMESTAMP WITH TIME ZONE,
  consecutive_failures INT,
  last_heartbeat TIMESTAMP WITH TIME ZONE,
  version BIGINT NOT NULL,
  priority SMALLINT,
  PRIMARY KEY (task_name, task_instance));
CREATE INDEX IF NOT EXISTS lcds_scheduled_tasks_execution_time ON lcds_scheduled_tasks (execution_time);
CREATE INDEX IF NOT EXISTS lcds_scheduled_tasks_last_heartbeat ON lcds_scheduled_tasks (last_heartbeat);
