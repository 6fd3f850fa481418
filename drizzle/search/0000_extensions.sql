-- Trigram matching for typo tolerance. Extensions are per database and need a superuser, which the
-- migrator is; `public` is usable by every role, so the (non-superuser) search role can call
-- similarity() and use gin_trgm_ops. IF NOT EXISTS: another service may already have installed it.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
