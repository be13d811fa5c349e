CREATE TABLE notes.tag (
    note_id bigint NOT NULL REFERENCES notes.note (id) ON DELETE CASCADE,
    tag text NOT NULL,
    PRIMARY KEY (note_id, tag)
);
INSERT INTO notes.note (body) VALUES ('first note'), ('second note');
INSERT INTO notes.tag (note_id, tag) SELECT id, 'inbox' FROM notes.note;
