-- Runs once, on the first start of an empty PostgreSQL data directory (docker-entrypoint-initdb.d).
-- One database per service (each service owns its data); one application role owns them all here.
-- Production would give each service its own role; this is the local/compose setup.
CREATE ROLE lklr WITH LOGIN PASSWORD 'lklr';

CREATE DATABASE registry OWNER lklr;
CREATE DATABASE portfolio OWNER lklr;
CREATE DATABASE accreditation OWNER lklr;
CREATE DATABASE audit OWNER lklr;
