-- swe-forge's own database beside Temporal's; its tables come from infra/migrations when a worker starts.
CREATE USER swe_forge WITH PASSWORD 'swe_forge';
CREATE DATABASE swe_forge OWNER swe_forge;
