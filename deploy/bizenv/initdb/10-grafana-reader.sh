#!/bin/sh
# Runs once, when the postgres container initialises an empty data volume.
# Creates the login role Grafana reads with: a member of bizenv_readonly,
# which bizenv's first migration grants SELECT on its tables (and creates
# if it is missing; it is made here first so the membership can be given).
set -eu
password=$(cat "${GRAFANA_DB_PASSWORD_FILE:-/run/secrets/grafana_db_password}")
psql -v ON_ERROR_STOP=1 -v password="$password" \
    --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bizenv_readonly') THEN
        CREATE ROLE bizenv_readonly NOLOGIN;
    END IF;
END
$$;
SELECT format('CREATE ROLE grafana_reader LOGIN PASSWORD %L IN ROLE bizenv_readonly', :'password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'grafana_reader')
\gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO bizenv_readonly', current_database())
\gexec
SQL
