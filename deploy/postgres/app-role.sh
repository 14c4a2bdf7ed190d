#!/bin/sh
# Runs once, when the PostgreSQL volume is created (docker-entrypoint-initdb.d).
# The application connects as cep_app, which owns no table: it cannot drop the
# triggers that keep audit_log and case_events append-only, nor alter the schema.
# Migrations run as the owner role ($POSTGRES_USER), whose tables cep_app may read
# and write by default privileges; migration 00009 also takes UPDATE and DELETE on
# audit_log and case_events away from cep_app.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<EOSQL
CREATE ROLE cep_app LOGIN PASSWORD '${CEP_APP_DB_PASSWORD}';
GRANT CONNECT ON DATABASE "$POSTGRES_DB" TO cep_app;
GRANT USAGE ON SCHEMA public TO cep_app;
ALTER DEFAULT PRIVILEGES FOR ROLE "$POSTGRES_USER" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO cep_app;
ALTER DEFAULT PRIVILEGES FOR ROLE "$POSTGRES_USER" IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO cep_app;
EOSQL
