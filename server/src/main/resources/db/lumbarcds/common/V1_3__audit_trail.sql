-- The audit trail (AuditTrail writes, AuditEventStore serves it at /fhir/AuditEvent;
-- docs/security.md): one row per AuditEvent, its JSON as recorded, and what the security team
-- searches by. Kept apart from HAPI's resource tables: an AuditEvent costs a few inserts here,
-- not a resource's indexing, and never takes part in the clinical record (compartments,
-- $everything, references that would hold a deletion back).
CREATE TABLE lcds_audit_event (
  id VARCHAR(64) NOT NULL PRIMARY KEY,
  recorded_ms BIGINT NOT NULL,
  subtype VARCHAR(64),
  outcome VARCHAR(8),
  resource_json VARCHAR(200000) NOT NULL);
CREATE INDEX lcds_audit_event_recorded ON lcds_audit_event (recorded_ms);
CREATE TABLE lcds_audit_event_patient (
  event_id VARCHAR(64) NOT NULL REFERENCES lcds_audit_event (id),
  patient VARCHAR(200) NOT NULL);
CREATE INDEX lcds_audit_event_patient_ref ON lcds_audit_event_patient (patient);
CREATE TABLE lcds_audit_event_agent (
  event_id VARCHAR(64) NOT NULL REFERENCES lcds_audit_event (id),
  name VARCHAR(512) NOT NULL);
CREATE INDEX lcds_audit_event_agent_name ON lcds_audit_event_agent (name);
