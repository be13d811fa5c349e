/*
 * Site settings, editable from the admin UI; the rows below are the defaults.
 * Mind the quoting: the tagline has an apostrophe, the footer has semicolons,
 * and the Windows share path ends in a backslash (it doesn't escape the quote).
 */
CREATE TABLE blog.settings (
    key        text PRIMARY KEY,
    value      text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO blog.settings (key, value) VALUES
    ('site.title',    'Notes from the Shed'),
    ('site.tagline',  E'It\'s mostly woodworking; sometimes code'),
    ('site.footer',   'Powered by coffee; hosted on a Pi; (c) the authors'),
    ('author.quote',  'O''Brien said: "measure twice; cut once"'),
    ('editor.hint',   E'Type \\n for a line break and \'\' for a quote'),
    ('backup.share',  'C:\Users\Public\blog\'),   -- standard_conforming_strings: that's the whole path
    ('markdown.note', '$$ is not a dollar quote in here -- and this is not a comment'),
    ('legacy.sql',    '/* not a comment either */ SELECT 1;');

/* Old default, kept until the theme picker ships (it's commented out on purpose):
INSERT INTO blog.settings (key, value) VALUES ('site.theme', 'dark');  /* was 'light' */
*/
