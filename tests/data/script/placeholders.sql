-- ${schema} in a comment is replaced too
CREATE SCHEMA ${schema};
GRANT USAGE ON SCHEMA ${schema} TO ${app.role};
SELECT '$${schema}', '${1}', '${ schema}', $$ ${schema} $$;
