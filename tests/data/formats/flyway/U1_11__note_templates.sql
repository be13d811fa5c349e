DROP TABLE IF EXISTS crm.note_templates;
